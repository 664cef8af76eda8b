//! The one request path: register what the reply looks like with the router, then send.
//!
//! Both steps are mailbox sends from the same thread, so the router always learns of a request
//! before its reply can arrive.

use std::time::Duration;

use actix::prelude::*;
use rosc::OscPacket;
use scserver_core::command::Command;
use scserver_core::Pattern;
use tokio::sync::oneshot;

use super::{ServerActor, Status};
use crate::allocator::{Allocate, AllocatorActor, IdKind};
use crate::error::{RequestError, ServerError};
use crate::osc::{OscActor, SendBytes};
use crate::router::{Expect, ReplyResult, RouterActor};

/// What a request waits for.
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

impl Expectation {
    /// What `command` waits for: the reply its table row names and the `/fail` that can answer it
    /// instead. `None` for commands scsynth does not answer.
    pub fn of(command: &Command) -> Option<Expectation> {
        command.reply().map(|reply| Expectation {
            command: command.address().to_owned(),
            reply,
            fail: command.fail_pattern(),
            timeout: None,
        })
    }
}

/// Encodes a packet, refusing what does not fit one datagram.
pub fn encode(packet: &OscPacket) -> Result<Vec<u8>, RequestError> {
    Ok(scserver_core::bundle::encode_checked(packet)?)
}

/// Registers `expect` with the router and sends `bytes`; `tx` gets the reply.
pub(crate) fn dispatch(
    router: &Addr<RouterActor>,
    osc: &Addr<OscActor>,
    bytes: Vec<u8>,
    expect: Expectation,
    default_timeout: Duration,
    tx: oneshot::Sender<ReplyResult>,
) {
    router.do_send(Expect {
        command: expect.command,
        reply: expect.reply,
        fail: expect.fail,
        timeout: expect.timeout.unwrap_or(default_timeout),
        tx,
    });
    osc.do_send(SendBytes(bytes));
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
    pub router: Addr<RouterActor>,
    pub osc: Addr<OscActor>,
    pub allocator: Addr<AllocatorActor>,
    pub timeout: Duration,
}

impl Link {
    /// Sends a command and awaits the reply (or `/fail`) its table row names.
    pub async fn execute(&self, command: Command) -> ReplyResult {
        let expect = Expectation::of(&command).ok_or_else(|| RequestError::BadReply {
            command: command.address().to_owned(),
            message: "scsynth sends no reply to this command".to_owned(),
        })?;
        let address = expect.command.clone();
        let bytes = encode(&OscPacket::Message(command.to_message()))?;
        outcome(
            {
                let (tx, rx) = oneshot::channel();
                dispatch(&self.router, &self.osc, bytes, expect, self.timeout, tx);
                rx
            },
            &address,
        )
        .await
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
            .await?
            .unwrap_or(0);
        self.execute(Command::Sync { id }).await?;
        Ok(())
    }

    /// Sends commands in order, expecting nothing.
    pub fn send_commands(&self, commands: impl IntoIterator<Item = Command>) {
        for command in commands {
            self.osc.do_send(SendBytes(command.to_bytes()));
        }
    }

    /// Sends a packet expecting nothing.
    pub fn send(&self, packet: &OscPacket) -> Result<(), RequestError> {
        self.osc.do_send(SendBytes(encode(packet)?));
        Ok(())
    }
}

impl ServerActor {
    /// The open connection, if any.
    pub(crate) fn link(&self) -> Option<Link> {
        self.osc.as_ref().map(|osc| Link {
            router: self.router.clone(),
            osc: osc.clone(),
            allocator: self.allocator.clone(),
            timeout: self.options().request_timeout,
        })
    }

    fn connected_osc(&self) -> Result<&Addr<OscActor>, RequestError> {
        match (self.status(), &self.osc) {
            (Status::Online | Status::Booting, Some(osc)) => Ok(osc),
            _ => Err(RequestError::NotConnected),
        }
    }
}

/// Send encoded bytes; the reply described by the expectation (or why there is none) goes to
/// `tx`. The caller waits on its receiver alone: no answer from the actor is needed first.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Request {
    /// The encoded packet.
    pub bytes: Vec<u8>,
    /// What the reply looks like.
    pub expect: Expectation,
    /// Where the outcome goes.
    pub tx: oneshot::Sender<ReplyResult>,
}

impl Handler<Request> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: Request, ctx: &mut Self::Context) {
        let osc = match self.connected_osc() {
            Ok(osc) => osc.clone(),
            Err(e) => {
                let _ = msg.tx.send(Err(e));
                return;
            }
        };
        self.remember(&msg.bytes);
        if super::window::uses_node_fifo(&msg.expect) {
            return self.windowed(msg.bytes, msg.expect, msg.tx, ctx);
        }
        let timeout = self.options().request_timeout;
        dispatch(&self.router, &osc, msg.bytes, msg.expect, timeout, msg.tx);
    }
}

/// Send encoded packets, in order, expecting nothing.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), RequestError>")]
pub struct Send(pub Vec<Vec<u8>>);

impl Handler<Send> for ServerActor {
    type Result = Result<(), RequestError>;

    fn handle(&mut self, msg: Send, _: &mut Self::Context) -> Self::Result {
        self.connected_osc()?;
        msg.0.iter().for_each(|b| self.remember(b));
        let osc = self.connected_osc()?;
        osc.do_send(crate::osc::SendMany(msg.0));
        Ok(())
    }
}

/// Register an OSC callback with the router (callbacks outlive connections).
impl Handler<crate::router::AddCallback> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: crate::router::AddCallback, _: &mut Self::Context) {
        self.router.do_send(msg);
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
        let router = self.router.clone();
        Box::pin(async move { router.send(msg).await.unwrap_or(false) })
    }
}
