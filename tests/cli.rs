//! The `scserver` binary, run as a child process, signalled, and checked for leftovers.

mod common;
// Only the tests of the `scserver` program use it: it needs the program built.
#[path = "common/run.rs"]
mod run;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{alive, free_port, segment, within};
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
    within(timeout, || !pids.iter().any(|p| alive(*p)))
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

/// Makes `path` look `age` old.
fn age(path: &std::path::Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[test]
fn a_later_run_sweeps_the_shared_memory_a_killed_run_left() {
    let port = free_port();
    let config = one_server("leftover", port);
    let mut run = Run::start(&config);
    let pids = pids_of(&run.wait_event("booted", Duration::from_secs(20)));
    run.child.kill().unwrap();
    run.wait_exit(Duration::from_secs(5));
    assert!(gone(&pids, Duration::from_secs(5)), "orphans: {pids:?}");
    assert!(segment(port).exists(), "nobody was left to remove it");
    age(&segment(port), Duration::from_secs(120));
    // On a dummy jackd of its own, the killed scsynth's JACK client semaphore is left too.
    let semaphores: Vec<PathBuf> = std::fs::read_dir("/dev/shm")
        .unwrap()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("jack_sem.")
                && name.contains(&format!("_scserver-{}-", run.child.id()))
        })
        .map(|e| e.path())
        .collect();
    semaphores
        .iter()
        .for_each(|s| age(s, Duration::from_secs(120)));
    // What stays: a segment just made (its scsynth may be booting) and one whose port is held.
    let young = free_port();
    std::fs::write(segment(young), b"booting").unwrap();
    let holder = std::net::UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    let held = holder.local_addr().unwrap().port();
    std::fs::write(segment(held), b"live").unwrap();
    age(&segment(held), Duration::from_secs(120));

    let later = one_server("later", free_port());
    let mut run = Run::start(&later);
    run.wait_event("booted", Duration::from_secs(20));
    assert!(
        within(Duration::from_secs(5), || !segment(port).exists()),
        "the leftover was swept"
    );
    assert!(
        within(Duration::from_secs(5), || !semaphores
            .iter()
            .any(|s| s.exists())),
        "{semaphores:?} swept"
    );
    assert!(segment(young).exists() && segment(held).exists());
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGTERM).unwrap();
    run.wait_exit(Duration::from_secs(15));
    for path in [segment(young), segment(held), config, later] {
        std::fs::remove_file(path).ok();
    }
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
    // A config alone: every server in it, by name; one that does not answer is named on stderr
    // and makes the exit 1, after the others are printed.
    let text = std::fs::read_to_string(&config).unwrap();
    let both = config_file(
        "standby-ghost",
        &format!(
            "{text}\n[[server]]\nname = \"ghost\"\nport = {}\n",
            free_port()
        ),
    );
    let out = scserver(&[
        "status",
        "--config",
        both.to_str().unwrap(),
        "--timeout",
        "300ms",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("server:      pair, 127.0.0.1:{port} (active)"))
            && stdout.contains(&format!("pair, 127.0.0.1:{standby_port} (standby)")),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no answer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(both).ok();
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

/// A config of servers `(name, port, extra line)` on the process's shared dummy JACK server.
fn servers_config(servers: &[(&str, u16, &str)]) -> String {
    let mut text = "[defaults]\njack = \"shared\"\nload_synthdefs = false\n\n".to_owned();
    for (name, port, extra) in servers {
        text += &format!("[[server]]\nname = \"{name}\"\nport = {port}\n{extra}\n\n");
    }
    text
}

/// The pid of each server that booted and has not quit since, from the events so far.
fn booted_pids(run: &Run) -> std::collections::BTreeMap<String, u32> {
    let mut pids = std::collections::BTreeMap::new();
    for v in run.seen() {
        let Some(server) = v["server"].as_str() else {
            continue;
        };
        if v["event"] == "booted" {
            pids.insert(server.to_owned(), v["pid"].as_u64().unwrap() as u32);
        } else if v["event"] == "quit" {
            pids.remove(server);
        }
    }
    pids
}

#[test]
fn sighup_and_reload_apply_the_edited_config_and_an_invalid_one_changes_nothing() {
    let [pa, pb, pc, pd] = [free_port(), free_port(), free_port(), free_port()];
    let config = config_file(
        "reload",
        &servers_config(&[("a", pa, ""), ("b", pb, ""), ("c", pc, "")]),
    );
    let mut run = Run::start(&config);
    for name in ["a", "b", "c"] {
        run.wait_until(name, Duration::from_secs(40), |v| {
            v["event"] == "booted" && v["server"] == name
        });
    }
    let before = booted_pids(&run);
    let old_c = before["c"];

    // a unchanged, b changed, c removed, d added.
    std::fs::write(
        &config,
        servers_config(&[
            ("a", pa, ""),
            ("b", pb, "heartbeat_interval = \"300ms\""),
            ("d", pd, ""),
        ]),
    )
    .unwrap();
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGHUP).unwrap();
    let reloaded = run.wait_event("reloaded", Duration::from_secs(40));
    assert_eq!(reloaded["started"], serde_json::json!(["d"]), "{reloaded}");
    assert_eq!(reloaded["stopped"], serde_json::json!(["c"]), "{reloaded}");
    assert_eq!(
        reloaded["restarted"],
        serde_json::json!(["b"]),
        "{reloaded}"
    );
    assert_eq!(
        reloaded["unchanged"],
        serde_json::json!(["a"]),
        "{reloaded}"
    );
    let after = booted_pids(&run);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        ["a", "b", "d"],
        "{:?}",
        run.seen()
    );
    assert_eq!(after["a"], before["a"], "a was not touched");
    assert!(alive(after["a"]));
    assert_ne!(after["b"], before["b"], "b restarted");
    assert!(alive(after["b"]) && alive(after["d"]));
    assert!(
        gone(&[before["b"], old_c], Duration::from_secs(5)),
        "the old b and c quit"
    );

    // An invalid file: `scserver reload` refuses it with its place and signals nothing; a
    // SIGHUP all the same changes nothing and reports the place too.
    std::fs::write(&config, "[[server]]\nname = \"a\"\nport = = 1\n").unwrap();
    let out = scserver(&["reload", config.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3:8: ", config.display())),
        "{stderr}"
    );
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGHUP).unwrap();
    let failed = run.wait_event("reload_failed", Duration::from_secs(10));
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{}:3:8: ", config.display())),
        "{failed}"
    );
    assert_eq!(booted_pids(&run), after);
    assert!(after.values().all(|p| alive(*p)), "{after:?}");

    // `scserver reload` finds the run by its pid file.
    std::fs::write(
        &config,
        servers_config(&[("a", pa, ""), ("b", pb, "heartbeat_interval = \"300ms\"")]),
    )
    .unwrap();
    let out = scserver(&["reload", config.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = run.wait_until("the second reload", Duration::from_secs(20), |v| {
        v["event"] == "reloaded" && v["stopped"] == serde_json::json!(["d"])
    });
    assert_eq!(
        second["unchanged"],
        serde_json::json!(["a", "b"]),
        "{second}"
    );
    assert!(gone(&[after["d"]], Duration::from_secs(5)), "d quit");
    assert_eq!(booted_pids(&run)["b"], after["b"]);

    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    assert!(gone(&[after["a"], after["b"]], Duration::from_secs(5)));
    let out = scserver(&["reload", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "no run left to reload");
    std::fs::remove_file(config).ok();
}

#[test]
fn under_systemd_it_says_ready_once_every_server_is_online_and_pings_the_watchdog() {
    use std::os::unix::net::UnixDatagram;
    let socket_path = std::env::temp_dir().join(format!("scserver-notify-{}", std::process::id()));
    let _ = std::fs::remove_file(&socket_path);
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let config = config_file(
        "notify",
        &servers_config(&[("n1", free_port(), ""), ("n2", free_port(), "")]),
    );
    let mut run = Run::start_with(&config, |c| {
        c.env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "300000")
            .env_remove("WATCHDOG_PID");
    });
    let mut messages: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    let has = |messages: &[String], line: &str| {
        messages
            .iter()
            .any(|m| m.lines().any(|l| l == line || l.starts_with(line)))
    };
    while !(has(&messages, "READY=1") && has(&messages, "WATCHDOG=1")) {
        assert!(Instant::now() < deadline, "received only {messages:?}");
        let mut buffer = [0u8; 4096];
        if let Ok(n) = socket.recv(&mut buffer) {
            messages.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
        }
    }
    let ready = messages.iter().find(|m| m.contains("READY=1")).unwrap();
    assert!(
        ready.contains("STATUS=2 of 2 servers online"),
        "{messages:?}"
    );
    assert!(has(&messages, "STATUS=booting 2 servers"), "{messages:?}");
    // The run printed both boots too.
    for name in ["n1", "n2"] {
        run.wait_until(name, Duration::from_secs(5), |v| {
            v["event"] == "booted" && v["server"] == name
        });
    }
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    let mut buffer = [0u8; 4096];
    let mut stopping = false;
    while let Ok(n) = socket.recv(&mut buffer) {
        stopping |= String::from_utf8_lossy(&buffer[..n]).contains("STOPPING=1");
    }
    assert!(stopping, "no STOPPING=1 after {messages:?}");
    std::fs::remove_file(socket_path).ok();
    std::fs::remove_file(config).ok();
}

#[test]
fn reload_finds_a_run_whose_config_is_a_link_to_a_replaced_file() {
    // As a Kubernetes ConfigMap updates its files: the named path is a link, and an update
    // points it at a new file.
    let (p1, p2) = (free_port(), free_port());
    let first = config_file("link-v1", &servers_config(&[("l1", p1, "")]));
    let second = config_file(
        "link-v2",
        &servers_config(&[("l1", p1, ""), ("l2", p2, "")]),
    );
    let link = std::env::temp_dir().join(format!("scserver-cli-{}-link.toml", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&first, &link).unwrap();
    let mut run = Run::start(&link);
    run.wait_event("booted", Duration::from_secs(40));
    let swapped = link.with_extension("new");
    std::os::unix::fs::symlink(&second, &swapped).unwrap();
    std::fs::rename(&swapped, &link).unwrap();
    let out = scserver(&["reload", link.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reloaded = run.wait_event("reloaded", Duration::from_secs(40));
    assert_eq!(reloaded["started"], serde_json::json!(["l2"]), "{reloaded}");
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    for file in [link, first, second] {
        std::fs::remove_file(file).ok();
    }
}

#[test]
fn the_deploy_configs_are_valid() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec![format!("{root}/deploy/container.toml")];
    // Each `scserver-N.toml: |` block of the ConfigMap, its indentation removed.
    let map = std::fs::read_to_string(format!("{root}/deploy/kubernetes/configmap.yaml")).unwrap();
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in map.lines() {
        if let Some(name) = line.trim().strip_suffix(": |") {
            blocks.push((name.to_owned(), String::new()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push_str(line.strip_prefix("    ").unwrap_or(line.trim()));
            text.push('\n');
        }
    }
    assert_eq!(blocks.len(), 2, "{map}");
    for (name, text) in &blocks {
        files.push(config_file(name, text).to_str().unwrap().to_owned());
    }
    for file in &files {
        let out = scserver(&["check", file]);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("-B 0.0.0.0"),
            "{file}"
        );
    }
}
