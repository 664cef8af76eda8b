//! Subscriptions end when their guard is dropped; `online()` and `exited()` await the next boot
//! and the exit; the blocking `Server` has the async face's methods.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use common::Recorder;
use futures::executor::block_on;
use futures::future::join;
use rosc::{OscMessage, OscPacket, OscType};
use scserver::{
    AsyncServer, Delivery, IdKind, LifecycleEvent as E, LifecycleNotice, Options, Pattern,
    Position, ProcessSignal, RestartPolicy, Server, ServerError, ServerSupervisor, Status,
    SupervisionNotice,
};
use tokio::sync::mpsc;

const BOUND: Duration = Duration::from_secs(30);
const SYNC_ID: i32 = 4242;

/// A counter and a callback that counts into it.
fn counter<T>() -> (Arc<AtomicUsize>, impl FnMut(&T) + Send + 'static) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    (count, move |_: &T| {
        counted.fetch_add(1, Ordering::SeqCst);
    })
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what} within 10 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A `/s_new` of a SynthDef that does not exist: a `/fail` nobody awaits.
fn unclaimed_failure() -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: "/s_new".into(),
        args: vec![OscType::String("no_such_def".into()), OscType::Int(-1)],
    })
}

#[test]
fn dropped_subscriptions_hear_nothing_more() {
    common::init_tracing();
    let server = Server::with_name("subscriptions", common::options());
    let (kept, dropped, detached) = (
        Recorder::default(),
        Recorder::default(),
        Recorder::default(),
    );
    let _kept = server.register_lifecycle_callback([], kept.callback());
    let dropped_lifecycle = server.register_lifecycle_callback([], dropped.callback());
    server
        .register_lifecycle_callback([], detached.callback())
        .detach();
    let ((synced_kept, on_synced_kept), (synced_dropped, on_synced_dropped)) =
        (counter(), counter());
    // The boot syncs too: these hear only the /synced of this test's own id.
    let synced = || Pattern::new("/synced").arg(SYNC_ID);
    let _synced = server.register_osc_callback(synced(), on_synced_kept);
    let dropped_osc = server.register_osc_callback(synced(), on_synced_dropped);
    let ((failed_kept, on_failed_kept), (failed_dropped, on_failed_dropped)) =
        (counter(), counter());
    let _failures = server.on_failure(on_failed_kept);
    let dropped_failures = server.on_failure(on_failed_dropped);

    server.boot().unwrap();
    server.sync_with(Some(SYNC_ID), None).unwrap();
    server.send(unclaimed_failure()).unwrap();
    wait_until("each /synced callback once", || {
        synced_kept.load(Ordering::SeqCst) == 1 && synced_dropped.load(Ordering::SeqCst) == 1
    });
    wait_until("each failure callback once", || {
        failed_kept.load(Ordering::SeqCst) == 1 && failed_dropped.load(Ordering::SeqCst) == 1
    });

    drop(dropped_lifecycle);
    dropped_osc.unregister();
    drop(dropped_failures);
    // The same events again: only the kept subscriptions hear them.
    server.sync_with(Some(SYNC_ID), None).unwrap();
    server.send(unclaimed_failure()).unwrap();
    wait_until("the kept callbacks twice", || {
        synced_kept.load(Ordering::SeqCst) == 2 && failed_kept.load(Ordering::SeqCst) == 2
    });
    server.quit().unwrap();
    assert_eq!(synced_dropped.load(Ordering::SeqCst), 1);
    assert_eq!(failed_dropped.load(Ordering::SeqCst), 1);
    assert_eq!(dropped.events(), common::BOOT);
    let whole: Vec<E> = common::BOOT.iter().chain(&common::QUIT).copied().collect();
    assert_eq!(kept.events(), whole);
    assert_eq!(
        detached.events(),
        whole,
        "a detached callback keeps hearing"
    );
}

struct Collector(mpsc::UnboundedSender<E>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<LifecycleNotice> for Collector {
    type Result = ();

    fn handle(&mut self, notice: LifecycleNotice, _: &mut Self::Context) {
        let _ = self.0.send(notice.event);
    }
}

/// Answered after every message sent to the collector before it.
#[derive(Message)]
#[rtype(result = "()")]
struct Flush;

impl Handler<Flush> for Collector {
    type Result = ();

    fn handle(&mut self, _: Flush, _: &mut Self::Context) {}
}

#[actix::test]
async fn a_dropped_recipient_hears_nothing_more() {
    common::init_tracing();
    let (kept_tx, mut kept) = mpsc::unbounded_channel();
    let (dropped_tx, mut dropped) = mpsc::unbounded_channel();
    let dropped_collector = Collector(dropped_tx).start();
    let server = AsyncServer::with_name("recipients", common::options());
    let _kept = server.subscribe(Collector(kept_tx).start().recipient());
    let subscription = server.subscribe(dropped_collector.clone().recipient());
    server.boot().await.unwrap();
    drop(subscription);
    server.quit().await.unwrap();
    let mut heard = Vec::new();
    while heard.last() != Some(&E::Quit) {
        let event = tokio::time::timeout(Duration::from_secs(5), kept.recv()).await;
        heard.push(
            event
                .expect("a notice within 5 s")
                .expect("collector alive"),
        );
    }
    dropped_collector.send(Flush).await.unwrap();
    let mut dropped_heard = Vec::new();
    while let Ok(event) = dropped.try_recv() {
        dropped_heard.push(event);
    }
    assert_eq!(dropped_heard, common::BOOT);
    assert!(heard.ends_with(&common::QUIT));
}

#[test]
fn online_and_exited_await_the_boot_and_the_exit() {
    common::init_tracing();
    let server = Server::with_name("futures", common::options());
    let face = server.as_async();
    // Offline: exited at once; online only within its bound.
    server.exited(Duration::from_millis(1)).unwrap();
    assert!(matches!(
        server.online(Duration::from_millis(100)),
        Err(ServerError::WaitTimedOut {
            state: "online",
            ..
        })
    ));

    // Awaited before the boot starts (join polls it first): it resolves once online.
    let online = async {
        face.online(BOUND).await.unwrap();
        face.status()
    };
    let (status, booted) = block_on(join(online, face.boot()));
    booted.unwrap();
    assert_eq!(status, Status::Online);
    server.online(Duration::from_millis(1)).unwrap();

    // A SIGKILL of the owned process: exited resolves with it gone.
    let pid = server.pid().unwrap();
    let exited = async {
        face.exited(BOUND).await.unwrap();
        (face.status(), common::alive(pid))
    };
    let killed = async { face.signal_process(ProcessSignal::Kill) };
    assert_eq!(block_on(join(exited, killed)).0, (Status::Offline, false));

    // A quit: the same.
    server.boot().unwrap();
    let pid = server.pid().unwrap();
    let exited = async {
        face.exited(BOUND).await.unwrap();
        (face.status(), common::alive(pid))
    };
    let (exit, quit) = block_on(join(exited, face.quit()));
    quit.unwrap();
    assert_eq!(exit, (Status::Offline, false));

    // A boot that fails ends the wait with why, not at the bound.
    let missing = Options {
        executable: Some("/nonexistent/scsynth".into()),
        ..server.options()
    };
    let (online, booted) = block_on(join(face.online(BOUND), face.boot_with(missing)));
    assert!(booted.is_err());
    match online {
        Err(ServerError::NotOnline { detail: Some(d) }) => assert!(d.contains("scsynth"), "{d}"),
        other => panic!("expected NotOnline with the boot's error, got {other:?}"),
    }
}

/// The blocking face answers what the async face does, for the methods it only forwards.
#[test]
fn the_blocking_server_has_the_async_methods() {
    common::init_tracing();
    let server = Server::with_name("parity", common::options());
    server.boot().unwrap();
    let face = server.as_async();
    assert_eq!(server.name(), "parity");
    assert_eq!(server.latency(), face.latency());
    assert_eq!(
        server.maximum_logins(),
        Some(server.options().maximum_logins)
    );
    // The heartbeat fills it in.
    wait_until("a status from the heartbeat", || {
        server.status_info().is_some()
    });
    assert_eq!(server.status_info().map(|s| s.synth_count), Some(0));
    assert_eq!(server.local_addr(), face.local_addr());
    assert_eq!(server.jack_pid(), face.jack_pid());
    assert_eq!(server.watch().borrow().status, Status::Online);
    assert!(server.actor().connected());
    let group = server.add_group(Position::default()).unwrap();
    let default = server.default_group().unwrap();
    assert_eq!(server.node_parent(&group), Some(default));
    assert_eq!(server.node_children(default), vec![group.id().into()]);
    assert!(server.node_is_active(&group));
    let id = server.allocate(IdKind::Node, 2).unwrap();
    server.free(IdKind::Node, id);
    let (synced, on_synced) = counter();
    let _synced =
        server.register_osc_callback_with(Pattern::new("/synced"), None, Delivery::Once, on_synced);
    let sync = rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: "/sync".into(),
        args: vec![OscType::Int(77)],
    }))
    .unwrap();
    server.send_encoded(vec![sync]).unwrap();
    wait_until("the /synced of send_encoded", || {
        synced.load(Ordering::SeqCst) == 1
    });
    server.quit().unwrap();
    server.exited(Duration::from_millis(1)).unwrap();
}

/// A supervisor's subscriptions end with their guards too, and `online()` awaits a restart.
#[test]
fn supervisor_subscriptions_end_and_online_awaits_a_restart() {
    common::init_tracing();
    let supervisor = ServerSupervisor::new();
    let (kept, dropped) = (Recorder::default(), Recorder::default());
    let (restarts_kept, on_restart_kept) = counter::<SupervisionNotice>();
    let (restarts_dropped, on_restart_dropped) = counter::<SupervisionNotice>();
    let _kept = supervisor.on_lifecycle(Arc::new(kept.shared()));
    let dropped_lifecycle = supervisor.on_lifecycle(Arc::new(dropped.shared()));
    let _restarts = supervisor.on_event(on_restart_kept);
    let dropped_restarts = supervisor.on_event(on_restart_dropped);
    let options = Options {
        restart: RestartPolicy::OnFailure,
        ..common::options()
    };
    let server = block_on(supervisor.add("supervised", options)).unwrap();
    drop(dropped_lifecycle);
    drop(dropped_restarts);
    server.signal_process(ProcessSignal::Kill);
    block_on(server.exited(BOUND)).unwrap();
    block_on(server.online(BOUND)).unwrap();
    assert!(kept.wait_for(E::ProcessPanicked, BOUND));
    wait_until("Restarting and Restarted", || {
        restarts_kept.load(Ordering::SeqCst) == 2
    });
    assert_eq!(restarts_dropped.load(Ordering::SeqCst), 0);
    assert_eq!(dropped.events(), common::BOOT);
    block_on(supervisor.shutdown());
}
