//! Object handles on a real scsynth: groups, synths, buffers and buses; the node mirror under a
//! burst of notifications; unclaimed `/fail`s as events; concurrent failures paired right.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scserver::osc::{OscMessage, OscPacket, OscType};
use scserver::{controls, GroupId, NodeId, Position};
use scserver::{
    AddAction, BufferSource, ControlValue, FileWrite, HeaderFormat, Rate, RequestError,
    SampleFormat, Server, ServerError, SynthDef,
};

use common::{ServerKind, SYNTHDEFS};

fn server(kind: ServerKind) -> Server {
    common::init_tracing();
    let server = Server::new(kind.options());
    server.boot().expect("boot");
    server.load_synthdefs_dir(SYNTHDEFS).expect("/d_loadDir");
    server
}

/// Polls a condition with a bound (notifications arrive on their own schedule).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within 10 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn the_mirror_stays_right_after_two_thousand_groups(kind: ServerKind) {
    common::init_tracing();
    // scsynth's default node limit is 1,024.
    let server = Server::new(scserver::Options {
        maximum_node_count: 8192,
        ..kind.options()
    });
    server.boot().expect("boot");
    let root = server.default_group().unwrap();
    let parent = server.add_group(Position::head(root)).unwrap();
    let started = Instant::now();
    let context = server.bundle();
    let groups: Vec<_> = (0..2000)
        .map(|_| context.add_group(Position::tail(&parent)).unwrap())
        .collect();
    context.close().unwrap();
    server.sync().unwrap();
    let ids: Vec<NodeId> = groups.iter().map(|g| g.id().into()).collect();
    // scsynth drops notifications past ~1,024 per control period; closing a context this big
    // refreshes the mirror from the server's tree.
    wait_until("2000 groups in the mirror", || parent.children() == ids);
    eprintln!(
        "2000 groups created and mirrored in {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let tree = server.query_tree(parent.id(), false).unwrap();
    eprintln!("query_tree of 2000 groups: {:?}", started.elapsed());
    let listed: Vec<NodeId> = tree.children.iter().map(|n| n.node_id()).collect();
    assert_eq!(listed, ids);
    assert!(groups.iter().all(|g| g.parent() == Some(parent.id())));
    // Freeing them all: 2000 /n_end, and the ids go back to the allocator.
    parent.free_children().unwrap();
    wait_until("2000 /n_end in the mirror", || parent.children().is_empty());
    assert!(groups.iter().all(|g| !g.exists()));
    server.quit().unwrap();
}

fn nodes_move_pause_set_and_map(kind: ServerKind) {
    let server = server(kind);
    let root = server.default_group().unwrap();
    let a = server.add_group(Position::head(root)).unwrap();
    let b = server.add_group(Position::after(&a)).unwrap();
    let synth = server
        .add_synth("ref_sine", controls! {}, Position::head(&a))
        .unwrap();
    assert_eq!(synth.synthdef(), "ref_sine");
    synth.move_to(Position::tail(&b)).unwrap();
    assert_eq!(synth.query().unwrap().parent, Some(b.id()));
    wait_until("/n_move in the mirror", || synth.parent() == Some(b.id()));
    synth.pause().unwrap();
    wait_until("/n_off in the mirror", || !synth.is_active());
    synth.resume().unwrap();
    wait_until("/n_on in the mirror", || synth.is_active());
    let bus = server.add_bus(Rate::Control).unwrap();
    bus.set(123.0).unwrap();
    synth.map(vec![("freq".into(), bus.id())]).unwrap();
    synth.set(controls! { 0: 0.5 }).unwrap();
    // /s_get reads the stored values; the mapping shows in the tree.
    let got = synth.get(vec!["amp".into()]).unwrap();
    assert_eq!(got[0].1, ControlValue::Float(0.5));
    let tree = server.query_tree(b.id(), true).unwrap();
    let scserver::QueryTreeNode::Synth(s) = &tree.children[0] else {
        panic!("{tree}")
    };
    assert_eq!(
        s.controls[1].value,
        ControlValue::Bus(format!("c{}", bus.index())),
        "{tree}"
    );
    // A freed node's id returns to the allocator on /n_end and is handed out again later.
    synth.free().unwrap();
    wait_until("/n_end in the mirror", || !synth.exists());
    server.quit().unwrap();
}

fn a_synth_of_a_synthdef_sent_with_it(kind: ServerKind) {
    let server = server(kind);
    let bytes = std::fs::read(format!("{SYNTHDEFS}/ref_pan_stereo.scsyndef")).unwrap();
    let def = SynthDef::decode(&bytes).expect("decode reference");
    let synth = server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    server.sync().unwrap();
    let info = synth.query().unwrap();
    assert!(!info.is_group);
    server.add_synthdefs(std::slice::from_ref(&def)).unwrap();
    server.free_synthdefs(vec![def.name.clone()]).unwrap();
    server.quit().unwrap();
}

fn buffers_written_and_read_back_from_a_file(kind: ServerKind) {
    let server = server(kind);
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 2,
            frames: 8,
        })
        .unwrap();
    buffer
        .set_range(0, (0..16).map(|i| i as f32 / 16.0).collect())
        .unwrap();
    let dir = std::env::temp_dir().join(format!("scserver-objects-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("b.wav").display().to_string();
    let wav_floats = FileWrite::new(&path).format(HeaderFormat::Wav, SampleFormat::Float);
    buffer.write(wav_floats).unwrap();
    let read = server
        .add_buffer(BufferSource::File {
            path: path.clone(),
            start_frame: 0,
            frames: 0,
            channels: vec![],
        })
        .unwrap();
    let info = read.query().unwrap();
    assert_eq!((info.frame_count, info.channel_count), (8, 2));
    assert_eq!(
        read.get_range(0, 16).unwrap(),
        buffer.get_range(0, 16).unwrap()
    );
    let right = server
        .add_buffer(BufferSource::File {
            path: path.clone(),
            start_frame: 2,
            frames: 4,
            channels: vec![1],
        })
        .unwrap();
    let info = right.query().unwrap();
    assert_eq!((info.frame_count, info.channel_count), (4, 1));
    assert_eq!(right.get(vec![0]).unwrap()[&0], 5.0 / 16.0);
    for b in [&buffer, &read, &right] {
        b.free().unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
    server.quit().unwrap();
}

fn concurrent_failing_reads_each_get_their_own_fail(kind: ServerKind) {
    let server = server(kind);
    let source = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 64,
        })
        .unwrap();
    let dir = std::env::temp_dir().join(format!("scserver-reads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.wav").display().to_string();
    let wav_floats = FileWrite::new(&good).format(HeaderFormat::Wav, SampleFormat::Float);
    source.write(wav_floats).unwrap();
    // Reads in flight together, on distinct buffers, every other one of a missing file: a /fail
    // must fail the request for the buffer it names, not the oldest /b_allocRead waiting (which
    // may be one that succeeds).
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let server = server.clone();
            let path = if i % 2 == 0 {
                good.clone()
            } else {
                format!("/nonexistent/{i}.wav")
            };
            std::thread::spawn(move || {
                let command = scserver::Command::BAllocRead {
                    buffer_id: 100 + i,
                    path,
                    start_frame: 0,
                    frames: 0,
                    completion: vec![],
                };
                (i, server.execute(command))
            })
        })
        .collect();
    for t in threads {
        match t.join().unwrap() {
            (i, Ok(_)) => assert_eq!(i % 2, 0, "read {i} of a missing file succeeded"),
            (i, Err(ServerError::Request(RequestError::Failed { command, args, .. }))) => {
                assert_eq!(i % 2, 1, "read {i} of a good file failed");
                assert_eq!(command, "/b_allocRead");
                assert_eq!(args, vec![scserver::osc::OscType::Int(100 + i)]);
            }
            // supernova answers nothing to a read of a missing file (no /fail, no /done).
            (i, Err(ServerError::Request(RequestError::Timeout { command, .. })))
                if kind == ServerKind::Supernova =>
            {
                assert_eq!(i % 2, 1, "read {i} of a good file timed out");
                assert_eq!(command, "/b_allocRead");
            }
            (i, other) => panic!("read {i}: {other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    server.quit().unwrap();
}

/// A message the server answers with a `/fail` (its command and part of its text). supernova
/// answers no `/fail` for a missing SynthDef, node or buffer (it prints them on its console);
/// a second `/notify 1` from a registered client is one it does answer.
fn unclaimed_failure(kind: ServerKind) -> (OscPacket, &'static str, &'static str) {
    let (addr, args, message) = match kind {
        ServerKind::Scsynth => (
            "/s_new",
            vec![OscType::String("no_such_def".into()), OscType::Int(-1)],
            "not found",
        ),
        ServerKind::Supernova => ("/notify", vec![OscType::Int(1)], "already registered"),
    };
    let packet = OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    });
    (packet, addr, message)
}

fn unclaimed_failures_reach_subscribers(kind: ServerKind) {
    let server = server(kind);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _failures = server.on_failure(move |f| {
        sink.lock()
            .unwrap()
            .push((f.command.clone(), f.message.clone()))
    });
    // Not awaited: the /fail is nobody's reply.
    let (packet, expected_command, expected_message) = unclaimed_failure(kind);
    server.send(packet).unwrap();
    wait_until("the failure event", || !seen.lock().unwrap().is_empty());
    let (command, message) = seen.lock().unwrap()[0].clone();
    assert_eq!(command, expected_command);
    assert!(
        message.to_lowercase().contains(expected_message),
        "{message}"
    );
    server.quit().unwrap();
}

/// `/p_new`: a parallel group on supernova, a plain group on scsynth; either way it holds its
/// synths in order, and the tree, the dump and the mirror agree.
fn a_parallel_group_holds_its_synths(kind: ServerKind) {
    let server = server(kind);
    let root = server.default_group().unwrap();
    let group = server.add_parallel_group(Position::head(root)).unwrap();
    let synths: Vec<NodeId> = (0..2)
        .map(|_| {
            server
                .add_synth("ref_sine", controls! {}, Position::tail(&group))
                .unwrap()
                .id()
                .into()
        })
        .collect();
    let tree = server.query_tree(group.id(), false).unwrap();
    let listed: Vec<NodeId> = tree.children.iter().map(|n| n.node_id()).collect();
    let mut expected = synths.clone();
    if kind == ServerKind::Supernova {
        // A parallel group's children run in no order: supernova lists the newest first and
        // notifies each with no siblings, so the mirror puts it at the head too.
        expected.reverse();
    }
    assert_eq!(listed, expected, "\n{tree}");
    let dumped = server.dump_tree(root, false).unwrap();
    assert!(
        matches!(dumped.find(group.id()), Some(scserver::QueryTreeNode::Group(g)) if g.children.len() == 2),
        "\n{dumped}"
    );
    wait_until("the mirror", || group.children() == listed);
    server.quit().unwrap();
}

mod async_face {
    use super::*;
    use actix::prelude::*;
    use scserver::{AsyncServer, UnclaimedFailure};
    use tokio::sync::mpsc;

    struct Failures(mpsc::UnboundedSender<UnclaimedFailure>);

    impl Actor for Failures {
        type Context = Context<Self>;
    }

    impl Handler<UnclaimedFailure> for Failures {
        type Result = ();

        fn handle(&mut self, f: UnclaimedFailure, _: &mut Self::Context) {
            let _ = self.0.send(f);
        }
    }

    /// The same objects from an actix application: async handles, a context, a dump, and an
    /// unclaimed `/fail` delivered to a Recipient.
    fn objects_contexts_and_failures_from_actix(kind: ServerKind) {
        actix::System::new().block_on(from_actix(kind));
    }

    crate::on_both_servers!(objects_contexts_and_failures_from_actix);

    async fn from_actix(kind: ServerKind) {
        common::init_tracing();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let failures = Failures(tx).start();
        let server = AsyncServer::with_name("objects-async", kind.options());
        let _failures = server.subscribe_failures(failures.recipient());
        server.boot().await.expect("boot");
        server.load_synthdefs_dir(SYNTHDEFS).await.unwrap();
        let group = server.add_group(Position::default()).await.unwrap();
        let context = server.bundle();
        let synth = context
            .add_synth(
                "ref_sine",
                controls! { freq: 550.0 },
                Position::tail(&group),
            )
            .await
            .unwrap();
        let inner = context.add_group(Position::head(&group)).await.unwrap();
        assert!(matches!(
            context.close().unwrap(),
            Some(scserver::osc::OscPacket::Bundle(_))
        ));
        let got = synth.get(vec!["freq".into()]).await.unwrap();
        assert_eq!(got[0].1, ControlValue::Float(550.0));
        let tree = server.query_tree(group.id(), true).await.unwrap();
        let dumped = server.dump_tree(group.id(), true).await.unwrap();
        assert_eq!(tree, dumped);
        assert_eq!(
            tree.children
                .iter()
                .map(|n| n.node_id())
                .collect::<Vec<_>>(),
            vec![NodeId::from(inner.id()), synth.id().into()]
        );
        let (packet, expected_command, _) = unclaimed_failure(kind);
        server.send(packet).unwrap();
        let failure = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("a failure within 5 s")
            .expect("recipient alive");
        assert_eq!(failure.command, expected_command);
        group.free().await.unwrap();
        server.quit().await.unwrap();
    }
}

fn reset_leaves_the_mirror_with_the_default_group_only(kind: ServerKind) {
    common::init_tracing();
    let server = Server::new(scserver::Options {
        maximum_node_count: 8192,
        ..kind.options()
    });
    server.boot().expect("boot");
    let root = server.default_group().unwrap();
    let context = server.bundle();
    for _ in 0..1500 {
        context.add_group(Position::tail(root)).unwrap();
    }
    context.close().unwrap();
    server.sync().unwrap();
    wait_until("1500 groups in the mirror", || {
        server.as_async().node_children(root).len() == 1500
    });
    server.reset().unwrap();
    assert!(server.as_async().node_children(root).is_empty());
    assert_eq!(
        server.as_async().node_children(GroupId::ROOT),
        vec![NodeId::from(root)]
    );
    server.quit().unwrap();
}

fn synthdefs_too_many_for_one_datagram_go_in_several(kind: ServerKind) {
    let server = server(kind);
    let bytes = std::fs::read(format!("{SYNTHDEFS}/ref_large.scsyndef")).unwrap();
    let large = SynthDef::decode(&bytes).expect("decode reference");
    let defs: Vec<SynthDef> = (0..400)
        .map(|i| SynthDef {
            name: format!("large_{i}"),
            ..large.clone()
        })
        .collect();
    let total = SynthDef::compile_many(&defs).unwrap().len();
    assert!(
        total > 65_507,
        "{total} bytes fit one datagram: make the test bigger"
    );
    let before = server.query_status().unwrap().synthdef_count;
    server.add_synthdefs(&defs).unwrap();
    let after = server.query_status().unwrap().synthdef_count;
    assert_eq!(after - before, 400);
    server.quit().unwrap();
}

fn the_mirror_is_refreshed_after_a_large_timed_bundle_has_run(kind: ServerKind) {
    common::init_tracing();
    let server = Server::new(scserver::Options {
        maximum_node_count: 8192,
        ..kind.options()
    });
    server.boot().expect("boot");
    server.set_latency(Duration::from_millis(100));
    let root = server.default_group().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let context = server.at(now).unwrap();
    let ids: Vec<NodeId> = (0..2000)
        .map(|_| context.add_group(Position::tail(root)).unwrap().id().into())
        .collect();
    context.close().unwrap();
    wait_until("2000 groups in the mirror", || {
        server.as_async().node_children(root) == ids
    });
    server.quit().unwrap();
}

fn the_mirror_recovers_from_notifications_scsynth_dropped(kind: ServerKind) {
    common::init_tracing();
    let server = Server::new(scserver::Options {
        maximum_node_count: 8192,
        ..kind.options()
    });
    server.boot().expect("boot");
    // 2,000 groups in one raw fire-and-forget /g_new: no request context knows of them, and
    // scsynth's 1,024-entry notification queue drops about half of their /n_go. The heartbeat's
    // status replies count the server's nodes; the mirror must catch up from them.
    let ids: Vec<i32> = (0..2000).map(|i| 100_000 + i).collect();
    let command = scserver::Command::GNew {
        groups: ids
            .iter()
            .map(|id| (*id, AddAction::AddToTail, 1))
            .collect(),
    };
    server
        .send(scserver::osc::OscPacket::Message(command.to_message()))
        .unwrap();
    server.sync().unwrap();
    wait_until("2000 raw groups in the mirror", || {
        ids.iter().all(|id| server.contains_node(NodeId::new(*id)))
    });
    server.quit().unwrap();
}

on_both_servers!(
    synthdefs_too_many_for_one_datagram_go_in_several,
    a_parallel_group_holds_its_synths,
    the_mirror_stays_right_after_two_thousand_groups,
    nodes_move_pause_set_and_map,
    a_synth_of_a_synthdef_sent_with_it,
    buffers_written_and_read_back_from_a_file,
    concurrent_failing_reads_each_get_their_own_fail,
    unclaimed_failures_reach_subscribers,
    reset_leaves_the_mirror_with_the_default_group_only,
    the_mirror_is_refreshed_after_a_large_timed_bundle_has_run,
    the_mirror_recovers_from_notifications_scsynth_dropped,
);
