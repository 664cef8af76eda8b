//! A supervisor whose lifecycle and supervision events are recorded, for the supervision tests.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use scserver::{LifecycleNotice, ServerSupervisor, SupervisionNotice};

/// One recorded event: a lifecycle event or a supervision event, with when and why.
#[derive(Debug, Clone)]
pub enum Ev {
    Life(LifecycleNotice),
    Sup(SupervisionNotice),
}

impl Ev {
    pub fn name(&self) -> &'static str {
        match self {
            Ev::Life(n) => n.event.name(),
            Ev::Sup(n) => n.event.name(),
        }
    }

    pub fn at(&self) -> SystemTime {
        match self {
            Ev::Life(n) => n.at,
            Ev::Sup(n) => n.at,
        }
    }

    pub fn server(&self) -> &str {
        match self {
            Ev::Life(n) => &n.server,
            Ev::Sup(n) => &n.server,
        }
    }
}

#[derive(Clone, Default)]
pub struct Events(Arc<(Mutex<Vec<Ev>>, Condvar)>);

impl Events {
    pub fn push(&self, e: Ev) {
        self.0 .0.lock().unwrap().push(e);
        self.0 .1.notify_all();
    }

    /// Waits for the `n`-th (1-based) event called `name` of `server`, at most `timeout`.
    pub fn wait_nth(&self, server: &str, name: &str, n: usize, timeout: Duration) -> Option<Ev> {
        let deadline = Instant::now() + timeout;
        let mut events = self.0 .0.lock().unwrap();
        loop {
            if let Some(e) = events
                .iter()
                .filter(|e| e.server() == server && e.name() == name)
                .nth(n - 1)
            {
                return Some(e.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            events = self.0 .1.wait_timeout(events, left).unwrap().0;
        }
    }

    pub fn wait(&self, server: &str, name: &str, timeout: Duration) -> Ev {
        self.wait_nth(server, name, 1, timeout).unwrap_or_else(|| {
            panic!(
                "no {name} of {server} within {timeout:?}: {:?}",
                self.names(server)
            )
        })
    }

    pub fn names(&self, server: &str) -> Vec<&'static str> {
        self.0
             .0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.server() == server)
            .map(Ev::name)
            .collect()
    }

    pub fn clear(&self) {
        self.0 .0.lock().unwrap().clear();
    }
}

pub fn supervisor() -> (ServerSupervisor, Events) {
    super::init_tracing();
    let supervisor = ServerSupervisor::new();
    let events = Events::default();
    let e = events.clone();
    supervisor.on_lifecycle(Arc::new(move |n: &LifecycleNotice| {
        e.push(Ev::Life(n.clone()))
    }));
    let e = events.clone();
    supervisor.on_event(move |n| e.push(Ev::Sup(n.clone())));
    (supervisor, events)
}
