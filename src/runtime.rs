//! Where actors run: on the caller's actix arbiter when there is one, else on a thread of their
//! own with its own actix system. Servers and the supervisor start theirs here.

use std::future::Future;
use std::thread::JoinHandle;
use std::time::Duration;

/// A dedicated actix system thread; stopping it stops every actor on it.
pub(crate) struct RuntimeThread {
    system: actix::System,
    thread: Option<JoinHandle<()>>,
}

impl RuntimeThread {
    /// Starts a thread named `scserver-{name}` and runs `make` inside its system, where it
    /// starts its actors; answers what `make` returned. The thread also spawns scsynth, so the
    /// child's parent-death signal is tied to it and it lives as long as the object that owns
    /// this thread.
    fn start<T: Send + 'static>(
        name: &str,
        make: impl FnOnce() -> T + Send + 'static,
    ) -> (T, RuntimeThread) {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("scserver-{name}"))
            .spawn(move || {
                let system = actix::System::new();
                system.block_on(async move {
                    let _ = tx.send((make(), actix::System::current()));
                });
                let _ = system.run();
            })
            .expect("spawning the scserver runtime thread");
        let (started, system) = rx.recv().expect("the runtime thread starts its actors");
        (
            started,
            RuntimeThread {
                system,
                thread: Some(thread),
            },
        )
    }

    /// Runs `future` on the runtime thread and waits for it from this (non-async) thread, at most
    /// `timeout`.
    pub fn block_on<F>(&self, future: F, timeout: Duration) -> Option<F::Output>
    where
        F: Future + Send + 'static,
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

/// Runs `make` (which starts actors) on the current arbiter when called inside an actix system,
/// unless `dedicated`; else on a new runtime thread, which is returned too.
pub(crate) fn start<T: Send + 'static>(
    name: &str,
    make: impl FnOnce() -> T + Send + 'static,
    dedicated: bool,
) -> (T, Option<RuntimeThread>) {
    if !dedicated
        && actix::Arbiter::try_current().is_some()
        && actix::System::try_current().is_some()
    {
        (make(), None)
    } else {
        let (started, thread) = RuntimeThread::start(name, make);
        (started, Some(thread))
    }
}
