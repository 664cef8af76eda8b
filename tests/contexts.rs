//! Request contexts on the wire: a fake scsynth (a UDP socket that answers the login) records
//! every datagram, so a test can count what a context sent.

mod common;

use std::net::UdpSocket;
use std::sync::mpsc;
use std::time::Duration;

use rosc::{OscMessage, OscPacket, OscType};
use scserver::{GroupId, Position};
use scserver::{Options, Rate, Server};

/// Every message inside a packet, bundles flattened.
fn messages(packet: &OscPacket) -> Vec<OscMessage> {
    match packet {
        OscPacket::Message(m) => vec![m.clone()],
        OscPacket::Bundle(b) => b.content.iter().flat_map(messages).collect(),
    }
}

fn reply(socket: &UdpSocket, to: std::net::SocketAddr, addr: &str, args: Vec<OscType>) {
    let bytes = rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    }))
    .unwrap();
    socket.send_to(&bytes, to).unwrap();
}

/// A fake server answering `/notify`, `/status`, `/sync` and `/c_get` (one bus); every other
/// datagram goes to `tx`.
fn fake_scsynth() -> (u16, mpsc::Receiver<OscPacket>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let Ok((_, packet)) = rosc::decoder::decode_udp(&buf[..n]) else {
                continue;
            };
            let mut other = false;
            for m in messages(&packet) {
                match m.addr.as_str() {
                    "/notify" => reply(
                        &socket,
                        from,
                        "/done",
                        vec!["/notify".into(), OscType::Int(0), OscType::Int(1)],
                    ),
                    "/status" => {
                        let mut args = vec![OscType::Int(1); 5];
                        args.extend([OscType::Float(0.0), OscType::Float(0.0)]);
                        args.extend([OscType::Double(48000.0), OscType::Double(48000.0)]);
                        reply(&socket, from, "/status.reply", args)
                    }
                    "/sync" => reply(&socket, from, "/synced", m.args.clone()),
                    // The fences around requests that can fail: every bus reads 0.
                    "/c_get" => {
                        let mut args = m.args.clone();
                        args.push(OscType::Float(0.0));
                        reply(&socket, from, "/c_set", args)
                    }
                    _ => other = true,
                }
            }
            if other && tx.send(packet).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

#[test]
fn fifty_deferred_operations_leave_as_one_datagram() {
    common::init_tracing();
    let (port, datagrams) = fake_scsynth();
    let server = Server::new(Options {
        port,
        ..Options::default()
    });
    server.connect().expect("connect to the fake server");
    let buses = server.add_bus_group(Rate::Control, 25).unwrap();
    let context = server.bundle();
    for i in 0..25 {
        context.add_group(Position::tail(GroupId::new(1))).unwrap();
        context.set_bus(&buses.bus(i).unwrap(), i as f32).unwrap();
    }
    // Nothing leaves before the context closes.
    assert!(datagrams.recv_timeout(Duration::from_millis(100)).is_err());
    let sent = context.close().unwrap().expect("a packet");
    let datagram = datagrams
        .recv_timeout(Duration::from_secs(5))
        .expect("the bundle");
    let inside = messages(&datagram);
    assert_eq!(inside.len(), 50, "{datagram:?}");
    assert_eq!(inside, messages(&sent));
    assert_eq!(inside.iter().filter(|m| m.addr == "/g_new").count(), 25);
    // And nothing else was sent for it.
    server.sync().unwrap();
    assert!(datagrams.try_recv().is_err());
    server.disconnect().unwrap();
}

#[test]
fn nested_contexts_collect_into_the_innermost_and_outside_any_commands_go_at_once() {
    common::init_tracing();
    let (port, datagrams) = fake_scsynth();
    let server = Server::new(Options {
        port,
        ..Options::default()
    });
    server.connect().expect("connect to the fake server");
    let bus = server.add_bus(Rate::Control).unwrap();
    let outer = server.bundle();
    outer.set_bus(&bus, 1.0).unwrap();
    let inner = server.at(1.0e9).unwrap();
    inner.set_bus(&bus, 2.0).unwrap();
    inner.add_group(Position::head(GroupId::new(1))).unwrap();
    let inner_packet = inner.close().unwrap();
    let Some(OscPacket::Bundle(timed)) = &inner_packet else {
        panic!("{inner_packet:?}")
    };
    assert_eq!(timed.content.len(), 2);
    assert_ne!(
        timed.timetag,
        rosc::OscTime {
            seconds: 0,
            fractional: 1
        }
    );
    let outer_packet = outer.close().unwrap();
    // One command alone goes bare.
    assert!(matches!(outer_packet, Some(OscPacket::Message(ref m)) if m.addr == "/c_set"));
    // Both left (the socket actor may pack them into one datagram, in order).
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let d = datagrams
            .recv_timeout(Duration::from_secs(5))
            .expect("both packets");
        seen.extend(messages(&d).into_iter().map(|m| m.addr));
    }
    assert_eq!(seen, ["/c_set", "/g_new", "/c_set"]);
    // Outside any context, a call is sent at once (awaited: between the fences of its request).
    bus.set(3.0).unwrap();
    let alone = datagrams.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(
        messages(&alone).iter().any(|m| m.addr == "/c_set"),
        "{alone:?}"
    );
    server.disconnect().unwrap();
}

/// scsynth skips the plain messages of a bundle that holds a bundle; sends packed together by
/// the socket actor must still all take effect (real scsynth).
#[test]
fn messages_sent_beside_a_bundle_all_take_effect() {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().expect("boot");
    let buses = server.add_bus_group(Rate::Control, 4).unwrap();
    let set = |i: i32| {
        OscPacket::Message(OscMessage {
            addr: "/c_set".into(),
            args: vec![OscType::Int(buses.index() + i), OscType::Float(1.0)],
        })
    };
    let context = server.bundle();
    // Three messages of two kinds: an untimed bundle.
    context.set_bus(&buses.bus(1).unwrap(), 1.0).unwrap();
    context.add_group(Position::default()).unwrap();
    context.set_bus(&buses.bus(2).unwrap(), 1.0).unwrap();
    server.send(set(0)).unwrap();
    assert!(matches!(
        context.close().unwrap(),
        Some(OscPacket::Bundle(_))
    ));
    server.send(set(3)).unwrap();
    server.sync().unwrap();
    assert_eq!(buses.get().unwrap(), vec![1.0; 4]);
    server.quit().unwrap();
}

/// Two tasks, each with its own open context on one server, interleave their calls: each packet
/// holds only the calls made on its own context (real scsynth).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_of_two_tasks_on_one_server_do_not_mix_commands() {
    common::init_tracing();
    let server = scserver::AsyncServer::new(common::options());
    server.boot().await.expect("boot");
    let turns = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let task = |name: &'static str| {
        let (server, turns) = (server.clone(), turns.clone());
        tokio::spawn(async move {
            let context = server.bundle();
            let mut ids = Vec::new();
            for _ in 0..10 {
                // Both contexts are open and both tasks call at the same time.
                turns.wait().await;
                let group = context.add_group(Position::default()).await.unwrap();
                ids.push(scserver::osc::OscType::Int(group.id().get()));
            }
            turns.wait().await;
            let packet = context.close().unwrap().expect("a packet");
            // `/g_new id action target`, several per message when merged.
            let sent: Vec<_> = messages(&packet)
                .iter()
                .flat_map(|m| m.args.chunks(3).map(|triple| triple[0].clone()))
                .collect();
            assert_eq!(sent, ids, "{name}'s packet holds only its own groups");
            ids
        })
    };
    let (a, b) = (task("a"), task("b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.iter().all(|id| !b.contains(id)));
    server.sync().await.unwrap();
    for id in a.iter().chain(&b) {
        let scserver::osc::OscType::Int(id) = id else {
            unreachable!()
        };
        let info = server.query_node(scserver::NodeId::new(*id)).await.unwrap();
        assert_eq!(info.node_id.get(), *id);
    }
    server.quit().await.unwrap();
}

/// Groups and synths added on a context come back at once with their ids; the nodes exist once
/// the context is closed (real scsynth).
#[test]
fn deferred_groups_and_synths_exist_with_their_ids_after_close() {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().expect("boot");
    server.load_synthdefs_dir(common::SYNTHDEFS).unwrap();
    let context = server.bundle();
    let group = context.add_group(Position::default()).unwrap();
    let synth = context
        .add_synth(
            "ref_sine",
            scserver::controls! { freq: 330.0 },
            Position::head(&group),
        )
        .unwrap();
    let parallel = context.add_parallel_group(Position::after(&group)).unwrap();
    // Nothing was sent yet: scsynth does not have them.
    assert!(server.query_node(&group).is_err());
    context.close().unwrap();
    server.sync().unwrap();
    let info = server.query_node(&group).unwrap();
    assert_eq!(info.node_id, group.id().into());
    assert_eq!(info.head, Some(synth.id().into()));
    assert_eq!(info.next, Some(parallel.id().into()));
    assert_eq!(server.query_node(&synth).unwrap().parent, Some(group.id()));
    let freq = synth.get(vec!["freq".into()]).unwrap();
    assert_eq!(freq[0].1, scserver::ControlValue::Float(330.0));
    server.quit().unwrap();
}
