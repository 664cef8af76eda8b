//! Linux detail in one place: how children are tied to us ([`child`]: process groups, the
//! parent-death signal, signals), what `/proc` says about processes and sockets ([`procfs`]),
//! JACK's files in `/dev/shm` ([`jack`]) and scsynth's ([`segment`]). The rest of the crate asks
//! these questions in words and never reads a kernel file or calls `libc` itself; the one
//! `unsafe` block is in [`child`].

pub mod child;
pub mod jack;
pub mod procfs;
pub mod segment;

/// How old a file in `/dev/shm` must be before a sweep takes it for a leftover: a younger one
/// may belong to a process still starting.
const SWEEP_MIN_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a file in `/dev/shm` is this user's and was last changed [`SWEEP_MIN_AGE`] ago or
/// more: what a sweep may take for a leftover.
fn left_long_ago(entry: &std::fs::DirEntry) -> bool {
    use std::os::unix::fs::MetadataExt;
    entry.metadata().is_ok_and(|m| {
        let age = m.modified().ok().and_then(|t| t.elapsed().ok());
        m.uid() == user_id() && age.is_some_and(|a| a >= SWEEP_MIN_AGE)
    })
}

/// Once per process, in the background: removes what scsynths and dummy JACK servers of this
/// library left in `/dev/shm` when they were killed with no one left to clean up (their owner
/// killed too): scsynth's shared-memory segments and JACK's client semaphores.
pub fn sweep_left_behind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        in_background(|| {
            segment::sweep();
            jack::sweep_semaphores();
        })
    });
}

fn in_background(job: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new()
        .name("scserver-shm".into())
        .spawn(job)
    {
        tracing::debug!(error = %e, "cannot clean /dev/shm in the background");
    }
}

/// This process's real user id.
pub fn user_id() -> u32 {
    nix::unistd::getuid().as_raw()
}
