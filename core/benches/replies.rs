//! Parse speed of a 2,000-group `/g_queryTree.reply`, the benchmark's wide tree: decode from
//! bytes, then build the tree. Prints the fastest and median of many runs in microseconds.

use std::time::{Duration, Instant};

use rosc::OscPacket;
use scserver_core::reply::{decode, parse};
use scserver_core::tree::{parse_query_tree, wide_reply};

fn measure(label: &str, f: impl Fn()) {
    let mut runs: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{{\"workload\": \"{label}\", \"fastest_us\": {:.1}, \"median_us\": {:.1}}}",
        us(runs[0]),
        us(runs[runs.len() / 2])
    );
}

fn main() {
    let groups = wide_reply(false);
    let full = wide_reply(true);
    let bytes = rosc::encoder::encode(&OscPacket::Message(full.clone())).unwrap();
    measure("parse 2000 groups", || {
        assert_eq!(parse_query_tree(&groups).unwrap().children.len(), 2000);
    });
    measure("parse 2000 groups + 2000 synths", || {
        assert_eq!(parse_query_tree(&full).unwrap().descendant_count(), 4000);
    });
    measure("decode + parse 2000 groups + synths", || {
        let Ok(OscPacket::Message(m)) = decode(&bytes) else {
            panic!("decode")
        };
        assert!(parse(&m).is_ok());
    });
}
