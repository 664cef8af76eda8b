//! A `scserver run` child process for tests: its config file, its JSON events, and its end.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

pub const BIN: &str = env!("CARGO_BIN_EXE_scserver");

pub fn config_file(tag: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("scserver-cli-{}-{tag}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `scserver run --json` and the JSON lines it printed so far.
pub struct Run {
    pub child: Child,
    lines: mpsc::Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
}

impl Run {
    pub fn start(config: &Path) -> Run {
        Self::start_with(config, |_| {})
    }

    /// Starts `scserver run` with the environment `adjust` leaves.
    pub fn start_with(config: &Path, adjust: impl FnOnce(&mut Command)) -> Run {
        let mut command = Command::new(BIN);
        adjust(&mut command);
        let mut child = command
            .args(["run", config.to_str().unwrap(), "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("scserver runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        Run {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) for an event; returns it.
    pub fn wait_event(&mut self, event: &str, timeout: Duration) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = self.seen.iter().find(|v| v["event"] == event) {
                return v.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no {event} within {timeout:?}; saw {:?}", self.seen);
                }
            }
        }
    }

    /// Waits (bounded) for the process to end.
    pub fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("scserver did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A test that fails while its run is still going must not leave the run and its servers behind:
/// SIGTERM quits them in order; SIGKILL after a bound.
impl Drop for Run {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
