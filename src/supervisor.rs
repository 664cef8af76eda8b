//! Many servers under one supervisor: started concurrently from a [`Config`] or one by one from
//! code, restarted by their policy, reachable by name, and all quit together.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use futures::future::BoxFuture;
use scserver_actors::server::LifecycleNotice;
use scserver_actors::supervisor::{
    self as sup, ChildInfo, OnSupervision, RestartContext, SubscribeSupervision, Supervise,
    SupervisionError, SupervisionNotice, SupervisorActor, UnsubscribeSupervision,
};
use scserver_actors::ServerError;
use scserver_core::Options;
use tokio::sync::oneshot;

use crate::async_server::AsyncServer;
use crate::callbacks::Subscription;
use crate::config::Config;
use crate::runtime::{self, RuntimeThread};

/// Re-creates a user's nodes after a restart, like sclang's `ServerTree`: called with the server
/// (booted, its SynthDefs and buffers already back) and the restart's attempt number.
pub type Hook =
    Box<dyn FnMut(AsyncServer, u32) -> BoxFuture<'static, Result<(), ServerError>> + Send>;

/// A lifecycle callback shared by every supervised server.
pub type LifecycleFn = Arc<dyn Fn(&LifecycleNotice) + Send + Sync>;

/// Supervises any number of servers one-for-one. Cheap to clone; when the last clone is
/// dropped, every server it started is quit.
///
/// Inside an actix system the supervisor and its servers run on the caller's arbiter; elsewhere
/// on a thread of their own (which is also the thread scsynth's parent-death signal follows).
///
/// ```
/// use std::time::Duration;
/// use futures::executor::block_on;
/// use scserver::{Options, ProcessSignal, RestartPolicy, ServerSupervisor, SupervisionEvent};
///
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// let supervisor = ServerSupervisor::new();
/// let (tx, events) = std::sync::mpsc::channel();
/// let _events = supervisor.on_event(move |notice| {
///     let _ = tx.send(notice.event);
/// });
/// let options = Options {
///     port,
///     jack: scserver::JackMode::Shared,
///     restart: RestartPolicy::OnFailure,
///     ..Options::default()
/// };
/// let server = block_on(supervisor.add("main", options))?;
/// server.signal_process(ProcessSignal::Kill); // a crash…
/// block_on(server.exited(Duration::from_secs(10)))?;
/// block_on(server.online(Duration::from_secs(30)))?; // …and the supervisor's restart
/// let first = events.recv_timeout(Duration::from_secs(5))?;
/// assert!(matches!(first, SupervisionEvent::Restarting { attempt: 1, .. }));
/// block_on(supervisor.shutdown()); // quits every server; nothing restarts after
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ServerSupervisor {
    inner: Arc<Inner>,
}

/// An [`ServerSupervisor::on_lifecycle`] callback and its registration with each server.
struct LifecycleListener {
    id: u64,
    procedure: LifecycleFn,
    registered: Vec<Subscription>,
}

struct Inner {
    addr: Addr<SupervisorActor>,
    arbiter: ArbiterHandle,
    servers: Mutex<BTreeMap<String, AsyncServer>>,
    lifecycle: Mutex<Vec<LifecycleListener>>,
    next_id: AtomicU64,
    // Dropped last: stopping the runtime stops the actors.
    runtime: Option<RuntimeThread>,
}

impl Default for ServerSupervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerSupervisor {
    /// A supervisor with no servers.
    pub fn new() -> ServerSupervisor {
        let make = || {
            (
                SupervisorActor::default().start(),
                actix::Arbiter::current(),
            )
        };
        let ((addr, arbiter), runtime) = runtime::start("supervisor", make, false);
        ServerSupervisor {
            inner: Arc::new(Inner {
                addr,
                arbiter,
                servers: Mutex::new(BTreeMap::new()),
                lifecycle: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
                runtime,
            }),
        }
    }

    /// Adds a server, boots it and answers when the first boot is done. A failed first boot is
    /// an error here and, by the server's `restart` policy, already being retried.
    pub async fn add(&self, name: &str, options: Options) -> Result<AsyncServer, SupervisionError> {
        self.add_with_hook(name, options, None).await
    }

    /// Like [`ServerSupervisor::add`], with a hook run after every restart.
    pub async fn add_with_hook(
        &self,
        name: &str,
        options: Options,
        hook: Option<Hook>,
    ) -> Result<AsyncServer, SupervisionError> {
        if self.server(name).is_some() {
            return Err(SupervisionError::Duplicate(name.to_owned()));
        }
        let (tx, rx) = oneshot::channel();
        let owned = name.to_owned();
        // Built on the supervisor's arbiter: scsynth is then a child of that thread.
        self.inner.arbiter.spawn(async move {
            let _ = tx.send(AsyncServer::with_name(&owned, options));
        });
        let server = rx.await.map_err(|_| ServerError::ActorGone)?;
        for listener in self
            .inner
            .lifecycle
            .lock()
            .expect("lifecycle lock")
            .iter_mut()
        {
            let f = listener.procedure.clone();
            let registered = server.register_lifecycle_callback([], move |n| f(n));
            listener.registered.push(registered);
        }
        self.inner
            .servers
            .lock()
            .expect("servers lock")
            .insert(name.to_owned(), server.clone());
        // The volume is the client's setting: put it back before the user's nodes return (a
        // promotion, attempt 0, puts it back itself: see `AsyncServer::follow_promotions`).
        let mut user = hook;
        let restarted = server.clone();
        let hook = Box::new(move |ctx: RestartContext| {
            let server = restarted.clone();
            let user = user.as_mut().map(|hook| hook(server.clone(), ctx.attempt));
            let cold = ctx.attempt > 0;
            Box::pin(async move {
                if cold {
                    server.restore_volume().await?;
                }
                match user {
                    Some(user) => user.await,
                    None => Ok(()),
                }
            }) as BoxFuture<'static, Result<(), ServerError>>
        }) as sup::RestartHook;
        self.inner
            .addr
            .send(Supervise {
                name: name.to_owned(),
                server: server.actor(),
                hook: Some(hook),
            })
            .await??;
        Ok(server)
    }

    /// Starts every server of a config concurrently; answers each one's first boot, in file
    /// order.
    pub async fn start(
        &self,
        config: &Config,
    ) -> Vec<(String, Result<AsyncServer, SupervisionError>)> {
        let boots = config
            .servers
            .iter()
            .map(|s| async move { (s.name.clone(), self.add(&s.name, s.options.clone()).await) });
        futures::future::join_all(boots).await
    }

    /// The server of this name.
    pub fn server(&self, name: &str) -> Option<AsyncServer> {
        self.inner
            .servers
            .lock()
            .expect("servers lock")
            .get(name)
            .cloned()
    }

    /// The names of the servers, sorted.
    pub fn names(&self) -> Vec<String> {
        self.inner
            .servers
            .lock()
            .expect("servers lock")
            .keys()
            .cloned()
            .collect()
    }

    /// Quits and boots one server again, by name.
    pub async fn reboot(&self, name: &str) -> Result<(), SupervisionError> {
        self.inner
            .addr
            .send(sup::RebootServer(name.into()))
            .await??;
        // The client's settings, as `AsyncServer::reboot` puts them back.
        if let Some(server) = self.server(name) {
            server.restore_volume().await?;
        }
        Ok(())
    }

    /// Resets one server, by name, as [`AsyncServer::reset`] does (the volume and meters
    /// come back).
    pub async fn reset(&self, name: &str) -> Result<(), SupervisionError> {
        match self.server(name) {
            Some(server) => Ok(server.reset().await?),
            // Answers which names there are.
            None => self.inner.addr.send(sup::ResetServer(name.into())).await?,
        }
    }

    /// Starts a server that was stopped or given up on, with a fresh restart budget.
    pub async fn restart(&self, name: &str) -> Result<(), SupervisionError> {
        self.inner
            .addr
            .send(sup::RestartServer(name.into()))
            .await?
    }

    /// Quits one server and keeps it down.
    pub async fn stop(&self, name: &str) -> Result<(), SupervisionError> {
        self.inner.addr.send(sup::StopServer(name.into())).await?
    }

    /// Quits one server and stops supervising it; its name is free for [`ServerSupervisor::add`]
    /// again. It is forgotten even when its quit fails, which is answered.
    pub async fn remove(&self, name: &str) -> Result<(), SupervisionError> {
        let result = self.inner.addr.send(sup::RemoveServer(name.into())).await?;
        self.inner
            .servers
            .lock()
            .expect("servers lock")
            .remove(name);
        result
    }

    /// Quits every server (and the JACK servers started for them); nothing restarts after.
    pub async fn shutdown(&self) -> Vec<(String, Result<(), ServerError>)> {
        self.inner.addr.send(sup::StopAll).await.unwrap_or_default()
    }

    /// A snapshot of every server: phase, state, restarts, and why it gave up.
    pub async fn children(&self) -> Vec<ChildInfo> {
        self.inner
            .addr
            .send(sup::Children)
            .await
            .unwrap_or_default()
    }

    /// Sends every supervision notice (restarting, restarted, gave up) to an actix recipient,
    /// until the returned [`Subscription`] is dropped.
    pub fn subscribe(&self, recipient: Recipient<SupervisionNotice>) -> Subscription {
        let id = self.next_id();
        self.inner
            .addr
            .do_send(SubscribeSupervision { id, recipient });
        self.subscription(id)
    }

    /// Calls `procedure` with every supervision notice, on the supervisor's thread (it must not
    /// block), until the returned [`Subscription`] is dropped.
    pub fn on_event(
        &self,
        procedure: impl FnMut(&SupervisionNotice) + Send + 'static,
    ) -> Subscription {
        let id = self.next_id();
        self.inner.addr.do_send(OnSupervision {
            id,
            procedure: Box::new(procedure),
        });
        self.subscription(id)
    }

    fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn subscription(&self, id: u64) -> Subscription {
        let supervisor = self.inner.addr.downgrade();
        Subscription::new(move || {
            if let Some(supervisor) = supervisor.upgrade() {
                supervisor.do_send(UnsubscribeSupervision(id));
            }
        })
    }

    /// Calls `procedure` with every lifecycle notice of every server added from now on (on the
    /// server's thread; it must not block), until the returned [`Subscription`] is dropped.
    pub fn on_lifecycle(&self, procedure: LifecycleFn) -> Subscription {
        let id = self.next_id();
        self.inner
            .lifecycle
            .lock()
            .expect("lifecycle lock")
            .push(LifecycleListener {
                id,
                procedure,
                registered: Vec::new(),
            });
        let inner = Arc::downgrade(&self.inner);
        // Dropping the listener drops its registrations, which ends them with each server.
        Subscription::new(move || {
            if let Some(inner) = inner.upgrade() {
                let mut lifecycle = inner.lifecycle.lock().expect("lifecycle lock");
                lifecycle.retain(|l| l.id != id);
            }
        })
    }

    /// The supervisor actor, for actix applications that talk to it directly.
    pub fn actor(&self) -> Addr<SupervisorActor> {
        self.inner.addr.clone()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        match &self.runtime {
            // Our own thread: wait for the quits, each bounded by its own timeouts; this bounds
            // them all. The thread stops when `runtime` is dropped, after this.
            Some(runtime) => {
                let _ = runtime.block_on(self.addr.send(sup::StopAll), Duration::from_secs(15));
                self.servers.lock().expect("servers lock").clear();
            }
            None => self.addr.do_send(sup::StopAll),
        }
    }
}
