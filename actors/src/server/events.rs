//! Lifecycle notices and their subscribers: actix recipients and plain callbacks.

use std::collections::HashSet;
use std::time::SystemTime;

use actix::prelude::*;
use scserver_core::LifecycleEvent;

use super::ServerActor;

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
pub struct LifecycleCallback {
    /// Identifies it for removal.
    pub id: u64,
    /// The events it fires for (all when `None`).
    pub events: Option<HashSet<LifecycleEvent>>,
    /// Remove after the first call.
    pub once: bool,
    /// The closure; it must not block.
    pub procedure: Box<dyn FnMut(&LifecycleNotice) + Send>,
}

impl LifecycleCallback {
    /// Calls it if the event is one of its own; returns whether to keep it.
    pub(crate) fn call(&mut self, notice: &LifecycleNotice) -> bool {
        if self
            .events
            .as_ref()
            .is_some_and(|e| !e.contains(&notice.event))
        {
            return true;
        }
        (self.procedure)(notice);
        !self.once
    }
}

/// Send every lifecycle notice to this recipient.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub Recipient<LifecycleNotice>);

impl Handler<Subscribe> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) {
        self.subscribers.push(msg.0);
    }
}

/// Stop sending lifecycle notices to this recipient.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe(pub Recipient<LifecycleNotice>);

impl Handler<Unsubscribe> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Self::Context) {
        self.subscribers.retain(|s| *s != msg.0);
    }
}

/// Register a lifecycle callback.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterLifecycleCallback(pub LifecycleCallback);

impl Handler<RegisterLifecycleCallback> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: RegisterLifecycleCallback, _: &mut Self::Context) {
        self.callbacks.push(msg.0);
    }
}

/// Remove a lifecycle callback by id; answers whether it was there.
#[derive(Debug, Message)]
#[rtype(result = "bool")]
pub struct UnregisterLifecycleCallback(pub u64);

impl Handler<UnregisterLifecycleCallback> for ServerActor {
    type Result = bool;

    fn handle(&mut self, msg: UnregisterLifecycleCallback, _: &mut Self::Context) -> bool {
        let before = self.callbacks.len();
        self.callbacks.retain(|c| c.id != msg.0);
        before != self.callbacks.len()
    }
}
