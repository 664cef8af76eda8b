//! Lifecycle scenarios against a real scsynth, written once and run over each transport:
//! `tests/lifecycle.rs` runs them over UDP, `tests/tcp.rs` over TCP.
#![allow(dead_code)]

use std::time::Duration;

use crate::common::{self, alive, Recorder, ServerKind, BOOT, QUIT};
use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{
    BootError, Expectation, LifecycleEvent as E, Options, Pattern, Protocol, Server, ServerError,
    Status,
};

/// Options for a private server of this kind on a free port of this protocol.
pub fn options(kind: ServerKind, protocol: Protocol) -> Options {
    Options {
        protocol,
        port: common::free_port(),
        ..kind.options()
    }
}

pub fn server_with_recorder(name: &str, options: Options) -> (Server, Recorder) {
    common::init_tracing();
    let server = Server::with_name(name, options);
    let recorder = Recorder::default();
    let subscription = server.register_lifecycle_callback([], recorder.callback());
    subscription.detach();
    (server, recorder)
}

pub fn query_node(server: &Server, node: i32) -> Result<OscMessage, ServerError> {
    let message = OscMessage {
        addr: "/n_query".into(),
        args: vec![OscType::Int(node)],
    };
    let expect = Expectation {
        command: "/n_query".into(),
        reply: Pattern::new("/n_info").arg(node),
        fail: Some(Pattern::new("/fail").arg("/n_query")),
        timeout: None,
    };
    server.request(OscPacket::Message(message), expect)
}

fn allocate_node(server: &Server) -> i32 {
    futures::executor::block_on(server.as_async().allocate(scserver::IdKind::Node, 1)).unwrap()
}

pub fn boot_then_quit_in_order_and_nothing_left(options: Options) {
    // load_synthdefs stays on: on a fresh machine scsynth prints a harmless
    // `*** ERROR: open directory failed` first, which must not fail the boot.
    let (server, events) = server_with_recorder("boot-quit", options);
    server.boot().expect("boot");
    assert_eq!(events.events(), BOOT);
    assert_eq!(server.status(), Status::Online);
    assert!(server.is_owner());
    assert_eq!(server.client_id(), Some(0));
    assert_eq!(server.default_group(), Some(scserver::GroupId::new(1)));
    let info = query_node(&server, 1).expect("the default group exists");
    assert_eq!(info.args[4], OscType::Int(1), "node 1 is a group");
    let state = server.state();
    let pid = state.pid.expect("pid");
    let jack = state.jack_pid;
    assert!(alive(pid));

    events.clear();
    server.quit().expect("quit");
    assert_eq!(events.events(), QUIT);
    assert_eq!(server.status(), Status::Offline);
    assert!(!alive(pid), "scsynth {pid} still running");
    if let Some(jack) = jack {
        assert!(!alive(jack), "jackd {jack} still running");
    }
    // Quitting again is quiet.
    server.quit().expect("second quit");
    assert!(events.events().len() == QUIT.len());
}

pub fn boot_twice_is_an_error_and_reboot_gives_a_new_process(options: Options) {
    let (server, events) = server_with_recorder("reboot", options);
    server.boot().expect("boot");
    assert!(matches!(
        server.boot(),
        Err(ServerError::InvalidState { .. })
    ));
    let first = server.pid().unwrap();
    events.clear();
    server.reboot().expect("reboot");
    let expected: Vec<_> = QUIT.iter().chain(BOOT.iter()).copied().collect();
    assert_eq!(events.events(), expected);
    let second = server.pid().unwrap();
    assert_ne!(first, second);
    assert!(!alive(first));
    server.quit().unwrap();
}

pub fn connect_and_disconnect_a_second_client(options: Options) {
    let options = Options {
        maximum_logins: 2,
        ..options
    };
    let (owner, _) = server_with_recorder("owner", options.clone());
    owner.boot().expect("boot");
    let (guest, events) = server_with_recorder("guest", options.clone());
    guest.connect().expect("connect");
    assert_eq!(
        events.events(),
        [E::Connecting, E::OscConnected, E::Connected]
    );
    assert!(!guest.is_owner());
    assert_eq!(owner.client_id(), Some(0));
    assert_eq!(guest.client_id(), Some(1));
    assert_eq!(guest.default_group(), Some(scserver::GroupId::new(2)));
    query_node(&guest, 2).expect("the guest's default group exists");

    // Node ids of the two clients never collide: the client id sits in the high bits.
    let owner_ids: Vec<i32> = (0..100).map(|_| allocate_node(&owner)).collect();
    let guest_ids: Vec<i32> = (0..100).map(|_| allocate_node(&guest)).collect();
    assert!(owner_ids.iter().all(|id| !guest_ids.contains(id)));
    assert!(guest_ids.iter().all(|id| id >> 26 == 1));

    assert!(matches!(guest.quit(), Err(ServerError::NotOwner)));
    assert!(matches!(owner.disconnect(), Err(ServerError::Owner)));
    events.clear();
    guest.disconnect().expect("disconnect");
    assert_eq!(
        events.events(),
        [E::Disconnecting, E::OscDisconnected, E::Disconnected]
    );
    assert_eq!(guest.status(), Status::Offline);
    // The slot was freed with /notify 0: connecting again works.
    guest.connect().expect("reconnect");
    guest.disconnect().unwrap();
    owner.quit().unwrap();
}

pub fn a_forced_quit_by_a_guest_stops_the_server(options: Options) {
    let options = Options {
        maximum_logins: 2,
        ..options
    };
    let (owner, owner_events) = server_with_recorder("owner-forced", options.clone());
    owner.boot().unwrap();
    let pid = owner.pid().unwrap();
    let (guest, events) = server_with_recorder("guest-forced", options);
    guest.connect().unwrap();
    events.clear();
    guest.force_quit().expect("forced quit");
    assert_eq!(
        events.events(),
        [
            E::Quitting,
            E::Disconnecting,
            E::OscDisconnected,
            E::Disconnected,
            E::Quit
        ]
    );
    // The owner sees its process die.
    assert!(owner_events.wait_for(E::Quit, Duration::from_secs(5)));
    assert!(!alive(pid));
    assert_eq!(owner.status(), Status::Offline);
}

pub fn process_death_is_reported_in_order(options: Options) {
    let (server, events) = server_with_recorder("crash", options);
    server.boot().unwrap();
    let pid = server.pid().unwrap();
    let jack = server.state().jack_pid;
    events.clear();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    assert!(
        events.wait_for(E::Quit, Duration::from_secs(5)),
        "{:?}",
        events.events()
    );
    assert_eq!(
        events.events(),
        [
            E::ProcessPanicked,
            E::OscPanicked,
            E::Disconnecting,
            E::Disconnected,
            E::Quit
        ]
    );
    let detail = events.notices()[0].detail.clone().unwrap();
    assert!(detail.contains("SIGKILL"), "{detail}");
    assert_eq!(server.status(), Status::Offline);
    // The dummy JACK server outlives the crash of its scsynth, so booting again does not wait
    // for a new one; it goes with the quit.
    server.boot().expect("boot after a crash");
    assert_eq!(
        server.state().jack_pid,
        jack,
        "the same JACK server after the crash"
    );
    server.quit().unwrap();
    if let Some(jack) = jack {
        assert!(!alive(jack), "jackd {jack} still running after the quit");
    }
}

/// Holds the port in the options' protocol, then boots there.
pub fn port_in_use_fails_the_boot(options: Options) {
    let (_udp, _tcp);
    let port = match options.protocol {
        Protocol::Udp => {
            let holder = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
            let port = holder.local_addr().unwrap().port();
            _udp = holder;
            port
        }
        Protocol::Tcp => {
            let holder = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
            let port = holder.local_addr().unwrap().port();
            _tcp = holder;
            port
        }
    };
    let (server, events) = server_with_recorder("port-taken", Options { port, ..options });
    let error = server.boot().unwrap_err();
    assert!(
        matches!(error, ServerError::Boot(BootError::PortInUse { .. })),
        "{error}"
    );
    assert_eq!(events.events(), [E::Booting, E::ProcessPanicked]);
    assert_eq!(server.status(), Status::Offline);
    assert!(server.pid().is_none());
}

/// Two servers of one protocol booted concurrently (`second` gives the second one's options).
pub fn two_servers_at_once(first: Options, second: Options) {
    let (a, _) = server_with_recorder("a", first);
    let (b, _) = server_with_recorder("b", second);
    let (ra, rb) = futures::executor::block_on(futures::future::join(
        a.as_async().boot(),
        b.as_async().boot(),
    ));
    ra.unwrap();
    rb.unwrap();
    assert_ne!(a.pid(), b.pid());
    assert_ne!(a.options().port, b.options().port);
    a.sync().unwrap();
    b.sync().unwrap();
    a.quit().unwrap();
    assert_eq!(b.status(), Status::Online);
    b.quit().unwrap();
}

pub fn dropping_a_server_quits_what_it_owns(options: Options) {
    let (server, _) = server_with_recorder("dropped", options);
    server.boot().unwrap();
    let pid = server.pid().unwrap();
    let jack = server.state().jack_pid;
    drop(server);
    assert!(!alive(pid), "scsynth {pid} outlived its Server");
    if let Some(jack) = jack {
        assert!(!alive(jack), "jackd {jack} outlived its Server");
    }
}

pub fn reset_clears_nodes_and_restores_the_default_group(options: Options) {
    let (server, events) = server_with_recorder("reset", options);
    server.boot().unwrap();
    let group = OscMessage {
        addr: "/g_new".into(),
        args: vec![OscType::Int(5000), OscType::Int(0), OscType::Int(1)],
    };
    server.send(OscPacket::Message(group)).unwrap();
    server.sync().unwrap();
    query_node(&server, 5000).expect("group 5000 exists");
    events.clear();
    server.reset().expect("reset");
    assert!(
        events.events().is_empty(),
        "reset publishes no lifecycle events"
    );
    let error = query_node(&server, 5000).unwrap_err();
    assert!(error.to_string().contains("/n_query"), "{error}");
    query_node(&server, 1).expect("the default group is back");
    server.quit().unwrap();
}

pub fn concurrent_syncs_each_get_their_own_reply(options: Options) {
    let (server, _) = server_with_recorder("syncs", options);
    server.boot().unwrap();
    let s = server.as_async().clone();
    let results = futures::executor::block_on(futures::future::join_all((0..1000).map(|i| {
        let s = s.clone();
        async move {
            s.sync_with(Some(10_000 + i), Some(Duration::from_secs(5)))
                .await
        }
    })));
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    server.quit().unwrap();
}

pub fn requests_time_out_with_a_typed_error(options: Options) {
    let (server, _) = server_with_recorder("timeout", options);
    server.boot().unwrap();
    let message = OscMessage {
        addr: "/status".into(),
        args: vec![],
    };
    let expect = Expectation {
        command: "/status".into(),
        reply: Pattern::new("/never.reply"),
        fail: None,
        timeout: Some(Duration::from_millis(100)),
    };
    let error = server
        .request(OscPacket::Message(message), expect)
        .unwrap_err();
    assert!(
        matches!(
            error,
            ServerError::Request(scserver::RequestError::Timeout { .. })
        ),
        "{error}"
    );
    server.quit().unwrap();
}

/// Whether a reply is the one its request asked for.
type Check = Box<dyn Fn(&OscMessage) -> bool>;

/// A `/sync`, `/status` or `/n_query` as a request, and a check that the reply is its own.
async fn mixed_request(server: &scserver::AsyncServer, i: i32, groups: i32) -> Result<(), String> {
    let timeout = Some(Duration::from_secs(30));
    let (message, expect, check): (OscMessage, Expectation, Check) = match i % 3 {
        0 => {
            let id = 1_000_000 + i;
            (
                OscMessage {
                    addr: "/sync".into(),
                    args: vec![OscType::Int(id)],
                },
                Expectation {
                    command: "/sync".into(),
                    reply: Pattern::new("/synced").arg(id),
                    fail: None,
                    timeout,
                },
                Box::new(move |r| r.addr == "/synced" && r.args == [OscType::Int(id)]),
            )
        }
        1 => (
            OscMessage {
                addr: "/status".into(),
                args: vec![],
            },
            Expectation {
                command: "/status".into(),
                reply: Pattern::new("/status.reply"),
                fail: None,
                timeout,
            },
            Box::new(|r| r.addr == "/status.reply" && r.args.len() >= 9),
        ),
        _ => {
            let node = 3000 + i % groups;
            (
                OscMessage {
                    addr: "/n_query".into(),
                    args: vec![OscType::Int(node)],
                },
                Expectation {
                    command: "/n_query".into(),
                    reply: Pattern::new("/n_info").arg(node),
                    fail: Some(Pattern::new("/fail").arg("/n_query")),
                    timeout,
                },
                // /n_info node parent prev next is_group=1 head tail
                Box::new(move |r| {
                    r.addr == "/n_info"
                        && r.args.first() == Some(&OscType::Int(node))
                        && r.args.get(1) == Some(&OscType::Int(1))
                        && r.args.get(4) == Some(&OscType::Int(1))
                }),
            )
        }
    };
    match server.request(OscPacket::Message(message), expect).await {
        Ok(reply) if check(&reply) => Ok(()),
        Ok(reply) => Err(format!("request {i} got someone else's reply: {reply:?}")),
        Err(e) => Err(format!("request {i}: {e}")),
    }
}

/// 10,000 concurrent `/sync` (with ids), `/status` and `/n_query` of existing groups: each gets
/// its own reply, none is lost or swapped.
pub fn ten_thousand_concurrent_mixed_requests_each_get_their_own_reply(options: Options) {
    common::init_tracing();
    let server = Server::with_name("ten-thousand", options);
    server.boot().unwrap();
    let groups = 100;
    let new_groups = (0..groups)
        .flat_map(|g| [OscType::Int(3000 + g), OscType::Int(1), OscType::Int(1)])
        .collect();
    server
        .send(OscPacket::Message(OscMessage {
            addr: "/g_new".into(),
            args: new_groups,
        }))
        .unwrap();
    server.sync().unwrap();

    let s = server.as_async().clone();
    let started = std::time::Instant::now();
    let results = futures::executor::block_on(futures::future::join_all((0..10_000).map(|i| {
        let s = s.clone();
        async move { mixed_request(&s, i, groups).await }
    })));
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of 10000 failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    tracing::info!(elapsed = ?started.elapsed(), "10,000 mixed requests answered");
    server.quit().unwrap();
}
