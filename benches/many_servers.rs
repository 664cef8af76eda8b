//! Many supervised servers in one process on one shared dummy JACK server: boot time, then a
//! stretch of heartbeats with every hang alarm counted (none is expected: every server is
//! healthy), then each server asked once; the client's own CPU and RSS per server. One JSON
//! object on stdout.
//!
//! ```sh
//! cargo bench --bench many_servers -- --servers 32 --seconds 60
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scserver::{
    Config, JackMode, LifecycleEvent, LifecycleNotice, ServerSupervisor, SupervisionEvent,
};
use serde_json::json;

mod common;

struct Args {
    servers: usize,
    seconds: u64,
    port: u16,
}

fn parse_args() -> Args {
    let flags = common::Flags::parse();
    Args {
        servers: flags.get("servers", 32),
        seconds: flags.get("seconds", 60),
        port: flags.get("port", 57500),
    }
}

/// A process's user and system CPU time so far (`self` for this one); zero once it is gone.
fn cpu_time(pid: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15; `fields` starts at field 3.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn config(args: &Args) -> Config {
    let mut text = format!(
        "[defaults]\njack = \"{}\"\nload_synthdefs = false\nboot_timeout = \"60s\"\n\n",
        JackMode::Shared
    );
    for i in 0..args.servers {
        text += &format!(
            "[[server]]\nname = \"s{i}\"\nport = {}\n\n",
            args.port + i as u16
        );
    }
    Config::from_str(&text, std::path::Path::new("many_servers.toml")).expect("a valid config")
}

#[actix::main]
async fn main() {
    let args = parse_args();
    // The library's own shared JACK server is what is measured, not one named for development.
    std::env::remove_var("JACK_DEFAULT_SERVER");
    let config = config(&args);
    let rss_before = rss_kb();
    let supervisor = ServerSupervisor::new();
    let hang_alarms = Arc::new(AtomicUsize::new(0));
    let crashes = Arc::new(AtomicUsize::new(0));
    let (alarms, died) = (hang_alarms.clone(), crashes.clone());
    // Heard while these are held.
    let _lifecycle = supervisor.on_lifecycle(Arc::new(move |n: &LifecycleNotice| match n.event {
        LifecycleEvent::OscPanicked => {
            alarms.fetch_add(1, Ordering::Relaxed);
        }
        LifecycleEvent::ProcessPanicked => {
            died.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }));
    let restarts = Arc::new(AtomicUsize::new(0));
    let counted = restarts.clone();
    let _supervision = supervisor.on_event(move |n| {
        if let SupervisionEvent::Restarting { .. } = n.event {
            counted.fetch_add(1, Ordering::Relaxed);
        }
    });

    let started = Instant::now();
    let boots = config.servers.iter().map(|s| {
        let supervisor = supervisor.clone();
        async move {
            let t = Instant::now();
            let result = supervisor.add(&s.name, s.options.clone()).await;
            (s.name.clone(), result, t.elapsed())
        }
    });
    let results = futures::future::join_all(boots).await;
    let all_booted = started.elapsed();
    let mut per_server: Vec<f64> = Vec::new();
    let mut failed = Vec::new();
    let mut jacks = std::collections::BTreeSet::new();
    for (name, result, took) in &results {
        match result {
            Ok(server) => {
                per_server.push(took.as_secs_f64());
                jacks.extend(server.jack_pid());
            }
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    per_server.sort_by(f64::total_cmp);
    let rss_booted = rss_kb();

    let mut children: Vec<String> = results
        .iter()
        .filter_map(|(_, r, _)| r.as_ref().ok()?.pid())
        .map(|p| p.to_string())
        .collect();
    children.extend(jacks.iter().map(|p| p.to_string()));
    let children_cpu = || children.iter().map(|p| cpu_time(p)).sum::<Duration>();
    let cpu_before = cpu_time("self");
    let children_before = children_cpu();
    let watch_started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let watched = watch_started.elapsed();
    let cpu = cpu_time("self").saturating_sub(cpu_before);
    let servers_cpu = children_cpu().saturating_sub(children_before);
    let rss_after = rss_kb();

    let mut answering = 0;
    for (_, result, _) in &results {
        if let Ok(server) = result {
            if server.sync().await.is_ok() {
                answering += 1;
            }
        }
    }
    let quits = supervisor.shutdown().await;
    let quit_errors = quits.iter().filter(|(_, r)| r.is_err()).count();

    let n = args.servers as f64;
    let median = per_server
        .get(per_server.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let cpu_share = cpu.as_secs_f64() / watched.as_secs_f64();
    let report = json!({
        "servers": args.servers,
        "booted": per_server.len(),
        "failed": failed,
        "jack_servers": jacks.len(),
        "boot_all_s": all_booted.as_secs_f64(),
        "boot_per_server_median_s": median,
        "boot_per_server_max_s": per_server.last(),
        "heartbeat_seconds": watched.as_secs_f64(),
        "hang_alarms": hang_alarms.load(Ordering::Relaxed),
        "crashes": crashes.load(Ordering::Relaxed),
        "restarts": restarts.load(Ordering::Relaxed),
        "answering": answering,
        "quit_errors": quit_errors,
        "client_cpu_percent_of_one_core": cpu_share * 100.0,
        "client_cpu_percent_per_server": cpu_share * 100.0 / n,
        "scsynth_and_jackd_cpu_percent_of_one_core": servers_cpu.as_secs_f64() / watched.as_secs_f64() * 100.0,
        "client_rss_kb_before": rss_before,
        "client_rss_kb_booted": rss_booted,
        "client_rss_kb_after": rss_after,
        "client_rss_kb_per_server": (rss_after.saturating_sub(rss_before)) as f64 / n,
    });
    println!("{report:#}");
}
