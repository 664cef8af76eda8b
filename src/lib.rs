//! Boot, supervise and drive SuperCollider synthesis servers (`scsynth`) from Rust.
//!
//! [`AsyncServer`] has async methods and embeds in actix or tokio programs; [`Server`] is the
//! same server behind blocking calls. Both drive one actor core (`scserver-actors`): a process
//! actor, an OSC socket actor, a reply router, an allocator actor and the server's state machine,
//! which publishes [`LifecycleEvent`]s in supriya's order.
//!
//! ```no_run
//! use scserver::{JackMode, Options, Server};
//! let server = Server::new(Options { jack: JackMode::Shared, ..Options::default() });
//! server.boot().unwrap();
//! println!("default group {:?}", server.default_group());
//! server.quit().unwrap();
//! ```

#![warn(missing_docs)]
// Only the shared-memory mapping (`shm::map`) may use `unsafe`.
#![deny(unsafe_code)]

mod async_server;
mod blocking;
mod callbacks;
pub mod config;
mod context;
mod deferred;
mod failures;
mod meters;
pub mod objects;
pub mod probe;
mod queries;
mod record;
mod runtime;
mod server;
mod session;
mod shm;
mod supervisor;
mod volume;

/// The SynthDef compiler (the `scserver-synthdef` crate): build UGen graphs in Rust and send
/// them with [`AsyncServer::add_synthdefs`].
pub use scserver_synthdef as synthdef;

pub use async_server::AsyncServer;
pub use callbacks::{Delivery, Subscription};
pub use config::{Config, ConfigError, HttpConfig, ServerConfig};
pub use context::RequestContext;
pub use meters::{Level, MeterReading, MeterSource, Meters};
pub use objects::{Buffer, BufferGroup, BufferSource, Bus, BusGroup, Group, Synth, SynthDefRef};
pub use record::{EndReason, RecordError, RecordOptions, Recording, RecordingEnded};
pub use scserver_actors::allocator::IdKind;
pub use scserver_actors::error::{BootError, RequestError, ServerError};
pub use scserver_actors::render::{
    Canceller, Commands, Render, RenderError, RenderEvent, RenderJob, RenderReport,
};
pub use scserver_actors::router::OscReceived;
pub use scserver_actors::router::UnclaimedFailure;
pub use scserver_actors::server::notifications::FailureSink;
pub use scserver_actors::server::request::Expectation;
pub use scserver_actors::server::{LifecycleNotice, ProcessSignal, ServerState, Status};
pub use scserver_actors::supervisor::{ChildInfo, Phase, SupervisionError, SupervisionNotice};
pub use scserver_actors::{ServerActor, SupervisorActor};
pub use scserver_core::alloc::AllocError;
pub use scserver_core::command::{AddAction, Command, Control, Value};
pub use scserver_core::command::{CommandSpec, Reply as CommandReply};
pub use scserver_core::controls;
pub use scserver_core::controls::{ControlInput, Controls, UnknownControl};
pub use scserver_core::ids::{BufferId, BusId, GroupId, NodeId, Rate, SynthId};
pub use scserver_core::nrt::RenderSettings;
/// The commands beyond one row of [`Command`], built and checked once: their argument types.
pub use scserver_core::ops;
pub use scserver_core::ops::buffer::{
    BufferCopy, FileAfter, FileRead, FileWrite, GenFlag, GenFlags, Layout, Waveform,
};
pub use scserver_core::ops::completion::{Completion, OnCompletion, Then};
pub use scserver_core::options::{RestartPolicy, SafetyClip};
pub use scserver_core::position::Position;
pub use scserver_core::reply::{BufferInfo, ControlValue, NodeInfo, StatusInfo, VersionInfo};
pub use scserver_core::score::{Score, ScoreError};
pub use scserver_core::shm::LayoutError;
pub use scserver_core::soundfile::{HeaderError, HeaderFormat, SampleFormat, UnknownFormat};
pub use scserver_core::supervision::SupervisionEvent;
pub use scserver_core::tree::Walk;
pub use scserver_core::tree::{QueryTreeControl, QueryTreeGroup, QueryTreeNode, QueryTreeSynth};
pub use scserver_core::validate::InvalidArgument;
pub use scserver_core::{JackMode, LifecycleEvent, Options, OptionsError, Pattern, Protocol};
pub use scserver_synthdef::SynthDef;
pub use server::Server;
pub use shm::{
    Access, FrequencyScale, Scope, ScopeFrame, ScopeInput, SharedMemory, SharedMemoryError,
};
pub use supervisor::{Hook, LifecycleFn, ServerSupervisor};
pub use volume::Volume;

/// OSC types, re-exported from `rosc` so callers need no direct dependency.
pub mod osc {
    pub use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
}

// The README's examples compile as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
