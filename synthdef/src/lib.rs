//! SynthDefs in Rust: a UGen graph builder and an SCgf version 2 compiler whose output is
//! byte for byte what supriya compiles for the same graph. It needs no server: send the bytes
//! with `scserver`'s `add_synthdefs` (which re-exports this crate as `scserver::synthdef`), or
//! write them to a `.scsyndef` file.
//!
//! ```
//! use scserver_synthdef::{ugens::{Out, SinOsc}, SynthDefBuilder};
//!
//! let b = SynthDefBuilder::new("sine");
//! let (freq, amp, out) = (b.kr("freq", 440.0), b.kr("amp", 0.1), b.kr("out", 0.0));
//! let sig = SinOsc::ar(&b).frequency(freq).finish() * amp;
//! Out::ar(&b).bus(out).source(sig).finish();
//! let bytes = b.build().unwrap().compile(); // ready for /d_recv
//! assert_eq!(&bytes[..4], b"SCgf");
//! ```
//!
//! * Controls: [`SynthDefBuilder::kr`], [`kr_lag`](SynthDefBuilder::kr_lag),
//!   [`ar`](SynthDefBuilder::ar), [`ir`](SynthDefBuilder::ir), [`tr`](SynthDefBuilder::tr);
//!   an array default makes an array control.
//! * UGens: every row of the [`catalogue`] has a typed constructor in [`ugens`] (inputs are
//!   methods, unset inputs take their defaults) and works by name through
//!   [`SynthDefBuilder::ugen`]. Arrays given to plain inputs expand into one UGen per
//!   element; multi-output UGens return arrays ([`Signal::at`] picks a channel).
//! * Operators: `+ - * / %`, unary `-`, and methods such as [`Signal::abs`],
//!   [`Signal::max`], [`Signal::gt`], [`Signal::midicps`]; pseudo-UGens such as
//!   [`SynthDefBuilder::mix`], [`SynthDefBuilder::mul_add`] and [`Env`] for `EnvGen`.
//! * Pseudo-UGens expand into ordinary UGens when called, as their sclang or supriya class
//!   does: supriya's `Splay` ([`splay`](SynthDefBuilder::splay)), `Changed`, `CompanderD`,
//!   `HilbertFIR`, `LinLin` ([`lin_lin`](SynthDefBuilder::lin_lin)); sclang's `SelectX`,
//!   `LinSelectX`, `TChoose`, `TWChoose`, `DynKlank`, `DynKlang`, `PMOsc`, `VarLag` ([`Signal::var_lag`]) and the
//!   `lag2`/`lag3` helpers ([`Signal::lag2`], ...). `Klank` and `Klang` take a [`Bank`] of
//!   frequencies, amplitudes and ring times or phases; `IEnvGen` reads an [`Env`] through
//!   [`SynthDefBuilder::i_env_gen`].
//! * [`SynthDef`]: [`compile`](SynthDef::compile), [`compile_many`](SynthDef::compile_many),
//!   [`decode`](SynthDef::decode) (decode then compile gives the same bytes) and a
//!   [`Display`](std::fmt::Display) dump in supriya's layout.
//!
//! The graph follows supriya's rules, so the reference files compiled by supriya are
//! reproduced exactly: numbers are folded where supriya folds them, `x * 1`, `x + 0`,
//! `0 - x` and the like collapse, `a * b + c` stays two operators (only an explicit
//! `MulAdd` or [`mix`](SynthDefBuilder::mix) makes `MulAdd`/`Sum3`/`Sum4`), constants are
//! stored once, controls are grouped by rate (`ir`, `tr`, `ar`, `kr`) and sorted by name,
//! `LocalBuf`s share an implicit `MaxLocalBufs`, a PV chain read by several PV UGens is
//! copied, UGens are ordered by supriya's topological sort and unused pure UGens dropped.
//!
//! Every catalogue row's inputs (scsynth's order) and defaults are checked against the UGen's
//! sclang class (`tests/synthdef_sclang.rs`); the rows that differ from sclang, and those that
//! follow sclang or the server where supriya differs, are listed with their reason in
//! `tests/data/sclang_exceptions.txt`.
//!
//! Where this crate is stricter than supriya: an input that scsynth reads as an audio
//! buffer (`Out.ar`'s source, an audio-rate filter's source, ...) must be an audio-rate
//! signal. Mistakes never interrupt signal expressions; the first one is returned by
//! [`SynthDefBuilder::build`] as a [`SynthDefError`]. An operator on plain numbers that
//! supriya keeps as a UGen (such as [`Signal::rand`]) is added to the newest live builder
//! of the current thread.

#![warn(missing_docs)]

mod bank;
mod builder;
pub mod catalogue;
mod channels;
mod def;
mod env;
mod error;
mod graph;
mod ops;
mod pseudo;
mod rate;
mod rows;
mod signal;
mod special;
pub mod ugens;

pub use bank::Bank;
pub use builder::{ControlValues, Limits, SynthDefBuilder, UGenCall};
pub use def::{Input, ParamName, SynthDef, UGenSpec, Variant};
pub use env::{Curve, Env};
pub use error::SynthDefError;
pub use graph::{Output, Signal};
pub use ops::{BinaryOp, UnaryOp};
pub use rate::{ParamRate, Rate};
