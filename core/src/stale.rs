//! Reading what the operating system says about a port and a process, without doing the I/O:
//! pid-file records of servers this library started, `/proc/net/udp` (and `tcp`, `udp6`,
//! `tcp6`) rows, and the start time in `/proc/<pid>/stat` that tells a live process from a
//! later one that reused its pid.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The process that started a server: while it lives, the server is not stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Its process id.
    pub pid: u32,
    /// Its start time in clock ticks since boot, which tells it from a later process that
    /// reused its pid.
    pub start_ticks: u64,
    /// Its command name (`/proc/<pid>/comm`), for messages.
    pub program: String,
    /// The name of the server it started.
    pub server: String,
}

/// How the pid record of a warm standby names its server: the server's name and this.
pub const STANDBY_SUFFIX: &str = " (standby)";

impl Owner {
    /// Whether this owner's record is for a warm standby rather than the serving process.
    pub fn is_standby(&self) -> bool {
        self.server.ends_with(STANDBY_SUFFIX)
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pid {} (server {:?})",
            self.program, self.pid, self.server
        )
    }
}

/// A server this library started, as recorded in its pid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidRecord {
    /// The scsynth process id.
    pub pid: u32,
    /// Its port.
    pub port: u16,
    /// The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
    /// When it was started, seconds since the Unix epoch (for people reading the file).
    pub started_unix: u64,
    /// The executable's file name (`scsynth`, `supernova`).
    pub executable: String,
    /// Who started it.
    pub owner: Owner,
}

/// One line per value: a line break in a name would end its field early.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

impl PidRecord {
    /// The file's text: one `key=value` per line.
    pub fn to_text(&self) -> String {
        format!(
            "pid={}\nport={}\nstart_ticks={}\nstarted_unix={}\nexecutable={}\n\
             owner_pid={}\nowner_start_ticks={}\nowner_program={}\nserver={}\n",
            self.pid,
            self.port,
            self.start_ticks,
            self.started_unix,
            one_line(&self.executable),
            self.owner.pid,
            self.owner.start_ticks,
            one_line(&self.owner.program),
            one_line(&self.owner.server),
        )
    }

    /// Parses [`PidRecord::to_text`]'s output; `None` for anything else, including records
    /// that do not name their owner.
    pub fn parse(text: &str) -> Option<PidRecord> {
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::trim)
        };
        Some(PidRecord {
            pid: get("pid")?.parse().ok()?,
            port: get("port")?.parse().ok()?,
            start_ticks: get("start_ticks")?.parse().ok()?,
            started_unix: get("started_unix")?.parse().ok()?,
            executable: get("executable")?.to_owned(),
            owner: Owner {
                pid: get("owner_pid")?.parse().ok()?,
                start_ticks: get("owner_start_ticks")?.parse().ok()?,
                program: get("owner_program")?.to_owned(),
                server: get("server")?.to_owned(),
            },
        })
    }
}

/// What holds a port, as far as the operating system tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding<'a> {
    /// The holding process, when visible.
    pub pid: Option<u32>,
    /// Its start time, when readable.
    pub start_ticks: Option<u64>,
    /// Its command name (at most 15 characters), when readable.
    pub command: Option<&'a str>,
}

/// Who a port's holder is, judged against the pid file of that port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not the recorded server (or nothing trustworthy is recorded): never touched.
    Foreign,
    /// The recorded server, and the process that started it still runs: it is in use.
    InUse,
    /// The recorded server, whose owner is gone: stale, safe to stop.
    Stale,
}

/// Judges the holder of a port: it is ours only when it is the recorded process (same pid,
/// same start time, same executable), and stale only when the recorded owner no longer runs
/// (`owner_start_ticks` is the start time of whatever process now has the owner's pid).
pub fn judge(
    record: Option<&PidRecord>,
    holding: &Holding<'_>,
    owner_start_ticks: Option<u64>,
) -> Verdict {
    let Some(record) = record else {
        return Verdict::Foreign;
    };
    let ours = holding.pid == Some(record.pid)
        && holding.start_ticks == Some(record.start_ticks)
        // comm is the executable's name cut to 15 characters.
        && holding
            .command
            .is_some_and(|comm| !comm.is_empty() && record.executable.starts_with(comm));
    if !ours {
        Verdict::Foreign
    } else if owner_start_ticks == Some(record.owner.start_ticks) {
        Verdict::InUse
    } else {
        Verdict::Stale
    }
}

/// The start time (field 22) of `/proc/<pid>/stat`.
pub fn stat_start_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// One socket row of `/proc/net/{udp,tcp}{,6}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRow {
    /// Local address.
    pub ip: IpAddr,
    /// Local port.
    pub port: u16,
    /// The owner's user id.
    pub uid: u32,
    /// The socket's inode, which `/proc/<pid>/fd/*` links name as `socket:[inode]`.
    pub inode: u64,
}

fn parse_ip(hex: &str) -> Option<IpAddr> {
    // The kernel prints each 32-bit word of the address as a host-order integer.
    let words: Option<Vec<[u8; 4]>> = (0..hex.len() / 8)
        .map(|i| {
            u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                .ok()
                .map(u32::to_ne_bytes)
        })
        .collect();
    let bytes: Vec<u8> = words?.concat();
    match bytes.len() {
        4 => Some(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).into()),
        16 => Some(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).into()),
        _ => None,
    }
}

/// The rows of a `/proc/net/udp`-style table; malformed rows are skipped.
pub fn parse_net_table(text: &str) -> Vec<SocketRow> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (ip, port) = f.get(1)?.split_once(':')?;
            Some(SocketRow {
                ip: parse_ip(ip)?,
                port: u16::from_str_radix(port, 16).ok()?,
                uid: f.get(7)?.parse().ok()?,
                inode: f.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// Whether a socket bound to `held` keeps a server from binding `wanted` on the same port.
pub fn addresses_clash(held: IpAddr, wanted: IpAddr) -> bool {
    held.is_unspecified() || wanted.is_unspecified() || held == wanted
}

/// The inode in an fd link such as `socket:[12345]`.
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> PidRecord {
        PidRecord {
            pid: 42,
            port: 57110,
            start_ticks: 123456,
            started_unix: 1_800_000_000,
            executable: "scsynth".into(),
            owner: Owner {
                pid: 7,
                start_ticks: 99,
                program: "scserver".into(),
                server: "main".into(),
            },
        }
    }

    #[test]
    fn records_round_trip() {
        let r = record();
        assert_eq!(PidRecord::parse(&r.to_text()), Some(r));
        assert_eq!(PidRecord::parse("pid=1\n"), None);
        assert_eq!(PidRecord::parse(""), None);
        let mut named = record();
        named.owner.server = "two\nlines".into();
        assert_eq!(
            PidRecord::parse(&named.to_text()).unwrap().owner.server,
            "two lines"
        );
        // A record without its owner cannot tell a stale server from a live one.
        let ownerless = "pid=42\nport=57110\nstart_ticks=1\nstarted_unix=2\nexecutable=scsynth\n";
        assert_eq!(PidRecord::parse(ownerless), None);
    }

    #[test]
    fn owners_read_as_in_messages() {
        assert_eq!(
            record().owner.to_string(),
            "scserver pid 7 (server \"main\")"
        );
    }

    #[test]
    fn only_the_recorded_server_of_a_dead_owner_is_stale() {
        let r = record();
        let holding = Holding {
            pid: Some(42),
            start_ticks: Some(123456),
            command: Some("scsynth"),
        };
        assert_eq!(judge(Some(&r), &holding, Some(99)), Verdict::InUse);
        assert_eq!(judge(Some(&r), &holding, None), Verdict::Stale);
        // The owner's pid now belongs to a later process.
        assert_eq!(judge(Some(&r), &holding, Some(100)), Verdict::Stale);
        assert_eq!(judge(None, &holding, None), Verdict::Foreign);
        for other in [
            Holding {
                pid: Some(43),
                ..holding.clone()
            },
            Holding {
                start_ticks: Some(1),
                ..holding.clone()
            },
            Holding {
                command: Some("python3"),
                ..holding.clone()
            },
            Holding {
                pid: None,
                start_ticks: None,
                command: None,
            },
        ] {
            assert_eq!(judge(Some(&r), &other, None), Verdict::Foreign, "{other:?}");
        }
    }

    #[test]
    fn start_ticks_after_a_command_with_spaces() {
        let stat = "1234 (scsynth (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 8 0 987654 1000000 200";
        assert_eq!(stat_start_ticks(stat), Some(987654));
        assert_eq!(stat_start_ticks("garbage"), None);
    }

    #[test]
    fn proc_net_udp_rows() {
        let v4 = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
                  \x20 123: 0100007F:DF16 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 98765 2 0000000000000000 0\n\
                  \x20 124: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 111 2 0000000000000000 0\n\
                  \x20 bad line\n";
        let rows = parse_net_table(v4);
        assert_eq!(rows.len(), 2);
        if cfg!(target_endian = "little") {
            assert_eq!(rows[0].ip, IpAddr::from([127, 0, 0, 1]));
        }
        assert_eq!(rows[0].port, 57110);
        assert_eq!(rows[0].uid, 1000);
        assert_eq!(rows[0].inode, 98765);
        assert!(rows[1].ip.is_unspecified());
        let v6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
                  \x20 5: 00000000000000000000000000000000:DF16 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 555 2 0000000000000000 0\n";
        let rows = parse_net_table(v6);
        assert_eq!(rows[0].ip, IpAddr::from(Ipv6Addr::UNSPECIFIED));
        assert_eq!(rows[0].inode, 555);
    }

    #[test]
    fn clashes() {
        let lo: IpAddr = [127, 0, 0, 1].into();
        let any: IpAddr = [0, 0, 0, 0].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(addresses_clash(any, lo));
        assert!(addresses_clash(lo, any));
        assert!(addresses_clash(lo, lo));
        assert!(!addresses_clash(other, lo));
    }

    #[test]
    fn fd_links() {
        assert_eq!(socket_inode("socket:[98765]"), Some(98765));
        assert_eq!(socket_inode("pipe:[1]"), None);
        assert_eq!(socket_inode("/dev/null"), None);
    }
}
