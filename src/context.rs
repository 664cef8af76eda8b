//! Request contexts: `server.bundle()` / `server.at(t)` collect every `sync = false` call on
//! that server and send them as one packet when the context closes (behaviour.md §7).
//!
//! Contexts belong to the server, not to a task: while one is open, every `sync = false` call on
//! any clone of the server joins the innermost. That is what supriya does, and what makes a
//! context usable from the blocking [`crate::Server`] too.

use rosc::OscPacket;
use scserver_actors::server::notifications::{RefreshMirror, RefreshMirrorAt};
use scserver_actors::{RequestError, ServerError};
use scserver_core::bundle::{encode_checked, Moment};
use scserver_core::command::Command;
use scserver_core::fifo::NODE_FIFO;
use scserver_core::validate;

use crate::AsyncServer;

/// An open request context. Close it with [`RequestContext::close`] to see the packet and any
/// error; dropping it closes it too (an error is then only logged).
#[must_use = "a request context sends when it is closed or dropped"]
pub struct RequestContext {
    server: AsyncServer,
    depth: usize,
    closed: bool,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("server", &self.server.name())
            .field("depth", &self.depth)
            .field("closed", &self.closed)
            .finish()
    }
}

impl RequestContext {
    /// Sends what the context collected as one packet: a bundle at its time + latency, or
    /// untimed (a single command bare). Answers the packet sent, `None` when empty. A packet that
    /// does not fit one datagram is refused with [`RequestError::TooLarge`] and nothing is sent.
    pub fn close(mut self) -> Result<Option<OscPacket>, ServerError> {
        self.finish()
    }

    fn finish(&mut self) -> Result<Option<OscPacket>, ServerError> {
        if std::mem::replace(&mut self.closed, true) {
            return Ok(None);
        }
        let Some(moment) = self.server.session().take(self.depth) else {
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

impl Drop for RequestContext {
    fn drop(&mut self) {
        if let Err(error) = self.finish() {
            tracing::warn!(%error, "request context dropped without sending");
        }
    }
}

impl AsyncServer {
    /// Opens an untimed request context: `sync = false` calls collect in it until it closes.
    pub fn bundle(&self) -> RequestContext {
        self.open_context(Moment::new())
    }

    /// Opens a request context whose commands run at Unix time `seconds` plus the latency. A
    /// time that is not finite or before 1970 is an [`crate::InvalidArgument`].
    pub fn at(&self, seconds: f64) -> Result<RequestContext, ServerError> {
        validate::unix_time("at", "seconds", seconds)?;
        Ok(self.open_context(Moment::at(seconds)))
    }

    fn open_context(&self, moment: Moment) -> RequestContext {
        RequestContext {
            server: self.clone(),
            depth: self.session().open(moment),
            closed: false,
        }
    }
}

impl crate::Server {
    /// Opens an untimed request context (see [`AsyncServer::bundle`]).
    pub fn bundle(&self) -> RequestContext {
        self.as_async().bundle()
    }

    /// Opens a request context at Unix time `seconds` plus the latency (see [`AsyncServer::at`]).
    pub fn at(&self, seconds: f64) -> Result<RequestContext, ServerError> {
        self.as_async().at(seconds)
    }
}
