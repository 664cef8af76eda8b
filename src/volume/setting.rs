//! The volume setting every clone of a server shares; it outlives the synth that applies it.

use std::sync::Mutex;
use std::time::Duration;

use scserver_core::levels::db_to_amplitude;

/// The client's volume setting and the synth that applies it.
#[derive(Debug)]
pub(crate) struct VolumeState(pub(super) Mutex<Setting>);

#[derive(Debug, Clone, Copy)]
pub(super) struct Setting {
    pub(super) db: f64,
    pub(super) muted: bool,
    pub(super) lag: Duration,
    /// The volume synth, while one runs.
    pub(super) node_id: Option<i32>,
}

impl Default for VolumeState {
    fn default() -> Self {
        VolumeState(Mutex::new(Setting {
            db: 0.0,
            muted: false,
            lag: Duration::from_millis(100),
            node_id: None,
        }))
    }
}

impl Setting {
    pub(super) fn amplitude(&self) -> f64 {
        if self.muted {
            0.0
        } else {
            db_to_amplitude(self.db)
        }
    }

    /// Unity gain, unmuted: no synth is needed.
    pub(super) fn is_neutral(&self) -> bool {
        !self.muted && self.db == 0.0
    }
}
