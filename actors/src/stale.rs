//! Stale servers: pid files in a private per-user directory record every scsynth this library
//! started and the process that started it. At boot, a port held by one of them whose owner is
//! gone (an owner killed before it could quit its server) is reclaimed by killing exactly that
//! pid. A port held by a server whose owner still runs, in this process or another, or by
//! anything else, is named in the error. Never a global `killall`.

use std::fs;
use std::io;
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use scserver_core::stale::{addresses_clash, judge, Holding, Verdict};
use scserver_core::Protocol;

use crate::sys::child::{self, Signal};
use crate::sys::procfs::{self, command_name, start_ticks};
use crate::sys::user_id;

pub use scserver_core::stale::{Owner, PidRecord};

/// Who holds a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortHolder {
    /// The process, when its file descriptors are readable (same user, or root).
    pub pid: Option<u32>,
    /// Its command name, when readable.
    pub command: Option<String>,
    /// The socket owner's user id.
    pub uid: u32,
}

impl std::fmt::Display for PortHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.pid, &self.command) {
            (Some(pid), Some(cmd)) => write!(f, "pid {pid} ({cmd})"),
            (Some(pid), None) => write!(f, "pid {pid}"),
            _ => write!(
                f,
                "a process of user id {} that this user cannot see",
                self.uid
            ),
        }
    }
}

/// Where pid files live: `$XDG_RUNTIME_DIR/scserver`, else `/tmp/scserver-<uid>`.
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(dir) if !dir.is_empty() => Path::new(&dir).join("scserver"),
        _ => std::env::temp_dir().join(format!("scserver-{}", user_id())),
    }
}

fn pid_file(port: u16) -> PathBuf {
    runtime_dir().join(format!("scsynth-{port}.pid"))
}

/// The runtime directory, created `0700` if missing; refused when it is not a directory of
/// this user's (in the shared temporary directory anyone could have made it first).
fn private_dir() -> io::Result<PathBuf> {
    let dir = runtime_dir();
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    check_private(&dir)?;
    Ok(dir)
}

fn check_private(dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != user_id() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is not a directory of this user's", dir.display()),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The record of `port`, if its directory and file are this user's own.
fn trusted_record(port: u16) -> Option<PidRecord> {
    check_private(&runtime_dir()).ok()?;
    let path = pid_file(port);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.uid() != user_id() {
        tracing::warn!(path = %path.display(), "ignoring a pid file that is not this user's own");
        return None;
    }
    PidRecord::parse(&fs::read_to_string(path).ok()?)
}

/// The record of the scsynth this library started on `port`, while that very process runs.
pub fn recorded(port: u16) -> Option<PidRecord> {
    trusted_record(port).filter(|r| start_ticks(r.pid) == Some(r.start_ticks))
}

/// The running process `pid` as the owner of `server`; `None` when it is not running.
pub fn owner(pid: u32, server: &str) -> Option<Owner> {
    Some(Owner {
        pid,
        start_ticks: start_ticks(pid)?,
        program: command_name(pid).unwrap_or_default(),
        server: server.to_owned(),
    })
}

/// Records a server this library just started for `owner`. Failures only cost the reclaim
/// later: logged.
pub fn record(port: u16, pid: u32, executable: &Path, owner: Owner) {
    let Some(start_ticks) = start_ticks(pid) else {
        return;
    };
    let record = PidRecord {
        pid,
        port,
        start_ticks,
        started_unix: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        executable: executable
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        owner,
    };
    let written = private_dir().and_then(|_| {
        let path = pid_file(port);
        // Another user's file is never overwritten (nor trusted when read).
        if fs::symlink_metadata(&path).is_ok_and(|m| m.uid() != user_id() || !m.is_file()) {
            fs::remove_file(&path)?;
        }
        fs::write(path, record.to_text())
    });
    if let Err(e) = written {
        tracing::warn!(error = %e, dir = %runtime_dir().display(), "cannot write the pid file");
    }
}

/// Removes the pid file of `port` if it records `pid`.
pub fn forget(port: u16, pid: u32) {
    let path = pid_file(port);
    if let Some(r) = trusted_record(port) {
        if r.pid == pid {
            let _ = fs::remove_file(path);
        }
    }
}

/// Who holds `port` on `ip` for `protocol`, if anyone.
pub fn holder(port: u16, ip: IpAddr, protocol: Protocol) -> Option<PortHolder> {
    let row = procfs::sockets(protocol)
        .into_iter()
        // A TCP row on that port may be a client connection; only listeners (inode != 0 and
        // bound locally) matter, and for UDP every bound socket does.
        .find(|r| r.port == port && r.inode != 0 && addresses_clash(r.ip, ip))?;
    let pid = procfs::socket_owner(row.inode);
    Some(PortHolder {
        pid,
        command: pid.and_then(command_name),
        uid: row.uid,
    })
}

/// What [`reclaim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reclaim {
    /// Nothing held the port.
    Free,
    /// A stale server of ours held it and was killed.
    Reclaimed(u32),
    /// A server of ours whose owner still runs holds it.
    InUse {
        /// The scsynth process id.
        pid: u32,
        /// The process that started it.
        owner: Owner,
    },
    /// Something else holds it.
    Held(PortHolder),
}

/// Makes `port` free for a new server if a stale one of ours holds it; `grace` bounds the wait
/// for the killed process to let go of it.
pub async fn reclaim(port: u16, ip: IpAddr, protocol: Protocol, grace: Duration) -> Reclaim {
    let Some(holder) = holder(port, ip, protocol) else {
        return Reclaim::Free;
    };
    let record = trusted_record(port);
    let holding = Holding {
        pid: holder.pid,
        start_ticks: holder.pid.and_then(start_ticks),
        command: holder.command.as_deref(),
    };
    let owner_now = record.as_ref().and_then(|r| start_ticks(r.owner.pid));
    let (pid, record) = match (judge(record.as_ref(), &holding, owner_now), record) {
        (Verdict::Stale, Some(record)) => (record.pid, record),
        (Verdict::InUse, Some(record)) => {
            return Reclaim::InUse {
                pid: record.pid,
                owner: record.owner,
            }
        }
        _ => return Reclaim::Held(holder),
    };
    tracing::warn!(
        pid,
        port,
        owner = %record.owner,
        "reclaiming the port from a stale scsynth whose owner is gone"
    );
    child::signal(pid, Signal::SIGKILL);
    let deadline = Instant::now() + grace;
    // Not our child (its parent is gone), so there is no exit to wait for: watch the port.
    while self::holder(port, ip, protocol).is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    forget(port, pid);
    Reclaim::Reclaimed(pid)
}
