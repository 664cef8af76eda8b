//! Linux detail in one place: how children are tied to us ([`child`]: process groups, the
//! parent-death signal, signals), what `/proc` says about processes and sockets ([`procfs`]),
//! JACK's files in `/dev/shm` ([`jack`]) and scsynth's ([`segment`]). The rest of the crate asks these questions in
//! words and never reads a kernel file or calls `libc` itself; the one `unsafe` block is in
//! [`child`].

pub mod child;
pub mod jack;
pub mod procfs;
pub mod segment;

/// This process's real user id.
pub fn user_id() -> u32 {
    nix::unistd::getuid().as_raw()
}
