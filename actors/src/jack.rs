//! Finding a running JACK server, or starting a private dummy one.
//!
//! scsynth on Linux plays through JACK. For headless machines and tests the library can start
//! `jackd -d dummy` itself; each such server gets a unique name (`jackd -n`), handed to scsynth in
//! `JACK_DEFAULT_SERVER`, so servers of different processes or tests never share one.

use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::error::BootError;
use crate::sys::child::{self, Signal};
use crate::sys::jack::{free_dead_slots, socket_path};

/// The JACK server name scsynth will talk to without further instruction.
pub fn default_server_name() -> String {
    std::env::var("JACK_DEFAULT_SERVER").unwrap_or_else(|_| "default".to_owned())
}

/// Whether a JACK server of this name accepts connections (a stale socket file does not count).
pub fn is_running(name: &str) -> bool {
    UnixStream::connect(socket_path(name)).is_ok()
}

/// A dummy JACK server this library started; it is stopped when dropped.
#[derive(Debug)]
pub struct DummyJack {
    /// The name scsynth must be given in `JACK_DEFAULT_SERVER`.
    pub name: String,
    child: Child,
}

/// A jackd dropped without [`DummyJack::stop`] (an actor system torn down) gets SIGTERM, never
/// SIGKILL: a killed jackd keeps its slot in JACK's machine-wide table of 8 servers, and once
/// the table is full every new jackd exits at start ("Too many servers already active").
impl Drop for DummyJack {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            child::signal(pid, Signal::SIGTERM);
        }
    }
}

impl DummyJack {
    /// Starts `jackd -n NAME -d dummy -r RATE -p PERIOD` and waits (bounded) until it listens.
    pub async fn start(
        name: String,
        sample_rate: u32,
        period: u32,
        timeout: Duration,
    ) -> Result<DummyJack, BootError> {
        // jackd exits at start with "Too many servers already active" while its machine-wide
        // table of servers (8 slots) is full, e.g. while other programs' or tests' dummy servers
        // are stopping: wait a little for a slot.
        // Dead servers of ours keep their slots in JACK's table until freed; free them before
        // they add up, not only once the table is full.
        free_dead_slots();
        let mut tries = 5;
        loop {
            tries -= 1;
            match Self::start_once(name.clone(), sample_rate, period, timeout).await {
                Err(BootError::Jack { message })
                    if tries > 0
                        && (message.contains("exited at start")
                            || message.contains("accepted no client")) =>
                {
                    tracing::debug!(jack = %name, %message, "trying jackd again");
                    // The table may be full of our own dead servers' slots.
                    if free_dead_slots() == 0 {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                other => return other,
            }
        }
    }

    async fn start_once(
        name: String,
        sample_rate: u32,
        period: u32,
        timeout: Duration,
    ) -> Result<DummyJack, BootError> {
        let mut command = Command::new("jackd");
        command
            .args(["-n", &name, "-d", "dummy", "-r", &sample_rate.to_string()])
            .args(["-p", &period.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Not kill_on_drop (SIGKILL): see the Drop impl.
        child::dies_with_parent(&mut command, Signal::SIGTERM);
        let mut child = command.spawn().map_err(|e| BootError::Jack {
            message: format!("cannot run jackd: {e}"),
        })?;
        let deadline = Instant::now() + timeout;
        // jackd announces nothing machine-readable; its socket accepting is the ready signal.
        while !is_running(&name) {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(BootError::Jack {
                    message: format!("jackd exited at start ({status})"),
                });
            }
            if Instant::now() > deadline {
                return Err(BootError::Jack {
                    message: format!("jackd did not listen within {timeout:?}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let jack = DummyJack { name, child };
        // The socket accepts a little before jackd accepts clients; scsynth started in that
        // window fails with "Cannot open SuperCollider client". jack_wait (from jackd2 too)
        // opens a real client, so once it succeeds scsynth can.
        if let Err(e) = jack
            .wait_for_clients(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            jack.stop(Duration::from_secs(2)).await;
            return Err(e);
        }
        tracing::debug!(jack = %jack.name, pid = jack.pid(), "dummy JACK server started");
        Ok(jack)
    }

    async fn wait_for_clients(&self, timeout: Duration) -> Result<(), BootError> {
        let seconds = timeout.as_secs().max(1).to_string();
        let waited = Command::new("jack_wait")
            .args(["-s", &self.name, "-w", "-t", &seconds])
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status();
        match tokio::time::timeout(timeout.max(Duration::from_secs(1)), waited).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(BootError::Jack {
                message: format!("jackd accepted no client ({status} from jack_wait)"),
            }),
            Ok(Err(e)) => Err(BootError::Jack {
                message: format!("cannot run jack_wait: {e}"),
            }),
            Err(_) => Err(BootError::Jack {
                message: format!("jackd accepted no client within {timeout:?}"),
            }),
        }
    }

    /// Whether jackd still runs and accepts connections (a restarted scsynth can use it).
    pub fn is_healthy(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None)) && is_running(&self.name)
    }

    /// The jackd process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops jackd and waits (bounded) for it to exit.
    pub async fn stop(mut self, grace: Duration) {
        if let Some(pid) = self.child.id() {
            child::signal(pid, Signal::SIGTERM);
        }
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}
