//! scsynth's shared-memory segment, which it names after its port and a killed scsynth leaves
//! behind. Removing it frees megabytes and takes about a millisecond, so it is done on a thread of
//! its own: the crash is reported, and the next scsynth spawned, without waiting for it. A lock
//! orders each removal against later spawns on the same port (scsynth replaces a leftover segment
//! itself, so a removal that comes after one would take the new server's).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Spawns per port in this process; a removal is for the spawn it counted.
static SPAWNS: Mutex<Option<HashMap<u16, u64>>> = Mutex::new(None);

fn spawns() -> MutexGuard<'static, Option<HashMap<u16, u64>>> {
    SPAWNS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The segment of the scsynth on `port`.
pub fn path(port: u16) -> PathBuf {
    PathBuf::from(format!("/dev/shm/SuperColliderServer_{port}"))
}

/// Counts a spawn of scsynth on `port`; waits for a removal under way for an earlier one.
pub fn spawning(port: u16) -> u64 {
    let mut spawns = spawns();
    let count = spawns
        .get_or_insert_with(HashMap::new)
        .entry(port)
        .or_default();
    *count += 1;
    *count
}

/// Removes the segment the scsynth of `spawn` on `port` left behind, in the background, unless
/// another scsynth was spawned on the port since.
pub fn remove_left_behind(port: u16, spawn: u64) {
    let removal = move || {
        let spawns = spawns();
        let latest = spawns.as_ref().and_then(|s| s.get(&port)).copied();
        if latest == Some(spawn) && std::fs::remove_file(path(port)).is_ok() {
            tracing::debug!(port, "removed the shared memory of a killed scsynth");
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("scsynth-segment".into())
        .spawn(removal)
    {
        tracing::debug!(port, error = %e, "cannot remove the segment of a killed scsynth");
    }
}
