//! The socket actor against a fake peer: malformed datagrams are dropped without harm, and
//! datagrams up to the UDP limit are read whole. (scsynth never sends malformed OSC, so a fake
//! peer is the only way to produce them.)

use std::time::Duration;

use actix::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};
use scserver_actors::osc::{OscActor, SendBytes};
use scserver_actors::router::{AddCallback, Expect, RouterActor, Sink};
use scserver_core::Pattern;
use tokio::sync::{mpsc, oneshot};

fn encode(message: OscMessage) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(message)).unwrap()
}

#[actix::test]
async fn malformed_datagrams_are_dropped_and_large_ones_read_whole() {
    // The peer is async: a blocking socket would stall the single-threaded actix test runtime.
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let router = RouterActor::default().start();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    router.do_send(AddCallback {
        id: 1,
        pattern: Pattern::new("/big"),
        failure_pattern: None,
        once: false,
        sink: Sink::Fn(Box::new(move |m: &OscMessage| {
            let _ = seen_tx.send(m.clone());
        })),
    });
    let osc = OscActor::bind(
        "fake",
        peer.local_addr().unwrap(),
        0,
        router.clone().recipient(),
    )
    .unwrap()
    .start();

    // Learn the client's address from a first packet.
    osc.do_send(SendBytes(encode(OscMessage {
        addr: "/hello".into(),
        args: vec![],
    })));
    let mut buf = [0u8; 128];
    let (_, client) = tokio::time::timeout(Duration::from_secs(5), peer.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();

    let (tx, rx) = oneshot::channel();
    router.do_send(Expect {
        command: "/sync".into(),
        reply: Some(Pattern::new("/synced").arg(7)),
        fail: None,
        fence: None,
        timeout: Duration::from_secs(5),
        tx,
    });
    let garbage: [&[u8]; 5] = [
        b"",
        b"\x00\x01\x02",
        b"#bundle\0\0\0\0\0\0\0\0\x01\x00\x00\x10\x00short",
        b"/synced\0,i\0\0",
        b"/synced\0,x\0\0\0\0\0\x07",
    ];
    for datagram in garbage {
        peer.send_to(datagram, client).await.unwrap();
    }
    let blob = vec![7u8; 65_000];
    let big = encode(OscMessage {
        addr: "/big".into(),
        args: vec![OscType::Blob(blob.clone())],
    });
    assert!(big.len() > 65_000 && big.len() <= 65_507);
    peer.send_to(&big, client).await.unwrap();
    let synced = encode(OscMessage {
        addr: "/synced".into(),
        args: vec![OscType::Int(7)],
    });
    peer.send_to(&synced, client).await.unwrap();

    let reply = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(reply.args, vec![OscType::Int(7)]);
    let big = tokio::time::timeout(Duration::from_secs(5), seen.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(big.args, vec![OscType::Blob(blob)]);
}
