//! Packing already-encoded OSC messages into as few datagrams as possible, in order.
//!
//! Sending one datagram costs a system call (several µs); a burst of fire-and-forget messages
//! packed into untimed bundles (timetag 1, "now") reaches scsynth in the same order and takes
//! effect the same way, at a fraction of the cost.

/// The OSC timetag meaning "immediately".
const IMMEDIATELY: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 1];
const BUNDLE_HEADER: usize = 16;

/// Packs `packets` (each one encoded OSC packet) into datagrams of at most `limit` bytes: runs
/// of two or more become untimed bundles, a packet alone stays bare, and a packet larger than
/// `limit` by itself is passed through alone (the caller has already bounded it).
pub fn coalesce(packets: Vec<Vec<u8>>, limit: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut run: Vec<Vec<u8>> = Vec::new();
    let mut run_size = BUNDLE_HEADER;
    for packet in packets {
        // scsynth 3.13 skips the plain messages of a bundle that also holds a bundle (measured:
        // [/c_set 1, [/c_set 2], /c_set 3] sets only bus 2), so a bundle is never packed.
        if packet.starts_with(b"#bundle\0") {
            if !run.is_empty() {
                out.push(pack(std::mem::take(&mut run)));
                run_size = BUNDLE_HEADER;
            }
            out.push(packet);
            continue;
        }
        let size = 4 + packet.len();
        if !run.is_empty() && run_size + size > limit {
            out.push(pack(std::mem::take(&mut run)));
            run_size = BUNDLE_HEADER;
        }
        run_size += size;
        run.push(packet);
    }
    if !run.is_empty() {
        out.push(pack(run));
    }
    out
}

fn pack(mut run: Vec<Vec<u8>>) -> Vec<u8> {
    if run.len() == 1 {
        return run.pop().expect("one packet");
    }
    let len = BUNDLE_HEADER + run.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut bundle = Vec::with_capacity(len);
    bundle.extend_from_slice(b"#bundle\0");
    bundle.extend_from_slice(&IMMEDIATELY);
    for packet in run {
        bundle.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        bundle.extend_from_slice(&packet);
    }
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscMessage, OscPacket, OscType};

    fn encoded(i: i32) -> Vec<u8> {
        rosc::encoder::encode(&OscPacket::Message(OscMessage {
            addr: "/n_set".into(),
            args: vec![OscType::Int(i), "freq".into(), OscType::Float(440.0)],
        }))
        .unwrap()
    }

    fn messages(datagram: &[u8]) -> Vec<OscMessage> {
        fn walk(p: OscPacket, out: &mut Vec<OscMessage>) {
            match p {
                OscPacket::Message(m) => out.push(m),
                OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| walk(p, out)),
            }
        }
        let mut out = Vec::new();
        walk(rosc::decoder::decode_udp(datagram).unwrap().1, &mut out);
        out
    }

    #[test]
    fn a_single_packet_stays_bare() {
        let out = coalesce(vec![encoded(1)], 65_507);
        assert_eq!(out, vec![encoded(1)]);
    }

    #[test]
    fn a_burst_becomes_bundles_in_order_within_the_limit() {
        let packets: Vec<_> = (0..1000).map(encoded).collect();
        let out = coalesce(packets, 8192);
        assert!(out.len() > 1 && out.len() < 20, "{} datagrams", out.len());
        assert!(out.iter().all(|d| d.len() <= 8192));
        let ids: Vec<i32> = out
            .iter()
            .flat_map(|d| messages(d))
            .map(|m| match m.args[0] {
                OscType::Int(i) => i,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ids, (0..1000).collect::<Vec<_>>());
        let decoded = rosc::decoder::decode_udp(&out[0]).unwrap().1;
        match decoded {
            OscPacket::Bundle(b) => assert_eq!(<(u32, u32)>::from(b.timetag), (0, 1)),
            _ => panic!("expected a bundle"),
        }
    }

    #[test]
    fn a_bundle_is_never_packed_with_other_packets() {
        let bundle = rosc::encoder::encode(&OscPacket::Bundle(rosc::OscBundle {
            timetag: (0, 1).into(),
            content: vec![OscPacket::Message(OscMessage {
                addr: "/sync".into(),
                args: vec![OscType::Int(1)],
            })],
        }))
        .unwrap();
        let packets = vec![encoded(1), encoded(2), bundle.clone(), encoded(3)];
        let out = coalesce(packets, 65_507);
        assert_eq!(out.len(), 3);
        assert_eq!(out[1], bundle);
        assert_eq!(out[2], encoded(3));
        assert_eq!(messages(&out[0]).len(), 2);
    }

    #[test]
    fn an_oversized_packet_goes_alone() {
        let big = vec![0u8; 100];
        let out = coalesce(vec![encoded(1), big.clone(), encoded(2)], 64);
        assert_eq!(out, vec![encoded(1), big, encoded(2)]);
    }
}
