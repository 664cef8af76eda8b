//! SynthDefs in Rust: a UGen graph builder and an SCgf version 2 compiler whose output is
//! byte for byte what supriya compiles for the same graph.
//!
//! ```
//! use scserver_core::synthdef::{ugens::{Out, SinOsc}, SynthDefBuilder};
//!
//! let b = SynthDefBuilder::new("sine");
//! let (freq, amp, out) = (b.kr("freq", 440.0), b.kr("amp", 0.1), b.kr("out", 0.0));
//! let sig = SinOsc::ar(&b).frequency(freq).finish() * amp;
//! Out::ar(&b).bus(out).source(sig).finish();
//! let bytes = b.build().unwrap().compile(); // ready for /d_recv
//! assert_eq!(&bytes[..4], b"SCgf");
//! ```
//!
//! UGens come from a data-driven [catalogue]: each row gives a UGen's rates, inputs with
//! defaults and outputs, and yields both the by-name constructor
//! ([`SynthDefBuilder::ugen`]) and a typed one in [`ugens`]. Graphs are ordered, folded
//! and optimised with supriya's rules; [`SynthDef`] encodes, decodes and prints them.

mod builder;
pub mod catalogue;
mod def;
mod env;
mod error;
mod ops;
mod pseudo;
mod rate;
mod signal;
mod special;
pub mod ugens;

pub use builder::{ControlValues, Limits, SynthDefBuilder, UGenCall};
pub use def::{Input, ParamName, SynthDef, UGenSpec, Variant};
pub use env::{Curve, Env};
pub use error::SynthDefError;
pub use ops::{BinaryOp, UnaryOp};
pub use rate::{ParamRate, Rate};
pub use signal::{Output, Signal};
