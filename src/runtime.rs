//! Where the actors run: on the caller's actix arbiter when there is one, else on a thread of
//! their own with its own actix system.

use std::thread::JoinHandle;

use actix::prelude::*;
use scserver_actors::server::ServerState;
use scserver_actors::ServerActor;
use tokio::sync::watch;

/// A started server actor and the receiver of its state.
pub(crate) type Started = (Addr<ServerActor>, watch::Receiver<ServerState>);

/// Builds the actor inside the runtime that runs it (its sub-actors start with it).
fn start_here(make: impl FnOnce() -> ServerActor) -> Started {
    let actor = make();
    let state = actor.watch();
    (actor.start(), state)
}

/// A dedicated actix system thread; stopping it stops every actor on it.
pub(crate) struct RuntimeThread {
    system: actix::System,
    thread: Option<JoinHandle<()>>,
}

impl RuntimeThread {
    /// Starts a thread and the server actor on it. The thread also spawns scsynth, so the
    /// child's parent-death signal is tied to it and it lives as long as the server object.
    pub fn start(
        name: &str,
        make: impl FnOnce() -> ServerActor + Send + 'static,
    ) -> (Started, RuntimeThread) {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("scserver-{name}"))
            .spawn(move || {
                let system = actix::System::new();
                system.block_on(async move {
                    let _ = tx.send((start_here(make), actix::System::current()));
                });
                let _ = system.run();
            })
            .expect("spawning the scserver runtime thread");
        let (started, system) = rx.recv().expect("the runtime thread starts its actor");
        (
            started,
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
    make: impl FnOnce() -> ServerActor + Send + 'static,
    dedicated: bool,
) -> (Started, Option<RuntimeThread>) {
    if !dedicated
        && actix::Arbiter::try_current().is_some()
        && actix::System::try_current().is_some()
    {
        (start_here(make), None)
    } else {
        let (started, thread) = RuntimeThread::start(name, make);
        (started, Some(thread))
    }
}
