//! The `scserver` command: run supervised servers from a config file, look at running servers,
//! and check config files.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use scserver::{
    Config, LifecycleEvent, LifecycleNotice, Phase, ServerSupervisor, SupervisionEvent,
    SupervisionNotice,
};
use scserver_core::options::is_supernova;
use tracing_subscriber::EnvFilter;

mod cli_http;
mod cli_record;
mod cli_render;
mod cli_top;

#[derive(Parser)]
#[command(
    name = "scserver",
    version,
    about = "Boot and supervise SuperCollider servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot every server in the config file under supervision, print lifecycle and supervision
    /// events, and quit them all (and their JACK servers) on SIGINT or SIGTERM.
    Run {
        /// The configuration file.
        #[arg(default_value = "config.toml")]
        config: PathBuf,
        /// Print one JSON object per event.
        #[arg(long)]
        json: bool,
    },
    /// Ask a running server for its status (without registering with it) and print it.
    Status {
        #[command(flatten)]
        target: Target,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a running server's node tree in scsynth's own text format.
    Tree {
        #[command(flatten)]
        target: Target,
        /// Include each synth's controls.
        #[arg(long)]
        controls: bool,
        /// The group to start from.
        #[arg(long, default_value_t = 0)]
        group: i32,
    },
    /// Record a running server's output into a sound file.
    Record {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        args: cli_record::RecordArgs,
    },
    /// Render a command file offline (`scsynth -N`) into a sound file, with a progress bar.
    Render(cli_render::RenderArgs),
    /// A live view of the servers of a running `scserver run`, read from its HTTP service
    /// (`[http]` in its config); `q` quits.
    Top(cli_top::TopArgs),
    /// Validate a config file and print what would start.
    Check {
        /// The configuration file.
        #[arg(default_value = "config.toml")]
        config: PathBuf,
    },
}

/// Which server to talk to: a port, or a server named in a config file.
#[derive(Args)]
struct Target {
    /// The server's UDP port.
    #[arg(long, short, conflicts_with = "server")]
    port: Option<u16>,
    /// A server's name in the config file.
    #[arg(long, short)]
    server: Option<String>,
    /// The config file that names the server.
    #[arg(long, default_value = "config.toml")]
    config: PathBuf,
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// How long to wait for an answer.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

impl Target {
    /// The server to talk to: for a named server with a standby, whichever of its two ports
    /// serves now.
    fn address(&self) -> Result<SocketAddr, String> {
        let candidates = self.addresses()?;
        Ok(candidates
            .iter()
            .find(|(role, _)| *role == Some(Role::Serving))
            .unwrap_or(&candidates[0])
            .1)
    }

    /// The port asked for; for a named server with `standby = 1`, both of its ports, each with
    /// its role as the pid records of the program running them say.
    fn addresses(&self) -> Result<Vec<(Option<Role>, SocketAddr)>, String> {
        let Some(name) = &self.server else {
            let port = self.port.unwrap_or(57110);
            return Ok(vec![(role(port), SocketAddr::new(self.host, port))]);
        };
        let config = Config::load(&self.config).map_err(|e| e.to_string())?;
        let server = config
            .servers
            .iter()
            .find(|s| &s.name == name)
            .ok_or_else(|| {
                let names: Vec<_> = config.servers.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "no server named {name:?} in {} (it has: {})",
                    self.config.display(),
                    names.join(", ")
                )
            })?;
        let options = &server.options;
        let mut ports = vec![options.port];
        if options.standby > 0 {
            ports.push(options.standby_port());
        }
        Ok(ports
            .into_iter()
            .map(|port| (role(port), SocketAddr::new(options.ip_address, port)))
            .collect())
    }
}

/// What a scsynth of a supervised server is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Serving,
    Standby,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Serving => "active",
            Role::Standby => "standby",
        }
    }
}

/// The role of the scsynth on `port`, when a program of this library started it.
fn role(port: u16) -> Option<Role> {
    scserver_actors::stale::recorded(port).map(|r| match r.owner.is_standby() {
        true => Role::Standby,
        false => Role::Serving,
    })
}

/// Whether logs are coloured: only on a terminal, and never when `NO_COLOR` is set to anything
/// but the empty string (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_ansi(colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config, json } => match Config::load(&config) {
            Ok(config) => actix::System::new().block_on(run(config, json)),
            Err(e) => fail(&e),
        },
        Command::Check { config } => check(&config),
        Command::Render(args) => cli_render::render(args),
        Command::Top(args) => cli_top::top(args),
        Command::Record { target, args } => match target.address() {
            Ok(address) => cli_record::record(address, args),
            Err(e) => fail(&e),
        },
        Command::Status { target, json } => match target.addresses() {
            Ok(addresses) => status(&addresses, target.timeout, json),
            Err(e) => fail(&e),
        },
        Command::Tree {
            target,
            controls,
            group,
        } => {
            let address = match target.address() {
                Ok(a) => a,
                Err(e) => return fail(&e),
            };
            match block_on(scserver::probe::query_tree(
                address,
                group,
                controls,
                target.timeout,
            )) {
                Ok(tree) => {
                    print!("{tree}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
    }
}

/// Prints the status of each server asked for (a server and its standby: both, by role).
fn status(addresses: &[(Option<Role>, SocketAddr)], timeout: Duration, json: bool) -> ExitCode {
    let mut answers = Vec::new();
    let mut silent = None;
    for (role, address) in addresses {
        match block_on(scserver::probe::query_status(*address, timeout)) {
            Ok(info) => answers.push((*role, *address, info)),
            // The serving one must answer; the other port's standby may be booting or gone.
            Err(e) if *role == Some(Role::Serving) => return fail(&e),
            Err(e) => silent = silent.or(Some(e)),
        }
    }
    if let (true, Some(e)) = (answers.is_empty(), silent) {
        return fail(&e);
    }
    for (role, address, info) in answers {
        let role = role.map(Role::name);
        if json {
            let mut value = serde_json::to_value(&info).expect("status as JSON");
            if let (Some(role), Some(object)) = (role, value.as_object_mut()) {
                object.insert("role".into(), role.into());
                object.insert("port".into(), address.port().into());
            }
            println!("{value}");
            continue;
        }
        match role {
            Some(role) => println!("server:      {address} ({role})"),
            None => println!("server:      {address}"),
        }
        println!("ugens:       {}", info.ugen_count);
        println!("synths:      {}", info.synth_count);
        println!("groups:      {}", info.group_count);
        println!("synthdefs:   {}", info.synthdef_count);
        println!(
            "cpu:         {:.2}% average, {:.2}% peak",
            info.average_cpu_usage, info.peak_cpu_usage
        );
        println!(
            "sample rate: {} nominal, {:.3} actual",
            info.nominal_sample_rate, info.actual_sample_rate
        );
    }
    ExitCode::SUCCESS
}

/// Runs a one-shot query on a small runtime of its own (`status` and `tree` need no actors).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

fn check(path: &Path) -> ExitCode {
    match Config::load(path) {
        Ok(config) => {
            if config.servers.is_empty() {
                println!(
                    "{}: valid, but no [[server]] tables: nothing would start",
                    path.display()
                );
            }
            for s in &config.servers {
                let o = &s.options;
                let executable = o.executable.clone().unwrap_or_else(|| "scsynth".into());
                let args = o.to_args(is_supernova(&executable)).join(" ");
                println!("{}: {} {args}", s.name, executable.display());
                println!(
                    "  restart {}: at most {} within {:?}, backoff {:?}..{:?}; heartbeat every {:?}, hung after {} misses{}",
                    serde_json::to_value(o.restart)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    o.max_restarts,
                    o.restart_window,
                    o.backoff_min,
                    o.backoff_max,
                    o.heartbeat_interval,
                    o.heartbeat_misses,
                    if o.start_jack { "; starts its own dummy JACK server if none runs" } else { "" }
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("scserver: {error}");
    ExitCode::FAILURE
}

fn timestamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

fn print_lifecycle(n: &LifecycleNotice, json: bool) {
    if json {
        let line = serde_json::json!({
            "server": n.server, "port": n.port, "event": n.event.name(), "pid": n.pid,
            "jack_pid": n.jack_pid, "timestamp": timestamp(n.at), "detail": n.detail,
        });
        println!("{line}");
    } else {
        let detail = n
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let pid = n.pid.map(|p| format!(" pid {p}")).unwrap_or_default();
        println!(
            "{} {} :{}{pid} {}{detail}",
            timestamp(n.at),
            n.server,
            n.port,
            n.event
        );
    }
}

fn print_supervision(n: &SupervisionNotice, json: bool) {
    if json {
        let mut line = serde_json::to_value(n.event).expect("event as JSON");
        let map = line.as_object_mut().expect("an object");
        map.insert("server".into(), n.server.clone().into());
        map.insert("port".into(), n.port.into());
        map.insert("timestamp".into(), timestamp(n.at).into());
        map.insert("detail".into(), n.detail.clone().into());
        println!("{line}");
    } else {
        let detail = n
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        println!(
            "{} {} :{} {}{detail}",
            timestamp(n.at),
            n.server,
            n.port,
            n.event
        );
    }
}

async fn run(config: Config, json: bool) -> ExitCode {
    let supervisor = ServerSupervisor::new();
    // Something stopped for good, maybe: look whether anything is left running.
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
    let on_stop = changed.clone();
    let lifecycle = supervisor.on_lifecycle(Arc::new(move |n: &LifecycleNotice| {
        print_lifecycle(n, json);
        if matches!(
            n.event,
            LifecycleEvent::Quit | LifecycleEvent::ProcessPanicked
        ) {
            let _ = on_stop.send(());
        }
    }));
    lifecycle.detach();
    let subscription = supervisor.on_event(move |n| {
        print_supervision(n, json);
        if let SupervisionEvent::GaveUp { .. } = n.event {
            let _ = changed.send(());
        }
    });
    subscription.detach();
    // Listening before anything boots: a signal during the boots still quits in order.
    let signal = match stop_signals() {
        Ok(signal) => signal,
        Err(e) => return fail(&format!("cannot listen for SIGINT/SIGTERM: {e}")),
    };
    tokio::pin!(signal);
    let http = match cli_http::Service::start(&config, &supervisor) {
        Ok(http) => http,
        Err(e) => return fail(&e),
    };
    let mut code = ExitCode::SUCCESS;
    tokio::select! {
        results = supervisor.start(&config) => {
            for (name, result) in results {
                if let Err(e) = result {
                    eprintln!("scserver: server {name:?}: {e}");
                }
            }
        }
        _ = &mut signal => {
            if let Some(http) = http {
                http.stop().await;
            }
            for (name, result) in supervisor.shutdown().await {
                if let Err(e) = result {
                    eprintln!("scserver: server {name:?}: {e}");
                }
            }
            return code;
        }
    }
    // Events say when to look; the tick catches a decision that landed after its event.
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = &mut signal => break,
            _ = tick.tick() => {
                if all_down(&supervisor).await {
                    code = ExitCode::FAILURE;
                    break;
                }
            }
            Some(()) = changes.recv() => {
                if all_down(&supervisor).await {
                    code = ExitCode::FAILURE;
                    break;
                }
            }
        }
    }
    if let Some(http) = http {
        http.stop().await;
    }
    for (name, result) in supervisor.shutdown().await {
        if let Err(e) = result {
            eprintln!("scserver: server {name:?}: {e}");
        }
    }
    code
}

/// Whether every server is down for good (stopped by policy or given up); says why if so.
async fn all_down(supervisor: &ServerSupervisor) -> bool {
    let children = supervisor.children().await;
    let down = children
        .iter()
        .all(|c| matches!(c.phase, Phase::Stopped | Phase::GaveUp));
    if down {
        // Boot errors were printed as they happened; a give-up says more than the last one.
        for c in &children {
            if let Some(e @ scserver::SupervisionError::GaveUp { .. }) = &c.error {
                eprintln!("scserver: server {:?}: {e}", c.name);
            }
        }
        eprintln!("scserver: every server is down; exiting");
    }
    down
}

/// Resolves at the first SIGINT or SIGTERM; the handlers are installed when this is called.
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::colour;

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
    }
}
