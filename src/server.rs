//! The blocking face of a server: the same actor core, run on a thread of its own, with each
//! call waiting for its answer.

use std::net::SocketAddr;
use std::time::Duration;

use actix::{Addr, Recipient};
use rosc::{OscMessage, OscPacket};
use scserver_actors::allocator::IdKind;
use scserver_actors::router::OscReceived;
use scserver_actors::server::{LifecycleNotice, ProcessSignal, ServerActor, ServerState, Status};
use scserver_actors::ServerError;
use scserver_core::ids::{GroupId, NodeId};
use scserver_core::reply::StatusInfo;
use scserver_core::{LifecycleEvent, Options, Pattern};
use tokio::sync::watch;

use crate::async_server::AsyncServer;
use crate::callbacks::{Delivery, Subscription};
use crate::Expectation;

/// A scsynth server driven with blocking calls. Do not call it from inside an async task; use
/// [`AsyncServer`] there. Dropping it quits a server it booted.
///
/// ```
/// use std::time::Duration;
/// use scserver::{GroupId, LifecycleEvent, Options, Position, Server};
///
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// let server = Server::new(Options { port, jack: scserver::JackMode::Shared, ..Options::default() });
/// // Heard until `_quit` is dropped.
/// let _quit = server.register_lifecycle_callback([LifecycleEvent::Quit], |n| {
///     eprintln!("{} quit", n.server);
/// });
/// server.boot()?; // Booting … Booted
/// assert_eq!(server.query_status()?.synth_count, 0);
/// let group = server.add_group(Position::default())?; // in this client's default group
/// let tree = server.query_tree(GroupId::ROOT, false)?;
/// assert!(tree.find(&group).is_some());
/// server.quit()?; // Quitting … Quit
/// server.exited(Duration::from_secs(5))?; // the process is gone
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

    /// The port and scsynth process id of a ready warm standby (see `Options::standby`).
    pub fn standby(&self) -> Option<(u16, u32)> {
        self.inner.standby()
    }

    /// How many times a warm standby was promoted in place of this server's process.
    pub fn promotions(&self) -> u64 {
        self.inner.promotions()
    }

    /// Sets the latency added to timed bundles.
    pub fn set_latency(&self, latency: Duration) {
        self.inner.set_latency(latency)
    }

    /// A snapshot of the state.
    pub fn state(&self) -> ServerState {
        self.inner.watch().borrow().clone()
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
    /// Boots scsynth with the server's options and connects to it (see [`AsyncServer::boot`]).
    fn boot() -> Result<(), ServerError>;
    /// Boots scsynth with `options`, kept for later boots.
    fn boot_with(options: Options) -> Result<(), ServerError>;
    /// Connects to a running server without owning it.
    fn connect() -> Result<(), ServerError>;
    /// Connects to the running server that `options` describe, without owning it.
    fn connect_with(options: Options) -> Result<(), ServerError>;
    /// Disconnects from a server this client does not own.
    fn disconnect() -> Result<(), ServerError>;
    /// Quits a server this client booted.
    fn quit() -> Result<(), ServerError>;
    /// Quits the server even when this client only connected to it.
    fn force_quit() -> Result<(), ServerError>;
    /// Quits and boots again with the same options.
    fn reboot() -> Result<(), ServerError>;
    /// Clears nodes, scheduled bundles, SynthDefs and ids; puts the default group back.
    fn reset() -> Result<(), ServerError>;
    /// Sends `/sync` and waits for its `/synced`.
    fn sync() -> Result<(), ServerError>;
    /// [`sync`](Self::sync) with a chosen id and wait (see [`AsyncServer::sync_with`]).
    fn sync_with(sync_id: Option<i32>, timeout: Option<Duration>) -> Result<(), ServerError>;
    /// Sends a packet and waits for the reply `expect` describes.
    fn request(packet: OscPacket, expect: Expectation) -> Result<OscMessage, ServerError>;
    /// Allocates `count` contiguous ids from this client's share (see [`AsyncServer::allocate`]).
    fn allocate(kind: IdKind, count: i32) -> Result<i32, ServerError>;
    /// Waits, at most `timeout`, until the server is online (see [`AsyncServer::online`]).
    fn online(timeout: Duration) -> Result<(), ServerError>;
    /// Waits, at most `timeout`, until the server has exited (see [`AsyncServer::exited`]).
    fn exited(timeout: Duration) -> Result<(), ServerError>;
}

crate::blocking::delegate! { Server => as_async;
    /// The server's name.
    fn name() -> &str;
    /// The latency added to timed bundles.
    fn latency() -> Duration;
    /// The last `/status.reply`, without a round trip (see [`AsyncServer::status_info`]).
    fn status_info() -> Option<StatusInfo>;
    /// The number of logins the server allows, as it reported it.
    fn maximum_logins() -> Option<u32>;
    /// The process id of a dummy JACK server started for this server.
    fn jack_pid() -> Option<u32>;
    /// The local address of the client's socket, while connected.
    fn local_addr() -> Option<SocketAddr>;
    /// A receiver that sees every state change, for waiting on a status.
    fn watch() -> watch::Receiver<ServerState>;
    /// Sends packets in order (already encoded), expecting nothing.
    fn send_encoded(packets: Vec<Vec<u8>>) -> Result<(), ServerError>;
    /// Gives ids back (see [`AsyncServer::free`]).
    fn free(kind: IdKind, id: i32);
    /// Sends a signal to the owned scsynth process, if there is one.
    fn signal_process(signal: ProcessSignal);
    /// Calls `procedure` for each message matching `pattern` (see
    /// [`AsyncServer::register_osc_callback`]).
    fn register_osc_callback(
        pattern: Pattern,
        procedure: impl FnMut(&OscMessage) + Send + 'static
    ) -> Subscription;
    /// An OSC callback that also hears `/fail`s, for every match or the first (see
    /// [`AsyncServer::register_osc_callback_with`]).
    fn register_osc_callback_with(
        pattern: Pattern,
        failure_pattern: Option<Pattern>,
        delivery: Delivery,
        procedure: impl FnMut(&OscMessage) + Send + 'static
    ) -> Subscription;
    /// Delivers each message matching `pattern` to an actix recipient (see
    /// [`AsyncServer::subscribe_osc`]).
    fn subscribe_osc(pattern: Pattern, recipient: Recipient<OscReceived>) -> Subscription;
    /// Calls `procedure` on lifecycle events (see [`AsyncServer::register_lifecycle_callback`]).
    fn register_lifecycle_callback(
        events: impl IntoIterator<Item = LifecycleEvent>,
        procedure: impl FnMut(&LifecycleNotice) + Send + 'static
    ) -> Subscription;
    /// Calls `procedure` on lifecycle events, every time or the first (see
    /// [`AsyncServer::register_lifecycle_callback_with`]).
    fn register_lifecycle_callback_with(
        events: impl IntoIterator<Item = LifecycleEvent>,
        delivery: Delivery,
        procedure: impl FnMut(&LifecycleNotice) + Send + 'static
    ) -> Subscription;
    /// Sends every lifecycle notice to an actix recipient (see [`AsyncServer::subscribe`]).
    fn subscribe(recipient: Recipient<LifecycleNotice>) -> Subscription;
    /// The actor's address, for actix applications that talk to it directly.
    fn actor() -> Addr<ServerActor>;
    /// The node's group, as the mirror knows it (no round trip).
    fn node_parent(node: impl Into<NodeId>) -> Option<GroupId>;
    /// A group's children in order, as the mirror knows them (no round trip).
    fn node_children(group: impl Into<GroupId>) -> Vec<NodeId>;
    /// Whether the node exists and runs (not paused), as the mirror knows it.
    fn node_is_active(node: impl Into<NodeId>) -> bool;
}
