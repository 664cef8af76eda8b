//! The reply router: pairs replies with the requests waiting for them and fires OSC callbacks.
//!
//! Waiting requests are kept per reply pattern in FIFO order, so a thousand concurrent `/sync`
//! each resolve from their own `/synced id`, and a thousand `/status` each take one reply.
//!
//! A `/fail` names only the command, so it is paired by order instead. scsynth performs one
//! client's packets in order, and the replies of commands performed in its audio thread (a
//! `/c_get`'s `/c_set`, a `/fail`) leave through one queue in that order; asynchronous commands
//! fail at their first non-realtime stage, from the same queue. A request that can fail is sent
//! between two `/c_get` fences: a `/fail` that arrives after the first fence's reply and before
//! the second's is that request's, whatever else is in flight. (`/synced` is no fence: it takes
//! two more hops, and later packets' failures overtake it.)

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use actix::prelude::*;
use rosc::{OscMessage, OscType};
use scserver_core::Pattern;
use tokio::sync::oneshot;

use crate::error::RequestError;

/// Messages received from the server, in arrival order.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Incoming(pub Vec<OscMessage>);

/// A reply to a request, or why there is none.
pub type ReplyResult = Result<OscMessage, RequestError>;

/// Wait for the outcome of a request that is about to be sent.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Expect {
    /// The command's address, for errors.
    pub command: String,
    /// What the reply looks like; `None` when the closing fence's reply answers the request.
    pub reply: Option<Pattern>,
    /// What a failure looks like, if scsynth reports one.
    pub fail: Option<Pattern>,
    /// The reply of the fences sent just before and just after the request, if it has them.
    pub fence: Option<Pattern>,
    /// How long to wait.
    pub timeout: Duration,
    /// Where the outcome goes.
    pub tx: oneshot::Sender<ReplyResult>,
}

/// Where messages go: a closure run in place on the sending actor's thread (it must not block),
/// or an actix recipient that gets each in its mailbox, as `M` (which may wrap it).
pub enum Sink<T, M = T>
where
    M: Message<Result = ()> + Send,
{
    /// A closure.
    Fn(Box<dyn FnMut(&T) + Send>),
    /// An actix recipient.
    Recipient(Recipient<M>),
}

impl<T, M: Message<Result = ()> + Send> std::fmt::Debug for Sink<T, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sink::Fn(_) => "Sink::Fn",
            Sink::Recipient(_) => "Sink::Recipient",
        })
    }
}

/// Where an OSC callback delivers matching messages.
pub type OscSink = Sink<OscMessage, OscReceived>;

/// A message delivered to a callback recipient.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct OscReceived {
    /// The id of the callback registration.
    pub callback: u64,
    /// The message.
    pub message: OscMessage,
}

/// Register an OSC callback under a caller-chosen id.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct AddCallback {
    /// Identifies the registration for removal.
    pub id: u64,
    /// Messages that fire it.
    pub pattern: Pattern,
    /// Messages that also fire it, as a failure.
    pub failure_pattern: Option<Pattern>,
    /// Remove after the first call.
    pub once: bool,
    /// Where to deliver.
    pub sink: OscSink,
}

/// Remove an OSC callback.
#[derive(Debug, Message)]
#[rtype(result = "bool")]
pub struct RemoveCallback(pub u64);

/// Fail every waiting request (the connection closed).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct FailAll;

/// Receives every `/fail` that no request was waiting for.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetFailureSink(pub Recipient<UnclaimedFailure>);

/// A `/fail` reply nobody awaited: the command and scsynth's message.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct UnclaimedFailure {
    /// The failed command.
    pub command: String,
    /// scsynth's message.
    pub message: String,
}

struct Pending {
    command: String,
    reply: Option<Pattern>,
    fail: Option<Pattern>,
    /// The waiter for `reply`, dropped when the request is settled some other way.
    reply_waiter: Option<u64>,
    tx: oneshot::Sender<ReplyResult>,
}

/// What a reply in a request's queue means to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The request's own reply.
    Reply,
    /// The fence before it: its `/fail`s come next.
    Open,
    /// The fence after it: its `/fail`s have all come.
    Close,
}

/// One awaited reply. Fence waiters outlive an answered request so that their replies are still
/// consumed in order (another request may await the same reply pattern).
struct Waiter {
    request: u64,
    role: Role,
}

struct Callback {
    id: u64,
    pattern: Pattern,
    failure_pattern: Option<Pattern>,
    once: bool,
    sink: OscSink,
}

/// Owns waiting requests and OSC callbacks.
#[derive(Default)]
pub struct RouterActor {
    next_id: u64,
    pending: HashMap<u64, Pending>,
    waiters: HashMap<u64, Waiter>,
    by_reply: HashMap<Pattern, VecDeque<u64>>,
    longest: usize,
    /// The request between its fences: the one a `/fail` arriving now belongs to.
    fenced: Option<u64>,
    callbacks: Vec<Callback>,
    failure_sink: Option<Recipient<UnclaimedFailure>>,
    heard: std::sync::Arc<crate::heard::LastHeard>,
}

impl Actor for RouterActor {
    type Context = Context<Self>;
}

/// Finds the oldest live waiter in the queue under any prefix of `message` and removes it.
fn take_oldest(
    index: &mut HashMap<Pattern, VecDeque<u64>>,
    waiters: &mut HashMap<u64, Waiter>,
    message: &OscMessage,
    longest: usize,
) -> Option<Waiter> {
    // Longer prefixes are more specific: /n_set 1000 beats /n_set.
    for n in (0..=longest.min(message.args.len())).rev() {
        let Some(key) = Pattern::prefix_of(message, n) else {
            continue;
        };
        if let Some(queue) = index.get_mut(&key) {
            while let Some(id) = queue.pop_front() {
                if let Some(waiter) = waiters.remove(&id) {
                    if queue.is_empty() {
                        index.remove(&key);
                    }
                    return Some(waiter);
                }
            }
            index.remove(&key);
        }
    }
    None
}

fn string_arg(message: &OscMessage, i: usize) -> String {
    match message.args.get(i) {
        Some(OscType::String(s)) => s.trim_end().to_owned(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

impl RouterActor {
    /// When the last message from the server arrived, shared with the heartbeat.
    pub fn last_heard(&self) -> std::sync::Arc<crate::heard::LastHeard> {
        self.heard.clone()
    }

    fn settle(&mut self, request: u64, outcome: ReplyResult) {
        if let Some(pending) = self.pending.remove(&request) {
            if let Some(waiter) = pending.reply_waiter {
                self.waiters.remove(&waiter);
            }
            let _ = pending.tx.send(outcome);
        }
    }

    /// A `/fail` for the request between its fences, if it names that request's command.
    fn take_failure(&mut self, message: &OscMessage) -> Option<u64> {
        let id = self.fenced?;
        let pending = self.pending.get(&id)?;
        pending
            .fail
            .as_ref()
            .is_some_and(|fail| fail.matches(message))
            .then_some(id)
    }

    fn route(&mut self, message: OscMessage) {
        let mut claimed = false;
        if message.addr == "/fail" {
            if let Some(id) = self.take_failure(&message) {
                let command = self.pending[&id].command.clone();
                self.settle(
                    id,
                    Err(RequestError::Failed {
                        command,
                        message: string_arg(&message, 1),
                        args: message.args.iter().skip(2).cloned().collect(),
                    }),
                );
                claimed = true;
            }
        } else if let Some(waiter) = take_oldest(
            &mut self.by_reply,
            &mut self.waiters,
            &message,
            self.longest,
        ) {
            match waiter.role {
                Role::Reply => self.settle(waiter.request, Ok(message.clone())),
                Role::Open => self.fenced = Some(waiter.request),
                Role::Close => {
                    if self.fenced == Some(waiter.request) {
                        self.fenced = None;
                    }
                    if self
                        .pending
                        .get(&waiter.request)
                        .is_some_and(|p| p.reply.is_none())
                    {
                        self.settle(waiter.request, Ok(message.clone()));
                    }
                }
            }
            // Fence replies are the router's own business; replies go to callbacks too.
            if waiter.role != Role::Reply {
                return;
            }
            claimed = true;
        }
        self.fire(message, claimed);
    }

    fn fire(&mut self, message: OscMessage, claimed: bool) {
        let mut fired = false;
        self.callbacks.retain_mut(|cb| {
            let hit = cb.pattern.matches(&message)
                || cb
                    .failure_pattern
                    .as_ref()
                    .is_some_and(|p| p.matches(&message));
            if !hit {
                return true;
            }
            fired = true;
            match &mut cb.sink {
                Sink::Fn(f) => f(&message),
                Sink::Recipient(r) => r.do_send(OscReceived {
                    callback: cb.id,
                    message: message.clone(),
                }),
            }
            !cb.once
        });
        if !claimed && message.addr == "/fail" {
            let failure = UnclaimedFailure {
                command: string_arg(&message, 0),
                message: string_arg(&message, 1),
            };
            tracing::warn!(command = %failure.command, message = %failure.message, "scsynth reported a failure");
            if let Some(sink) = &self.failure_sink {
                sink.do_send(failure);
            }
        } else if !claimed && !fired {
            tracing::trace!(address = %message.addr, "unhandled message");
        }
    }

    fn wait_for(&mut self, pattern: Pattern, request: u64, role: Role) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.longest = self.longest.max(pattern.args.len());
        self.waiters.insert(id, Waiter { request, role });
        self.by_reply.entry(pattern).or_default().push_back(id);
        id
    }

    /// The request's time is up: it fails if still waiting, and its waiters go (a fence reply
    /// later than this would be taken for another's).
    fn expire(&mut self, request: u64, waiters: Vec<(u64, Pattern)>, timeout: Duration) {
        if let Some(p) = self.pending.remove(&request) {
            let expected = p
                .reply
                .map(|r| r.to_string())
                .unwrap_or_else(|| "its fence".to_owned());
            let _ = p.tx.send(Err(RequestError::Timeout {
                command: p.command,
                expected,
                timeout,
            }));
        }
        if self.fenced == Some(request) {
            self.fenced = None;
        }
        for (id, pattern) in waiters {
            if self.waiters.remove(&id).is_some() {
                if let Some(q) = self.by_reply.get_mut(&pattern) {
                    q.retain(|i| *i != id);
                    if q.is_empty() {
                        self.by_reply.remove(&pattern);
                    }
                }
            }
        }
    }
}

impl Handler<Incoming> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: Incoming, _: &mut Self::Context) {
        // Any message at all proves the server alive to the heartbeat.
        self.heard.touch();
        for message in msg.0 {
            self.route(message);
        }
    }
}

impl Handler<Expect> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: Expect, ctx: &mut Self::Context) {
        let request = self.next_id;
        self.next_id += 1;
        let mut waiters = Vec::new();
        if let Some(fence) = msg.fence {
            for role in [Role::Open, Role::Close] {
                waiters.push((self.wait_for(fence.clone(), request, role), fence.clone()));
            }
        }
        let reply_waiter = msg.reply.as_ref().map(|reply| {
            let id = self.wait_for(reply.clone(), request, Role::Reply);
            waiters.push((id, reply.clone()));
            id
        });
        let timeout = msg.timeout;
        self.pending.insert(
            request,
            Pending {
                command: msg.command,
                reply: msg.reply,
                fail: msg.fail,
                reply_waiter,
                tx: msg.tx,
            },
        );
        ctx.run_later(timeout, move |act, _| act.expire(request, waiters, timeout));
    }
}

impl Handler<AddCallback> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: AddCallback, _: &mut Self::Context) {
        self.callbacks.push(Callback {
            id: msg.id,
            pattern: msg.pattern,
            failure_pattern: msg.failure_pattern,
            once: msg.once,
            sink: msg.sink,
        });
    }
}

impl Handler<RemoveCallback> for RouterActor {
    type Result = bool;

    fn handle(&mut self, msg: RemoveCallback, _: &mut Self::Context) -> bool {
        let before = self.callbacks.len();
        self.callbacks.retain(|c| c.id != msg.0);
        before != self.callbacks.len()
    }
}

impl Handler<FailAll> for RouterActor {
    type Result = ();

    fn handle(&mut self, _: FailAll, _: &mut Self::Context) {
        self.by_reply.clear();
        self.waiters.clear();
        self.fenced = None;
        for (_, p) in self.pending.drain() {
            let _ =
                p.tx.send(Err(RequestError::Disconnected { command: p.command }));
        }
    }
}

impl Handler<SetFailureSink> for RouterActor {
    type Result = ();

    fn handle(&mut self, msg: SetFailureSink, _: &mut Self::Context) {
        self.failure_sink = Some(msg.0);
    }
}
