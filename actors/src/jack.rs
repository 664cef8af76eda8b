//! Finding a running JACK server, or starting a dummy one: private to one server
//! ([`DummyJack`]) or shared by every server of the process that asks for it ([`shared`]).
//!
//! scsynth on Linux plays through JACK. For headless machines and tests the library can start
//! `jackd -d dummy` itself; each such server gets a unique name (`jackd -n`), handed to scsynth in
//! `JACK_DEFAULT_SERVER`, so servers of different processes or tests never share one by accident.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use scserver_core::jack::SLOTS;
use scserver_core::{JackMode, Options};
use tokio::process::{Child, Command};

use crate::sys::child::{self, ExitInfo, Signal};
use crate::sys::jack::{free_dead_slots, metadata_dir, registry, socket_path};

pub mod shared;

use shared::SharedJack;

/// Why a dummy JACK server could not be started; each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JackError {
    /// `jackd` could not be run at all.
    #[error("cannot run jackd: {0}; install it with `apt-get install -y jackd2`")]
    Spawn(String),
    /// JACK's machine-wide table of servers has no free slot.
    #[error(
        "JACK's machine-wide table of {SLOTS} servers is full ({servers}); stop one of them, or let \
         servers share one JACK server with `jack = \"shared\"`"
    )]
    TableFull {
        /// The servers holding the slots, `name (pid N)`.
        servers: String,
    },
    /// jackd exited before it listened, for a reason it did not make known to us.
    #[error("jackd exited at start ({status}); run `jackd -d dummy` by hand to see why")]
    Exited {
        /// How it ended.
        status: String,
    },
    /// jackd runs but did not open its socket in time.
    #[error("jackd did not listen within {timeout:?}{}", stale_lock_hint(.metadata))]
    NotListening {
        /// The bound.
        timeout: Duration,
        /// jackd2's metadata directory, when one exists (the usual cause).
        metadata: Option<PathBuf>,
    },
    /// jackd listens but refused a client (`jack_wait`).
    #[error("jackd accepted no client: {0}")]
    NoClient(String),
}

fn stale_lock_hint(metadata: &Option<PathBuf>) -> String {
    match metadata {
        Some(dir) => format!(
            "; a jackd killed earlier can leave a stale lock in JACK's metadata directory {} that \
             every later jackd waits on: with no JACK server running, remove that directory",
            dir.display()
        ),
        None => String::new(),
    }
}

/// The JACK server name scsynth will talk to without further instruction.
pub fn default_server_name() -> String {
    std::env::var("JACK_DEFAULT_SERVER").unwrap_or_else(|_| "default".to_owned())
}

/// Whether a JACK server of this name accepts connections (a stale socket file does not count).
pub fn is_running(name: &str) -> bool {
    UnixStream::connect(socket_path(name)).is_ok()
}

/// The dummy JACK server one scsynth plays through, when the library started one for it.
#[derive(Debug)]
pub enum StartedJack {
    /// Its own (`jack = "own"`).
    Own(DummyJack),
    /// The process's shared one (`jack = "shared"`).
    Shared(SharedJack),
}

impl StartedJack {
    /// Starts or holds the dummy JACK server that `options` ask for when none runs under the
    /// name scsynth would use; `None` when one runs or the options ask for none. A private
    /// server is named `own_name`.
    pub async fn for_options(
        options: &Options,
        own_name: String,
        timeout: Duration,
    ) -> Result<Option<StartedJack>, JackError> {
        if options.jack == JackMode::Running || is_running(&default_server_name()) {
            return Ok(None);
        }
        let (rate, period) = (options.jack_sample_rate, options.jack_period);
        Ok(Some(match options.jack {
            JackMode::Shared => {
                StartedJack::Shared(SharedJack::acquire(rate, period, timeout).await?)
            }
            _ => StartedJack::Own(DummyJack::start(own_name, rate, period, timeout).await?),
        }))
    }

    /// The name scsynth must be given in `JACK_DEFAULT_SERVER`.
    pub fn name(&self) -> &str {
        match self {
            StartedJack::Own(jack) => &jack.name,
            StartedJack::Shared(jack) => &jack.name,
        }
    }

    /// The jackd process id.
    pub fn pid(&self) -> Option<u32> {
        match self {
            StartedJack::Own(jack) => jack.pid(),
            StartedJack::Shared(jack) => jack.pid(),
        }
    }

    /// Whether scsynth can run on it again: a private jackd that still runs and accepts
    /// clients, or a shared one that has not died.
    pub fn is_healthy(&mut self) -> bool {
        match self {
            StartedJack::Own(jack) => jack.is_healthy(),
            StartedJack::Shared(jack) => !*jack.gone.borrow() && is_running(&jack.name),
        }
    }

    /// Stops a private jackd, or lets go of the shared one (stopping it after its last holder);
    /// bounded.
    pub async fn stop(self, grace: Duration) {
        match self {
            StartedJack::Own(jack) => jack.stop(grace).await,
            StartedJack::Shared(jack) => jack.release().await,
        }
    }
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

/// How many times a start that failed for a passing reason (a full table while other servers
/// stop, a jackd refusing its first client) is tried again.
const START_TRIES: u32 = 5;

impl DummyJack {
    /// Starts `jackd -n NAME -d dummy -r RATE -p PERIOD` and waits (each try bounded by
    /// `timeout`) until it accepts clients.
    pub async fn start(
        name: String,
        sample_rate: u32,
        period: u32,
        timeout: Duration,
    ) -> Result<DummyJack, JackError> {
        // Dead servers of ours keep their slots in JACK's table until freed; free them before
        // they add up, not only once the table is full.
        free_dead_slots();
        let mut tries = START_TRIES;
        loop {
            tries -= 1;
            match Self::start_once(name.clone(), sample_rate, period, timeout).await {
                Err(error @ (JackError::TableFull { .. } | JackError::NoClient(_)))
                    if tries > 0 =>
                {
                    tracing::debug!(jack = %name, %error, "trying jackd again");
                    // The table may be full of our own dead servers' slots, or of other
                    // programs' servers that are stopping.
                    if free_dead_slots() == 0 {
                        tokio::time::sleep(Duration::from_millis(200)).await;
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
    ) -> Result<DummyJack, JackError> {
        let mut command = Command::new("jackd");
        command
            .args(["-n", &name, "-d", "dummy", "-r", &sample_rate.to_string()])
            .args(["-p", &period.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Not kill_on_drop (SIGKILL): see the Drop impl.
        child::dies_with_parent(&mut command, Signal::SIGTERM);
        let child = command
            .spawn()
            .map_err(|e| JackError::Spawn(e.to_string()))?;
        let mut jack = DummyJack { name, child };
        let deadline = Instant::now() + timeout;
        // jackd announces nothing machine-readable; its socket accepting is the ready signal.
        while !is_running(&jack.name) {
            if let Ok(Some(status)) = jack.child.try_wait() {
                return Err(match registry() {
                    Some(table) if table.is_full() => JackError::TableFull {
                        servers: table.describe(),
                    },
                    _ => JackError::Exited {
                        status: ExitInfo::from_status(status).to_string(),
                    },
                });
            }
            if Instant::now() > deadline {
                jack.stop(Duration::from_secs(1)).await;
                let metadata = Some(metadata_dir()).filter(|d| d.exists());
                return Err(JackError::NotListening { timeout, metadata });
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
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

    async fn wait_for_clients(&self, timeout: Duration) -> Result<(), JackError> {
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
            Ok(Ok(status)) => Err(JackError::NoClient(format!("{status} from jack_wait"))),
            Ok(Err(e)) => Err(JackError::Spawn(format!("jack_wait: {e}"))),
            Err(_) => Err(JackError::NoClient(format!("none within {timeout:?}"))),
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

    /// Resolves when jackd exits, with how it ended.
    pub async fn exited(&mut self) -> ExitInfo {
        match self.child.wait().await {
            Ok(status) => ExitInfo::from_status(status),
            Err(_) => ExitInfo::UNKNOWN,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_start_names_its_cause_and_what_to_do() {
        let full = JackError::TableFull {
            servers: "scdev (pid 6230), x (pid 7)".into(),
        }
        .to_string();
        assert!(
            full.contains("table of 8 servers is full (scdev (pid 6230), x (pid 7))")
                && full.contains("jack = \"shared\""),
            "{full}"
        );
        let stuck = JackError::NotListening {
            timeout: Duration::from_secs(10),
            metadata: Some("/dev/shm/jack_db-1000".into()),
        }
        .to_string();
        assert!(
            stuck.contains("did not listen within 10s")
                && stuck.contains("stale lock")
                && stuck.contains("/dev/shm/jack_db-1000")
                && stuck.contains("remove that directory"),
            "{stuck}"
        );
        let slow = JackError::NotListening {
            timeout: Duration::from_secs(10),
            metadata: None,
        }
        .to_string();
        assert!(!slow.contains("stale lock"), "{slow}");
    }
}
