//! The `scserver` command: boot the servers of a config file and report their lifecycle.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scserver::{AsyncServer, Config, LifecycleNotice};
use tracing_subscriber::EnvFilter;

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
    /// Boot every server in the config file, print lifecycle events, quit all on SIGINT/SIGTERM.
    Run {
        /// The configuration file.
        #[arg(default_value = "config.toml")]
        config: PathBuf,
        /// Print one JSON object per event.
        #[arg(long)]
        json: bool,
    },
    /// Validate a config file and print what would start.
    Check {
        /// The configuration file.
        #[arg(default_value = "config.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config, json } => match Config::load(&config) {
            Ok(config) => actix::System::new().block_on(run(config, json)),
            Err(e) => fail(&e),
        },
        Command::Check { config } => match Config::load(&config) {
            Ok(config) => {
                for s in &config.servers {
                    let args = s.options.to_args(false).join(" ");
                    println!("{}: scsynth {args}", s.name);
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    eprintln!("scserver: {error}");
    ExitCode::FAILURE
}

fn print_notice(notice: &LifecycleNotice, json: bool) {
    let at = humantime::format_rfc3339_millis(notice.at);
    if json {
        let line = serde_json::json!({
            "server": notice.server,
            "port": notice.port,
            "event": notice.event.name(),
            "pid": notice.pid,
            "timestamp": at.to_string(),
            "detail": notice.detail,
        });
        println!("{line}");
    } else {
        let detail = notice
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let pid = notice.pid.map(|p| format!(" pid {p}")).unwrap_or_default();
        println!(
            "{at} {} :{}{pid} {}{detail}",
            notice.server, notice.port, notice.event
        );
    }
}

async fn run(config: Config, json: bool) -> ExitCode {
    let servers: Vec<AsyncServer> = config
        .servers
        .iter()
        .map(|s| {
            let server = AsyncServer::with_name(&s.name, s.options.clone());
            server.register_lifecycle_callback([], move |n| print_notice(n, json), false);
            server
        })
        .collect();
    let boots = futures::future::join_all(servers.iter().map(|s| s.boot(None))).await;
    let mut code = ExitCode::SUCCESS;
    for (server, result) in servers.iter().zip(&boots) {
        if let Err(e) = result {
            eprintln!("scserver: server {:?}: {e}", server.name());
            code = ExitCode::FAILURE;
        }
    }
    if code == ExitCode::SUCCESS {
        wait_for_signal().await;
    }
    for result in futures::future::join_all(servers.iter().map(|s| s.quit(false))).await {
        if let Err(e) = result {
            eprintln!("scserver: {e}");
        }
    }
    code
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}
