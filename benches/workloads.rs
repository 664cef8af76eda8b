//! The workloads of `../shared/bench/workloads.md`, run with scserver and with a bare std-socket
//! floor in the same process, printed as one JSON object with the same keys as the peer bench.
//!
//! ```sh
//! cargo bench --bench workloads -- --jack-period 64 > scserver.json
//! cargo bench --bench workloads -- --jack-period 64 --only status_rtt,sync_rtt
//! SCSERVER_BENCH_EXECUTABLE=supernova cargo bench --bench workloads -- --jack-period 64
//! ```
//!
//! Workloads (`--only`): boot_quit, status_rtt, sync_rtt, throughput, async_gather,
//! concurrent_10k, query_tree, rss, boot4, boot16, crash_detect, hang_detect. `rss` runs this
//! binary again as a fresh child (`--child-rss N`) so the figure is a client process's own.
//!
//! A reply lost on the way (a flood of notifications can crowd it out) is asked for again and
//! counted in the workload's `lost_replies`, its sample left out of the latencies; a workload
//! that still cannot finish shows `{"error": ...}` in place of its figures, and the run goes on.

mod common;

use std::collections::BTreeSet;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use futures::future::join_all;
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{AsyncServer, Expectation, LifecycleEvent, Options, Pattern};
use serde_json::{json, Value};

struct Args {
    child_rss: Option<usize>,
    jack_period: Option<u32>,
    port: u16,
    only: Option<BTreeSet<String>>,
    rtt_n: usize,
    throughput_n: usize,
    gather_n: usize,
    boot_runs: usize,
    tree_reps: usize,
    hang_bound: Duration,
}

fn parse_args() -> Args {
    let flags = common::Flags::parse();
    Args {
        child_rss: flags.opt("child-rss"),
        jack_period: flags.opt("jack-period"),
        port: flags.get("port", 57400),
        only: flags
            .opt::<String>("only")
            .map(|v| v.split(',').map(str::to_owned).collect()),
        rtt_n: flags.get("rtt-n", 2000),
        throughput_n: flags.get("throughput-n", 10_000),
        gather_n: flags.get("gather-n", 1000),
        boot_runs: flags.get("boot-runs", 5),
        tree_reps: flags.get("tree-reps", 5),
        hang_bound: Duration::from_secs_f64(flags.get("hang-bound", 30.0)),
    }
}

/// The server under test: `SCSERVER_BENCH_EXECUTABLE` names another program (`supernova`).
fn options(port: u16) -> Options {
    Options {
        port,
        executable: std::env::var_os("SCSERVER_BENCH_EXECUTABLE").map(Into::into),
        load_synthdefs: false,
        maximum_node_count: 4096,
        ..Options::default()
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let k = ((q / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[k]
}

fn summary_us(samples: &[Duration]) -> Value {
    let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    json!({
        "n": us.len(),
        "median": round(percentile(&us, 50.0)),
        "p99": round(percentile(&us, 99.0)),
        "min": round(us[0]),
        "max": round(us[us.len() - 1]),
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn rcvbuf_errors() -> i64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let udp: Vec<&str> = snmp.lines().filter(|l| l.starts_with("Udp:")).collect();
    if udp.len() < 2 {
        return 0;
    }
    let head: Vec<&str> = udp[0].split_whitespace().collect();
    let vals: Vec<&str> = udp[1].split_whitespace().collect();
    head.iter()
        .position(|h| *h == "RcvbufErrors")
        .and_then(|i| vals.get(i)?.parse().ok())
        .unwrap_or(0)
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map(|kb| (kb / 1024.0 * 10.0).round() / 10.0)
        .unwrap_or(0.0)
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

/// How often a request whose reply was lost is sent again before the workload gives up.
const RETRIES: usize = 3;

/// A workload that could not finish: its socket failed, or a reply stayed lost through every
/// retry. The bench reports it in place of the workload's figures and goes on.
#[derive(Debug)]
struct Failed {
    during: String,
    error: String,
}

impl Failed {
    fn new(during: impl Into<String>, error: impl std::fmt::Display) -> Failed {
        Failed {
            during: during.into(),
            error: error.to_string(),
        }
    }
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.during, self.error)
    }
}

/// The workload's figures, or its failure as `{"error": ...}`.
fn figure(result: Result<Value, Failed>) -> Value {
    result.unwrap_or_else(|e| {
        eprintln!("workload failed: {e}");
        json!({ "error": e.to_string() })
    })
}

async fn status(server: &AsyncServer) -> Result<(), Failed> {
    let expect = Expectation {
        command: "/status".into(),
        reply: Pattern::new("/status.reply"),
        fail: None,
        timeout: Some(Duration::from_secs(2)),
    };
    server
        .request(message("/status", vec![]), expect)
        .await
        .map(drop)
        .map_err(|e| Failed::new("/status", e))
}

async fn boot(port: u16) -> AsyncServer {
    let server = AsyncServer::with_name("bench", options(port));
    server.boot().await.expect("boot");
    server
}

async fn boot_quit(args: &Args) -> (Value, Value) {
    let (mut boots, mut quits) = (Vec::new(), Vec::new());
    for _ in 0..args.boot_runs {
        let server = AsyncServer::with_name("bench", options(args.port));
        let t = Instant::now();
        server.boot().await.expect("boot");
        boots.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        server.quit().await.expect("quit");
        quits.push(t.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    (
        json!({"median": median(&mut boots.clone()), "runs": boots}),
        json!({"median": median(&mut quits.clone()), "runs": quits}),
    )
}

/// Round trips; a request whose reply was lost (its timeout passed) is left out of the
/// latencies, counted in `lost_replies` and sent again, at most [`RETRIES`] times in a row.
async fn rtt(server: &AsyncServer, n: usize, sync: bool) -> Result<Value, Failed> {
    let mut samples = Vec::with_capacity(n);
    let (mut lost, mut lost_in_a_row) = (0, 0);
    let mut i = 0;
    while i < n + 20 {
        let t = Instant::now();
        let answered = if sync {
            let id = i as i32 + 1;
            server
                .sync_with(Some(id), None)
                .await
                .map_err(|e| Failed::new("/sync", e))
        } else {
            status(server).await
        };
        match answered {
            Ok(()) => lost_in_a_row = 0,
            Err(e) if lost_in_a_row == RETRIES => return Err(e),
            Err(_) => {
                lost += 1;
                lost_in_a_row += 1;
                continue;
            }
        }
        if i >= 20 {
            samples.push(t.elapsed());
        }
        i += 1;
    }
    let mut figure = summary_us(&samples);
    figure["lost_replies"] = json!(lost);
    Ok(figure)
}

async fn throughput(server: &AsyncServer, n: usize) -> Result<Value, Failed> {
    let sync_failed = |e| Failed::new("/sync", e);
    server.sync().await.map_err(sync_failed)?;
    let t = Instant::now();
    for _ in 0..n {
        let m = message(
            "/n_set",
            vec![OscType::Int(1), "freq".into(), OscType::Float(440.0)],
        );
        server.send(m).map_err(|e| Failed::new("/n_set", e))?;
    }
    let send_s = t.elapsed().as_secs_f64();
    server
        .sync_with(None, Some(Duration::from_secs(30)))
        .await
        .map_err(sync_failed)?;
    let total_s = t.elapsed().as_secs_f64();
    Ok(json!({
        "n": n,
        "send_msgs_per_s": (n as f64 / send_s).round(),
        "send_and_sync_msgs_per_s": (n as f64 / total_s).round(),
        "send_s": send_s,
        "send_and_sync_s": total_s,
    }))
}

async fn gather(server: &AsyncServer, n: usize) -> Value {
    let before = rcvbuf_errors();
    let t = Instant::now();
    let statuses = join_all((0..n).map(|_| {
        let expect = Expectation {
            command: "/status".into(),
            reply: Pattern::new("/status.reply"),
            fail: None,
            timeout: None,
        };
        server.request(message("/status", vec![]), expect)
    }))
    .await;
    let status_ms = t.elapsed().as_secs_f64() * 1e3;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let syncs = join_all((0..n).map(|i| server.sync_with(Some(100_000 + i as i32), None))).await;
    let sync_ms = t.elapsed().as_secs_f64() * 1e3;
    json!({
        "n": n,
        "gather_status_ms": status_ms,
        "gather_status_errors": statuses.iter().filter(|r| r.is_err()).count(),
        "gather_sync_ms": sync_ms,
        "gather_sync_errors": syncs.iter().filter(|r| r.is_err()).count(),
        "udp_rcvbuf_drops": rcvbuf_errors() - before,
    })
}

/// Boots, waits for the steady state, sends `signal` to scsynth and times every lifecycle event
/// after it (workloads 7 and 8). A stopped process is continued once detected (or at `bound`).
async fn fault_detect(port: u16, signal: nix::sys::signal::Signal, bound: Duration) -> Value {
    use nix::sys::signal::{kill, Signal};
    let server = boot(port).await;
    let (tx, rx) = std::sync::mpsc::channel();
    let _events = server.register_lifecycle_callback([], move |n| {
        let _ = tx.send((n.event, Instant::now()));
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = nix::unistd::Pid::from_raw(server.pid().expect("pid") as i32);
    let t0 = Instant::now();
    kill(pid, signal).unwrap();
    let mut events = serde_json::Map::new();
    let mut detect_ms = None;
    let mut deadline = t0 + bound;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((event, at)) = rx.recv_timeout(left) else {
            if detect_ms.is_none() && signal == Signal::SIGSTOP {
                // Not detected within the bound: let it run again and see the client finish.
                let _ = kill(pid, Signal::SIGCONT);
                deadline = Instant::now() + Duration::from_secs(10);
                detect_ms = Some(f64::NAN);
                continue;
            }
            break;
        };
        let ms = (at - t0).as_secs_f64() * 1e3;
        if matches!(
            event,
            LifecycleEvent::ProcessPanicked | LifecycleEvent::OscPanicked
        ) && detect_ms.is_none()
        {
            detect_ms = Some(ms);
            if signal == Signal::SIGSTOP {
                let _ = kill(pid, Signal::SIGCONT);
                deadline = Instant::now() + Duration::from_secs(10);
            }
        }
        events
            .entry(event.name().to_uppercase())
            .or_insert(json!(ms));
        if event == LifecycleEvent::Quit {
            break;
        }
    }
    // Nothing may outlive the workload.
    let _ = kill(pid, Signal::SIGKILL);
    let detect_ms = detect_ms.filter(|ms| !ms.is_nan());
    json!({
        "detected": detect_ms.is_some(),
        "detect_ms": detect_ms,
        "events_ms": events,
        "reached_QUIT": events.contains_key("QUIT"),
        "boot_status_after": format!("{:?}", server.status()).to_uppercase(),
    })
}

/// The peer's nested tree under group 1 (T top groups, 9 in each, 10 in each of those; T =
/// n_groups / 100), as `(id, parent)` pairs with ids from 2001, like the peer's floor.
fn tree_groups(n_groups: usize) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(n_groups);
    let mut next = 2000;
    let mut add = |parent: i32, out: &mut Vec<(i32, i32)>| {
        next += 1;
        out.push((next, parent));
        next
    };
    for _ in 0..(n_groups / 100).max(1) {
        let g1 = add(1, &mut out);
        for _ in 0..9 {
            let g2 = add(g1, &mut out);
            for _ in 0..10 {
                add(g2, &mut out);
            }
        }
    }
    out
}

fn g_new(id: i32, parent: i32) -> OscPacket {
    // add action 1: tail of the parent
    message(
        "/g_new",
        vec![OscType::Int(id), OscType::Int(1), OscType::Int(parent)],
    )
}

fn tree_summary(groups: usize, nodes_seen: usize, drops: i64, times_ms: &mut [f64]) -> Value {
    let min = times_ms.iter().copied().fold(f64::INFINITY, f64::min);
    json!({
        "groups_created": groups,
        "nodes_seen": nodes_seen,
        "median_ms": median(times_ms),
        "min_ms": min,
        "reps": times_ms.len(),
        "udp_rcvbuf_drops_during_build": drops,
    })
}

/// Workload 5: build the tree fire-and-forget, sync, then time `/g_queryTree 0 1` to a parsed
/// tree (scserver-core's parser).
async fn query_tree(server: &AsyncServer, n_groups: usize, reps: usize) -> Result<Value, Failed> {
    let before = rcvbuf_errors();
    let groups = tree_groups(n_groups);
    for &(id, parent) in &groups {
        server
            .send(g_new(id, parent))
            .map_err(|e| Failed::new("/g_new", e))?;
    }
    server
        .sync_with(None, Some(Duration::from_secs(10)))
        .await
        .map_err(|e| Failed::new("/sync after the build", e))?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let drops = rcvbuf_errors() - before;
    let mut times = Vec::with_capacity(reps);
    let mut nodes_seen = 0;
    let (mut lost, mut lost_in_a_row) = (0, 0);
    while times.len() < reps {
        let t = Instant::now();
        let expect = Expectation {
            command: "/g_queryTree".into(),
            reply: Pattern::new("/g_queryTree.reply"),
            fail: Some(Pattern::new("/fail").arg("/g_queryTree")),
            timeout: Some(Duration::from_secs(5)),
        };
        let query = message("/g_queryTree", vec![OscType::Int(0), OscType::Int(1)]);
        let reply = match server.request(query, expect).await {
            Ok(reply) => reply,
            Err(e) if lost_in_a_row == RETRIES => return Err(Failed::new("/g_queryTree", e)),
            Err(_) => {
                lost += 1;
                lost_in_a_row += 1;
                continue;
            }
        };
        lost_in_a_row = 0;
        let tree = scserver_core::tree::parse_query_tree(&reply)
            .map_err(|e| Failed::new("reading the tree", e))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        nodes_seen = tree.descendant_count();
    }
    server
        .send(message("/g_freeAll", vec![OscType::Int(1)]))
        .map_err(|e| Failed::new("/g_freeAll", e))?;
    server
        .sync()
        .await
        .map_err(|e| Failed::new("/sync after the free", e))?;
    let mut figure = tree_summary(groups.len(), nodes_seen, drops, &mut times);
    figure["lost_replies"] = json!(lost);
    Ok(figure)
}

/// `n` concurrent `/sync` with distinct ids, all awaited together.
async fn concurrent_syncs(server: &AsyncServer, n: usize) -> Value {
    let before = rcvbuf_errors();
    let t = Instant::now();
    let results = join_all(
        (0..n).map(|i| server.sync_with(Some(2_000_000 + i as i32), Some(Duration::from_secs(30)))),
    )
    .await;
    json!({
        "n": n,
        "gather_sync_ms": t.elapsed().as_secs_f64() * 1e3,
        "gather_sync_errors": results.iter().filter(|r| r.is_err()).count(),
        "udp_rcvbuf_drops": rcvbuf_errors() - before,
    })
}

/// Boots `k` servers concurrently on consecutive ports, then quits them concurrently.
async fn boot_many(base_port: u16, k: usize) -> Value {
    let servers: Vec<AsyncServer> = (0..k)
        .map(|i| AsyncServer::with_name(&format!("bench-{i}"), options(base_port + i as u16)))
        .collect();
    let t = Instant::now();
    let booted = join_all(servers.iter().map(|s| s.boot())).await;
    let boot_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    join_all(servers.iter().map(|s| s.quit())).await;
    let quit_s = t.elapsed().as_secs_f64();
    let errors: Vec<String> = booted
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    json!({
        "servers": k,
        "boot_s": boot_s,
        "quit_s": quit_s,
        "all_online": errors.is_empty(),
        "errors": errors,
    })
}

/// In a fresh child process (this binary with `--child-rss`): VmRSS at start and 1 s after
/// `servers` servers are booted and answered a `/status` (0: the floor's bare socket instead).
fn child_rss(servers: usize, port: u16) {
    let before = rss_mb();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = runtime.block_on(async {
        if servers == 0 {
            let (child, socket) = match floor::boot(port) {
                Ok(booted) => booted,
                Err(e) => return figure(Err(e)),
            };
            tokio::time::sleep(Duration::from_secs(1)).await;
            let booted = rss_mb();
            if let Err(e) = floor::quit(child, &socket) {
                return figure(Err(e));
            }
            return json!({"before_import_mb": before, "after_import_mb": before, "booted_mb": booted});
        }
        let all: Vec<AsyncServer> = (0..servers)
            .map(|i| AsyncServer::with_name(&format!("rss-{i}"), options(port + i as u16)))
            .collect();
        let booted = join_all(all.iter().map(|s| s.boot())).await;
        for s in &all {
            if let Err(e) = status(s).await {
                return figure(Err(e));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let booted_mb = rss_mb();
        join_all(all.iter().map(|s| s.quit())).await;
        json!({
            "servers": servers,
            "all_online": booted.iter().all(Result::is_ok),
            "before_import_mb": before,
            "after_import_mb": before,
            "booted_mb": booted_mb,
        })
    });
    println!("{out}");
}

fn run_child_rss(servers: usize, port: u16) -> Value {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--child-rss",
            &servers.to_string(),
            "--port",
            &port.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output();
    match output {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| json!({"error": format!("child exited with {}", o.status)})),
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// The floor: one std socket, blocking round trips, one datagram per message.
mod floor {
    use super::*;
    use scserver_core::output::OutputLine;
    use std::io::{self, BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    fn failed(during: impl Into<String>) -> impl FnOnce(io::Error) -> Failed {
        let during = during.into();
        move |error| Failed::new(during, error)
    }

    fn timed_out(error: &io::Error) -> bool {
        matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        )
    }

    pub fn socket(port: u16) -> Result<UdpSocket, Failed> {
        let open = || {
            let socket = UdpSocket::bind("127.0.0.1:0")?;
            socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20)?;
            socket.connect(("127.0.0.1", port))?;
            socket.set_read_timeout(Some(Duration::from_secs(5)))?;
            Ok(socket)
        };
        open().map_err(failed("opening the floor socket"))
    }

    fn encode(packet: &OscPacket) -> Vec<u8> {
        rosc::encoder::encode(packet).expect("the bench's messages encode")
    }

    fn send(socket: &UdpSocket, packet: &OscPacket) -> Result<(), Failed> {
        socket
            .send(&encode(packet))
            .map(drop)
            .map_err(failed("sending"))
    }

    /// Sends `packet` and reads until a message `addr` (with first argument `first`, if
    /// given) arrives. A read timeout means the reply was lost (notifications can crowd it
    /// out of the socket buffer): the request goes again, at most [`RETRIES`] times, and
    /// each loss adds one to `lost`.
    fn ask(
        socket: &UdpSocket,
        packet: &OscPacket,
        addr: &str,
        first: Option<i32>,
        lost: &mut usize,
    ) -> Result<OscMessage, Failed> {
        let mut buf = vec![0u8; 65536];
        let mut tries = 0;
        send(socket, packet)?;
        loop {
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e) if timed_out(&e) && tries < RETRIES => {
                    tries += 1;
                    *lost += 1;
                    send(socket, packet)?;
                    continue;
                }
                Err(e) => {
                    return Err(failed(format!(
                        "waiting for {addr} after {} tries",
                        tries + 1
                    ))(e))
                }
            };
            let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) else {
                continue;
            };
            if m.addr == addr && first.is_none_or(|f| m.args.first() == Some(&OscType::Int(f))) {
                return Ok(m);
            }
        }
    }

    /// Round trips; a sample whose reply was lost (and asked again) is left out of the
    /// latencies and counted in `lost_replies`.
    pub fn rtt(socket: &UdpSocket, n: usize, sync: bool) -> Result<Value, Failed> {
        let mut samples = Vec::with_capacity(n);
        let mut lost = 0;
        for i in 0..n + 20 {
            let t = Instant::now();
            let lost_before = lost;
            if sync {
                let packet = message("/sync", vec![OscType::Int(i as i32)]);
                ask(socket, &packet, "/synced", Some(i as i32), &mut lost)?;
            } else {
                let packet = message("/status", vec![]);
                ask(socket, &packet, "/status.reply", None, &mut lost)?;
            }
            if i >= 20 && lost == lost_before {
                samples.push(t.elapsed());
            }
        }
        let mut figure = summary_us(&samples);
        figure["lost_replies"] = json!(lost);
        Ok(figure)
    }

    pub fn throughput(socket: &UdpSocket, n: usize) -> Result<Value, Failed> {
        let t = Instant::now();
        for _ in 0..n {
            let m = message(
                "/n_set",
                vec![OscType::Int(1), "freq".into(), OscType::Float(440.0)],
            );
            send(socket, &m)?;
        }
        let send_s = t.elapsed().as_secs_f64();
        let mut lost = 0;
        let sync = message("/sync", vec![OscType::Int(-7)]);
        ask(socket, &sync, "/synced", Some(-7), &mut lost)?;
        let total_s = t.elapsed().as_secs_f64();
        Ok(json!({
            "n": n,
            "send_msgs_per_s": (n as f64 / send_s).round(),
            "send_and_sync_msgs_per_s": (n as f64 / total_s).round(),
            "send_s": send_s,
            "send_and_sync_s": total_s,
            "lost_replies": lost,
        }))
    }

    /// The peer's raw boot: spawn, read stdout to the ready line, `/notify 1`, `/g_new 1 1 0`,
    /// `/sync`. No library code on this path.
    pub fn boot(port: u16) -> Result<(Child, UdpSocket), Failed> {
        let executable = scserver_actors::process::find_executable(&options(port))
            .map_err(|e| failed("finding scsynth")(io::Error::other(e.to_string())))?;
        let supernova = scserver_core::options::is_supernova(&executable);
        let mut child = Command::new(executable)
            .args(options(port).to_args(supernova))
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(failed("spawning scsynth"))?;
        match connect(&mut child, port) {
            Ok(socket) => Ok((child, socket)),
            Err(e) => {
                // No orphan: the half-booted scsynth goes with the failed workload.
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    fn connect(child: &mut Child, port: u16) -> Result<UdpSocket, Failed> {
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if scserver_core::output::classify(&line) == OutputLine::Ready => {
                    break
                }
                Some(_) => {}
                None => {
                    return Err(failed("booting")(io::Error::other(
                        "scsynth exited during boot",
                    )))
                }
            }
        }
        // Keep draining so the pipe never fills.
        std::thread::spawn(move || lines.for_each(drop));
        let socket = socket(port)?;
        let mut lost = 0;
        let notify = message("/notify", vec![OscType::Int(1)]);
        ask(&socket, &notify, "/done", None, &mut lost)?;
        let group = message(
            "/g_new",
            vec![OscType::Int(1), OscType::Int(1), OscType::Int(0)],
        );
        send(&socket, &group)?;
        let sync = message("/sync", vec![OscType::Int(1)]);
        ask(&socket, &sync, "/synced", Some(1), &mut lost)?;
        Ok(socket)
    }

    /// `/quit`, `/done`, then the process's own exit.
    pub fn quit(mut child: Child, socket: &UdpSocket) -> Result<(), Failed> {
        let mut lost = 0;
        let answered = ask(socket, &message("/quit", vec![]), "/done", None, &mut lost);
        if answered.is_err() {
            let _ = child.kill();
        }
        child
            .wait()
            .map_err(failed("waiting for scsynth to exit"))?;
        answered.map(drop)
    }

    pub fn boot_quit(port: u16, runs: usize) -> Result<(Value, Value), Failed> {
        let (mut boots, mut quits) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let (child, socket) = boot(port)?;
            boots.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            quit(child, &socket)?;
            quits.push(t.elapsed().as_secs_f64());
            std::thread::sleep(Duration::from_millis(300));
        }
        Ok((
            json!({"median": median(&mut boots.clone()), "runs": boots}),
            json!({"median": median(&mut quits.clone()), "runs": quits}),
        ))
    }

    /// Counts nodes of a `/g_queryTree.reply` the bare way (no model): walk the flat arguments.
    fn count_tree(args: &[OscType]) -> usize {
        let int = |i: usize| match args.get(i) {
            Some(OscType::Int(v)) => *v,
            _ => panic!("malformed tree reply"),
        };
        let controls = int(0) == 1;
        // (position, children left) per open group; the root's header is at 1..3.
        let mut stack = vec![int(2)];
        let (mut pos, mut nodes) = (3, 0);
        while let Some(left) = stack.last_mut() {
            if *left == 0 {
                stack.pop();
                continue;
            }
            *left -= 1;
            nodes += 1;
            let children = int(pos + 1);
            pos += 2;
            if children >= 0 {
                stack.push(children);
            } else {
                pos += 1; // synthdef name
                if controls {
                    pos += 1 + 2 * int(pos) as usize;
                }
            }
        }
        nodes
    }

    pub fn query_tree(socket: &UdpSocket, n_groups: usize, reps: usize) -> Result<Value, Failed> {
        let before = rcvbuf_errors();
        let groups = tree_groups(n_groups);
        for &(id, parent) in &groups {
            send(socket, &g_new(id, parent))?;
        }
        let mut lost = 0;
        let sync = |id| message("/sync", vec![OscType::Int(id)]);
        ask(socket, &sync(9), "/synced", Some(9), &mut lost)?;
        std::thread::sleep(Duration::from_millis(500));
        let drops = rcvbuf_errors() - before;
        let mut times = Vec::new();
        let mut nodes_seen = 0;
        let query = message("/g_queryTree", vec![OscType::Int(0), OscType::Int(1)]);
        for _ in 0..reps {
            let t = Instant::now();
            let lost_before = lost;
            let reply = ask(socket, &query, "/g_queryTree.reply", None, &mut lost)?;
            nodes_seen = count_tree(&reply.args);
            if lost == lost_before {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        send(socket, &message("/g_freeAll", vec![OscType::Int(1)]))?;
        ask(socket, &sync(10), "/synced", Some(10), &mut lost)?;
        let mut figure = tree_summary(groups.len(), nodes_seen, drops, &mut times);
        figure["lost_replies"] = json!(lost);
        Ok(figure)
    }

    /// `n` pipelined `/sync` on one socket, read until all replies or a 5 s silence.
    pub fn pipelined_syncs(socket: &UdpSocket, n: usize) -> Result<Value, Failed> {
        let mut buf = [0u8; 65536];
        let before = rcvbuf_errors();
        let t = Instant::now();
        for i in 0..n {
            let sync = message("/sync", vec![OscType::Int(3_000_000 + i as i32)]);
            send(socket, &sync)?;
        }
        let mut synced = 0;
        while synced < n && socket.recv(&mut buf).is_ok() {
            synced += 1;
        }
        Ok(json!({
            "n": n,
            "pipelined_sync_ms": t.elapsed().as_secs_f64() * 1e3,
            "pipelined_sync_missing": n - synced,
            "udp_rcvbuf_drops": rcvbuf_errors() - before,
        }))
    }

    pub fn pipelined(socket: &UdpSocket, n: usize) -> Result<Value, Failed> {
        let mut buf = [0u8; 65536];
        let before = rcvbuf_errors();
        let t = Instant::now();
        for _ in 0..n {
            send(socket, &message("/status", vec![]))?;
        }
        let mut status_replies = 0;
        while status_replies < n && socket.recv(&mut buf).is_ok() {
            status_replies += 1;
        }
        let status_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        for i in 0..n {
            send(socket, &message("/sync", vec![OscType::Int(i as i32)]))?;
        }
        let mut synced = 0;
        while synced < n && socket.recv(&mut buf).is_ok() {
            synced += 1;
        }
        Ok(json!({
            "n": n,
            "pipelined_status_ms": status_ms,
            "pipelined_status_replies": status_replies,
            "pipelined_sync_ms": t.elapsed().as_secs_f64() * 1e3,
            "pipelined_sync_missing": n - synced,
            "udp_rcvbuf_drops": rcvbuf_errors() - before,
        }))
    }
}

fn wanted(args: &Args, name: &str) -> bool {
    args.only.as_ref().is_none_or(|o| o.contains(name))
}

fn main() {
    let args = parse_args();
    if let Some(servers) = args.child_rss {
        child_rss(servers, args.port);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut ours = serde_json::Map::new();
    let mut floor_side = serde_json::Map::new();
    let port = args.port;
    runtime.block_on(async {
        // One dummy JACK server for the whole run, as the peer bench does.
        let jack = common::dummy_jack("bench", args.jack_period).await;
        if wanted(&args, "boot_quit") {
            eprintln!("boot_quit");
            let (b, q) = boot_quit(&args).await;
            ours.insert("boot_s".into(), b);
            ours.insert("quit_s".into(), q);
            match floor::boot_quit(port, args.boot_runs) {
                Ok((b, q)) => {
                    floor_side.insert("boot_s".into(), b);
                    floor_side.insert("quit_s".into(), q);
                }
                Err(e) => {
                    let failed = figure(Err(e));
                    floor_side.insert("boot_s".into(), failed.clone());
                    floor_side.insert("quit_s".into(), failed);
                }
            }
        }
        let server = boot(port).await;
        if wanted(&args, "status_rtt") {
            eprintln!("status_rtt");
            let result = rtt(&server, args.rtt_n, false).await;
            ours.insert("status_rtt_us".into(), figure(result));
            let floor_figure = floor::socket(port).and_then(|s| floor::rtt(&s, args.rtt_n, false));
            floor_side.insert("status_rtt_us".into(), figure(floor_figure));
        }
        if wanted(&args, "sync_rtt") {
            eprintln!("sync_rtt");
            let result = rtt(&server, args.rtt_n, true).await;
            ours.insert("sync_rtt_us".into(), figure(result));
            let floor_figure = floor::socket(port).and_then(|s| floor::rtt(&s, args.rtt_n, true));
            floor_side.insert("sync_rtt_us".into(), figure(floor_figure));
        }
        if wanted(&args, "throughput") {
            eprintln!("throughput");
            let result = throughput(&server, args.throughput_n).await;
            ours.insert("nset_throughput".into(), figure(result));
            let floor_figure =
                floor::socket(port).and_then(|s| floor::throughput(&s, args.throughput_n));
            floor_side.insert("nset_throughput".into(), figure(floor_figure));
        }
        if wanted(&args, "query_tree") {
            eprintln!("query_tree");
            for n in [500, 2000] {
                let key = format!("query_tree_{n}");
                let result = query_tree(&server, n, args.tree_reps).await;
                ours.insert(key.clone(), figure(result));
                let floor_figure =
                    floor::socket(port).and_then(|s| floor::query_tree(&s, n, args.tree_reps));
                floor_side.insert(key, figure(floor_figure));
            }
        }
        server.quit().await.unwrap();
        if wanted(&args, "async_gather") {
            eprintln!("async_gather");
            let server = boot(port).await;
            ours.insert("async_gather".into(), gather(&server, args.gather_n).await);
            let floor_figure =
                floor::socket(port).and_then(|s| floor::pipelined(&s, args.gather_n));
            floor_side.insert("async_gather".into(), figure(floor_figure));
            server.quit().await.unwrap();
        }
        if wanted(&args, "concurrent_10k") {
            eprintln!("concurrent_10k");
            let server = boot(port).await;
            ours.insert(
                "concurrent_10k".into(),
                concurrent_syncs(&server, 10_000).await,
            );
            let floor_figure = floor::socket(port).and_then(|s| floor::pipelined_syncs(&s, 10_000));
            floor_side.insert("concurrent_10k".into(), figure(floor_figure));
            server.quit().await.unwrap();
        }
        if wanted(&args, "rss") {
            eprintln!("rss");
            ours.insert("rss_mb".into(), run_child_rss(1, port));
            ours.insert("rss16_mb".into(), run_child_rss(16, port + 20));
            floor_side.insert("rss_mb".into(), run_child_rss(0, port));
        }
        if wanted(&args, "boot4") {
            eprintln!("boot4");
            ours.insert("boot4_concurrent".into(), boot_many(port + 10, 4).await);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        if wanted(&args, "boot16") {
            eprintln!("boot16");
            ours.insert("boot16_concurrent".into(), boot_many(port + 20, 16).await);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        if wanted(&args, "crash_detect") {
            eprintln!("crash_detect");
            ours.insert(
                "crash_detect".into(),
                fault_detect(port, nix::sys::signal::SIGKILL, Duration::from_secs(10)).await,
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if wanted(&args, "hang_detect") {
            eprintln!("hang_detect");
            ours.insert(
                "hang_detect".into(),
                fault_detect(port, nix::sys::signal::SIGSTOP, args.hang_bound).await,
            );
        }
        if let Some(jack) = jack {
            jack.stop(Duration::from_secs(2)).await;
        }
    });
    let out = json!({
        "meta": {
            "scsynth": "scsynth",
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "jack": args.jack_period.map(|p| format!("dummy -r 48000 -p {p}")),
            "scsynth_cmd": format!("scsynth {}", options(port).to_args(false).join(" ")),
        },
        "scserver": ours,
        "raw_udp_rust": floor_side,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
