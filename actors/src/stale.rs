//! Stale servers: pid files under the runtime directory record every scsynth this library
//! started; at boot, a port held by one of them (still alive, still the same process) is
//! reclaimed by killing exactly that pid. A port held by anything else is named in the error.
//! Never a global `killall`.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver_core::stale::{
    addresses_clash, parse_net_table, socket_inode, stat_start_ticks, PidRecord,
};
use scserver_core::Protocol;

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
        _ => std::env::temp_dir().join(format!("scserver-{}", nix::unistd::getuid().as_raw())),
    }
}

fn pid_file(port: u16) -> PathBuf {
    runtime_dir().join(format!("scsynth-{port}.pid"))
}

fn start_ticks(pid: u32) -> Option<u64> {
    stat_start_ticks(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The process's command name (`/proc/<pid>/comm`, at most 15 characters).
fn command_name(pid: u32) -> Option<String> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_owned()).filter(|c| !c.is_empty())
}

/// Records a server this library just started. Failures only cost the reclaim later: logged.
pub fn record(port: u16, pid: u32, executable: &Path) {
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
    };
    let dir = runtime_dir();
    let written = fs::create_dir_all(&dir).and_then(|()| {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        fs::write(pid_file(port), record.to_text())
    });
    if let Err(e) = written {
        tracing::warn!(error = %e, dir = %dir.display(), "cannot write the pid file");
    }
}

/// Removes the pid file of `port` if it records `pid`.
pub fn forget(port: u16, pid: u32) {
    let path = pid_file(port);
    if let Some(r) = fs::read_to_string(&path)
        .ok()
        .and_then(|t| PidRecord::parse(&t))
    {
        if r.pid == pid {
            let _ = fs::remove_file(path);
        }
    }
}

/// Who holds `port` on `ip` for `protocol`, if anyone.
pub fn holder(port: u16, ip: IpAddr, protocol: Protocol) -> Option<PortHolder> {
    let tables: &[&str] = match protocol {
        Protocol::Udp => &["/proc/net/udp", "/proc/net/udp6"],
        Protocol::Tcp => &["/proc/net/tcp", "/proc/net/tcp6"],
    };
    let row = tables
        .iter()
        .filter_map(|t| fs::read_to_string(t).ok())
        .flat_map(|text| parse_net_table(&text))
        // A TCP row on that port may be a client connection; only listeners (inode != 0 and
        // bound locally) matter, and for UDP every bound socket does.
        .find(|r| r.port == port && r.inode != 0 && addresses_clash(r.ip, ip))?;
    let pid = find_pid(row.inode);
    Some(PortHolder {
        pid,
        command: pid.and_then(command_name),
        uid: row.uid,
    })
}

fn find_pid(inode: u64) -> Option<u32> {
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(link) = fs::read_link(fd.path()) {
                if link.to_str().and_then(socket_inode) == Some(inode) {
                    return Some(pid);
                }
            }
        }
    }
    None
}

/// What [`reclaim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reclaim {
    /// Nothing held the port.
    Free,
    /// A stale server of ours held it and was killed.
    Reclaimed(u32),
    /// Something else holds it.
    Held(PortHolder),
}

/// Makes `port` free for a new server if a stale one of ours holds it; `grace` bounds the wait
/// for the killed process to let go of it.
pub async fn reclaim(port: u16, ip: IpAddr, protocol: Protocol, grace: Duration) -> Reclaim {
    let Some(holder) = holder(port, ip, protocol) else {
        return Reclaim::Free;
    };
    let recorded = fs::read_to_string(pid_file(port))
        .ok()
        .and_then(|t| PidRecord::parse(&t));
    let ours = match (&recorded, holder.pid) {
        (Some(r), Some(pid)) => {
            r.pid == pid
                && start_ticks(pid) == Some(r.start_ticks)
                // comm is the executable's name cut to 15 characters.
                && holder
                    .command
                    .as_deref()
                    .is_some_and(|comm| r.executable.starts_with(comm) && !comm.is_empty())
        }
        _ => false,
    };
    if !ours {
        return Reclaim::Held(holder);
    }
    let pid = holder.pid.expect("checked above");
    tracing::warn!(
        pid,
        port,
        "reclaiming the port from a stale scsynth this library started"
    );
    let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
    let deadline = Instant::now() + grace;
    // Not our child (its parent is gone), so there is no exit to wait for: watch the port.
    while self::holder(port, ip, protocol).is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    forget(port, pid);
    Reclaim::Reclaimed(pid)
}
