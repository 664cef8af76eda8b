//! Stale servers: a port held by a scsynth this library recorded, whose owner is gone, is
//! reclaimed at boot; a port held by a live server (of this process or another) or by anything
//! else is an error that names the holder; pid files go away at quit.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{alive, options};
use nix::sys::signal::Signal;
use scserver::{BootError, LifecycleEvent as E, Server, ServerError};
use scserver_actors::stale;

const BIN: &str = env!("CARGO_BIN_EXE_scserver");

/// A process started by the test, stopped by pid with this signal when dropped.
struct Killed(Child, nix::sys::signal::Signal);

impl Drop for Killed {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, self.1);
        let _ = self.0.wait();
    }
}

fn pid_file(port: u16) -> std::path::PathBuf {
    stale::runtime_dir().join(format!("scsynth-{port}.pid"))
}

#[test]
fn pid_file_lives_as_long_as_the_server() {
    common::init_tracing();
    let server = Server::with_name("pidfile", options());
    server.boot().unwrap();
    let port = server.options().port;
    let text = std::fs::read_to_string(pid_file(port)).expect("a pid file while running");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(stale::runtime_dir())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "the pid-file directory is private");
    assert!(
        text.contains(&format!("pid={}", server.pid().unwrap())),
        "{text}"
    );
    server.quit().unwrap();
    assert!(!pid_file(port).exists(), "pid file left after quit");
}

/// The owner of a server that was SIGKILLed before it could quit it: a process recorded as
/// the owner, then killed and reaped.
fn dead_owner() -> stale::Owner {
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let owner = stale::owner(sleeper.id(), "gone").expect("the owner runs");
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    owner
}

#[test]
fn a_stale_server_of_ours_is_reclaimed_at_boot() {
    common::init_tracing();
    let port = common::free_port();
    // A scsynth "left over from an earlier run": started outside the library (so no
    // parent-death link to a server object), on its own dummy JACK server, and recorded for an
    // owner that was killed.
    let jack_name = format!("scserver-stale-{}", std::process::id());
    let _jack = common::Jack::start(&jack_name);
    // A jackd just started can refuse its first client on a loaded machine (the library's own
    // boots retry for that); this bare scsynth gets the same few tries.
    let (child, lines) = (0..3)
        .find_map(|_| {
            let mut child = Command::new("scsynth")
                .args(["-u", &port.to_string(), "-R", "0", "-l", "1", "-D", "0"])
                .env("JACK_DEFAULT_SERVER", &jack_name)
                .env("JACK_NO_START_SERVER", "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            if lines.any(|l| l.is_ok_and(|l| l.contains("server ready"))) {
                return Some((child, lines));
            }
            let _ = child.kill();
            let _ = child.wait();
            None
        })
        .expect("the stale scsynth did not start in three tries");
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let stale_pid = child.id();
    let stale_child = Killed(child, Signal::SIGKILL);
    stale::record(
        port,
        stale_pid,
        std::path::Path::new("/usr/bin/scsynth"),
        dead_owner(),
    );
    // The same record in a file of another user's is not trusted: the server is left alone.
    std::os::unix::fs::chown(pid_file(port), Some(65534), Some(65534)).unwrap();
    let refused = Server::with_name("distrustful", scserver::Options { port, ..options() });
    match refused.boot().unwrap_err() {
        ServerError::Boot(BootError::PortInUse {
            holder: Some(h),
            owner: None,
            ..
        }) => assert!(h.contains(&format!("pid {stale_pid}")), "{h}"),
        other => panic!("{other}"),
    }
    assert!(alive(stale_pid));
    stale::record(
        port,
        stale_pid,
        std::path::Path::new("/usr/bin/scsynth"),
        dead_owner(),
    );

    let server = Server::with_name("reclaimer", scserver::Options { port, ..options() });
    server.boot().expect("the port is reclaimed");
    assert_ne!(server.pid(), Some(stale_pid));
    drop(stale_child); // reaps it: it was killed by the reclaim
    assert!(!alive(stale_pid));
    server.sync().unwrap();
    server.quit().unwrap();
}

/// The holder and owner a refused boot names.
fn refusal(error: &ServerError) -> (String, String) {
    match error {
        ServerError::Boot(BootError::PortInUse {
            holder: Some(holder),
            owner: Some(owner),
            ..
        }) => (holder.clone(), owner.clone()),
        other => panic!("expected a port held by a live server: {other}"),
    }
}

#[test]
fn a_second_server_of_one_process_is_refused_the_port_of_the_first() {
    common::init_tracing();
    let first = Server::with_name("first", options());
    first.boot().unwrap();
    let port = first.options().port;
    let pid = first.pid().unwrap();
    let second = Server::with_name("second", scserver::Options { port, ..options() });
    let error = second.boot().unwrap_err();
    let (holder, owner) = refusal(&error);
    assert_eq!(holder, format!("scsynth pid {pid}"));
    assert!(
        owner.contains(&format!("pid {} (server \"first\")", std::process::id())),
        "{owner}"
    );
    assert!(second.pid().is_none(), "no scsynth was started");
    assert!(alive(pid));
    first.sync().expect("the first server still answers");
    assert_eq!(first.pid(), Some(pid));
    first.quit().unwrap();
}

/// A `scserver run` child process; SIGINT and waited for when dropped.
struct Run(Child);

impl Drop for Run {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, Signal::SIGINT);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while self.0.try_wait().ok().flatten().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = self.0.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.wait();
    }
}

#[test]
fn a_port_held_by_another_live_process_is_refused_and_that_server_left_alone() {
    common::init_tracing();
    let port = common::free_port();
    let config =
        std::env::temp_dir().join(format!("scserver-stale-{}-{port}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!(
            "[defaults]\nstart_jack = true\nload_synthdefs = false\n\n\
             [[server]]\nname = \"main\"\nport = {port}\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["run", config.to_str().unwrap(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let run = Run(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let booted = loop {
        let event = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the first process boots its server");
        if event["event"] == "booted" {
            break event;
        }
    };
    let scsynth = booted["pid"].as_u64().unwrap() as u32;

    let server = Server::with_name("intruder", scserver::Options { port, ..options() });
    let error = server.boot().unwrap_err();
    let (holder, owner) = refusal(&error);
    assert_eq!(holder, format!("scsynth pid {scsynth}"));
    assert_eq!(
        owner,
        format!("scserver pid {} (server \"main\")", run.0.id())
    );
    assert!(
        error.to_string().contains(&format!(
            "port {port} is held by scsynth pid {scsynth}, started by scserver pid {} (server \"main\")",
            run.0.id()
        )),
        "{error}"
    );
    assert!(alive(scsynth), "the first process's server was killed");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    runtime
        .block_on(scserver::probe::query_status(
            address,
            Duration::from_secs(2),
        ))
        .expect("the first process's server still answers /status");
    assert!(
        rx.try_iter().all(|e| e["event"] != "process_panicked"),
        "the first process saw its server die"
    );
    drop(run);
    std::fs::remove_file(config).ok();
}

#[test]
fn a_port_held_by_something_else_names_the_holder() {
    common::init_tracing();
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    // Even with a pid file that claims the port, a holder that is not that process is left alone.
    stale::record(
        port,
        std::process::id(),
        std::path::Path::new("/usr/bin/scsynth"),
        dead_owner(),
    );
    let server = Server::with_name("refused", scserver::Options { port, ..options() });
    let events = common::Recorder::default();
    let _events = server.register_lifecycle_callback([], events.callback());
    let error = server.boot().unwrap_err();
    let text = error.to_string();
    match &error {
        ServerError::Boot(BootError::PortInUse {
            holder: Some(h), ..
        }) => {
            assert!(h.contains(&format!("pid {}", std::process::id())), "{h}");
        }
        other => panic!("{other}"),
    }
    assert!(
        text.contains(&format!("port {port} is already in use by pid")),
        "{text}"
    );
    assert_eq!(events.events(), [E::Booting, E::ProcessPanicked]);
    assert!(server.pid().is_none(), "no scsynth was started");
    let _ = std::fs::remove_file(pid_file(port));
    drop(holder);
}
