//! The actors of scserver. Each owns one kind of state or I/O and calls into `scserver-core` for
//! every decision that needs no I/O:
//!
//! - [`ProcessActor`]: the scsynth child (and a dummy JACK server it started), its output;
//! - [`OscActor`]: the UDP socket and the server's address;
//! - [`RouterActor`]: requests waiting for replies, and OSC callbacks;
//! - [`AllocatorActor`]: node, bus, buffer and sync ids of one client;
//! - [`ServerActor`]: the lifecycle state machine that composes the four;
//! - [`SupervisorActor`]: many servers, restart policies and backoff, one-for-one.

#![warn(missing_docs)]
// Only `sys::child` may use `unsafe` (the parent-death signal, between fork and exec).
#![deny(unsafe_code)]

pub mod allocator;
pub mod error;
pub mod heard;
pub mod jack;
pub mod listeners;
pub mod osc;
pub mod process;
pub mod render;
pub mod router;
pub mod server;
pub mod stale;
pub mod supervisor;
pub mod sys;

pub use allocator::AllocatorActor;
pub use error::{BootError, RequestError, ServerError};
pub use osc::OscActor;
pub use process::ProcessActor;
pub use router::RouterActor;
pub use server::ServerActor;
pub use supervisor::SupervisorActor;
