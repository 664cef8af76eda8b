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
use scserver_core::reply::StatusInfo;
use tracing_subscriber::EnvFilter;

mod cli_http;
mod cli_notify;
mod cli_record;
mod cli_reload;
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
    /// Make the running `scserver run` of a config file re-read it (SIGHUP): added servers
    /// start, removed ones quit, changed ones restart. The file is checked first.
    Reload {
        /// The configuration file the run was started with.
        #[arg(default_value = "config.toml")]
        config: PathBuf,
    },
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
    /// The config file that names the server (`config.toml` unless given); given without
    /// `--server` or `--port`, every server in it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// How long to wait for an answer.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

/// One scsynth to ask: the server's name when a config names it, its role, its address.
struct Address {
    name: Option<String>,
    role: Option<Role>,
    address: SocketAddr,
}

impl Target {
    /// The one server to talk to: for a named server with a standby, whichever of its two ports
    /// serves now.
    fn address(&self) -> Result<SocketAddr, String> {
        let candidates = self.addresses()?;
        if candidates.iter().any(|c| c.name != candidates[0].name) {
            return Err("the config has several servers: name one with --server".into());
        }
        Ok(candidates
            .iter()
            .find(|c| c.role == Some(Role::Serving))
            .unwrap_or(&candidates[0])
            .address)
    }

    /// The port asked for, the server named, or (a config given alone) every server of the
    /// config; a server with `standby = 1` has both of its ports, each with its role as the pid
    /// records of the program running them say.
    fn addresses(&self) -> Result<Vec<Address>, String> {
        let bare = |port| Address {
            name: None,
            role: role(port),
            address: SocketAddr::new(self.host, port),
        };
        let path = match (&self.server, &self.config, self.port) {
            (None, _, Some(port)) => return Ok(vec![bare(port)]),
            (None, None, None) => return Ok(vec![bare(57110)]),
            (_, path, _) => path.clone().unwrap_or_else(|| "config.toml".into()),
        };
        let config = Config::load(&path).map_err(|e| e.to_string())?;
        let servers: Vec<_> = match &self.server {
            None => config.servers.iter().collect(),
            Some(name) => {
                let named = config.servers.iter().find(|s| &s.name == name);
                vec![named.ok_or_else(|| {
                    let names: Vec<_> = config.servers.iter().map(|s| s.name.as_str()).collect();
                    format!(
                        "no server named {name:?} in {} (it has: {})",
                        path.display(),
                        names.join(", ")
                    )
                })?]
            }
        };
        Ok(servers
            .into_iter()
            .flat_map(|server| {
                let options = &server.options;
                let standby = (options.standby > 0).then(|| options.standby_port());
                std::iter::once(options.port)
                    .chain(standby)
                    .map(|port| Address {
                        name: Some(server.name.clone()),
                        role: role(port),
                        address: SocketAddr::new(options.ip_address, port),
                    })
            })
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
        Command::Run { config: path, json } => match Config::load(&path) {
            Ok(config) => actix::System::new().block_on(run(config, &path, json)),
            Err(e) => fail(&e),
        },
        Command::Reload { config } => cli_reload::reload(&config),
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

/// Prints the status of each server asked for (a server and its standby: both, by role). A
/// server whose serving port, or every port, stays silent is an error on stderr and exit 1,
/// after the others are printed; a standby may be booting or gone.
fn status(addresses: &[Address], timeout: Duration, json: bool) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    let mut printed = 0;
    for server in addresses.chunk_by(|a, b| a.name.is_some() && a.name == b.name) {
        let mut answers = Vec::new();
        let mut silent = None;
        for asked in server {
            match block_on(scserver::probe::query_status(asked.address, timeout)) {
                Ok(info) => answers.push((asked, info)),
                Err(e) if asked.role == Some(Role::Serving) => {
                    silent = Some(e);
                    answers.clear();
                    break;
                }
                Err(e) => silent = silent.or(Some(e)),
            }
        }
        if let (true, Some(e)) = (answers.is_empty(), silent) {
            code = fail(&e);
        }
        for (asked, info) in answers {
            print_status(asked, &info, json, printed);
            printed += 1;
        }
    }
    code
}

fn print_status(asked: &Address, info: &StatusInfo, json: bool, printed: usize) {
    let (name, role) = (asked.name.as_deref(), asked.role.map(Role::name));
    if json {
        let mut value = serde_json::to_value(info).expect("status as JSON");
        if let Some(object) = value.as_object_mut() {
            if let Some(role) = role {
                object.insert("role".into(), role.into());
            }
            if let Some(name) = name {
                object.insert("name".into(), name.into());
            }
            object.insert("port".into(), asked.address.port().into());
        }
        println!("{value}");
        return;
    }
    if printed > 0 {
        println!();
    }
    let named = name.map(|n| format!("{n}, ")).unwrap_or_default();
    match role {
        Some(role) => println!("server:      {named}{} ({role})", asked.address),
        None => println!("server:      {named}{}", asked.address),
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
                    jack_note(o.jack)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// What `check` says about a server's JACK server.
fn jack_note(mode: scserver::JackMode) -> &'static str {
    match mode {
        scserver::JackMode::Running => "",
        scserver::JackMode::Shared => "; shares this process's dummy JACK server if none runs",
        scserver::JackMode::Own => "; starts its own dummy JACK server if none runs",
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

async fn run(config: Config, path: &Path, json: bool) -> ExitCode {
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
    let mut reloader = match cli_reload::Reloader::new(path, config.clone()) {
        Ok(reloader) => reloader,
        Err(e) => return fail(&format!("cannot listen for SIGHUP: {e}")),
    };
    let mut notifier = cli_notify::Notifier::start(config.servers.len());
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
            notifier.stopping();
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
            _ = reloader.hangup() => reloader.reload(&supervisor, json).await,
            _ = tick.tick() => {
                notifier.update(&supervisor.children().await);
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
    notifier.stopping();
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
