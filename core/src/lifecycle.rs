//! The lifecycle events of a server, named after supriya's `ServerLifecycleEvent`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One step in a server's life. The declaration order is supriya's; the order in which they are
/// published for each transition is fixed (boot, quit, connect, disconnect, failure, death) and
/// listed on each transition's documentation in `scserver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifecycleEvent {
    /// The process is about to be spawned.
    Booting,
    /// The process printed its ready line.
    ProcessBooted,
    /// The OSC transport is being opened.
    Connecting,
    /// The OSC transport is open and the server answered.
    OscConnected,
    /// Registered for notifications with a client id.
    Connected,
    /// An owned server is fully up: default group created, synced.
    Booted,
    /// The server stopped answering OSC (or its process is gone).
    OscPanicked,
    /// The process exited without being asked to, or failed to boot.
    ProcessPanicked,
    /// A quit was asked for.
    Quitting,
    /// The client is unregistering.
    Disconnecting,
    /// The OSC transport is closed.
    OscDisconnected,
    /// The client is no longer attached.
    Disconnected,
    /// The process exited after a quit.
    ProcessQuit,
    /// The quit sequence is complete.
    Quit,
}

impl LifecycleEvent {
    /// Every event, in declaration order.
    pub const ALL: [LifecycleEvent; 14] = [
        Self::Booting,
        Self::ProcessBooted,
        Self::Connecting,
        Self::OscConnected,
        Self::Connected,
        Self::Booted,
        Self::OscPanicked,
        Self::ProcessPanicked,
        Self::Quitting,
        Self::Disconnecting,
        Self::OscDisconnected,
        Self::Disconnected,
        Self::ProcessQuit,
        Self::Quit,
    ];

    /// The snake_case name used in logs and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Booting => "booting",
            Self::ProcessBooted => "process_booted",
            Self::Connecting => "connecting",
            Self::OscConnected => "osc_connected",
            Self::Connected => "connected",
            Self::Booted => "booted",
            Self::OscPanicked => "osc_panicked",
            Self::ProcessPanicked => "process_panicked",
            Self::Quitting => "quitting",
            Self::Disconnecting => "disconnecting",
            Self::OscDisconnected => "osc_disconnected",
            Self::Disconnected => "disconnected",
            Self::ProcessQuit => "process_quit",
            Self::Quit => "quit",
        }
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ordered() {
        let mut names: Vec<_> = LifecycleEvent::ALL.iter().map(|e| e.name()).collect();
        names.dedup();
        assert_eq!(names.len(), 14);
        assert!(LifecycleEvent::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
