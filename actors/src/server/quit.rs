//! Quit, Disconnect, Reboot, and what happens when the process dies on its own.

use actix::prelude::*;
use scserver_core::command::Command;
use scserver_core::LifecycleEvent;

use super::standby::ExitedRole;
use super::{shutdown, ServerActor, Status};
use crate::error::ServerError;
use crate::process::ProcessExited;

type Transition = ResponseActFuture<ServerActor, Result<(), ServerError>>;

fn done(result: Result<(), ServerError>) -> Transition {
    Box::pin(actix::fut::ready(result))
}

/// Quit the server: `/quit`, then (owned) wait for the exit, escalating to SIGTERM and SIGKILL.
/// Quitting a server this client does not own needs `force`. Quiet when already offline.
///
/// Events (owner): Quitting, Disconnecting, OscDisconnected, Disconnected, ProcessQuit, Quit;
/// (non-owner, forced): the same without ProcessQuit.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Quit {
    /// Quit even a server this client does not own.
    pub force: bool,
}

impl Handler<Quit> for ServerActor {
    type Result = Transition;

    fn handle(&mut self, msg: Quit, _: &mut Self::Context) -> Transition {
        self.quit(msg.force)
    }
}

/// Detach from a server this client does not own: `/notify 0`, then close the socket.
///
/// Events: Disconnecting, OscDisconnected, Disconnected.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Disconnect;

impl Handler<Disconnect> for ServerActor {
    type Result = Transition;

    fn handle(&mut self, _: Disconnect, _: &mut Self::Context) -> Transition {
        let (status, owned) = {
            let s = self.state.borrow();
            (s.status, s.owned)
        };
        if owned {
            return done(Err(ServerError::Owner));
        }
        if status != Status::Online {
            return done(Err(ServerError::InvalidState {
                action: "disconnect",
                status: status.name(),
            }));
        }
        self.set(|s| s.status = Status::Quitting);
        self.publish(LifecycleEvent::Disconnecting, None);
        let link = self.link();
        let timeout = self.options().quit_timeout;
        Box::pin(
            async move {
                if let Some(link) = link {
                    // Frees the login slot: scsynth never expires registered clients by itself.
                    let unregister = link.execute(Command::Notify {
                        enable: false,
                        client_id: None,
                    });
                    let _ = tokio::time::timeout(timeout, unregister).await;
                }
            }
            .into_actor(self)
            .map(|_, act, _| {
                act.close_osc();
                act.publish(LifecycleEvent::OscDisconnected, None);
                act.forget_connection();
                act.publish(LifecycleEvent::Disconnected, None);
                Ok(())
            }),
        )
    }
}

/// Quit, then boot again with the same options.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Reboot;

impl Handler<Reboot> for ServerActor {
    type Result = Transition;

    fn handle(&mut self, _: Reboot, _: &mut Self::Context) -> Transition {
        Box::pin(self.quit(false).then(|result, act, ctx| match result {
            Ok(()) => act.boot(None, ctx),
            Err(e) => done(Err(e)),
        }))
    }
}

impl ServerActor {
    pub(crate) fn quit(&mut self, force: bool) -> Transition {
        let (status, owned) = {
            let s = self.state.borrow();
            (s.status, s.owned)
        };
        match status {
            Status::Offline => {
                // Also ends the probing of a silent server we do not own: the user gave up on it.
                self.stop_heartbeat();
                return self.release_jack();
            }
            Status::Online => {}
            other => {
                return done(Err(ServerError::InvalidState {
                    action: "quit",
                    status: other.name(),
                }))
            }
        }
        if !owned && !force {
            return done(Err(ServerError::NotOwner));
        }
        self.set(|s| s.status = Status::Quitting);
        self.publish(LifecycleEvent::Quitting, None);
        let link = self.link();
        let timeout = self.options().quit_timeout;
        Box::pin(
            async move {
                if let Some(link) = link {
                    let asked = link.execute(Command::Quit);
                    if tokio::time::timeout(timeout, asked).await.is_err() {
                        tracing::warn!("no /done /quit; stopping the process by signal");
                    }
                }
            }
            .into_actor(self)
            .then(move |_, act, _| {
                act.publish(LifecycleEvent::Disconnecting, None);
                act.close_osc();
                act.publish(LifecycleEvent::OscDisconnected, None);
                act.publish(LifecycleEvent::Disconnected, None);
                let process = act.take_process();
                let standby = act.take_standby();
                let (parked, grace) = (act.jack.take(), act.options.quit_timeout);
                async move {
                    let (exit, ()) = futures::join!(
                        async move {
                            match process {
                                Some((process, grace)) => shutdown(process, grace, false)
                                    .await
                                    .exit
                                    .map(|e| e.to_string()),
                                None => None,
                            }
                        },
                        async move {
                            if let Some(standby) = standby {
                                standby.await;
                            }
                        }
                    );
                    // The JACK server a process that died before left for its successor.
                    if let Some(jack) = parked {
                        jack.stop(grace).await;
                    }
                    exit
                }
                .into_actor(act)
                .map(move |exit, act, _| {
                    if owned {
                        act.publish(LifecycleEvent::ProcessQuit, exit);
                    }
                    act.forget_connection();
                    act.publish(LifecycleEvent::Quit, None);
                    act.forget_process();
                    Ok(())
                })
            }),
        )
    }
}

impl ServerActor {
    /// Stops a JACK server kept from a process that died, when no boot is to use it.
    fn release_jack(&mut self) -> Transition {
        let Some(jack) = self.jack.take() else {
            return done(Ok(()));
        };
        let grace = self.options.quit_timeout;
        Box::pin(jack.stop(grace).into_actor(self).map(|_, act, _| {
            act.set(|s| s.jack_pid = None);
            Ok(())
        }))
    }

    /// The end of an unasked-for stop (a dead process, a silent server): Disconnecting, then —
    /// once a process of ours is gone — Disconnected and, for an owned server, Quit. A process
    /// already dead costs no wait. Its dummy JACK server is kept for the next boot (a supervisor's
    /// restart); `quit` stops it. A silent server this client does not own is probed until it
    /// answers.
    pub(crate) fn tear_down(&mut self, ctx: &mut Context<Self>, owned: bool) {
        self.publish(LifecycleEvent::Disconnecting, None);
        self.close_osc();
        // A cold restart boots a new standby beside the new server.
        self.drop_standby();
        let process = self.take_process();
        ctx.wait(
            async move {
                match process {
                    Some((process, grace)) => shutdown(process, grace, true).await.jack,
                    None => None,
                }
            }
            .into_actor(self)
            .map(move |jack, act, ctx| {
                if jack.is_some() {
                    act.jack = jack;
                }
                act.forget_connection();
                act.publish(LifecycleEvent::Disconnected, None);
                if owned {
                    act.publish(LifecycleEvent::Quit, None);
                    act.forget_process();
                } else {
                    act.start_probing(ctx);
                }
            }),
        );
    }
}

impl Handler<ProcessExited> for ServerActor {
    type Result = ();

    /// The process ended without a quit: ProcessPanicked, OscPanicked, then the promotion of a
    /// ready standby (see [`super::standby`]) or Disconnecting, Disconnected, Quit. During a quit
    /// the exit is expected and the quit reports it. The standby's own death is no event.
    fn handle(&mut self, msg: ProcessExited, ctx: &mut Self::Context) {
        match self.exited_role(msg.pid) {
            ExitedRole::Retired => return,
            ExitedRole::Standby => return self.standby_died(msg.info.to_string(), ctx),
            ExitedRole::Server => {}
        }
        match self.status() {
            Status::Quitting | Status::Offline => {}
            Status::Booting => {
                // Still connecting: make the waiting steps fail now; boot reports the failure.
                self.conn.router.do_send(crate::router::FailAll);
            }
            Status::Online => {
                self.set(|s| s.status = Status::Quitting);
                let detail = msg.info.to_string();
                self.publish(LifecycleEvent::ProcessPanicked, Some(detail.clone()));
                self.publish(LifecycleEvent::OscPanicked, None);
                if !self.promote(detail, ctx) {
                    self.tear_down(ctx, true);
                }
            }
        }
    }
}
