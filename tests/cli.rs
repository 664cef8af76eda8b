//! The `scserver` binary, run as a child process, signalled, and checked for leftovers.

mod common;
// Only the tests of the `scserver` program use it: it needs the program built.
#[path = "common/run.rs"]
mod run;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{alive, free_port};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use run::{config_file, Run, BIN};

fn one_server(tag: &str, port: u16) -> PathBuf {
    config_file(
        tag,
        &format!(
            "[defaults]\nstart_jack = true\nload_synthdefs = false\nrestart = \"on-failure\"\n\n\
             [[server]]\nname = \"{tag}\"\nport = {port}\n"
        ),
    )
}

/// Waits (bounded) until none of `pids` is alive.
fn gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pids.iter().any(|p| alive(*p)) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn pids_of(booted: &serde_json::Value) -> Vec<u32> {
    ["pid", "jack_pid"]
        .iter()
        .filter_map(|k| booted[k].as_u64().map(|p| p as u32))
        .collect()
}

#[test]
fn run_quits_everything_and_exits_0_on_sigint() {
    let config = one_server("sigint", free_port());
    let mut run = Run::start(&config);
    let booted = run.wait_event("booted", Duration::from_secs(20));
    let pids = pids_of(&booted);
    assert!(!pids.is_empty());
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    let status = run.wait_exit(Duration::from_secs(15));
    run.wait_event("quit", Duration::from_secs(1));
    assert_eq!(status.code(), Some(0));
    assert!(
        gone(&pids, Duration::from_secs(2)),
        "left running: {pids:?}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn run_boots_supernova_from_its_config() {
    let config = config_file(
        "supernova",
        &format!(
            "[defaults]\nstart_jack = true\nload_synthdefs = false\n\n\
             [[server]]\nname = \"nova\"\nport = {}\nexecutable = \"supernova\"\n",
            free_port()
        ),
    );
    let mut run = Run::start(&config);
    let booted = run.wait_event("booted", Duration::from_secs(20));
    let pids = pids_of(&booted);
    let programs: Vec<String> = pids
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok())
        .map(|comm| comm.trim().to_owned())
        .collect();
    assert!(programs.iter().any(|p| p == "supernova"), "{programs:?}");
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    assert!(
        gone(&pids, Duration::from_secs(2)),
        "left running: {pids:?}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn run_quits_on_sigterm_too() {
    let config = one_server("sigterm", free_port());
    let mut run = Run::start(&config);
    let pids = pids_of(&run.wait_event("booted", Duration::from_secs(20)));
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    assert!(
        gone(&pids, Duration::from_secs(2)),
        "left running: {pids:?}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn a_killed_run_takes_its_servers_with_it() {
    let config = one_server("sigkill", free_port());
    // Its own dummy jackd, even where a shared JACK server is named for development.
    let mut run = Run::start_with(&config, |c| {
        c.env_remove("JACK_DEFAULT_SERVER");
    });
    let pids = pids_of(&run.wait_event("booted", Duration::from_secs(20)));
    assert_eq!(pids.len(), 2, "scsynth and its jackd");
    run.child.kill().unwrap();
    run.wait_exit(Duration::from_secs(5));
    // The parent-death signal reaches both without any help from the dead parent.
    assert!(gone(&pids, Duration::from_secs(5)), "orphans: {pids:?}");
    std::fs::remove_file(config).ok();
}

#[test]
fn run_restarts_a_killed_server() {
    let config = one_server("restart", free_port());
    let mut run = Run::start(&config);
    let pid = run.wait_event("booted", Duration::from_secs(20))["pid"]
        .as_u64()
        .unwrap() as u32;
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
    let restarting = run.wait_event("restarting", Duration::from_secs(5));
    assert_eq!(restarting["attempt"], 1);
    run.wait_event("restarted", Duration::from_secs(20));
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    std::fs::remove_file(config).ok();
}

#[test]
fn the_shipped_config_restarts_a_killed_server() {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .expect("the shipped config.toml");
    assert!(shipped.contains("port = 57110\n"), "{shipped}");
    let config = config_file(
        "shipped",
        &shipped.replace("port = 57110\n", &format!("port = {}\n", free_port())),
    );
    let mut run = Run::start(&config);
    let pid = run.wait_event("booted", Duration::from_secs(20))["pid"]
        .as_u64()
        .unwrap() as u32;
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
    assert_eq!(
        run.wait_event("restarting", Duration::from_secs(5))["attempt"],
        1
    );
    run.wait_event("restarted", Duration::from_secs(20));
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    std::fs::remove_file(config).ok();
}

fn scserver(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("scserver runs")
}

#[test]
fn a_bad_config_is_refused_with_line_and_column_before_anything_starts() {
    let config = config_file(
        "bad",
        "[defaults]\nstart_jack = true\n\n[[server]]\nname = \"a\"\nport = 57990\nbackoff_min = \"soon\"\n",
    );
    for command in ["run", "check"] {
        let out = scserver(&[command, config.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("{}:7:1: ", config.display()))
                && stderr.contains("backoff_min"),
            "{command}: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "{command} started something: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    std::fs::remove_file(config).ok();
}

#[test]
fn check_prints_what_would_start() {
    let config = config_file(
        "check",
        "[[server]]\nname = \"a\"\nport = 57991\nrestart = \"always\"\n\n[[server]]\nname = \"b\"\nport = 57992\n",
    );
    let out = scserver(&["check", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("a: scsynth") && stdout.contains("-u 57991"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b: scsynth") && stdout.contains("-u 57992"),
        "{stdout}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn check_shows_supernova_with_its_threads() {
    let config = config_file(
        "check-supernova",
        "[[server]]\nname = \"n\"\nport = 57993\nexecutable = \"supernova\"\nthreads = 2\n",
    );
    let out = scserver(&["check", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("n: supernova") && stdout.contains("-u 57993") && stdout.contains("-T 2"),
        "{stdout}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn status_and_tree_of_a_running_server() {
    let server = scserver::Server::with_name("probed", common::options());
    server.boot().unwrap();
    let port = server.options().port.to_string();
    let out = scserver(&["status", "--port", &port, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["group_count"], 2, "{status}");
    let out = scserver(&["status", "--port", &port]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("groups:      2"));
    let out = scserver(&["tree", "--port", &port]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "NODE TREE Group 0\n   1 group\n"
    );
    // With a synth and its controls.
    let def = std::fs::read(format!("{}/ref_sine.scsyndef", common::SYNTHDEFS)).expect("ref_sine");
    use scserver::osc::{OscMessage, OscPacket, OscType};
    let msg = |addr: &str, args| {
        OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        })
    };
    server
        .request(
            msg("/d_recv", vec![OscType::Blob(def)]),
            scserver::Expectation {
                command: "/d_recv".into(),
                reply: scserver::Pattern::new("/done").arg("/d_recv"),
                fail: None,
                timeout: None,
            },
        )
        .unwrap();
    server
        .send(msg(
            "/s_new",
            vec![
                OscType::String("ref_sine".into()),
                OscType::Int(1000),
                OscType::Int(0),
                OscType::Int(1),
            ],
        ))
        .unwrap();
    server.sync().unwrap();
    let out = scserver(&["tree", "--port", &port, "--controls"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("      1000 ref_sine\n") && text.contains("amp: 0.1"),
        "{text}"
    );
    // Neither took the only login: the owner is still the only client and still answers.
    server.sync().unwrap();
    server.quit().unwrap();

    let out = scserver(&["status", "--port", &port, "--timeout", "200ms"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no answer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `status --json` lines of a named server: role and port of each.
fn roles(config: &std::path::Path, name: &str) -> Vec<(String, u64)> {
    let out = scserver(&[
        "status",
        "--server",
        name,
        "--config",
        config.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut roles: Vec<_> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            (
                v["role"].as_str().unwrap_or("").to_owned(),
                v["port"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    roles.sort();
    roles
}

#[test]
fn status_shows_the_active_server_and_its_standby() {
    let (port, standby_port) = (free_port(), free_port());
    let config = config_file(
        "standby",
        &format!(
            "[defaults]\nstart_jack = true\nload_synthdefs = false\n\n[[server]]\nname = \"pair\"\nport = {port}\n\
             standby = 1\nstandby_port = {standby_port}\n"
        ),
    );
    let mut run = Run::start(&config);
    let pids = pids_of(&run.wait_event("booted", Duration::from_secs(20)));
    run.wait_event("standby_ready", Duration::from_secs(20));
    let (port, standby_port) = (u64::from(port), u64::from(standby_port));
    assert_eq!(
        roles(&config, "pair"),
        [("active".into(), port), ("standby".into(), standby_port)]
    );
    kill(Pid::from_raw(pids[0] as i32), Signal::SIGKILL).unwrap();
    run.wait_event("promoted", Duration::from_secs(20));
    // The standby serves; the next standby may still be booting on the old port.
    let now = roles(&config, "pair");
    assert_eq!(now[0], ("active".into(), standby_port), "{now:?}");
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    std::fs::remove_file(config).ok();
}

#[test]
fn status_by_server_name_from_a_config() {
    let config = config_file("byname", "[[server]]\nname = \"x\"\nport = 57993\n");
    let out = scserver(&[
        "status",
        "--server",
        "nope",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no server named \"nope\"") && stderr.contains("x"),
        "{stderr}"
    );
    std::fs::remove_file(config).ok();
}

#[test]
fn run_exits_1_when_every_server_is_down_for_good() {
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let config = config_file(
        "down",
        &format!(
            "[[server]]\nname = \"down\"\nport = {port}\nstart_jack = true\nrestart = \"never\"\n"
        ),
    );
    let mut child = Command::new(BIN)
        .args(["run", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("scserver run did not exit with every server down");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = reader.join().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "port {port} is already in use by pid {}",
            std::process::id()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("every server is down"), "{stderr}");
    std::fs::remove_file(config).ok();
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let config = config_file(
        "nocolour",
        &format!(
            "[[server]]\nname = \"plain\"\nport = {port}\nstart_jack = true\nrestart = \"never\"\n"
        ),
    );
    let out = Command::new(BIN)
        .args(["run", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("WARN"), "a log line was written: {stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "colour codes in a pipe: {stderr:?}"
    );
    std::fs::remove_file(config).ok();
}
