//! The workloads of `../shared/bench/workloads.md`, run with scserver and with a bare std-socket
//! floor in the same process, printed as one JSON object with the same keys as the peer bench.
//!
//! ```sh
//! cargo bench --bench workloads -- --jack-period 64 > scserver.json
//! cargo bench --bench workloads -- --jack-period 64 --only status_rtt,sync_rtt
//! ```

use std::collections::BTreeSet;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use futures::future::join_all;
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{AsyncServer, Expectation, LifecycleEvent, Options, Pattern};
use serde_json::{json, Value};

struct Args {
    jack_period: Option<u32>,
    port: u16,
    only: Option<BTreeSet<String>>,
    rtt_n: usize,
    throughput_n: usize,
    gather_n: usize,
    boot_runs: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        jack_period: None,
        port: 57400,
        only: None,
        rtt_n: 2000,
        throughput_n: 10_000,
        gather_n: 1000,
        boot_runs: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match a.as_str() {
            "--jack-period" => args.jack_period = value().parse().ok(),
            "--port" => args.port = value().parse().unwrap_or(args.port),
            "--only" => args.only = Some(value().split(',').map(str::to_owned).collect()),
            "--rtt-n" => args.rtt_n = value().parse().unwrap_or(args.rtt_n),
            "--throughput-n" => args.throughput_n = value().parse().unwrap_or(args.throughput_n),
            "--gather-n" => args.gather_n = value().parse().unwrap_or(args.gather_n),
            "--boot-runs" => args.boot_runs = value().parse().unwrap_or(args.boot_runs),
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

fn options(port: u16) -> Options {
    Options {
        port,
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

async fn status(server: &AsyncServer) {
    let expect = Expectation {
        command: "/status".into(),
        reply: Pattern::new("/status.reply"),
        fail: None,
        timeout: Some(Duration::from_secs(2)),
    };
    server
        .request(message("/status", vec![]), expect)
        .await
        .expect("status");
}

async fn boot(port: u16) -> AsyncServer {
    let server = AsyncServer::with_name("bench", options(port));
    server.boot(None).await.expect("boot");
    server
}

async fn boot_quit(args: &Args) -> (Value, Value) {
    let (mut boots, mut quits) = (Vec::new(), Vec::new());
    for _ in 0..args.boot_runs {
        let server = AsyncServer::with_name("bench", options(args.port));
        let t = Instant::now();
        server.boot(None).await.expect("boot");
        boots.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        server.quit(false).await.expect("quit");
        quits.push(t.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    (
        json!({"median": median(&mut boots.clone()), "runs": boots}),
        json!({"median": median(&mut quits.clone()), "runs": quits}),
    )
}

async fn rtt(server: &AsyncServer, n: usize, sync: bool) -> Value {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let t = Instant::now();
        if sync {
            server.sync(Some(i as i32 + 1), None).await.expect("sync");
        } else {
            status(server).await;
        }
        if i >= 20 {
            samples.push(t.elapsed());
        }
    }
    summary_us(&samples)
}

async fn throughput(server: &AsyncServer, n: usize) -> Value {
    server.sync(None, None).await.unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let m = message(
            "/n_set",
            vec![OscType::Int(1), "freq".into(), OscType::Float(440.0)],
        );
        server.send(m).expect("send");
    }
    let send_s = t.elapsed().as_secs_f64();
    server
        .sync(None, Some(Duration::from_secs(30)))
        .await
        .expect("final sync");
    let total_s = t.elapsed().as_secs_f64();
    json!({
        "n": n,
        "send_msgs_per_s": (n as f64 / send_s).round(),
        "send_and_sync_msgs_per_s": (n as f64 / total_s).round(),
        "send_s": send_s,
        "send_and_sync_s": total_s,
    })
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
    let syncs = join_all((0..n).map(|i| server.sync(Some(100_000 + i as i32), None))).await;
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

async fn crash_detect(port: u16) -> Value {
    let server = boot(port).await;
    let (tx, rx) = std::sync::mpsc::channel();
    server.register_lifecycle_callback(
        [
            LifecycleEvent::ProcessPanicked,
            LifecycleEvent::OscPanicked,
            LifecycleEvent::Quit,
        ],
        move |n| {
            let _ = tx.send((n.event, Instant::now()));
        },
        false,
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = server.pid().expect("pid") as i32;
    let t0 = Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL).unwrap();
    let mut events = serde_json::Map::new();
    let mut detect_ms = None;
    while let Ok((event, at)) = rx.recv_timeout(Duration::from_secs(10)) {
        let ms = (at - t0).as_secs_f64() * 1e3;
        detect_ms.get_or_insert(ms);
        events.insert(event.name().to_uppercase(), json!(ms));
        if event == LifecycleEvent::Quit {
            break;
        }
    }
    json!({
        "detected": detect_ms.is_some(),
        "detect_ms": detect_ms,
        "events_ms": events,
        "reached_QUIT": events.contains_key("QUIT"),
        "boot_status_after": format!("{:?}", server.status()).to_uppercase(),
    })
}

/// The floor: one std socket, blocking round trips, one datagram per message.
mod floor {
    use super::*;

    pub fn socket(port: u16) -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket2::SockRef::from(&socket)
            .set_recv_buffer_size(4 << 20)
            .unwrap();
        socket.connect(("127.0.0.1", port)).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        socket
    }

    fn encode(packet: &OscPacket) -> Vec<u8> {
        rosc::encoder::encode(packet).unwrap()
    }

    pub fn rtt(socket: &UdpSocket, n: usize, sync: bool) -> Value {
        let mut buf = [0u8; 65536];
        let mut samples = Vec::with_capacity(n);
        for i in 0..n + 20 {
            let t = Instant::now();
            let packet = if sync {
                message("/sync", vec![OscType::Int(i as i32)])
            } else {
                message("/status", vec![])
            };
            socket.send(&encode(&packet)).unwrap();
            socket.recv(&mut buf).unwrap();
            if i >= 20 {
                samples.push(t.elapsed());
            }
        }
        summary_us(&samples)
    }

    pub fn throughput(socket: &UdpSocket, n: usize) -> Value {
        let t = Instant::now();
        for _ in 0..n {
            let m = message(
                "/n_set",
                vec![OscType::Int(1), "freq".into(), OscType::Float(440.0)],
            );
            socket.send(&encode(&m)).unwrap();
        }
        let send_s = t.elapsed().as_secs_f64();
        socket
            .send(&encode(&message("/sync", vec![OscType::Int(-7)])))
            .unwrap();
        let mut buf = [0u8; 65536];
        loop {
            let n = socket.recv(&mut buf).unwrap();
            if n >= 8 && &buf[..7] == b"/synced" {
                break;
            }
        }
        let total_s = t.elapsed().as_secs_f64();
        json!({
            "n": n,
            "send_msgs_per_s": (n as f64 / send_s).round(),
            "send_and_sync_msgs_per_s": (n as f64 / total_s).round(),
            "send_s": send_s,
            "send_and_sync_s": total_s,
        })
    }

    pub fn pipelined(socket: &UdpSocket, n: usize) -> Value {
        let mut buf = [0u8; 65536];
        let before = rcvbuf_errors();
        let t = Instant::now();
        for _ in 0..n {
            socket.send(&encode(&message("/status", vec![]))).unwrap();
        }
        let mut status_replies = 0;
        while status_replies < n && socket.recv(&mut buf).is_ok() {
            status_replies += 1;
        }
        let status_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        for i in 0..n {
            socket
                .send(&encode(&message("/sync", vec![OscType::Int(i as i32)])))
                .unwrap();
        }
        let mut synced = 0;
        while synced < n && socket.recv(&mut buf).is_ok() {
            synced += 1;
        }
        json!({
            "n": n,
            "pipelined_status_ms": status_ms,
            "pipelined_status_replies": status_replies,
            "pipelined_sync_ms": t.elapsed().as_secs_f64() * 1e3,
            "pipelined_sync_missing": n - synced,
            "udp_rcvbuf_drops": rcvbuf_errors() - before,
        })
    }
}

fn wanted(args: &Args, name: &str) -> bool {
    args.only.as_ref().is_none_or(|o| o.contains(name))
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut ours = serde_json::Map::new();
    let mut floor_side = serde_json::Map::new();
    let rss_start = rss_mb();
    runtime.block_on(async {
        // One dummy JACK server for the whole run, as the peer bench does.
        let jack = match args.jack_period {
            Some(period) => {
                let name = format!("scserver-bench-{}", std::process::id());
                let jack = scserver_actors::jack::DummyJack::start(
                    name.clone(),
                    48000,
                    period,
                    Duration::from_secs(10),
                )
                .await
                .expect("jackd");
                std::env::set_var("JACK_DEFAULT_SERVER", &name);
                Some(jack)
            }
            None => None,
        };
        if wanted(&args, "boot_quit") {
            eprintln!("boot_quit");
            let (b, q) = boot_quit(&args).await;
            ours.insert("boot_s".into(), b);
            ours.insert("quit_s".into(), q);
        }
        let server = boot(args.port).await;
        if wanted(&args, "rss") {
            status(&server).await;
            ours.insert(
                "rss_mb".into(),
                json!({"before_import_mb": rss_start, "booted_mb": rss_mb()}),
            );
        }
        if wanted(&args, "status_rtt") {
            eprintln!("status_rtt");
            ours.insert(
                "status_rtt_us".into(),
                rtt(&server, args.rtt_n, false).await,
            );
            let socket = floor::socket(args.port);
            floor_side.insert(
                "status_rtt_us".into(),
                floor::rtt(&socket, args.rtt_n, false),
            );
        }
        if wanted(&args, "sync_rtt") {
            eprintln!("sync_rtt");
            ours.insert("sync_rtt_us".into(), rtt(&server, args.rtt_n, true).await);
            let socket = floor::socket(args.port);
            floor_side.insert("sync_rtt_us".into(), floor::rtt(&socket, args.rtt_n, true));
        }
        if wanted(&args, "throughput") {
            eprintln!("throughput");
            ours.insert(
                "nset_throughput".into(),
                throughput(&server, args.throughput_n).await,
            );
            let socket = floor::socket(args.port);
            floor_side.insert(
                "nset_throughput".into(),
                floor::throughput(&socket, args.throughput_n),
            );
        }
        server.quit(false).await.unwrap();
        if wanted(&args, "async_gather") {
            eprintln!("async_gather");
            let server = boot(args.port).await;
            ours.insert("async_gather".into(), gather(&server, args.gather_n).await);
            let socket = floor::socket(args.port);
            floor_side.insert(
                "async_gather".into(),
                floor::pipelined(&socket, args.gather_n),
            );
            server.quit(false).await.unwrap();
        }
        if wanted(&args, "crash_detect") {
            eprintln!("crash_detect");
            ours.insert("crash_detect".into(), crash_detect(args.port).await);
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
            "scsynth_cmd": format!("scsynth {}", options(args.port).to_args(false).join(" ")),
        },
        "scserver": ours,
        "raw_udp_rust": floor_side,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
