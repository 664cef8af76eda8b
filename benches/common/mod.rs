//! What the bench binaries share: one dummy JACK server for a whole run, as the peer bench has.

use std::time::Duration;

use scserver_actors::jack::DummyJack;

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
