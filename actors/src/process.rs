//! The scsynth process: spawn, wait for the ready line, stream output into `tracing`, see the
//! exit at once, and stop it in escalating steps.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix::prelude::*;
use futures::StreamExt;
use scserver_core::options::EXECUTABLE_ENV;
use scserver_core::output::{classify, OutputLine};
use scserver_core::Options;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{oneshot, watch};
use tracing::Instrument;

use crate::error::BootError;
use crate::jack::StartedJack;
use crate::sys::{child, segment};
use dump::DumpCaptures;

pub mod dump;

/// How many output lines are kept for error reports.
const TAIL_LINES: usize = 20;

pub use crate::sys::child::{ExitInfo, Signal};

/// Sent to the owner when the process exits after it was ready.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct ProcessExited {
    /// How it ended.
    pub info: ExitInfo,
    /// Which process it was.
    pub pid: Option<u32>,
}

/// Owns one scsynth child process.
pub struct ProcessActor {
    name: String,
    options: Options,
    owner: Recipient<ProcessExited>,
    pid: Option<u32>,
    ready: bool,
    tail: VecDeque<String>,
    boot: Option<oneshot::Sender<Result<u32, BootError>>>,
    exit: watch::Sender<Option<ExitInfo>>,
    jack: Option<StartedJack>,
    /// Watches the shared JACK server held in `jack` for its death.
    jack_watch: Option<SpawnHandle>,
    /// A JACK server someone else started that scsynth must run on (a standby beside its
    /// server), instead of starting one.
    jack_server: Option<String>,
    /// Counts spawns, so output and exits of an abandoned attempt are not taken for the current.
    generation: u32,
    /// This process's count of spawns on the port (see [`segment`]).
    spawn: u64,
    span: tracing::Span,
    /// `/g_dumpTree` output being waited for.
    dumps: DumpCaptures,
}

impl ProcessActor {
    /// A process actor for the server `name`; `owner` hears of an exit after ready. `jack` is a
    /// dummy JACK server kept from the previous process of this server: scsynth runs on it again
    /// if it is still healthy, so a restart does not wait for a new one.
    pub fn new(
        name: &str,
        options: Options,
        owner: Recipient<ProcessExited>,
        jack: Option<StartedJack>,
    ) -> Self {
        let span = tracing::info_span!("scsynth", server = %name, port = options.port);
        ProcessActor {
            name: name.to_owned(),
            options,
            owner,
            pid: None,
            ready: false,
            tail: VecDeque::new(),
            boot: None,
            exit: watch::channel(None).0,
            jack,
            jack_watch: None,
            jack_server: None,
            generation: 0,
            spawn: 0,
            span,
            dumps: Default::default(),
        }
    }

    /// Runs scsynth on the JACK server `name` (started by someone else) when given one.
    pub fn on_jack_server(mut self, name: Option<String>) -> Self {
        self.jack_server = name;
        self
    }

    fn output_tail(&self) -> Vec<String> {
        self.tail.iter().cloned().collect()
    }

    fn fail_boot(&mut self, error: BootError) {
        if let Some(tx) = self.boot.take() {
            let _ = tx.send(Err(error));
        }
        self.signal(Signal::SIGKILL);
    }

    fn signal(&self, signal: Signal) {
        if self.exit.borrow().is_some() {
            return;
        }
        if let Some(pid) = self.pid {
            child::signal(pid, signal);
        }
    }

    fn on_line(&mut self, line: String) {
        let span = self.span.clone();
        let _enter = span.enter();
        tracing::info!(target: "scsynth", "{line}");
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line.clone());
        self.dumps.push_line(&line);
        if self.ready {
            return;
        }
        let output = || self.output_tail();
        match classify(&line) {
            OutputLine::Ready => {
                self.ready = true;
                if let (Some(tx), Some(pid)) = (self.boot.take(), self.pid) {
                    let _ = tx.send(Ok(pid));
                }
            }
            OutputLine::PortInUse => self.fail_boot(BootError::PortInUse {
                port: self.options.port,
                output: output(),
                holder: None,
                owner: None,
            }),
            OutputLine::SocketFailure => self.fail_boot(BootError::Socket {
                line,
                output: output(),
            }),
            OutputLine::AudioFailure => self.fail_boot(BootError::Audio { output: output() }),
            OutputLine::Fatal => self.fail_boot(BootError::Fatal {
                line,
                output: output(),
            }),
            OutputLine::Info => {}
        }
    }

    fn on_exit(&mut self, info: ExitInfo) {
        let span = self.span.clone();
        let _enter = span.enter();
        tracing::info!(pid = self.pid, status = %info, "scsynth exited");
        let was_ready = self.ready;
        if let Some(tx) = self.boot.take() {
            let _ = tx.send(Err(BootError::EarlyExit {
                status: info.to_string(),
                output: self.output_tail(),
            }));
        }
        self.exit.send_replace(Some(info.clone()));
        if info.code != Some(0) {
            segment::remove_left_behind(self.options.port, self.spawn);
        }
        if was_ready {
            self.owner.do_send(ProcessExited {
                info,
                pid: self.pid,
            });
        }
    }
}

impl Actor for ProcessActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        // Last line of defence against orphans; the child is also kill_on_drop.
        self.signal(Signal::SIGKILL);
        if let Some(jack) = self.jack.take() {
            actix::spawn(jack.stop(Duration::from_secs(1)));
        }
    }
}

/// Finds the executable: the option, `SCSYNTH_PATH`, `PATH`, then the usual install places.
pub fn find_executable(options: &Options) -> Result<PathBuf, BootError> {
    let tried = options.executable_candidates(
        std::env::var_os(EXECUTABLE_ENV).as_deref(),
        std::env::var_os("PATH").as_deref(),
    );
    tried
        .iter()
        .find(|p| is_executable(p))
        .cloned()
        .ok_or(BootError::ExecutableNotFound { tried })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Spawn scsynth and resolve once it is ready (bounded by `boot_timeout`).
#[derive(Debug, Message)]
#[rtype(result = "Result<Spawned, BootError>")]
pub struct Spawn;

/// A ready process.
#[derive(Debug, Clone)]
pub struct Spawned {
    /// The scsynth process id.
    pub pid: u32,
    /// The pid of a dummy JACK server started for it.
    pub jack_pid: Option<u32>,
    /// That JACK server's name.
    pub jack_name: Option<String>,
}

impl Handler<Spawn> for ProcessActor {
    type Result = ResponseActFuture<Self, Result<Spawned, BootError>>;

    fn handle(&mut self, _: Spawn, _: &mut Self::Context) -> Self::Result {
        Box::pin(self.boot_with_jack(JACK_RESTARTS).map(|result, act, _| {
            result.map(|pid| Spawned {
                pid,
                jack_pid: act.jack.as_ref().and_then(StartedJack::pid),
                jack_name: act.jack.as_ref().map(|j| j.name().to_owned()),
            })
        }))
    }
}

impl ProcessActor {
    /// Starts a dummy JACK server when asked to and none runs, then scsynth on it. When even the
    /// retries of [`Self::attempt`] find our own jackd refusing clients, that jackd is replaced
    /// by a fresh one, `jack_restarts` times at most.
    fn boot_with_jack(
        &mut self,
        jack_restarts: u32,
    ) -> ResponseActFuture<Self, Result<u32, BootError>> {
        let options = self.options.clone();
        let attempt = JACK_RESTARTS - jack_restarts;
        let jack_name = match attempt {
            0 => format!("scserver-{}-{}", std::process::id(), options.port),
            n => format!("scserver-{}-{}-{n}", std::process::id(), options.port),
        };
        let kept = self.jack.take();
        let borrowed = self.jack_server.is_some();
        let jack = async move {
            if borrowed {
                return Ok(None);
            }
            if let Some(mut kept) = kept {
                if kept.is_healthy() {
                    tracing::debug!(jack = %kept.name(), "scsynth runs on the JACK server kept from its last run");
                    return Ok(Some(kept));
                }
                tracing::info!(jack = %kept.name(), "the kept JACK server is gone or refuses clients; starting another");
                kept.stop(JACK_STOP_TIMEOUT).await;
            }
            StartedJack::for_options(&options, jack_name, JACK_START_TIMEOUT)
                .await
                .map_err(BootError::from)
        };
        Box::pin(
            jack.instrument(self.span.clone())
                .into_actor(self)
                .then(|jack, act, ctx| match jack {
                    Ok(jack) => {
                        act.jack = jack;
                        act.watch_shared_jack(ctx);
                        act.attempt(ctx, AUDIO_RETRIES)
                    }
                    Err(e) => Box::pin(actix::fut::ready(Err(e))),
                })
                .then(move |result, act, _| -> ResponseActFuture<Self, Result<u32, BootError>> {
                    match (result, act.jack.take()) {
                        (Err(BootError::Audio { output }), Some(jack @ StartedJack::Own(_)))
                            if jack_restarts > 0 =>
                        {
                            tracing::warn!(parent: &act.span, ?output, "our JACK server keeps refusing scsynth; replacing it");
                            Box::pin(
                                jack.stop(JACK_STOP_TIMEOUT)
                                    .into_actor(act)
                                    .then(move |_, act, _| act.boot_with_jack(jack_restarts - 1)),
                            )
                        }
                        (result, jack) => {
                            act.jack = jack;
                            Box::pin(actix::fut::ready(result))
                        }
                    }
                }),
        )
    }
}

impl ProcessActor {
    /// When the shared JACK server dies under scsynth, stops scsynth: it cannot play any more,
    /// and its exit lets the supervisor restart it (by policy) on a new shared server.
    fn watch_shared_jack(&mut self, ctx: &mut Context<Self>) {
        if let Some(old) = self.jack_watch.take() {
            ctx.cancel_future(old);
        }
        let Some(StartedJack::Shared(jack)) = &self.jack else {
            return;
        };
        let died = jack.died().into_actor(self).map(|(), act, _| {
            tracing::warn!(parent: &act.span, "its shared JACK server died; stopping scsynth");
            act.signal(Signal::SIGTERM);
        });
        self.jack_watch = Some(ctx.spawn(died));
    }
}

/// How many times a refusing dummy JACK server of ours is replaced during one boot.
const JACK_RESTARTS: u32 = 1;

/// How long a dead or refusing JACK server is given to exit before it is killed.
const JACK_STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a dummy JACK server may take to listen.
const JACK_START_TIMEOUT: Duration = Duration::from_secs(10);

/// A freshly started jackd sometimes refuses its first client while several start at once
/// ("Cannot open SuperCollider client"); scsynth is tried again this many times.
const AUDIO_RETRIES: u32 = 2;

impl ProcessActor {
    /// One spawn of scsynth, waiting (bounded) for ready; retried on an audio failure when the
    /// JACK server is our own fresh one.
    fn attempt(
        &mut self,
        ctx: &mut Context<Self>,
        retries: u32,
    ) -> ResponseActFuture<Self, Result<u32, BootError>> {
        let ready = self.spawn_child(ctx);
        let timeout = self.options.boot_timeout;
        Box::pin(
            async move {
                match ready {
                    Err(e) => Err(e),
                    Ok(rx) => match tokio::time::timeout(timeout, rx).await {
                        Ok(Ok(result)) => result,
                        Ok(Err(_)) => Err(BootError::EarlyExit {
                            status: "unknown".into(),
                            output: vec![],
                        }),
                        Err(_) => Err(BootError::Timeout {
                            timeout,
                            output: vec![],
                        }),
                    },
                }
            }
            .into_actor(self)
            .then(move |result, act, _| -> ResponseActFuture<Self, Result<u32, BootError>> {
                match result {
                Err(BootError::Audio { output }) if retries > 0 && act.jack.is_some() => {
                    tracing::warn!(parent: &act.span, ?output, "audio backend refused scsynth; trying again");
                    // Give a busy JACK server a moment, longer each time (bounded: 100, 200 ms).
                    let pause = Duration::from_millis(100 * u64::from(AUDIO_RETRIES + 1 - retries));
                    Box::pin(
                        tokio::time::sleep(pause)
                            .into_actor(act)
                            .then(move |_, act, ctx| act.attempt(ctx, retries - 1)),
                    )
                }
                Err(BootError::Timeout { timeout, .. }) => {
                    let error = BootError::Timeout {
                        timeout,
                        output: act.output_tail(),
                    };
                    act.fail_boot(error.clone());
                    Box::pin(actix::fut::ready(Err(error)))
                }
                other => Box::pin(actix::fut::ready(other)),
                }
            }),
        )
    }
}

impl ProcessActor {
    /// Spawns the child from the actor's thread: Linux's parent-death signal follows the spawning
    /// thread, and this thread lives as long as the server's actor system.
    fn spawn_child(
        &mut self,
        ctx: &mut Context<Self>,
    ) -> Result<oneshot::Receiver<Result<u32, BootError>>, BootError> {
        let executable = find_executable(&self.options)?;
        let supernova = scserver_core::options::is_supernova(&executable);
        let args = self.options.to_args(supernova);
        let mut command = child::watched(&executable, &args);
        // libjack would otherwise try to start an ALSA jackd of its own, slowly and in vain.
        command.env("JACK_NO_START_SERVER", "1");
        if let Some(name) = self
            .jack
            .as_ref()
            .map(StartedJack::name)
            .or(self.jack_server.as_deref())
        {
            command.env("JACK_DEFAULT_SERVER", name);
        }
        self.generation += 1;
        let generation = self.generation;
        self.ready = false;
        self.exit.send_replace(None);
        let _enter = self.span.enter();
        tracing::info!(executable = %executable.display(), ?args, "spawning");
        self.spawn = segment::spawning(self.options.port);
        crate::sys::sweep_left_behind();
        let mut child = command.spawn().map_err(|e| BootError::Spawn {
            path: executable.clone(),
            message: e.to_string(),
        })?;
        self.pid = child.id();
        let (tx, rx) = oneshot::channel();
        self.boot = Some(tx);
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = futures::stream::unfold(
                BufReader::new(stream).lines(),
                move |mut lines| async move {
                    lines
                        .next_line()
                        .await
                        .ok()
                        .flatten()
                        .map(|l| (Line(generation, l), lines))
                },
            );
            ctx.add_message_stream(lines.boxed_local());
        }
        ctx.spawn(
            async move { child.wait().await }
                .into_actor(self)
                .map(move |status, act, _| {
                    if act.generation != generation {
                        return;
                    }
                    let info = match status {
                        Ok(status) => ExitInfo::from_status(status),
                        Err(_) => ExitInfo::UNKNOWN,
                    };
                    act.on_exit(info);
                }),
        );
        Ok(rx)
    }
}

/// One line the child printed.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct Line(u32, String);

impl Handler<Line> for ProcessActor {
    type Result = ();

    fn handle(&mut self, line: Line, _: &mut Self::Context) {
        if line.0 == self.generation {
            self.on_line(line.1);
        }
    }
}

/// Stop the process: wait `grace` for it to exit by itself (after `/quit`), then SIGTERM, then
/// SIGKILL, each bounded by `grace`; then stop a JACK server this actor started, or hand it back
/// with `keep_jack`. A process that is already gone costs no wait at all.
#[derive(Debug, Message)]
#[rtype(result = "Stopped")]
pub struct Shutdown {
    /// Bound for each stage.
    pub grace: Duration,
    /// Hand back the dummy JACK server instead of stopping it, for the next process.
    pub keep_jack: bool,
}

/// What a [`Shutdown`] found.
#[derive(Debug, Default)]
pub struct Stopped {
    /// The exit, if seen.
    pub exit: Option<ExitInfo>,
    /// The dummy JACK server, when it was to be kept.
    pub jack: Option<StartedJack>,
}

impl Handler<Shutdown> for ProcessActor {
    type Result = ResponseActFuture<Self, Stopped>;

    fn handle(&mut self, msg: Shutdown, ctx: &mut Self::Context) -> Self::Result {
        let mut exit = self.exit.subscribe();
        let pid = self.pid;
        let jack = self.jack.take();
        if let Some(watch) = self.jack_watch.take() {
            ctx.cancel_future(watch);
        }
        let Shutdown { grace, keep_jack } = msg;
        let span = self.span.clone();
        Box::pin(
            async move {
                let wait = |exit: &mut watch::Receiver<Option<ExitInfo>>| {
                    let mut exit = exit.clone();
                    async move {
                        tokio::time::timeout(grace, exit.wait_for(Option::is_some))
                            .await
                            .ok()
                            .and_then(|r| r.ok().map(|v| v.clone()))
                            .flatten()
                    }
                };
                // Never spawned (a boot that failed before it): nothing to wait for.
                let mut result = match pid {
                    Some(_) => wait(&mut exit).await,
                    None => None,
                };
                for signal in [Signal::SIGTERM, Signal::SIGKILL] {
                    if result.is_some() || pid.is_none() {
                        break;
                    }
                    if let Some(pid) = pid {
                        tracing::warn!(%signal, "scsynth did not exit; signalling");
                        child::signal(pid, signal);
                    }
                    result = wait(&mut exit).await;
                }
                let jack = match jack {
                    Some(jack) if !keep_jack => {
                        jack.stop(grace).await;
                        None
                    }
                    jack => jack,
                };
                Stopped { exit: result, jack }
            }
            .instrument(span)
            .into_actor(self),
        )
    }
}

/// Send a signal to the process (for tests and fault handling).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Kill(pub Signal);

impl Handler<Kill> for ProcessActor {
    type Result = ();

    fn handle(&mut self, msg: Kill, _: &mut Self::Context) {
        self.signal(msg.0);
    }
}

/// The pids of the process and of a JACK server it started.
#[derive(Debug, Message)]
#[rtype(result = "(Option<u32>, Option<u32>)")]
pub struct Pids;

impl Handler<Pids> for ProcessActor {
    type Result = MessageResult<Pids>;

    fn handle(&mut self, _: Pids, _: &mut Self::Context) -> Self::Result {
        MessageResult((self.pid, self.jack.as_ref().and_then(StartedJack::pid)))
    }
}

impl ProcessActor {
    /// The server name, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }
}
