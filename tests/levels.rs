//! Meters and volume against the real scsynth: the levels the meters report are the levels played.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::audio::sine_def;
use scserver::{controls, Position};
use scserver::{MeterReading, MeterSource, Server};

const SINE_PEAK: f32 = 0.25;
const SINE_RMS: f32 = 0.176_776_7; // 0.25 / √2

fn boot_with_sine() -> Server {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().unwrap();
    start_sine(&server);
    server
}

fn start_sine(server: &Server) {
    server.add_synthdef_bytes(sine_def()).unwrap();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
}

/// The first output reading that `accept` takes, within ten seconds; the failure shows the last
/// output reading.
fn wait_for(
    readings: &mpsc::Receiver<MeterReading>,
    what: &str,
    accept: impl Fn(&MeterReading) -> bool,
) -> MeterReading {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match readings.recv_timeout(left) {
            Ok(reading) if reading.source == MeterSource::Outputs => {
                if accept(&reading) {
                    return reading;
                }
                last = Some(reading);
            }
            Ok(_) => {}
            Err(_) => panic!("no reading with {what} within 10 s; last: {last:?}"),
        }
    }
}

fn close(value: f32, expected: f32, tolerance: f32) -> bool {
    (value - expected).abs() <= tolerance * expected
}

#[test]
fn meters_report_the_peak_and_rms_of_each_channel() {
    let server = boot_with_sine();
    let (tx, readings) = mpsc::channel();
    let mut meters = server
        .meters(20.0, move |reading| {
            let _ = tx.send(reading);
        })
        .unwrap();
    let outputs = server.options().output_bus_channel_count as usize;
    let inputs = server.options().input_bus_channel_count as usize;
    // The first window may start mid-way; a full one follows.
    let reading = wait_for(&readings, "peak 0.25", |r| {
        close(r.levels[0].peak, SINE_PEAK, 0.01)
    });
    assert_eq!(reading.levels.len(), outputs);
    let reading = wait_for(&readings, "a full window", |r| r.levels[0].rms > 0.1);
    assert!(
        close(reading.levels[0].peak, SINE_PEAK, 0.01),
        "{reading:?}"
    );
    assert!(close(reading.levels[0].rms, SINE_RMS, 0.03), "{reading:?}");
    assert!(reading.levels[1..]
        .iter()
        .all(|l| l.peak == 0.0 && l.rms == 0.0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let input = loop {
        let reading = readings
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("an input reading");
        if reading.source == MeterSource::Inputs {
            break reading;
        }
    };
    assert_eq!(input.levels.len(), inputs);
    meters.stop();
    server.quit().unwrap();
}

#[test]
fn volume_scales_mutes_and_survives_reset() {
    let server = boot_with_sine();
    let volume = server.volume();
    volume.set_lag(Duration::ZERO).unwrap();
    let (tx, readings) = mpsc::channel();
    let mut meters = server
        .meters(20.0, move |reading| {
            let _ = tx.send(reading);
        })
        .unwrap();
    wait_for(&readings, "peak 0.25", |r| {
        close(r.levels[0].peak, SINE_PEAK, 0.01)
    });

    volume.set_db(-20.0 * 2f64.log10()).unwrap(); // −6.02 dB: half the amplitude
    assert!((volume.db() + 6.0206).abs() < 1e-3);
    wait_for(&readings, "half the peak and RMS", |r| {
        close(r.levels[0].peak, SINE_PEAK / 2.0, 0.01)
            && close(r.levels[0].rms, SINE_RMS / 2.0, 0.03)
    });

    volume.mute().unwrap();
    assert!(volume.is_muted());
    wait_for(&readings, "silence", |r| r.levels[0].rms == 0.0);
    volume.unmute().unwrap();
    wait_for(&readings, "half the RMS again", |r| {
        close(r.levels[0].rms, SINE_RMS / 2.0, 0.03)
    });

    // Reset frees every node, meters and sine included; the volume synth and the meters come
    // back by themselves (new meter synths read the silence first: the old ones are gone).
    server.reset().unwrap();
    wait_for(&readings, "silence after the reset", |r| {
        r.levels[0].peak == 0.0
    });
    start_sine(&server);
    wait_for(&readings, "half the peak after reset", |r| {
        close(r.levels[0].peak, SINE_PEAK / 2.0, 0.01) && r.levels[0].rms > 0.05
    });
    meters.stop();
    server.quit().unwrap();
}

#[test]
fn volume_survives_a_supervised_restart() {
    use futures::executor::block_on;
    use scserver::{RestartPolicy, ServerSupervisor, SupervisionEvent};

    common::init_tracing();
    let supervisor = ServerSupervisor::new();
    let (restarted_tx, restarted) = mpsc::channel();
    let _restarts = supervisor.on_event(move |n| {
        if matches!(n.event, SupervisionEvent::Restarted { .. }) {
            let _ = restarted_tx.send(());
        }
    });
    let options = scserver::Options {
        restart: RestartPolicy::OnFailure,
        ..common::options()
    };
    let server = block_on(supervisor.add("restarted", options)).unwrap();
    block_on(server.volume().set_db(-20.0 * 2f64.log10())).unwrap();
    let (mut meters, readings) = meter(&server);
    common::supervised::sigkill(server.pid().unwrap());
    restarted
        .recv_timeout(Duration::from_secs(20))
        .expect("restarted within 20 s");
    plays_at_half_amplitude(&server, &readings, "the restart");
    // By name, a reboot and a reset put the volume and the meters back too.
    block_on(supervisor.reboot("restarted")).unwrap();
    plays_at_half_amplitude(&server, &readings, "a reboot by name");
    block_on(supervisor.reset("restarted")).unwrap();
    plays_at_half_amplitude(&server, &readings, "a reset by name");
    block_on(meters.stop());
    block_on(supervisor.shutdown());
}

/// Meters on `server`, started before what a test does to it, and their readings.
fn meter(server: &scserver::AsyncServer) -> (scserver::Meters, mpsc::Receiver<MeterReading>) {
    let (tx, readings) = mpsc::channel();
    let meters = futures::executor::block_on(server.meters(20.0, move |reading| {
        let _ = tx.send(reading);
    }))
    .unwrap();
    (meters, readings)
}

/// Waits until meters started before `after` read the silence of the new process or the reset
/// server (their readings go on), then plays the sine on `server` and waits until they read it
/// at half its amplitude.
fn plays_at_half_amplitude(
    server: &scserver::AsyncServer,
    readings: &mpsc::Receiver<MeterReading>,
    after: &str,
) {
    use futures::executor::block_on;
    wait_for(readings, &format!("silence after {after}"), |r| {
        r.levels[0].peak == 0.0
    });
    block_on(server.add_synthdef_bytes(sine_def())).unwrap();
    block_on(server.add_synth("test_sine", controls! {}, Position::default())).unwrap();
    wait_for(readings, &format!("half the peak after {after}"), |r| {
        close(r.levels[0].peak, SINE_PEAK / 2.0, 0.01) && r.levels[0].rms > 0.05
    });
}

/// Polls (bounded) until `done`.
fn until(what: &str, done: impl Fn() -> bool) {
    assert!(
        common::within(Duration::from_secs(20), done),
        "no {what} within 20 s"
    );
}

/// A volume set before a warm standby is promoted holds after it: put back once, by the
/// server itself, supervised or not (twice would be a quarter of the amplitude); meters started
/// before go on.
fn volume_survives_a_promotion(supervised: bool) {
    use futures::executor::block_on;
    use scserver::{RestartPolicy, ServerSupervisor};

    let options = scserver::Options {
        restart: RestartPolicy::OnFailure,
        standby: 1,
        standby_port: Some(common::free_port()),
        ..common::options()
    };
    let supervisor = ServerSupervisor::new();
    let (server, _alone) = if supervised {
        (block_on(supervisor.add("promoted", options)).unwrap(), None)
    } else {
        let alone = Server::new(options);
        alone.boot().unwrap();
        (alone.as_async().clone(), Some(alone))
    };
    until("standby", || server.standby().is_some());
    block_on(server.volume().set_lag(Duration::ZERO)).unwrap();
    block_on(server.volume().set_db(-20.0 * 2f64.log10())).unwrap();
    let (mut meters, readings) = meter(&server);
    common::supervised::sigkill(server.pid().unwrap());
    until("promotion", || {
        server.promotions() == 1 && server.status() == scserver::Status::Online
    });
    plays_at_half_amplitude(&server, &readings, "the promotion");
    block_on(meters.stop());
    match supervised {
        true => drop(block_on(supervisor.shutdown())),
        false => block_on(server.quit()).unwrap(),
    }
}

#[test]
fn volume_survives_a_promotion_without_a_supervisor() {
    volume_survives_a_promotion(false);
}

#[test]
fn volume_survives_a_supervised_promotion() {
    volume_survives_a_promotion(true);
}
