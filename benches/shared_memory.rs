//! Control-bus reads through shared memory beside the `/c_get` round trip, printed as one JSON
//! object in the style of the `workloads` bench.
//!
//! ```sh
//! cargo bench --bench shared_memory -- --jack-period 64
//! ```

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::summary;
use scserver::{Access, AsyncServer, Options};
use serde_json::{json, Value};

struct Args {
    jack_period: Option<u32>,
    port: u16,
    reads: usize,
    rtt_n: usize,
}

fn parse_args() -> Args {
    let flags = common::Flags::parse();
    Args {
        jack_period: flags.opt("jack-period"),
        port: flags.get("port", 57480),
        reads: flags.get("reads", 100_000),
        rtt_n: flags.get("rtt-n", 2000),
    }
}

/// Times `n` calls of `f` one by one.
fn time(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn median_of(value: &Value) -> f64 {
    value["median"].as_f64().unwrap_or(f64::NAN)
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = runtime.block_on(async {
        let jack = common::dummy_jack("shm-bench", args.jack_period).await;
        let options = Options {
            port: args.port,
            load_synthdefs: false,
            ..Options::default()
        };
        let server = AsyncServer::with_name("bench", options.clone());
        server.boot().await.expect("boot");
        let shm = server
            .shared_memory(Access::ReadWrite)
            .expect("shared memory");
        shm.set_bus(7, 0.5).unwrap();

        eprintln!("shm reads");
        let one = time(args.reads, || {
            black_box(shm.get_bus(black_box(7)).unwrap());
        });
        let mut buses = vec![0.0f32; 1000];
        let thousand = time(args.reads / 10, || {
            shm.read_buses(black_box(0), &mut buses).unwrap();
            black_box(&buses);
        });
        let write = time(args.reads, || {
            shm.set_bus(black_box(7), black_box(0.5)).unwrap();
        });
        eprintln!("c_get");
        let mut rtt = Vec::with_capacity(args.rtt_n);
        for i in 0..args.rtt_n + 20 {
            let t = Instant::now();
            server
                .get_bus(scserver::BusId::new(scserver::Rate::Control, 7))
                .await
                .expect("c_get");
            if i >= 20 {
                rtt.push(t.elapsed());
            }
        }
        server.quit().await.unwrap();
        if let Some(jack) = jack {
            jack.stop(Duration::from_secs(2)).await;
        }

        let one = summary(&one, 1e9);
        let c_get = summary(&rtt, 1e6);
        let speedup = (median_of(&c_get) * 1000.0 / median_of(&one)).round();
        json!({
            "meta": {
                "scsynth": "scsynth",
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                "jack": args.jack_period.map(|p| format!("dummy -r 48000 -p {p}")),
                "scsynth_cmd": format!("scsynth {}", options.to_args(false).join(" ")),
            },
            "scserver": {
                "shm_bus_read_ns": one,
                "shm_1000_buses_read_us": summary(&thousand, 1e6),
                "shm_bus_write_ns": summary(&write, 1e9),
                "c_get_rtt_us": c_get,
                "shm_read_speedup_over_c_get": speedup,
            },
        })
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
