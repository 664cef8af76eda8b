//! Lifecycle notices and their subscribers: actix recipients and plain callbacks (fanned out by
//! [`crate::listeners::Listeners`]), the end of any subscription, and waits for a server to come
//! online or to exit.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use actix::prelude::*;
use scserver_core::LifecycleEvent;
use tokio::sync::oneshot;

use super::{ServerActor, Status};
use crate::error::ServerError;
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

/// Send every lifecycle notice to this recipient, until an [`Unsubscribe`] of `id` (use
/// [`crate::listeners::PERMANENT`] for one never removed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe {
    /// Identifies the subscription for [`Unsubscribe`].
    pub id: u64,
    /// Who hears.
    pub recipient: Recipient<LifecycleNotice>,
}

impl Handler<Subscribe> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) {
        self.listeners.subscribe(msg.id, msg.recipient);
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

/// What a subscription listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Lifecycle notices (callbacks and recipients).
    Lifecycle,
    /// OSC messages from the server (router callbacks and recipients).
    Osc,
    /// `/fail`s nobody awaited.
    Failures,
}

/// End a subscription by the topic and id it was made with. Notices published after this
/// message is handled no longer reach it (a mailbox keeps order, so neither does anything caused
/// by a message sent after this one).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    /// What it listens to.
    pub topic: Topic,
    /// The id it was made with.
    pub id: u64,
}

impl Handler<Unsubscribe> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Self::Context) {
        match msg.topic {
            Topic::Lifecycle => {
                self.listeners.remove(msg.id);
            }
            Topic::Osc => self
                .conn
                .router
                .do_send(crate::router::RemoveCallback(msg.id)),
            Topic::Failures => self.notifications.unsubscribe(msg.id),
        }
    }
}

/// A lifecycle state to wait for (supriya's boot and exit futures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaited {
    /// Online: booted or connected.
    Online,
    /// Offline again, an owned process gone.
    Exited,
}

impl Awaited {
    fn name(self) -> &'static str {
        match self {
            Awaited::Online => "online",
            Awaited::Exited => "exited",
        }
    }
}

/// Wait, at most `timeout`, for the server to be [`Awaited::Online`] (at once when it is; a boot
/// or connect that started during the wait and ended offline is [`ServerError::NotOnline`]) or
/// [`Awaited::Exited`] (at once when offline). Decided on each lifecycle event as it is
/// published, so no state between two events is missed.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct WaitFor {
    /// An id for the callback that watches the events.
    pub id: u64,
    /// What to wait for.
    pub until: Awaited,
    /// The bound.
    pub timeout: Duration,
}

impl Handler<WaitFor> for ServerActor {
    type Result = ResponseFuture<Result<(), ServerError>>;

    fn handle(&mut self, msg: WaitFor, ctx: &mut Self::Context) -> Self::Result {
        let WaitFor { id, until, timeout } = msg;
        let status = self.status();
        if reached(until, status) {
            return Box::pin(async { Ok(()) });
        }
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        let state = self.watch();
        let mut started = status == Status::Booting;
        self.listeners.add(Callback::every(
            id,
            Box::new(move |notice: &LifecycleNotice| {
                let (status, owned) = {
                    let s = state.borrow();
                    (s.status, s.owned)
                };
                started |= status == Status::Booting;
                // A failed boot ends offline; a failed connect's last event is Disconnected.
                let failed = until == Awaited::Online
                    && started
                    && (status == Status::Offline
                        || (!owned && notice.event == LifecycleEvent::Disconnected));
                let outcome = if reached(until, status) {
                    Ok(())
                } else if failed {
                    Err(ServerError::NotOnline {
                        detail: notice.detail.clone(),
                    })
                } else {
                    return;
                };
                if let Some(tx) = tx.take() {
                    let _ = tx.send(outcome);
                }
            }),
        ));
        let server = ctx.address().downgrade();
        Box::pin(async move {
            let outcome = match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err(ServerError::ActorGone),
                Err(_) => Err(ServerError::WaitTimedOut {
                    state: until.name(),
                    timeout,
                }),
            };
            if let Some(server) = server.upgrade() {
                server.do_send(Unsubscribe {
                    topic: Topic::Lifecycle,
                    id,
                });
            }
            outcome
        })
    }
}

fn reached(until: Awaited, status: Status) -> bool {
    match until {
        Awaited::Online => status == Status::Online,
        Awaited::Exited => status == Status::Offline,
    }
}
