//! systemd's notification protocol for `scserver run` under `Type=notify`: READY=1 once every
//! server is online, a STATUS= line whenever the count of online servers changes, and WATCHDOG=1
//! every half `WATCHDOG_USEC` when the unit has `WatchdogSec=`. Outside systemd (no
//! `NOTIFY_SOCKET`) it sends nothing.

use std::time::Duration;

use scserver::{ChildInfo, Status};
use sd_notify::NotifyState;

/// What has been told to systemd so far.
#[derive(Default)]
pub struct Notifier {
    ready: bool,
    status: String,
}

impl Notifier {
    /// Starts the watchdog pings (on the current actix arbiter, so they also go out during boots
    /// and reloads) when systemd asks for them, and says that the servers are booting.
    pub fn start(servers: usize) -> Notifier {
        if let Some(every) = watchdog_interval() {
            actix::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    send(&[NotifyState::Watchdog]);
                }
            });
        }
        let mut notifier = Notifier::default();
        notifier.say(format!("booting {servers} servers"));
        notifier
    }

    /// Reports the servers' states: READY=1 the first time all are online.
    pub fn update(&mut self, children: &[ChildInfo]) {
        let online = children
            .iter()
            .filter(|c| c.state.status == Status::Online)
            .count();
        let down: Vec<&str> = children
            .iter()
            .filter(|c| c.state.status != Status::Online)
            .map(|c| c.name.as_str())
            .collect();
        let mut status = format!("{online} of {} servers online", children.len());
        if !down.is_empty() {
            status += &format!("; not online: {}", down.join(", "));
        }
        if down.is_empty() && !self.ready {
            self.ready = true;
            send(&[NotifyState::Ready, NotifyState::Status(&status)]);
            self.status = status;
            return;
        }
        self.say(status);
    }

    /// Says that everything is being quit.
    pub fn stopping(&mut self) {
        send(&[NotifyState::Stopping]);
        self.say("quitting every server".to_owned());
    }

    fn say(&mut self, status: String) {
        if status != self.status {
            send(&[NotifyState::Status(&status)]);
            self.status = status;
        }
    }
}

/// Half the watchdog timeout systemd set, when it set one for this process.
/// As `sd_watchdog_enabled(3)` says, a missing `WATCHDOG_PID` means the watchdog is ours.
fn watchdog_interval() -> Option<Duration> {
    let mut usec = 0;
    let ours = sd_notify::watchdog_enabled(false, &mut usec) || {
        usec = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
        std::env::var_os("WATCHDOG_PID").is_none()
    };
    (ours && usec > 0).then(|| Duration::from_micros(usec / 2))
}

fn send(states: &[NotifyState]) {
    // NOTIFY_SOCKET is kept: every later notification needs it.
    if let Err(error) = sd_notify::notify(false, states) {
        tracing::warn!(%error, "cannot notify systemd");
    }
}
