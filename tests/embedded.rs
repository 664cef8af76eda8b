//! An `AsyncServer` embedded in an actix application: its actors run on the application's
//! arbiter and lifecycle notices reach an actix `Recipient`.

mod common;

use actix::prelude::*;
use scserver::{AsyncServer, LifecycleEvent as E, LifecycleNotice};
use tokio::sync::mpsc;

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

#[actix::test]
async fn lifecycle_notices_reach_an_actix_recipient() {
    common::init_tracing();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let collector = Collector(tx).start();
    let server = AsyncServer::with_name("embedded", common::options());
    let _notices = server.subscribe(collector.recipient());
    server.boot().await.expect("boot");
    server.sync().await.expect("sync");
    server.quit().await.expect("quit");
    let mut events = Vec::new();
    while events.last() != Some(&E::Quit) {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("a notice within 5 s")
            .expect("collector alive");
        events.push(event);
    }
    let expected: Vec<E> = common::BOOT
        .iter()
        .chain(common::QUIT.iter())
        .copied()
        .collect();
    assert_eq!(events, expected);
}
