//! Shared memory on a real scsynth: control buses agree with `/c_get` and `/c_set` both ways,
//! the mapping is checked and refused with typed errors, reading survives the server being
//! killed, and scopes read back what `ScopeOut2` wrote.

mod common;

use common::ServerKind;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scserver::{controls, BusId, Position};
use scserver::{
    Access, FrequencyScale, LifecycleEvent, Options, Rate, ScopeFrame, Server, SharedMemory,
    SharedMemoryError,
};
use scserver_core::shm::LayoutError;
use scserver_synthdef::ugens::{Out, SinOsc};
use scserver_synthdef::{SynthDef, SynthDefBuilder};

const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

fn boot(options: Options) -> Server {
    common::init_tracing();
    let server = Server::new(options);
    server.boot().expect("boot");
    server
}

/// A 1 kHz sine at amplitude 0.5 on the audio bus `out`.
fn sine() -> SynthDef {
    let b = SynthDefBuilder::new("shm-sine");
    let out = b.kr("out", 0.0);
    let signal = SinOsc::ar(&b).frequency(1000.0).finish() * 0.5;
    Out::ar(&b).bus(out).source(signal).finish();
    b.build().unwrap()
}

/// A server with a sine on a private audio bus; answers the bus.
fn server_with_sine(kind: ServerKind) -> (Server, scserver::Bus<Server>) {
    let server = boot(kind.options());
    let bus = server.add_bus(Rate::Audio).unwrap();
    server
        .add_synth(&sine(), controls! { out: bus.index() }, Position::default())
        .unwrap();
    (server, bus)
}

fn buses_written_through_shared_memory_read_back_by_c_get(kind: ServerKind) {
    let server = boot(kind.options());
    let shm = server.shared_memory(Access::ReadWrite).unwrap();
    let values: Vec<f32> = (0..100).map(|i| i as f32 * 0.5 - 7.25).collect();
    shm.set_bus_range(200, &values).unwrap();
    shm.set_bus(16383, 42.5).unwrap();
    assert_eq!(
        server
            .get_bus_range(BusId::new(Rate::Control, 200), 100)
            .unwrap(),
        values
    );
    assert_eq!(
        server.get_bus(BusId::new(Rate::Control, 16383)).unwrap(),
        42.5
    );

    // The handles, both ways.
    let group = server.add_bus_group(Rate::Control, 3).unwrap();
    group.set_shm(&shm, &[1.0, 2.0, 3.0]).unwrap();
    assert_eq!(group.get().unwrap(), vec![1.0, 2.0, 3.0]);
    let bus = server.add_bus(Rate::Control).unwrap();
    bus.set_shm(&shm, -0.125).unwrap();
    assert_eq!(bus.get().unwrap(), -0.125);
    server.quit().unwrap();
}

fn buses_set_by_c_set_read_through_shared_memory(kind: ServerKind) {
    let server = boot(kind.options());
    let shm = server.shared_memory(Access::ReadOnly).unwrap();
    let group = server.add_bus_group(Rate::Control, 4).unwrap();
    group.set(vec![0.5, -1.5, 2.25, 1e6]).unwrap();
    assert_eq!(group.get_shm(&shm).unwrap(), vec![0.5, -1.5, 2.25, 1e6]);
    let bus = server.add_bus(Rate::Control).unwrap();
    bus.set(3.75).unwrap();
    assert_eq!(bus.get_shm(&shm).unwrap(), 3.75);
    assert_eq!(shm.get_bus(bus.index()).unwrap(), 3.75);
    server.quit().unwrap();
}

fn the_mapping_is_refused_with_typed_errors(kind: ServerKind) {
    common::init_tracing();
    // Not this machine: neither booted here nor on loopback.
    let remote = Server::new(Options {
        ip_address: "192.0.2.7".parse().unwrap(),
        ..kind.options()
    });
    assert!(matches!(
        remote.shared_memory(Access::ReadOnly),
        Err(SharedMemoryError::Remote { .. })
    ));
    // Not running.
    let offline = Server::new(kind.options());
    assert!(matches!(
        offline.shared_memory(Access::ReadOnly),
        Err(SharedMemoryError::Offline { .. })
    ));
    // No segment on a port nothing listens on.
    let err = SharedMemory::open(common::free_port(), 16384, Access::ReadOnly).unwrap_err();
    assert!(matches!(err, SharedMemoryError::Missing { .. }), "{err}");

    let server = boot(Options {
        control_bus_channel_count: 1000,
        ..kind.options()
    });
    let port = server.options().port;
    // Options that do not match the server's `-c`.
    let err = SharedMemory::open(port, 16384, Access::ReadOnly).unwrap_err();
    assert!(
        matches!(
            err,
            SharedMemoryError::Layout {
                source: LayoutError::BusCount {
                    expected: 16384,
                    ..
                },
                ..
            }
        ),
        "{err}"
    );
    let shm = server.shared_memory(Access::ReadOnly).unwrap();
    assert_eq!(shm.control_bus_count(), 1000);
    assert!(matches!(
        shm.set_bus(0, 1.0),
        Err(SharedMemoryError::ReadOnly)
    ));
    assert!(matches!(
        shm.get_bus(1000),
        Err(SharedMemoryError::OutOfRange { count: 1000, .. })
    ));
    assert!(matches!(
        shm.get_bus_range(-1, 2),
        Err(SharedMemoryError::OutOfRange { .. })
    ));
    let audio = server.add_bus(Rate::Audio).unwrap();
    assert!(matches!(
        audio.get_shm(&shm),
        Err(SharedMemoryError::AudioBus(_))
    ));
    // Scopes need to take part in the exchange, so a read-only mapping cannot have one.
    assert!(matches!(
        server.add_scope(&shm, &audio, 1024),
        Err(SharedMemoryError::ReadOnly)
    ));
    server.quit().unwrap();
}

fn reading_survives_the_server_being_killed(kind: ServerKind) {
    let (server, audio) = server_with_sine(kind);
    let recorder = common::Recorder::default();
    let _events = server.register_lifecycle_callback([], recorder.callback());
    let shm = server.shared_memory(Access::ReadWrite).unwrap();
    let mut scope = server.add_scope(&shm, &audio, 1024).unwrap();
    scope.next_frame_blocking(FRAME_TIMEOUT).unwrap();
    server.get_bus(BusId::new(Rate::Control, 0)).unwrap();
    shm.set_bus(5, 0.75).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (shm, stop, reads) = (shm.clone(), stop.clone(), reads.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(shm.get_bus(5).unwrap(), 0.75);
                assert_eq!(shm.get_bus_range(0, 16384).unwrap().len(), 16384);
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let pid = server.pid().unwrap();
    server
        .as_async()
        .signal_process(scserver::ProcessSignal::Kill);
    assert!(
        recorder.wait_for(LifecycleEvent::ProcessPanicked, Duration::from_secs(10)),
        "the kill was noticed: {:?}",
        recorder.events()
    );
    assert!(!common::alive(pid), "scsynth is gone");
    // Keep reading the dead server's memory for a while.
    let after = reads.load(Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(10);
    while reads.load(Ordering::Relaxed) < after + 1000 {
        assert!(Instant::now() < deadline, "the reader stalled");
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("the reader never failed");
    assert_eq!(
        shm.get_bus(5).unwrap(),
        0.75,
        "the last value stays readable"
    );
    // The scope's writer is gone: a frame it staged before dying may still be taken, then
    // nothing more, and no crash.
    scope.try_read().unwrap();
    assert_eq!(scope.try_read().unwrap(), None);
    assert!(matches!(
        server.shared_memory(Access::ReadOnly),
        Err(SharedMemoryError::Offline { .. })
    ));
}

/// Rising zero crossings, interpolated, as a frequency at `sample_rate`.
fn frequency(samples: &[f32], sample_rate: f64) -> f64 {
    let crossings: Vec<f64> = samples
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + (-w[0] / (w[1] - w[0])) as f64)
        .collect();
    assert!(crossings.len() > 2, "a periodic signal: {samples:?}");
    let periods = (crossings.len() - 1) as f64;
    sample_rate * periods / (crossings[crossings.len() - 1] - crossings[0])
}

fn peak(frame: &ScopeFrame) -> f32 {
    frame.samples().iter().fold(0.0f32, |m, s| m.max(s.abs()))
}

fn a_scope_of_a_sine_reads_back_its_peak_and_frequency(kind: ServerKind) {
    let (server, bus) = server_with_sine(kind);
    let shm = server.shared_memory(Access::ReadWrite).unwrap();
    let mut scope = server.add_scope(&shm, &bus, 4096).unwrap();
    let sample_rate = server.query_status().unwrap().nominal_sample_rate;
    // Several frames in a row: each exchange hands over a complete, fresh region.
    let mut previous: Option<ScopeFrame> = None;
    for _ in 0..4 {
        let frame = scope.next_frame_blocking(FRAME_TIMEOUT).unwrap();
        assert_eq!((frame.channels(), frame.frames()), (1, 4096));
        let peak = peak(&frame);
        assert!((peak - 0.5).abs() <= 0.005, "peak {peak}");
        let f = frequency(frame.channel(0), sample_rate);
        assert!((f - 1000.0).abs() <= 10.0, "frequency {f}");
        assert_ne!(previous.as_ref(), Some(&frame), "a new frame each time");
        previous = Some(frame);
    }
    // Freeing the scope frees its synth, which gives the scope buffer back.
    let synth = scope.synth().id();
    drop(scope);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.contains_node(synth) {
        assert!(Instant::now() < deadline, "the scope's synth was freed");
        std::thread::sleep(Duration::from_millis(2));
    }
    server.quit().unwrap();
}

fn a_scope_of_control_buses_keeps_channels_apart(kind: ServerKind) {
    let server = boot(kind.options());
    let shm = server.shared_memory(Access::ReadWrite).unwrap();
    let group = server.add_bus_group(Rate::Control, 2).unwrap();
    group.set_shm(&shm, &[0.25, -0.5]).unwrap();
    let mut scope = server.add_scope(&shm, &group, 256).unwrap();
    let mut other = server.add_scope(&shm, &group, 512).unwrap();
    assert_ne!(
        scope.index(),
        other.index(),
        "each scope has its own buffer"
    );
    let frame = scope.next_frame_blocking(FRAME_TIMEOUT).unwrap();
    assert_eq!((frame.channels(), frame.frames()), (2, 256));
    assert!(frame.channel(0).iter().all(|&s| s == 0.25), "{frame:?}");
    assert!(frame.channel(1).iter().all(|&s| s == -0.5), "{frame:?}");
    assert_eq!(
        other.next_frame_blocking(FRAME_TIMEOUT).unwrap().frames(),
        512
    );
    server.quit().unwrap();
}

fn a_frequency_scope_peaks_at_the_sines_bin(kind: ServerKind) {
    let (server, bus) = server_with_sine(kind);
    let shm = server.shared_memory(Access::ReadWrite).unwrap();
    let (fft_size, rate) = (2048, 4);
    let mut scope = server
        .add_frequency_scope(&shm, &bus, fft_size, rate, FrequencyScale::Linear)
        .unwrap();
    let sample_rate = server.query_status().unwrap().nominal_sample_rate;
    // Until the first FFT, the buffer reads as silence (about -764 dB): wait for a frame read
    // entirely from a spectrum.
    let deadline = Instant::now() + FRAME_TIMEOUT;
    let frame = loop {
        let frame = scope.next_frame_blocking(FRAME_TIMEOUT).unwrap();
        if frame.samples().iter().all(|&db| db > -300.0) {
            break frame;
        }
        assert!(Instant::now() < deadline, "no spectrum: {frame:?}");
    };
    assert_eq!(frame.frames() as u32, fft_size / rate);
    let (loudest, _) = frame
        .channel(0)
        .iter()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |best, (i, &db)| if db > best.1 { (i, db) } else { best },
        );
    // The linear sweep reads about bin 2k at frame position k: two bins per position.
    let position_hz = 2.0 * sample_rate / fft_size as f64;
    let hz = loudest as f64 * position_hz;
    assert!(
        (hz - 1000.0).abs() <= position_hz,
        "peak at {hz} Hz (position {loudest})"
    );
    server.quit().unwrap();
}

on_both_servers!(
    buses_written_through_shared_memory_read_back_by_c_get,
    buses_set_by_c_set_read_through_shared_memory,
    the_mapping_is_refused_with_typed_errors,
    reading_survives_the_server_being_killed,
    a_scope_of_a_sine_reads_back_its_peak_and_frequency,
    a_scope_of_control_buses_keeps_channels_apart,
    a_frequency_scope_peaks_at_the_sines_bin,
);
