//! Shared test helpers: free ports, options for a private server, event recorders.
#![allow(dead_code)]

use std::net::UdpSocket;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub mod audio;
pub mod supervised;

use scserver::{JackMode, LifecycleEvent, LifecycleNotice, Options};

/// A port on loopback that nothing holds right now, for UDP and TCP alike.
///
/// It is taken below the kernel's ephemeral range: a port the kernel handed out could be handed
/// out again, before the server binds it, to one of the many client sockets that tests running
/// in parallel open (seen: one of 16 servers booted at once lost its port to a client).
pub fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768)
        .clamp(12000, 65535);
    let (low, span) = (10000, ephemeral - 10000);
    // Test binaries run one after another but their tests run at once: start each process at
    // its own place in the range, then walk it.
    let start = std::process::id().wrapping_mul(7919);
    for _ in 0..span {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = (low + start.wrapping_add(n) % span) as u16;
        let free = UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        if free {
            return port;
        }
    }
    panic!("no free port below the ephemeral range {ephemeral}..");
}

/// Options for a private server on a free port, with a dummy JACK server started on demand.
pub fn options() -> Options {
    Options {
        port: free_port(),
        jack: JackMode::Own,
        ..Options::default()
    }
}

/// The server program a real-server test runs against: each test written once over a kind runs
/// on both (see [`on_both_servers`](crate::on_both_servers)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    Scsynth,
    Supernova,
}

impl ServerKind {
    /// The name the server gives in `/version.reply`.
    pub fn program_name(self) -> &'static str {
        match self {
            ServerKind::Scsynth => "scsynth",
            ServerKind::Supernova => "supernova",
        }
    }

    /// Options for a private server of this kind on a free port (scsynth is the default
    /// executable, so it keeps the options the single-server tests use).
    pub fn options(self) -> Options {
        match self {
            ServerKind::Scsynth => options(),
            ServerKind::Supernova => Options {
                executable: Some("supernova".into()),
                ..options()
            },
        }
    }
}

/// For each named function taking a [`ServerKind`], a module of that name with two tests,
/// `scsynth` and `supernova`, so `cargo test NAME` runs the body on both servers.
#[macro_export]
macro_rules! on_both_servers {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn scsynth() {
                super::$name($crate::common::ServerKind::Scsynth);
            }

            #[test]
            fn supernova() {
                super::$name($crate::common::ServerKind::Supernova);
            }
        }
    )*};
}

/// Initialises tracing once so a failing test shows the library's logs (`RUST_LOG=debug`).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Records lifecycle events in order and lets a test wait for one, with a bound.
#[derive(Clone, Default)]
pub struct Recorder {
    inner: Arc<(Mutex<Vec<LifecycleNotice>>, Condvar)>,
}

impl Recorder {
    /// A callback that records into this recorder.
    pub fn callback(&self) -> impl FnMut(&LifecycleNotice) + Send + 'static {
        self.shared()
    }

    /// A shareable callback that records into this recorder (a supervisor's `on_lifecycle`).
    pub fn shared(&self) -> impl Fn(&LifecycleNotice) + Send + Sync + 'static {
        let inner = self.inner.clone();
        move |n| {
            inner.0.lock().unwrap().push(n.clone());
            inner.1.notify_all();
        }
    }

    /// The events so far.
    pub fn events(&self) -> Vec<LifecycleEvent> {
        self.inner
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|n| n.event)
            .collect()
    }

    /// The notices so far.
    pub fn notices(&self) -> Vec<LifecycleNotice> {
        self.inner.0.lock().unwrap().clone()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.inner.0.lock().unwrap().clear();
    }

    /// Waits until `event` has been recorded, at most `timeout`; returns whether it was.
    pub fn wait_for(&self, event: LifecycleEvent, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut events = self.inner.0.lock().unwrap();
        loop {
            if events.iter().any(|n| n.event == event) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            events = self.inner.1.wait_timeout(events, left).unwrap().0;
        }
    }
}

/// Whether a process with this pid still exists (and is not a zombie of ours).
/// Polls `done` every 10 ms until it holds or `timeout` has passed; whether it held.
pub fn within(timeout: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// scsynth's shared-memory segment for `port`.
pub fn segment(port: u16) -> std::path::PathBuf {
    format!("/dev/shm/SuperColliderServer_{port}").into()
}

pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The boot sequence.
pub const BOOT: [LifecycleEvent; 6] = [
    LifecycleEvent::Booting,
    LifecycleEvent::ProcessBooted,
    LifecycleEvent::Connecting,
    LifecycleEvent::OscConnected,
    LifecycleEvent::Connected,
    LifecycleEvent::Booted,
];

/// The quit sequence of an owner.
pub const QUIT: [LifecycleEvent; 6] = [
    LifecycleEvent::Quitting,
    LifecycleEvent::Disconnecting,
    LifecycleEvent::OscDisconnected,
    LifecycleEvent::Disconnected,
    LifecycleEvent::ProcessQuit,
    LifecycleEvent::Quit,
];

/// The reference SynthDefs (compiled by supriya) beside the project.
pub const SYNTHDEFS: &str = scserver_testdata::SYNTHDEFS;

/// A dummy JACK server a test starts itself (through the library's own starter, which waits
/// until jackd accepts clients), stopped with SIGTERM and waited for when dropped.
pub struct Jack {
    runtime: tokio::runtime::Runtime,
    jack: Option<scserver_actors::jack::DummyJack>,
}

impl Jack {
    /// Starts `jackd -n NAME -d dummy -r 48000 -p 64`. jackd refuses to start while JACK's
    /// machine-wide table of 8 servers is full (other binaries' servers are stopping): try
    /// again, bounded.
    pub fn start(name: &str) -> Jack {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for jackd");
        let deadline = Instant::now() + Duration::from_secs(60);
        let jack = loop {
            let start = scserver_actors::jack::DummyJack::start(
                name.to_owned(),
                48000,
                64,
                Duration::from_secs(10),
            );
            match runtime.block_on(start) {
                Ok(jack) => break jack,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("jackd: {e}; trying again");
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(e) => panic!("jackd: {e}"),
            }
        };
        Jack {
            runtime,
            jack: Some(jack),
        }
    }

    /// The jackd process id.
    pub fn pid(&self) -> Option<u32> {
        self.jack.as_ref().and_then(|j| j.pid())
    }
}

impl Drop for Jack {
    fn drop(&mut self) {
        if let Some(jack) = self.jack.take() {
            self.runtime.block_on(jack.stop(Duration::from_secs(2)));
        }
    }
}
