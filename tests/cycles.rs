//! 200 boot/quit cycles in one process leave nothing behind: no child processes, file
//! descriptors or threads, and memory stays flat. Its own test binary, so no parallel test
//! disturbs the process-wide counts.

mod common;

use std::time::{Duration, Instant};

use scserver::{BootError, Options, Server, ServerError};

const CYCLES: usize = 200;
const WARM_UP: usize = 5;

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Processes whose parent is this one, except `keep`.
fn children(keep: Option<u32>) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) || Some(pid.parse().unwrap()) == keep {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((comm, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if rest.split_whitespace().nth(1) == Some(me.as_str()) {
            out.push(format!(
                "{pid} {})",
                comm.split_once('(').map_or("", |c| c.1)
            ));
        }
    }
    out
}

/// Polls until `f` holds, at most `bound`: threads and sockets of a dropped server go away
/// shortly after the drop returns.
fn settles(bound: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + bound;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn two_hundred_boot_quit_cycles_leak_nothing() {
    common::init_tracing();
    // One dummy JACK server for every cycle; this binary runs no other test, so the variable
    // that points scsynth at it is set before any thread of ours reads the environment.
    let name = format!("scserver-cycles-{}", std::process::id());
    let jack = common::Jack::start(&name);
    std::env::set_var("JACK_DEFAULT_SERVER", &name);
    let jack_pid = jack.pid();
    let options = Options {
        port: common::free_port(),
        load_synthdefs: false,
        ..Options::default()
    };
    // A JACK server shared with other test binaries occasionally refuses one client ("Cannot
    // open SuperCollider client"); that is JACK's capacity, not a leak, so such a boot is tried
    // again, a few times per run at most.
    let audio_retries = std::cell::Cell::new(0);
    let cycle = |i: usize| {
        let server = Server::with_name("cycle", options.clone());
        loop {
            match server.boot() {
                Ok(()) => break,
                Err(ServerError::Boot(BootError::Audio { .. })) if audio_retries.get() < 5 => {
                    audio_retries.set(audio_retries.get() + 1);
                    eprintln!("cycle {i}: JACK refused scsynth; trying again");
                }
                Err(e) => panic!("boot {i}: {e}"),
            }
        }
        server.sync().unwrap();
        let pid = server.pid().unwrap();
        server.quit().unwrap_or_else(|e| panic!("quit {i}: {e}"));
        drop(server);
        assert!(
            !common::alive(pid),
            "cycle {i}: scsynth {pid} still running"
        );
    };
    for i in 0..WARM_UP {
        cycle(i);
    }
    let (fds, threads, rss) = (count("/proc/self/fd"), count("/proc/self/task"), rss_kb());
    let started = Instant::now();
    for i in 0..CYCLES {
        cycle(i);
    }
    let elapsed = started.elapsed();
    assert!(
        children(jack_pid).is_empty(),
        "left behind: {:?}",
        children(jack_pid)
    );
    assert!(
        settles(Duration::from_secs(5), || count("/proc/self/fd") <= fds),
        "file descriptors: {fds} before, {} after",
        count("/proc/self/fd")
    );
    assert!(
        settles(Duration::from_secs(5), || count("/proc/self/task")
            <= threads),
        "threads: {threads} before, {} after",
        count("/proc/self/task")
    );
    let grown_kb = rss_kb().saturating_sub(rss);
    eprintln!(
        "{CYCLES} cycles in {elapsed:?} ({} JACK refusals retried); fds {fds}, threads {threads}, \
         VmRSS {rss} kB → +{grown_kb} kB",
        audio_retries.get()
    );
    // Allocator noise is a few hundred kB; a leak of even 20 kB per cycle would show as 4 MB.
    assert!(
        grown_kb < 4 * 1024,
        "VmRSS grew by {grown_kb} kB over {CYCLES} cycles"
    );
    drop(jack);
}
