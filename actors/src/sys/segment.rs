//! scsynth's shared-memory segment, which it names after its port and a killed scsynth leaves
//! behind (8 MB of memory each). Removing it takes about a millisecond, so it is done on a thread
//! of its own: the crash is reported, and the next scsynth spawned, without waiting for it. A lock
//! orders each removal against later spawns on the same port (scsynth replaces a leftover segment
//! itself, so a removal that comes after one would take the new server's). Segments that killed
//! runs of this library left (its own process killed too) are swept once per process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use scserver_core::shm::{segment_name, segment_port};
use scserver_core::Protocol;

use super::{in_background, left_long_ago, procfs};

const DIR: &str = "/dev/shm";

/// Spawns per port in this process; a removal is for the spawn it counted.
static SPAWNS: Mutex<BTreeMap<u16, u64>> = Mutex::new(BTreeMap::new());

fn spawns() -> MutexGuard<'static, BTreeMap<u16, u64>> {
    SPAWNS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The segment of the scsynth on `port`.
pub fn path(port: u16) -> PathBuf {
    Path::new(DIR).join(segment_name(port))
}

/// Counts a spawn of scsynth on `port`; waits for a removal under way for an earlier one.
pub fn spawning(port: u16) -> u64 {
    let mut spawns = spawns();
    let count = spawns.entry(port).or_default();
    *count += 1;
    *count
}

/// Removes the segment the scsynth of `spawn` on `port` left behind, in the background, unless
/// another scsynth was spawned on the port since.
pub fn remove_left_behind(port: u16, spawn: u64) {
    let removal = move || {
        let spawns = spawns();
        if spawns.get(&port) == Some(&spawn) && std::fs::remove_file(path(port)).is_ok() {
            tracing::debug!(port, "removed the shared memory of a killed scsynth");
        }
    };
    in_background(removal);
}

/// Removes this user's segments that are a minute old or more, on ports no socket holds, for
/// which this process spawned nothing (a segment younger than that may be a booting scsynth's:
/// it makes its segment before it takes its port).
pub(super) fn sweep() {
    let Ok(entries) = std::fs::read_dir(DIR) else {
        return;
    };
    let candidates: Vec<(u16, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((segment_port(e.file_name().to_str()?)?, e)))
        .filter(|(_, e)| left_long_ago(e))
        .map(|(port, e)| (port, e.path()))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let held: Vec<u16> = [Protocol::Udp, Protocol::Tcp]
        .into_iter()
        .flat_map(procfs::sockets)
        .filter(|r| r.inode != 0)
        .map(|r| r.port)
        .collect();
    let spawns = spawns();
    let mut removed = 0;
    for (port, path) in candidates {
        if !held.contains(&port)
            && !spawns.contains_key(&port)
            && std::fs::remove_file(&path).is_ok()
        {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(
            removed,
            "removed shared memory that killed scsynths left behind"
        );
    }
}
