//! Every query against a known state on a real scsynth: status, version, node, buffer, tree,
//! buses, synth controls, `/fail` as a typed error, request contexts, concurrency.

mod common;

use std::time::{Duration, Instant, SystemTime};

use scserver::osc::OscPacket;
use scserver::{controls, BusId, Command, NodeId, Position};
use scserver::{
    AsyncServer, BufferSource, Control, ControlValue, QueryTreeControl, QueryTreeGroup,
    QueryTreeNode, QueryTreeSynth, Rate, RequestError, Server, ServerError,
};

use common::{ServerKind, SYNTHDEFS};

fn synthdef_path(name: &str) -> String {
    let dir = std::env::var("SCSERVER_SYNTHDEFS").unwrap_or_else(|_| SYNTHDEFS.to_owned());
    format!("{dir}/{name}.scsyndef")
}

/// A booted server with `ref_sine` and `ref_env_gate` loaded (one by file, one by bytes).
fn server(kind: ServerKind) -> Server {
    common::init_tracing();
    let server = Server::new(kind.options());
    server.boot().expect("boot");
    server
        .load_synthdefs(&synthdef_path("ref_sine"))
        .expect("/d_load ref_sine");
    let bytes = std::fs::read(synthdef_path("ref_env_gate")).expect("reference synthdef");
    server
        .add_synthdef_bytes(bytes)
        .expect("/d_recv ref_env_gate");
    server
}

fn control(name: &str, value: f32) -> QueryTreeControl {
    QueryTreeControl {
        name_or_index: Control::Name(name.into()),
        value: ControlValue::Float(value),
    }
}

fn status_and_version(kind: ServerKind) {
    let server = server(kind);
    let status = server.query_status().unwrap();
    assert!(status.group_count >= 2, "{status:?}");
    assert_eq!(status.synthdef_count, 2, "{status:?}");
    let version = server.query_version().unwrap();
    assert_eq!(version.program_name, kind.program_name());
    assert!(version.major >= 3);
    server.quit().unwrap();
}

fn three_level_tree_to_the_value(kind: ServerKind) {
    let server = server(kind);
    let root = server.default_group().unwrap();
    let a = server.add_group(Position::head(root)).unwrap();
    let s1 = server
        .add_synth(
            "ref_sine",
            controls! { freq: 220.0, 0: 0.25 },
            Position::tail(&a),
        )
        .unwrap();
    let b = server.add_group(Position::after(&s1)).unwrap();
    let bus = server.add_bus(Rate::Control).unwrap();
    let s2 = server
        .add_synth(
            "ref_env_gate",
            controls! { pan: -0.5, freq: &bus },
            Position::head(&b),
        )
        .unwrap();
    let tree = server.query_tree(root, true).unwrap();
    let expected = QueryTreeGroup {
        node_id: root,
        children: vec![QueryTreeNode::Group(QueryTreeGroup {
            node_id: a.id(),
            children: vec![
                QueryTreeNode::Synth(QueryTreeSynth {
                    node_id: s1.id(),
                    synthdef_name: "ref_sine".into(),
                    // supriya sorts parameters by name: amp, freq, out.
                    controls: vec![
                        control("amp", 0.25),
                        control("freq", 220.0),
                        control("out", 0.0),
                    ],
                }),
                QueryTreeNode::Group(QueryTreeGroup {
                    node_id: b.id(),
                    children: vec![QueryTreeNode::Synth(QueryTreeSynth {
                        node_id: s2.id(),
                        synthdef_name: "ref_env_gate".into(),
                        controls: vec![
                            control("amp", 0.1),
                            QueryTreeControl {
                                name_or_index: Control::Name("freq".into()),
                                value: ControlValue::Bus(format!("c{}", bus.index())),
                            },
                            control("gate", 1.0),
                            control("out", 0.0),
                            control("pan", -0.5),
                        ],
                    })],
                }),
            ],
        })],
    };
    assert_eq!(tree, expected, "\n{tree}");
    // /g_dumpTree, parsed from scsynth's output: the same tree.
    let dumped = server.dump_tree(root, true).unwrap();
    assert_eq!(dumped, tree, "\n{dumped}");
    // Without controls, the same shape.
    let bare = server.query_tree(root, false).unwrap();
    assert_eq!(bare.walk().count(), tree.walk().count());
    // The mirror agrees without a round trip (notifications may trail /synced: bounded wait).
    wait_until(|| b.parent() == Some(a.id()) && s2.parent() == Some(b.id()));
    assert_eq!(a.children(), vec![s1.id().into(), b.id().into()]);
    assert!(s1.is_active());
    server.quit().unwrap();
}

/// Polls a mirror condition with a bound (notifications arrive on their own schedule).
fn wait_until(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within 5 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn query_node_on_a_group_and_a_synth(kind: ServerKind) {
    let server = server(kind);
    let root = server.default_group().unwrap();
    let g = server.add_group(Position::head(root)).unwrap();
    let s = server
        .add_synth("ref_sine", controls! {}, Position::head(&g))
        .unwrap();
    let gi = g.query().unwrap();
    assert!(gi.is_group);
    assert_eq!(
        (gi.parent, gi.head, gi.tail),
        (Some(root), Some(s.id().into()), Some(s.id().into()))
    );
    let si = server.query_node(s.id()).unwrap();
    assert!(!si.is_group);
    assert_eq!(
        (si.node_id, si.parent, si.previous, si.next),
        (s.id().into(), Some(g.id()), None, None)
    );
    // A node that does not exist: scsynth's /fail, typed. supernova only prints "node not
    // found" on its console and answers nothing, so the request times out.
    match (kind, server.query_node(NodeId::new(999_999))) {
        (ServerKind::Scsynth, Err(ServerError::Request(RequestError::Failed { command, .. })))
        | (
            ServerKind::Supernova,
            Err(ServerError::Request(RequestError::Timeout { command, .. })),
        ) => {
            assert_eq!(command, "/n_query")
        }
        other => panic!("{other:?}"),
    }
    server.quit().unwrap();
}

fn buffer_samples_via_b_get_and_b_getn(kind: ServerKind) {
    let server = server(kind);
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 16,
        })
        .unwrap();
    let info = buffer.query().unwrap();
    assert_eq!(
        (info.buffer_id, info.frame_count, info.channel_count),
        (buffer.id(), 16, 1)
    );
    buffer.set(vec![(0, 0.5), (3, -1.0)]).unwrap();
    buffer.set_range(8, vec![1.0, 2.0, 3.0]).unwrap();
    let got = server.get_buffer(buffer.id(), vec![0, 3, 4]).unwrap();
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        vec![(0, 0.5), (3, -1.0), (4, 0.0)]
    );
    assert_eq!(
        buffer.get_range(7, 5).unwrap(),
        vec![0.0, 1.0, 2.0, 3.0, 0.0]
    );
    buffer.fill(0, 16, 0.25).unwrap();
    assert_eq!(
        server.get_buffer_range(buffer.id(), 0, 16).unwrap(),
        vec![0.25; 16]
    );
    buffer.free().unwrap();
    let freed = server.query_buffer(buffer.id()).unwrap();
    assert_eq!(freed.frame_count, 0);
    server.quit().unwrap();
}

fn control_buses_set_and_read_back(kind: ServerKind) {
    let server = server(kind);
    let group = server.add_bus_group(Rate::Control, 4).unwrap();
    group.set(vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(group.get().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(group.bus(2).unwrap().get().unwrap(), 3.0);
    let bus = server.add_bus(Rate::Control).unwrap();
    bus.set(-7.5).unwrap();
    assert_eq!(server.get_bus(bus.id()).unwrap(), -7.5);
    group.fill(9.0).unwrap();
    assert_eq!(server.get_bus_range(group.id(), 4).unwrap(), vec![9.0; 4]);
    server.quit().unwrap();
}

fn synth_controls_by_name_and_index(kind: ServerKind) {
    let server = server(kind);
    let synth = server
        .add_synth("ref_sine", controls! { freq: 330.0 }, Position::default())
        .unwrap();
    let got = synth.get(vec!["freq".into(), Control::Index(0)]).unwrap();
    assert_eq!(
        got,
        vec![
            (Control::Name("freq".into()), ControlValue::Float(330.0)),
            (Control::Index(0), ControlValue::Float(0.1)),
        ]
    );
    let range = server
        .get_synth_control_range(synth.id(), Control::Index(0), 3)
        .unwrap();
    // Parameters in index order: amp, freq, out.
    assert_eq!(
        range,
        vec![
            ControlValue::Float(0.1),
            ControlValue::Float(330.0),
            ControlValue::Float(0.0)
        ]
    );
    // By name, scsynth reads within that control only (a single value here).
    let by_name = synth.get_range("freq".into(), 1).unwrap();
    assert_eq!(by_name, vec![ControlValue::Float(330.0)]);
    synth.set(controls! { 2: 1.0 }).unwrap();
    let range = synth.get_range(Control::Index(1), 2).unwrap();
    assert_eq!(
        range,
        vec![ControlValue::Float(330.0), ControlValue::Float(1.0)]
    );
    server.quit().unwrap();
}

fn unknown_synthdef_is_the_typed_fail(kind: ServerKind) {
    let server = server(kind);
    match (
        kind,
        server.add_synth("no_such_def", controls! {}, Position::default()),
    ) {
        (
            ServerKind::Scsynth,
            Err(ServerError::Request(RequestError::Failed {
                command, message, ..
            })),
        ) => {
            assert_eq!(command, "/s_new");
            assert!(message.to_lowercase().contains("not found"), "{message}");
        }
        // supernova sends no /fail (it prints "Cannot create synth" on its console): the
        // request succeeds, and no such node exists.
        (ServerKind::Supernova, Ok(synth)) => {
            assert!(server.query_node(synth.id()).is_err());
        }
        other => panic!("expected /fail, got {other:?}"),
    }
    // The server still answers.
    server.sync().unwrap();
    server.quit().unwrap();
}

fn fifty_deferred_operations_are_one_bundle_taking_effect_together(kind: ServerKind) {
    let server = server(kind);
    server.set_latency(Duration::from_millis(200));
    let root = server.default_group().unwrap();
    let buses = server.add_bus_group(Rate::Control, 25).unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let context = server.at(now).unwrap();
    let mut groups = Vec::new();
    for i in 0..25 {
        // Alternating kinds: nothing merges, so 50 messages.
        groups.push(context.add_group(Position::tail(root)).unwrap());
        context
            .set_bus(&buses.bus(i).unwrap(), i as f32 + 0.5)
            .unwrap();
    }
    let packet = context.close().unwrap().expect("a packet");
    let OscPacket::Bundle(bundle) = &packet else {
        panic!("not a bundle: {packet:?}")
    };
    assert_eq!(bundle.content.len(), 50);
    assert!(bundle
        .content
        .iter()
        .all(|p| matches!(p, OscPacket::Message(_))));
    // Scheduled 200 ms ahead: the group count goes from before to before + 25 in one step.
    // (This once crashed scsynth with SIGSEGV when the socket actor packed the timed bundle and
    // the next request into one bundle; bundles now always travel alone.)
    let before = 2; // the root and the default group
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = server.query_status().unwrap();
        let n = status.group_count;
        // supernova's /status can count the groups part way through the bundle (seen: 7 of
        // 27), so there the bundle is only seen whole once the count reaches its end.
        let whole = kind == ServerKind::Scsynth || n >= before + 25;
        if n > before && whole {
            assert_eq!(n, before + 25, "a partial bundle took effect");
            break;
        }
        assert!(Instant::now() < deadline, "the bundle never took effect");
        std::thread::sleep(Duration::from_millis(5));
    }
    let tree = server.query_tree(root, false).unwrap();
    let ids: Vec<NodeId> = groups.iter().map(|g| g.id().into()).collect();
    let listed: Vec<NodeId> = tree.children.iter().map(|n| n.node_id()).collect();
    assert_eq!(listed, ids);
    let values = buses.get().unwrap();
    assert_eq!(values, (0..25).map(|i| i as f32 + 0.5).collect::<Vec<_>>());
    server.quit().unwrap();
}

fn an_untimed_context_of_one_command_is_sent_bare_and_empty_sends_nothing(kind: ServerKind) {
    let server = server(kind);
    let empty = server.bundle();
    assert!(empty.close().unwrap().is_none());
    let one = server.bundle();
    let bus = server.add_bus(Rate::Control).unwrap();
    one.set_bus(&bus, 2.0).unwrap();
    assert!(matches!(one.close().unwrap(), Some(OscPacket::Message(_))));
    assert_eq!(bus.get().unwrap(), 2.0);
    server.quit().unwrap();
}

fn a_context_too_large_for_a_datagram_is_refused(kind: ServerKind) {
    let server = server(kind);
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 40_000,
        })
        .unwrap();
    let context = server.bundle();
    for i in 0..2 {
        context
            .command(Command::BSetn {
                buffer_id: buffer.id().get(),
                ranges: vec![(i * 10_000, vec![1.0; 10_000])],
            })
            .unwrap();
        context.command(Command::Status).unwrap();
    }
    match context.close() {
        Err(ServerError::Request(RequestError::TooLarge { size, limit })) => assert!(size > limit),
        other => panic!("{other:?}"),
    }
    // Nothing was sent.
    assert_eq!(buffer.get_range(0, 2).unwrap(), vec![0.0, 0.0]);
    server.quit().unwrap();
}

/// 40 KB in one packet: scsynth reads it; supernova reads UDP into 32 KiB and would drop it, so
/// there it is refused before sending.
fn a_packet_the_server_cannot_read_whole_is_refused(kind: ServerKind) {
    let server = server(kind);
    let source = BufferSource::Empty {
        channels: 1,
        frames: 10_000,
    };
    let buffer = server.add_buffer(source).unwrap();
    let context = server.bundle();
    context
        .command(Command::BSetn {
            buffer_id: buffer.id().get(),
            ranges: vec![(0, vec![1.0; 10_000])],
        })
        .unwrap();
    let closed = context.close();
    let last = buffer.get_range(9_998, 2).unwrap();
    match kind {
        ServerKind::Scsynth => {
            closed.unwrap();
            assert_eq!(last, vec![1.0, 1.0]);
        }
        ServerKind::Supernova => {
            match closed {
                Err(ServerError::Request(RequestError::TooLarge { size, limit })) => {
                    assert!(size > limit && limit == 32_768, "{size} {limit}")
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(last, vec![0.0, 0.0], "nothing was sent");
        }
    }
    server.quit().unwrap();
}

/// Runs the queries below on a runtime of two worker threads.
fn a_thousand_concurrent_queries_each_get_their_reply(kind: ServerKind) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(a_thousand_concurrent_queries(kind));
}

async fn a_thousand_concurrent_queries(kind: ServerKind) {
    common::init_tracing();
    let server = AsyncServer::new(kind.options());
    server.boot().await.expect("boot");
    let buses = server.add_bus_group(Rate::Control, 100).await.unwrap();
    let values: Vec<f32> = (0..100).map(|i| i as f32 * 2.0).collect();
    buses.set(values.clone()).await.unwrap();
    let root = server.default_group().unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let server = server.clone();
        let first = buses.index();
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                0 => {
                    let bus = first + (i / 4) % 100;
                    let v = server
                        .get_bus(BusId::new(Rate::Control, bus))
                        .await
                        .unwrap();
                    assert_eq!(v, ((bus - first) * 2) as f32, "bus {bus}");
                }
                1 => {
                    let bus = first + (i / 4) % 98;
                    let v = server
                        .get_bus_range(BusId::new(Rate::Control, bus), 3)
                        .await
                        .unwrap();
                    let k = (bus - first) as f32 * 2.0;
                    assert_eq!(v, vec![k, k + 2.0, k + 4.0]);
                }
                2 => {
                    let info = server.query_node(root).await.unwrap();
                    assert_eq!(info.node_id, root.into());
                }
                _ => server.sync().await.unwrap(),
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = started.elapsed();
    eprintln!("1000 concurrent queries: {elapsed:?}");
    server.quit().await.unwrap();
}

on_both_servers!(
    status_and_version,
    three_level_tree_to_the_value,
    query_node_on_a_group_and_a_synth,
    buffer_samples_via_b_get_and_b_getn,
    control_buses_set_and_read_back,
    synth_controls_by_name_and_index,
    unknown_synthdef_is_the_typed_fail,
    fifty_deferred_operations_are_one_bundle_taking_effect_together,
    an_untimed_context_of_one_command_is_sent_bare_and_empty_sends_nothing,
    a_context_too_large_for_a_datagram_is_refused,
    a_packet_the_server_cannot_read_whole_is_refused,
    a_thousand_concurrent_queries_each_get_their_reply,
);
