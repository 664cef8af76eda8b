//! A supervisor whose lifecycle and supervision events are recorded, and what the supervision
//! tests do to and ask of its servers.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::executor::block_on;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{
    AsyncServer, Expectation, LifecycleNotice, Pattern, ServerError, ServerSupervisor,
    SupervisionNotice,
};

/// One recorded event: a lifecycle event or a supervision event, with when and why.
#[derive(Debug, Clone)]
pub enum Ev {
    Life(LifecycleNotice),
    Sup(SupervisionNotice),
}

impl Ev {
    pub fn name(&self) -> &'static str {
        match self {
            Ev::Life(n) => n.event.name(),
            Ev::Sup(n) => n.event.name(),
        }
    }

    pub fn at(&self) -> SystemTime {
        match self {
            Ev::Life(n) => n.at,
            Ev::Sup(n) => n.at,
        }
    }

    pub fn server(&self) -> &str {
        match self {
            Ev::Life(n) => &n.server,
            Ev::Sup(n) => &n.server,
        }
    }
}

#[derive(Clone, Default)]
pub struct Events(Arc<(Mutex<Vec<Ev>>, Condvar)>);

impl Events {
    pub fn push(&self, e: Ev) {
        self.0 .0.lock().unwrap().push(e);
        self.0 .1.notify_all();
    }

    /// Waits for the `n`-th (1-based) event called `name` of `server`, at most `timeout`.
    pub fn wait_nth(&self, server: &str, name: &str, n: usize, timeout: Duration) -> Option<Ev> {
        let deadline = Instant::now() + timeout;
        let mut events = self.0 .0.lock().unwrap();
        loop {
            if let Some(e) = events
                .iter()
                .filter(|e| e.server() == server && e.name() == name)
                .nth(n - 1)
            {
                return Some(e.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            events = self.0 .1.wait_timeout(events, left).unwrap().0;
        }
    }

    pub fn wait(&self, server: &str, name: &str, timeout: Duration) -> Ev {
        self.wait_nth(server, name, 1, timeout).unwrap_or_else(|| {
            panic!(
                "no {name} of {server} within {timeout:?}: {:?}",
                self.names(server)
            )
        })
    }

    pub fn names(&self, server: &str) -> Vec<&'static str> {
        self.0
             .0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.server() == server)
            .map(Ev::name)
            .collect()
    }

    pub fn clear(&self) {
        self.0 .0.lock().unwrap().clear();
    }
}

/// A supervised server's events from the death of its process to the end of its restart.
pub const CRASH_AND_RESTART: [&str; 13] = [
    "process_panicked",
    "osc_panicked",
    "disconnecting",
    "disconnected",
    "quit",
    "restarting",
    "booting",
    "process_booted",
    "connecting",
    "osc_connected",
    "connected",
    "booted",
    "restarted",
];

pub fn supervisor() -> (ServerSupervisor, Events) {
    super::init_tracing();
    let supervisor = ServerSupervisor::new();
    let events = Events::default();
    let e = events.clone();
    let lifecycle = supervisor.on_lifecycle(Arc::new(move |n: &LifecycleNotice| {
        e.push(Ev::Life(n.clone()))
    }));
    lifecycle.detach();
    let e = events.clone();
    let subscription = supervisor.on_event(move |n| e.push(Ev::Sup(n.clone())));
    subscription.detach();
    (supervisor, events)
}

/// An OSC message packet.
pub fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

/// `/n_query` of `node`: its `/n_info`, or the failure.
pub fn query_node(server: &AsyncServer, node: i32) -> Result<OscMessage, ServerError> {
    block_on(server.request(
        message("/n_query", vec![OscType::Int(node)]),
        Expectation {
            command: "/n_query".into(),
            reply: Pattern::new("/n_info").arg(node),
            fail: Some(Pattern::new("/fail").arg("/n_query")),
            timeout: None,
        },
    ))
}

/// Sends the reference `ref_sine` SynthDef and waits for `/done`.
pub fn load_sine(server: &AsyncServer) {
    let bytes = std::fs::read(format!("{}/ref_sine.scsyndef", super::SYNTHDEFS))
        .expect("ref_sine.scsyndef");
    block_on(server.request(
        message("/d_recv", vec![OscType::Blob(bytes)]),
        Expectation {
            command: "/d_recv".into(),
            reply: Pattern::new("/done").arg("/d_recv"),
            fail: Some(Pattern::new("/fail").arg("/d_recv")),
            timeout: Some(Duration::from_secs(5)),
        },
    ))
    .expect("/d_recv");
}

/// Starts a synth of the loaded SynthDef in the default group and checks it exists.
pub fn sine_plays(server: &AsyncServer, node: i32) -> bool {
    let group = server.default_group().expect("online");
    server
        .send(message(
            "/s_new",
            vec![
                OscType::String("ref_sine".into()),
                OscType::Int(node),
                OscType::Int(0),
                OscType::Int(group.get()),
            ],
        ))
        .unwrap();
    query_node(server, node).is_ok()
}

/// Milliseconds from `a` to `b`.
pub fn ms_between(a: SystemTime, b: SystemTime) -> f64 {
    b.duration_since(a).unwrap_or_default().as_secs_f64() * 1e3
}

/// Kills `pid` with SIGKILL, ignoring a process already gone.
pub fn sigkill(pid: u32) {
    let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
}

/// A mono 16-bit WAV file of `frames` silent frames.
pub fn write_wav(path: &std::path::Path, frames: u32) {
    let data = frames * 2;
    let mut b = Vec::new();
    b.extend(b"RIFF");
    b.extend((36 + data).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(1u16.to_le_bytes()); // PCM
    b.extend(1u16.to_le_bytes()); // mono
    b.extend(48_000u32.to_le_bytes());
    b.extend(96_000u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend(data.to_le_bytes());
    b.extend(vec![0u8; data as usize]);
    std::fs::write(path, b).unwrap();
}

/// The frame count `/b_query` reports for `buffer`.
pub fn buffer_frames(server: &AsyncServer, buffer: i32) -> i32 {
    let info = block_on(server.request(
        message("/b_query", vec![OscType::Int(buffer)]),
        Expectation {
            command: "/b_query".into(),
            reply: Pattern::new("/b_info").arg(buffer),
            fail: None,
            timeout: None,
        },
    ))
    .expect("/b_info");
    match info.args[1] {
        OscType::Int(frames) => frames,
        ref other => panic!("{other:?}"),
    }
}
