//! What `scserver run` knows about its servers beyond their state: Prometheus metrics fed from
//! lifecycle and supervision notices and from each server's status replies, and the live facts
//! (uptime, last boot time, output levels) that `/servers` shows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use scserver::{ChildInfo, Level, LifecycleEvent, LifecycleNotice, Phase, Status};
use scserver::{SupervisionEvent, SupervisionNotice};
use scserver_actors::server::ServerState;

/// Every metric has one label: the server's name.
type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

fn labels(server: &str) -> Labels {
    vec![("server", server.to_owned())]
}

/// Heartbeat round trips from 0.1 ms to about 0.8 s (loopback answers take well under 1 ms; a
/// busy machine's take longer, a hang never answers).
fn round_trip_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 14))
}

/// Per server, what the notices told so far.
#[derive(Debug, Default, Clone)]
pub struct Track {
    /// When the current or last boot began.
    booting_at: Option<SystemTime>,
    /// When the server last came up; `None` while it is down.
    pub online_since: Option<SystemTime>,
    /// How long the last boot took, from Booting to Booted.
    pub last_boot: Option<Duration>,
    /// The process died while online, so the OscPanicked after it is no hang.
    crashed: bool,
    /// The heartbeat round trips already observed.
    round_trips_seen: u64,
    /// The last measured heartbeat round trip.
    pub round_trip: Option<Duration>,
    /// The latest output levels, one per hardware output channel; empty while down.
    pub levels: Vec<Level>,
}

/// The registry and the facts behind it, shared by the notice callbacks and the HTTP routes.
pub struct Metrics {
    registry: Registry,
    up: Family<Labels, Gauge>,
    restarts: Family<Labels, Counter>,
    crashes: Family<Labels, Counter>,
    hangs: Family<Labels, Counter>,
    boot_failures: Family<Labels, Counter>,
    promotions: Family<Labels, Counter>,
    round_trip: Family<Labels, Histogram, fn() -> Histogram>,
    cpu_average: Family<Labels, FloatGauge>,
    cpu_peak: Family<Labels, FloatGauge>,
    ugens: Family<Labels, Gauge>,
    synths: Family<Labels, Gauge>,
    groups: Family<Labels, Gauge>,
    synthdefs: Family<Labels, Gauge>,
    boot_time: Family<Labels, FloatGauge>,
    tracks: Mutex<BTreeMap<String, Track>>,
    /// The servers the last scrape showed: one gone since (a reload removed it) loses its series.
    shown: Mutex<BTreeSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("scserver"),
            up: Family::default(),
            restarts: Family::default(),
            crashes: Family::default(),
            hangs: Family::default(),
            boot_failures: Family::default(),
            promotions: Family::default(),
            round_trip: Family::new_with_constructor(round_trip_histogram),
            cpu_average: Family::default(),
            cpu_peak: Family::default(),
            ugens: Family::default(),
            synths: Family::default(),
            groups: Family::default(),
            synthdefs: Family::default(),
            boot_time: Family::default(),
            tracks: Mutex::new(BTreeMap::new()),
            shown: Mutex::new(BTreeSet::new()),
        };
        let r = &mut m.registry;
        r.register(
            "up",
            "1 while the server is running and online, else 0",
            m.up.clone(),
        );
        r.register(
            "restarts",
            "Restarts by the supervisor's policy",
            m.restarts.clone(),
        );
        r.register(
            "crashes",
            "Times the server's process died while online",
            m.crashes.clone(),
        );
        r.register(
            "hangs",
            "Times the heartbeat found the server silent while online",
            m.hangs.clone(),
        );
        r.register(
            "boot_failures",
            "Boots that failed",
            m.boot_failures.clone(),
        );
        r.register(
            "promotions",
            "Warm standbys promoted in place of a failed process",
            m.promotions.clone(),
        );
        r.register_with_unit(
            "heartbeat_round_trip",
            "From a heartbeat's /status to its /status.reply",
            Unit::Seconds,
            m.round_trip.clone(),
        );
        r.register(
            "cpu_average_percent",
            "scsynth's average CPU load (its last status reply)",
            m.cpu_average.clone(),
        );
        r.register(
            "cpu_peak_percent",
            "scsynth's peak CPU load (its last status reply)",
            m.cpu_peak.clone(),
        );
        r.register("ugens", "Running unit generators", m.ugens.clone());
        r.register("synths", "Synths", m.synths.clone());
        r.register("groups", "Groups, the root included", m.groups.clone());
        r.register("synthdefs", "Loaded SynthDefs", m.synthdefs.clone());
        r.register_with_unit(
            "boot",
            "How long the last boot took, from spawning scsynth to online",
            Unit::Seconds,
            m.boot_time.clone(),
        );
        m
    }
}

impl Metrics {
    fn track<T>(&self, server: &str, f: impl FnOnce(&mut Track) -> T) -> T {
        let mut tracks = self.tracks.lock().expect("metrics lock");
        f(tracks.entry(server.to_owned()).or_default())
    }

    /// A copy of what is known of one server.
    pub fn facts(&self, server: &str) -> Track {
        self.track(server, |t| t.clone())
    }

    /// Counts crashes, hangs and failed boots, and times boots.
    pub fn lifecycle(&self, n: &LifecycleNotice) {
        let l = labels(&n.server);
        self.track(&n.server, |t| match n.event {
            LifecycleEvent::Booting => {
                t.booting_at = Some(n.at);
                t.crashed = false;
            }
            LifecycleEvent::Booted => {
                t.online_since = Some(n.at);
                if let Some(took) = t.booting_at.and_then(|b| n.at.duration_since(b).ok()) {
                    t.last_boot = Some(took);
                    self.boot_time.get_or_create(&l).set(took.as_secs_f64());
                }
            }
            // An exit while online is a crash; before it, the boot failed. Its levels go with
            // the process (a promotion starts new meters).
            LifecycleEvent::ProcessPanicked if t.online_since.is_some() => {
                t.crashed = true;
                t.levels.clear();
                self.crashes.get_or_create(&l).inc();
            }
            LifecycleEvent::ProcessPanicked => {
                self.boot_failures.get_or_create(&l).inc();
            }
            // Silence while online, with the process still there, is a hang.
            LifecycleEvent::OscPanicked if t.online_since.is_some() && !t.crashed => {
                t.levels.clear();
                self.hangs.get_or_create(&l).inc();
            }
            LifecycleEvent::Quitting | LifecycleEvent::Quit => {
                t.online_since = None;
                t.levels.clear();
            }
            _ => {}
        });
    }

    /// Counts restarts and promotions.
    pub fn supervision(&self, n: &SupervisionNotice) {
        let counter = match n.event {
            SupervisionEvent::Restarting { .. } => &self.restarts,
            SupervisionEvent::Promoted { .. } => &self.promotions,
            _ => return,
        };
        counter.get_or_create(&labels(&n.server)).inc();
    }

    /// Observes a heartbeat round trip the state shows for the first time.
    pub fn state(&self, server: &str, state: &ServerState) {
        self.track(server, |t| {
            if state.heartbeat_round_trips == t.round_trips_seen {
                return;
            }
            t.round_trips_seen = state.heartbeat_round_trips;
            if let Some(took) = state.heartbeat_round_trip {
                t.round_trip = Some(took);
                self.round_trip
                    .get_or_create(&labels(server))
                    .observe(took.as_secs_f64());
            }
        });
    }

    /// Keeps the latest output levels of a server.
    pub fn levels(&self, server: &str, levels: Vec<Level>) {
        self.track(server, |t| t.levels = levels);
    }

    /// The registry in Prometheus' text format, its gauges read from `children` first.
    pub fn encode(&self, children: &[ChildInfo]) -> String {
        let names: BTreeSet<String> = children.iter().map(|c| c.name.clone()).collect();
        let gone: Vec<String> = {
            let mut shown = self.shown.lock().expect("metrics lock");
            let gone = shown.difference(&names).cloned().collect();
            *shown = names;
            gone
        };
        for name in gone {
            self.forget(&name);
        }
        for c in children {
            let l = labels(&c.name);
            self.up.get_or_create(&l).set(i64::from(is_up(c)));
            // Every counter shows from the start, at zero, so a rate over it needs no event first.
            for counter in self.counters() {
                let _ = counter.get_or_create(&l);
            }
            // A server that is down has no load or nodes to show, not its last ones.
            let Some(info) = c.state.status_info.as_ref().filter(|_| is_up(c)) else {
                self.forget_status(&l);
                continue;
            };
            self.cpu_average
                .get_or_create(&l)
                .set(f64::from(info.average_cpu_usage));
            self.cpu_peak
                .get_or_create(&l)
                .set(f64::from(info.peak_cpu_usage));
            self.ugens.get_or_create(&l).set(i64::from(info.ugen_count));
            self.synths
                .get_or_create(&l)
                .set(i64::from(info.synth_count));
            self.groups
                .get_or_create(&l)
                .set(i64::from(info.group_count));
            self.synthdefs
                .get_or_create(&l)
                .set(i64::from(info.synthdef_count));
        }
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

impl Metrics {
    /// The counters every server shows from the start.
    fn counters(&self) -> [&Family<Labels, Counter>; 5] {
        [
            &self.restarts,
            &self.crashes,
            &self.hangs,
            &self.boot_failures,
            &self.promotions,
        ]
    }

    /// Drops the series read from a server's status replies (a server that is down has no load
    /// or nodes to show).
    fn forget_status(&self, l: &Labels) {
        for gauge in [&self.ugens, &self.synths, &self.groups, &self.synthdefs] {
            gauge.remove(l);
        }
        for gauge in [&self.cpu_average, &self.cpu_peak] {
            gauge.remove(l);
        }
    }

    /// Drops every series and fact of a server that is no longer run.
    fn forget(&self, server: &str) {
        let l = labels(server);
        self.forget_status(&l);
        self.up.remove(&l);
        for family in self.counters() {
            family.remove(&l);
        }
        self.boot_time.remove(&l);
        self.round_trip.remove(&l);
        self.tracks.lock().expect("metrics lock").remove(server);
    }
}

/// Running by the supervisor and online.
pub fn is_up(c: &ChildInfo) -> bool {
    c.phase == Phase::Running && c.state.status == Status::Online
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(event: LifecycleEvent) -> LifecycleNotice {
        LifecycleNotice {
            server: "a".into(),
            port: 1,
            event,
            pid: None,
            jack_pid: None,
            client_id: None,
            at: SystemTime::now(),
            detail: None,
        }
    }

    fn count(m: &Metrics, name: &str) -> String {
        let text = m.encode(&[]);
        text.lines()
            .find(|l| l.starts_with(&format!("scserver_{name}_total{{server=\"a\"}}")))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_crash_is_no_hang_and_a_failed_boot_neither() {
        use LifecycleEvent::*;
        let m = Metrics::default();
        for e in [Booting, Booted, ProcessPanicked, OscPanicked, Quit] {
            m.lifecycle(&notice(e));
        }
        for e in [Booting, Booted, OscPanicked, Quit] {
            m.lifecycle(&notice(e));
        }
        for e in [Booting, ProcessPanicked] {
            m.lifecycle(&notice(e));
        }
        assert_eq!(count(&m, "crashes"), "1");
        assert_eq!(count(&m, "hangs"), "1");
        assert_eq!(count(&m, "boot_failures"), "1");
    }

    fn child(name: &str) -> ChildInfo {
        ChildInfo {
            name: name.into(),
            phase: Phase::Running,
            state: ServerState::offline(Default::default()),
            restarts: 0,
            error: None,
        }
    }

    #[test]
    fn a_server_no_longer_run_loses_its_series() {
        use LifecycleEvent::*;
        let m = Metrics::default();
        for e in [Booting, Booted, ProcessPanicked] {
            m.lifecycle(&notice(e));
        }
        let both = m.encode(&[child("a"), child("b")]);
        assert!(both.contains("scserver_up{server=\"b\"}"), "{both}");
        assert!(
            both.contains("scserver_crashes_total{server=\"a\"} 1"),
            "{both}"
        );
        let one = m.encode(&[child("b")]);
        assert!(!one.contains("server=\"a\""), "{one}");
        assert!(one.contains("scserver_up{server=\"b\"}"), "{one}");
    }
}
