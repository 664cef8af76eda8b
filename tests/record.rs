//! Realtime recording against the real scsynth, checked by listening to the file it writes.

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::audio::{self, scratch_dir, sine_def, Audio};
use futures::executor::block_on;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver::{controls, Position};
use scserver::{
    AddAction, AsyncServer, Commands, EndReason, HeaderFormat, Options, RecordOptions,
    RecordingEnded, Render, RenderJob, RenderSettings, RestartPolicy, SampleFormat, Score, Server,
    ServerSupervisor,
};

/// scsynth's control block, in frames.
const BLOCK: usize = 64;

fn boot() -> Server {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().unwrap();
    server.add_synthdef_bytes(sine_def()).unwrap();
    server
}

fn mono(seconds: f64) -> RecordOptions {
    RecordOptions {
        channels: 1,
        duration: Some(Duration::from_secs_f64(seconds)),
        ..RecordOptions::default()
    }
}

/// Frequency and RMS of the first channel.
fn measure(path: &Path) -> (Audio, f64, f64) {
    let audio = Audio::read(path);
    let samples = &audio.channels[0];
    assert!(samples.iter().all(|s| s.is_finite()), "NaN or infinity");
    let frequency = audio::frequency(samples, audio.sample_rate);
    let rms = audio::rms(samples);
    (audio, frequency, rms)
}

/// The same sine rendered offline for two seconds.
fn nrt_sine(path: &Path) {
    let mut score = Score::new();
    let define = scserver::Command::DRecv {
        data: sine_def(),
        completion: vec![],
    };
    score.add(0.0, define).unwrap();
    let node_id = score.allocate_node().expect("a node id");
    let start = scserver::Command::SNew {
        synthdef: "test_sine".into(),
        node_id,
        add_action: AddAction::AddToHead,
        target: 0,
        controls: vec![],
    };
    score.add(0.0, start).unwrap();
    score.set_duration(2.0).unwrap();
    let job = RenderJob {
        options: Options {
            output_bus_channel_count: 1,
            input_bus_channel_count: 0,
            ..Options::default()
        },
        settings: RenderSettings::default(),
        ..RenderJob::new(Commands::Score(score), path)
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { Render::start(job)?.run(|_| {}).await })
        .unwrap();
}

#[test]
fn a_timed_recording_sounds_like_the_offline_render_and_lasts_its_duration() {
    let dir = scratch_dir("record");
    let server = boot();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
    let path = dir.join("timed.wav");
    let recording = server.record(&path, mono(2.0)).unwrap();
    assert_eq!(
        recording.finished(Duration::from_secs(10)).unwrap(),
        path.clone()
    );
    assert!(recording.is_closed());

    let (live, live_frequency, live_rms) = measure(&path);
    let sample_rate = live.sample_rate as usize;
    let frames = live.frames();
    assert!(
        frames.abs_diff(2 * sample_rate) <= BLOCK,
        "{frames} frames for 2 s at {sample_rate} Hz"
    );
    let offline = dir.join("offline.wav");
    nrt_sine(&offline);
    let (_, nrt_frequency, nrt_rms) = measure(&offline);
    let expected_rms = 0.25 / 2f64.sqrt();
    for (what, frequency, rms) in [
        ("realtime", live_frequency, live_rms),
        ("offline", nrt_frequency, nrt_rms),
    ] {
        assert!((frequency - 440.0).abs() < 0.5, "{what}: {frequency} Hz");
        assert!(
            (rms - expected_rms).abs() < 0.01 * expected_rms,
            "{what}: rms {rms}"
        );
    }
    assert!((live_frequency - nrt_frequency).abs() < 0.5);
    assert!((live_rms - nrt_rms).abs() < 0.01 * expected_rms);
    server.quit().unwrap();
}

#[test]
fn paused_time_is_not_recorded() {
    let dir = scratch_dir("record");
    let server = boot();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
    let path = dir.join("paused.wav");
    let started = Instant::now();
    let recording = server.record(&path, mono(0.5)).unwrap();
    recording.pause().unwrap();
    // The scenario itself: half a second of wall-clock time passes while paused.
    std::thread::sleep(Duration::from_millis(500));
    recording.resume().unwrap();
    recording.finished(Duration::from_secs(10)).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let audio = Audio::read(&path);
    let frames = audio.frames();
    let half_second = audio.sample_rate as usize / 2;
    assert!(
        frames.abs_diff(half_second) <= BLOCK,
        "{frames} frames for 0.5 s recorded"
    );
    server.quit().unwrap();
}

#[test]
fn stop_and_quit_leave_complete_files() {
    let dir = scratch_dir("record");
    let server = boot();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
    let options = RecordOptions {
        channels: 2,
        header_format: HeaderFormat::Wav,
        sample_format: SampleFormat::Int24,
        buffer_frames: 4096,
        ..RecordOptions::default()
    };
    let stopped = dir.join("stopped.wav");
    let quit = dir.join("quit.wav");
    let first = server.record(&stopped, options.clone()).unwrap();
    let _second = server.record(&quit, options).unwrap();
    // Wait (bounded) until the disk thread has written a first half-buffer.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&quit).map_or(0, |m| m.len()) < 3 * 2 * 2048 {
        assert!(Instant::now() < deadline, "nothing written to {quit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(first.stop().unwrap(), stopped);
    assert!(first.is_closed());
    first.stop().unwrap();
    server.quit().unwrap();
    for path in [&stopped, &quit] {
        let (audio, frequency, rms) = measure(path);
        assert_eq!(audio.channels.len(), 2);
        assert!(
            audio.frames() >= 2048,
            "{path:?}: {} frames",
            audio.frames()
        );
        assert!((frequency - 440.0).abs() < 0.5, "{path:?}: {frequency} Hz");
        assert!(
            (rms - 0.25 / 2f64.sqrt()).abs() < 0.01,
            "{path:?}: rms {rms}"
        );
        assert_eq!(audio::peak(&audio.channels[1]), 0.0, "bus 1 is silent");
    }
}

#[test]
fn bad_record_options_are_refused() {
    let server = boot();
    let error = server
        .record(
            scratch_dir("record").join("never.wav"),
            RecordOptions {
                buffer_frames: 1000,
                ..RecordOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, scserver::RecordError::InvalidOptions { .. }),
        "{error}"
    );
    let error = server
        .record("/nonexistent/dir/x.wav", RecordOptions::default())
        .unwrap_err();
    assert!(error.to_string().contains("/b_write"), "{error}");
    server.quit().unwrap();
}

#[test]
fn the_cli_records_a_running_server_for_its_duration() {
    common::init_tracing();
    let options = Options {
        maximum_logins: 2,
        ..common::options()
    };
    let port = options.port;
    let server = Server::new(options);
    server.boot().unwrap();
    server.add_synthdef_bytes(sine_def()).unwrap();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
    let dir = scratch_dir("record");
    let path = dir.join("cli.wav");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_scserver"))
        .args(["record", "--port", &port.to_string(), "--duration", "1s"])
        .args(["--channels", "1"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let (audio, frequency, _) = measure(&path);
    assert!(
        audio.frames().abs_diff(audio.sample_rate as usize) <= BLOCK,
        "{} frames for 1 s",
        audio.frames()
    );
    assert!((frequency - 440.0).abs() < 0.5, "{frequency} Hz");
    server.quit().unwrap();
}

/// Waits (bounded) until the disk thread has written `bytes` of `path`.
fn wait_for_bytes(path: &Path, bytes: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(path).map_or(0, |m| m.len()) < bytes {
        assert!(Instant::now() < deadline, "nothing written to {path:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records the playing sine on `server` into `path` until the process gets `signal` with the file
/// open, then answers the recording-ended notice and checks the file: readable, every frame the
/// notice counts, a finite 440 Hz sine.
fn signal_while_recording(
    server: &AsyncServer,
    path: &Path,
    options: RecordOptions,
    signal: Signal,
) -> RecordingEnded {
    let (ended_tx, ended) = mpsc::channel();
    let _ended = server.on_recording_ended(move |notice| {
        let _ = ended_tx.send(notice.clone());
    });
    let channels = u64::from(options.channels);
    let recording = block_on(server.record(path, options)).unwrap();
    wait_for_bytes(path, 4 * 4096 * channels);
    assert!(!recording.is_closed());
    kill(Pid::from_raw(server.pid().unwrap() as i32), signal).unwrap();
    let notice = ended
        .recv_timeout(Duration::from_secs(10))
        .expect("a recording-ended notice after the crash");
    assert!(recording.is_closed());
    assert_eq!(notice.path, path);
    assert_eq!(notice.problem, None);
    let (audio, frequency, rms) = measure(path);
    assert!(audio.frames() >= 4096, "{} frames", audio.frames());
    assert_eq!(notice.frames, Some(audio.frames() as u64));
    assert!((frequency - 440.0).abs() < 0.5, "{frequency} Hz");
    assert!((rms - 0.25 / 2f64.sqrt()).abs() < 0.01, "rms {rms}");
    notice
}

fn play_sine(server: &AsyncServer) {
    block_on(server.add_synthdef_bytes(sine_def())).unwrap();
    block_on(server.add_synth("test_sine", controls! {}, Position::default())).unwrap();
}

/// A supervised server playing the sine, and the names of its supervision events.
fn supervised() -> (ServerSupervisor, AsyncServer, mpsc::Receiver<&'static str>) {
    common::init_tracing();
    let supervisor = ServerSupervisor::new();
    let (events_tx, events) = mpsc::channel();
    let events_subscription = supervisor.on_event(move |n| {
        let _ = events_tx.send(n.event.name());
    });
    events_subscription.detach();
    let options = Options {
        restart: RestartPolicy::OnFailure,
        load_synthdefs: false,
        ..common::options()
    };
    let server = block_on(supervisor.add("recorded", options)).unwrap();
    play_sine(&server);
    (supervisor, server, events)
}

fn wait_restarted(events: &mpsc::Receiver<&'static str>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while events.recv_timeout(deadline - Instant::now()).unwrap() != "restarted" {}
}

const MONO: RecordOptions = RecordOptions {
    channels: 1,
    bus: 0,
    header_format: HeaderFormat::Wav,
    sample_format: SampleFormat::Float,
    duration: None,
    buffer_frames: 4096,
};

#[test]
fn a_supervised_server_killed_while_recording_leaves_a_readable_file_and_an_event() {
    let dir = scratch_dir("record");
    let (supervisor, server, events) = supervised();
    let killed = dir.join("killed.wav");
    let notice = signal_while_recording(&server, &killed, MONO, Signal::SIGKILL);
    assert_eq!(notice.reason, EndReason::ServerDied);
    wait_restarted(&events);

    // A reboot by the supervisor ends a recording as a quit.
    play_sine(&server);
    let (ended_tx, ended) = mpsc::channel();
    let _ended = server.on_recording_ended(move |notice| {
        let _ = ended_tx.send(notice.clone());
    });
    let rebooted = dir.join("rebooted.wav");
    let recording = block_on(server.record(&rebooted, MONO)).unwrap();
    wait_for_bytes(&rebooted, 4 * 4096);
    block_on(supervisor.reboot("recorded")).unwrap();
    let notice = ended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(notice.reason, EndReason::ServerQuit);
    assert!(recording.is_closed());
    let (audio, frequency, _) = measure(&rebooted);
    assert_eq!(notice.frames, Some(audio.frames() as u64));
    assert!(audio.frames() >= 4096 && (frequency - 440.0).abs() < 0.5);

    // A reset by the supervisor frees the recorder synth: the file is closed.
    play_sine(&server);
    let reset = dir.join("reset.wav");
    let recording = block_on(server.record(&reset, RecordOptions::default())).unwrap();
    wait_for_bytes(&reset, 4 * 2 * 65_536);
    block_on(supervisor.reset("recorded")).unwrap();
    let notice = ended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        (&notice.path, notice.reason),
        (&reset, EndReason::SynthFreed)
    );
    assert!(recording.is_closed());
    let (audio, frequency, _) = measure(&reset);
    assert_eq!(notice.frames, Some(audio.frames() as u64));
    assert!(audio.frames() >= 4096 && (frequency - 440.0).abs() < 0.5);
    block_on(supervisor.shutdown());
}

#[test]
fn an_unsupervised_server_killed_while_recording_leaves_a_readable_file() {
    common::init_tracing();
    let dir = scratch_dir("record");
    let server = AsyncServer::new(common::options());
    block_on(server.boot()).unwrap();
    play_sine(&server);
    let stereo = RecordOptions {
        channels: 2,
        sample_format: SampleFormat::Int24,
        buffer_frames: 4096,
        ..RecordOptions::default()
    };
    let crashed = dir.join("crashed.wav");
    let notice = signal_while_recording(&server, &crashed, stereo, Signal::SIGKILL);
    assert_eq!(notice.reason, EndReason::ServerDied);
}

#[test]
fn a_server_replaced_by_its_standby_while_recording_leaves_a_readable_file() {
    common::init_tracing();
    let dir = scratch_dir("record");
    let server = AsyncServer::new(Options {
        standby: 1,
        standby_port: Some(common::free_port()),
        ..common::options()
    });
    block_on(server.boot()).unwrap();
    assert!(
        common::within(Duration::from_secs(20), || server.standby().is_some()),
        "no standby"
    );
    play_sine(&server);
    let promoted = dir.join("promoted.wav");
    let notice = signal_while_recording(&server, &promoted, MONO, Signal::SIGKILL);
    assert_eq!(notice.reason, EndReason::ServerDied);
    assert_eq!(server.promotions(), 1);
    // The promoted server records as any other.
    play_sine(&server);
    let after = dir.join("after.wav");
    let recording = block_on(server.record(&after, MONO)).unwrap();
    wait_for_bytes(&after, 4 * 4096);
    block_on(recording.stop()).unwrap();
    let (audio, frequency, _) = measure(&after);
    assert!(audio.frames() >= 4096 && (frequency - 440.0).abs() < 0.5);
    block_on(server.quit()).unwrap();
}

#[test]
fn a_hung_server_the_supervisor_restarts_leaves_a_readable_file() {
    let dir = scratch_dir("record");
    let (supervisor, server, events) = supervised();
    let hung = dir.join("hung.wav");
    let notice = signal_while_recording(&server, &hung, MONO, Signal::SIGSTOP);
    assert_eq!(notice.reason, EndReason::ServerDied);
    wait_restarted(&events);
    block_on(supervisor.shutdown());
}

#[test]
fn stopping_and_timed_ends_are_announced() {
    let dir = scratch_dir("record");
    let server = boot();
    server
        .add_synth("test_sine", controls! {}, Position::default())
        .unwrap();
    let (ended_tx, ended) = mpsc::channel();
    let _ended = server.on_recording_ended(move |notice| {
        let _ = ended_tx.send(notice.clone());
    });
    let timed = dir.join("timed.wav");
    server.record(&timed, mono(0.25)).unwrap();
    let notice = ended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(notice.reason, EndReason::DurationReached);
    assert_eq!(notice.frames, Some(Audio::read(&timed).frames() as u64));
    let stopped = dir.join("stopped.wav");
    server.record(&stopped, mono(60.0)).unwrap().stop().unwrap();
    let notice = ended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((notice.path, notice.reason), (stopped, EndReason::Stopped));
    server.quit().unwrap();
}
