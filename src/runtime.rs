//! Where the actors run: on the caller's actix arbiter when there is one, else on a thread of
//! their own with its own actix system.

use std::thread::JoinHandle;

use actix::prelude::*;
use scserver_actors::ServerActor;

/// A dedicated actix system thread; stopping it stops every actor on it.
pub(crate) struct RuntimeThread {
    system: actix::System,
    thread: Option<JoinHandle<()>>,
}

impl RuntimeThread {
    /// Starts a thread and the server actor on it. The thread also spawns scsynth, so the
    /// child's parent-death signal is tied to it and it lives as long as the server object.
    pub fn start(name: &str, actor: ServerActor) -> (Addr<ServerActor>, RuntimeThread) {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("scserver-{name}"))
            .spawn(move || {
                let system = actix::System::new();
                system.block_on(async move {
                    let _ = tx.send((actor.start(), actix::System::current()));
                });
                let _ = system.run();
            })
            .expect("spawning the scserver runtime thread");
        let (addr, system) = rx.recv().expect("the runtime thread starts its actor");
        (
            addr,
            RuntimeThread {
                system,
                thread: Some(thread),
            },
        )
    }
}

impl RuntimeThread {
    /// Runs `future` on the runtime thread and waits for it from this (non-async) thread, at most
    /// `timeout`.
    pub fn block_on<F>(&self, future: F, timeout: std::time::Duration) -> Option<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let spawned = self.system.arbiter().spawn(async move {
            let _ = tx.send(future.await);
        });
        if !spawned {
            return None;
        }
        rx.recv_timeout(timeout).ok()
    }
}

impl Drop for RuntimeThread {
    fn drop(&mut self) {
        self.system.stop();
        if let Some(thread) = self.thread.take() {
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

/// Starts the actor on the current arbiter when called inside an actix system, else on a new
/// runtime thread.
pub(crate) fn start(
    name: &str,
    actor: ServerActor,
    dedicated: bool,
) -> (Addr<ServerActor>, Option<RuntimeThread>) {
    if !dedicated
        && actix::Arbiter::try_current().is_some()
        && actix::System::try_current().is_some()
    {
        (actor.start(), None)
    } else {
        let (addr, thread) = RuntimeThread::start(name, actor);
        (addr, Some(thread))
    }
}
