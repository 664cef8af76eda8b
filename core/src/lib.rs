//! The pure core of scserver: everything that can be decided without a socket, a process or a
//! runtime. Options become command lines, requests become OSC, replies become typed values,
//! and ids come from allocators — all testable without scsynth. SynthDefs are compiled by the
//! `scserver-synthdef` crate.

#![warn(missing_docs)]

pub mod alloc;
pub mod bundle;
pub mod coalesce;
pub mod command;
pub mod controls;
pub mod fifo;
pub mod ids;
pub mod jack;
pub mod levels;
pub mod lifecycle;
pub mod login;
pub mod mirror;
pub mod nrt;
pub mod ops;
pub mod options;
pub mod output;
pub mod pattern;
pub mod permanent;
pub mod position;
pub mod reload;
pub mod replay;
pub mod reply;
pub mod score;
pub mod sent_defs;
pub mod shm;
pub mod soundfile;
pub mod stale;
pub mod supervision;
pub mod timetag;
pub mod tree;
pub mod validate;
pub mod value;

pub use jack::JackMode;
pub use lifecycle::LifecycleEvent;
pub use options::{Options, OptionsError, Protocol};
pub use pattern::Pattern;
