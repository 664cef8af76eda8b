//! The warm standby: a second scsynth of this server on the standby port, with the same options
//! and on the same JACK server, silent (no node of it runs but the default groups). It gets this
//! client's durable state as the server does: the default groups, and every SynthDef load, file
//! buffer read and their frees (see [`ReplayLog::observe`](scserver_core::replay::ReplayLog)).
//!
//! When the server's process dies or hangs while a standby is ready, the standby is promoted in
//! place: the same actor, so every handle keeps working; the same client id (asked for in
//! `/notify`), so the default group and every id handed out stay valid. Events: ProcessPanicked
//! (a crash) or OscPanicked (a hang), then Connecting, OscConnected, Connected on the new port;
//! a watcher (the supervisor) hears [`StandbyNotice::Promoted`]. The server keeps its standby
//! itself, supervised or not: it boots one after its own boot, after a promotion and after the
//! loss of one, and tries again after a backoff when a boot fails.

use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use rosc::{OscMessage, OscPacket};
use scserver_core::command::{AddAction, Command};
use scserver_core::stale::STANDBY_SUFFIX;
use scserver_core::supervision::{Beat, Heartbeat};
use scserver_core::{LifecycleEvent, Options};

use super::boot::take_port;
use super::notifications::RefreshMirror;
use super::request::{Link, Route};
use super::{shutdown, ServerActor, Status};
use crate::error::{RequestError, ServerError};
use crate::heard::LastHeard;
use crate::osc::{Close, OscActor, SendBytes};
use crate::process::{ProcessActor, Spawn};
use crate::router::RouterActor;

/// The standby, while there is one.
struct Standby {
    process: Addr<ProcessActor>,
    port: u16,
    /// Set once the process is up; durable state is copied to it from then on.
    osc: Option<Addr<OscActor>>,
    pid: Option<u32>,
    /// It holds everything the server held when it was booted, and has since.
    ready: bool,
    /// Stamped by the standby's router for every datagram it sends.
    heard: Arc<LastHeard>,
    /// Counts the heartbeats it left unanswered.
    monitor: Heartbeat,
}

/// The server actor's standby part.
#[derive(Default)]
pub(crate) struct StandbySlot {
    standby: Option<Standby>,
    /// Bumped whenever the standby is dropped: a boot still under way for an older one is void.
    generation: u64,
    watcher: Option<Recipient<StandbyNotice>>,
    /// Processes a promotion retired or a dropped standby left: their exits are no news.
    retired: Vec<u32>,
    /// A promotion under way: the failed server's port, and what happened to it.
    promotion: Option<(u16, String)>,
    /// The process a promotion retired is still on its way out (and on its port).
    retiring: bool,
    /// Standby boots that failed in a row (their retries back off).
    failures: u32,
}

impl StandbySlot {
    /// Notes a process whose exit is expected; only the last few are kept, as each exit comes
    /// within a quit timeout of its kill.
    fn retire(&mut self, pid: u32) {
        const KEPT: usize = 8;
        if self.retired.len() == KEPT {
            self.retired.remove(0);
        }
        self.retired.push(pid);
    }
}

/// What a server tells whoever asked for its standby.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum StandbyNotice {
    /// A standby is booted and holds the server's durable state.
    Ready {
        /// The server.
        server: String,
        /// The standby's port.
        port: u16,
    },
    /// The standby took the failed server's place.
    Promoted {
        /// The server.
        server: String,
        /// The port now serving.
        port: u16,
        /// The failed server's port.
        from: u16,
        /// What happened to the failed server.
        detail: String,
    },
    /// The standby died; there is none now.
    Lost {
        /// The server.
        server: String,
        /// The standby's port.
        port: u16,
        /// How it ended.
        detail: String,
    },
}

/// Tell `watcher` of this server's standby from now on: ready, lost, promoted. The server keeps
/// its standby itself (see [`ServerActor::keep_standby`]); a supervisor only listens.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WatchStandby {
    /// Hears [`StandbyNotice`]s.
    pub watcher: Recipient<StandbyNotice>,
}

impl Handler<WatchStandby> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: WatchStandby, _: &mut Self::Context) {
        self.standby.watcher = Some(msg.watcher);
    }
}

/// A standby boot's outcome: its port; `Err(None)` when a quit, a crash or a promotion
/// overtook it, which is no failure.
type Booting = ResponseActFuture<ServerActor, Result<u16, Option<ServerError>>>;

impl ServerActor {
    /// Boots a warm standby when the options ask for one and this owned server is online without
    /// one (after a boot, a promotion, the loss of the last standby); a boot that fails is tried
    /// again after a backoff, for as long as that holds.
    pub(crate) fn keep_standby(&mut self, ctx: &mut Context<Self>) {
        let wanted = {
            let s = self.state.borrow();
            self.options.standby > 0 && s.owned && s.status == Status::Online
        };
        if !wanted || self.standby.standby.is_some() || self.standby.retiring {
            return;
        }
        let booting = self.boot_standby(ctx);
        ctx.spawn(booting.map(|result, act, ctx| match result {
            Ok(port) => {
                act.standby.failures = 0;
                act.tell_watcher(StandbyNotice::Ready {
                    server: act.name.clone(),
                    port,
                });
            }
            Err(None) => {}
            Err(Some(error)) => {
                act.standby.failures += 1;
                let delay = scserver_core::supervision::backoff(
                    act.standby.failures,
                    act.options.backoff_min,
                    act.options.backoff_max,
                );
                tracing::warn!(parent: &act.span, %error, ?delay, "no standby; trying again");
                ctx.run_later(delay, |act, ctx| act.keep_standby(ctx));
            }
        }));
    }

    fn tell_watcher(&self, notice: StandbyNotice) {
        if let Some(watcher) = &self.standby.watcher {
            watcher.do_send(notice);
        }
    }

    fn boot_standby(&mut self, ctx: &mut Context<Self>) -> Booting {
        let max_logins = self.state.borrow().max_logins.unwrap_or(1);
        let options = Options {
            port: self.options.standby_port(),
            ..self.options.clone()
        };
        let port = options.port;
        let router = RouterActor::default();
        let process = ProcessActor::new(
            &format!("{} standby", self.name),
            options.clone(),
            ctx.address().recipient(),
            None,
        )
        .on_jack_server(self.jack_name.clone())
        .start();
        self.standby.standby = Some(Standby {
            process: process.clone(),
            port,
            osc: None,
            pid: None,
            ready: false,
            heard: router.last_heard(),
            monitor: Heartbeat::new(self.options.heartbeat_misses),
        });
        let generation = self.standby.generation;
        let router = router.start();
        let name = self.name.clone();
        let (buses, timeout) = (options.control_bus_channel_count, options.request_timeout);
        let allocator = self.allocator.clone();
        tracing::info!(parent: &self.span, port, "booting a warm standby");
        let recipient = router.clone().recipient();
        let started = async move {
            take_port(&options).await?;
            let spawned = process.send(Spawn).await??;
            let (ip, protocol) = (options.ip_address, options.protocol);
            let osc = OscActor::open(format!("{name} standby"), options, 0, recipient)
                .await
                .map_err(|e| RequestError::Transport {
                    protocol: protocol.to_string(),
                    address: format!("{ip}:{port}"),
                    message: e.to_string(),
                })?
                .start();
            Ok((spawned.pid, osc))
        };
        Box::pin(started.into_actor(self).then(move |started, act, _| {
            let current = act.standby.generation == generation;
            let (pid, osc) = match started {
                Ok(up) if current => up,
                Ok(_) => return act.standby_void(),
                Err(e) => return act.standby_failed(generation, e),
            };
            let link = Link {
                route: Route {
                    router,
                    osc: osc.clone(),
                    fences: Default::default(),
                    buses,
                    timeout,
                },
                allocator,
            };
            // Sent from here, in the actor, so that nothing the server is sent after
            // this copy overtakes it on the way to the standby.
            let groups = Command::GNew {
                groups: (1..=max_logins as i32)
                    .map(|id| (id, AddAction::AddToTail, 0))
                    .collect(),
            };
            osc.do_send(SendBytes(groups.to_bytes()));
            for m in act.replay.messages() {
                send_message(&osc, m);
            }
            let Some(standby) = act.standby.standby.as_mut() else {
                return act.standby_void();
            };
            standby.osc = Some(osc);
            standby.pid = Some(pid);
            act.record_process(port, pid, true);
            Box::pin(async move { link.sync().await }.into_actor(act).then(
                move |synced, act, _| match synced {
                    Ok(()) if act.standby.generation == generation => {
                        if let Some(s) = act.standby.standby.as_mut() {
                            s.ready = true;
                        }
                        act.set(|s| {
                            s.standby_port = Some(port);
                            s.standby_pid = Some(pid);
                        });
                        tracing::info!(parent: &act.span, port, pid, "warm standby ready");
                        Box::pin(actix::fut::ready(Ok(port))) as Booting
                    }
                    Ok(()) => act.standby_void(),
                    Err(e) => act.standby_failed(generation, e),
                },
            )) as Booting
        }))
    }
}

fn send_message(osc: &Addr<OscActor>, message: OscMessage) {
    match rosc::encoder::encode(&OscPacket::Message(message)) {
        Ok(bytes) => osc.do_send(SendBytes(bytes)),
        Err(e) => tracing::warn!(error = %e, "cannot encode a message for the standby"),
    }
}

impl ServerActor {
    /// Records a scsynth of this server in its pid file, as the serving one or the standby (what
    /// `scserver status` reads to tell them apart).
    pub(crate) fn record_process(&self, port: u16, pid: u32, standby: bool) {
        let name = match standby {
            true => format!("{}{STANDBY_SUFFIX}", self.name),
            false => self.name.clone(),
        };
        if let (Some(owner), Ok(exe)) = (
            crate::stale::owner(std::process::id(), &name),
            crate::process::find_executable(&self.options),
        ) {
            crate::stale::record(port, pid, &exe, owner);
        }
    }

    /// Copies what a packet sent to the server changed of its durable state to the standby.
    pub(crate) fn replicate(&self, copy: Vec<OscMessage>) {
        if let Some(osc) = self.standby.standby.as_ref().and_then(|s| s.osc.as_ref()) {
            copy.into_iter().for_each(|m| send_message(osc, m));
        }
    }

    /// A standby boot that was overtaken by a quit, a crash or a promotion.
    fn standby_void(&mut self) -> Booting {
        Box::pin(actix::fut::ready(Err(None)))
    }

    fn standby_failed(&mut self, generation: u64, error: ServerError) -> Booting {
        tracing::warn!(parent: &self.span, %error, "the standby did not boot");
        if self.standby.generation != generation {
            return self.standby_void();
        }
        self.drop_standby();
        Box::pin(actix::fut::ready(Err(Some(error))))
    }

    /// Stops the standby, if there is one (a cold restart, its own death), in the background.
    pub(crate) fn drop_standby(&mut self) {
        if let Some(stop) = self.take_standby() {
            actix::spawn(stop);
        }
    }

    /// Takes the standby away; the future answers once its process is gone.
    pub(crate) fn take_standby(&mut self) -> Option<impl std::future::Future<Output = ()>> {
        self.standby.generation += 1;
        let standby = self.standby.standby.take()?;
        if let Some(osc) = standby.osc {
            osc.do_send(Close);
        }
        if let Some(pid) = standby.pid {
            crate::stale::forget(standby.port, pid);
            self.standby.retire(pid);
        }
        self.set(|s| {
            s.standby_port = None;
            s.standby_pid = None;
        });
        let grace = self.options.quit_timeout;
        Some(async move {
            // It holds nothing that needs a clean exit.
            standby
                .process
                .do_send(crate::process::Kill(crate::process::Signal::SIGKILL));
            shutdown(standby.process, grace, false).await;
        })
    }

    /// Which process an exit is about: the server's, its standby's, or one a promotion retired.
    pub(crate) fn exited_role(&self, pid: Option<u32>) -> ExitedRole {
        let standby = self.standby.standby.as_ref().and_then(|s| s.pid);
        match pid {
            Some(pid) if Some(pid) == standby => ExitedRole::Standby,
            Some(pid) if self.standby.retired.contains(&pid) => ExitedRole::Retired,
            _ => ExitedRole::Server,
        }
    }

    /// The standby's heartbeat, one tick beside each of the server's: a standby that leaves
    /// `heartbeat_misses` probes in a row unanswered is hung, and is killed and replaced like
    /// one that died (promoting it would bring no sound back).
    pub(crate) fn beat_standby(&mut self, ctx: &mut Context<Self>) {
        let Some(standby) = self.standby.standby.as_mut().filter(|s| s.ready) else {
            return;
        };
        let Some(osc) = standby.osc.clone() else {
            return;
        };
        match standby.monitor.tick(Instant::now(), standby.heard.get()) {
            Beat::Hung { missed } => self.standby_died(
                format!("hung: no answer to {missed} heartbeats in a row; killed"),
                ctx,
            ),
            Beat::Missed { .. } | Beat::Alive => {
                osc.do_send(SendBytes(Command::Status.to_bytes()));
            }
        }
    }

    /// The standby died or hung: drop it and say so.
    pub(crate) fn standby_died(&mut self, detail: String, ctx: &mut Context<Self>) {
        let port = self.standby.standby.as_ref().map(|s| s.port).unwrap_or(0);
        tracing::warn!(parent: &self.span, port, %detail, "the standby died");
        if let Some(stop) = self.take_standby() {
            // The next one boots on the same port, once the lost one has let go of it.
            ctx.spawn(
                stop.into_actor(self)
                    .map(|(), act, ctx| act.keep_standby(ctx)),
            );
        }
        self.tell_watcher(StandbyNotice::Lost {
            server: self.name.clone(),
            port,
            detail,
        });
    }

    /// Puts a ready standby in place of the server's dead or hung process; false when there is
    /// none (the caller then tears the server down). The caller has published why.
    pub(crate) fn promote(&mut self, detail: String, ctx: &mut Context<Self>) -> bool {
        if !self.standby.standby.as_ref().is_some_and(|s| s.ready) {
            return false;
        }
        let standby = self.standby.standby.take().expect("a ready standby");
        let Some(client_id) = self.state.borrow().client_id else {
            self.standby.standby = Some(standby);
            return false;
        };
        self.standby.generation += 1;
        self.stop_heartbeat();
        self.close_osc();
        if let Some(osc) = standby.osc {
            osc.do_send(Close);
        }
        let from = self.options.port;
        let retired = self.state.borrow().pid;
        if let Some(pid) = retired {
            self.standby.retire(pid);
        }
        if let Some((process, grace)) = self.take_process() {
            process.do_send(crate::process::Kill(crate::process::Signal::SIGKILL));
            self.standby.retiring = true;
            ctx.spawn(
                async move { shutdown(process, grace, true).await.jack }
                    .into_actor(self)
                    .map(move |jack, act, ctx| {
                        if let Some(pid) = retired {
                            crate::stale::forget(from, pid);
                        }
                        // The JACK server the failed process started stays: the promoted one
                        // and the next standby run on it.
                        if act.jack.is_none() {
                            act.jack = jack;
                        }
                        act.standby.retiring = false;
                        act.keep_standby(ctx);
                    }),
            );
        }
        self.options = self.options.swapped_ports();
        self.process = Some(standby.process);
        let options = self.options.clone();
        self.set(|s| {
            s.status = Status::Booting;
            s.options = options;
            s.pid = standby.pid;
            s.standby_port = None;
            s.standby_pid = None;
            s.promotions += 1;
        });
        self.span = tracing::info_span!("server", server = %self.name, port = self.options.port);
        tracing::warn!(parent: &self.span, from, %detail, "promoting the standby");
        self.standby.promotion = Some((from, detail));
        let connecting = self.connect(ctx, Some(client_id));
        ctx.wait(connecting.map(|result, act, _| {
            if let Err(error) = result {
                // The standby failed too: what is left is a cold restart.
                tracing::error!(parent: &act.span, %error, "the promoted standby did not answer");
                act.standby.promotion = None;
                act.publish(LifecycleEvent::Quit, Some(error.to_string()));
                act.forget_process();
            }
        }));
        true
    }

    /// The promoted standby answers: look at its tree, and tell the watcher.
    pub(crate) fn promoted(&mut self, ctx: &mut Context<Self>) {
        let Some((from, detail)) = self.standby.promotion.take() else {
            return;
        };
        ctx.address().do_send(RefreshMirror { group: 0 });
        if let Some(pid) = self.state.borrow().pid {
            self.record_process(self.options.port, pid, false);
        }
        self.tell_watcher(StandbyNotice::Promoted {
            server: self.name.clone(),
            port: self.options.port,
            from,
            detail,
        });
        self.keep_standby(ctx);
    }
}

/// See [`ServerActor::exited_role`].
pub(crate) enum ExitedRole {
    Server,
    Standby,
    Retired,
}
