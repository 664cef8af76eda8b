//! Reloading a running `scserver run`: on SIGHUP it re-reads its config file and starts the
//! servers that were added, quits the removed ones, restarts the changed ones and leaves the rest
//! alone; an invalid file changes nothing. `scserver reload CONFIG` finds the run of that file by
//! the pid file it keeps (`$XDG_RUNTIME_DIR/scserver/run-<config path>.pid`, else under
//! `/tmp/scserver-<uid>/`), checks the file first and sends the SIGHUP.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use scserver::{Config, ServerSupervisor};
use scserver_actors::stale::{private_dir, runtime_dir};
use scserver_actors::sys::{child, procfs};
use scserver_core::reload::Plan;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// The pid file of the run of `config`: one per config file, named after its absolute path.
/// Symbolic links are not followed: a Kubernetes ConfigMap file is a link whose target changes
/// with every update of the map.
fn pid_file(config: &Path, dir: &Path) -> PathBuf {
    let full = std::path::absolute(config).unwrap_or_else(|_| config.to_path_buf());
    let key = full
        .to_string_lossy()
        .replace('%', "%25")
        .replace('/', "%2F");
    dir.join(format!("run-{key}.pid"))
}

/// What a run keeps for reloads: its config file, the config it runs, SIGHUP, its pid file.
pub struct Reloader {
    path: PathBuf,
    current: Config,
    hangup: Signal,
    pid_file: Option<PathBuf>,
}

impl Reloader {
    /// Listens for SIGHUP (from now on it no longer ends the process) and writes the pid file;
    /// a pid file that cannot be written only costs `scserver reload`, and is logged.
    pub fn new(path: &Path, current: Config) -> std::io::Result<Reloader> {
        let hangup = signal(SignalKind::hangup())?;
        let pid_file = private_dir()
            .and_then(|dir| {
                let file = pid_file(path, &dir);
                std::fs::write(&file, format!("{}\n", std::process::id()))?;
                Ok(file)
            })
            .map_err(|e| tracing::warn!(error = %e, "no pid file: `scserver reload` cannot find this run"))
            .ok();
        Ok(Reloader {
            path: path.to_path_buf(),
            current,
            hangup,
            pid_file,
        })
    }

    /// Resolves at the next SIGHUP.
    pub async fn hangup(&mut self) {
        self.hangup.recv().await;
    }

    /// Re-reads the file and applies it: quits first (a port may move), then boots.
    pub async fn reload(&mut self, supervisor: &ServerSupervisor, json: bool) {
        let wanted = match Config::load(&self.path) {
            Ok(config) => config,
            Err(error) => {
                tracing::error!(%error, "reload refused; nothing changed");
                report(json, "reload_failed", None, Some(error.to_string()));
                return;
            }
        };
        if wanted.http != self.current.http {
            tracing::warn!(
                "the [http] section changed; it is read at start only: restart the run to apply it"
            );
        }
        let plan = Plan::between(
            self.current
                .servers
                .iter()
                .map(|s| (s.name.as_str(), &s.options)),
            wanted.servers.iter().map(|s| (s.name.as_str(), &s.options)),
        );
        let quits = plan
            .stop
            .iter()
            .chain(&plan.restart)
            .map(|name| async move {
                if let Err(e) = supervisor.remove(name).await {
                    eprintln!("scserver: server {name:?}: {e}");
                }
            });
        futures::future::join_all(quits).await;
        let boots = plan
            .restart
            .iter()
            .chain(&plan.start)
            .filter_map(|name| wanted.servers.iter().find(|s| &s.name == name))
            .map(|s| async move {
                if let Err(e) = supervisor.add(&s.name, s.options.clone()).await {
                    eprintln!("scserver: server {:?}: {e}", s.name);
                }
            });
        futures::future::join_all(boots).await;
        tracing::info!(?plan, "config reloaded");
        report(json, "reloaded", Some(&plan), None);
        // The HTTP service keeps running as it started.
        let http = self.current.http.take();
        self.current = Config { http, ..wanted };
    }
}

impl Drop for Reloader {
    fn drop(&mut self) {
        let Some(file) = &self.pid_file else {
            return;
        };
        // Only our own: a later run of the same file may have taken it over.
        let ours = std::fs::read_to_string(file)
            .is_ok_and(|text| text.trim() == std::process::id().to_string());
        if ours {
            let _ = std::fs::remove_file(file);
        }
    }
}

fn report(json: bool, event: &str, plan: Option<&Plan>, detail: Option<String>) {
    let at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let empty = Plan::default();
    let plan = plan.unwrap_or(&empty);
    if json {
        let line = serde_json::json!({
            "event": event, "timestamp": at, "detail": detail, "started": plan.start,
            "stopped": plan.stop, "restarted": plan.restart, "unchanged": plan.keep,
        });
        println!("{line}");
    } else if let Some(detail) = detail {
        println!("{at} {event} ({detail})");
    } else {
        println!(
            "{at} {event}: started [{}], stopped [{}], restarted [{}], {} unchanged",
            plan.start.join(", "),
            plan.stop.join(", "),
            plan.restart.join(", "),
            plan.keep.len()
        );
    }
}

/// `scserver reload CONFIG`: checks the file, then sends SIGHUP to the run of that file.
pub fn reload(config: &Path) -> ExitCode {
    if let Err(error) = Config::load(config) {
        eprintln!("scserver: {error}; nothing was reloaded");
        return ExitCode::FAILURE;
    }
    let file = pid_file(config, &runtime_dir());
    let pid = std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok());
    let Some(pid) = pid else {
        eprintln!(
            "scserver: no `scserver run` of {} is running (no pid file {}); start one with \
             `scserver run {}`",
            config.display(),
            file.display(),
            config.display()
        );
        return ExitCode::FAILURE;
    };
    if procfs::command_name(pid).as_deref() != Some("scserver") {
        eprintln!(
            "scserver: the run of {} (pid {pid}, from {}) is gone; start one with `scserver run {}`",
            config.display(),
            file.display(),
            config.display()
        );
        let _ = std::fs::remove_file(&file);
        return ExitCode::FAILURE;
    }
    if !child::signal(pid, child::Signal::SIGHUP) {
        eprintln!("scserver: cannot signal scserver pid {pid}");
        return ExitCode::FAILURE;
    }
    println!(
        "asked scserver pid {pid} to reload {}; its output says what changed",
        config.display()
    );
    ExitCode::SUCCESS
}
