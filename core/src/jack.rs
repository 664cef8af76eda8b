//! JACK as scserver sees it: which JACK server a server plays through ([`JackMode`]), and what
//! jackd2's machine-wide table of servers (`/dev/shm/jack-shm-registry`) says, read from its
//! bytes ([`Registry`]).
//!
//! jackd2 keeps at most 8 servers in that table. A jackd that dies without unregistering
//! (SIGKILL, a crash) keeps its slot until a server of the same name starts; once the table is
//! full every new jackd exits at start ("Too many servers already active"). The layout is checked
//! before anything is read (jackd2 1.9: magic `JACK`, a 24-byte header, 8 entries of a pid and a
//! 257-byte name padded to 264).

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where a server's scsynth finds a JACK server when none runs under the name it would use
/// (`JACK_DEFAULT_SERVER`, else `default`). A running one is always used as it is.
///
/// In a config file: `jack = "running" | "shared" | "own"`; the older `start_jack = true | false`
/// still reads as `"own"` and `"running"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum JackMode {
    /// Start none: without a running JACK server the boot fails, saying so.
    #[default]
    Running,
    /// Play through one dummy JACK server (`jackd -d dummy`) that this process starts for every
    /// server asking to share it (one per sample rate and period), stops when the last of them
    /// quits, and replaces if it dies. Any number of servers take one slot of JACK's table.
    Shared,
    /// Start a private dummy JACK server for this server alone, stopped when it quits. Each
    /// takes one of JACK's 8 slots.
    Own,
}

impl JackMode {
    /// The name in config files.
    pub fn name(self) -> &'static str {
        match self {
            JackMode::Running => "running",
            JackMode::Shared => "shared",
            JackMode::Own => "own",
        }
    }
}

impl fmt::Display for JackMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for JackMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for JackMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ModeVisitor;

        impl Visitor<'_> for ModeVisitor {
            type Value = JackMode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"running\", \"shared\" or \"own\"")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<JackMode, E> {
                match value {
                    "running" => Ok(JackMode::Running),
                    "shared" => Ok(JackMode::Shared),
                    "own" => Ok(JackMode::Own),
                    _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
                }
            }

            /// `start_jack = true | false`, as config files said before there were three modes.
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<JackMode, E> {
                Ok(if value {
                    JackMode::Own
                } else {
                    JackMode::Running
                })
            }
        }

        deserializer.deserialize_any(ModeVisitor)
    }
}

/// The registry's magic number, `JACK` read as a native-endian word.
const MAGIC: u32 = 0x4a41_434b;
/// Slots in the table.
pub const SLOTS: usize = 8;
const ENTRY: usize = 264;
const FIRST: usize = 24;

/// The bytes of the table's header and slots: what has to be read, and written back to free one.
pub const TABLE_BYTES: usize = FIRST + SLOTS * ENTRY;

/// One used slot of JACK's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Its index, 0..8.
    pub index: usize,
    /// The jackd that registered it.
    pub pid: u32,
    /// `jack-<uid>:<server name>:` as jackd2 writes it.
    pub name: String,
}

impl Slot {
    /// Where the slot starts in the file.
    pub fn offset(&self) -> usize {
        FIRST + self.index * ENTRY
    }

    /// The bytes that free it.
    pub fn cleared() -> [u8; ENTRY] {
        [0; ENTRY]
    }

    /// The JACK server's own name, without the `jack-<uid>:` prefix and the trailing colon.
    pub fn server_name(&self) -> &str {
        let rest = self.name.split_once(':').map_or(&*self.name, |(_, r)| r);
        rest.strip_suffix(':').unwrap_or(rest)
    }
}

/// JACK's table of servers, as read from `/dev/shm/jack-shm-registry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// The used slots, in table order.
    pub used: Vec<Slot>,
}

impl Registry {
    /// Reads the table from the file's first [`TABLE_BYTES`]; `None` for a layout this does not
    /// know (another jackd version), which is then left alone.
    pub fn parse(bytes: &[u8]) -> Option<Registry> {
        let word = |at: usize| -> Option<u32> {
            Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
        };
        if bytes.len() < TABLE_BYTES || word(0)? != MAGIC || word(16)? as usize != TABLE_BYTES {
            return None;
        }
        let used = (0..SLOTS)
            .filter_map(|index| {
                let at = FIRST + index * ENTRY;
                let pid = word(at)?;
                let raw = bytes.get(at + 4..at + ENTRY)?;
                let name = &raw[..raw.iter().position(|b| *b == 0).unwrap_or(raw.len())];
                (pid as i32 > 0).then(|| Slot {
                    index,
                    pid,
                    name: String::from_utf8_lossy(name).into_owned(),
                })
            })
            .collect();
        Some(Registry { used })
    }

    /// Whether every slot is taken: a new jackd would exit at start.
    pub fn is_full(&self) -> bool {
        self.used.len() >= SLOTS
    }

    /// The slots of dummy servers this library named for user `uid` (`scserver-…`) whose jackd
    /// `alive` says is gone: safe to free.
    pub fn dead_of_ours(&self, uid: u32, alive: impl Fn(u32) -> bool) -> Vec<&Slot> {
        let prefix = format!("jack-{uid}:scserver-");
        self.used
            .iter()
            .filter(|s| s.name.starts_with(&prefix) && !alive(s.pid))
            .collect()
    }

    /// The used slots in words, for an error: `scdev (pid 6230), …`.
    pub fn describe(&self) -> String {
        self.used
            .iter()
            .map(|s| format!("{} (pid {})", s.server_name(), s.pid))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The JACK server a client semaphore file (`jack_sem.<uid>_<server>_<client>`) of user `uid`
/// belongs to, when the server is one this library named (`scserver-…`).
pub fn semaphore_server(file_name: &str, uid: u32) -> Option<&str> {
    let rest = file_name.strip_prefix(&format!("jack_sem.{uid}_"))?;
    let (server, _client) = rest.split_once('_')?;
    server.starts_with("scserver-").then_some(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_semaphores_of_our_servers() {
        let ours = "jack_sem.0_scserver-16881-10803_SuperCollider";
        assert_eq!(semaphore_server(ours, 0), Some("scserver-16881-10803"));
        assert_eq!(semaphore_server(ours, 1000), None, "another user's");
        assert_eq!(
            semaphore_server("jack_sem.0_scdev_system", 0),
            None,
            "not ours"
        );
        assert_eq!(semaphore_server("jack-shm-registry", 0), None);
    }

    fn table(slots: &[(usize, u32, &str)]) -> Vec<u8> {
        let mut bytes = vec![0u8; TABLE_BYTES + 100];
        bytes[0..4].copy_from_slice(&MAGIC.to_ne_bytes());
        bytes[16..20].copy_from_slice(&(TABLE_BYTES as u32).to_ne_bytes());
        for (index, pid, name) in slots {
            let at = FIRST + index * ENTRY;
            bytes[at..at + 4].copy_from_slice(&pid.to_ne_bytes());
            bytes[at + 4..at + 4 + name.len()].copy_from_slice(name.as_bytes());
        }
        bytes
    }

    #[test]
    fn reads_the_used_slots() {
        let registry =
            Registry::parse(&table(&[(0, 6230, "jack-0:scdev:"), (3, 77, "jack-0:x:")])).unwrap();
        assert_eq!(registry.used.len(), 2);
        assert_eq!(registry.used[1].index, 3);
        assert_eq!(registry.used[0].server_name(), "scdev");
        assert_eq!(registry.describe(), "scdev (pid 6230), x (pid 77)");
        assert!(!registry.is_full());
    }

    #[test]
    fn eight_used_slots_are_a_full_table() {
        let names: Vec<String> = (0..8).map(|i| format!("jack-0:s{i}:")).collect();
        let slots: Vec<(usize, u32, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (i, 100 + i as u32, n.as_str()))
            .collect();
        assert!(Registry::parse(&table(&slots)).unwrap().is_full());
    }

    #[test]
    fn an_unknown_layout_is_left_alone() {
        let mut bytes = table(&[]);
        bytes[0] ^= 1;
        assert_eq!(Registry::parse(&bytes), None);
        assert_eq!(Registry::parse(&table(&[])[..100]), None);
    }

    #[test]
    fn only_our_own_dead_servers_are_freed() {
        let registry = Registry::parse(&table(&[
            (0, 10, "jack-0:scserver-1-57110:"),
            (1, 11, "jack-0:scserver-1-57111:"),
            (2, 12, "jack-0:scdev:"),
            (3, 13, "jack-1000:scserver-1-57112:"),
        ]))
        .unwrap();
        let dead: Vec<usize> = registry
            .dead_of_ours(0, |pid| pid == 11)
            .iter()
            .map(|s| s.index)
            .collect();
        assert_eq!(dead, [0]);
    }

    #[test]
    fn modes_read_from_names_and_from_the_old_boolean() {
        #[derive(Deserialize)]
        struct T {
            jack: JackMode,
        }
        let read = |text: &str| toml::from_str::<T>(text).map(|t| t.jack);
        assert_eq!(read("jack = \"shared\"").unwrap(), JackMode::Shared);
        assert_eq!(read("jack = \"own\"").unwrap(), JackMode::Own);
        assert_eq!(read("jack = \"running\"").unwrap(), JackMode::Running);
        assert_eq!(read("jack = true").unwrap(), JackMode::Own);
        assert_eq!(read("jack = false").unwrap(), JackMode::Running);
        let error = read("jack = \"mine\"").unwrap_err().to_string();
        assert!(
            error.contains("\"running\", \"shared\" or \"own\""),
            "{error}"
        );
        assert_eq!(
            toml::Value::try_from(JackMode::Shared).unwrap(),
            toml::Value::String("shared".into())
        );
    }
}
