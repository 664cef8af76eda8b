//! Typed constructors for every catalogue UGen, derived from the catalogue's rows: each
//! input is a method, unset inputs take their defaults, and the UGen also works by name
//! ([`SynthDefBuilder::ugen`]):
//!
//! ```
//! use scserver_synthdef::{ugens::SinOsc, SynthDefBuilder};
//! let b = SynthDefBuilder::new("doc");
//! let sig = SinOsc::ar(&b).frequency(220.0).finish() * 0.1;
//! # let _ = sig;
//! ```

#![allow(clippy::upper_case_acronyms, non_camel_case_types)]

use crate::builder::{SynthDefBuilder, UGenCall};
use crate::graph::Signal;
use crate::rate::Rate;

macro_rules! rate_of {
    (ar) => {
        Some(Rate::Audio)
    };
    (kr) => {
        Some(Rate::Control)
    };
    (ir) => {
        Some(Rate::Scalar)
    };
    (dr) => {
        Some(Rate::Demand)
    };
    (new) => {
        None
    };
}

macro_rules! constructors {
    ($($name:ident [$($rate:ident)*] $outs:literal [$($flag:ident)*] { $($input:ident ( $($spec:tt)* ))* })*) => {
        $(
            #[doc = concat!("The `", stringify!($name), "` UGen (typed constructor for its catalogue row).")]
            #[must_use = "call finish() to add the UGen to the graph"]
            pub struct $name(UGenCall);

            impl $name {
                $(
                    #[doc = concat!("Starts a `", stringify!($name), "` at this rate (`", stringify!($rate), "`).")]
                    #[allow(clippy::new_ret_no_self, clippy::new_without_default)]
                    pub fn $rate(builder: &SynthDefBuilder) -> Self {
                        Self(builder.call(stringify!($name), rate_of!($rate)))
                    }
                )*
                $(
                    #[doc = concat!("Sets input `", stringify!($input), "`.")]
                    #[allow(clippy::should_implement_trait)]
                    pub fn $input(self, value: impl Into<Signal>) -> Self {
                        Self(self.0.input(stringify!($input), value))
                    }
                )*
                /// Sets the number of output channels (for UGens whose count is settable).
                pub fn channels(self, count: u32) -> Self {
                    Self(self.0.channels(count))
                }
                /// Adds the UGen (or, with array inputs, several) to the graph.
                pub fn finish(self) -> Signal {
                    self.0.finish()
                }
            }
        )*
    };
}

crate::rows::catalogue_rows!(constructors);
