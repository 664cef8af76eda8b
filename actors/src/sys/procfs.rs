//! What `/proc` says about processes and sockets; the parsing is the core's
//! (`scserver_core::stale`), the reading is here.

use std::fs;

use scserver_core::stale::{parse_net_table, socket_inode, stat_start_ticks, SocketRow};
use scserver_core::Protocol;

/// The start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), which tells
/// a process from a later one that reused its pid; `None` when no such process runs.
pub fn start_ticks(pid: u32) -> Option<u64> {
    stat_start_ticks(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The process's command name (`/proc/<pid>/comm`, at most 15 characters).
pub fn command_name(pid: u32) -> Option<String> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_owned()).filter(|c| !c.is_empty())
}

/// Every socket of `protocol`, IPv4 and IPv6 (`/proc/net/{udp,tcp}{,6}`).
pub fn sockets(protocol: Protocol) -> Vec<SocketRow> {
    let tables: &[&str] = match protocol {
        Protocol::Udp => &["/proc/net/udp", "/proc/net/udp6"],
        Protocol::Tcp => &["/proc/net/tcp", "/proc/net/tcp6"],
    };
    tables
        .iter()
        .filter_map(|t| fs::read_to_string(t).ok())
        .flat_map(|text| parse_net_table(&text))
        .collect()
}

/// The process that has the socket `inode` open, when this user may see its descriptors.
pub fn socket_owner(inode: u64) -> Option<u32> {
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
