//! The blocking face of a server: the same actor core, run on a thread of its own, with each
//! call waiting for its answer.

use std::time::Duration;

use rosc::{OscMessage, OscPacket};
use scserver_actors::server::{LifecycleNotice, ServerState, Status};
use scserver_actors::ServerError;
use scserver_core::{LifecycleEvent, Options, Pattern};

use crate::async_server::AsyncServer;
use crate::callbacks::{LifecycleCallbackHandle, OscCallbackHandle};
use crate::Expectation;

/// A scsynth server driven with blocking calls. Do not call it from inside an async task; use
/// [`AsyncServer`] there. Dropping it quits a server it booted.
#[derive(Clone)]
pub struct Server {
    inner: AsyncServer,
}

impl Server {
    /// A server named "scsynth" with these options.
    pub fn new(options: Options) -> Server {
        Self::with_name("scsynth", options)
    }

    /// A named server; the name appears in logs, spans and lifecycle notices.
    pub fn with_name(name: &str, options: Options) -> Server {
        Server {
            inner: AsyncServer::start(name, options, true),
        }
    }

    /// Sends any OSC message or bundle, expecting nothing.
    pub fn send(&self, packet: impl Into<OscPacket>) -> Result<(), ServerError> {
        self.inner.send(packet)
    }

    /// Calls `procedure` for each message matching `pattern` (see
    /// [`AsyncServer::register_osc_callback`]).
    pub fn register_osc_callback(
        &self,
        pattern: Pattern,
        procedure: impl FnMut(&OscMessage) + Send + 'static,
        failure_pattern: Option<Pattern>,
        once: bool,
    ) -> OscCallbackHandle {
        self.inner
            .register_osc_callback(pattern, procedure, failure_pattern, once)
    }

    /// Calls `procedure` on lifecycle events (see [`AsyncServer::register_lifecycle_callback`]).
    pub fn register_lifecycle_callback(
        &self,
        events: impl IntoIterator<Item = LifecycleEvent>,
        procedure: impl FnMut(&LifecycleNotice) + Send + 'static,
        once: bool,
    ) -> LifecycleCallbackHandle {
        self.inner
            .register_lifecycle_callback(events, procedure, once)
    }

    /// Lifecycle state.
    pub fn status(&self) -> Status {
        self.inner.status()
    }

    /// Whether the node mirror knows this node (no round trip).
    pub fn contains_node(&self, node: impl Into<scserver_core::ids::NodeId>) -> bool {
        self.inner.contains_node(node)
    }

    /// Whether this client booted the server.
    pub fn is_owner(&self) -> bool {
        self.inner.is_owner()
    }

    /// This client's default group id, while connected.
    pub fn default_group(&self) -> Option<scserver_core::ids::GroupId> {
        self.inner.default_group()
    }

    /// The client id, while connected.
    pub fn client_id(&self) -> Option<i32> {
        self.inner.client_id()
    }

    /// The scsynth process id, for an owned server.
    pub fn pid(&self) -> Option<u32> {
        self.inner.pid()
    }

    /// The options of the current or last boot or connect.
    pub fn options(&self) -> Options {
        self.inner.options()
    }

    /// Sets the latency added to timed bundles.
    pub fn set_latency(&self, latency: Duration) {
        self.inner.set_latency(latency)
    }

    /// A snapshot of the state.
    pub fn state(&self) -> ServerState {
        futures::executor::block_on(self.inner.watch())
            .map(|w| w.borrow().clone())
            .expect("server actor alive")
    }

    /// The async face of this same server.
    pub fn as_async(&self) -> &AsyncServer {
        &self.inner
    }
}

impl crate::blocking::Blocking for Server {
    type Face = Server;
    fn blocking(&self) -> &Server {
        self
    }
}

crate::blocking::forward! { Server => as_async;
    /// Boots scsynth with `options` (or the last ones) and connects to it.
    fn boot(options: Option<Options>) -> Result<(), ServerError>;
    /// Connects to a running server without owning it.
    fn connect(options: Option<Options>) -> Result<(), ServerError>;
    /// Disconnects from a server this client does not own.
    fn disconnect() -> Result<(), ServerError>;
    /// Quits the server; a server this client does not own needs `force`.
    fn quit(force: bool) -> Result<(), ServerError>;
    /// Quits and boots again with the same options.
    fn reboot() -> Result<(), ServerError>;
    /// Clears nodes, scheduled bundles, SynthDefs and ids; puts the default group back.
    fn reset() -> Result<(), ServerError>;
    /// Sends `/sync id` and waits for `/synced id`.
    fn sync(sync_id: Option<i32>, timeout: Option<Duration>) -> Result<(), ServerError>;
    /// Sends a packet and waits for the reply `expect` describes.
    fn request(packet: OscPacket, expect: Expectation) -> Result<OscMessage, ServerError>;
    /// Removes an OSC callback.
    fn unregister_osc_callback(handle: OscCallbackHandle) -> bool;
    /// Removes a lifecycle callback.
    fn unregister_lifecycle_callback(handle: LifecycleCallbackHandle) -> bool;
}
