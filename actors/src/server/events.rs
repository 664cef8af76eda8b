//! Lifecycle notices and their subscribers: actix recipients and plain callbacks (fanned out by
//! [`crate::listeners::Listeners`]).

use std::collections::HashSet;
use std::time::SystemTime;

use actix::prelude::*;
use scserver_core::LifecycleEvent;

use super::ServerActor;
use crate::listeners::Callback;

/// One lifecycle event of one server, with what is known at that moment.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct LifecycleNotice {
    /// The server's name.
    pub server: String,
    /// The server's port.
    pub port: u16,
    /// What happened.
    pub event: LifecycleEvent,
    /// The scsynth process id, where known.
    pub pid: Option<u32>,
    /// The pid of a dummy JACK server started for it, where known.
    pub jack_pid: Option<u32>,
    /// The client id, where known.
    pub client_id: Option<i32>,
    /// When it happened.
    pub at: SystemTime,
    /// Why, for failures (the error's message, an exit status).
    pub detail: Option<String>,
}

/// A lifecycle callback: a closure run on the server actor's thread for the events it asked for.
pub type LifecycleCallback = Callback<LifecycleNotice>;

/// A lifecycle callback identified by `id`, for `events` (all when empty), removed after its
/// first call when `once`.
pub fn lifecycle_callback(
    id: u64,
    events: HashSet<LifecycleEvent>,
    once: bool,
    procedure: Box<dyn FnMut(&LifecycleNotice) + Send>,
) -> LifecycleCallback {
    Callback {
        id,
        wants: (!events.is_empty())
            .then(|| Box::new(move |n: &LifecycleNotice| events.contains(&n.event)) as _),
        once,
        procedure,
    }
}

/// Send every lifecycle notice to this recipient.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub Recipient<LifecycleNotice>);

impl Handler<Subscribe> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) {
        self.listeners.subscribe(msg.0);
    }
}

/// Register a lifecycle callback.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterLifecycleCallback(pub LifecycleCallback);

impl Handler<RegisterLifecycleCallback> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: RegisterLifecycleCallback, _: &mut Self::Context) {
        self.listeners.add(msg.0);
    }
}

/// Remove a lifecycle callback by id; answers whether it was there.
#[derive(Debug, Message)]
#[rtype(result = "bool")]
pub struct UnregisterLifecycleCallback(pub u64);

impl Handler<UnregisterLifecycleCallback> for ServerActor {
    type Result = bool;

    fn handle(&mut self, msg: UnregisterLifecycleCallback, _: &mut Self::Context) -> bool {
        self.listeners.remove(msg.0)
    }
}
