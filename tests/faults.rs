//! Faults scsynth cannot produce itself, injected from a second UDP socket, beside a real server.

mod common;
mod scenarios;

use std::net::UdpSocket;
use std::time::Duration;

use common::{options, ServerKind};
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
    server.boot().unwrap();
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
    server.sync().expect("sync after spoofing");
    assert_eq!(server.client_id(), Some(0));
    server.quit().unwrap();
}

#[test]
fn a_fail_for_an_awaited_command_fails_it_at_once() {
    let server = Server::with_name("fail", options());
    server.boot().unwrap();
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
    server.quit().unwrap();
}

fn ten_thousand_concurrent_mixed_requests_each_get_their_own_reply(kind: ServerKind) {
    scenarios::ten_thousand_concurrent_mixed_requests_each_get_their_own_reply(kind.options());
}

/// 10,000 `/sync` at once, the burst that lost about a quarter of its answers on supernova: its
/// system queue holds 2,048 of them, so the client keeps at most 1,024 in flight there.
fn ten_thousand_concurrent_syncs_are_each_answered(kind: ServerKind) {
    common::init_tracing();
    let server = Server::with_name("ten-thousand-syncs", kind.options());
    server.boot().unwrap();
    let s = server.as_async().clone();
    let results = futures::executor::block_on(futures::future::join_all(
        (0..10_000).map(|i| s.sync_with(Some(2_000_000 + i), Some(Duration::from_secs(10)))),
    ));
    let lost = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(lost, 0, "first: {:?}", results.iter().find(|r| r.is_err()));
    server.quit().unwrap();
}

on_both_servers!(
    ten_thousand_concurrent_mixed_requests_each_get_their_own_reply,
    ten_thousand_concurrent_syncs_are_each_answered,
);

#[test]
fn jack_absent_with_auto_start_off_is_a_typed_error_with_a_remedy() {
    common::init_tracing();
    // Only this test's scsynth looks for a JACK server that no one runs: a wrapper sets the name
    // for the one process, so parallel tests keep theirs.
    let dir = std::env::temp_dir().join(format!("scserver-nojack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("scsynth");
    let pid_file = dir.join("pid");
    let real = scserver_actors::process::find_executable(&scserver::Options::default())
        .expect("scsynth installed");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > {}\nJACK_DEFAULT_SERVER=scserver-no-such-jack-$$ exec {} \"$@\"\n",
            pid_file.display(),
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let server = Server::with_name(
        "no-jack",
        scserver::Options {
            executable: Some(script),
            start_jack: false,
            ..options()
        },
    );
    let events = common::Recorder::default();
    let _events = server.register_lifecycle_callback([], events.callback());
    let error = server.boot().unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, ServerError::Boot(scserver::BootError::Audio { .. })),
        "{text}"
    );
    assert!(text.contains("jackd -d dummy"), "{text}");
    assert!(text.contains("start_jack"), "{text}");
    assert_eq!(
        events.events(),
        [
            scserver::LifecycleEvent::Booting,
            scserver::LifecycleEvent::ProcessPanicked
        ]
    );
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!common::alive(pid), "scsynth {pid} was left running");
    assert!(server.pid().is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_ipv6_bind_address_reports_scsynths_own_reason_not_a_port_in_use() {
    common::init_tracing();
    let server = Server::with_name(
        "ipv6",
        scserver::Options {
            ip_address: "::1".parse().unwrap(),
            ..options()
        },
    );
    let error = server.boot().unwrap_err();
    let text = error.to_string();
    match &error {
        ServerError::Boot(scserver::BootError::Socket { line, .. }) => {
            assert!(
                line.contains("failed to open UDP socket")
                    && line.contains("Address family not supported by protocol"),
                "{line}"
            );
        }
        other => panic!("expected the socket failure scsynth printed: {other}"),
    }
    assert!(!text.contains("in use"), "{text}");
    assert!(text.contains("ip_address"), "{text}");
    assert!(server.pid().is_none());
}

#[test]
fn an_unreadable_config_is_a_typed_error_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("scserver-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Missing, a directory (unreadable as a file even for root), and without permission (only
    // enforced for other users than root).
    let missing = dir.join("missing.toml");
    let directory = dir.join("a-directory.toml");
    std::fs::create_dir_all(&directory).unwrap();
    let locked = dir.join("locked.toml");
    std::fs::write(&locked, "[defaults]\n").unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let mut cases = vec![missing, directory];
    if !nix::unistd::geteuid().is_root() {
        cases.push(locked);
    }
    for path in cases {
        let error = scserver::Config::load(&path).unwrap_err();
        assert!(
            matches!(error, scserver::ConfigError::Read { .. }),
            "{}: {error}",
            path.display()
        );
        assert!(
            error.to_string().contains(&*path.to_string_lossy()),
            "{error}"
        );
        assert!(
            error.to_string().contains("readable file"),
            "no remedy: {error}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// xorshift64*: reproducible noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A random packet, or a reference reply with a few bytes flipped, cut or repeated.
    fn packet(&mut self, references: &[Vec<u8>]) -> Vec<u8> {
        if references.is_empty() || self.below(4) == 0 {
            let len = self.below(200);
            return (0..len).map(|_| self.next() as u8).collect();
        }
        let mut bytes = references[self.below(references.len())].clone();
        for _ in 0..1 + self.below(4) {
            let at = self.below(bytes.len());
            match self.below(4) {
                0 => bytes.truncate(at),
                1 => {
                    let copy = bytes[at..].to_vec();
                    bytes.extend(copy);
                }
                2 if bytes.len() >= 4 => {
                    let at = at.min(bytes.len() - 4) & !3;
                    bytes[at..at + 4].copy_from_slice(&(self.next() as i32).to_be_bytes());
                }
                _ => {
                    if let Some(b) = bytes.get_mut(at) {
                        *b ^= self.next() as u8 | 1;
                    }
                }
            }
        }
        bytes
    }
}

fn reference_replies() -> Vec<Vec<u8>> {
    let dir = scserver_testdata::OSC;
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "bin"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn malformed_packets_through_the_socket_actor_leave_the_server_usable() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    common::init_tracing();
    let owner = Server::with_name(
        "fuzz-owner",
        scserver::Options {
            maximum_logins: 2,
            ..options()
        },
    );
    owner.boot().unwrap();
    // A relay between a second client and the server that slips garbage in beside every real
    // reply: to the client, the garbage comes from the server's own address.
    let client_side = Arc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let server_side = Arc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    server_side
        .connect(("127.0.0.1", owner.options().port))
        .unwrap();
    for s in [&client_side, &server_side] {
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let fuzzing = Arc::new(AtomicBool::new(true));
    let client = Arc::new(Mutex::new(None));
    let injected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let upstream = {
        let (client_side, server_side, stop, client) = (
            client_side.clone(),
            server_side.clone(),
            stop.clone(),
            client.clone(),
        );
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !stop.load(Ordering::Relaxed) {
                if let Ok((n, from)) = client_side.recv_from(&mut buf) {
                    *client.lock().unwrap() = Some(from);
                    let _ = server_side.send(&buf[..n]);
                }
            }
        })
    };
    let downstream = {
        let (client_side, server_side, stop, fuzzing, client, injected) = (
            client_side.clone(),
            server_side.clone(),
            stop.clone(),
            fuzzing.clone(),
            client.clone(),
            injected.clone(),
        );
        std::thread::spawn(move || {
            let references = reference_replies();
            let mut noise = Noise(0x5EED_1234_ABCD_0001);
            let mut buf = vec![0u8; 65536];
            while !stop.load(Ordering::Relaxed) {
                let Ok(n) = server_side.recv(&mut buf) else {
                    continue;
                };
                let Some(to) = *client.lock().unwrap() else {
                    continue;
                };
                if fuzzing.load(Ordering::Relaxed) {
                    for _ in 0..3 {
                        let _ = client_side.send_to(&noise.packet(&references), to);
                        injected.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let _ = client_side.send_to(&buf[..n], to);
            }
        })
    };
    let relay_port = client_side.local_addr().unwrap().port();
    let guest = Server::with_name(
        "fuzzed",
        scserver::Options {
            port: relay_port,
            ..owner.options()
        },
    );
    guest.connect().expect("connect through the relay");
    // Requests while garbage flows: some may be answered by garbage that happens to parse, so
    // their outcome is not judged; nothing may panic or wedge.
    for i in 0..300 {
        let _ = guest.sync_with(Some(50_000 + i), Some(Duration::from_millis(500)));
    }
    fuzzing.store(false, Ordering::Relaxed);
    assert!(injected.load(Ordering::Relaxed) >= 900);
    // Clean traffic again: every request is answered, the client is still online.
    for i in 0..100 {
        guest
            .sync_with(Some(60_000 + i), None)
            .expect("sync after the garbage");
    }
    assert_eq!(guest.status(), scserver::Status::Online);
    owner.sync().expect("the owner is unaffected");
    guest.disconnect().unwrap();
    stop.store(true, Ordering::Relaxed);
    upstream.join().unwrap();
    downstream.join().unwrap();
    owner.quit().unwrap();
}
