//! Cold restart against a real scsynth on a dummy JACK server the library starts itself: a
//! killed server comes back at once on the same JACK server, and a hundred crashes leave no
//! process, port or JACK client behind.
//!
//! Every test of this binary needs the library's own JACK server, so the variable that would
//! point scsynth at a shared one is removed before any test reads the environment.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Once;
use std::time::{Duration, SystemTime};

use common::supervised::{supervisor, Ev, CRASH_AND_RESTART};
use common::{alive, free_port, segment, within};
use futures::executor::block_on;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver::{Options, Phase, RestartPolicy, SupervisionEvent, SupervisionNotice};

/// Removes `JACK_DEFAULT_SERVER` once, before the first test of this binary touches the library:
/// tests wait here, so no thread reads the environment while it changes.
fn own_jack() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::env::remove_var("JACK_DEFAULT_SERVER"));
}

fn options() -> Options {
    Options {
        port: free_port(),
        jack: scserver::JackMode::Own,
        load_synthdefs: false,
        restart: RestartPolicy::OnFailure,
        ..Options::default()
    }
}

fn sigkill(pid: u32) {
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).expect("SIGKILL");
}

fn ms_between(a: SystemTime, b: SystemTime) -> f64 {
    b.duration_since(a).unwrap_or_default().as_secs_f64() * 1e3
}

/// The processes whose parent is this test process, by command name (zombies excluded).
fn children() -> BTreeMap<String, Vec<u32>> {
    let me = std::process::id().to_string();
    let mut found: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let mut rest = stat[close + 1..].split_whitespace();
        let (state, parent) = (rest.next(), rest.next());
        if parent == Some(me.as_str()) && state != Some("Z") {
            found
                .entry(stat[open + 1..close].to_owned())
                .or_default()
                .push(pid);
        }
    }
    found
}

/// The ports of JACK server `name` that belong to scsynth clients.
fn scsynth_jack_ports(name: &str) -> Vec<String> {
    let out = Command::new("jack_lsp")
        .args(["-s", name])
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .expect("jack_lsp");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("SuperCollider"))
        .map(str::to_owned)
        .collect()
}

/// The name the library gives the dummy JACK server of the server on `port`.
/// Whether `path` is gone within five seconds (a killed scsynth's is removed in the background).
fn removed(path: &std::path::Path) -> bool {
    within(Duration::from_secs(5), || !path.exists())
}

fn jack_name(port: u16) -> String {
    format!("scserver-{}-{port}", std::process::id())
}

#[test]
fn a_killed_server_comes_back_at_once_on_the_same_jack_server() {
    own_jack();
    let (supervisor, events) = supervisor();
    let server = block_on(supervisor.add("cold", options())).expect("boot");
    let (pid, jack_pid) = (server.pid().unwrap(), server.jack_pid());
    assert!(jack_pid.is_some(), "the library started a JACK server");

    let killed = SystemTime::now();
    sigkill(pid);
    let restarted = events.wait("cold", "restarted", Duration::from_secs(15));
    let at = |name| events.wait("cold", name, Duration::ZERO).at();
    eprintln!(
        "SIGKILL → process_panicked {:.1} ms, → quit {:.1} ms, → booting {:.1} ms, → restarted {:.1} ms",
        ms_between(killed, at("process_panicked")),
        ms_between(killed, at("quit")),
        ms_between(killed, events.wait_nth("cold", "booting", 2, Duration::ZERO).unwrap().at()),
        ms_between(killed, restarted.at()),
    );
    // Nothing between the crash and the new boot but the teardown's own events: the
    // supervisor asked for no delay and the JACK server was not replaced.
    let names = events.names("cold");
    let after: Vec<_> = names
        .iter()
        .skip_while(|n| **n != "process_panicked")
        .copied()
        .collect();
    assert_eq!(after, CRASH_AND_RESTART);
    match events.wait("cold", "restarting", Duration::ZERO) {
        Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::Restarting { attempt: 1, delay },
            ..
        }) => assert_eq!(delay, Duration::ZERO, "a first crash waits for nothing"),
        other => panic!("{other:?}"),
    }
    // The restart ran on the JACK server that was there, and the new scsynth uses it.
    assert_ne!(server.pid(), Some(pid));
    assert_eq!(server.jack_pid(), jack_pid, "the same jackd");
    assert!(alive(jack_pid.unwrap()));
    let Ev::Life(booted) = events
        .wait_nth("cold", "booted", 2, Duration::ZERO)
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(booted.jack_pid, jack_pid);
    block_on(server.sync()).expect("answers after the restart");
    assert_eq!(block_on(supervisor.children())[0].phase, Phase::Running);

    // A quit stops the JACK server with its scsynth.
    block_on(supervisor.shutdown());
    assert!(!alive(server.pid().unwrap_or(pid)));
    assert!(
        !alive(jack_pid.unwrap()),
        "the JACK server is stopped on quit"
    );
}

#[test]
fn a_crash_without_a_restart_stops_the_kept_jack_server() {
    own_jack();
    let (supervisor, events) = supervisor();
    let server = block_on(supervisor.add(
        "never",
        Options {
            restart: RestartPolicy::Never,
            ..options()
        },
    ))
    .expect("boot");
    let jack_pid = server
        .jack_pid()
        .expect("the library started a JACK server");
    let port = server.options().port;
    assert!(segment(port).exists(), "scsynth made its shared memory");
    sigkill(server.pid().unwrap());
    events.wait("never", "quit", Duration::from_secs(5));
    assert!(
        removed(&segment(port)),
        "the killed scsynth's shared memory is removed"
    );
    // Nothing will boot on it: the supervisor lets it go (bounded wait for jackd's exit).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while alive(jack_pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(jack_pid), "the kept JACK server outlived its use");
    assert_eq!(block_on(supervisor.children())[0].phase, Phase::Stopped);
    block_on(supervisor.shutdown());
}

#[test]
fn a_hundred_crashes_leave_no_process_port_or_jack_client_behind() {
    own_jack();
    const CRASHES: usize = 100;
    let (supervisor, events) = supervisor();
    let options = Options {
        // Every crash counts as a first one (the window is over before the next): the loop
        // measures restarts, not backoff.
        restart_window: Duration::from_millis(1),
        max_restarts: 1,
        ..options()
    };
    let port = options.port;
    let server = block_on(supervisor.add("cycles", options)).expect("boot");
    let jack_pid = server
        .jack_pid()
        .expect("the library started a JACK server");
    let ports = scsynth_jack_ports(&jack_name(port));
    assert!(!ports.is_empty(), "scsynth's JACK ports are listed");
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count();
    let started = std::time::Instant::now();
    for i in 1..=CRASHES {
        let pid = server.pid().unwrap_or_else(|| panic!("crash {i}: no pid"));
        sigkill(pid);
        events
            .wait_nth("cycles", "restarted", i, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("crash {i}: no restart: {:?}", events.names("cycles")));
        assert!(!alive(pid), "crash {i}: scsynth {pid} still there");
        assert_eq!(server.jack_pid(), Some(jack_pid), "crash {i}: a new jackd");
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{CRASHES} crash/restart cycles in {elapsed:?} ({:.0} ms each)",
        elapsed.as_secs_f64() * 1e3 / CRASHES as f64
    );
    block_on(server.sync()).expect("answers after the last restart");
    // Each killed scsynth's segment is removed in the background, never the new one's.
    assert!(
        segment(port).exists(),
        "the running scsynth keeps its shared memory"
    );
    let kids = children();
    assert_eq!(
        kids.values().map(Vec::len).sum::<usize>(),
        2,
        "one scsynth and one jackd: {kids:?}"
    );
    assert_eq!(
        scsynth_jack_ports(&jack_name(port)),
        ports,
        "one scsynth client's ports on the JACK server"
    );
    let now = std::fs::read_dir("/proc/self/fd").unwrap().count();
    assert!(
        now <= fds + 2,
        "file descriptors: {fds} before, {now} after"
    );
    assert!(events.names("cycles").iter().all(|n| *n != "gave_up"));

    block_on(supervisor.shutdown());
    assert!(children().is_empty(), "left behind: {:?}", children());
    assert!(removed(&segment(port)), "no shared memory left behind");
    assert!(
        std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok(),
        "port {port} is free again"
    );
}
