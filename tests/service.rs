//! `scserver run` as a service: its HTTP endpoints against real scsynth processes, and
//! `scserver top` in a pseudo-terminal under tmux.

mod common;
#[path = "common/run.rs"]
mod run;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use run::{config_file, Run, BIN};

/// An HTTP answer: status and body.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port`; `None` while nothing listens there.
fn http(port: u16, method: &str, path: &str, token: Option<&str>) -> Option<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    // A restart answers once the server is up again: seconds, not more.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("an HTTP answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers and a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
    Some(Answer {
        status: status.unwrap_or_else(|| panic!("no status in {head:?}")),
        body: body.to_owned(),
    })
}

/// Asks until `done` accepts an answer; panics after `timeout` with the last one.
fn until(
    port: u16,
    path: &str,
    token: Option<&str>,
    timeout: Duration,
    done: impl Fn(&Answer) -> bool,
) -> Answer {
    let deadline = Instant::now() + timeout;
    loop {
        let answer = http(port, "GET", path, token);
        match answer {
            Some(a) if done(&a) => return a,
            _ if Instant::now() > deadline => panic!(
                "GET {path}: no fitting answer within {timeout:?}; last: {:?}",
                answer.map(|a| (a.status, a.body))
            ),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads Prometheus' text format (as OpenMetrics writes it), failing on any line that does not
/// fit it: comments `# HELP`, `# TYPE`, `# UNIT`, samples of declared families, `# EOF` last.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let valid_name = |n: &str| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut families = BTreeMap::new();
    let mut samples = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "ends with # EOF: {text}");
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (kind, name, rest) = (words.next(), words.next(), words.next());
            let name = name.unwrap_or_else(|| panic!("a comment without a name: {line}"));
            assert!(valid_name(name), "{line}");
            match kind {
                Some("TYPE") => {
                    let kind = rest.unwrap_or_default();
                    assert!(
                        [
                            "counter",
                            "gauge",
                            "histogram",
                            "summary",
                            "info",
                            "unknown"
                        ]
                        .contains(&kind),
                        "{line}"
                    );
                    families.insert(name.to_owned(), kind.to_owned());
                }
                Some("HELP" | "UNIT") => {}
                _ => panic!("an unknown comment: {line}"),
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(valid_name(name), "{line}");
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            let inner = labels
                .strip_prefix('{')
                .and_then(|l| l.strip_suffix('}'))
                .unwrap_or_else(|| panic!("bad labels: {line}"));
            for pair in inner.split(',') {
                let (key, quoted) = pair.split_once('=').expect("label=value");
                assert!(valid_name(key), "{line}");
                assert!(
                    quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'),
                    "{line}"
                );
            }
        }
        let declared = ["", "_total", "_bucket", "_sum", "_count", "_created"]
            .iter()
            .any(|suffix| {
                name.strip_suffix(suffix)
                    .is_some_and(|f| families.contains_key(f))
            });
        assert!(declared, "a sample of no declared family: {line}");
        samples.insert(series.to_owned(), value);
    }
    samples
}

/// A sample of one server's metric.
fn sample(samples: &BTreeMap<String, f64>, name: &str, server: &str) -> f64 {
    let key = format!("scserver_{name}{{server=\"{server}\"}}");
    *samples
        .get(&key)
        .unwrap_or_else(|| panic!("no {key} in {samples:?}"))
}

fn metrics(port: u16, token: Option<&str>) -> BTreeMap<String, f64> {
    let answer = http(port, "GET", "/metrics", token).expect("the service listens");
    assert_eq!(answer.status, 200, "{}", answer.body);
    parse_prometheus(&answer.body)
}

/// A stand-in for scsynth that waits until a gate file exists, then becomes scsynth (same pid):
/// a test holds a boot open as long as it needs to look at it.
struct Gate {
    dir: PathBuf,
}

impl Gate {
    fn new(tag: &str) -> Gate {
        let dir = std::env::temp_dir().join(format!("scserver-gate-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gate = Gate { dir };
        let script = format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.01; done\nexec scsynth \"$@\"\n",
            gate.file().display()
        );
        std::fs::write(gate.executable(), script).unwrap();
        std::fs::set_permissions(
            gate.executable(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        gate
    }

    fn executable(&self) -> PathBuf {
        self.dir.join("gated-scsynth")
    }

    fn file(&self) -> PathBuf {
        self.dir.join("open")
    }

    fn open(&self) {
        std::fs::write(self.file(), "").unwrap();
    }

    fn close(&self) {
        std::fs::remove_file(self.file()).unwrap();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn service_config(tag: &str, http: &str, server: &str) -> PathBuf {
    config_file(
        tag,
        &format!(
            "[http]\n{http}\n\n[defaults]\nstart_jack = true\nload_synthdefs = false\n\
             restart = \"on-failure\"\nboot_timeout = \"30s\"\n\n\
             [[server]]\nname = \"{tag}\"\nport = {}\n{server}\n",
            free_port()
        ),
    )
}

fn stop(mut run: Run, config: &Path) {
    kill(Pid::from_raw(run.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(run.wait_exit(Duration::from_secs(15)).code(), Some(0));
    std::fs::remove_file(config).ok();
}

#[test]
fn readiness_follows_boots_and_a_kill_and_metrics_count_the_restart() {
    let gate = Gate::new("ready");
    let port = free_port();
    let config = service_config(
        "ready",
        &format!("listen = \"127.0.0.1:{port}\""),
        &format!("executable = \"{}\"", gate.executable().display()),
    );
    let run = Run::start(&config);

    // The boot is held at the gate: not ready, and the server is named.
    let booting = until(port, "/readyz", None, Duration::from_secs(10), |_| true);
    assert_eq!(booting.status, 503, "{}", booting.body);
    let body = booting.json();
    assert_eq!(body["ready"], false, "{body}");
    assert_eq!(body["not_ready"][0]["name"], "ready", "{body}");
    assert!(body["error"].as_str().unwrap().contains("ready"), "{body}");
    assert_eq!(http(port, "GET", "/healthz", None).unwrap().status, 200);

    gate.open();
    let ready = until(port, "/readyz", None, Duration::from_secs(20), |a| {
        a.status != 503
    });
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["ready"], true);
    // Node counts and round trips show from the first heartbeat's reply after the boot on.
    let deadline = Instant::now() + Duration::from_secs(5);
    let before = loop {
        let samples = metrics(port, None);
        let beats = samples.get("scserver_heartbeat_round_trip_seconds_count{server=\"ready\"}");
        if samples.contains_key("scserver_groups{server=\"ready\"}") && beats > Some(&0.0) {
            break samples;
        }
        assert!(Instant::now() < deadline, "no node counts: {samples:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(sample(&before, "up", "ready"), 1.0);
    assert_eq!(sample(&before, "restarts_total", "ready"), 0.0);
    assert_eq!(sample(&before, "crashes_total", "ready"), 0.0);
    assert!(sample(&before, "boot_seconds", "ready") > 0.0);
    assert!(sample(&before, "groups", "ready") >= 1.0);
    let round_trips = sample(&before, "heartbeat_round_trip_seconds_sum", "ready");
    assert!(round_trips > 0.0 && round_trips < 5.0, "{round_trips}");
    let servers = http(port, "GET", "/servers", None).unwrap().json();
    let pid = servers[0]["pid"].as_u64().expect("a pid") as i32;

    // Killed, its restart held at the gate: not ready until it is back.
    gate.close();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    // (It is first seen going down, still `running`, then `restarting`, after the backoff
    // booting.)
    let restarting = until(port, "/readyz", None, Duration::from_secs(10), |a| {
        let waiting = &a.json()["not_ready"][0];
        a.status == 503 && waiting["phase"] == "restarting" && waiting["state"] == "booting"
    });
    let body = restarting.json();
    assert_eq!(body["ready"], false, "{body}");
    assert_eq!(body["not_ready"][0]["name"], "ready", "{body}");
    let busy = http(port, "POST", "/servers/ready/restart", None).unwrap();
    assert_eq!(busy.status, 409, "{}", busy.body);
    assert!(busy.json()["error"].is_string(), "{}", busy.body);
    let during = metrics(port, None);
    assert_eq!(sample(&during, "up", "ready"), 0.0);
    assert_eq!(sample(&during, "restarts_total", "ready"), 1.0);
    assert_eq!(sample(&during, "crashes_total", "ready"), 1.0);
    assert_eq!(sample(&during, "hangs_total", "ready"), 0.0);
    assert!(
        !during.contains_key("scserver_groups{server=\"ready\"}"),
        "no node counts of a server that is down: {during:?}"
    );

    gate.open();
    let back = until(port, "/readyz", None, Duration::from_secs(20), |a| {
        a.status == 200
    });
    assert_eq!(back.json()["ready"], true);
    let after = metrics(port, None);
    assert_eq!(sample(&after, "up", "ready"), 1.0);
    assert_eq!(sample(&after, "restarts_total", "ready"), 1.0);
    stop(run, &config);
}

/// Plays the `test_sine` SynthDef on the scsynth at `port`, from a socket of the test's own: the
/// definition, with the synth in its default group as the load's completion.
fn play_sine_at(port: u16) {
    use rosc::{encoder, OscType};
    let message =
        |addr: &str, args| encoder::encode(&common::supervised::message(addr, args)).unwrap();
    let synth = message(
        "/s_new",
        vec![
            OscType::String("test_sine".into()),
            OscType::Int(-1),
            OscType::Int(0),
            OscType::Int(1),
        ],
    );
    let load = message(
        "/d_recv",
        vec![
            OscType::Blob(common::audio::sine_def()),
            OscType::Blob(synth),
        ],
    );
    let socket = std::net::UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    socket.send_to(&load, ("127.0.0.1", port)).unwrap();
}

#[test]
fn a_promoted_standby_is_metered_and_counted() {
    let port = free_port();
    let standby_port = free_port();
    let config = service_config(
        "promoted",
        &format!("listen = \"127.0.0.1:{port}\""),
        &format!("standby = 1\nstandby_port = {standby_port}"),
    );
    let run = Run::start(&config);
    let servers = until(port, "/servers", None, Duration::from_secs(30), |a| {
        a.status == 200 && a.json()[0]["standby_pid"].is_u64()
    })
    .json();
    let server = &servers[0];
    assert_eq!(server["standby_port"], standby_port, "{server}");
    assert_eq!(server["promotions"], 0, "{server}");
    let pid = server["pid"].as_u64().unwrap() as i32;

    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    let promoted = until(port, "/servers", None, Duration::from_secs(20), |a| {
        let s = &a.json()[0];
        s["promotions"] == 1 && s["up"] == true
    })
    .json();
    assert_eq!(promoted[0]["port"], standby_port, "{promoted}");
    // Its meters start anew: a sine played there shows in its output levels.
    play_sine_at(standby_port);
    until(port, "/servers", None, Duration::from_secs(10), |a| {
        a.json()[0]["output_levels"][0]["peak"]
            .as_f64()
            .is_some_and(|peak| (peak - 0.25).abs() < 0.01)
    });
    let samples = metrics(port, None);
    assert_eq!(sample(&samples, "promotions_total", "promoted"), 1.0);
    assert_eq!(sample(&samples, "crashes_total", "promoted"), 1.0);
    assert_eq!(sample(&samples, "restarts_total", "promoted"), 0.0);
    assert_eq!(sample(&samples, "up", "promoted"), 1.0);
    stop(run, &config);
}

#[test]
fn off_loopback_the_token_guards_everything_but_the_probes() {
    let port = free_port();
    let config = service_config(
        "guarded",
        &format!("listen = \"0.0.0.0:{port}\"\ntoken = \"s3cret\""),
        "",
    );
    let run = Run::start_with(&config, |c| {
        c.env_remove("SCSERVER_HTTP_TOKEN");
    });
    until(port, "/readyz", None, Duration::from_secs(20), |a| {
        a.status == 200
    });
    assert_eq!(http(port, "GET", "/healthz", None).unwrap().status, 200);
    for (method, path) in [
        ("GET", "/metrics"),
        ("GET", "/servers"),
        ("POST", "/servers/guarded/restart"),
    ] {
        for token in [None, Some("wrong"), Some("s3cret-not")] {
            let answer = http(port, method, path, token).unwrap();
            assert_eq!(
                answer.status, 401,
                "{method} {path} {token:?}: {}",
                answer.body
            );
            assert!(answer.json()["error"].is_string(), "{}", answer.body);
        }
    }
    let token = Some("s3cret");
    assert_eq!(http(port, "GET", "/metrics", token).unwrap().status, 200);
    let servers = http(port, "GET", "/servers", token).unwrap().json();
    assert_eq!(servers[0]["name"], "guarded", "{servers}");
    assert_eq!(servers[0]["phase"], "running", "{servers}");
    let pid = servers[0]["pid"].as_u64().unwrap();

    // A restart answers once the server is up again, with a new process.
    let restarted = http(port, "POST", "/servers/guarded/restart", token).unwrap();
    assert_eq!(restarted.status, 200, "{}", restarted.body);
    let servers = http(port, "GET", "/servers", token).unwrap().json();
    assert_eq!(servers[0]["state"], "online", "{servers}");
    let new_pid = servers[0]["pid"].as_u64().unwrap();
    assert_ne!(new_pid, pid, "{servers}");
    assert!(!common::alive(pid as u32), "the old scsynth is gone");

    // Bad requests: 4xx, with a JSON error.
    for (method, path, status) in [
        ("POST", "/servers/nope/restart", 404),
        ("GET", "/servers/guarded/restart", 405),
        ("DELETE", "/metrics", 405),
        ("POST", "/readyz", 405),
        ("GET", "/nope", 404),
        ("GET", "/servers/guarded/restart/more", 404),
        ("POST", "/servers/%FF/restart", 404),
    ] {
        let answer = http(port, method, path, token).unwrap();
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        assert!(
            answer.json()["error"].is_string(),
            "{method} {path}: {}",
            answer.body
        );
    }
    stop(run, &config);
}

/// Runs `scserver ARGS` to its end (bounded); answers its exit code, stdout and stderr.
fn finished(args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("SCSERVER_HTTP_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("scserver {args:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn off_loopback_without_a_token_nothing_starts() {
    let port = free_port();
    let config = service_config("tokenless", &format!("listen = \"0.0.0.0:{port}\""), "");
    let (code, stdout, stderr) = finished(&["run", config.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("not a loopback address") && stderr.contains("SCSERVER_HTTP_TOKEN"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "something booted: {stdout}");
    std::fs::remove_file(config).ok();
}

#[test]
fn a_taken_http_port_is_refused_before_anything_starts() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let config = service_config("taken", &format!("listen = \"127.0.0.1:{port}\""), "");
    let (code, stdout, stderr) = finished(&["run", config.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot serve HTTP on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "something booted: {stdout}");
    std::fs::remove_file(config).ok();
}

#[test]
fn top_without_an_http_table_says_where_its_data_comes_from() {
    let config = config_file("top-no-http", "[[server]]\nname = \"a\"\nport = 57994\n");
    let (code, _, stderr) = finished(&["top", config.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("has no [http] table") && stderr.contains("--port"),
        "{stderr}"
    );
    std::fs::remove_file(config).ok();
}

/// A tmux server of its own (its own socket), killed when the test ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]);
        command
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "top"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

#[test]
fn top_shows_the_servers_and_quits_on_q() {
    let port = free_port();
    let config = service_config("topped", &format!("listen = \"127.0.0.1:{port}\""), "");
    let run = Run::start(&config);
    until(port, "/readyz", None, Duration::from_secs(20), |a| {
        a.status == 200
    });
    let tmux = Tmux {
        socket: format!("scserver-test-{}", std::process::id()),
    };
    let exit_file = std::env::temp_dir().join(format!("scserver-top-{}", std::process::id()));
    std::fs::remove_file(&exit_file).ok();
    let shell = format!("{BIN} top --port {port}; echo $? > {}", exit_file.display());
    let started = tmux
        .command()
        .args([
            "new-session",
            "-d",
            "-s",
            "top",
            "-x",
            "120",
            "-y",
            "30",
            &shell,
        ])
        .status()
        .unwrap();
    assert!(started.success());

    let deadline = Instant::now() + Duration::from_secs(15);
    let screen = loop {
        let screen = tmux.screen();
        if screen.contains("topped") && screen.contains("running/online") && screen.contains('░')
        {
            break screen;
        }
        assert!(
            Instant::now() < deadline,
            "top never showed the server:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(screen.contains("output levels"), "{screen}");
    assert!(
        screen.contains("standby"),
        "the standby's port has a column:\n{screen}"
    );
    // The meters' row: the server's name, then a bar per output channel.
    let meters = screen
        .lines()
        .skip_while(|l| !l.contains("output levels"))
        .find(|l| l.contains("topped"))
        .unwrap_or_else(|| panic!("no meter row:\n{screen}"));
    assert!(
        meters.matches('░').count() >= 8,
        "bars of 8 outputs: {meters}"
    );

    tmux.command()
        .args(["send-keys", "-t", "top", "q"])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let code = loop {
        if let Ok(code) = std::fs::read_to_string(&exit_file) {
            if code.ends_with('\n') {
                break code;
            }
        }
        assert!(Instant::now() < deadline, "top did not quit on q");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code.trim(), "0");
    std::fs::remove_file(&exit_file).ok();
    stop(run, &config);
}
