//! Servers sharing the process's dummy JACK server (`jack = "shared"`). This test binary clears
//! `JACK_DEFAULT_SERVER` for itself, so the library's own JACK handling is what runs even where a
//! shared development JACK server is named; each test uses its own period, so each gets its own
//! shared jackd while they run in parallel.

mod common;

use std::sync::mpsc;
use std::sync::Once;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use scserver::{
    AsyncServer, Config, JackMode, Options, ServerSupervisor, SupervisionEvent, SupervisionNotice,
};

/// Every test calls this first: the environment is changed once, before any test reads it.
fn without_named_jack() {
    static CLEAR: Once = Once::new();
    CLEAR.call_once(|| std::env::remove_var("JACK_DEFAULT_SERVER"));
    common::init_tracing();
}

fn shared(period: u32) -> Options {
    Options {
        jack: JackMode::Shared,
        jack_period: period,
        load_synthdefs: false,
        // Many scsynth boot at once on two cores, beside other tests.
        boot_timeout: Duration::from_secs(40),
        ..common::options()
    }
}

/// Waits (bounded) until none of `pids` is alive.
fn gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pids.iter().any(|p| common::alive(*p)) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn thirty_two_servers_share_one_jack_server() {
    without_named_jack();
    let supervisor = ServerSupervisor::new();
    let text: String = (0..32)
        .map(|i| {
            format!(
                "[[server]]\nname = \"s{i}\"\nport = {}\njack = \"shared\"\njack_period = 64\n\
                 load_synthdefs = false\nboot_timeout = \"40s\"\n\n",
                common::free_port()
            )
        })
        .collect();
    let config = Config::from_str(&text, std::path::Path::new("thirty-two.toml")).unwrap();
    let started = Instant::now();
    let results = block_on(supervisor.start(&config));
    eprintln!("32 servers booted in {:?}", started.elapsed());
    let servers: Vec<AsyncServer> = results
        .into_iter()
        .map(|(name, r)| r.unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    let mut jacks: Vec<u32> = servers.iter().filter_map(|s| s.jack_pid()).collect();
    assert_eq!(jacks.len(), 32, "every server names its JACK server");
    jacks.dedup();
    assert_eq!(jacks.len(), 1, "one JACK server for all: {jacks:?}");
    let jack = jacks[0];
    let command = std::fs::read_to_string(format!("/proc/{jack}/cmdline")).unwrap();
    assert!(command.starts_with("jackd\0-n\0scserver-"), "{command:?}");
    for s in &servers {
        block_on(s.sync()).unwrap_or_else(|e| panic!("{}: {e}", s.name()));
    }
    let mut pids: Vec<u32> = servers.iter().map(|s| s.pid().unwrap()).collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 32);
    let quits = block_on(supervisor.shutdown());
    assert!(quits.iter().all(|(_, r)| r.is_ok()), "{quits:?}");
    pids.push(jack);
    // The last server gone, the shared jackd is stopped too.
    assert!(
        gone(&pids, Duration::from_secs(10)),
        "left running: {pids:?}"
    );
}

#[test]
fn a_shared_jack_server_outlives_the_server_that_started_it() {
    without_named_jack();
    let first = AsyncServer::with_name("first", shared(128));
    block_on(first.boot()).unwrap();
    let second = AsyncServer::with_name("second", shared(128));
    block_on(second.boot()).unwrap();
    let jack = first.jack_pid().expect("a shared jackd");
    assert_eq!(second.jack_pid(), Some(jack));
    // Each server has an actor thread of its own: the jackd is not the first one's child.
    block_on(first.quit()).unwrap();
    drop(first);
    assert!(
        common::alive(jack),
        "the shared jackd went with its first user"
    );
    block_on(second.sync()).unwrap();
    let pid = second.pid().unwrap();
    block_on(second.quit()).unwrap();
    assert!(
        gone(&[pid, jack], Duration::from_secs(10)),
        "jackd {jack} left running"
    );
}

#[test]
fn servers_restart_on_a_new_shared_jack_server_when_it_dies() {
    without_named_jack();
    let supervisor = ServerSupervisor::new();
    let (tx, events) = mpsc::channel::<SupervisionNotice>();
    let tx = std::sync::Mutex::new(tx);
    let _events = supervisor.on_event(move |n| {
        let _ = tx.lock().unwrap().send(n.clone());
    });
    let servers: Vec<AsyncServer> = ["a", "b"]
        .iter()
        .map(|name| block_on(supervisor.add(name, shared(256))).unwrap())
        .collect();
    let jack = servers[0].jack_pid().expect("a shared jackd");
    assert_eq!(servers[1].jack_pid(), Some(jack));
    let old: Vec<u32> = servers.iter().map(|s| s.pid().unwrap()).collect();
    let jack_name = std::fs::read_to_string(format!("/proc/{jack}/cmdline"))
        .unwrap()
        .split('\0')
        .nth(2)
        .unwrap()
        .to_owned();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(jack as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut restarted = Vec::new();
    while restarted.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("restarted so far: {restarted:?}"));
        if let SupervisionEvent::Restarted { .. } = n.event {
            restarted.push(n.server);
        }
    }
    // The killed jackd's files in /dev/shm are cleared with its slot in JACK's table.
    let leftovers: Vec<String> = std::fs::read_dir("/dev/shm")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.contains(&format!("_{jack_name}_")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let new_jack = servers[0].jack_pid().expect("a new shared jackd");
    assert_ne!(new_jack, jack);
    assert_eq!(servers[1].jack_pid(), Some(new_jack));
    for (s, old) in servers.iter().zip(&old) {
        assert_ne!(s.pid(), Some(*old), "{} was restarted", s.name());
        block_on(s.sync()).unwrap();
    }
    let mut pids: Vec<u32> = servers.iter().map(|s| s.pid().unwrap()).collect();
    block_on(supervisor.shutdown());
    pids.push(new_jack);
    assert!(
        gone(&pids, Duration::from_secs(10)),
        "left running: {pids:?}"
    );
}
