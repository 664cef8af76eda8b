//! Request contexts: `server.bundle()` / `server.at(t)` open one; calls made on it collect and
//! leave as one packet when it closes (behaviour.md §7).
//!
//! A context belongs to the code that opened it: only calls made on the context join it, so two
//! tasks each with a context on one server never mix their commands. Calls that create objects
//! return their handles at once (ids come from this client's allocator, not from scsynth).

use std::sync::{Arc, Mutex};

use rosc::OscPacket;
use scserver_actors::server::notifications::{RefreshMirror, RefreshMirrorAt};
use scserver_actors::{RequestError, ServerError};
use scserver_core::bundle::{encode_checked, Moment};
use scserver_core::command::Command;
use scserver_core::controls::Controls;
use scserver_core::fifo::NODE_FIFO;
use scserver_core::ids::NodeId;
use scserver_core::position::Position;
use scserver_core::validate;

use crate::objects::{Bus, Face, Group, Synth, SynthDefRef};
use crate::{AsyncServer, Server};

/// An open request context on a face `S` ([`AsyncServer`]: the calls that allocate ids are
/// `async`; [`Server`]: they block). Close it with [`RequestContext::close`] to see the packet and
/// any error; dropping it closes it too (an error is then only logged).
#[must_use = "a request context sends when it is closed or dropped"]
pub struct RequestContext<S = AsyncServer> {
    face: S,
    pending: Arc<Pending>,
}

/// What a context collected; sent once, when the last view of it goes.
struct Pending {
    server: AsyncServer,
    /// `None` once sent.
    moment: Mutex<Option<Moment>>,
}

impl<S: Face> std::fmt::Debug for RequestContext<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let moment = self.pending.moment.lock().expect("context lock");
        f.debug_struct("RequestContext")
            .field("server", &self.pending.server.name())
            .field("commands", &moment.as_ref().map_or(0, |m| m.commands.len()))
            .field("closed", &moment.is_none())
            .finish()
    }
}

impl<S: Face> RequestContext<S> {
    fn open(face: &S, moment: Moment) -> Self {
        RequestContext {
            face: face.clone(),
            pending: Arc::new(Pending {
                server: face.async_server().clone(),
                moment: Mutex::new(Some(moment)),
            }),
        }
    }

    /// The server the context sends to.
    pub(crate) fn server(&self) -> &AsyncServer {
        &self.pending.server
    }

    /// The same context seen through the async face (shares what it collected).
    pub(crate) fn to_async(&self) -> RequestContext<AsyncServer> {
        RequestContext {
            face: self.pending.server.clone(),
            pending: self.pending.clone(),
        }
    }

    /// Adds `command` after checking its arguments ([`crate::InvalidArgument`]: not added).
    pub fn command(&self, command: Command) -> Result<(), ServerError> {
        validate::command(&command, &self.pending.server.limits())?;
        self.push(command)
    }

    fn push(&self, command: Command) -> Result<(), ServerError> {
        match self.pending.moment.lock().expect("context lock").as_mut() {
            Some(moment) => {
                moment.push(command);
                Ok(())
            }
            // Unreachable through the public API: `close` takes the context.
            None => Err(RequestError::Encode("request context already closed".into()).into()),
        }
    }

    /// `/n_set` on any node (a group sets the control on every synth in it).
    pub fn set(&self, node: impl Into<NodeId>, controls: Controls) -> Result<(), ServerError> {
        self.command(crate::objects::n_set(node.into(), &controls))
    }

    /// `/n_free`.
    pub fn free(&self, node: impl Into<NodeId>) -> Result<(), ServerError> {
        self.command(crate::objects::n_free(node.into()))
    }

    /// `/c_set` of a control bus.
    pub fn set_bus<T: Face>(&self, bus: &Bus<T>, value: f32) -> Result<(), ServerError> {
        self.command(bus.set_command(value)?)
    }

    /// Sends what the context collected as one packet: a bundle at its time + latency, or
    /// untimed (a single command bare). Answers the packet sent, `None` when empty. A packet that
    /// does not fit one datagram is refused with [`RequestError::TooLarge`] and nothing is sent.
    pub fn close(self) -> Result<Option<OscPacket>, ServerError> {
        self.pending.finish()
    }
}

impl Pending {
    fn finish(&self) -> Result<Option<OscPacket>, ServerError> {
        let Some(moment) = self.moment.lock().expect("context lock").take() else {
            return Ok(None);
        };
        let Some(packet) = moment.to_packet(self.server.latency()) else {
            return Ok(None);
        };
        let bytes = encode_checked(&packet).map_err(RequestError::from)?;
        self.server.send_encoded(vec![bytes])?;
        let burst: usize = moment
            .commands
            .iter()
            .map(Command::node_notifications)
            .sum();
        if burst >= NODE_FIFO {
            // Some notifications of this burst may be lost: ask the server for the truth, once
            // the bundle has run.
            match moment.timestamp {
                None => self.server.actor().do_send(RefreshMirror { group: 0 }),
                Some(seconds) => self.server.actor().do_send(RefreshMirrorAt {
                    group: 0,
                    at: seconds + self.server.latency().as_secs_f64(),
                }),
            }
        }
        Ok(Some(packet))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Err(error) = self.finish() {
            tracing::warn!(%error, "request context dropped without sending");
        }
    }
}

impl RequestContext<AsyncServer> {
    /// `/g_new`: a group, created when the context is sent.
    pub async fn add_group(&self, position: Position) -> Result<Group, ServerError> {
        let (command, group) = self.face.g_new(position, false).await?;
        self.push(command)?;
        Ok(group)
    }

    /// `/p_new`: a parallel group (supernova runs its children in parallel), created when the
    /// context is sent.
    pub async fn add_parallel_group(&self, position: Position) -> Result<Group, ServerError> {
        let (command, group) = self.face.g_new(position, true).await?;
        self.push(command)?;
        Ok(group)
    }

    /// `/s_new`: a synth, created when the context is sent; a SynthDef value goes along while
    /// the server may lack it (see [`crate::SynthDefRef`]). A synth whose definition goes along
    /// starts once the definition is loaded, after the context's other commands have run: send
    /// the SynthDef first (`add_synthdefs`) when later commands of the context address the
    /// synth. A control a known SynthDef lacks is refused ([`RequestError::UnknownControl`]).
    pub async fn add_synth<'a>(
        &self,
        synthdef: impl Into<SynthDefRef<'a>>,
        controls: Controls,
        position: Position,
    ) -> Result<Synth, ServerError> {
        // Nothing confirms a deferred load: the definition stays pending, so later synths of it
        // carry it too until an awaited one is answered.
        let (command, synth, _) = self
            .face
            .synth_command(synthdef.into(), &controls, position)
            .await?;
        self.push(command)?;
        Ok(synth)
    }
}

impl RequestContext<Server> {
    /// `/s_new`: a synth, created when the context is sent (see the async form).
    pub fn add_synth<'a>(
        &self,
        synthdef: impl Into<SynthDefRef<'a>>,
        controls: Controls,
        position: Position,
    ) -> Result<Synth<Server>, ServerError> {
        let context = self.to_async();
        let synth = futures::executor::block_on(context.add_synth(synthdef, controls, position));
        synth.map(|synth| synth.on(&self.face))
    }
}

crate::blocking::forward! { RequestContext<Server> => to_async;
    /// `/g_new`: a group, created when the context is sent.
    fn add_group(position: Position) -> Result<Group<Server>, ServerError> => on;
    /// `/p_new`: a parallel group, created when the context is sent.
    fn add_parallel_group(position: Position) -> Result<Group<Server>, ServerError> => on;
}

impl crate::blocking::Blocking for RequestContext<Server> {
    type Face = Server;
    fn blocking(&self) -> &Server {
        &self.face
    }
}

impl AsyncServer {
    /// `/clearSched`: drops every timed bundle scsynth holds for later.
    pub async fn clear_schedule(&self) -> Result<(), ServerError> {
        self.execute(Command::ClearSched).await.map(drop)
    }

    /// Opens an untimed request context: calls made on it collect until it closes.
    pub fn bundle(&self) -> RequestContext {
        RequestContext::open(self, Moment::new())
    }

    /// Opens a request context whose commands run at Unix time `seconds` plus the latency. A
    /// time that is not finite or before 1970 is an [`crate::InvalidArgument`].
    pub fn at(&self, seconds: f64) -> Result<RequestContext, ServerError> {
        validate::unix_time("at", "seconds", seconds)?;
        Ok(RequestContext::open(self, Moment::at(seconds)))
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/clearSched`: drops every timed bundle (see [`AsyncServer::clear_schedule`]).
    fn clear_schedule() -> Result<(), ServerError>;
}

impl Server {
    /// Opens an untimed request context (see [`AsyncServer::bundle`]).
    pub fn bundle(&self) -> RequestContext<Server> {
        RequestContext::open(self, Moment::new())
    }

    /// Opens a request context at Unix time `seconds` plus the latency (see [`AsyncServer::at`]).
    pub fn at(&self, seconds: f64) -> Result<RequestContext<Server>, ServerError> {
        validate::unix_time("at", "seconds", seconds)?;
        Ok(RequestContext::open(self, Moment::at(seconds)))
    }
}
