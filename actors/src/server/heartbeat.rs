//! The heartbeat: while a server is online, `/status` every `heartbeat_interval`; any message
//! from the server counts as an answer (the router stamps [`crate::heard::LastHeard`] for each). After
//! `heartbeat_misses` unanswered probes in a row the server is hung:
//!
//! - owned: OscPanicked, SIGKILL, Disconnecting, Disconnected, Quit (a supervisor then applies the
//!   restart policy);
//! - not owned: OscPanicked, Disconnecting, Disconnected, then a probe from the same local port
//!   every interval; when the server answers again the client reconnects from that port and
//!   re-sends `/notify 1`, adopting its old id if scsynth still knows it. A `quit()` while
//!   offline ends the probing.
//!
//! `/status.reply`s (the heartbeat's and anyone's) keep the last [`StatusInfo`] in the state.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix::prelude::*;
use rosc::OscMessage;
use scserver_core::reply::{Reply, StatusInfo};

use super::notifications::RefreshMirror;
use scserver_core::command::Command;
use scserver_core::supervision::{Beat, Heartbeat};
use scserver_core::{LifecycleEvent, Pattern};

use super::boot::Connect;
use super::{ServerActor, Status};
use crate::osc::{udp, SendBytes};
use crate::process::{Kill, Signal};
use crate::router::{AddCallback, Sink};

/// The router callback id the heartbeat uses for `/status.reply`; user ids count up from 1.
const STATUS_CALLBACK: u64 = u64::MAX - 1;

/// The heartbeat's part of the server actor.
#[derive(Debug, Default)]
pub(crate) struct HeartbeatState {
    /// Bumped at every start and stop; a tick of an older generation ends its chain.
    generation: u64,
    /// Whether the router has the `/status.reply` callback (a new router has not).
    pub(super) callback: bool,
    probing: bool,
    /// Status replies in a row whose node count disagrees with the mirror's.
    mismatches: u32,
    /// The (server, mirror) counts a refresh was last asked for: one that could not fix them
    /// (a tree too large for one reply) is not asked for again until the counts change.
    refreshed_for: Option<(usize, usize)>,
    /// When the last probe went out, until a `/status.reply` measures its round trip.
    sent: Option<Instant>,
}

/// A `/status.reply` arrived (from any request, the heartbeat's included).
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct StatusReply(OscMessage);

impl Handler<StatusReply> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: StatusReply, ctx: &mut Self::Context) {
        match scserver_core::reply::parse(&msg.0) {
            Ok(Reply::Status(info)) => {
                self.check_mirror(&info, ctx);
                let round_trip = self.heartbeat.sent.take().map(|sent| sent.elapsed());
                self.set(|s| {
                    s.status_info = Some(info);
                    if round_trip.is_some() {
                        s.heartbeat_round_trip = round_trip;
                        s.heartbeat_round_trips += 1;
                    }
                });
            }
            other => tracing::debug!(parent: &self.span, ?other, "unreadable /status.reply"),
        }
    }
}

impl ServerActor {
    /// scsynth drops node notifications when a burst overflows its queue, and nothing says so.
    /// Every status reply counts the server's groups and synths: when the mirror disagrees twice
    /// in a row (once can be notifications still on their way), it is read again from the server.
    fn check_mirror(&mut self, info: &StatusInfo, ctx: &mut Context<Self>) {
        if self.status() != Status::Online {
            return;
        }
        let server = (info.group_count + info.synth_count) as usize;
        let mirrored = match self.notifications.mirror().read() {
            Ok(mirror) => mirror.len(),
            Err(_) => return,
        };
        if server == mirrored {
            self.heartbeat.mismatches = 0;
            self.heartbeat.refreshed_for = None;
            return;
        }
        self.heartbeat.mismatches += 1;
        if self.heartbeat.mismatches >= 2
            && self.heartbeat.refreshed_for != Some((server, mirrored))
        {
            self.heartbeat.refreshed_for = Some((server, mirrored));
            tracing::debug!(parent: &self.span, server, mirrored, "node mirror out of step; refreshing");
            self.heartbeat.mismatches = 0;
            ctx.address().do_send(RefreshMirror { group: 0 });
        }
    }
}

fn status_bytes() -> Vec<u8> {
    Command::Status.to_bytes()
}

impl ServerActor {
    /// Starts probing; called when the server goes online. A running heartbeat is replaced.
    pub(crate) fn start_heartbeat(&mut self, ctx: &mut Context<Self>) {
        if !self.heartbeat.callback {
            self.heartbeat.callback = true;
            let me = ctx.address();
            self.conn.router.do_send(AddCallback {
                id: STATUS_CALLBACK,
                pattern: Pattern::new("/status.reply"),
                failure_pattern: None,
                once: false,
                sink: Sink::Fn(Box::new(move |m| me.do_send(StatusReply(m.clone())))),
            });
        }
        self.heartbeat.generation += 1;
        self.heartbeat.probing = false;
        self.heartbeat.sent = None;
        let generation = self.heartbeat.generation;
        let (interval, misses) = (
            self.options.heartbeat_interval,
            self.options.heartbeat_misses,
        );
        tracing::debug!(parent: &self.span, ?interval, misses, "heartbeat started");
        self.beat(generation, Heartbeat::new(misses), interval, ctx);
    }

    /// Stops probing (quit, disconnect, death); harmless when not running.
    pub(crate) fn stop_heartbeat(&mut self) {
        self.heartbeat.generation += 1;
    }

    fn beat(
        &mut self,
        generation: u64,
        mut monitor: Heartbeat,
        interval: Duration,
        ctx: &mut Context<Self>,
    ) {
        if generation != self.heartbeat.generation || self.status() != Status::Online {
            return;
        }
        let Some(osc) = self.conn.osc.clone() else {
            return;
        };
        match monitor.tick(Instant::now(), self.conn.heard.get()) {
            Beat::Hung { missed } => {
                self.stop_heartbeat();
                self.hung(missed, interval, ctx);
                return;
            }
            Beat::Missed { missed } => {
                tracing::debug!(parent: &self.span, missed, "heartbeat missed");
            }
            Beat::Alive => {}
        }
        osc.do_send(SendBytes(status_bytes()));
        self.heartbeat.sent = Some(Instant::now());
        self.beat_standby(ctx);
        ctx.run_later(interval, move |act, ctx| {
            act.beat(generation, monitor, interval, ctx)
        });
    }

    /// The server stopped answering while online.
    fn hung(&mut self, missed: u32, interval: Duration, ctx: &mut Context<Self>) {
        let owned = self.state.borrow().owned;
        let detail = format!(
            "no message from the server for {missed} heartbeats in a row ({interval:?} apart){}",
            if owned { "; killing the process" } else { "" }
        );
        tracing::warn!(parent: &self.span, "{detail}");
        self.set(|s| s.status = Status::Quitting);
        self.publish(LifecycleEvent::OscPanicked, Some(detail.clone()));
        if owned && self.promote(detail, ctx) {
            return;
        }
        if owned {
            if let Some(process) = &self.process {
                process.do_send(Kill(Signal::SIGKILL));
            }
        }
        self.tear_down(ctx, owned);
    }

    /// Probes a silent server this client does not own, from the local port it was registered
    /// with, until it answers; then reconnects.
    pub(crate) fn start_probing(&mut self, ctx: &mut Context<Self>) {
        self.heartbeat.generation += 1;
        self.heartbeat.probing = true;
        let generation = self.heartbeat.generation;
        self.probe(generation, ctx);
    }

    fn probe(&mut self, generation: u64, ctx: &mut Context<Self>) {
        if generation != self.heartbeat.generation
            || !self.heartbeat.probing
            || self.status() != Status::Offline
        {
            return;
        }
        let server = self.server_addr();
        let interval = self.options().heartbeat_interval;
        ctx.spawn(
            probe_once(server, self.conn.local_port, interval)
                .into_actor(self)
                .map(move |answered, act, ctx| {
                    if generation != act.heartbeat.generation || act.status() != Status::Offline {
                        return;
                    }
                    if answered {
                        act.heartbeat.probing = false;
                        tracing::info!(parent: &act.span, "the server answers again; reconnecting");
                        let me = ctx.address();
                        actix::spawn(async move {
                            match me.send(Connect(None)).await {
                                Ok(Ok(())) => {}
                                Ok(Err(e)) => tracing::warn!(error = %e, "reconnect failed"),
                                Err(_) => {}
                            }
                        });
                    } else {
                        act.probe(generation, ctx);
                    }
                }),
        );
    }
}

/// One probe: bind the old local port, send `/status`, wait `wait` for any datagram from the
/// server. The socket is closed before this returns, so a reconnect can bind the port again.
async fn probe_once(server: SocketAddr, local_port: u16, wait: Duration) -> bool {
    let started = Instant::now();
    let socket = match udp::bind(server, local_port, None) {
        Ok(s) => s,
        Err(e) => {
            // The old connection's socket may still be closing; try again next time.
            tracing::debug!(error = %e, local_port, "cannot bind the probe socket yet");
            tokio::time::sleep(wait).await;
            return false;
        }
    };
    match udp::exchange(&socket, server, &status_bytes(), wait, |_| Some(())).await {
        Ok(()) => true,
        Err(udp::Unanswered::Silent) => false,
        // ICMP "port unreachable" while the server is down: wait out the interval.
        Err(udp::Unanswered::Unreachable(_) | udp::Unanswered::Send(_)) => {
            tokio::time::sleep(wait.saturating_sub(started.elapsed())).await;
            false
        }
    }
}
