//! JACK's files in `/dev/shm`: each server's socket, and the machine-wide server table with
//! the slots of our own dead dummy servers freed.
//!
//! jackd2 keeps at most 8 servers in `/dev/shm/jack-shm-registry`. A jackd that dies without
//! unregistering (SIGKILL, a crash) keeps its slot until a server of the same name starts, and
//! every dummy server this library starts has a new name: enough such deaths and every later
//! jackd exits at start with "Too many servers already active". jackd itself frees a slot whose
//! process is gone when the name matches; this does the same for slots named like ours
//! (`jack-<uid>:scserver-…`), and touches nothing else. The layout is checked first (jackd2
//! 1.9: magic `JACK`, 24-byte header, 8 entries of a pid and a 257-byte name padded to 264).

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use super::{child, user_id};

const REGISTRY: &str = "/dev/shm/jack-shm-registry";
const MAGIC: u32 = 0x4a41_434b;
const SERVERS: usize = 8;
const ENTRY: usize = 264;
const FIRST: usize = 24;

/// Where the JACK server `name` of this user listens (jackd2: `/dev/shm/jack_<name>_<uid>_0`).
pub fn socket_path(name: &str) -> PathBuf {
    PathBuf::from(format!("/dev/shm/jack_{name}_{}_0", user_id()))
}

/// Frees the slots of dead dummy JACK servers this library named; answers how many.
pub fn free_dead_slots() -> usize {
    let prefix = format!("jack-{}:scserver-", user_id());
    let Ok(mut file) = OpenOptions::new().read(true).write(true).open(REGISTRY) else {
        return 0;
    };
    let mut header = vec![0u8; FIRST + SERVERS * ENTRY];
    if file.read_exact(&mut header).is_err() {
        return 0;
    }
    let word = |at: usize| u32::from_ne_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    if word(0) != MAGIC || word(16) as usize != FIRST + SERVERS * ENTRY {
        tracing::debug!("unfamiliar JACK registry layout; leaving it alone");
        return 0;
    }
    let mut freed = 0;
    for slot in 0..SERVERS {
        let at = FIRST + slot * ENTRY;
        let pid = word(at);
        let name = &header[at + 4..at + ENTRY];
        let name = String::from_utf8_lossy(&name[..name.iter().position(|b| *b == 0).unwrap_or(0)]);
        if pid as i32 <= 0 || !name.starts_with(&prefix) {
            continue;
        }
        if !child::exists(pid)
            && file.seek(SeekFrom::Start(at as u64)).is_ok()
            && file.write_all(&[0u8; ENTRY]).is_ok()
        {
            tracing::info!(slot, pid, %name, "freed the JACK registry slot of a dead dummy server");
            freed += 1;
        }
    }
    freed
}
