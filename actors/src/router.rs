//! The reply router: pairs replies with the requests waiting for them and fires OSC callbacks.
//!
//! Waiting requests are kept per reply pattern in FIFO order, so a thousand concurrent `/sync`
//! each resolve from their own `/synced id`, and a thousand `/status` each take one reply. A
//! `/fail` naming an awaited command fails the oldest such request at once instead of letting it
//! time out.

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

/// Wait for the reply to a request that is about to be sent.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Expect {
    /// The command's address, for errors.
    pub command: String,
    /// What the reply looks like.
    pub reply: Pattern,
    /// What a failure looks like, if scsynth reports one.
    pub fail: Option<Pattern>,
    /// How long to wait.
    pub timeout: Duration,
    /// Where the outcome goes.
    pub tx: oneshot::Sender<ReplyResult>,
}

/// Where a callback delivers matching messages.
pub enum Sink {
    /// A closure, run on the router's thread; it must not block.
    Fn(Box<dyn FnMut(&OscMessage) + Send>),
    /// An actix recipient.
    Recipient(Recipient<OscReceived>),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sink::Fn(_) => "Sink::Fn",
            Sink::Recipient(_) => "Sink::Recipient",
        })
    }
}

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
    pub sink: Sink,
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
    reply: Pattern,
    fail: Option<Pattern>,
    tx: oneshot::Sender<ReplyResult>,
}

struct Callback {
    id: u64,
    pattern: Pattern,
    failure_pattern: Option<Pattern>,
    once: bool,
    sink: Sink,
}

/// Owns waiting requests and OSC callbacks.
#[derive(Default)]
pub struct RouterActor {
    next_id: u64,
    pending: HashMap<u64, Pending>,
    by_reply: HashMap<Pattern, VecDeque<u64>>,
    by_fail: HashMap<Pattern, VecDeque<u64>>,
    longest: usize,
    callbacks: Vec<Callback>,
    failure_sink: Option<Recipient<UnclaimedFailure>>,
    heard: std::sync::Arc<crate::heard::LastHeard>,
}

impl Actor for RouterActor {
    type Context = Context<Self>;
}

/// Finds the oldest live request in the queue under any prefix of `message` and removes it.
fn take_oldest(
    index: &mut HashMap<Pattern, VecDeque<u64>>,
    pending: &HashMap<u64, Pending>,
    message: &OscMessage,
    longest: usize,
) -> Option<u64> {
    // Longer prefixes are more specific: /n_set 1000 beats /n_set.
    for n in (0..=longest.min(message.args.len())).rev() {
        let Some(key) = Pattern::prefix_of(message, n) else {
            continue;
        };
        if let Some(queue) = index.get_mut(&key) {
            while let Some(id) = queue.pop_front() {
                if pending.contains_key(&id) {
                    if queue.is_empty() {
                        index.remove(&key);
                    }
                    return Some(id);
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

    fn route(&mut self, message: OscMessage) {
        let mut claimed = false;
        if message.addr == "/fail" {
            if let Some(id) = self
                .take_indexed_failure(&message)
                .or_else(|| take_oldest(&mut self.by_fail, &self.pending, &message, self.longest))
            {
                let pending = self
                    .pending
                    .remove(&id)
                    .expect("indexed request is pending");
                let _ = pending.tx.send(Err(RequestError::Failed {
                    command: pending.command,
                    message: string_arg(&message, 1),
                    args: message.args.iter().skip(2).cloned().collect(),
                }));
                claimed = true;
            }
        } else if let Some(id) =
            take_oldest(&mut self.by_reply, &self.pending, &message, self.longest)
        {
            let pending = self
                .pending
                .remove(&id)
                .expect("indexed request is pending");
            let _ = pending.tx.send(Ok(message.clone()));
            claimed = true;
        }
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

    /// `/fail cmd message index` (the file commands name their buffer after the message): the
    /// oldest failable request awaiting `/done cmd index`, so concurrent `/b_allocRead`s on
    /// different buffers each get their own failure.
    fn take_indexed_failure(&mut self, message: &OscMessage) -> Option<u64> {
        let (Some(OscType::String(command)), Some(OscType::Int(index))) =
            (message.args.first(), message.args.get(2))
        else {
            return None;
        };
        let key = Pattern::new("/done").arg(command.as_str()).arg(*index);
        let queue = self.by_reply.get_mut(&key)?;
        let pending = &self.pending;
        let at = queue
            .iter()
            .position(|id| pending.get(id).is_some_and(|p| p.fail.is_some()))?;
        let id = queue.remove(at)?;
        if queue.is_empty() {
            self.by_reply.remove(&key);
        }
        Some(id)
    }

    fn expire(&mut self, id: u64, timeout: Duration) {
        if let Some(p) = self.pending.remove(&id) {
            let _ = p.tx.send(Err(RequestError::Timeout {
                command: p.command,
                expected: p.reply.to_string(),
                timeout,
            }));
            // The stale id stays in its queue and is skipped when reached; drop empty queues now.
            for (index, pattern) in [
                (&mut self.by_reply, Some(p.reply)),
                (&mut self.by_fail, p.fail),
            ] {
                if let Some(pattern) = pattern {
                    if let Some(q) = index.get_mut(&pattern) {
                        q.retain(|i| *i != id);
                        if q.is_empty() {
                            index.remove(&pattern);
                        }
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
        let id = self.next_id;
        self.next_id += 1;
        self.longest = self.longest.max(msg.reply.args.len());
        self.by_reply
            .entry(msg.reply.clone())
            .or_default()
            .push_back(id);
        if let Some(fail) = &msg.fail {
            self.longest = self.longest.max(fail.args.len());
            self.by_fail.entry(fail.clone()).or_default().push_back(id);
        }
        let timeout = msg.timeout;
        self.pending.insert(
            id,
            Pending {
                command: msg.command,
                reply: msg.reply,
                fail: msg.fail,
                tx: msg.tx,
            },
        );
        ctx.run_later(timeout, move |act, _| act.expire(id, timeout));
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
        self.by_fail.clear();
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
