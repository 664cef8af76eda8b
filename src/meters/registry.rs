//! What meters report, what runs for each `meters` call of a server, and the registry a
//! restart, a promotion or a reset starts them again from. Kept apart from the meters' methods
//! on the server handle, which the handle's own fields must not depend on.

use std::sync::{Arc, Mutex, Weak};

use actix::Message;
use scserver_core::levels::Level;

use crate::Subscription;

/// Which buses a reading is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterSource {
    /// The hardware outputs (buses 0 ..).
    Outputs,
    /// The hardware inputs (the buses after the outputs).
    Inputs,
}

/// One reading of one direction: a level per channel.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct MeterReading {
    /// Outputs or inputs.
    pub source: MeterSource,
    /// Per channel, from the first bus of the direction.
    pub levels: Vec<Level>,
}

/// Where one `meters` call's readings go.
pub(super) type Sink = Arc<Mutex<dyn FnMut(MeterReading) + Send>>;

/// One `meters` call: what it reports to, and what runs for it now.
pub(super) struct MeterRun {
    pub(super) rate: f64,
    pub(super) sink: Sink,
    pub(super) running: Mutex<Running>,
}

/// The synths of one `meters` call.
pub(super) struct Running {
    /// Each meter synth's node id and the callback of its replies.
    pub(super) parts: Vec<(i32, Subscription)>,
    /// The process they run in (`None` for a server this client does not own).
    pub(super) pid: Option<u32>,
    pub(super) stopped: bool,
}

/// The meters of one server, held weakly: a `Meters` dropped without `stop` leaves its synths
/// to the next reset or restart, which ends them.
#[derive(Default)]
pub(crate) struct MeterRegistry(Mutex<Vec<Weak<MeterRun>>>);

impl MeterRegistry {
    pub(super) fn add(&self, run: &Arc<MeterRun>) {
        let mut runs = self.0.lock().expect("meters lock");
        runs.retain(|r| r.strong_count() > 0);
        runs.push(Arc::downgrade(run));
    }

    pub(super) fn live(&self) -> Vec<Arc<MeterRun>> {
        let runs = self.0.lock().expect("meters lock");
        runs.iter().filter_map(Weak::upgrade).collect()
    }

    /// Whether a running meter runs in another process than `pid`.
    pub(crate) fn elsewhere_than(&self, pid: Option<u32>) -> bool {
        self.live().iter().any(|run| {
            let running = run.running.lock().expect("meters lock");
            !running.stopped && running.pid != pid
        })
    }
}
