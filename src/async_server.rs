//! The async face of a server.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use rosc::{OscMessage, OscPacket};
use scserver_actors::allocator::{Allocate, Free, IdKind};
use scserver_actors::router::{AddCallback, OscReceived, OscSink, Sink};
use scserver_actors::server::boot::{Boot, Connect};
use scserver_actors::server::events::{
    Awaited, RegisterLifecycleCallback, Subscribe, Topic, Unsubscribe, WaitFor,
};
use scserver_actors::server::quit::{Disconnect, Quit, Reboot};
use scserver_actors::server::request::{encode, Expectation, Outgoing, Request, Send};
use scserver_actors::server::reset::Reset;
use scserver_actors::server::{
    lifecycle_callback, LifecycleNotice, ProcessSignal, ServerActor, ServerState, SignalProcess,
    Status,
};
use scserver_actors::{RequestError, ServerError};
use scserver_core::command::Command;
use scserver_core::options::SUPERNOVA_UDP_PACKET;
use scserver_core::validate::{self, Limits};
use scserver_core::{LifecycleEvent, Options, Pattern};
use tokio::sync::{oneshot, watch};

use crate::callbacks::{Delivery, Subscription};
use crate::runtime::{self, RuntimeThread};

/// A scsynth server driven with async methods. Cheap to clone; clones share one server. When the
/// last clone is dropped, a server it booted is quit.
///
/// Inside an actix system (here one made for the example) its actors run on the caller's
/// arbiter:
///
/// ```
/// use std::time::Duration;
/// use scserver::{AsyncServer, Options, Position};
///
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// actix::System::new().block_on(async {
///     let server = AsyncServer::new(Options { port, jack: scserver::JackMode::Shared, ..Options::default() });
///     server.boot().await?;
///     // Calls on a request context return at once and leave as one bundle on close.
///     let context = server.bundle();
///     let group = context.add_group(Position::default()).await?;
///     context.add_group(Position::tail(&group)).await?;
///     context.close()?;
///     server.sync().await?;
///     assert_eq!(server.node_children(&group).len(), 1);
///     server.quit().await?;
///     server.exited(Duration::from_secs(5)).await
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AsyncServer {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    addr: Addr<ServerActor>,
    state: watch::Receiver<ServerState>,
    latency: Mutex<Duration>,
    next_id: AtomicU64,
    session: crate::session::Session,
    recordings: Arc<crate::record::Recordings>,
    volume: crate::volume::VolumeState,
    meters: Arc<crate::meters::MeterRegistry>,
    // Dropped last: stopping the runtime stops the actors.
    runtime: Option<RuntimeThread>,
}

impl AsyncServer {
    /// A server named "scsynth" with these options (used by `boot()`/`connect()` without options).
    pub fn new(options: Options) -> AsyncServer {
        Self::with_name("scsynth", options)
    }

    /// A named server; the name appears in logs, spans and lifecycle notices.
    pub fn with_name(name: &str, options: Options) -> AsyncServer {
        Self::start(name, options, false)
    }

    pub(crate) fn start(name: &str, options: Options, dedicated: bool) -> AsyncServer {
        let latency = options.latency;
        let owned_name = name.to_owned();
        // The actor is built and started on its runtime (its sub-actors start with it).
        let make = move || {
            let actor = ServerActor::new(&owned_name, options);
            let (state, shared) = (actor.watch(), (actor.mirror(), actor.sent_synthdefs()));
            (actor.start(), state, shared)
        };
        let ((addr, state, (mirror, sent)), runtime) = runtime::start(name, make, dedicated);
        let server = AsyncServer {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                addr,
                state,
                latency: Mutex::new(latency),
                next_id: AtomicU64::new(1),
                session: crate::session::Session::new(mirror, sent),
                recordings: Default::default(),
                volume: Default::default(),
                meters: Default::default(),
                runtime,
            }),
        };
        server.follow_recordings();
        server.follow_processes();
        server
    }

    /// Once the server is connected to a new process: meters started in an older one start
    /// again; and after a warm standby took the place of a failed process (see
    /// `Options::standby`), the recordings of the failed one end and the volume is put back.
    /// Held weakly, so the callback keeps no server alive.
    fn follow_processes(&self) {
        let inner = Arc::downgrade(&self.inner);
        let (state, meters) = (self.inner.state.clone(), self.inner.meters.clone());
        let mut seen = 0;
        self.register_lifecycle_callback([LifecycleEvent::Connected], move |_| {
            // Decided without holding the server: a handle dropped meanwhile must take its
            // process with it at once, not after a task that had nothing to do.
            let (promotions, pid) = {
                let state = state.borrow();
                (state.promotions, state.pid)
            };
            let promoted = promotions != seen;
            seen = promotions;
            if !promoted && !meters.elsewhere_than(pid) {
                return;
            }
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let server = AsyncServer { inner };
            if promoted {
                server.end_recordings_of_replaced_process();
            }
            actix::spawn(async move {
                if promoted {
                    if let Err(error) = server.restore_volume().await {
                        tracing::warn!(%error, "the volume was not put back on the promoted standby");
                    }
                }
                server.restart_meters(false).await;
            });
        })
        .detach();
    }

    /// The meters running on this server.
    pub(crate) fn meter_registry(&self) -> &crate::meters::MeterRegistry {
        &self.inner.meters
    }

    /// Request contexts and the node mirror of this server.
    pub(crate) fn session(&self) -> &crate::session::Session {
        &self.inner.session
    }

    /// Recordings whose files are still open.
    pub(crate) fn recordings(&self) -> &Arc<crate::record::Recordings> {
        &self.inner.recordings
    }

    /// The volume setting, kept across boots.
    pub(crate) fn volume_state(&self) -> &crate::volume::VolumeState {
        &self.inner.volume
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    fn state(&self) -> ServerState {
        self.inner.state.borrow().clone()
    }

    /// Boots scsynth with the server's options (those it was made with, or of its last boot or
    /// connect) and connects to it.
    pub async fn boot(&self) -> Result<(), ServerError> {
        self.boot_options(None).await
    }

    /// Boots scsynth with `options`, which the server keeps for later boots.
    pub async fn boot_with(&self, options: Options) -> Result<(), ServerError> {
        self.boot_options(Some(options)).await
    }

    async fn boot_options(&self, options: Option<Options>) -> Result<(), ServerError> {
        self.inner.addr.send(Boot(options)).await??;
        self.restore_volume().await
    }

    /// Connects to a running server (at the address of the server's options) without owning it.
    pub async fn connect(&self) -> Result<(), ServerError> {
        self.inner.addr.send(Connect(None)).await?
    }

    /// Connects to the running server that `options` describe, without owning it.
    pub async fn connect_with(&self, options: Options) -> Result<(), ServerError> {
        self.inner.addr.send(Connect(Some(options))).await?
    }

    /// Disconnects from a server this client does not own.
    pub async fn disconnect(&self) -> Result<(), ServerError> {
        self.inner.addr.send(Disconnect).await?
    }

    /// Quits a server this client booted (a server it only connected to is refused: see
    /// [`force_quit`](Self::force_quit)).
    pub async fn quit(&self) -> Result<(), ServerError> {
        self.quit_server(false).await
    }

    /// Quits the server even when this client only connected to it.
    pub async fn force_quit(&self) -> Result<(), ServerError> {
        self.quit_server(true).await
    }

    async fn quit_server(&self, force: bool) -> Result<(), ServerError> {
        self.close_recordings(crate::EndReason::ServerQuit).await;
        self.inner.addr.send(Quit { force }).await?
    }

    /// Quits and boots again with the same options.
    pub async fn reboot(&self) -> Result<(), ServerError> {
        self.close_recordings(crate::EndReason::ServerQuit).await;
        self.inner.addr.send(Reboot).await??;
        self.restore_volume().await
    }

    /// Clears nodes, scheduled bundles, SynthDefs and ids; puts the default group back.
    pub async fn reset(&self) -> Result<(), ServerError> {
        self.close_recordings(crate::EndReason::SynthFreed).await;
        self.inner.addr.send(Reset).await??;
        // `/g_freeAll 0` ends every node at once; scsynth may drop some of those `/n_end`s.
        self.refresh_mirror(None).await?;
        self.restore_volume().await?;
        self.restart_meters(true).await;
        Ok(())
    }

    /// Sends `/sync` with an id of its own and waits for its `/synced`: everything sent before
    /// has been performed.
    pub async fn sync(&self) -> Result<(), ServerError> {
        self.sync_with(None, None).await
    }

    /// [`sync`](Self::sync) with a chosen id (one is allocated without) and a wait other than the
    /// request timeout.
    pub async fn sync_with(
        &self,
        sync_id: Option<i32>,
        timeout: Option<Duration>,
    ) -> Result<(), ServerError> {
        let id = match sync_id {
            Some(id) => id,
            None => self.allocate(IdKind::Sync, 1).await?,
        };
        let out = Outgoing::command(&Command::Sync { id })?.with_timeout(timeout);
        self.submit(out).await.map(drop)
    }

    /// Sends a packet and waits for the reply that `expect` describes (or its `/fail`).
    pub async fn request(
        &self,
        packet: OscPacket,
        expect: Expectation,
    ) -> Result<OscMessage, ServerError> {
        self.submit(Outgoing::raw(&packet, expect)?).await
    }

    /// Sends a request through the server actor and awaits its outcome.
    pub(crate) async fn submit(&self, out: Outgoing) -> Result<OscMessage, ServerError> {
        let (tx, rx) = oneshot::channel();
        self.inner.addr.do_send(Request { out, tx });
        // A dropped sender: the actor stopped before it could answer.
        Ok(rx.await.map_err(|_| ServerError::ActorGone)??)
    }

    /// Sends any OSC message or bundle, expecting nothing.
    pub fn send(&self, packet: impl Into<OscPacket>) -> Result<(), ServerError> {
        self.send_encoded(vec![encode(&packet.into())?])
    }

    /// Sends packets in order (already encoded), expecting nothing.
    pub fn send_encoded(&self, packets: Vec<Vec<u8>>) -> Result<(), ServerError> {
        let status = self.status();
        if status != Status::Online {
            return Err(RequestError::NotConnected {
                status: status.name(),
            }
            .into());
        }
        // Only a packet past supernova's UDP limit can be too large for the server to read.
        if packets.iter().any(|p| p.len() > SUPERNOVA_UDP_PACKET) {
            let limit = self.options().packet_limit();
            for packet in &packets {
                scserver_core::bundle::fits(packet, limit).map_err(RequestError::from)?;
            }
        }
        // Fire and forget: ordering is kept by the mailbox, errors would only say "offline".
        self.inner.addr.do_send(Send(packets));
        Ok(())
    }

    /// Allocates `count` contiguous ids from this client's share (see `IdKind`):
    /// [`ServerError::Exhausted`] when none are left, [`RequestError::NotConnected`] when offline,
    /// `InvalidArgument` for a count below 1.
    pub async fn allocate(&self, kind: IdKind, count: i32) -> Result<i32, ServerError> {
        validate::at_least("allocate", "count", count, 1)?;
        self.inner.addr.send(Allocate { kind, count }).await?
    }

    /// Gives ids back.
    pub fn free(&self, kind: IdKind, id: i32) {
        self.inner.addr.do_send(Free { kind, id });
    }

    /// Lifecycle state.
    pub fn status(&self) -> Status {
        self.inner.state.borrow().status
    }

    /// Whether this client booted the server.
    pub fn is_owner(&self) -> bool {
        self.inner.state.borrow().owned
    }

    /// The client id from `/notify`, while connected.
    pub fn client_id(&self) -> Option<i32> {
        self.inner.state.borrow().client_id
    }

    /// The number of logins the server allows, as it reported it.
    pub fn maximum_logins(&self) -> Option<u32> {
        self.inner.state.borrow().max_logins
    }

    /// This client's default group id (`client_id + 1`), while connected.
    pub fn default_group(&self) -> Option<scserver_core::ids::GroupId> {
        self.inner
            .state
            .borrow()
            .default_group()
            .map(scserver_core::ids::GroupId::new)
    }

    /// The scsynth process id, for an owned server.
    pub fn pid(&self) -> Option<u32> {
        self.inner.state.borrow().pid
    }

    /// The process id of a dummy JACK server started for this server.
    pub fn jack_pid(&self) -> Option<u32> {
        self.inner.state.borrow().jack_pid
    }

    /// The port and scsynth process id of a ready warm standby (see `Options::standby`).
    pub fn standby(&self) -> Option<(u16, u32)> {
        let s = self.inner.state.borrow();
        s.standby_port.zip(s.standby_pid)
    }

    /// How many times a warm standby was promoted in place of this server's process.
    pub fn promotions(&self) -> u64 {
        self.inner.state.borrow().promotions
    }

    /// The buffer and bus counts of the current or last boot or connect, which bound the
    /// arguments the client sends.
    pub(crate) fn limits(&self) -> Limits {
        Limits::of(&self.inner.state.borrow().options)
    }

    /// The options of the current or last boot or connect.
    pub fn options(&self) -> Options {
        self.state().options
    }

    /// The last `/status.reply` (kept fresh by the heartbeat while online), without a round trip.
    pub fn status_info(&self) -> Option<scserver_core::reply::StatusInfo> {
        self.inner.state.borrow().status_info.clone()
    }

    /// The local address of the client's socket, while connected.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.inner.state.borrow().local_addr
    }

    /// Sets the latency added to timed bundles.
    pub fn set_latency(&self, latency: Duration) {
        *self.inner.latency.lock().expect("latency lock") = latency;
    }

    /// The latency added to timed bundles.
    pub fn latency(&self) -> Duration {
        *self.inner.latency.lock().expect("latency lock")
    }

    /// Calls `procedure` for each message matching `pattern`, on the router's thread; it must
    /// not block. It hears until the returned [`Subscription`] is dropped.
    pub fn register_osc_callback(
        &self,
        pattern: Pattern,
        procedure: impl FnMut(&OscMessage) + std::marker::Send + 'static,
    ) -> Subscription {
        self.register_osc_callback_with(pattern, None, Delivery::Every, procedure)
    }

    /// [`register_osc_callback`](Self::register_osc_callback) that also hears the `/fail`s
    /// matching `failure_pattern`, for every match or only the first (supriya's `once`).
    pub fn register_osc_callback_with(
        &self,
        pattern: Pattern,
        failure_pattern: Option<Pattern>,
        delivery: Delivery,
        procedure: impl FnMut(&OscMessage) + std::marker::Send + 'static,
    ) -> Subscription {
        let sink = Sink::Fn(Box::new(procedure));
        self.add_osc_callback(pattern, failure_pattern, delivery, sink)
    }

    /// Delivers each message matching `pattern` to an actix recipient, until the returned
    /// [`Subscription`] is dropped.
    pub fn subscribe_osc(
        &self,
        pattern: Pattern,
        recipient: Recipient<OscReceived>,
    ) -> Subscription {
        let sink = Sink::Recipient(recipient);
        self.add_osc_callback(pattern, None, Delivery::Every, sink)
    }

    fn add_osc_callback(
        &self,
        pattern: Pattern,
        failure_pattern: Option<Pattern>,
        delivery: Delivery,
        sink: OscSink,
    ) -> Subscription {
        let id = self.next_id();
        self.inner.addr.do_send(AddCallback {
            id,
            pattern,
            failure_pattern,
            once: delivery == Delivery::Once,
            sink,
        });
        self.subscription(Topic::Osc, id)
    }

    /// Calls `procedure` on the given lifecycle events (all when `events` is empty), in order, on
    /// the server actor's thread; it must not block. It hears until the returned
    /// [`Subscription`] is dropped.
    pub fn register_lifecycle_callback(
        &self,
        events: impl IntoIterator<Item = LifecycleEvent>,
        procedure: impl FnMut(&LifecycleNotice) + std::marker::Send + 'static,
    ) -> Subscription {
        self.register_lifecycle_callback_with(events, Delivery::Every, procedure)
    }

    /// [`register_lifecycle_callback`](Self::register_lifecycle_callback) for every matching
    /// event or only the first.
    pub fn register_lifecycle_callback_with(
        &self,
        events: impl IntoIterator<Item = LifecycleEvent>,
        delivery: Delivery,
        procedure: impl FnMut(&LifecycleNotice) + std::marker::Send + 'static,
    ) -> Subscription {
        let id = self.next_id();
        let events: HashSet<_> = events.into_iter().collect();
        self.inner
            .addr
            .do_send(RegisterLifecycleCallback(lifecycle_callback(
                id,
                events,
                delivery == Delivery::Once,
                Box::new(procedure),
            )));
        self.subscription(Topic::Lifecycle, id)
    }

    /// Sends every lifecycle notice to an actix recipient, until the returned [`Subscription`]
    /// is dropped.
    pub fn subscribe(&self, recipient: Recipient<LifecycleNotice>) -> Subscription {
        let id = self.next_id();
        self.inner.addr.do_send(Subscribe { id, recipient });
        self.subscription(Topic::Lifecycle, id)
    }

    /// An id for a subscription or wait, unique for this server.
    pub(crate) fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The guard that ends subscription `id` of `topic`. It holds no strong address: a
    /// subscription does not keep the server's actors alive.
    pub(crate) fn subscription(&self, topic: Topic, id: u64) -> Subscription {
        let server = self.inner.addr.downgrade();
        Subscription::new(move || {
            if let Some(server) = server.upgrade() {
                server.do_send(Unsubscribe { topic, id });
            }
        })
    }

    /// Waits, at most `timeout`, until the server is online (supriya's boot future): at once when
    /// it is, else at the end of the next boot or connect (by this or any caller, a supervisor's
    /// restart included). A boot or connect that ends offline is [`ServerError::NotOnline`]; the
    /// bound, [`ServerError::WaitTimedOut`]; a server object gone, [`ServerError::ActorGone`].
    pub async fn online(&self, timeout: Duration) -> Result<(), ServerError> {
        self.wait_for(Awaited::Online, timeout).await
    }

    /// Waits, at most `timeout`, until the server has exited (supriya's exit future): offline,
    /// after a quit, a disconnect, a failed boot or a crash, an owned process gone. At once when
    /// offline.
    pub async fn exited(&self, timeout: Duration) -> Result<(), ServerError> {
        self.wait_for(Awaited::Exited, timeout).await
    }

    async fn wait_for(&self, until: Awaited, timeout: Duration) -> Result<(), ServerError> {
        let id = self.next_id();
        // The actor decides on each event and runs the timer: no runtime needed on this side.
        self.inner.addr.send(WaitFor { id, until, timeout }).await?
    }

    /// Sends a signal to the owned scsynth process, if there is one (fault injection;
    /// supervision).
    pub fn signal_process(&self, signal: ProcessSignal) {
        self.inner.addr.do_send(SignalProcess(signal));
    }

    /// A receiver that sees every state change, for waiting on a status.
    pub fn watch(&self) -> watch::Receiver<ServerState> {
        self.inner.state.clone()
    }

    /// The actor's address, for actix applications that talk to it directly.
    pub fn actor(&self) -> Addr<ServerActor> {
        self.inner.addr.clone()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let (status, owned) = {
            let s = self.state.borrow();
            (s.status, s.owned)
        };
        if !owned || status == Status::Offline {
            return;
        }
        match &self.runtime {
            // Our own thread: wait (bounded) for an orderly quit before stopping it.
            Some(runtime) => {
                let quit = self.addr.send(Quit { force: false });
                let _ = runtime.block_on(quit, Duration::from_secs(10));
            }
            // The caller's actix system: ask, and rely on kill-on-drop if it stops first.
            None => self.addr.do_send(Quit { force: false }),
        }
    }
}
