//! Sound back after a crash, measured beside the floors in the same run: SIGKILL of a supervised
//! scsynth until its port answers `/status` again (cold restart) beside a bare scsynth's cold
//! boot until it answers, round by round; the crash event beside a bare `waitpid` thread and
//! beside a thread blocked in `waitid` on the very process killed; the promotion of a warm
//! standby (until the handle is connected again, and until a synth the restart hook starts sends
//! its `/n_go`); and what an idle standby costs. Printed as one JSON object.
//!
//! ```sh
//! cargo bench --bench restart -- --jack-period 64 --rounds 30
//! ```

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::summary;
use futures::FutureExt;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::Pid;
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{
    AsyncServer, Expectation, LifecycleNotice, Options, Pattern, RestartPolicy, ServerSupervisor,
    SupervisionNotice,
};
use serde_json::json;
use tokio::sync::mpsc;

struct Args {
    jack_period: Option<u32>,
    port: u16,
    rounds: usize,
}

fn parse_args() -> Args {
    let flags = common::Flags::parse();
    Args {
        jack_period: flags.opt("jack-period"),
        port: flags.get("port", 57500),
        rounds: flags.get("rounds", 30),
    }
}

/// Asks `/status` every millisecond until the server on `port` answers; how long from `since`.
async fn answering(port: u16, since: Instant) -> Duration {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = since + Duration::from_secs(20);
    loop {
        if scserver::probe::query_status(address, Duration::from_millis(2))
            .await
            .is_ok()
        {
            return since.elapsed();
        }
        assert!(Instant::now() < deadline, "port {port} never answered");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn sigkill(pid: u32) {
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).expect("SIGKILL");
}

fn since(a: SystemTime, b: SystemTime) -> Duration {
    b.duration_since(a).unwrap_or_default()
}

/// A bare scsynth with the library's flags for `options`.
fn bare(options: &Options) -> std::process::Child {
    Command::new("scsynth")
        .args(options.to_args(false))
        .env("JACK_NO_START_SERVER", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("scsynth")
}

/// One bare scsynth on `options`: spawn until it answers, then SIGKILL until a thread blocked
/// in `waitpid` returns.
async fn bare_round(options: &Options) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = bare(options);
    let boot = answering(options.port, started).await;
    let pid = child.id();
    let waiter = std::thread::spawn(move || {
        child.wait().expect("waitpid");
        SystemTime::now()
    });
    let killed = SystemTime::now();
    sigkill(pid);
    let reaped = waiter.join().expect("the waiting thread");
    // What a killed scsynth leaves behind (the library removes its own scsynths' the same way).
    let _ = std::fs::remove_file(format!("/dev/shm/SuperColliderServer_{}", options.port));
    (boot, since(killed, reaped))
}

/// A thread blocked in `waitid` on `pid`, a child of this process, with `WNOWAIT` so the
/// library still reaps it: the floor for seeing the exit of the very process that was killed.
fn exit_watch(pid: u32) -> std::thread::JoinHandle<SystemTime> {
    let ready = Arc::new(std::sync::Barrier::new(2));
    let waiting = ready.clone();
    let watch = std::thread::spawn(move || {
        waiting.wait();
        // Reaped first by the library (ECHILD) or not, it returns once the process is gone.
        let _ = waitid(
            Id::Pid(Pid::from_raw(pid as i32)),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
        );
        SystemTime::now()
    });
    ready.wait();
    watch
}

/// Events of one server, as they come.
fn events(supervisor: &ServerSupervisor) -> mpsc::UnboundedReceiver<(String, SystemTime)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let life = tx.clone();
    supervisor
        .on_lifecycle(Arc::new(move |n: &LifecycleNotice| {
            let _ = life.send((n.event.name().to_owned(), n.at));
        }))
        .detach();
    supervisor
        .on_event(move |n: &SupervisionNotice| {
            let _ = tx.send((n.event.name().to_owned(), n.at));
        })
        .detach();
    rx
}

/// Waits for the next event called `name`; when it happened.
async fn next(rx: &mut mpsc::UnboundedReceiver<(String, SystemTime)>, name: &str) -> SystemTime {
    let wait = async {
        while let Some((event, at)) = rx.recv().await {
            if event == name {
                return at;
            }
        }
        panic!("the supervisor went away before {name}");
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no {name} within 20 s"))
}

struct Cold {
    bare_boots: Vec<Duration>,
    bare_waits: Vec<Duration>,
    /// The same kill seen by a thread blocked in `waitid`.
    floor: Vec<Duration>,
    answering: Vec<Duration>,
    detected: Vec<Duration>,
    restarted: Vec<Duration>,
    same_jack: bool,
}

/// SIGKILL of a supervised server until its port answers again. Each round first boots and
/// kills a bare scsynth on another port, so the machine's drift over the run (page cache, other
/// load) weighs on both alike and the rounds can be compared in pairs.
async fn cold_rounds(options: &Options, rounds: usize) -> Cold {
    let bare_options = Options {
        port: options.port + 2,
        ..options.clone()
    };
    let supervisor = ServerSupervisor::new();
    let mut rx = events(&supervisor);
    let options = Options {
        // Each crash a first one: the rounds measure the restart, not the backoff.
        restart_window: Duration::from_millis(1),
        ..options.clone()
    };
    let server = supervisor.add("cold", options.clone()).await.expect("boot");
    let jack = server.jack_pid();
    let mut cold = Cold {
        bare_boots: vec![],
        bare_waits: vec![],
        floor: vec![],
        answering: vec![],
        detected: vec![],
        restarted: vec![],
        same_jack: true,
    };
    for _ in 0..rounds {
        let (boot, wait) = bare_round(&bare_options).await;
        cold.bare_boots.push(boot);
        cold.bare_waits.push(wait);
        let pid = server.pid().expect("running");
        let floor = exit_watch(pid);
        let (killed, started) = (SystemTime::now(), Instant::now());
        sigkill(pid);
        cold.answering.push(answering(options.port, started).await);
        cold.floor
            .push(since(killed, floor.join().expect("the waiting thread")));
        cold.detected
            .push(since(killed, next(&mut rx, "process_panicked").await));
        cold.restarted
            .push(since(killed, next(&mut rx, "restarted").await));
        cold.same_jack &= server.jack_pid() == jack;
    }
    supervisor.shutdown().await;
    cold
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

/// The node the restart hook starts.
const HOOK_SYNTH: i32 = 2000;

/// A hook that starts a `ref_sine` synth in the default group.
fn synth_hook() -> scserver::Hook {
    Box::new(|server: AsyncServer, _| {
        async move {
            let group = server.default_group().map_or(1, |g| g.get());
            server.send(message(
                "/s_new",
                vec![
                    OscType::String("ref_sine".into()),
                    OscType::Int(HOOK_SYNTH),
                    OscType::Int(0),
                    OscType::Int(group),
                ],
            ))
        }
        .boxed()
    })
}

struct Warm {
    connected: Vec<Duration>,
    synth: Vec<Duration>,
    promoted: Vec<Duration>,
    idle_rss_kib: u64,
    idle_cpu_percent: f64,
    server_rss_kib: u64,
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// User plus system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15; the text after ')' starts at field 3.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    field(14).unwrap_or(0) + field(15).unwrap_or(0)
}

/// SIGKILL of a server with a warm standby until the promoted one serves the same handle.
async fn warm_rounds(options: &Options, rounds: usize) -> Warm {
    let supervisor = ServerSupervisor::new();
    let mut rx = events(&supervisor);
    let options = Options {
        standby: 1,
        standby_port: Some(options.port + 1),
        ..options.clone()
    };
    let server = supervisor
        .add_with_hook("warm", options, Some(synth_hook()))
        .await
        .expect("boot");
    let (n_go_tx, mut n_go) = mpsc::unbounded_channel();
    let _n_go = server.register_osc_callback(Pattern::new("/n_go").arg(HOOK_SYNTH), move |_| {
        let _ = n_go_tx.send(SystemTime::now());
    });
    let def = std::fs::read(format!(
        "{}/ref_sine.scsyndef",
        scserver_testdata::SYNTHDEFS
    ))
    .expect("ref_sine.scsyndef");
    server
        .request(
            message("/d_recv", vec![OscType::Blob(def)]),
            Expectation {
                command: "/d_recv".into(),
                reply: Pattern::new("/done").arg("/d_recv"),
                fail: None,
                timeout: Some(Duration::from_secs(5)),
            },
        )
        .await
        .expect("/d_recv");
    next(&mut rx, "standby_ready").await;
    // An idle standby's cost, over five seconds.
    let (_, standby) = server.standby().expect("a standby");
    let ticks = cpu_ticks(standby);
    tokio::time::sleep(Duration::from_secs(5)).await;
    // /proc counts CPU time in USER_HZ ticks, 100 a second on Linux whatever the kernel's HZ.
    let per_second = 100.0;
    let mut warm = Warm {
        connected: vec![],
        synth: vec![],
        promoted: vec![],
        idle_rss_kib: rss_kib(standby),
        idle_cpu_percent: (cpu_ticks(standby) - ticks) as f64 / per_second / 5.0 * 100.0,
        server_rss_kib: rss_kib(server.pid().expect("running")),
    };
    for round in 0..rounds {
        if round > 0 {
            next(&mut rx, "standby_ready").await;
        }
        while n_go.try_recv().is_ok() {}
        let killed = SystemTime::now();
        sigkill(server.pid().expect("running"));
        warm.connected
            .push(since(killed, next(&mut rx, "connected").await));
        let started = tokio::time::timeout(Duration::from_secs(20), n_go.recv())
            .await
            .expect("the hook's synth started")
            .expect("the callback");
        warm.synth.push(since(killed, started));
        warm.promoted
            .push(since(killed, next(&mut rx, "promoted").await));
    }
    supervisor.shutdown().await;
    warm
}

fn median_ms(samples: &[Duration]) -> f64 {
    common::median(samples.iter().map(|d| d.as_secs_f64() * 1e3).collect())
}

/// The median of the round-by-round differences `a - b`, in ms.
fn paired_median_ms(a: &[Duration], b: &[Duration]) -> f64 {
    let d = a.iter().zip(b);
    let ms = common::median(
        d.map(|(a, b)| (a.as_secs_f64() - b.as_secs_f64()) * 1e3)
            .collect(),
    );
    (ms * 10.0).round() / 10.0
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = runtime.block_on(async {
        let jack = common::dummy_jack("restart-bench", args.jack_period).await;
        let options = Options {
            port: args.port,
            load_synthdefs: false,
            restart: RestartPolicy::OnFailure,
            max_restarts: 1000,
            ..Options::default()
        };
        eprintln!("cold restart, each round beside a bare scsynth");
        let cold = cold_rounds(&options, args.rounds).await;
        eprintln!("warm standby");
        let warm = warm_rounds(&options, args.rounds).await;
        if let Some(jack) = jack {
            jack.stop(Duration::from_secs(2)).await;
        }
        let ms = |s: &[Duration]| summary(s, 1e3);
        json!({
            "meta": {
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                "jack": args.jack_period.map(|p| format!("dummy -r 48000 -p {p}")),
                "scsynth_cmd": format!("scsynth {}", options.to_args(false).join(" ")),
                "rounds": args.rounds,
            },
            "bare_scsynth": {
                "cold_boot_until_answering_ms": ms(&cold.bare_boots),
                "sigkill_until_waitpid_returns_ms": ms(&cold.bare_waits),
            },
            "cold_restart": {
                "sigkill_until_answering_ms": ms(&cold.answering),
                "over_bare_cold_boot_ms": ((median_ms(&cold.answering) - median_ms(&cold.bare_boots)) * 10.0).round() / 10.0,
                "over_bare_cold_boot_paired_ms": paired_median_ms(&cold.answering, &cold.bare_boots),
                "sigkill_until_process_panicked_ms": ms(&cold.detected),
                "detection_over_bare_waitpid": ((median_ms(&cold.detected) / median_ms(&cold.bare_waits)) * 100.0).round() / 100.0,
                "sigkill_until_waitid_returns_same_process_ms": ms(&cold.floor),
                "detection_over_same_process_waitid": ((median_ms(&cold.detected) / median_ms(&cold.floor)) * 100.0).round() / 100.0,
                "detection_after_same_process_waitid_paired_ms": paired_median_ms(&cold.detected, &cold.floor),
                "sigkill_until_restarted_event_ms": ms(&cold.restarted),
                "same_jack_server_every_time": cold.same_jack,
            },
            "warm_standby": {
                "sigkill_until_handle_connected_ms": ms(&warm.connected),
                "sigkill_until_hook_synth_n_go_ms": ms(&warm.synth),
                "sigkill_until_promoted_event_ms": ms(&warm.promoted),
                "idle_standby_rss_kib": warm.idle_rss_kib,
                "idle_standby_cpu_percent": (warm.idle_cpu_percent * 100.0).round() / 100.0,
                "serving_scsynth_rss_kib": warm.server_rss_kib,
            },
        })
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
