//! When the server was last heard from: stamped by the router for every datagram, read by the
//! heartbeat, shared without a message per datagram.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// When the last message from the server arrived; shared by the router (which stamps it for
/// every datagram) and the heartbeat (which reads it), without a message per datagram.
#[derive(Debug, Default)]
pub struct LastHeard(AtomicU64);

impl LastHeard {
    /// Records that a message arrived now.
    pub fn touch(&self) {
        let nanos = base().elapsed().as_nanos() as u64;
        // 0 means "never"; a stamp in the first nanosecond is still a stamp.
        self.0.store(nanos.max(1), Ordering::Relaxed);
    }

    /// When the last message arrived, if any did.
    pub fn get(&self) -> Option<Instant> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            n => Some(base() + Duration::from_nanos(n)),
        }
    }
}
