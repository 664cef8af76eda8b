//! Stale servers: a port held by a scsynth this library recorded is reclaimed at boot; a port
//! held by anything else is an error that names the holder; pid files go away at quit.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{alive, options};
use scserver::{BootError, LifecycleEvent as E, Server, ServerError};
use scserver_actors::stale;

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
    server.boot(None).unwrap();
    let port = server.options().port;
    let text = std::fs::read_to_string(pid_file(port)).expect("a pid file while running");
    assert!(
        text.contains(&format!("pid={}", server.pid().unwrap())),
        "{text}"
    );
    server.quit(false).unwrap();
    assert!(!pid_file(port).exists(), "pid file left after quit");
}

#[test]
fn a_stale_server_of_ours_is_reclaimed_at_boot() {
    common::init_tracing();
    let port = common::free_port();
    // A scsynth "left over from an earlier run": started outside the library (so no
    // parent-death link to a server object), on its own dummy JACK server, and recorded.
    let jack_name = format!("scserver-stale-{}", std::process::id());
    let _jack = common::Jack::start(&jack_name);
    let mut child = Command::new("scsynth")
        .args(["-u", &port.to_string(), "-R", "0", "-l", "1", "-D", "0"])
        .env("JACK_DEFAULT_SERVER", &jack_name)
        .env("JACK_NO_START_SERVER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("server ready"))),
        "the stale scsynth did not start"
    );
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let stale_pid = child.id();
    let stale_child = Killed(child, nix::sys::signal::Signal::SIGKILL);
    stale::record(port, stale_pid, std::path::Path::new("/usr/bin/scsynth"));

    let server = Server::with_name("reclaimer", scserver::Options { port, ..options() });
    server.boot(None).expect("the port is reclaimed");
    assert_ne!(server.pid(), Some(stale_pid));
    drop(stale_child); // reaps it: it was killed by the reclaim
    assert!(!alive(stale_pid));
    server.sync(None, None).unwrap();
    server.quit(false).unwrap();
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
    );
    let server = Server::with_name("refused", scserver::Options { port, ..options() });
    let events = common::Recorder::default();
    server.register_lifecycle_callback([], events.callback(), false);
    let error = server.boot(None).unwrap_err();
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
