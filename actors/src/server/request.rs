//! The one request path: register what settles the request with the router, then send it.
//!
//! Both steps are mailbox sends from the same thread, so the router always learns of a request
//! before its reply can arrive. A request that can fail travels between two fences (see
//! [`crate::router`]), so that a `/fail` is paired with the request that caused it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix::prelude::*;
use rosc::OscPacket;
use scserver_core::command::Command;
use scserver_core::fifo::Queue;
use scserver_core::Pattern;
use tokio::sync::oneshot;

use super::{ServerActor, Status};
use crate::allocator::{Allocate, AllocatorActor, IdKind};
use crate::error::{RequestError, ServerError};
use crate::osc::{OscActor, SendBytes, SendMany};
use crate::router::{Expect, ReplyResult, RouterActor};

/// What a raw request waits for.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// The command's address, for errors.
    pub command: String,
    /// The reply.
    pub reply: Pattern,
    /// The `/fail` that answers it instead, if scsynth sends one.
    pub fail: Option<Pattern>,
    /// How long to wait; the server's `request_timeout` when `None`.
    pub timeout: Option<Duration>,
}

/// A request ready to send: its packet and what settles it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    bytes: Vec<u8>,
    command: String,
    reply: Option<Pattern>,
    fail: Option<Pattern>,
    timeout: Option<Duration>,
}

impl Outgoing {
    /// `command`, settled by the reply its table row names, by its `/fail`, or (for a command
    /// scsynth does not answer) once scsynth has performed it.
    pub fn command(command: &Command) -> Result<Outgoing, RequestError> {
        Ok(Outgoing {
            bytes: encode(&OscPacket::Message(command.to_message()))?,
            command: command.address().to_owned(),
            reply: command.reply(),
            fail: command.failure(),
            timeout: None,
        })
    }

    /// Any packet, settled as `expect` says.
    pub fn raw(packet: &OscPacket, expect: Expectation) -> Result<Outgoing, RequestError> {
        Ok(Outgoing {
            bytes: encode(packet)?,
            command: expect.command,
            reply: Some(expect.reply),
            fail: expect.fail,
            timeout: expect.timeout,
        })
    }

    /// The same request with its own bound on the wait.
    pub fn with_timeout(self, timeout: Option<Duration>) -> Outgoing {
        Outgoing {
            timeout: timeout.or(self.timeout),
            ..self
        }
    }

    /// The command's address.
    pub fn address(&self) -> &str {
        &self.command
    }

    /// The bounded server queue it passes through on scsynth or (`supernova`) supernova.
    pub(crate) fn queue(&self, supernova: bool) -> Option<Queue> {
        Queue::of(&self.command, self.reply.as_ref(), supernova)
    }
}

/// Encodes a packet, refusing what does not fit one datagram.
pub fn encode(packet: &OscPacket) -> Result<Vec<u8>, RequestError> {
    Ok(scserver_core::bundle::encode_checked(packet)?)
}

/// The control bus each fence reads, turning over all of them so that the fences in flight
/// seldom share one (a lost fence reply then cannot be taken for a later one's).
#[derive(Debug, Default)]
pub(crate) struct Fences(AtomicU32);

impl Fences {
    fn next(&self, buses: u32) -> i32 {
        let bus = self.0.fetch_add(1, Ordering::Relaxed) % buses.max(1);
        i32::try_from(bus).unwrap_or(0)
    }
}

/// Where requests go: the router that settles them and the socket that sends them.
#[derive(Clone)]
pub(crate) struct Route {
    pub router: Addr<RouterActor>,
    pub osc: Addr<OscActor>,
    pub fences: std::sync::Arc<Fences>,
    /// The server's control buses, which the fences read.
    pub buses: u32,
    pub timeout: Duration,
}

impl Route {
    /// Registers `out` with the router and sends it; `tx` gets the outcome.
    pub(crate) fn dispatch(&self, out: Outgoing, tx: oneshot::Sender<ReplyResult>) {
        let fence = out.fail.as_ref().map(|_| self.fences.next(self.buses));
        self.router.do_send(Expect {
            command: out.command,
            reply: out.reply,
            fail: out.fail,
            fence: fence.map(|bus| Pattern::new("/c_set").arg(bus)),
            timeout: out.timeout.unwrap_or(self.timeout),
            tx,
        });
        match fence {
            None => self.osc.do_send(SendBytes(out.bytes)),
            Some(bus) => {
                let fence = Command::CGet { bus_ids: vec![bus] }.to_bytes();
                self.osc
                    .do_send(SendMany(vec![fence.clone(), out.bytes, fence]));
            }
        }
    }

    /// Sends `out` and awaits its outcome.
    pub(crate) async fn request(&self, out: Outgoing) -> ReplyResult {
        let address = out.command.clone();
        let (tx, rx) = oneshot::channel();
        self.dispatch(out, tx);
        outcome(rx, &address).await
    }
}

/// Awaits a dispatched request; a dropped sender means the router went away.
pub(crate) async fn outcome(rx: oneshot::Receiver<ReplyResult>, command: &str) -> ReplyResult {
    rx.await.unwrap_or_else(|_| {
        Err(RequestError::Disconnected {
            command: command.to_owned(),
        })
    })
}

/// A cloneable handle on an open connection: what a transition needs to make requests after it
/// has left the actor's context.
#[derive(Clone)]
pub(crate) struct Link {
    pub route: Route,
    pub allocator: Addr<AllocatorActor>,
}

impl Link {
    /// Sends a command and awaits its outcome (see [`Outgoing::command`]).
    pub async fn execute(&self, command: Command) -> ReplyResult {
        self.route.request(Outgoing::command(&command)?).await
    }

    /// `/sync` with a fresh id from this client's range: everything sent before it, including
    /// the non-realtime queue (SynthDef loads, buffer reads), is done when it returns.
    pub async fn sync(&self) -> Result<(), ServerError> {
        let id = self
            .allocator
            .send(Allocate {
                kind: IdKind::Sync,
                count: 1,
            })
            .await??;
        self.execute(Command::Sync { id }).await?;
        Ok(())
    }

    /// Sends commands in order, expecting nothing.
    pub fn send_commands(&self, commands: impl IntoIterator<Item = Command>) {
        for command in commands {
            self.route.osc.do_send(SendBytes(command.to_bytes()));
        }
    }

    /// Sends a packet expecting nothing.
    pub fn send(&self, packet: &OscPacket) -> Result<(), RequestError> {
        self.route.osc.do_send(SendBytes(encode(packet)?));
        Ok(())
    }
}

impl ServerActor {
    /// The open connection, if any.
    pub(crate) fn link(&self) -> Option<Link> {
        Some(Link {
            route: self.route()?,
            allocator: self.allocator.clone(),
        })
    }

    /// Where requests go while a socket is open.
    pub(crate) fn route(&self) -> Option<Route> {
        self.conn.osc.as_ref().map(|osc| Route {
            router: self.conn.router.clone(),
            osc: osc.clone(),
            fences: self.fences.clone(),
            buses: self.options().control_bus_channel_count,
            timeout: self.options().request_timeout,
        })
    }

    /// Refuses requests unless online or booting, saying which it is.
    pub(crate) fn connected(&self) -> Result<(), RequestError> {
        match (self.status(), &self.conn.osc) {
            (Status::Online | Status::Booting, Some(_)) => Ok(()),
            (status, _) => Err(RequestError::NotConnected {
                status: status.name(),
            }),
        }
    }
}

/// Send a request; its outcome (or why there is none) goes to `tx`. The caller waits on its
/// receiver alone: no answer from the actor is needed first.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Request {
    /// The request.
    pub out: Outgoing,
    /// Where the outcome goes.
    pub tx: oneshot::Sender<ReplyResult>,
}

impl Handler<Request> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Request, ctx: &mut Self::Context) {
        if let Err(e) = self.connected() {
            let _ = msg.tx.send(Err(e));
            return;
        }
        // Checked here, where the server's kind is known (supernova reads less over UDP).
        if let Err(e) = scserver_core::bundle::fits(&msg.out.bytes, self.options().packet_limit()) {
            let _ = msg.tx.send(Err(e.into()));
            return;
        }
        self.remember(&msg.out.bytes);
        if let Some(queue) = msg.out.queue(self.options().is_supernova()) {
            return self.windowed(queue, msg.out, msg.tx, ctx);
        }
        if let Some(route) = self.route() {
            route.dispatch(msg.out, msg.tx);
        }
    }
}

/// Send encoded packets, in order, expecting nothing.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), RequestError>")]
pub struct Send(pub Vec<Vec<u8>>);

impl Handler<Send> for ServerActor {
    type Result = Result<(), RequestError>;

    fn handle(&mut self, msg: Send, _: &mut Self::Context) -> Self::Result {
        self.connected()?;
        msg.0.iter().for_each(|b| self.remember(b));
        if let Some(osc) = &self.conn.osc {
            osc.do_send(SendMany(msg.0));
        }
        Ok(())
    }
}

/// Register an OSC callback with the router (callbacks outlive connections).
impl Handler<crate::router::AddCallback> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: crate::router::AddCallback, _: &mut Self::Context) {
        self.conn.router.do_send(msg);
    }
}

/// Remove an OSC callback.
impl Handler<crate::router::RemoveCallback> for ServerActor {
    type Result = ResponseFuture<bool>;

    fn handle(
        &mut self,
        msg: crate::router::RemoveCallback,
        _: &mut Self::Context,
    ) -> Self::Result {
        let router = self.conn.router.clone();
        Box::pin(async move { router.send(msg).await.unwrap_or(false) })
    }
}
