//! The SynthDefs a client has sent to one server, so that a synth of a SynthDef value carries
//! the definition only while the server may lack it: the first time, after a change of the
//! definition, and after the server lost it (a reboot, `/d_free`, `/d_freeAll`, a reset).
//!
//! A definition travels as `/d_recv` with the `/s_new` as its completion, so the synth starts
//! once the definition is loaded. Until that load is confirmed (an awaited `/d_recv`, or a replay
//! after a restart followed by `/sync`), later synths of it carry the definition too: a bare
//! `/s_new` could overtake the load, which scsynth runs in its non-realtime queue.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rosc::{OscMessage, OscPacket, OscType};

/// A fingerprint of a definition's compiled SCgf bytes: the same name with other bytes is
/// another definition.
pub fn digest(scgf: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    scgf.hash(&mut hasher);
    hasher.finish()
}

/// Whether the server has a definition, as far as this client knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// Not there (never sent, or lost since).
    Absent,
    /// Sent, load not confirmed yet.
    Pending,
    /// Loaded.
    Loaded,
}

#[derive(Debug, Clone)]
struct Entry {
    digest: u64,
    copy: Held,
}

/// What a synth of a SynthDef value needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Send the definition along (`/d_recv` with `/s_new` as its completion).
    Definition,
    /// The server has it: a plain `/s_new`.
    Nothing,
}

/// The SynthDefs sent to one server, by name.
#[derive(Debug, Clone, Default)]
pub struct SentSynthDefs {
    defs: HashMap<String, Entry>,
}

impl SentSynthDefs {
    /// Nothing sent yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A use of the definition `name` with this `digest`: says what to send, and counts the
    /// definition as sent (pending) when it must go along.
    pub fn claim(&mut self, name: &str, digest: u64) -> Need {
        match self.defs.get(name) {
            Some(e) if e.digest == digest && e.copy == Held::Loaded => Need::Nothing,
            _ => {
                self.defs.insert(
                    name.to_owned(),
                    Entry {
                        digest,
                        copy: Held::Pending,
                    },
                );
                Need::Definition
            }
        }
    }

    /// The server confirmed the load of `name` with this `digest` (a later send of other bytes
    /// under the name is not confirmed by it).
    pub fn loaded(&mut self, name: &str, digest: u64) {
        if let Some(e) = self.defs.get_mut(name).filter(|e| e.digest == digest) {
            e.copy = Held::Loaded;
        }
    }

    /// The send of `name` failed: the server may not have it.
    pub fn failed(&mut self, name: &str) {
        self.set_copy(name, Held::Absent);
    }

    /// The server lost every definition (a reboot, a reset, `/d_freeAll`).
    pub fn forget_all(&mut self) {
        self.defs.values_mut().for_each(|e| e.copy = Held::Absent);
    }

    /// Looks at a packet sent to the server for `/d_free` and `/d_freeAll`.
    pub fn observe(&mut self, packet: &OscPacket) {
        match packet {
            OscPacket::Bundle(b) => b.content.iter().for_each(|p| self.observe(p)),
            OscPacket::Message(m) => match m.addr.as_str() {
                "/d_freeAll" => self.forget_all(),
                "/d_free" => {
                    for arg in &m.args {
                        if let OscType::String(name) = arg {
                            self.set_copy(name, Held::Absent);
                        }
                    }
                }
                _ => {}
            },
        }
    }

    /// After `messages` were replayed to a fresh server and a `/sync` came back: the
    /// definitions they carried alone (one per `/d_recv`) are loaded again.
    pub fn restored(&mut self, messages: &[OscMessage]) {
        for m in messages.iter().filter(|m| m.addr == "/d_recv") {
            let Some(OscType::Blob(scgf)) = m.args.first() else {
                continue;
            };
            if definition_count(scgf) != Some(1) {
                continue;
            }
            if let Some(name) = crate::replay::first_synthdef_name(scgf) {
                self.loaded(&name, digest(scgf));
            }
        }
    }

    /// Whether the server has `name` loaded, as far as this client knows.
    pub fn is_loaded(&self, name: &str) -> bool {
        self.defs.get(name).is_some_and(|e| e.copy == Held::Loaded)
    }

    fn set_copy(&mut self, name: &str, copy: Held) {
        if let Some(e) = self.defs.get_mut(name) {
            e.copy = copy;
        }
    }
}

/// How many definitions an SCgf file holds (its header's count).
fn definition_count(scgf: &[u8]) -> Option<u16> {
    if scgf.get(0..4)? != b"SCgf" {
        return None;
    }
    Some(u16::from_be_bytes([*scgf.get(8)?, *scgf.get(9)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scgf(name: &str, count: u16, body: u8) -> Vec<u8> {
        let mut b = b"SCgf".to_vec();
        b.extend(2i32.to_be_bytes());
        b.extend(count.to_be_bytes());
        b.push(name.len() as u8);
        b.extend(name.as_bytes());
        b.push(body);
        b
    }

    fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
        OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        })
    }

    #[test]
    fn a_definition_goes_along_until_its_load_is_confirmed() {
        let mut sent = SentSynthDefs::new();
        let d = digest(&scgf("sine", 1, 0));
        assert_eq!(sent.claim("sine", d), Need::Definition);
        // Not confirmed yet: a bare /s_new could overtake the load.
        assert_eq!(sent.claim("sine", d), Need::Definition);
        sent.loaded("sine", d);
        assert_eq!(sent.claim("sine", d), Need::Nothing);
        assert!(sent.is_loaded("sine"));
        // Other bytes under the same name are another definition.
        let other = digest(&scgf("sine", 1, 1));
        assert_eq!(sent.claim("sine", other), Need::Definition);
        sent.loaded("sine", d);
        assert!(!sent.is_loaded("sine"), "a stale confirmation");
        sent.loaded("sine", other);
        assert!(sent.is_loaded("sine"));
        sent.failed("sine");
        assert!(!sent.is_loaded("sine"));
    }

    #[test]
    fn frees_and_reboots_forget_the_servers_copy() {
        let mut sent = SentSynthDefs::new();
        for name in ["a", "b"] {
            let d = digest(name.as_bytes());
            sent.claim(name, d);
            sent.loaded(name, d);
        }
        sent.observe(&message("/d_free", vec![OscType::String("a".into())]));
        assert!(!sent.is_loaded("a") && sent.is_loaded("b"));
        sent.observe(&OscPacket::Bundle(rosc::OscBundle {
            timetag: crate::timetag::IMMEDIATE,
            content: vec![message("/d_freeAll", vec![])],
        }));
        assert!(!sent.is_loaded("b"));
        let d = digest(b"a");
        sent.loaded("a", d);
        sent.forget_all();
        assert_eq!(sent.claim("a", d), Need::Definition);
    }

    #[test]
    fn a_replay_restores_single_definitions() {
        let mut sent = SentSynthDefs::new();
        let (one, many) = (scgf("one", 1, 0), scgf("many", 2, 0));
        sent.claim("one", digest(&one));
        sent.claim("many", digest(&many));
        sent.forget_all();
        let recv = |data: &[u8]| OscMessage {
            addr: "/d_recv".into(),
            args: vec![OscType::Blob(data.to_vec())],
        };
        sent.restored(&[recv(&one), recv(&many), recv(b"junk")]);
        assert!(sent.is_loaded("one"));
        assert!(
            !sent.is_loaded("many"),
            "a file of several is not this definition's bytes"
        );
    }
}
