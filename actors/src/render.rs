//! Non-realtime rendering: `scsynth -N` as a child process, its progress as events, its failures
//! as typed errors, cancellable, never left running.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use scserver_core::nrt::{self, NrtFile, NrtLine, RenderSettings};
use scserver_core::score::{self, Score, ScoreError};
use scserver_core::Options;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Child;
use tokio::sync::Notify;

use crate::error::{output_tail, BootError};
use crate::process::find_executable;
use crate::sys::child::{self, ExitInfo};

/// How many output lines are kept for error reports.
const TAIL_LINES: usize = 20;

/// What to render.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Commands {
    /// A score, written to a temporary command file for the render's duration.
    Score(Score),
    /// An existing command file (size-prefixed OSC bundles in time order).
    File(PathBuf),
}

/// One render: commands, files, format and the server options that apply.
#[derive(Debug, Clone)]
pub struct RenderJob {
    /// The commands.
    pub commands: Commands,
    /// A sound file that plays on the input buses; silence when `None`.
    pub input: Option<PathBuf>,
    /// The sound file to write.
    pub output: PathBuf,
    /// Sample rate, header and sample format of the output.
    pub settings: RenderSettings,
    /// Channel counts (`output_bus_channel_count` is the output file's), block size, buffers
    /// and the other engine options; network and device options are ignored.
    pub options: Options,
    /// The longest the render may take before it is stopped; `None` waits as long as it runs.
    pub timeout: Option<Duration>,
}

impl RenderJob {
    /// A render of `commands` into `output` with the default settings and options.
    pub fn new(commands: Commands, output: impl Into<PathBuf>) -> Self {
        RenderJob {
            commands,
            input: None,
            output: output.into(),
            settings: RenderSettings::default(),
            options: Options::default(),
            timeout: None,
        }
    }
}

/// What a render reports while it runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RenderEvent {
    /// scsynth has reached `seconds` of `duration`.
    Progress {
        /// Seconds rendered (the time of the bundle scsynth just read).
        seconds: f64,
        /// The render's length.
        duration: f64,
    },
    /// A command failed; scsynth goes on, and the render ends with the first such error.
    Failure(RenderError),
}

/// A finished render.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderReport {
    /// The sound file written.
    pub output: PathBuf,
    /// Its length in seconds (before rounding up to a whole control block).
    pub duration: f64,
    /// How long scsynth took, from spawn to exit.
    pub elapsed: Duration,
}

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The score cannot become a command file, or the command file is damaged.
    #[error("{0}")]
    Score(#[from] ScoreError),
    /// scsynth could not be found or started.
    #[error("{0}")]
    Start(String),
    /// A file of ours could not be read or written.
    #[error("cannot access {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// scsynth could not open the command file.
    #[error("scsynth cannot open the command file {path}: check that it exists and is readable")]
    CommandFile {
        /// The command file.
        path: PathBuf,
    },
    /// scsynth could not open the input sound file.
    #[error("scsynth cannot open the input file {path}: check that it exists and is a sound file")]
    InputFile {
        /// The input file.
        path: PathBuf,
    },
    /// scsynth could not create the output sound file.
    #[error(
        "scsynth cannot write {path}: check that its directory exists and is writable, and that \
         libsndfile writes {header} files with {sample} samples"
    )]
    OutputFile {
        /// The output file.
        path: PathBuf,
        /// Its header format.
        header: String,
        /// Its sample format.
        sample: String,
    },
    /// scsynth found something other than OSC bundles in the command file.
    #[error("scsynth cannot read the command file {path} ({message}): it must hold size-prefixed OSC bundles")]
    BadCommandFile {
        /// The command file.
        path: PathBuf,
        /// scsynth's words.
        message: String,
    },
    /// An `/s_new` named a SynthDef that was not defined before it.
    #[error("SynthDef `{name}` not found at {time} s: add its /d_recv (or /d_load) before the /s_new that uses it")]
    SynthDefNotFound {
        /// The SynthDef's name.
        name: String,
        /// Seconds into the render.
        time: f64,
    },
    /// Another command failed.
    #[error("{command} failed at {time} s: {message}")]
    CommandFailed {
        /// The command's address.
        command: String,
        /// scsynth's words.
        message: String,
        /// Seconds into the render.
        time: f64,
    },
    /// scsynth ended abnormally for a reason it did not print.
    #[error("scsynth -N ended with {status}{}", output_tail(.output))]
    Exit {
        /// How it ended.
        status: String,
        /// The last lines it printed.
        output: Vec<String>,
    },
    /// The render took longer than its timeout; scsynth was stopped.
    #[error("the render took longer than {0:?} and was stopped; raise the timeout")]
    Timeout(Duration),
    /// The render was cancelled; scsynth was stopped and the output is incomplete.
    #[error("the render of {path} was cancelled; the file is incomplete")]
    Cancelled {
        /// The output file.
        path: PathBuf,
    },
}

impl From<BootError> for RenderError {
    fn from(e: BootError) -> Self {
        RenderError::Start(e.to_string())
    }
}

/// Stops a running render from anywhere; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Canceller(Arc<Notify>);

impl Canceller {
    /// Stops the render: scsynth is killed and the render ends with [`RenderError::Cancelled`].
    /// Works before the render is awaited too.
    pub fn cancel(&self) {
        self.0.notify_one();
    }
}

/// A command file of ours that lives as long as the render.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A running `scsynth -N`. Dropping it kills scsynth.
pub struct Render {
    child: Child,
    lines: std::pin::Pin<Box<dyn Stream<Item = String> + Send>>,
    job: RenderJob,
    command_file: PathBuf,
    duration: f64,
    canceller: Canceller,
    started: Instant,
    _temp: Option<TempFile>,
}

impl std::fmt::Debug for Render {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Render")
            .field("pid", &self.child.id())
            .field("output", &self.job.output)
            .field("duration", &self.duration)
            .finish()
    }
}

impl Render {
    /// Writes the command file (for a score) and starts scsynth. Call it inside a tokio
    /// runtime, from the thread that will run the render: scsynth is killed if that thread ends.
    pub fn start(job: RenderJob) -> Result<Render, RenderError> {
        let (command_file, duration, temp) = match &job.commands {
            Commands::Score(score) => {
                let bytes = score.to_bytes(job.settings.sample_rate, job.options.block_size)?;
                let path = temp_path();
                std::fs::write(&path, bytes).map_err(|e| io_error(&path, e))?;
                (path.clone(), score.duration(), Some(TempFile(path)))
            }
            Commands::File(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|_| RenderError::CommandFile { path: path.clone() })?;
                let times = score::bundle_times(&bytes)?;
                (path.clone(), times.last().copied().unwrap_or(0.0), None)
            }
        };
        let executable = find_executable(&job.options)?;
        let supernova = scserver_core::options::is_supernova(&executable);
        let args = nrt::render_args(
            &command_file,
            job.input.as_deref(),
            &job.output,
            &job.settings,
            &job.options,
            supernova,
        );
        let mut command = child::watched(&executable, &args);
        tracing::info!(executable = %executable.display(), ?args, "rendering");
        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| BootError::Spawn {
            path: executable.clone(),
            message: e.to_string(),
        })?;
        let stdout = child.stdout.take().map(lines);
        let stderr = child.stderr.take().map(lines);
        let lines = futures::stream::select(
            stdout.unwrap_or_else(|| futures::stream::empty().boxed()),
            stderr.unwrap_or_else(|| futures::stream::empty().boxed()),
        )
        .boxed();
        Ok(Render {
            child,
            lines,
            job,
            command_file,
            duration,
            canceller: Canceller::default(),
            started,
            _temp: temp,
        })
    }

    /// scsynth's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The render's length in seconds.
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// A handle that cancels this render.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// Runs the render to its end, handing each event to `on_event`. Returns the first failure
    /// scsynth reported, even when it went on rendering after it.
    pub async fn run(
        mut self,
        mut on_event: impl FnMut(RenderEvent),
    ) -> Result<RenderReport, RenderError> {
        let mut tail = VecDeque::with_capacity(TAIL_LINES);
        let mut time = 0.0;
        let mut first_failure = None;
        let mut fatal = None;
        let mut status = None;
        let mut output_open = true;
        let notify = self.canceller.0.clone();
        let deadline = self.job.timeout.map(|t| tokio::time::Instant::now() + t);
        let timeout = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(timeout);
        while output_open || status.is_none() {
            tokio::select! {
                _ = notify.notified() => {
                    self.stop().await;
                    return Err(RenderError::Cancelled { path: self.job.output.clone() });
                }
                _ = &mut timeout => {
                    self.stop().await;
                    return Err(RenderError::Timeout(self.job.timeout.unwrap_or_default()));
                }
                line = self.lines.next(), if output_open => match line {
                    None => output_open = false,
                    Some(line) => {
                        tracing::debug!(target: "scsynth", "{line}");
                        match self.classify(&line, time) {
                            Classified::Progress(seconds) => {
                                time = seconds;
                                on_event(RenderEvent::Progress { seconds, duration: self.duration });
                            }
                            Classified::Failure(error) => {
                                tracing::warn!(%error, "render command failed");
                                on_event(RenderEvent::Failure(error.clone()));
                                first_failure.get_or_insert(error);
                            }
                            Classified::Fatal(error) => { fatal.get_or_insert(error); }
                            Classified::Info => {}
                        }
                        if tail.len() == TAIL_LINES {
                            tail.pop_front();
                        }
                        tail.push_back(line);
                    }
                },
                exit = self.child.wait(), if status.is_none() => {
                    status = Some(exit.map_err(|e| io_error(&self.command_file, e))?);
                }
            }
        }
        let elapsed = self.started.elapsed();
        let status = status.map(ExitInfo::from_status);
        tracing::info!(status = ?status, ?elapsed, "render ended");
        if let Some(error) = fatal {
            return Err(error);
        }
        match status {
            Some(ExitInfo { code: Some(0), .. }) => {}
            other => {
                return Err(RenderError::Exit {
                    status: other.map_or_else(|| "unknown status".into(), |s| s.to_string()),
                    output: tail.into(),
                })
            }
        }
        if let Some(error) = first_failure {
            return Err(error);
        }
        Ok(RenderReport {
            output: self.job.output.clone(),
            duration: self.duration,
            elapsed,
        })
    }

    /// Kills scsynth and reaps it; SIGKILL cannot be ignored, so the wait ends.
    async fn stop(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    fn classify(&self, line: &str, time: f64) -> Classified {
        let job = &self.job;
        match nrt::classify(line) {
            NrtLine::Progress(seconds) => Classified::Progress(seconds),
            NrtLine::SynthDefNotFound(name) => {
                Classified::Failure(RenderError::SynthDefNotFound { name, time })
            }
            NrtLine::CommandFailed { command, message } => {
                Classified::Failure(RenderError::CommandFailed {
                    command,
                    message,
                    time,
                })
            }
            NrtLine::CannotOpen(NrtFile::Commands) => Classified::Fatal(RenderError::CommandFile {
                path: self.command_file.clone(),
            }),
            NrtLine::CannotOpen(NrtFile::Input) => Classified::Fatal(RenderError::InputFile {
                path: job.input.clone().unwrap_or_default(),
            }),
            NrtLine::CannotOpen(NrtFile::Output) => Classified::Fatal(RenderError::OutputFile {
                path: job.output.clone(),
                header: job.settings.header_format.to_string(),
                sample: job.settings.sample_format.to_string(),
            }),
            NrtLine::BadCommandFile(message) => Classified::Fatal(RenderError::BadCommandFile {
                path: self.command_file.clone(),
                message,
            }),
            NrtLine::Info => Classified::Info,
        }
    }
}

enum Classified {
    Progress(f64),
    Failure(RenderError),
    Fatal(RenderError),
    Info,
}

fn lines(
    stream: impl AsyncRead + Unpin + Send + 'static,
) -> std::pin::Pin<Box<dyn Stream<Item = String> + Send>> {
    futures::stream::unfold(BufReader::new(stream).lines(), |mut lines| async move {
        lines.next_line().await.ok().flatten().map(|l| (l, lines))
    })
    .boxed()
}

fn temp_path() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("scserver-score-{}-{n}.osc", std::process::id()))
}

fn io_error(path: &Path, e: std::io::Error) -> RenderError {
    RenderError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}
