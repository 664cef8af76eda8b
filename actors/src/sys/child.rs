//! Child processes: tying them to the thread that spawns them, signalling them by pid, and
//! naming how they ended. scsynth, jackd and the NRT renderer are all started this way.

use std::path::Path;
use std::process::{ExitStatus, Stdio};

use tokio::process::Command;

pub use nix::sys::signal::Signal;

/// Makes the child die with `signal` when the spawning thread dies, and puts it in its own
/// process group so a terminal's Ctrl-C reaches only us (we then stop it in order). It does not
/// inherit systemd's notification socket: jackd built with libsystemd would say READY=1 for us.
#[allow(unsafe_code)]
pub fn dies_with_parent(command: &mut Command, signal: Signal) {
    command.process_group(0);
    for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        command.env_remove(name);
    }
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed: prctl, getppid and _exit are, and it allocates
    // nothing (the error is built from errno alone).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// A command for a child whose output we read and that must not outlive us: no input, both
/// outputs piped, killed when dropped and when the spawning thread dies.
pub fn watched(executable: &Path, args: &[String]) -> Command {
    let mut command = Command::new(executable);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    dies_with_parent(&mut command, Signal::SIGKILL);
    command
}

/// Sends `signal` to `pid`; whether it was delivered.
pub fn signal(pid: u32, signal: Signal) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal).is_ok()
}

/// Whether a process `pid` exists (a zombie counts).
pub fn exists(pid: u32) -> bool {
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

/// How a process ended, in words: `exit code 1` or `signal SIGKILL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitInfo {
    /// The exit code, if it exited normally.
    pub code: Option<i32>,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// The exit of a process whose status could not be read.
    pub const UNKNOWN: ExitInfo = ExitInfo {
        code: None,
        signal: None,
    };

    /// Reads a process's exit status.
    pub fn from_status(status: ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        ExitInfo {
            code: status.code(),
            signal: status.signal(),
        }
    }
}

impl std::fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(sig)) => match Signal::try_from(sig) {
                Ok(s) => write!(f, "signal {s}"),
                Err(_) => write!(f, "signal {sig}"),
            },
            _ => f.write_str("unknown status"),
        }
    }
}
