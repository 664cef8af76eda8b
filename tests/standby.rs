//! Warm standby against real scsynth and supernova servers: promotion in place of a killed or stopped server,
//! with the durable state there and the same handles, client id and ids; a standby that dies
//! or hangs is replaced without touching its server; two servers with a standby each.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::supervised::{
    buffer_frames, load_sine, message, query_node, sigkill, sine_plays, supervisor, write_wav, Ev,
    Events,
};
use common::{alive, free_port, within, ServerKind};
use futures::executor::block_on;
use futures::FutureExt;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use scserver::osc::OscType;
use scserver::{
    AsyncServer, Expectation, LifecycleEvent, Options, Pattern, Phase, RestartPolicy,
    ServerSupervisor, SupervisionEvent, SupervisionNotice,
};

const WAIT: Duration = Duration::from_secs(20);

fn standby_options() -> Options {
    options_for(ServerKind::Scsynth)
}

fn options_for(kind: ServerKind) -> Options {
    Options {
        restart: RestartPolicy::OnFailure,
        load_synthdefs: false,
        standby: 1,
        standby_port: Some(free_port()),
        ..kind.options()
    }
}

/// The port the `n`-th standby_ready of `server` names.
fn standby_ready(events: &Events, server: &str, n: usize) -> u16 {
    match events.wait_nth(server, "standby_ready", n, WAIT) {
        Some(Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::StandbyReady { standby_port },
            ..
        })) => standby_port,
        other => panic!(
            "no standby_ready #{n} of {server}: {other:?} {:?}",
            events.names(server)
        ),
    }
}

fn read_file_buffer(server: &AsyncServer, buffer: i32, path: &std::path::Path) {
    block_on(server.request(
        message(
            "/b_allocRead",
            vec![
                OscType::Int(buffer),
                OscType::String(path.display().to_string()),
                OscType::Int(0),
                OscType::Int(-1),
            ],
        ),
        Expectation {
            command: "/b_allocRead".into(),
            reply: Pattern::new("/done").arg("/b_allocRead").arg(buffer),
            fail: Some(Pattern::new("/fail").arg("/b_allocRead")),
            timeout: Some(Duration::from_secs(5)),
        },
    ))
    .expect("/b_allocRead");
}

/// A hook that records its attempts and makes a group of the user's under the default group.
fn group_hook(runs: Arc<Mutex<Vec<u32>>>) -> scserver::Hook {
    Box::new(move |server: AsyncServer, attempt| {
        runs.lock().unwrap().push(attempt);
        async move {
            let group = server.default_group().map_or(1, |g| g.get());
            server.send(message(
                "/g_new",
                vec![OscType::Int(5000), OscType::Int(0), OscType::Int(group)],
            ))?;
            server.sync().await
        }
        .boxed()
    })
}

fn promoted_in_place_of_a(signal: Signal, kind: ServerKind) {
    let (supervisor, events) = supervisor();
    let runs = Arc::new(Mutex::new(Vec::new()));
    let options = options_for(kind);
    let (port, standby_port) = (options.port, options.standby_port.unwrap());
    let server =
        block_on(supervisor.add_with_hook("warm", options, Some(group_hook(runs.clone()))))
            .expect("boot");
    // One SynthDef before the standby is up (copied when it boots), one file buffer after
    // (copied as it is read).
    load_sine(&server);
    assert_eq!(standby_ready(&events, "warm", 1), standby_port);
    let (standby_at, standby_pid) = server.standby().expect("a ready standby");
    assert_eq!(standby_at, standby_port);
    let path = std::env::temp_dir().join(format!(
        "scserver-standby-{}-{standby_port}.wav",
        std::process::id()
    ));
    write_wav(&path, 123);
    read_file_buffer(&server, 7, &path);
    block_on(server.sync()).unwrap();
    let (pid, client_id, jack_pid) = (server.pid().unwrap(), server.client_id(), server.jack_pid());

    kill(Pid::from_raw(pid as i32), signal).unwrap();
    let promoted = events.wait("warm", "promoted", WAIT);
    match &promoted {
        Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::Promoted { port: now, from },
            port: notice_port,
            ..
        }) => {
            assert_eq!((*now, *from), (standby_port, port));
            assert_eq!(*notice_port, standby_port);
        }
        other => panic!("{other:?}"),
    }
    // The same handle talks to the standby's process, as the same client.
    assert_eq!(server.pid(), Some(standby_pid));
    assert_eq!(server.options().port, standby_port);
    assert_eq!(server.client_id(), client_id);
    assert_eq!(server.jack_pid(), jack_pid, "the same JACK server");
    query_node(&server, server.default_group().unwrap().get()).expect("the default group");
    query_node(&server, 5000).expect("the hook's group");
    assert_eq!(
        *runs.lock().unwrap(),
        [0],
        "the hook ran once, for the promotion"
    );
    assert!(sine_plays(&server, 2001), "the SynthDef is there");
    assert_eq!(buffer_frames(&server, 7), 123, "the file buffer is there");
    // No cold restart happened.
    let names = events.names("warm");
    assert!(
        !names.contains(&"restarting") && !names.contains(&"quit"),
        "{names:?}"
    );
    let after: Vec<_> = names
        .iter()
        .skip_while(|n| !n.ends_with("panicked"))
        .take_while(|n| **n != "promoted")
        .copied()
        .collect();
    let expected: &[&str] = if signal == Signal::SIGKILL {
        &[
            "process_panicked",
            "osc_panicked",
            "connecting",
            "osc_connected",
            "connected",
        ]
    } else {
        &["osc_panicked", "connecting", "osc_connected", "connected"]
    };
    assert_eq!(after, expected);
    // The failed process is gone (a stopped one killed), and a new standby boots on its port.
    assert_eq!(standby_ready(&events, "warm", 2), port);
    if alive(pid) {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGCONT);
        sigkill(pid);
        panic!("the failed scsynth {pid} was left running");
    }
    let (_, next) = server.standby().expect("the next standby");
    assert_eq!(block_on(supervisor.children())[0].phase, Phase::Running);

    block_on(supervisor.shutdown());
    assert!(
        !alive(standby_pid) && !alive(next),
        "quit takes the standby too"
    );
    std::fs::remove_file(path).ok();
}

fn a_killed_server_is_replaced_by_its_standby(kind: ServerKind) {
    promoted_in_place_of_a(Signal::SIGKILL, kind);
}

fn a_stopped_server_is_replaced_by_its_standby(kind: ServerKind) {
    promoted_in_place_of_a(Signal::SIGSTOP, kind);
}

on_both_servers!(
    a_killed_server_is_replaced_by_its_standby,
    a_stopped_server_is_replaced_by_its_standby,
    a_server_without_a_supervisor_keeps_a_standby_too,
);

/// A standby that dies (SIGKILL) or hangs (SIGSTOP: its heartbeat goes unanswered) is replaced
/// on its port; the server sees nothing of it.
fn a_lost_standby_is_replaced_without_touching_its_server(signal: Signal, why: &str) {
    let (supervisor, events) = supervisor();
    let options = standby_options();
    let standby_port = options.standby_port.unwrap();
    let server = block_on(supervisor.add("calm", options)).expect("boot");
    standby_ready(&events, "calm", 1);
    let pid = server.pid().unwrap();
    let (_, standby_pid) = server.standby().unwrap();
    let before = events.names("calm").len();
    kill(Pid::from_raw(standby_pid as i32), signal).unwrap();
    match events.wait("calm", "standby_lost", WAIT) {
        Ev::Sup(SupervisionNotice {
            event: SupervisionEvent::StandbyLost { standby_port: lost },
            detail,
            ..
        }) => {
            assert_eq!(lost, standby_port);
            let detail = detail.unwrap_or_default();
            assert!(detail.contains(why), "{detail:?} says {why}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(standby_ready(&events, "calm", 2), standby_port);
    let (_, replacement) = server.standby().unwrap();
    assert_ne!(replacement, standby_pid);
    assert!(!alive(standby_pid), "the lost standby is gone");
    // The server saw nothing: no lifecycle event, same process, still answering.
    assert_eq!(
        events.names("calm")[before..],
        ["standby_lost", "standby_ready"]
    );
    assert_eq!(server.pid(), Some(pid));
    block_on(server.sync()).expect("the server answers");
    block_on(supervisor.shutdown());
    assert!(!alive(replacement));
}

#[test]
fn a_dead_standby_is_replaced_without_touching_its_server() {
    a_lost_standby_is_replaced_without_touching_its_server(Signal::SIGKILL, "SIGKILL");
}

#[test]
fn a_hung_standby_is_replaced_without_touching_its_server() {
    a_lost_standby_is_replaced_without_touching_its_server(Signal::SIGSTOP, "hung");
}

#[test]
fn two_servers_with_a_standby_each() {
    let (supervisor, events) = supervisor();
    let servers: Vec<_> = ["one", "two"]
        .iter()
        .map(|name| {
            let server = block_on(supervisor.add(name, standby_options())).expect("boot");
            load_sine(&server);
            server
        })
        .collect();
    for name in ["one", "two"] {
        standby_ready(&events, name, 1);
    }
    promote(&supervisor, &events, "one", &servers[0]);
    assert!(
        events.names("two").iter().all(|n| !n.contains("panicked")),
        "the other server never noticed"
    );
    promote(&supervisor, &events, "two", &servers[1]);
    for (name, server) in ["one", "two"].iter().zip(&servers) {
        assert!(sine_plays(server, 3000), "{name}: the SynthDef is there");
        standby_ready(&events, name, 2);
    }
    block_on(supervisor.shutdown());
}

fn promote(supervisor: &ServerSupervisor, events: &Events, name: &str, server: &AsyncServer) {
    let (standby_port, _) = server.standby().unwrap();
    sigkill(server.pid().unwrap());
    events.wait(name, "promoted", WAIT);
    assert_eq!(server.options().port, standby_port);
    block_on(server.sync()).expect("the promoted standby answers");
    let child = block_on(supervisor.children())
        .into_iter()
        .find(|c| c.name == name)
        .unwrap();
    assert_eq!(child.phase, Phase::Running);
}

/// Polls (bounded) until the server has a ready standby other than `not`.
fn standby_of(server: &AsyncServer, not: Option<u32>) -> (u16, u32) {
    let found = std::cell::Cell::new(None);
    let ready = within(WAIT, || {
        found.set(server.standby().filter(|(_, pid)| Some(*pid) != not));
        found.get().is_some()
    });
    assert!(ready, "no standby");
    found.get().expect("seen")
}

fn a_server_without_a_supervisor_keeps_a_standby_too(kind: ServerKind) {
    let options = options_for(kind);
    let (port, standby_port) = (options.port, options.standby_port.unwrap());
    let server = scserver::Server::new(options);
    let recorder = common::Recorder::default();
    let _events = server.register_lifecycle_callback([], recorder.callback());
    server.boot().expect("boot");
    let server = server.as_async().clone();
    let (first_port, first) = standby_of(&server, None);
    assert_eq!(first_port, standby_port);
    load_sine(&server);
    let client_id = server.client_id();
    recorder.clear();

    sigkill(server.pid().unwrap());
    assert!(
        recorder.wait_for(LifecycleEvent::Connected, WAIT),
        "{:?}",
        recorder.events()
    );
    assert_eq!(
        recorder.events(),
        [
            LifecycleEvent::ProcessPanicked,
            LifecycleEvent::OscPanicked,
            LifecycleEvent::Connecting,
            LifecycleEvent::OscConnected,
            LifecycleEvent::Connected,
        ],
        "promoted in place, no restart"
    );
    assert_eq!(server.options().port, standby_port);
    assert_eq!(server.pid(), Some(first));
    assert_eq!(server.client_id(), client_id);
    assert!(
        sine_plays(&server, 3000),
        "the SynthDef is on the promoted server"
    );
    // The next standby takes the failed server's port, and is promoted in turn: back there.
    let (next_port, next) = standby_of(&server, Some(first));
    assert_eq!(next_port, port);
    recorder.clear();
    sigkill(first);
    assert!(
        recorder.wait_for(LifecycleEvent::Connected, WAIT),
        "{:?}",
        recorder.events()
    );
    assert_eq!((server.options().port, server.pid()), (port, Some(next)));
    assert_eq!(server.promotions(), 2);
    assert_eq!(server.client_id(), client_id);
    assert!(
        sine_plays(&server, 3001),
        "the SynthDef reached the second standby too"
    );
    let (_, third) = standby_of(&server, Some(next));
    block_on(server.quit()).expect("quit");
    assert!(
        !alive(first) && !alive(next) && !alive(third),
        "no scsynth left"
    );
}
