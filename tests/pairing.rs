//! Every request gets its own outcome on a real scsynth: concurrent commands that fail answer
//! the request that sent them, live nodes keep their ids, the allocator's edges are typed errors,
//! and a server that quit says it is offline.

mod common;

use std::collections::HashSet;

use scserver::osc::OscType;
use scserver::{controls, NodeId, Position};
use scserver::{AsyncServer, Command, IdKind, Options, RequestError, ServerError};

use common::SYNTHDEFS;

/// The largest node id within one client's share.
const MAX_LOCAL_NODE_ID: i32 = (1 << 26) - 1;

async fn booted(options: Options) -> AsyncServer {
    common::init_tracing();
    let server = AsyncServer::new(options);
    server.boot().await.expect("boot");
    server
        .load_synthdefs_dir(SYNTHDEFS)
        .await
        .expect("/d_loadDir");
    server
}

/// Options whose temporary node ids are only `count` (the top of the client's share, as many as
/// the server holds nodes), so that every id given back is handed out again soon.
fn few_node_ids(count: i32) -> Options {
    Options {
        initial_node_id: MAX_LOCAL_NODE_ID - count + 1,
        maximum_node_count: count as u32,
        ..common::options()
    }
}

fn is_failure(result: &Result<scserver::osc::OscMessage, ServerError>, of: &str) -> bool {
    matches!(result, Err(ServerError::Request(RequestError::Failed { command, .. })) if command == of)
}

/// Allocates every temporary node id left and checks that none is the id of a live node, then
/// that running out is the typed `Exhausted`.
async fn no_live_id_is_free(server: &AsyncServer, live: &HashSet<i32>, space: usize) {
    let mut handed = 0;
    loop {
        match server.allocate(IdKind::Node, 1).await {
            Ok(id) => {
                assert!(!live.contains(&id), "live node {id} was handed out again");
                handed += 1;
                assert!(handed <= space, "more ids than the space holds");
            }
            Err(ServerError::Exhausted { kind }) => {
                assert_eq!(kind, "Node");
                break;
            }
            Err(other) => panic!("allocating: {other:?}"),
        }
    }
    assert_eq!(
        handed,
        space - live.len(),
        "ids still held besides the live nodes"
    );
}

/// Each live node exists in scsynth.
async fn all_exist(server: &AsyncServer, live: &HashSet<i32>) {
    for id in live {
        let info = server.query_node(NodeId::new(*id)).await.expect("/n_query");
        assert_eq!(info.node_id.get(), *id);
    }
}

/// `add_synth` of `ref_sine` (`good`) or of a SynthDef that does not exist, checked: the id of
/// the synth, or `None` for the failure it must be.
async fn add_synth_checked(server: &AsyncServer, i: i32, good: bool) -> Option<i32> {
    let name = if good { "ref_sine" } else { "no_such_def" };
    let result = server
        .add_synth(
            name,
            controls! {},
            Position::tail(server.default_group().unwrap()),
        )
        .await;
    match result {
        Ok(synth) => {
            assert!(
                good,
                "add_synth {i} of a missing SynthDef returned {synth:?}"
            );
            Some(synth.id().get())
        }
        Err(ServerError::Request(RequestError::Failed { command, .. })) => {
            assert!(!good, "add_synth {i} of ref_sine failed");
            assert_eq!(command, "/s_new");
            None
        }
        Err(other) => panic!("add_synth {i}: {other:?}"),
    }
}

/// Awaits the tasks, each answering the id of a synth it made, if any; checks that those synths
/// exist and that their ids are still held.
async fn live_synths_kept_their_ids(
    server: &AsyncServer,
    tasks: Vec<tokio::task::JoinHandle<Option<i32>>>,
    expected: usize,
    space: usize,
) {
    let mut live = HashSet::new();
    for task in tasks {
        live.extend(task.await.expect("task"));
    }
    assert_eq!(live.len(), expected);
    all_exist(server, &live).await;
    no_live_id_is_free(server, &live, space).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_add_synths_half_failing_each_get_their_outcome() {
    let space = 128;
    let server = booted(few_node_ids(space as i32)).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move { add_synth_checked(&server, i, i % 2 == 0).await })
        })
        .collect();
    live_synths_kept_their_ids(&server, tasks, 50, space).await;
    server.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_mixed_requests_good_and_failing_each_get_their_outcome() {
    let space = 512;
    let server = booted(few_node_ids(space as i32)).await;
    let group = server.default_group().unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|i: i32| {
            let server = server.clone();
            tokio::spawn(async move {
                let missing = 40_000_000 + i;
                let (command, expected_ok) = match i % 8 {
                    // Through the handle, so that a failure gives the id back.
                    0 | 1 => return add_synth_checked(&server, i, i % 8 == 0).await,
                    2 => (
                        Command::NFree {
                            node_ids: vec![missing],
                        },
                        false,
                    ),
                    3 => (
                        Command::BAllocRead {
                            buffer_id: 100 + i % 500,
                            path: format!("/nonexistent/{i}.wav"),
                            start_frame: 0,
                            frames: 0,
                            completion: vec![],
                        },
                        false,
                    ),
                    4 | 5 => (
                        Command::NQuery {
                            node_ids: vec![group.get()],
                        },
                        true,
                    ),
                    6 => (
                        Command::NQuery {
                            node_ids: vec![missing],
                        },
                        false,
                    ),
                    _ => (Command::Status, true),
                };
                let address = command.address();
                let result = server.execute(command).await;
                let right = if expected_ok {
                    result.is_ok()
                } else {
                    is_failure(&result, address)
                };
                assert!(right, "request {i} ({address}): {result:?}");
                if let Ok(reply) = &result {
                    // Each reply is the one to this request.
                    match address {
                        "/n_query" => assert_eq!(reply.args[0], OscType::Int(group.get())),
                        _ => assert_eq!(reply.addr, "/status.reply"),
                    }
                }
                None
            })
        })
        .collect();
    live_synths_kept_their_ids(&server, tasks, 125, space).await;
    server.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_highest_initial_node_id_works_end_to_end_and_one_above_is_refused() {
    common::init_tracing();
    let too_high = AsyncServer::new(Options {
        initial_node_id: MAX_LOCAL_NODE_ID,
        ..common::options()
    });
    match too_high.boot().await {
        Err(ServerError::Boot(scserver::BootError::Options(
            scserver::OptionsError::InitialNodeId { min, max, .. },
        ))) => assert_eq!((min, max), (2, i64::from(MAX_LOCAL_NODE_ID) - 1023)),
        other => panic!("{other:?}"),
    }
    assert_eq!(too_high.status(), scserver::Status::Offline);

    let space = 1024;
    let server = booted(few_node_ids(space as i32)).await;
    let mut live = HashSet::new();
    for _ in 0..3 {
        let synth = server
            .add_synth(
                "ref_sine",
                controls! {},
                Position::tail(server.default_group().unwrap()),
            )
            .await
            .expect("a synth at the top of the id space");
        live.insert(synth.id().get());
    }
    all_exist(&server, &live).await;
    // Every id handed out: the next allocation is the typed error, and the server still works.
    no_live_id_is_free(&server, &live, space).await;
    match server.add_group(Position::default()).await {
        Err(ServerError::Exhausted { kind }) => assert_eq!(kind, "Node"),
        other => panic!("{other:?}"),
    }
    server.sync().await.expect("sync after exhaustion");
    // The very last id of the space, given back, makes a node like any other.
    server.free(IdKind::Node, MAX_LOCAL_NODE_ID);
    let top = server
        .add_synth(
            "ref_sine",
            controls! {},
            Position::tail(server.default_group().unwrap()),
        )
        .await
        .expect("a synth with the last id");
    assert_eq!(top.id().get(), MAX_LOCAL_NODE_ID);
    all_exist(&server, &HashSet::from([top.id().get()])).await;
    server.reboot().await.expect("reboot after exhaustion");
    let group = server
        .add_group(Position::default())
        .await
        .expect("ids again after reboot");
    assert_eq!(group.id().get(), MAX_LOCAL_NODE_ID - space as i32 + 1);
    server.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_quit_requests_say_the_server_is_offline() {
    let server = booted(common::options()).await;
    server.quit().await.unwrap();
    let offline = |result: Result<(), ServerError>| match result {
        Err(ServerError::Request(RequestError::NotConnected { status })) => {
            assert_eq!(status, "offline")
        }
        other => panic!("{other:?}"),
    };
    offline(server.sync().await);
    offline(server.add_group(Position::default()).await.map(drop));
    offline(
        server
            .add_synth("ref_sine", controls! {}, Position::default())
            .await
            .map(drop),
    );
    offline(server.execute(Command::Status).await.map(drop));
    offline(server.allocate(IdKind::Buffer, 1).await.map(drop));
    let message = server.sync().await.unwrap_err().to_string();
    assert!(message.contains("offline"), "{message}");
}
