//! Bad input never panics the decode + reply parse path: random bytes, and the reference replies
//! of `../shared/reference/osc/*.bin` with random bytes flipped, cut, inserted or duplicated.
//! (`reply::parse` and `tree::parse_query_tree` must answer `Err` for what they cannot read.)

use std::path::PathBuf;

use proptest::prelude::*;
use rosc::{OscMessage, OscPacket};
use scserver_core::reply;
use scserver_core::tree;

/// The reference captures of scsynth 3.13 replies, if the shared directory is present.
fn references() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(scserver_testdata::OSC);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "bin"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    if out.is_empty() {
        // Still exercise the parser when the captures are not beside the repository.
        out.push(b"/synced\0,i\0\0\0\0\0\x07".to_vec());
    }
    out
}

fn flatten(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}

/// What the socket actor and router do with a datagram: decode, flatten, type every message.
fn decode_and_parse(bytes: &[u8]) {
    if let Ok((_, packet)) = rosc::decoder::decode_udp(bytes) {
        let mut messages = Vec::new();
        flatten(packet, &mut messages);
        for message in &messages {
            let _ = reply::parse(message);
            if message.addr == "/g_queryTree.reply" {
                let _ = tree::parse_query_tree(message);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        byte: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Duplicate {
        from: usize,
        len: usize,
    },
    /// Overwrites a big-endian int32 (lengths, counts, type-tagged ints) with an extreme value.
    Int {
        at: usize,
        value: i32,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..64).prop_map(|(from, len)| Mutation::Duplicate { from, len }),
        (
            any::<usize>(),
            prop_oneof![
                Just(i32::MIN),
                Just(-1),
                Just(0),
                Just(i32::MAX),
                any::<i32>()
            ]
        )
            .prop_map(|(at, value)| Mutation::Int { at, value }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Flip { at, byte } => {
            if !bytes.is_empty() {
                bytes[at % n] ^= byte | 1;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at % n),
        Mutation::Insert { at, bytes: extra } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, extra.iter().copied());
        }
        Mutation::Duplicate { from, len } => {
            let from = from % n;
            let end = (from + len).min(bytes.len());
            let copy = bytes[from.min(bytes.len())..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Int { at, value } => {
            if bytes.len() >= 4 {
                let at = (at % (bytes.len() - 3)) & !3;
                bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_and_parse(&bytes);
    }

    #[test]
    fn mutated_replies_never_panic(
        pick in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let refs = references();
        let mut bytes = refs[pick % refs.len()].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        decode_and_parse(&bytes);
    }

    /// Well-formed OSC with arguments of the wrong type or count for its address.
    #[test]
    fn well_formed_messages_with_wrong_arguments_never_panic(
        pick in any::<usize>(),
        args in proptest::collection::vec(
            prop_oneof![
                any::<i32>().prop_map(rosc::OscType::Int),
                any::<f32>().prop_map(rosc::OscType::Float),
                "[a-z/_.]{0,12}".prop_map(rosc::OscType::String),
                any::<i64>().prop_map(rosc::OscType::Long),
                any::<f64>().prop_map(rosc::OscType::Double),
                proptest::collection::vec(any::<u8>(), 0..8).prop_map(rosc::OscType::Blob),
            ],
            0..40,
        ),
    ) {
        let addresses = [
            "/status.reply", "/version.reply", "/done", "/fail", "/synced", "/n_info", "/n_go",
            "/n_end", "/n_off", "/n_on", "/n_move", "/b_info", "/c_set", "/c_setn", "/b_set",
            "/b_setn", "/n_set", "/n_setn", "/g_queryTree.reply", "/tr", "/late",
        ];
        let message = OscMessage { addr: addresses[pick % addresses.len()].into(), args };
        let _ = reply::parse(&message);
        if message.addr == "/g_queryTree.reply" {
            let _ = tree::parse_query_tree(&message);
        }
    }
}

#[test]
fn every_reference_reply_decodes() {
    for bytes in references() {
        let (_, packet) = rosc::decoder::decode_udp(&bytes).expect("a captured reply decodes");
        let mut messages = Vec::new();
        flatten(packet, &mut messages);
        assert!(!messages.is_empty());
        decode_and_parse(&bytes);
    }
}
