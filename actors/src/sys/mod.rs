//! Linux detail in one place: how children are tied to us ([`child`]: process groups, the
//! parent-death signal, signals), what `/proc` says about processes and sockets ([`procfs`]),
//! and JACK's files in `/dev/shm` ([`jack`]). The rest of the crate asks these questions in
//! words and never reads a kernel file or calls `libc` itself; the one `unsafe` block is in
//! [`child`].

pub mod child;
pub mod jack;
pub mod procfs;

use std::path::PathBuf;

/// The shared-memory segment scsynth names after its port; a killed scsynth leaves it behind.
pub fn scsynth_segment(port: u16) -> PathBuf {
    PathBuf::from(format!("/dev/shm/SuperColliderServer_{port}"))
}

/// This process's real user id.
pub fn user_id() -> u32 {
    nix::unistd::getuid().as_raw()
}
