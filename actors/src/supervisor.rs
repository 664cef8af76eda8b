//! The supervisor: any number of servers, one-for-one. It listens to each server's lifecycle
//! notices like any subscriber, and when one stops it asks [`RestartBudget`] what to do: boot it
//! again after a backoff (Restarting, then Restarted once the server, its remembered SynthDefs
//! and buffers and the user's hook are back), leave it, or give up (GaveUp, and a typed error
//! from [`ChildInfo::error`]). One server failing never touches the others.
//!
//! Supervision events are their own type, [`SupervisionNotice`], so the 14 lifecycle events stay
//! exactly supriya's; subscribers that want both subscribe to both.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use actix::prelude::*;
use futures::future::BoxFuture;
use scserver_core::supervision::{Decision, RestartBudget, Stop, SupervisionEvent};
use scserver_core::LifecycleEvent;
use tokio::sync::watch;

use crate::error::ServerError;
use crate::listeners::{Callback, Listeners};
use crate::server::boot::Boot;
use crate::server::events::Subscribe;
use crate::server::quit::{Quit, Reboot};
use crate::server::replay::Restore;
use crate::server::reset::Reset;
use crate::server::standby::{StandbyNotice, WatchStandby};
use crate::server::{LifecycleNotice, ServerActor, ServerState, Status};

/// Why the supervisor stopped restarting a server.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisionError {
    /// Too many restarts inside the window.
    #[error(
        "server {server:?} stopped {restarts} times within {window:?}; gave up (last error: {last}); \
         fix the cause, then restart it, or raise `max_restarts` / shorten `restart_window`"
    )]
    GaveUp {
        /// The server.
        server: String,
        /// Restarts counted inside the window.
        restarts: u32,
        /// The window.
        window: Duration,
        /// The failure that ended it.
        last: String,
    },
    /// No server of this name is supervised.
    #[error("no supervised server is named {0:?}; see `scserver check` for the configured names")]
    Unknown(String),
    /// A second server with a name already in use.
    #[error("a server named {0:?} is already supervised; give each server a unique name")]
    Duplicate(String),
    /// The server's own error.
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<MailboxError> for SupervisionError {
    fn from(e: MailboxError) -> Self {
        SupervisionError::Server(e.into())
    }
}

/// One supervision event of one server.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SupervisionNotice {
    /// The server's name.
    pub server: String,
    /// The server's port.
    pub port: u16,
    /// What the supervisor did.
    pub event: SupervisionEvent,
    /// When.
    pub at: SystemTime,
    /// Why (the failure that caused a restart or the give-up).
    pub detail: Option<String>,
}

/// What a restart hook is given: the server, already booted with its SynthDefs and buffers back
/// (or a promoted standby, which holds them).
pub struct RestartContext {
    /// The server's name.
    pub name: String,
    /// Its actor.
    pub server: Addr<ServerActor>,
    /// Which restart this is inside the window (from 1); 0 after a standby's promotion.
    pub attempt: u32,
}

/// Re-creates a user's own state (groups, synths) after a restart, like sclang's `ServerTree`.
pub type RestartHook =
    Box<dyn FnMut(RestartContext) -> BoxFuture<'static, Result<(), ServerError>> + Send>;

/// Where a supervised server is, from the supervisor's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Its first boot is under way.
    Starting,
    /// Up.
    Running,
    /// Down, waiting for the backoff before a boot, or booting again.
    Restarting,
    /// Down, and the policy leaves it down.
    Stopped,
    /// Down after too many restarts.
    GaveUp,
}

/// A snapshot of one supervised server.
#[derive(Debug, Clone)]
pub struct ChildInfo {
    /// Its name.
    pub name: String,
    /// Its supervision phase.
    pub phase: Phase,
    /// Its lifecycle state.
    pub state: ServerState,
    /// Restarts so far, in total: cold restarts and standby promotions.
    pub restarts: u32,
    /// Why it gave up or last failed.
    pub error: Option<SupervisionError>,
}

struct Child {
    addr: Addr<ServerActor>,
    state: watch::Receiver<ServerState>,
    budget: RestartBudget,
    phase: Phase,
    /// A panic event was seen since the last boot.
    failed: Option<String>,
    /// Identifies the current restart timer; a stale timer does nothing.
    generation: u64,
    restarts: u32,
    hook: Option<RestartHook>,
    error: Option<SupervisionError>,
    span: tracing::Span,
}

/// A closure called with every supervision notice.
pub type SupervisionCallback = Box<dyn FnMut(&SupervisionNotice) + Send>;

/// Supervises servers one-for-one.
#[derive(Default)]
pub struct SupervisorActor {
    children: BTreeMap<String, Child>,
    listeners: Listeners<SupervisionNotice>,
    shutting_down: bool,
}

impl Actor for SupervisorActor {
    type Context = Context<Self>;
}

impl SupervisorActor {
    fn publish(&mut self, name: &str, event: SupervisionEvent, detail: Option<String>) {
        let Some(child) = self.children.get(name) else {
            return;
        };
        let notice = SupervisionNotice {
            server: name.to_owned(),
            port: child.state.borrow().options.port,
            event,
            at: SystemTime::now(),
            detail,
        };
        tracing::info!(parent: &child.span, event = %event, detail = notice.detail.as_deref(), "supervision");
        self.listeners.publish(&notice);
    }

    /// Boots a child and reports the outcome to `after`.
    fn boot(&mut self, name: String, attempt: u32, ctx: &mut Context<Self>) {
        let Some(child) = self.children.get_mut(&name) else {
            return;
        };
        child.failed = None;
        let addr = child.addr.clone();
        ctx.spawn(
            async move { addr.send(Boot(None)).await }
                .into_actor(self)
                .then(move |result, act, ctx| {
                    let result = result.map_err(ServerError::from).and_then(|r| r);
                    act.booted(name, attempt, result, ctx)
                })
                .map(|_, _, _| ()),
        );
    }

    /// After a boot: restore and run the hook (restarts), or apply the policy to a failure.
    fn booted(
        &mut self,
        name: String,
        attempt: u32,
        result: Result<(), ServerError>,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, ()> {
        let ready = |()| -> ResponseActFuture<Self, ()> { Box::pin(actix::fut::ready(())) };
        if self.shutting_down {
            return ready(());
        }
        let Some(child) = self.children.get_mut(&name) else {
            return ready(());
        };
        match result {
            Err(error) => {
                tracing::warn!(parent: &child.span, %error, "boot failed");
                child.error = Some(error.clone().into());
                let detail = error.to_string();
                self.stopped(&name, Stop::Failure, detail, ctx);
                ready(())
            }
            Ok(()) if attempt == 0 => {
                child.phase = Phase::Running;
                ready(())
            }
            Ok(()) => {
                let addr = child.addr.clone();
                let hook = Self::hook(child, &name, attempt);
                Box::pin(
                    async move {
                        let mut problems = Vec::new();
                        match addr.send(Restore).await {
                            Ok(Ok(_)) => {}
                            Ok(Err(e)) => problems.push(format!("replaying loads: {e}")),
                            Err(e) => problems.push(format!("replaying loads: {e}")),
                        }
                        if let Some(hook) = hook {
                            if let Err(e) = hook.await {
                                problems.push(format!("restart hook: {e}"));
                            }
                        }
                        problems
                    }
                    .into_actor(self)
                    .map(move |problems, act, ctx| {
                        let Some(child) = act.children.get_mut(&name) else {
                            return;
                        };
                        if act.shutting_down || child.phase != Phase::Restarting {
                            return;
                        }
                        if child.state.borrow().status != Status::Online {
                            // It died again while being restored (its Quit was ignored while
                            // restarting): that is the next failure.
                            let why = child.failed.take().unwrap_or_else(|| problems.join("; "));
                            act.stopped(&name, Stop::Failure, why, ctx);
                            return;
                        }
                        child.phase = Phase::Running;
                        child.error = None;
                        let detail = (!problems.is_empty()).then(|| problems.join("; "));
                        if let Some(d) = &detail {
                            tracing::warn!(parent: &child.span, "{d}");
                        }
                        act.publish(&name, SupervisionEvent::Restarted { attempt }, detail);
                    }),
                )
            }
        }
    }

    /// The user's hook, called for restart `attempt` (0: a promotion).
    fn hook(
        child: &mut Child,
        name: &str,
        attempt: u32,
    ) -> Option<BoxFuture<'static, Result<(), ServerError>>> {
        let server = child.addr.clone();
        child.hook.as_mut().map(|hook| {
            hook(RestartContext {
                name: name.to_owned(),
                server,
                attempt,
            })
        })
    }

    /// A child stopped: ask its budget, then restart, leave or give up.
    fn stopped(&mut self, name: &str, stop: Stop, detail: String, ctx: &mut Context<Self>) {
        let Some(child) = self.children.get_mut(name) else {
            return;
        };
        let decision = child.budget.on_stop(stop, Instant::now());
        if !matches!(decision, Decision::Restart { .. }) {
            // No boot will run on the JACK server a crashed process left: a quit of the offline
            // server stops it.
            child.addr.do_send(Quit { force: false });
        }
        match decision {
            Decision::Leave => {
                child.phase = Phase::Stopped;
            }
            Decision::GiveUp { restarts, window } => {
                child.phase = Phase::GaveUp;
                child.error = Some(SupervisionError::GaveUp {
                    server: name.to_owned(),
                    restarts,
                    window,
                    last: detail.clone(),
                });
                tracing::error!(parent: &child.span, restarts, ?window, "gave up");
                self.publish(
                    name,
                    SupervisionEvent::GaveUp { restarts, window },
                    Some(detail),
                );
            }
            Decision::Restart { attempt, delay } => {
                child.phase = Phase::Restarting;
                child.restarts += 1;
                child.generation += 1;
                let generation = child.generation;
                let name = name.to_owned();
                self.publish(
                    &name,
                    SupervisionEvent::Restarting { attempt, delay },
                    Some(detail),
                );
                self.schedule(name, attempt, generation, delay, ctx);
            }
        }
    }

    /// Boots the child after `delay`; at once when there is none (a first failure: no timer
    /// tick between the crash and the boot).
    fn schedule(
        &mut self,
        name: String,
        attempt: u32,
        generation: u64,
        delay: Duration,
        ctx: &mut Context<Self>,
    ) {
        if delay.is_zero() {
            self.restart_due(name, attempt, generation, ctx);
        } else {
            ctx.run_later(delay, move |act, ctx| {
                act.restart_due(name, attempt, generation, ctx)
            });
        }
    }

    /// A restart's time has come: boot, unless it was called off or someone booted the server.
    fn restart_due(
        &mut self,
        name: String,
        attempt: u32,
        generation: u64,
        ctx: &mut Context<Self>,
    ) {
        if self.shutting_down {
            return;
        }
        let Some(child) = self.children.get_mut(&name) else {
            return;
        };
        if child.generation != generation || child.phase != Phase::Restarting {
            return;
        }
        if child.state.borrow().status != Status::Offline {
            tracing::info!(parent: &child.span, "already up again; restart skipped");
            child.phase = Phase::Running;
            return;
        }
        self.boot(name, attempt, ctx);
    }
}

impl Handler<LifecycleNotice> for SupervisorActor {
    type Result = ();

    /// Panics mark the run as failed; a Quit of a running server is a stop to decide about.
    fn handle(&mut self, notice: LifecycleNotice, ctx: &mut Self::Context) {
        if self.shutting_down {
            return;
        }
        let Some(child) = self.children.get_mut(&notice.server) else {
            return;
        };
        match notice.event {
            // The first panic says why (the exit status, the heartbeat's finding).
            LifecycleEvent::OscPanicked | LifecycleEvent::ProcessPanicked
                if child.failed.is_none() =>
            {
                child.failed = Some(
                    notice
                        .detail
                        .clone()
                        .unwrap_or_else(|| notice.event.name().to_owned()),
                );
            }
            LifecycleEvent::Quit if child.phase == Phase::Running => {
                let (stop, detail) = match child.failed.take() {
                    Some(why) => (Stop::Failure, why),
                    None => (Stop::Clean, "quit".to_owned()),
                };
                self.stopped(&notice.server, stop, detail, ctx);
            }
            _ => {}
        }
    }
}

impl Handler<StandbyNotice> for SupervisorActor {
    type Result = ();

    /// A promotion: the hook runs on the promoted server, then Promoted names the port now
    /// serving. A standby ready or lost is told as it happens (the server keeps its standby).
    fn handle(&mut self, notice: StandbyNotice, ctx: &mut Self::Context) {
        if self.shutting_down {
            return;
        }
        match notice {
            StandbyNotice::Promoted {
                server,
                port,
                from,
                detail,
            } => {
                let Some(child) = self.children.get_mut(&server) else {
                    return;
                };
                child.failed = None;
                child.restarts += 1;
                let hook = Self::hook(child, &server, 0);
                ctx.spawn(
                    async move {
                        match hook {
                            Some(hook) => hook.await.err().map(|e| format!("restart hook: {e}")),
                            None => None,
                        }
                    }
                    .into_actor(self)
                    .map(move |problem, act, _| {
                        let detail = match problem {
                            Some(problem) => format!("{detail}; {problem}"),
                            None => detail,
                        };
                        act.publish(
                            &server,
                            SupervisionEvent::Promoted { port, from },
                            Some(detail),
                        );
                    }),
                );
            }
            StandbyNotice::Lost {
                server,
                port,
                detail,
            } => {
                self.publish(
                    &server,
                    SupervisionEvent::StandbyLost { standby_port: port },
                    Some(detail),
                );
            }
            StandbyNotice::Ready { server, port } => {
                self.publish(
                    &server,
                    SupervisionEvent::StandbyReady { standby_port: port },
                    None,
                );
            }
        }
    }
}

type Answer<T> = ResponseActFuture<SupervisorActor, Result<T, SupervisionError>>;

fn answer<T: 'static>(result: Result<T, SupervisionError>) -> Answer<T> {
    Box::pin(actix::fut::ready(result))
}

/// Supervise a server actor: subscribe to it, boot it, and answer the first boot's outcome.
/// A failed first boot is already subject to the restart policy.
#[derive(Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct Supervise {
    /// A unique name (the server actor's own).
    pub name: String,
    /// The server, offline.
    pub server: Addr<ServerActor>,
    /// Re-creates the user's nodes after each restart.
    pub hook: Option<RestartHook>,
}

impl Handler<Supervise> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: Supervise, _: &mut Self::Context) -> Answer<()> {
        if self.children.contains_key(&msg.name) {
            return answer(Err(SupervisionError::Duplicate(msg.name)));
        }
        let server = msg.server.clone();
        Box::pin(
            async move { server.send(crate::server::Watch).await }
                .into_actor(self)
                .then(move |state, act, ctx| {
                    let state = match state {
                        Ok(state) => state,
                        Err(e) => return answer(Err(e.into())),
                    };
                    let options = state.borrow().options.clone();
                    let span =
                        tracing::info_span!("supervised", server = %msg.name, port = options.port);
                    msg.server.do_send(Subscribe {
                        id: crate::listeners::PERMANENT,
                        recipient: ctx.address().recipient(),
                    });
                    msg.server.do_send(WatchStandby {
                        watcher: ctx.address().recipient(),
                    });
                    act.children.insert(
                        msg.name.clone(),
                        Child {
                            addr: msg.server.clone(),
                            state,
                            budget: RestartBudget::new(&options),
                            phase: Phase::Starting,
                            failed: None,
                            generation: 0,
                            restarts: 0,
                            hook: msg.hook,
                            error: None,
                            span,
                        },
                    );
                    let name = msg.name;
                    let addr = msg.server;
                    Box::pin(
                        async move { addr.send(Boot(None)).await }
                            .into_actor(act)
                            .then(move |result, act, ctx| {
                                let result = result.map_err(ServerError::from).and_then(|r| r);
                                act.booted(name, 0, result.clone(), ctx)
                                    .map(move |_, _, _| result.map_err(SupervisionError::from))
                            }),
                    )
                }),
        )
    }
}

/// Which server a by-name request is for.
fn child<'a>(
    children: &'a mut BTreeMap<String, Child>,
    name: &str,
) -> Result<&'a mut Child, SupervisionError> {
    children
        .get_mut(name)
        .ok_or_else(|| SupervisionError::Unknown(name.to_owned()))
}

/// Marks a server stopped, so no restart follows its quit whatever the policy, and answers its
/// address to quit it through.
fn stop_child(
    children: &mut BTreeMap<String, Child>,
    name: &str,
) -> Result<Addr<ServerActor>, SupervisionError> {
    let c = child(children, name)?;
    c.phase = Phase::Stopped;
    c.generation += 1;
    Ok(c.addr.clone())
}

/// Quit one server and leave it down (no restart, whatever the policy).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct StopServer(pub String);

impl Handler<StopServer> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: StopServer, _: &mut Self::Context) -> Answer<()> {
        let addr = match stop_child(&mut self.children, &msg.0) {
            Ok(addr) => addr,
            Err(e) => return answer(Err(e)),
        };
        Box::pin(async move { Ok(addr.send(Quit { force: false }).await??) }.into_actor(self))
    }
}

/// Quit one server and stop supervising it, so that its name is free again (a reloaded config
/// that dropped or changed it). It is forgotten even when the quit fails (a server that was
/// booting is killed when its actor goes); the quit's error is answered.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct RemoveServer(pub String);

impl Handler<RemoveServer> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: RemoveServer, _: &mut Self::Context) -> Answer<()> {
        let addr = match stop_child(&mut self.children, &msg.0) {
            Ok(addr) => addr,
            Err(e) => return answer(Err(e)),
        };
        let name = msg.0;
        Box::pin(
            async move { addr.send(Quit { force: false }).await }
                .into_actor(self)
                .map(move |result, act, _| {
                    act.children.remove(&name);
                    Ok(result??)
                }),
        )
    }
}

/// Quit every server (and any JACK server started for it); nothing is restarted afterwards.
#[derive(Debug, Message)]
#[rtype(result = "Vec<(String, Result<(), ServerError>)>")]
pub struct StopAll;

impl Handler<StopAll> for SupervisorActor {
    type Result = ResponseActFuture<Self, Vec<(String, Result<(), ServerError>)>>;

    fn handle(&mut self, _: StopAll, _: &mut Self::Context) -> Self::Result {
        self.shutting_down = true;
        let quits: Vec<_> = self
            .children
            .iter_mut()
            .map(|(name, c)| {
                c.phase = Phase::Stopped;
                c.generation += 1;
                let addr = c.addr.clone();
                let name = name.clone();
                async move {
                    let r = addr.send(Quit { force: false }).await;
                    (name, r.map_err(ServerError::from).and_then(|r| r))
                }
            })
            .collect();
        Box::pin(futures::future::join_all(quits).into_actor(self))
    }
}

/// Quit and boot one server again, by name (not counted against its restart budget).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct RebootServer(pub String);

impl Handler<RebootServer> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: RebootServer, _: &mut Self::Context) -> Answer<()> {
        let c = match child(&mut self.children, &msg.0) {
            Ok(c) => c,
            Err(e) => return answer(Err(e)),
        };
        // Not Running: the Quit of the reboot is no stop to act on.
        c.phase = Phase::Starting;
        c.generation += 1;
        c.failed = None;
        let addr = c.addr.clone();
        let name = msg.0;
        Box::pin(
            async move { addr.send(Reboot).await }
                .into_actor(self)
                .then(move |result, act, ctx| {
                    let result = result.map_err(ServerError::from).and_then(|r| r);
                    act.booted(name, 0, result.clone(), ctx)
                        .map(move |_, _, _| result.map_err(SupervisionError::from))
                }),
        )
    }
}

/// Reset one server by name (nodes, SynthDefs and scheduled bundles cleared; default group back).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct ResetServer(pub String);

impl Handler<ResetServer> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: ResetServer, _: &mut Self::Context) -> Answer<()> {
        let addr = match child(&mut self.children, &msg.0) {
            Ok(c) => c.addr.clone(),
            Err(e) => return answer(Err(e)),
        };
        Box::pin(async move { Ok(addr.send(Reset).await??) }.into_actor(self))
    }
}

/// Start a server that was stopped or given up on, with a fresh restart budget; its remembered
/// loads and hook are replayed as after a restart.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SupervisionError>")]
pub struct RestartServer(pub String);

impl Handler<RestartServer> for SupervisorActor {
    type Result = Answer<()>;

    fn handle(&mut self, msg: RestartServer, _: &mut Self::Context) -> Answer<()> {
        let c = match child(&mut self.children, &msg.0) {
            Ok(c) => c,
            Err(e) => return answer(Err(e)),
        };
        if matches!(c.phase, Phase::Running | Phase::Starting) {
            return answer(Ok(()));
        }
        self.shutting_down = false;
        c.budget.clear();
        c.phase = Phase::Restarting;
        c.generation += 1;
        c.failed = None;
        let addr = c.addr.clone();
        let name = msg.0;
        Box::pin(
            async move { addr.send(Boot(None)).await }
                .into_actor(self)
                .then(move |result, act, ctx| {
                    let result = result.map_err(ServerError::from).and_then(|r| r);
                    act.booted(name, 1, result.clone(), ctx)
                        .map(move |_, _, _| result.map_err(SupervisionError::from))
                }),
        )
    }
}

/// Snapshots of every supervised server, by name.
#[derive(Debug, Message)]
#[rtype(result = "Vec<ChildInfo>")]
pub struct Children;

impl Handler<Children> for SupervisorActor {
    type Result = MessageResult<Children>;

    fn handle(&mut self, _: Children, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.children
                .iter()
                .map(|(name, c)| ChildInfo {
                    name: name.clone(),
                    phase: c.phase,
                    state: c.state.borrow().clone(),
                    restarts: c.restarts,
                    error: c.error.clone(),
                })
                .collect(),
        )
    }
}

/// Send every supervision notice to this recipient, until an [`UnsubscribeSupervision`] of `id`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeSupervision {
    /// Identifies the subscription.
    pub id: u64,
    /// Who hears.
    pub recipient: Recipient<SupervisionNotice>,
}

impl Handler<SubscribeSupervision> for SupervisorActor {
    type Result = ();

    fn handle(&mut self, msg: SubscribeSupervision, _: &mut Self::Context) {
        self.listeners.subscribe(msg.id, msg.recipient);
    }
}

/// Call this closure with every supervision notice, on the supervisor's thread (it must not
/// block), until an [`UnsubscribeSupervision`] of `id`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct OnSupervision {
    /// Identifies the subscription.
    pub id: u64,
    /// The closure.
    pub procedure: SupervisionCallback,
}

impl Handler<OnSupervision> for SupervisorActor {
    type Result = ();

    fn handle(&mut self, msg: OnSupervision, _: &mut Self::Context) {
        self.listeners.add(Callback::every(msg.id, msg.procedure));
    }
}

/// End a supervision subscription (recipient or closure) by its id.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct UnsubscribeSupervision(pub u64);

impl Handler<UnsubscribeSupervision> for SupervisorActor {
    type Result = ();

    fn handle(&mut self, msg: UnsubscribeSupervision, _: &mut Self::Context) {
        self.listeners.remove(msg.0);
    }
}
