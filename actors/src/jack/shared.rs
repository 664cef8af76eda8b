//! One dummy JACK server shared by every server of this process that asks for one
//! (`jack = "shared"`), so any number of servers take a single slot of JACK's machine-wide table
//! of 8.
//!
//! A keeper thread of its own owns the jackd: Linux's parent-death signal follows the thread that
//! spawned a child, and no server's thread lives as long as the shared server must. The keeper
//! starts jackd for the first server that asks (one per sample rate and period), counts the
//! servers holding it, and stops it when the last lets go. When jackd dies, every holder hears of
//! it ([`SharedJack::died`]) and its scsynth is stopped so that the supervisor restarts it by
//! policy; the first restart starts a new jackd under a new name.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};

use super::{DummyJack, JackError};
use crate::sys::child::ExitInfo;
use crate::sys::jack::free_dead_slots;

/// How long a shared jackd is given to exit after SIGTERM (it may have had dozens of clients,
/// on a busy machine); after it, SIGKILL, which leaves its slot in JACK's table to be freed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Sample rate and period: servers share a jackd only when both match.
type Key = (u32, u32);

/// One server's hold on the shared dummy JACK server. Dropping it lets go; the last holder's
/// [`SharedJack::release`] waits for jackd to stop.
#[derive(Debug)]
pub struct SharedJack {
    /// The name scsynth must be given in `JACK_DEFAULT_SERVER`.
    pub name: String,
    pid: Option<u32>,
    key: Key,
    generation: u64,
    pub(super) gone: watch::Receiver<bool>,
    released: bool,
}

impl SharedJack {
    /// Holds the shared dummy JACK server for `sample_rate` and `period`, starting it (each try
    /// bounded by `timeout`) when no server of this process holds it yet.
    pub async fn acquire(
        sample_rate: u32,
        period: u32,
        timeout: Duration,
    ) -> Result<SharedJack, JackError> {
        let (reply, answer) = oneshot::channel();
        let key = (sample_rate, period);
        send(Request::Acquire {
            key,
            timeout,
            asked: Instant::now(),
            reply,
        });
        let grant = answer
            .await
            .map_err(|_| JackError::Spawn("the shared JACK keeper thread is gone".into()))??;
        Ok(SharedJack {
            name: grant.name,
            pid: grant.pid,
            key,
            generation: grant.generation,
            gone: grant.gone,
            released: false,
        })
    }

    /// The jackd process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Resolves if this jackd dies while held; never when it is stopped for want of holders.
    pub fn died(&self) -> impl std::future::Future<Output = ()> + 'static {
        let mut gone = self.gone.clone();
        async move {
            if gone.wait_for(|gone| *gone).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Lets go; when this was the last holder, waits (bounded) until jackd has stopped.
    pub async fn release(mut self) {
        self.released = true;
        let (done, stopped) = oneshot::channel();
        send(Request::Release {
            key: self.key,
            generation: self.generation,
            done: Some(done),
        });
        let _ = tokio::time::timeout(STOP_GRACE * 2, stopped).await;
    }
}

impl Drop for SharedJack {
    fn drop(&mut self) {
        if !self.released {
            send(Request::Release {
                key: self.key,
                generation: self.generation,
                done: None,
            });
        }
    }
}

enum Request {
    Acquire {
        key: Key,
        timeout: Duration,
        asked: Instant,
        reply: oneshot::Sender<Result<Grant, JackError>>,
    },
    Release {
        key: Key,
        generation: u64,
        done: Option<oneshot::Sender<()>>,
    },
    Died {
        key: Key,
        generation: u64,
        status: ExitInfo,
    },
}

struct Grant {
    name: String,
    pid: Option<u32>,
    generation: u64,
    gone: watch::Receiver<bool>,
}

/// A running shared jackd.
struct Entry {
    name: String,
    pid: Option<u32>,
    generation: u64,
    holders: usize,
    /// Tells its watcher to stop it, and whom to tell when it has.
    stop: oneshot::Sender<Option<oneshot::Sender<()>>>,
    gone: watch::Sender<bool>,
}

fn send(request: Request) {
    static KEEPER: OnceLock<mpsc::UnboundedSender<Request>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        let own = tx.clone();
        std::thread::Builder::new()
            .name("scserver-jack".into())
            .spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the shared JACK keeper")
                    .block_on(Keeper::default().run(rx, own));
            })
            .expect("a thread for the shared JACK keeper");
        tx
    });
    // The keeper holds a sender of its own, so it outlives every request.
    let _ = keeper.send(request);
}

#[derive(Default)]
struct Keeper {
    entries: HashMap<Key, Entry>,
    generations: u64,
    /// The last failed start of each key: servers that asked while it was being tried get its
    /// error instead of trying again one after another.
    failures: HashMap<Key, (Instant, JackError)>,
}

impl Keeper {
    async fn run(
        mut self,
        mut requests: mpsc::UnboundedReceiver<Request>,
        own: mpsc::UnboundedSender<Request>,
    ) {
        while let Some(request) = requests.recv().await {
            match request {
                Request::Acquire {
                    key,
                    timeout,
                    asked,
                    reply,
                } => {
                    let grant = match self.failures.get(&key) {
                        Some((failed, error)) if *failed >= asked => Err(error.clone()),
                        _ => self.acquire(key, timeout, &own).await,
                    };
                    let _ = reply.send(grant);
                }
                Request::Release {
                    key,
                    generation,
                    done,
                } => self.release(key, generation, done),
                Request::Died {
                    key,
                    generation,
                    status,
                } => {
                    if self.entries.get(&key).map(|e| e.generation) == Some(generation) {
                        let entry = self.entries.remove(&key).expect("the entry");
                        tracing::warn!(
                            jack = %entry.name, pid = entry.pid, %status, servers = entry.holders,
                            "the shared JACK server died; its servers are stopped and restart on a new one"
                        );
                        entry.gone.send_replace(true);
                        free_dead_slots();
                    }
                }
            }
        }
    }

    async fn acquire(
        &mut self,
        key: Key,
        timeout: Duration,
        own: &mpsc::UnboundedSender<Request>,
    ) -> Result<Grant, JackError> {
        if !self.entries.contains_key(&key) {
            self.generations += 1;
            let generation = self.generations;
            let name = format!("scserver-{}-shared-{generation}", std::process::id());
            let mut jack = match DummyJack::start(name.clone(), key.0, key.1, timeout).await {
                Ok(jack) => jack,
                Err(error) => {
                    self.failures.insert(key, (Instant::now(), error.clone()));
                    return Err(error);
                }
            };
            tracing::info!(jack = %name, pid = jack.pid(), sample_rate = key.0, period = key.1, "started the shared JACK server");
            let (stop, stopping) = oneshot::channel::<Option<oneshot::Sender<()>>>();
            let own = own.clone();
            let pid = jack.pid();
            tokio::spawn(async move {
                let stopping = tokio::select! {
                    status = jack.exited() => Err(status),
                    done = stopping => Ok(done.ok().flatten()),
                };
                match stopping {
                    Err(status) => {
                        let _ = own.send(Request::Died {
                            key,
                            generation,
                            status,
                        });
                    }
                    Ok(done) => {
                        jack.stop(STOP_GRACE).await;
                        if let Some(done) = done {
                            let _ = done.send(());
                        }
                    }
                }
            });
            self.entries.insert(
                key,
                Entry {
                    name,
                    pid,
                    generation,
                    holders: 0,
                    stop,
                    gone: watch::channel(false).0,
                },
            );
        }
        let entry = self.entries.get_mut(&key).expect("the entry");
        entry.holders += 1;
        Ok(Grant {
            name: entry.name.clone(),
            pid: entry.pid,
            generation: entry.generation,
            gone: entry.gone.subscribe(),
        })
    }

    fn release(&mut self, key: Key, generation: u64, done: Option<oneshot::Sender<()>>) {
        let current = self
            .entries
            .get_mut(&key)
            .filter(|e| e.generation == generation);
        match current {
            Some(entry) if entry.holders <= 1 => {
                let entry = self.entries.remove(&key).expect("the entry");
                tracing::info!(jack = %entry.name, "the last server let go; stopping the shared JACK server");
                if let Err(Some(done)) = entry.stop.send(done) {
                    // Its watcher already saw it die.
                    let _ = done.send(());
                }
            }
            Some(entry) => {
                entry.holders -= 1;
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
            // A jackd that died: nothing left to stop.
            None => {
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
        }
    }
}
