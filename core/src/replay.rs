//! What a client loaded into a server and would want back after a restart: SynthDefs sent with
//! `/d_recv` (or loaded with `/d_load`, `/d_loadDir`) and buffers read from files, either with
//! `/b_allocRead` / `/b_allocReadChannel` or allocated with `/b_alloc` and then filled by
//! `/b_read` / `/b_readChannel` (sclang's `Buffer.alloc` then `read`; a read that leaves the file
//! open streams it, and is not remembered). Frees forget them again.
//!
//! Completion messages are dropped from what is remembered: they usually create nodes, and
//! nodes are the restart hook's business, not this log's.

use std::collections::BTreeMap;

use rosc::{OscMessage, OscPacket, OscType};

/// Packets sent to a server that should be sent again to a fresh one, in first-sent order.
#[derive(Debug, Clone, Default)]
pub struct ReplayLog {
    next: u64,
    /// SynthDef loads by key (the first SynthDef's name, or the path loaded), with their order.
    synthdefs: BTreeMap<String, (u64, OscMessage)>,
    /// Buffer reads by buffer number (an allocation and the read into it, or one
    /// allocate-and-read), with their order.
    buffers: BTreeMap<i32, (u64, Vec<OscMessage>)>,
    /// Buffers allocated empty, until a read fills one from a file.
    allocated: BTreeMap<i32, OscMessage>,
}

/// Whether encoded OSC bytes may hold something [`ReplayLog::observe`] cares about; lets a
/// sender skip decoding everything else.
pub fn may_matter(bytes: &[u8]) -> bool {
    bytes.starts_with(b"/d_") || bytes.starts_with(b"/b_") || bytes.starts_with(b"#bundle")
}

/// The packet in encoded bytes sent to the server, when it may load or free something (see
/// [`may_matter`]); `None` for everything else and for bytes that do not decode.
pub fn decode_loads(bytes: &[u8]) -> Option<OscPacket> {
    if !may_matter(bytes) {
        return None;
    }
    rosc::decoder::decode_udp(bytes)
        .ok()
        .map(|(_, packet)| packet)
}

/// The name of the first SynthDef in SCgf bytes.
pub fn first_synthdef_name(scgf: &[u8]) -> Option<String> {
    // "SCgf", int32 version, int16 count, then a pstring name.
    if scgf.get(0..4)? != b"SCgf" {
        return None;
    }
    let len = *scgf.get(10)? as usize;
    let name = scgf.get(11..11 + len)?;
    Some(String::from_utf8_lossy(name).into_owned())
}

fn keep_args(message: &OscMessage, n: usize) -> OscMessage {
    OscMessage {
        addr: message.addr.clone(),
        args: message.args.iter().take(n).cloned().collect(),
    }
}

/// The message without its completion message (a blob, the last argument of buffer commands).
fn without_completion(message: &OscMessage) -> OscMessage {
    let n = message
        .args
        .iter()
        .position(|a| matches!(a, OscType::Blob(_)))
        .unwrap_or(message.args.len());
    keep_args(message, n)
}

impl ReplayLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at a packet that was sent, bundles included. Answers the messages that bring a
    /// copy of the server (a standby) to the same durable state: the loads as remembered,
    /// without their completion messages, and the frees (an allocation of an empty buffer frees
    /// a file buffer of that number there).
    pub fn observe(&mut self, packet: &OscPacket) -> Vec<OscMessage> {
        let mut copy = Vec::new();
        self.observe_into(packet, &mut copy);
        copy
    }

    fn observe_into(&mut self, packet: &OscPacket, copy: &mut Vec<OscMessage>) {
        match packet {
            OscPacket::Message(m) => copy.extend(self.observe_message(m)),
            OscPacket::Bundle(b) => b.content.iter().for_each(|p| self.observe_into(p, copy)),
        }
    }

    /// Decodes and observes encoded bytes, skipping what cannot matter; answers as
    /// [`Self::observe`].
    pub fn observe_bytes(&mut self, bytes: &[u8]) -> Vec<OscMessage> {
        decode_loads(bytes)
            .map(|packet| self.observe(&packet))
            .unwrap_or_default()
    }

    fn stamp(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn observe_message(&mut self, m: &OscMessage) -> Vec<OscMessage> {
        self.observe_one(m).unwrap_or_default()
    }

    fn observe_one(&mut self, m: &OscMessage) -> Option<Vec<OscMessage>> {
        let int = |i: usize| match m.args.get(i) {
            Some(OscType::Int(v)) => Some(*v),
            _ => None,
        };
        let string = |i: usize| match m.args.get(i) {
            Some(OscType::String(s)) => Some(s.clone()),
            _ => None,
        };
        match m.addr.as_str() {
            "/d_recv" => {
                let Some(OscType::Blob(bytes)) = m.args.first() else {
                    return None;
                };
                let key =
                    first_synthdef_name(bytes).unwrap_or_else(|| format!("#{}", self.next + 1));
                let at = self.stamp();
                let kept = keep_args(m, 1);
                self.synthdefs.insert(key, (at, kept.clone()));
                Some(vec![kept])
            }
            "/d_load" | "/d_loadDir" => {
                let path = string(0)?;
                let at = self.stamp();
                let kept = keep_args(m, 1);
                self.synthdefs
                    .insert(format!("{}:{path}", m.addr), (at, kept.clone()));
                Some(vec![kept])
            }
            "/d_free" => {
                for name in m.args.iter().filter_map(|a| match a {
                    OscType::String(s) => Some(s),
                    _ => None,
                }) {
                    self.synthdefs.remove(name);
                }
                Some(vec![m.clone()])
            }
            "/d_freeAll" => {
                self.synthdefs.clear();
                Some(vec![m.clone()])
            }
            "/b_allocRead" | "/b_allocReadChannel" => {
                let (buffer, _) = (int(0)?, string(1)?);
                self.allocated.remove(&buffer);
                let at = self.stamp();
                let kept = without_completion(m);
                self.buffers.insert(buffer, (at, vec![kept.clone()]));
                Some(vec![kept])
            }
            "/b_read" | "/b_readChannel" => {
                let (buffer, _) = (int(0)?, string(1)?);
                // Leave-open: the buffer streams the file (DiskIn); its place in the file
                // is the player's, not something to read again.
                if int(5).is_some_and(|open| open != 0) {
                    return None;
                }
                // Into a buffer allocated here (else scsynth refuses it, or it is a file
                // buffer read again: the last read is what it holds).
                let alloc = match self.allocated.remove(&buffer) {
                    Some(alloc) => alloc,
                    None => self.buffers.get(&buffer)?.1.first()?.clone(),
                };
                let at = self.stamp();
                let kept = vec![alloc, without_completion(m)];
                self.buffers.insert(buffer, (at, kept.clone()));
                Some(kept)
            }
            "/b_alloc" => {
                let buffer = int(0)?;
                self.allocated.insert(buffer, without_completion(m));
                self.forget_buffer(buffer)
            }
            "/b_free" => {
                let buffer = int(0)?;
                self.allocated.remove(&buffer);
                self.forget_buffer(buffer)
            }
            _ => None,
        }
    }

    /// Forgets a file buffer; a copy frees it too.
    fn forget_buffer(&mut self, buffer: i32) -> Option<Vec<OscMessage>> {
        self.buffers.remove(&buffer).map(|_| {
            vec![OscMessage {
                addr: "/b_free".into(),
                args: vec![OscType::Int(buffer)],
            }]
        })
    }

    /// What to send to a fresh server: SynthDefs first, then buffers, each in first-sent order.
    pub fn messages(&self) -> Vec<OscMessage> {
        let mut defs: Vec<_> = self.synthdefs.values().collect();
        defs.sort_by_key(|(at, _)| *at);
        let mut bufs: Vec<_> = self.buffers.values().collect();
        bufs.sort_by_key(|(at, _)| *at);
        defs.into_iter()
            .map(|(_, m)| m.clone())
            .chain(bufs.into_iter().flat_map(|(_, ms)| ms.iter().cloned()))
            .collect()
    }

    /// How many SynthDef loads and buffer reads are remembered.
    pub fn len(&self) -> (usize, usize) {
        (self.synthdefs.len(), self.buffers.len())
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.synthdefs.is_empty() && self.buffers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscBundle, OscTime};

    fn msg(addr: &str, args: Vec<OscType>) -> OscPacket {
        OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        })
    }

    fn scgf(name: &str) -> Vec<u8> {
        let mut b = b"SCgf".to_vec();
        b.extend(2i32.to_be_bytes());
        b.extend(1i16.to_be_bytes());
        b.push(name.len() as u8);
        b.extend(name.as_bytes());
        b.extend([0, 0, 0, 0]);
        b
    }

    fn encode(p: &OscPacket) -> Vec<u8> {
        rosc::encoder::encode(p).unwrap()
    }

    #[test]
    fn remembers_synthdefs_by_name_without_completions() {
        let mut log = ReplayLog::new();
        let completion = encode(&msg("/s_new", vec![OscType::String("a".into())]));
        log.observe_bytes(&encode(&msg(
            "/d_recv",
            vec![OscType::Blob(scgf("a")), OscType::Blob(completion)],
        )));
        log.observe_bytes(&encode(&msg("/d_recv", vec![OscType::Blob(scgf("b"))])));
        // A newer "a" replaces the old one but keeps its place.
        log.observe_bytes(&encode(&msg("/d_recv", vec![OscType::Blob(scgf("a"))])));
        log.observe_bytes(&encode(&msg("/n_set", vec![OscType::Int(1)])));
        let out = log.messages();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].args, vec![OscType::Blob(scgf("b"))]);
        assert_eq!(out[1].args, vec![OscType::Blob(scgf("a"))]);
        log.observe(&msg("/d_free", vec![OscType::String("a".into())]));
        assert_eq!(log.len(), (1, 0));
        log.observe(&msg("/d_freeAll", vec![]));
        assert!(log.is_empty());
    }

    #[test]
    fn answers_what_a_standby_needs_to_match() {
        let mut log = ReplayLog::new();
        let completion = encode(&msg("/s_new", vec![OscType::String("a".into())]));
        let bundle = OscPacket::Bundle(OscBundle {
            timetag: OscTime::from((0, 1)),
            content: vec![
                msg(
                    "/d_recv",
                    vec![OscType::Blob(scgf("a")), OscType::Blob(completion)],
                ),
                msg("/s_new", vec![OscType::String("a".into())]),
                msg(
                    "/b_allocRead",
                    vec![OscType::Int(3), OscType::String("/x.wav".into())],
                ),
            ],
        });
        let copy = log.observe_bytes(&encode(&bundle));
        // The loads without their completion, and nothing that makes a node.
        assert_eq!(
            copy.iter().map(|m| m.addr.as_str()).collect::<Vec<_>>(),
            ["/d_recv", "/b_allocRead"]
        );
        assert_eq!(copy[0].args, vec![OscType::Blob(scgf("a"))]);
        // An empty allocation over a file buffer frees it there; over nothing, nothing.
        let alloc = |n| msg("/b_alloc", vec![OscType::Int(n), OscType::Int(8)]);
        assert_eq!(
            log.observe(&alloc(3)),
            [OscMessage {
                addr: "/b_free".into(),
                args: vec![OscType::Int(3)]
            }]
        );
        assert!(log.observe(&alloc(4)).is_empty());
        assert_eq!(log.observe(&msg("/d_freeAll", vec![])).len(), 1);
        assert!(log
            .observe(&msg("/n_free", vec![OscType::Int(1)]))
            .is_empty());
    }

    #[test]
    fn remembers_buffer_reads_inside_bundles() {
        let mut log = ReplayLog::new();
        let read = msg(
            "/b_allocRead",
            vec![
                OscType::Int(3),
                OscType::String("/x.wav".into()),
                OscType::Int(0),
                OscType::Int(-1),
                OscType::Blob(vec![1, 2, 3, 4]),
            ],
        );
        let bundle = OscPacket::Bundle(OscBundle {
            timetag: OscTime::from((0, 1)),
            content: vec![
                read,
                msg("/d_load", vec![OscType::String("/defs/*.scsyndef".into())]),
            ],
        });
        log.observe_bytes(&encode(&bundle));
        let out = log.messages();
        assert_eq!(out[0].addr, "/d_load");
        assert_eq!(out[1].addr, "/b_allocRead");
        assert_eq!(out[1].args.len(), 4, "completion dropped");
        log.observe(&msg("/b_free", vec![OscType::Int(3)]));
        assert_eq!(log.len(), (1, 0));
        // A reset frees the SynthDefs, not the buffers.
        log.observe(&msg(
            "/b_allocRead",
            vec![OscType::Int(4), OscType::String("/y.wav".into())],
        ));
        log.observe(&msg("/d_freeAll", vec![]));
        assert_eq!(log.len(), (0, 1));
    }

    #[test]
    fn remembers_a_file_read_into_an_allocated_buffer() {
        let mut log = ReplayLog::new();
        let alloc = msg("/b_alloc", vec![OscType::Int(5), OscType::Int(64)]);
        let read = |leave_open| {
            msg(
                "/b_read",
                vec![
                    OscType::Int(5),
                    OscType::String("/x.wav".into()),
                    OscType::Int(0),
                    OscType::Int(-1),
                    OscType::Int(0),
                    OscType::Int(leave_open),
                    OscType::Blob(vec![1, 2, 3, 4]),
                ],
            )
        };
        assert!(log.observe(&alloc).is_empty(), "an empty buffer is no load");
        // A streaming read is not remembered.
        assert!(log.observe(&read(1)).is_empty());
        let copy = log.observe(&read(0));
        let addrs = |ms: &[OscMessage]| ms.iter().map(|m| m.addr.clone()).collect::<Vec<_>>();
        assert_eq!(addrs(&copy), ["/b_alloc", "/b_read"]);
        assert_eq!(copy[1].args.len(), 6, "completion dropped");
        assert_eq!(addrs(&log.messages()), ["/b_alloc", "/b_read"]);
        // Read again: one allocation, the last read.
        log.observe(&read(0));
        assert_eq!(log.messages().len(), 2);
        // A read into a buffer nobody allocated here is not this client's.
        let stray = msg(
            "/b_read",
            vec![OscType::Int(9), OscType::String("/y.wav".into())],
        );
        assert!(log.observe(&stray).is_empty());
        assert_eq!(
            addrs(&log.observe(&msg("/b_free", vec![OscType::Int(5)]))),
            ["/b_free"]
        );
        assert!(log.is_empty());
    }

    #[test]
    fn synthdef_names() {
        assert_eq!(
            first_synthdef_name(&scgf("ref_sine")).as_deref(),
            Some("ref_sine")
        );
        assert_eq!(first_synthdef_name(b"nope"), None);
        assert_eq!(first_synthdef_name(b"SCgf\0\0\0\x02\0\x01\x09ab"), None);
    }
}
