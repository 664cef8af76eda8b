//! Supervision decisions, without timers or processes: when a server that stopped is started
//! again, after how long, when to give up, and when a silent server counts as hung.
//!
//! The restart budget follows Erlang/OTP: at most `max_restarts` restarts within any
//! `restart_window`; one more failure inside the window and the supervisor gives up. As in OTP,
//! the first failure after a quiet window is restarted at once: sound comes back one scsynth boot
//! after a crash. Only failures that repeat inside the window wait, from `backoff_min` doubling
//! to `backoff_max`, so a server that cannot stay up does not spin.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::options::{Options, RestartPolicy};

/// How a server came to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stop {
    /// It was asked to quit (or its owner quit it on purpose).
    Clean,
    /// It crashed, hung, or could not boot.
    Failure,
}

/// What the supervisor should do about a stopped server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Boot it again after `delay`; `attempt` counts restarts inside the current window, from 1.
    Restart {
        /// 1 for the first restart inside the window.
        attempt: u32,
        /// How long to wait before booting: zero for the first attempt, see [`restart_delay`].
        delay: Duration,
    },
    /// The policy says to leave it stopped.
    Leave,
    /// The restart budget is spent: `max_restarts` restarts already happened inside the window.
    GiveUp {
        /// Restarts counted inside the window.
        restarts: u32,
        /// The window.
        window: Duration,
    },
}

/// The delay before restart number `attempt` (1-based): `min · 2^(attempt-1)`, at most `max`.
pub fn backoff(attempt: u32, min: Duration, max: Duration) -> Duration {
    let doublings = attempt.saturating_sub(1).min(31);
    min.checked_mul(1u32 << doublings).unwrap_or(max).min(max)
}

/// The wait before restart number `attempt` inside the window (1-based): none for the first, a
/// failure after a quiet period; then [`backoff`] from `min` for each failure that repeats.
pub fn restart_delay(attempt: u32, min: Duration, max: Duration) -> Duration {
    match attempt {
        0 | 1 => Duration::ZERO,
        n => backoff(n - 1, min, max),
    }
}

/// Whether `policy` restarts a server that stopped this way.
pub fn wants_restart(policy: RestartPolicy, stop: Stop) -> bool {
    match policy {
        RestartPolicy::Never => false,
        RestartPolicy::OnFailure => stop == Stop::Failure,
        RestartPolicy::Always => true,
    }
}

/// One server's restart policy and the restarts it has spent.
#[derive(Debug, Clone)]
pub struct RestartBudget {
    policy: RestartPolicy,
    max_restarts: u32,
    window: Duration,
    backoff_min: Duration,
    backoff_max: Duration,
    restarts: VecDeque<Instant>,
}

impl RestartBudget {
    /// The budget that `options` describe, with nothing spent.
    pub fn new(options: &Options) -> Self {
        RestartBudget {
            policy: options.restart,
            max_restarts: options.max_restarts,
            window: options.restart_window,
            backoff_min: options.backoff_min,
            backoff_max: options.backoff_max,
            restarts: VecDeque::new(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> RestartPolicy {
        self.policy
    }

    /// Restarts counted inside the window ending at `now`.
    pub fn spent(&mut self, now: Instant) -> u32 {
        while self
            .restarts
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            self.restarts.pop_front();
        }
        self.restarts.len() as u32
    }

    /// Decides what to do about a server that stopped at `now`, and counts the restart if there
    /// is one.
    pub fn on_stop(&mut self, stop: Stop, now: Instant) -> Decision {
        if !wants_restart(self.policy, stop) {
            return Decision::Leave;
        }
        let spent = self.spent(now);
        if spent >= self.max_restarts {
            return Decision::GiveUp {
                restarts: spent,
                window: self.window,
            };
        }
        self.restarts.push_back(now);
        let attempt = spent + 1;
        Decision::Restart {
            attempt,
            delay: restart_delay(attempt, self.backoff_min, self.backoff_max),
        }
    }

    /// Forgets every restart, e.g. after the user started a server that had been given up on.
    pub fn clear(&mut self) {
        self.restarts.clear();
    }
}

/// What a heartbeat tick found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// The server was heard since the last probe: send the next one.
    Alive,
    /// Nothing since the last probe; `missed` probes in a row so far. Send the next one.
    Missed {
        /// Probes in a row without any message from the server.
        missed: u32,
    },
    /// `missed` probes in a row went without any message: the server is hung.
    Hung {
        /// Probes in a row without any message from the server.
        missed: u32,
    },
}

/// Counts heartbeat probes that went unanswered.
///
/// Any message from the server counts as an answer, not only `/status.reply`. Misses are counted
/// per tick rather than from wall-clock silence, so a client that was itself stalled (a busy
/// thread, a suspended laptop) counts one miss for the stall, not many: no false alarm.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    allowed: u32,
    missed: u32,
    probe_sent: Option<Instant>,
}

impl Heartbeat {
    /// A heartbeat that declares a hang after `misses` unanswered probes in a row (at least 1).
    pub fn new(misses: u32) -> Self {
        Heartbeat {
            allowed: misses.max(1),
            missed: 0,
            probe_sent: None,
        }
    }

    /// One tick at `now`; `last_heard` is when the last message from the server arrived. Unless
    /// the answer is [`Beat::Hung`], the caller sends a probe now.
    pub fn tick(&mut self, now: Instant, last_heard: Option<Instant>) -> Beat {
        let answered = match (self.probe_sent, last_heard) {
            (None, _) => true,
            (Some(sent), Some(heard)) => heard >= sent,
            (Some(_), None) => false,
        };
        if answered {
            self.missed = 0;
        } else {
            self.missed += 1;
        }
        if self.missed >= self.allowed {
            return Beat::Hung {
                missed: self.missed,
            };
        }
        self.probe_sent = Some(now);
        if self.missed == 0 {
            Beat::Alive
        } else {
            Beat::Missed {
                missed: self.missed,
            }
        }
    }
}

/// What the supervisor did, published beside the 14 lifecycle events (which stay supriya's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
#[non_exhaustive]
pub enum SupervisionEvent {
    /// The server stopped and will be booted again after `delay`.
    Restarting {
        /// Restarts inside the current window, from 1.
        attempt: u32,
        /// The backoff before the boot.
        #[serde(with = "humantime_serde")]
        delay: Duration,
    },
    /// The server is up again, with its remembered state and the user's hook replayed.
    Restarted {
        /// The attempt that succeeded.
        attempt: u32,
    },
    /// The server crashed or hung and its warm standby took its place: `port` serves now,
    /// `from` was the failed server's.
    Promoted {
        /// The port now serving.
        port: u16,
        /// The failed server's port.
        from: u16,
    },
    /// A warm standby is booted on `port`, holding this client's durable state.
    StandbyReady {
        /// The standby's port.
        standby_port: u16,
    },
    /// The warm standby on `port` died (another is booted).
    StandbyLost {
        /// The standby's port.
        standby_port: u16,
    },
    /// Too many restarts inside the window: the server stays down.
    GaveUp {
        /// Restarts counted inside the window.
        restarts: u32,
        /// The window.
        #[serde(with = "humantime_serde")]
        window: Duration,
    },
}

impl SupervisionEvent {
    /// The snake_case name used in logs and JSON output.
    pub fn name(&self) -> &'static str {
        match self {
            SupervisionEvent::Restarting { .. } => "restarting",
            SupervisionEvent::Restarted { .. } => "restarted",
            SupervisionEvent::Promoted { .. } => "promoted",
            SupervisionEvent::StandbyReady { .. } => "standby_ready",
            SupervisionEvent::StandbyLost { .. } => "standby_lost",
            SupervisionEvent::GaveUp { .. } => "gave_up",
        }
    }
}

impl fmt::Display for SupervisionEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisionEvent::Restarting { attempt, delay } => {
                write!(f, "restarting (attempt {attempt}, in {delay:?})")
            }
            SupervisionEvent::Restarted { attempt } => write!(f, "restarted (attempt {attempt})"),
            SupervisionEvent::Promoted { port, from } => {
                write!(f, "promoted the standby: port {port} serves (was {from})")
            }
            SupervisionEvent::StandbyReady { standby_port } => {
                write!(f, "standby ready on port {standby_port}")
            }
            SupervisionEvent::StandbyLost { standby_port } => {
                write!(f, "standby on port {standby_port} lost")
            }
            SupervisionEvent::GaveUp { restarts, window } => {
                write!(f, "gave up ({restarts} restarts within {window:?})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn budget(policy: RestartPolicy, max: u32, window: Duration) -> RestartBudget {
        RestartBudget::new(&Options {
            restart: policy,
            max_restarts: max,
            restart_window: window,
            backoff_min: ms(100),
            backoff_max: ms(1000),
            ..Options::default()
        })
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let d: Vec<_> = (1..=6).map(|a| backoff(a, ms(100), ms(1000))).collect();
        assert_eq!(d, [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
        assert_eq!(backoff(0, ms(100), ms(1000)), ms(100));
        assert_eq!(backoff(u32::MAX, ms(100), ms(1000)), ms(1000));
        assert_eq!(backoff(40, Duration::MAX, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn the_first_failure_after_a_quiet_period_restarts_at_once() {
        let d: Vec<_> = (1..=5)
            .map(|a| restart_delay(a, ms(100), ms(300)))
            .collect();
        assert_eq!(d, [Duration::ZERO, ms(100), ms(200), ms(300), ms(300)]);
        assert_eq!(restart_delay(0, ms(100), ms(300)), Duration::ZERO);
        // Crashes spaced wider than the window are each a first one: never a delay.
        let mut b = budget(RestartPolicy::OnFailure, 3, Duration::from_secs(10));
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(
                b.on_stop(Stop::Failure, t0 + Duration::from_secs(11 * i)),
                Decision::Restart {
                    attempt: 1,
                    delay: Duration::ZERO
                }
            );
        }
        // Two inside the window: the second one waits.
        assert_eq!(
            b.on_stop(Stop::Failure, t0 + Duration::from_secs(45)),
            Decision::Restart {
                attempt: 2,
                delay: ms(100)
            }
        );
    }

    #[test]
    fn policies() {
        use RestartPolicy::*;
        assert!(!wants_restart(Never, Stop::Failure));
        assert!(!wants_restart(Never, Stop::Clean));
        assert!(wants_restart(OnFailure, Stop::Failure));
        assert!(!wants_restart(OnFailure, Stop::Clean));
        assert!(wants_restart(Always, Stop::Failure));
        assert!(wants_restart(Always, Stop::Clean));
        let mut never = budget(Never, 3, ms(1000));
        assert_eq!(
            never.on_stop(Stop::Failure, Instant::now()),
            Decision::Leave
        );
    }

    #[test]
    fn gives_up_after_max_restarts_inside_the_window() {
        let mut b = budget(RestartPolicy::OnFailure, 3, Duration::from_secs(10));
        let t0 = Instant::now();
        let got: Vec<_> = (0..4)
            .map(|i| b.on_stop(Stop::Failure, t0 + ms(i * 10)))
            .collect();
        assert_eq!(
            got,
            [
                Decision::Restart {
                    attempt: 1,
                    delay: Duration::ZERO
                },
                Decision::Restart {
                    attempt: 2,
                    delay: ms(100)
                },
                Decision::Restart {
                    attempt: 3,
                    delay: ms(200)
                },
                Decision::GiveUp {
                    restarts: 3,
                    window: Duration::from_secs(10)
                },
            ]
        );
        // A clean stop is left alone by on-failure, and spends nothing.
        assert_eq!(b.on_stop(Stop::Clean, t0), Decision::Leave);
    }

    #[test]
    fn the_window_slides() {
        let mut b = budget(RestartPolicy::Always, 2, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(matches!(
            b.on_stop(Stop::Clean, t0),
            Decision::Restart { attempt: 1, .. }
        ));
        assert!(matches!(
            b.on_stop(Stop::Failure, t0 + ms(500)),
            Decision::Restart { attempt: 2, .. }
        ));
        assert!(matches!(
            b.on_stop(Stop::Failure, t0 + ms(900)),
            Decision::GiveUp { .. }
        ));
        // The first restart leaves the window at t0 + 1 s: room for one more, a repeated
        // failure, so it waits the first backoff.
        assert_eq!(
            b.on_stop(Stop::Failure, t0 + ms(1000)),
            Decision::Restart {
                attempt: 2,
                delay: ms(100)
            }
        );
        // Long after, the budget is whole again: a first failure, restarted at once.
        assert_eq!(
            b.on_stop(Stop::Failure, t0 + ms(5000)),
            Decision::Restart {
                attempt: 1,
                delay: Duration::ZERO
            }
        );
        b.clear();
        assert_eq!(b.spent(t0 + ms(5000)), 0);
    }

    #[test]
    fn zero_max_restarts_gives_up_at_once() {
        let mut b = budget(RestartPolicy::OnFailure, 0, ms(1000));
        assert!(matches!(
            b.on_stop(Stop::Failure, Instant::now()),
            Decision::GiveUp { restarts: 0, .. }
        ));
    }

    #[test]
    fn heartbeat_counts_unanswered_probes() {
        let mut h = Heartbeat::new(3);
        let t0 = Instant::now();
        assert_eq!(h.tick(t0, None), Beat::Alive);
        // Answered after the probe.
        assert_eq!(h.tick(t0 + ms(250), Some(t0 + ms(2))), Beat::Alive);
        // Silence.
        assert_eq!(
            h.tick(t0 + ms(500), Some(t0 + ms(2))),
            Beat::Missed { missed: 1 }
        );
        assert_eq!(
            h.tick(t0 + ms(750), Some(t0 + ms(2))),
            Beat::Missed { missed: 2 }
        );
        // Any message revives it.
        assert_eq!(h.tick(t0 + ms(1000), Some(t0 + ms(800))), Beat::Alive);
        assert_eq!(
            h.tick(t0 + ms(1250), Some(t0 + ms(800))),
            Beat::Missed { missed: 1 }
        );
        assert_eq!(
            h.tick(t0 + ms(1500), Some(t0 + ms(800))),
            Beat::Missed { missed: 2 }
        );
        assert_eq!(
            h.tick(t0 + ms(1750), Some(t0 + ms(800))),
            Beat::Hung { missed: 3 }
        );
    }

    #[test]
    fn a_stalled_client_counts_one_miss_not_many() {
        let mut h = Heartbeat::new(2);
        let t0 = Instant::now();
        h.tick(t0, None);
        // The client's thread stalled for 10 s; the reply is still in the socket.
        assert_eq!(
            h.tick(t0 + ms(10_000), Some(t0 - ms(1))),
            Beat::Missed { missed: 1 }
        );
        assert_eq!(h.tick(t0 + ms(10_001), Some(t0 + ms(10_000))), Beat::Alive);
    }

    #[test]
    fn heartbeat_never_hangs_at_zero_misses() {
        let mut h = Heartbeat::new(0);
        let t0 = Instant::now();
        h.tick(t0, None);
        assert_eq!(h.tick(t0 + ms(1), None), Beat::Hung { missed: 1 });
    }

    #[test]
    fn events_serialize_with_their_names() {
        let e = SupervisionEvent::Restarting {
            attempt: 2,
            delay: ms(200),
        };
        assert_eq!(e.name(), "restarting");
        assert_eq!(e.to_string(), "restarting (attempt 2, in 200ms)");
        let g = SupervisionEvent::GaveUp {
            restarts: 3,
            window: Duration::from_secs(30),
        };
        assert_eq!(g.to_string(), "gave up (3 restarts within 30s)");
        let p = SupervisionEvent::Promoted {
            port: 58110,
            from: 57110,
        };
        assert_eq!(p.name(), "promoted");
        assert_eq!(
            p.to_string(),
            "promoted the standby: port 58110 serves (was 57110)"
        );
    }
}
