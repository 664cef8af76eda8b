//! The server actor: the lifecycle state machine of one scsynth, composed of the process, socket,
//! router and allocator actors. Transitions live in their own modules, each message beside its
//! handler: [`boot`] (Boot, Connect), [`quit`] (Quit, Disconnect, Reboot, process death),
//! [`request`] (requests and plain sends), [`reset`], [`events`] (subscriptions).

pub mod boot;
mod connection;
pub mod dump;
pub mod events;
pub mod heartbeat;
pub mod notifications;
pub mod quit;
pub mod replay;
pub mod request;
pub mod reset;
pub mod standby;
pub mod window;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use actix::prelude::*;
use scserver_core::{LifecycleEvent, Options};
use tokio::sync::watch;

use crate::allocator::{AllocatorActor, Clear};
use crate::jack::StartedJack;
use crate::listeners::Listeners;
use crate::process::{ProcessActor, Shutdown, Stopped};
use connection::Connection;
pub use events::{lifecycle_callback, LifecycleCallback, LifecycleNotice};

/// Where a server is in its life (supriya's `BootStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Not connected; nothing running that this client owns.
    Offline,
    /// Booting or connecting.
    Booting,
    /// Connected and registered.
    Online,
    /// Quitting or disconnecting.
    Quitting,
}

impl Status {
    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Status::Offline => "offline",
            Status::Booting => "booting",
            Status::Online => "online",
            Status::Quitting => "quitting",
        }
    }
}

/// What the public handles can read without a round trip to the actor.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// Lifecycle state.
    pub status: Status,
    /// Whether this client booted the process.
    pub owned: bool,
    /// The options of the current (or last) boot or connect.
    pub options: Options,
    /// The client id from `/notify`.
    pub client_id: Option<i32>,
    /// The number of logins the server allows, as it reported it.
    pub max_logins: Option<u32>,
    /// The scsynth process id (owned servers).
    pub pid: Option<u32>,
    /// The pid of a dummy JACK server started for it.
    pub jack_pid: Option<u32>,
    /// The client socket's local address.
    pub local_addr: Option<SocketAddr>,
    /// The last `/status.reply` (the heartbeat keeps it fresh while online).
    pub status_info: Option<scserver_core::reply::StatusInfo>,
    /// The port of a warm standby that is booted and holds the durable state.
    pub standby_port: Option<u16>,
    /// That standby's scsynth process id.
    pub standby_pid: Option<u32>,
    /// The last heartbeat's round trip: from its `/status` to the next `/status.reply`.
    pub heartbeat_round_trip: Option<std::time::Duration>,
    /// How many heartbeat round trips were measured, so a watcher can tell a new one from the
    /// same value again.
    pub heartbeat_round_trips: u64,
    /// How many times a warm standby was promoted in place of this server's process.
    pub promotions: u64,
}

impl ServerState {
    /// The state of a server with these options that was never booted or connected.
    pub fn offline(options: Options) -> Self {
        ServerState {
            status: Status::Offline,
            owned: false,
            options,
            client_id: None,
            max_logins: None,
            pid: None,
            jack_pid: None,
            local_addr: None,
            status_info: None,
            standby_port: None,
            standby_pid: None,
            heartbeat_round_trip: None,
            heartbeat_round_trips: 0,
            promotions: 0,
        }
    }

    /// The client's default group: `client_id + 1`.
    pub fn default_group(&self) -> Option<i32> {
        self.client_id.map(|c| c + 1)
    }
}

/// Owns one server's lifecycle.
pub struct ServerActor {
    name: String,
    /// The options of the current (or last) boot or connect; the state shows a copy to handles.
    options: Options,
    state: watch::Sender<ServerState>,
    conn: Connection,
    allocator: Addr<AllocatorActor>,
    process: Option<Addr<ProcessActor>>,
    /// The dummy JACK server of a process that died, kept for the next boot (a quit stops it).
    jack: Option<StartedJack>,
    /// The name of the dummy JACK server scsynth runs on, when this actor started one.
    jack_name: Option<String>,
    standby: standby::StandbySlot,
    listeners: Listeners<LifecycleNotice>,
    span: tracing::Span,
    heartbeat: heartbeat::HeartbeatState,
    fences: std::sync::Arc<request::Fences>,
    replay: scserver_core::replay::ReplayLog,
    notifications: notifications::Notifications,
    sent: replay::SharedSentDefs,
    permanent: scserver_core::permanent::PermanentGroups,
}

impl ServerActor {
    /// A server actor named `name` (for logs and events), offline, with default `options` for
    /// boot or connect.
    pub fn new(name: &str, options: Options) -> Self {
        let span = tracing::info_span!("server", server = %name, port = options.port);
        ServerActor {
            name: name.to_owned(),
            options: options.clone(),
            state: watch::channel(ServerState::offline(options)).0,
            conn: Connection::new(),
            allocator: AllocatorActor::default().start(),
            process: None,
            jack: None,
            jack_name: None,
            standby: Default::default(),
            listeners: Listeners::default(),
            span,
            heartbeat: Default::default(),
            fences: Default::default(),
            replay: Default::default(),
            notifications: Default::default(),
            sent: Default::default(),
            permanent: Default::default(),
        }
    }

    /// A receiver of the state, for handles that read it synchronously.
    pub fn watch(&self) -> watch::Receiver<ServerState> {
        self.state.subscribe()
    }

    fn status(&self) -> Status {
        self.state.borrow().status
    }

    fn set(&self, f: impl FnOnce(&mut ServerState)) {
        self.state.send_modify(f);
    }

    fn options(&self) -> &Options {
        &self.options
    }

    fn server_addr(&self) -> SocketAddr {
        SocketAddr::new(self.options.ip_address, self.options.port)
    }

    /// Publishes one lifecycle event to every subscriber and matching callback, in order.
    fn publish(&mut self, event: LifecycleEvent, detail: Option<String>) {
        let notice = {
            let s = self.state.borrow();
            LifecycleNotice {
                server: self.name.clone(),
                port: self.options.port,
                event,
                pid: s.pid,
                jack_pid: s.jack_pid,
                client_id: s.client_id,
                at: SystemTime::now(),
                detail,
            }
        };
        let _enter = self.span.enter();
        tracing::info!(event = %event, detail = notice.detail.as_deref(), "lifecycle");
        self.listeners.publish(&notice);
    }

    /// Starts the router or allocator actor again if it stopped, so that a boot or connect (and
    /// so a reboot) starts whole: no input panics them, but an actor that stops is gone for good.
    fn revive(&mut self) {
        let router = self.conn.revive_router();
        let allocator = !self.allocator.connected();
        if router {
            tracing::warn!(parent: &self.span, "the router actor had stopped; started a new one");
            self.heartbeat.callback = false;
        }
        if allocator {
            tracing::warn!(parent: &self.span, "the allocator actor had stopped; starting a new one");
            self.allocator = AllocatorActor::default().start();
        }
        if router || allocator {
            self.notifications.start(&self.conn.router, &self.allocator);
        }
    }

    /// Closes the OSC side: fails waiting requests and drops the socket.
    fn close_osc(&mut self) {
        self.conn.close();
        self.set(|s| s.local_addr = None);
    }

    /// Forgets the connection (ids, client) after the OSC side closed.
    fn forget_connection(&mut self) {
        self.allocator.do_send(Clear { keep: false });
        // A server that comes back has none of what this one had: SynthDefs are sent again on
        // their next use (or by a supervisor's replay), and no group is left to keep.
        self.sent_defs().forget_all();
        self.permanent.clear();
        self.set(|s| {
            s.status = Status::Offline;
            s.client_id = None;
            s.max_logins = None;
        });
    }

    /// Takes the process actor for a bounded shutdown; its pids stay readable until the last
    /// event of the transition is published (see [`Self::forget_process`]).
    fn take_process(&mut self) -> Option<(Addr<ProcessActor>, Duration)> {
        let grace = self.options.quit_timeout;
        self.process.take().map(|p| (p, grace))
    }

    /// Forgets an owned process after its last event; a kept JACK server stays in the state.
    fn forget_process(&mut self) {
        if let Some(pid) = self.state.borrow().pid {
            crate::stale::forget(self.options.port, pid);
        }
        let jack_pid = self.jack.as_ref().and_then(StartedJack::pid);
        self.set(|s| {
            s.pid = None;
            s.jack_pid = jack_pid;
            s.owned = false;
        });
    }
}

/// Shuts a process actor down in stages; answers its exit, if seen, and with `keep_jack` its
/// dummy JACK server.
async fn shutdown(process: Addr<ProcessActor>, grace: Duration, keep_jack: bool) -> Stopped {
    process
        .send(Shutdown { grace, keep_jack })
        .await
        .unwrap_or_default()
}

impl Actor for ServerActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        self.notifications.start(&self.conn.router, &self.allocator);
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        // Stopping the actor must not leave an owned scsynth behind: the process actor kills it
        // when it stops, which it does once its last address (ours) is dropped.
        Running::Stop
    }
}

/// Read the current state (for handles that prefer a message to a watch).
#[derive(Debug, Message)]
#[rtype(result = "watch::Receiver<ServerState>")]
pub struct Watch;

impl Handler<Watch> for ServerActor {
    type Result = MessageResult<Watch>;

    fn handle(&mut self, _: Watch, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.watch())
    }
}

/// A signal for an owned scsynth process (this crate's own names, so no `nix` type is part of
/// the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessSignal {
    /// `SIGINT`.
    Interrupt,
    /// `SIGTERM`: asks it to stop.
    Terminate,
    /// `SIGKILL`: ends it at once (a crash, as the supervisor sees it).
    Kill,
    /// `SIGSTOP`: freezes it (a hang: the heartbeat notices).
    Stop,
    /// `SIGCONT`: lets a stopped process run again.
    Continue,
}

impl From<ProcessSignal> for crate::process::Signal {
    fn from(signal: ProcessSignal) -> Self {
        match signal {
            ProcessSignal::Interrupt => Self::SIGINT,
            ProcessSignal::Terminate => Self::SIGTERM,
            ProcessSignal::Kill => Self::SIGKILL,
            ProcessSignal::Stop => Self::SIGSTOP,
            ProcessSignal::Continue => Self::SIGCONT,
        }
    }
}

/// Send a signal to an owned scsynth (fault injection, tests, a supervisor's hang handling).
#[derive(Debug, Message)]
#[rtype(result = "bool")]
pub struct SignalProcess(pub ProcessSignal);

impl Handler<SignalProcess> for ServerActor {
    type Result = bool;

    fn handle(&mut self, msg: SignalProcess, _: &mut Self::Context) -> bool {
        match &self.process {
            Some(process) => {
                process.do_send(crate::process::Kill(msg.0.into()));
                true
            }
            None => false,
        }
    }
}

/// Allocations go to the allocator actor of the current connection.
impl Handler<crate::allocator::Allocate> for ServerActor {
    type Result = ResponseFuture<Result<i32, crate::error::ServerError>>;

    fn handle(&mut self, msg: crate::allocator::Allocate, _: &mut Self::Context) -> Self::Result {
        if let Err(e) = self.connected() {
            return Box::pin(async move { Err(e.into()) });
        }
        let allocator = self.allocator.clone();
        Box::pin(async move { allocator.send(msg).await? })
    }
}

/// Freed ids go back to the allocator actor.
impl Handler<crate::allocator::Free> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: crate::allocator::Free, _: &mut Self::Context) {
        self.allocator.do_send(msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocator::{Allocate, IdKind};

    /// An actor that has stopped, as one that panicked would have.
    fn stopped<A: Actor<Context = Context<A>> + Default>() -> Addr<A> {
        A::create(|ctx| {
            ctx.stop();
            A::default()
        })
    }

    #[actix::test]
    async fn a_reboot_starts_again_the_router_and_allocator_that_stopped() {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free port")
            .port();
        let options = Options {
            port,
            jack: scserver_core::JackMode::Own,
            ..Options::default()
        };
        let mut server = ServerActor::new("revive", options);
        server.conn.router = stopped();
        server.allocator = stopped();
        let server = server.start();
        // Before the fix the allocator's mailbox error surfaced as ActorGone.
        server
            .send(quit::Reboot)
            .await
            .unwrap()
            .expect("reboot with stopped actors");
        let id = server
            .send(Allocate {
                kind: IdKind::Sync,
                count: 1,
            })
            .await
            .unwrap()
            .expect("a sync id from the new allocator");
        let link = server.send(Watch).await.unwrap();
        assert_eq!(link.borrow().status, Status::Online);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let command = scserver_core::command::Command::Sync { id };
        server.do_send(request::Request {
            out: request::Outgoing::command(&command).unwrap(),
            tx,
        });
        let reply = rx.await.unwrap().expect("/synced through the new router");
        assert_eq!(reply.addr, "/synced");
        server
            .send(quit::Quit { force: false })
            .await
            .unwrap()
            .unwrap();
    }
}
