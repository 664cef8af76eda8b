//! Supervision against a real scsynth: crash and hang detection, restarts that put the server
//! back, giving up, many servers, and a silent server this client does not own.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::supervised::{
    buffer_frames, load_sine, message, ms_between, query_node, sigkill, sine_plays, supervisor,
    write_wav, Ev, CRASH_AND_RESTART,
};
use common::{alive, ServerKind};
use futures::executor::block_on;
use futures::FutureExt;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver::osc::OscType;
use scserver::{
    AsyncServer, BootError, BufferId, Expectation, LifecycleEvent as E, Options, Pattern, Phase,
    RestartPolicy, Server, ServerError, SupervisionError, SupervisionEvent, SupervisionNotice,
};

fn supervised_options(kind: ServerKind) -> Options {
    Options {
        restart: RestartPolicy::OnFailure,
        load_synthdefs: false,
        ..kind.options()
    }
}

fn a_killed_server_is_restarted_with_its_group_synthdefs_and_hook(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let hook_runs = Arc::new(Mutex::new(Vec::new()));
    let runs = hook_runs.clone();
    let hook: scserver::Hook = Box::new(move |server: AsyncServer, attempt| {
        runs.lock().unwrap().push(attempt);
        // The user's own nodes: a group under the default group.
        async move {
            let group = server.default_group().map_or(1, |g| g.get());
            server.send(message(
                "/g_new",
                vec![OscType::Int(5000), OscType::Int(0), OscType::Int(group)],
            ))?;
            server.sync().await
        }
        .boxed()
    });
    let server = block_on(supervisor.add_with_hook("killed", supervised_options(kind), Some(hook)))
        .expect("boot");
    load_sine(&server);
    assert!(
        sine_plays(&server, 2000),
        "the SynthDef plays before the crash"
    );
    let pid = server.pid().unwrap();

    let killed_at = SystemTime::now();
    sigkill(pid);
    let panicked = events.wait("killed", "process_panicked", Duration::from_secs(5));
    let restarting = events.wait("killed", "restarting", Duration::from_secs(5));
    events.wait("killed", "restarted", Duration::from_secs(15));
    eprintln!(
        "crash detection: {:.2} ms from SIGKILL to process_panicked; restarted {:.0} ms after",
        ms_between(killed_at, panicked.at()),
        ms_between(
            killed_at,
            events.wait("killed", "restarted", Duration::ZERO).at()
        ),
    );
    match restarting {
        Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::Restarting { attempt, delay },
            detail,
            ..
        }) => {
            assert_eq!(attempt, 1);
            // The first crash after a quiet period is restarted at once.
            assert_eq!(delay, Duration::ZERO);
            assert!(detail.unwrap().contains("SIGKILL"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        events.names("killed"),
        [
            "booting",
            "process_booted",
            "connecting",
            "osc_connected",
            "connected",
            "booted",
        ]
        .into_iter()
        .chain(CRASH_AND_RESTART)
        .collect::<Vec<_>>()
    );
    let new_pid = server.pid().expect("running again");
    assert_ne!(new_pid, pid);
    assert!(!alive(pid));
    assert_eq!(server.client_id(), Some(0));
    query_node(&server, 1).expect("the default group is back");
    query_node(&server, 5000).expect("the hook's group is back");
    assert_eq!(*hook_runs.lock().unwrap(), [1]);
    assert!(sine_plays(&server, 2001), "the SynthDef was loaded again");
    // The heartbeat keeps the last status readable without a round trip; wait (bounded) for
    // one taken after the synths started.
    let deadline = Instant::now() + Duration::from_secs(2);
    let status = loop {
        let status = server
            .status_info()
            .expect("the heartbeat keeps the status");
        if status.synth_count >= 1 || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.synthdef_count, 1);
    assert!(status.synth_count >= 1, "{status:?}");

    let children = block_on(supervisor.children());
    assert_eq!(children[0].phase, Phase::Running);
    assert_eq!(children[0].restarts, 1);
    block_on(supervisor.shutdown());
    assert!(!alive(new_pid));
}

fn a_stopped_server_is_a_hang_detected_within_the_bound_and_restarted(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let options = supervised_options(kind);
    let bound = options.heartbeat_interval * (options.heartbeat_misses + 2);
    let server = block_on(supervisor.add("hung", options)).expect("boot");
    let pid = server.pid().unwrap();
    let stopped_at = SystemTime::now();
    kill(Pid::from_raw(pid as i32), Signal::SIGSTOP).unwrap();
    let panicked = events.wait("hung", "osc_panicked", Duration::from_secs(5));
    let detection = ms_between(stopped_at, panicked.at());
    eprintln!("hang detection: {detection:.0} ms from SIGSTOP to osc_panicked (bound {bound:?})");
    assert!(detection < bound.as_secs_f64() * 1e3, "{detection} ms");
    events.wait("hung", "restarted", Duration::from_secs(15));
    // The hung process was killed, not left stopped.
    if alive(pid) {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGCONT);
        sigkill(pid);
        panic!("the hung scsynth {pid} was left running");
    }
    let names = events.names("hung");
    let hang: Vec<_> = names
        .iter()
        .skip_while(|n| **n != "osc_panicked")
        .take(5)
        .copied()
        .collect();
    assert_eq!(
        hang,
        [
            "osc_panicked",
            "disconnecting",
            "disconnected",
            "quit",
            "restarting"
        ]
    );
    block_on(server.sync()).expect("answers after the restart");
    block_on(supervisor.shutdown());
}

fn a_server_that_cannot_boot_is_retried_with_backoff_then_given_up_others_unaffected(
    kind: ServerKind,
) {
    let (supervisor, events) = supervisor();
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let blocked = Options {
        port,
        max_restarts: 2,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(80),
        ..supervised_options(kind)
    };
    let healthy = block_on(supervisor.add("healthy", supervised_options(kind))).expect("boot");
    let Err(error) = block_on(supervisor.add("blocked", blocked)) else {
        panic!("booted on a taken port");
    };
    assert!(
        matches!(
            error,
            SupervisionError::Server(ServerError::Boot(BootError::PortInUse { .. }))
        ),
        "{error}"
    );
    let gave_up = events.wait("blocked", "gave_up", Duration::from_secs(20));
    let delays: Vec<_> = (1..=2)
        .map(
            |n| match events.wait_nth("blocked", "restarting", n, Duration::ZERO) {
                Some(Ev::Sup(SupervisionNotice {
                    event: SupervisionEvent::Restarting { attempt, delay },
                    ..
                })) => (attempt, delay),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(
        delays,
        [(1, Duration::ZERO), (2, Duration::from_millis(50))]
    );
    assert!(events
        .wait_nth("blocked", "restarting", 3, Duration::ZERO)
        .is_none());
    assert!(matches!(
        gave_up,
        Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::GaveUp { restarts: 2, .. },
            ..
        })
    ));
    let children = block_on(supervisor.children());
    let blocked = children.iter().find(|c| c.name == "blocked").unwrap();
    assert_eq!(blocked.phase, Phase::GaveUp);
    let error = blocked.error.clone().expect("a typed error");
    assert!(
        matches!(error, SupervisionError::GaveUp { restarts: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("max_restarts"), "{error}");
    // The other server never noticed.
    assert!(events
        .names("healthy")
        .iter()
        .all(|n| !n.contains("panicked")));
    block_on(healthy.sync()).expect("the healthy server answers");
    let healthy_child = children.iter().find(|c| c.name == "healthy").unwrap();
    assert_eq!(healthy_child.phase, Phase::Running);
    // After the port is free, a manual restart works with a fresh budget.
    drop(holder);
    block_on(supervisor.restart("blocked")).expect("restart once the port is free");
    block_on(supervisor.server("blocked").unwrap().sync()).unwrap();
    block_on(supervisor.shutdown());
}

fn reboot_reset_and_stop_by_name(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let server = block_on(supervisor.add(
        "named",
        Options {
            restart: RestartPolicy::Always,
            ..supervised_options(kind)
        },
    ))
    .unwrap();
    let first = server.pid().unwrap();
    server
        .send(message(
            "/g_new",
            vec![OscType::Int(5000), OscType::Int(0), OscType::Int(1)],
        ))
        .unwrap();
    block_on(server.sync()).unwrap();
    block_on(supervisor.reset("named")).expect("reset by name");
    assert!(query_node(&server, 5000).is_err(), "reset freed the group");
    events.clear();
    block_on(supervisor.reboot("named")).expect("reboot by name");
    assert_ne!(server.pid().unwrap(), first);
    // A reboot through the supervisor is no failure: no restart.
    assert!(
        !events.names("named").contains(&"restarting"),
        "{:?}",
        events.names("named")
    );
    let unknown = block_on(supervisor.reboot("nobody")).unwrap_err();
    assert!(matches!(unknown, SupervisionError::Unknown(_)), "{unknown}");
    let pid = server.pid().unwrap();
    block_on(supervisor.stop("named")).unwrap();
    assert!(!alive(pid));
    // Stopped through the supervisor: even `always` leaves it down.
    assert!(!events.names("named").contains(&"restarting"));
    assert_eq!(block_on(supervisor.children())[0].phase, Phase::Stopped);
}

fn a_silent_server_we_do_not_own_is_reconnected_from_the_same_port(kind: ServerKind) {
    common::init_tracing();
    let owner_options = Options {
        maximum_logins: 2,
        // The owner must not declare the stop a hang and kill the process during this test.
        heartbeat_misses: 1000,
        ..kind.options()
    };
    let owner = Server::with_name("owner", owner_options.clone());
    owner.boot().unwrap();
    let guest = Server::with_name(
        "guest",
        Options {
            heartbeat_misses: 4,
            ..owner_options
        },
    );
    let events = common::Recorder::default();
    let _events = guest.register_lifecycle_callback([], events.callback());
    guest.connect().unwrap();
    let client_id = guest.client_id();
    let local = guest.as_async().local_addr().unwrap();
    let pid = owner.pid().unwrap();
    events.clear();
    kill(Pid::from_raw(pid as i32), Signal::SIGSTOP).unwrap();
    let silent = events.wait_for(E::Disconnected, Duration::from_secs(5));
    kill(Pid::from_raw(pid as i32), Signal::SIGCONT).unwrap();
    assert!(silent, "{:?}", events.events());
    assert_eq!(
        events.events(),
        [E::OscPanicked, E::Disconnecting, E::Disconnected]
    );
    assert!(
        events.wait_for(E::Connected, Duration::from_secs(5)),
        "{:?}",
        events.events()
    );
    assert_eq!(
        events.events(),
        [
            E::OscPanicked,
            E::Disconnecting,
            E::Disconnected,
            E::Connecting,
            E::OscConnected,
            E::Connected
        ]
    );
    assert_eq!(
        guest.as_async().local_addr(),
        Some(local),
        "reconnected from the same port"
    );
    assert_eq!(guest.client_id(), client_id, "kept its client id");
    guest.sync().unwrap();
    assert!(alive(pid), "the guest never kills a server it does not own");
    guest.disconnect().unwrap();
    owner.quit().unwrap();
}

fn buffers_read_from_files_are_read_again_after_a_restart(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let server = block_on(supervisor.add("buffers", supervised_options(kind))).expect("boot");
    let path = std::env::temp_dir().join(format!("scserver-sup-{}.wav", std::process::id()));
    write_wav(&path, 123);
    block_on(server.request(
        message(
            "/b_allocRead",
            vec![
                OscType::Int(7),
                OscType::String(path.display().to_string()),
                OscType::Int(0),
                OscType::Int(-1),
            ],
        ),
        Expectation {
            command: "/b_allocRead".into(),
            reply: Pattern::new("/done").arg("/b_allocRead").arg(7),
            fail: Some(Pattern::new("/fail").arg("/b_allocRead")),
            timeout: Some(Duration::from_secs(5)),
        },
    ))
    .expect("/b_allocRead");
    // A buffer allocated empty and then freed is not read again.
    server
        .send(message("/b_alloc", vec![OscType::Int(8), OscType::Int(10)]))
        .unwrap();
    // sclang's Buffer.alloc, then read: the allocation and the read are replayed together.
    let halves = std::env::temp_dir().join(format!("scserver-sup-{}-half.wav", std::process::id()));
    write_constant_wav(&halves, 0.5, 32);
    server
        .send(message("/b_alloc", vec![OscType::Int(9), OscType::Int(64)]))
        .unwrap();
    server
        .send(message(
            "/b_read",
            vec![
                OscType::Int(9),
                OscType::String(halves.display().to_string()),
                OscType::Int(0),
                OscType::Int(-1),
                OscType::Int(0),
                OscType::Int(0),
            ],
        ))
        .unwrap();
    block_on(server.sync()).unwrap();
    // A reset frees nodes and SynthDefs; the buffers stay, on the server and in what a
    // restart reads again.
    block_on(server.reset()).unwrap();
    assert_eq!(buffer_frames(&server, 7), 123);
    assert_eq!(buffer_sample(&server, 9, 0), 0.5);
    sigkill(server.pid().unwrap());
    events.wait("buffers", "restarted", Duration::from_secs(15));
    assert_eq!(buffer_frames(&server, 7), 123, "the file was read again");
    assert_eq!(
        buffer_frames(&server, 8),
        0,
        "only reads from files are replayed"
    );
    assert_eq!(buffer_frames(&server, 9), 64, "allocated again");
    assert_eq!(
        (buffer_sample(&server, 9, 0), buffer_sample(&server, 9, 40)),
        (0.5, 0.0),
        "and read again into"
    );
    block_on(supervisor.shutdown());
    std::fs::remove_file(path).ok();
    std::fs::remove_file(halves).ok();
}

/// A mono float WAV of `frames` samples of `value`.
fn write_constant_wav(path: &std::path::Path, value: f32, frames: usize) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    (0..frames).for_each(|_| writer.write_sample(value).unwrap());
    writer.finalize().unwrap();
}

/// Sample `index` of buffer `buffer`.
fn buffer_sample(server: &AsyncServer, buffer: i32, index: i32) -> f32 {
    let values = block_on(server.get_buffer(BufferId::new(buffer), vec![index])).expect("/b_get");
    values[&index]
}

fn a_users_own_quit_restarts_only_under_always(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let always = block_on(supervisor.add(
        "always",
        Options {
            restart: RestartPolicy::Always,
            ..supervised_options(kind)
        },
    ))
    .unwrap();
    let on_failure = block_on(supervisor.add("on-failure", supervised_options(kind))).unwrap();
    block_on(always.quit()).unwrap();
    block_on(on_failure.quit()).unwrap();
    events.wait("always", "restarted", Duration::from_secs(15));
    block_on(always.sync()).expect("always: up again");
    let children = block_on(supervisor.children());
    let phase = |name: &str| children.iter().find(|c| c.name == name).unwrap().phase;
    assert_eq!(
        phase("on-failure"),
        Phase::Stopped,
        "a clean quit is no failure"
    );
    assert!(!events.names("on-failure").contains(&"restarting"));
    block_on(supervisor.shutdown());
}

fn a_synthdef_sent_on_first_use_is_restored_after_a_restart(kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let server = block_on(supervisor.add("first_use", supervised_options(kind))).expect("boot");
    let received = Arc::new(Mutex::new(0));
    let count = received.clone();
    let _callback = server.register_osc_callback(Pattern::new("/done").arg("/d_recv"), move |_| {
        *count.lock().unwrap() += 1
    });
    let def = {
        use scserver::synthdef::ugens::{Out, SinOsc};
        let b = scserver::synthdef::SynthDefBuilder::new("first_use_sine");
        Out::ar(&b).source(SinOsc::ar(&b).finish() * 0.01).finish();
        b.build().expect("a valid graph")
    };
    let sent = || {
        // The /done may reach the callback after the awaited call returned: a sync orders them.
        block_on(server.sync()).unwrap();
        *received.lock().unwrap()
    };
    block_on(server.add_synth(&def, scserver::controls! {}, scserver::Position::default()))
        .expect("first use");
    assert_eq!(sent(), 1);
    sigkill(server.pid().unwrap());
    events.wait("first_use", "restarted", Duration::from_secs(15));
    assert_eq!(sent(), 2, "the restart sent it again");
    let synth =
        block_on(server.add_synth(&def, scserver::controls! {}, scserver::Position::default()))
            .expect("a synth of it after the restart");
    assert_eq!(sent(), 2, "known to be there: not sent a third time");
    query_node(&server, synth.id().get()).expect("it runs");
    block_on(supervisor.shutdown());
}

on_both_servers!(
    a_killed_server_is_restarted_with_its_group_synthdefs_and_hook,
    a_stopped_server_is_a_hang_detected_within_the_bound_and_restarted,
    a_server_that_cannot_boot_is_retried_with_backoff_then_given_up_others_unaffected,
    reboot_reset_and_stop_by_name,
    buffers_read_from_files_are_read_again_after_a_restart,
    a_users_own_quit_restarts_only_under_always,
    a_synthdef_sent_on_first_use_is_restored_after_a_restart,
    a_silent_server_we_do_not_own_is_reconnected_from_the_same_port,
);
