//! JACK's files in `/dev/shm`: each server's socket, its metadata directory, and the machine-wide
//! table of servers (read by [`scserver_core::jack::Registry`]) with the slots of our own dead
//! dummy servers freed.
//!
//! A jackd that dies without unregistering keeps its slot until a server of the same name
//! starts, and every dummy server this library starts has a new name: enough such deaths and
//! every later jackd exits at start. jackd itself frees a slot whose process is gone when the
//! name matches; this does the same for slots named like ours (`jack-<uid>:scserver-…`), and
//! touches nothing else.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use scserver_core::jack::{semaphore_server, Registry, Slot, TABLE_BYTES};

use super::{child, left_long_ago, user_id};

const REGISTRY: &str = "/dev/shm/jack-shm-registry";

/// Where the JACK server `name` of this user listens (jackd2: `/dev/shm/jack_<name>_<uid>_0`).
pub fn socket_path(name: &str) -> PathBuf {
    PathBuf::from(format!("/dev/shm/jack_{name}_{}_0", user_id()))
}

/// jackd2's metadata database of this user (Berkeley DB files and their locks). A jackd killed
/// while holding one of its locks leaves it held, and the next jackd waits for it for ever.
pub fn metadata_dir() -> PathBuf {
    PathBuf::from(format!("/dev/shm/jack_db-{}", user_id()))
}

/// JACK's table of servers now, when it exists and has a layout we know.
pub fn registry() -> Option<Registry> {
    let mut bytes = vec![0u8; TABLE_BYTES];
    std::fs::File::open(REGISTRY)
        .ok()?
        .read_exact(&mut bytes)
        .ok()?;
    Registry::parse(&bytes)
}

/// Frees the slots of dead dummy JACK servers this library named; answers how many.
pub fn free_dead_slots() -> usize {
    let Some(registry) = registry() else {
        return 0;
    };
    let dead: Vec<&Slot> = registry.dead_of_ours(user_id(), child::exists);
    if dead.is_empty() {
        return 0;
    }
    let Ok(mut file) = OpenOptions::new().write(true).open(REGISTRY) else {
        return 0;
    };
    let mut freed = 0;
    for slot in dead {
        if file.seek(SeekFrom::Start(slot.offset() as u64)).is_ok()
            && file.write_all(&Slot::cleared()).is_ok()
        {
            tracing::info!(slot = slot.index, pid = slot.pid, name = %slot.name, "freed the JACK registry slot of a dead dummy server");
            freed += 1;
        }
        remove_files_of(slot.server_name());
    }
    freed
}

/// Removes what a dead jackd named `name` left in `/dev/shm`: its socket and its semaphores
/// (`jack_sem.<uid>_<name>_<client>`).
fn remove_files_of(name: &str) {
    let _ = std::fs::remove_file(socket_path(name));
    let prefix = format!("jack_sem.{}_{name}_", user_id());
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Removes the client semaphores of this library's dummy JACK servers that no longer run (a
/// jackd stopped in order leaves those of clients that were killed), when a minute old.
pub(super) fn sweep_semaphores() {
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    let uid = user_id();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(server) = name.to_str().and_then(|n| semaphore_server(n, uid)) else {
            continue;
        };
        let running = std::os::unix::net::UnixStream::connect(socket_path(server)).is_ok();
        if left_long_ago(&entry) && !running && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::debug!(
            removed,
            "removed semaphores of dummy JACK servers that are gone"
        );
    }
}
