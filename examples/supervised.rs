//! An actix application with one supervised scsynth. An actor subscribes to its lifecycle and
//! supervision events; scsynth is killed once to show the restart; Ctrl-C (or the end of the
//! demo) quits it and its JACK server.
//!
//! `cargo run --example supervised [PORT]`

use std::time::Duration;

use actix::prelude::*;
use scserver::{LifecycleNotice, Options, RestartPolicy, ServerSupervisor, SupervisionNotice};

/// Prints what it hears.
struct Monitor;

impl Actor for Monitor {
    type Context = Context<Self>;
}

impl Handler<LifecycleNotice> for Monitor {
    type Result = ();

    fn handle(&mut self, n: LifecycleNotice, _: &mut Self::Context) {
        println!("{} {}", n.server, n.event);
    }
}

impl Handler<SupervisionNotice> for Monitor {
    type Result = ();

    fn handle(&mut self, n: SupervisionNotice, _: &mut Self::Context) {
        println!(
            "{} {} ({})",
            n.server,
            n.event,
            n.detail.unwrap_or_default()
        );
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::args().nth(1).map_or(Ok(57120), |p| p.parse())?;
    let monitor = Monitor.start();
    let supervisor = ServerSupervisor::new();
    let _supervision = supervisor.subscribe(monitor.clone().recipient());
    let options = Options {
        port,
        start_jack: true,
        load_synthdefs: false,
        restart: RestartPolicy::OnFailure,
        ..Options::default()
    };
    let server = supervisor.add("main", options).await?;
    let _lifecycle = server.subscribe(monitor.recipient());
    println!(
        "booted, pid {:?}; killing it to see the restart",
        server.pid()
    );
    server.signal_process(scserver::ProcessSignal::Kill);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(3)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!("status: {:?}", server.status_info());
    supervisor.shutdown().await;
    Ok(())
}
