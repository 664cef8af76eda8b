//! What the bench binaries share: their command-line flags, one dummy JACK server for a whole
//! run, as the peer bench has, and one way to summarise timings.
// Each bench binary uses the part it needs.
#![allow(dead_code)]

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use scserver_actors::jack::DummyJack;
use serde_json::{json, Value};

/// The `--name value` flags of the command line (`cargo bench` adds a bare `--bench`).
pub struct Flags(HashMap<String, String>);

impl Flags {
    /// Reads the flags of this process.
    pub fn parse() -> Flags {
        let mut flags = HashMap::new();
        let mut args = std::env::args().skip(1).peekable();
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                continue;
            };
            if let Some(value) = args.next_if(|v| !v.starts_with("--")) {
                flags.insert(name.to_owned(), value);
            }
        }
        Flags(flags)
    }

    /// The value of `--name`, if given and it parses.
    pub fn opt<T: FromStr>(&self, name: &str) -> Option<T> {
        self.0.get(name)?.parse().ok()
    }

    /// The value of `--name`, else `default`.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> T {
        self.opt(name).unwrap_or(default)
    }
}

/// Starts `jackd -d dummy` at 48 kHz with `period` frames, named for `bench` and this process,
/// and points every scsynth the run starts at it; `None` leaves JACK to the library.
pub async fn dummy_jack(bench: &str, period: Option<u32>) -> Option<DummyJack> {
    let period = period?;
    let name = format!("scserver-{bench}-{}", std::process::id());
    let jack = DummyJack::start(name.clone(), 48000, period, Duration::from_secs(10))
        .await
        .expect("a dummy jackd for the bench");
    std::env::set_var("JACK_DEFAULT_SERVER", &name);
    Some(jack)
}

/// Median, p99, min and max of `samples` in `unit`s (1e6 for µs, 1e9 for ns).
pub fn summary(samples: &[Duration], unit: f64) -> Value {
    let mut values: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * unit).collect();
    values.sort_by(f64::total_cmp);
    let at = |q: f64| (percentile(&values, q) * 10.0).round() / 10.0;
    json!({
        "n": values.len(),
        "median": at(50.0),
        "p99": at(99.0),
        "min": at(0.0),
        "max": at(100.0),
    })
}

/// The `q`th percentile of sorted `values` (nearest rank; the median of an even count is the
/// lower middle one).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let k = ((q / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[k]
}

/// The median of `values`, which may be negative (differences), as [`summary`] takes it.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(&values, 50.0)
}
