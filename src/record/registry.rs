//! What outlives a recording's handle: the state of each open recording, and the registry of a
//! server's recordings that ends them (repairing their files when the server died) and tells
//! whoever listens.

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use actix::prelude::*;
use scserver_actors::listeners::Listeners;
use scserver_core::soundfile::{self, HeaderFormat};
use tokio::sync::watch;

use crate::Subscription;

pub(super) struct Inner {
    pub(super) path: PathBuf,
    pub(super) node_id: i32,
    pub(super) buffer_id: i32,
    pub(super) header_format: HeaderFormat,
    /// Bytes of one frame in the file.
    pub(super) frame_bytes: u64,
    /// Becomes true when the recording has ended and its file is closed or repaired.
    pub(super) closed: watch::Receiver<bool>,
    pub(super) closer: watch::Sender<bool>,
    /// Why it is ending, from the first step that started to end it.
    pub(super) reason: Mutex<Option<EndReason>>,
    /// Its `/n_end` and `/done /b_close` callbacks.
    pub(super) callbacks: Mutex<Vec<Subscription>>,
}

impl Inner {
    /// Records why the recording is ending, unless an earlier step already said.
    pub(super) fn intend(&self, reason: EndReason) {
        self.reason
            .lock()
            .expect("reason lock")
            .get_or_insert(reason);
    }

    /// Frames in the file: what its header declares, or (after its writer died) what is really
    /// there, written into a repaired header.
    pub(super) fn examine(&self, repair: bool) -> Result<u64, String> {
        let path = self.path.display();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(repair)
            .open(&self.path)
            .map_err(|e| format!("cannot open {path}: {e}"))?;
        let length = file.metadata().map_err(|e| e.to_string())?.len();
        let mut head = Vec::new();
        // Headers written by libsndfile are a few hundred bytes.
        (&file)
            .take(HEADER_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        let (format, bytes) = (self.header_format, self.frame_bytes);
        if !repair {
            return soundfile::declared_frames(format, bytes, &head).map_err(|e| e.to_string());
        }
        let fix = soundfile::repair_header(format, bytes, &head, length)
            .map_err(|e| format!("{path} may be unreadable: {e}"))?;
        for (at, bytes) in &fix.patches {
            file.write_all_at(bytes, *at)
                .map_err(|e| format!("cannot repair {path}: {e}"))?;
        }
        file.set_len(fix.length)
            .map_err(|e| format!("cannot repair {path}: {e}"))?;
        Ok(fix.frames)
    }
}

/// How much of a file to read for its header.
const HEADER_BYTES: u64 = 64 * 1024;

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndReason {
    /// [`Recording::stop`](super::Recording::stop).
    Stopped,
    /// A timed recording reached its duration.
    DurationReached,
    /// Its synth was freed by something else, e.g. a reset.
    SynthFreed,
    /// The server quit or rebooted.
    ServerQuit,
    /// The server process died or hung and was stopped.
    ServerDied,
}

impl EndReason {
    /// A short name for logs, e.g. `server died`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::DurationReached => "duration reached",
            Self::SynthFreed => "synth freed",
            Self::ServerQuit => "server quit",
            Self::ServerDied => "server died",
        }
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A recording ended: its file is closed (or, after its server died, repaired) and final.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct RecordingEnded {
    /// The file.
    pub path: PathBuf,
    /// Frames in the file, when it could be read from this machine.
    pub frames: Option<u64>,
    /// Why it ended.
    pub reason: EndReason,
    /// Why the file may be incomplete or unreadable (not on this machine, a header format that
    /// cannot be repaired, an I/O error); `None` when it is complete.
    pub problem: Option<String>,
}

/// The recordings of one server whose files may still be open, and who hears that one ended.
/// When the server process goes away (a quit, a crash, a hang the supervisor ends) the files
/// still open are repaired and ended.
#[derive(Default)]
pub(crate) struct Recordings {
    pub(super) open: Mutex<Vec<Arc<Inner>>>,
    pub(super) listeners: Mutex<Listeners<RecordingEnded>>,
    /// The server died rather than quit since it last booted.
    pub(super) died: AtomicBool,
}

impl Recordings {
    pub(super) fn add(&self, inner: &Arc<Inner>) {
        self.open
            .lock()
            .expect("recordings lock")
            .push(inner.clone());
    }

    pub(super) fn snapshot(&self) -> Vec<Arc<Inner>> {
        self.open.lock().expect("recordings lock").clone()
    }

    /// Ends every open recording for `reason`, its file repaired: its server's process is gone,
    /// and the node and buffer ids it used come back with the next one.
    pub(super) fn end_all(&self, reason: EndReason) {
        for inner in self.snapshot() {
            inner.callbacks.lock().expect("callbacks").clear();
            self.end(&inner, reason, true);
        }
    }

    /// Ends a recording once: marks it closed, examines (or repairs) its file and tells the
    /// listeners.
    pub(super) fn end(&self, inner: &Arc<Inner>, reason: EndReason, repair: bool) {
        if inner.closer.send_replace(true) {
            return;
        }
        self.open
            .lock()
            .expect("recordings lock")
            .retain(|r| !Arc::ptr_eq(r, inner));
        let reason = inner.reason.lock().expect("reason lock").unwrap_or(reason);
        let (frames, problem) = match inner.examine(repair) {
            Ok(frames) => (Some(frames), None),
            Err(problem) => (None, Some(problem)),
        };
        let path = inner.path.display();
        match &problem {
            None => tracing::info!(path = %path, ?frames, %reason, "recording ended"),
            Some(problem) => tracing::warn!(path = %path, %reason, %problem, "recording ended"),
        }
        let notice = RecordingEnded {
            path: inner.path.clone(),
            frames,
            reason,
            problem,
        };
        self.listeners
            .lock()
            .expect("listeners lock")
            .publish(&notice);
    }
}
