//! Recording what a server plays into a sound file, as sclang's `Recorder` does: a buffer
//! streamed to disk (`/b_write` with leave-open), a `DiskOut` synth at the tail of the root group
//! reading the buses, and `/n_free`, `/b_close`, `/b_free` to finish.
//!
//! A recording with a duration stops itself by sample time: its synth runs a `Line` that frees
//! it after that many frames of recording (time paused does not count), so the file holds the
//! duration within one control block whatever the client's timing. The file is closed as soon
//! as the synth's `/n_end` arrives.
//!
//! Every recording ends with a [`RecordingEnded`] notice. When the server process goes away with
//! a file still open (a crash, a hang killed by the supervisor, a quit or reboot the client did
//! not start), the file's header is repaired from its length so that it is readable.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use rosc::OscPacket;
use scserver_actors::allocator::Free;
use scserver_actors::listeners::{Callback, Listeners};
use scserver_actors::server::request::{encode, Send};
use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command};
use scserver_core::soundfile::{HeaderFormat, SampleFormat};
use scserver_core::{LifecycleEvent, Pattern};
use scserver_synthdef::ugens::{DiskOut, In, Line};
use scserver_synthdef::SynthDefBuilder;
use tokio::sync::watch;

mod registry;

use registry::Inner;
pub(crate) use registry::Recordings;
pub use registry::{EndReason, RecordingEnded};

use crate::objects::Face;
use crate::{AsyncServer, IdKind, Server, Subscription};

/// Why a recording could not start or finish.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The options cannot make a recording.
    #[error(
        "a recording needs at least one channel and a power-of-two buffer_frames, not \
         {channels} channels and {frames} frames"
    )]
    InvalidOptions {
        /// `RecordOptions::channels`.
        channels: u32,
        /// `RecordOptions::buffer_frames`.
        frames: u32,
    },
    /// A timed recording had not ended within the bound.
    #[error("the recording of {path} had not ended after {timeout:?}; stop() it, or wait longer")]
    NotFinished {
        /// The file.
        path: PathBuf,
        /// The bound that passed.
        timeout: Duration,
    },
    /// A blocking wait could not get a timer.
    #[error("cannot start a timer for the wait: {0}")]
    Timer(String),
    /// The server refused a step or is gone.
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// What to record and how to store it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOptions {
    /// Channels to record, from `bus` on.
    pub channels: u32,
    /// The first audio bus to record (0: the first hardware output).
    pub bus: i32,
    /// The file's container.
    pub header_format: HeaderFormat,
    /// How samples are stored.
    pub sample_format: SampleFormat,
    /// Stop by itself after this much recorded sound (pauses excluded); `None` records until
    /// [`Recording::stop`].
    pub duration: Option<Duration>,
    /// Frames of the disk buffer, a power of two; larger ones survive slower disks.
    pub buffer_frames: u32,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            channels: 2,
            bus: 0,
            header_format: HeaderFormat::Wav,
            sample_format: SampleFormat::Float,
            duration: None,
            buffer_frames: 65_536,
        }
    }
}

/// The recorder SynthDef for `channels` channels: `DiskOut.ar(buffer, In.ar(bus, channels))`,
/// ended by a `Line` after `duration` seconds when `timed`.
fn recorder_def(channels: u32, timed: bool) -> (String, Vec<u8>) {
    let name = format!(
        "scserver_recorder_{channels}{}",
        if timed { "_timed" } else { "" }
    );
    let b = SynthDefBuilder::new(&name);
    let (buffer, bus) = (b.ir("buffer", 0.0), b.ir("bus", 0.0));
    let source = In::ar(&b).bus(bus).channels(channels).finish();
    DiskOut::ar(&b).buffer_id(buffer).source(source).finish();
    if timed {
        let duration = b.ir("duration", 1.0);
        Line::kr(&b).duration(duration).done_action(2.0).finish();
    }
    let def = b.build().expect("the recorder graph is well formed");
    (name, def.compile())
}

/// A recording in progress (see [`AsyncServer::record`]). From a [`Server`] its methods block.
#[derive(Clone)]
pub struct Recording<S = AsyncServer> {
    server: S,
    inner: Arc<Inner>,
}

impl<S: Face> std::fmt::Debug for Recording<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("path", &self.inner.path)
            .field("node_id", &self.inner.node_id)
            .field("buffer_id", &self.inner.buffer_id)
            .finish()
    }
}

impl<S: Face> Recording<S> {
    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The recorder synth's node id.
    pub fn node_id(&self) -> i32 {
        self.inner.node_id
    }

    /// Whether the recording has ended and its file is closed (or repaired after its server
    /// died).
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }
}

impl AsyncServer {
    /// Starts following the lifecycle for recordings (once, when the server is made).
    /// Follows the server's lifecycle: once its process is gone, every file still open is
    /// repaired and its recording ended.
    pub(crate) fn follow_recordings(&self) {
        let recordings = self.recordings().clone();
        let events = [
            LifecycleEvent::Booting,
            LifecycleEvent::OscPanicked,
            LifecycleEvent::ProcessPanicked,
            LifecycleEvent::Quit,
        ];
        self.register_lifecycle_callback(events, move |notice| match notice.event {
            LifecycleEvent::Booting => recordings.died.store(false, Ordering::Relaxed),
            LifecycleEvent::Quit => {
                let died = recordings.died.swap(false, Ordering::Relaxed);
                let reason = if died {
                    EndReason::ServerDied
                } else {
                    EndReason::ServerQuit
                };
                recordings.end_all(reason);
            }
            _ => recordings.died.store(true, Ordering::Relaxed),
        })
        .detach();
    }

    /// Ends every recording of a process a standby replaced: its recorder synth died with it.
    pub(crate) fn end_recordings_of_replaced_process(&self) {
        self.recordings().died.store(false, Ordering::Relaxed);
        self.recordings().end_all(EndReason::ServerDied);
    }

    /// Stops every recording still open, for `reason` (failures are logged: the server is going
    /// anyway).
    pub(crate) async fn close_recordings(&self, reason: EndReason) {
        for inner in self.recordings().snapshot() {
            inner.intend(reason);
            let recording = Recording {
                server: self.clone(),
                inner,
            };
            if let Err(error) = recording.stop().await {
                tracing::warn!(path = %recording.path().display(), %error, "could not close a recording");
            }
        }
    }

    /// Calls `procedure` with each recording that ends from now on, on the thread that ended it
    /// (it must not block), until the returned [`Subscription`] is dropped.
    pub fn on_recording_ended(
        &self,
        procedure: impl FnMut(&RecordingEnded) + std::marker::Send + 'static,
    ) -> Subscription {
        let id = self.next_id();
        self.recording_listeners(|l| l.add(Callback::every(id, Box::new(procedure))));
        self.recording_subscription(id)
    }

    /// Sends a [`RecordingEnded`] to `recipient` for each recording that ends from now on, until
    /// the returned [`Subscription`] is dropped.
    pub fn subscribe_recordings(&self, recipient: Recipient<RecordingEnded>) -> Subscription {
        let id = self.next_id();
        self.recording_listeners(|l| l.subscribe(id, recipient));
        self.recording_subscription(id)
    }

    fn recording_listeners<T>(&self, f: impl FnOnce(&mut Listeners<RecordingEnded>) -> T) -> T {
        f(&mut self.recordings().listeners.lock().expect("listeners lock"))
    }

    fn recording_subscription(&self, id: u64) -> Subscription {
        let recordings = Arc::downgrade(self.recordings());
        Subscription::new(move || {
            if let Some(recordings) = recordings.upgrade() {
                recordings
                    .listeners
                    .lock()
                    .expect("listeners lock")
                    .remove(id);
            }
        })
    }
}

/// `/b_close` then `/b_free` of the recording's buffer.
fn close_commands(buffer_id: i32) -> [Command; 2] {
    [
        Command::BClose {
            buffer_id,
            completion: vec![],
        },
        Command::BFree {
            buffer_id,
            completion: vec![],
        },
    ]
}

impl Recording<AsyncServer> {
    /// Pauses recording (`/n_run 0`); nothing is written until [`resume`](Self::resume).
    pub async fn pause(&self) -> Result<(), ServerError> {
        self.run(false).await
    }

    /// Resumes a paused recording.
    pub async fn resume(&self) -> Result<(), ServerError> {
        self.run(true).await
    }

    async fn run(&self, running: bool) -> Result<(), ServerError> {
        let command = Command::NRun {
            items: vec![(self.inner.node_id, running)],
        };
        self.server.execute(command).await.map(drop)
    }

    /// Stops: frees the synth, closes the file (complete and readable when this returns) and
    /// frees the buffer. Stopping a closed recording does nothing.
    pub async fn stop(&self) -> Result<PathBuf, ServerError> {
        self.inner.intend(EndReason::Stopped);
        // Their ends reach the router before anything this stop sends.
        self.inner.callbacks.lock().expect("callbacks").clear();
        if self.is_closed() {
            return Ok(self.inner.path.clone());
        }
        if self
            .server
            .contains_node(scserver_core::ids::NodeId::new(self.inner.node_id))
        {
            let free = Command::NFree {
                node_ids: vec![self.inner.node_id],
            };
            self.server.execute(free).await?;
        }
        for command in close_commands(self.inner.buffer_id) {
            self.server.execute(command).await?;
        }
        self.server.free(IdKind::Buffer, self.inner.buffer_id);
        let recordings = self.server.recordings();
        recordings.end(&self.inner, EndReason::Stopped, false);
        Ok(self.inner.path.clone())
    }

    /// Waits (at most `timeout`) until the recording has ended (a timed one by itself) and its
    /// file is closed, then answers its path.
    pub async fn finished(&self, timeout: Duration) -> Result<PathBuf, RecordError> {
        let mut closed = self.inner.closed.clone();
        let wait = closed.wait_for(|closed| *closed);
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return Err(ServerError::ActorGone.into()),
            Err(_) => {
                return Err(RecordError::NotFinished {
                    path: self.inner.path.clone(),
                    timeout,
                })
            }
        }
        Ok(self.inner.path.clone())
    }
}

impl AsyncServer {
    /// Starts recording `options.channels` buses from `options.bus` into `path` (a path on the
    /// server's machine): a buffer of `buffer_frames`, `/b_write` with leave-open, and a
    /// `DiskOut` synth at the tail of the root group.
    pub async fn record(
        &self,
        path: impl Into<PathBuf>,
        options: RecordOptions,
    ) -> Result<Recording, RecordError> {
        let path = path.into();
        if !options.buffer_frames.is_power_of_two() || options.channels == 0 {
            return Err(RecordError::InvalidOptions {
                channels: options.channels,
                frames: options.buffer_frames,
            });
        }
        let duration = options.duration.map(|d| d.as_secs_f64());
        let (synthdef, data) = recorder_def(options.channels, duration.is_some());
        self.add_synthdef_bytes(data).await?;
        let buffer_id = self.allocate(IdKind::Buffer, 1).await?;
        let prepared = self.prepare_file(&path, buffer_id, &options).await;
        if let Err(e) = prepared {
            self.free(IdKind::Buffer, buffer_id);
            return Err(e.into());
        }
        let node_id = self.allocate(IdKind::Node, 1).await?;
        let (closer, closed) = watch::channel(false);
        let inner = Arc::new(Inner {
            path,
            node_id,
            buffer_id,
            header_format: options.header_format,
            frame_bytes: options.sample_format.bytes() * u64::from(options.channels),
            closed,
            closer,
            reason: Mutex::new(None),
            callbacks: Mutex::new(Vec::new()),
        });
        let callbacks = self.watch_end(&inner, duration.is_some())?;
        *inner.callbacks.lock().expect("callbacks") = callbacks;
        let mut controls = vec![
            ("buffer".into(), buffer_id.into()),
            ("bus".into(), options.bus.into()),
        ];
        if let Some(seconds) = duration {
            controls.push(("duration".into(), seconds.into()));
        }
        let start = Command::SNew {
            synthdef,
            node_id,
            add_action: AddAction::AddToTail,
            target: 0,
            controls,
        };
        let recording = Recording {
            server: self.clone(),
            inner,
        };
        self.recordings().add(&recording.inner);
        if let Err(e) = self.execute(start).await {
            let _ = recording.stop().await;
            return Err(e.into());
        }
        Ok(recording)
    }

    /// When the synth ends without `stop` (its duration reached, freed by a reset), closes the
    /// file; once scsynth says it is closed, the recording has ended.
    fn watch_end(&self, inner: &Arc<Inner>, timed: bool) -> Result<Vec<Subscription>, ServerError> {
        let buffer_id = inner.buffer_id;
        let close = close_commands(buffer_id)
            .iter()
            .map(|c| encode(&OscPacket::Message(c.to_message())))
            .collect::<Result<Vec<_>, _>>()?;
        let reason = if timed {
            EndReason::DurationReached
        } else {
            EndReason::SynthFreed
        };
        let (actor, ending) = (self.actor(), inner.clone());
        let on_end = self.register_osc_callback_with(
            Pattern::new("/n_end").arg(inner.node_id),
            None,
            crate::Delivery::Once,
            move |_| {
                ending.intend(reason);
                actor.do_send(Send(close.clone()));
                actor.do_send(Free {
                    kind: IdKind::Buffer,
                    id: buffer_id,
                });
            },
        );
        let (recordings, ended) = (self.recordings().clone(), inner.clone());
        let on_closed = self.register_osc_callback_with(
            Pattern::new("/done").arg("/b_close").arg(buffer_id),
            None,
            crate::Delivery::Once,
            move |_| recordings.end(&ended, reason, false),
        );
        Ok(vec![on_end, on_closed])
    }

    async fn prepare_file(
        &self,
        path: &Path,
        buffer_id: i32,
        options: &RecordOptions,
    ) -> Result<(), ServerError> {
        let alloc = Command::BAlloc {
            buffer_id,
            frames: options.buffer_frames as i32,
            channels: options.channels as i32,
            completion: vec![],
        };
        self.execute(alloc).await?;
        let write = Command::BWrite {
            buffer_id,
            path: path.to_string_lossy().into_owned(),
            header_format: options.header_format.to_string(),
            sample_format: options.sample_format.to_string(),
            frames: 0,
            start_frame: 0,
            leave_open: true,
            completion: vec![],
        };
        if let Err(e) = self.execute(write).await {
            let free = Command::BFree {
                buffer_id,
                completion: vec![],
            };
            let _ = self.execute(free).await;
            return Err(e);
        }
        Ok(())
    }
}

impl Server {
    /// Starts recording (see [`AsyncServer::record`]).
    pub fn record(
        &self,
        path: impl Into<PathBuf>,
        options: RecordOptions,
    ) -> Result<Recording<Server>, RecordError> {
        let recording = futures::executor::block_on(self.as_async().record(path, options))?;
        Ok(Recording {
            server: self.clone(),
            inner: recording.inner,
        })
    }

    /// Calls `procedure` each time a recording of this server ends (see
    /// [`AsyncServer::on_recording_ended`]).
    pub fn on_recording_ended(
        &self,
        procedure: impl FnMut(&RecordingEnded) + std::marker::Send + 'static,
    ) -> Subscription {
        self.as_async().on_recording_ended(procedure)
    }

    /// Sends a [`RecordingEnded`] to `recipient` each time a recording of this server ends (see
    /// [`AsyncServer::subscribe_recordings`]).
    pub fn subscribe_recordings(&self, recipient: Recipient<RecordingEnded>) -> Subscription {
        self.as_async().subscribe_recordings(recipient)
    }
}

impl Recording<Server> {
    fn to_async(&self) -> Recording<AsyncServer> {
        Recording {
            server: self.server.as_async().clone(),
            inner: self.inner.clone(),
        }
    }

    /// Pauses recording (`/n_run 0`).
    pub fn pause(&self) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().pause())
    }

    /// Resumes a paused recording.
    pub fn resume(&self) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().resume())
    }

    /// Stops and closes the file (see [`Recording::stop`]).
    pub fn stop(&self) -> Result<PathBuf, ServerError> {
        futures::executor::block_on(self.to_async().stop())
    }

    /// Waits for a timed recording to end by itself (see [`Recording::finished`]).
    pub fn finished(&self, timeout: Duration) -> Result<PathBuf, RecordError> {
        // The bound needs a timer, and a blocking caller has no runtime of its own.
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| RecordError::Timer(e.to_string()))?
            .block_on(self.to_async().finished(timeout))
    }
}
