//! Faults scsynth cannot produce itself, injected from a second UDP socket, beside a real server.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::options;
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{Expectation, Pattern, RequestError, Server, ServerError};

fn encode(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    }))
    .unwrap()
}

#[test]
fn spoofed_replies_from_another_address_are_dropped() {
    common::init_tracing();
    let server = Server::with_name("spoofed", options());
    server.boot(None).unwrap();
    let client = server.state().local_addr.expect("client address");
    let spoofer = UdpSocket::bind("127.0.0.1:0").unwrap();

    // A request whose real reply never comes: /status is answered with /status.reply, but we
    // wait for /synced 4242, which only the spoofer sends.
    let waiting = {
        let server = server.clone();
        std::thread::spawn(move || {
            let expect = Expectation {
                command: "/status".into(),
                reply: Pattern::new("/synced").arg(4242),
                fail: None,
                timeout: Some(Duration::from_millis(500)),
            };
            let status = OscPacket::Message(OscMessage {
                addr: "/status".into(),
                args: vec![],
            });
            server.request(status, expect)
        })
    };
    for _ in 0..20 {
        spoofer
            .send_to(&encode("/synced", vec![OscType::Int(4242)]), client)
            .unwrap();
        spoofer
            .send_to(
                &encode("/done", vec!["/notify".into(), OscType::Int(5)]),
                client,
            )
            .unwrap();
        spoofer
            .send_to(&encode("/status.reply", vec![OscType::Int(1); 5]), client)
            .unwrap();
        spoofer
            .send_to(b"\x00garbage that is not OSC", client)
            .unwrap();
    }
    let result = waiting.join().unwrap();
    assert!(
        matches!(
            result,
            Err(ServerError::Request(RequestError::Timeout { .. }))
        ),
        "a spoofed reply was accepted: {result:?}"
    );
    // Real replies still are.
    server.sync(None, None).expect("sync after spoofing");
    assert_eq!(server.client_id(), Some(0));
    server.quit(false).unwrap();
}

#[test]
fn a_fail_for_an_awaited_command_fails_it_at_once() {
    let server = Server::with_name("fail", options());
    server.boot(None).unwrap();
    let message = OscPacket::Message(OscMessage {
        addr: "/s_new".into(),
        args: vec![
            "no_such_synthdef".into(),
            OscType::Int(2000),
            OscType::Int(0),
            OscType::Int(1),
        ],
    });
    let expect = Expectation {
        command: "/s_new".into(),
        reply: Pattern::new("/n_go").arg(2000),
        fail: Some(Pattern::new("/fail").arg("/s_new")),
        timeout: Some(Duration::from_secs(5)),
    };
    let started = std::time::Instant::now();
    let error = server.request(message, expect).unwrap_err();
    match &error {
        ServerError::Request(RequestError::Failed {
            command, message, ..
        }) => {
            assert_eq!(command, "/s_new");
            assert_eq!(message, "SynthDef not found");
        }
        other => panic!("expected a /fail error, got {other:?}"),
    }
    // Not a timeout in disguise: the /fail came back within a few audio periods.
    assert!(started.elapsed() < Duration::from_secs(1));
    server.quit(false).unwrap();
}
