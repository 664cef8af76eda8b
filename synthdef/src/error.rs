//! Typed errors for building, compiling and decoding SynthDefs.

use crate::rate::Rate;

/// Everything that can be wrong with a SynthDef graph, found when it is built, compiled or
/// decoded rather than reported later by scsynth as `/fail`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthDefError {
    /// No UGen of that name is in the catalogue.
    #[error("unknown UGen `{0}`")]
    UnknownUGen(String),
    /// The UGen has no input of that name.
    #[error("`{ugen}` has no input `{input}`")]
    UnknownInput {
        /// UGen class name.
        ugen: String,
        /// The input name that was given.
        input: String,
    },
    /// A required input was not given.
    #[error("`{ugen}` needs a value for input `{input}`")]
    MissingInput {
        /// UGen class name.
        ugen: String,
        /// The input without a value.
        input: String,
    },
    /// The UGen cannot run at the requested rate.
    #[error("`{ugen}` cannot run at {rate} rate")]
    UnsupportedRate {
        /// UGen class name.
        ugen: String,
        /// The requested rate.
        rate: Rate,
    },
    /// The UGen's channel count is fixed and cannot be chosen.
    #[error("`{0}` has a fixed number of channels")]
    FixedChannelCount(String),
    /// scsynth reads this input as an audio-rate buffer, so a slower signal or a constant
    /// would be read as garbage.
    #[error("input `{input}` of `{ugen}.ar` must be audio rate, not {found}")]
    AudioRateRequired {
        /// UGen class name.
        ugen: String,
        /// Input name.
        input: String,
        /// The rate of the signal given (`ir` for a constant).
        found: Rate,
    },
    /// An input was an empty array, which cannot be expanded.
    #[error("input `{input}` of `{ugen}` is an empty array")]
    EmptyInput {
        /// UGen class name (or operator).
        ugen: String,
        /// Input name.
        input: String,
    },
    /// A signal from another builder was used in this one.
    #[error("a signal from another SynthDefBuilder was used")]
    ForeignSignal,
    /// Two controls share a name.
    #[error("duplicate control name `{0}`")]
    DuplicateControl(String),
    /// A control has no value.
    #[error("control `{0}` has no default value")]
    EmptyControl(String),
    /// The graph has a cycle, so no UGen order exists where every input is computed first.
    /// Holds the number of UGens that could not be ordered (the cycle and what follows it).
    #[error("the UGen graph has a cycle: {0} UGen(s) cannot be ordered")]
    Cycle(usize),
    /// The graph has no UGens.
    #[error("the SynthDef has no UGens")]
    NoUGens,
    /// A name does not fit a pascal string (at most 255 bytes).
    #[error("name `{0}` is longer than 255 bytes")]
    NameTooLong(String),
    /// More constants than the limit.
    #[error("{count} constants exceed the limit of {limit}")]
    TooManyConstants {
        /// Constants in the graph.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More control values than the limit (the control UGen's start index is a 16-bit field).
    #[error("{count} control values exceed the limit of {limit}")]
    TooManyControls {
        /// Control values in the graph.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More UGens than the limit.
    #[error("{count} UGens exceed the limit of {limit}")]
    TooManyUGens {
        /// UGens in the graph.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More SynthDefs in one file than its 16-bit count allows.
    #[error("{0} SynthDefs do not fit one file (at most 65535)")]
    TooManySynthDefs(usize),
    /// Bytes that are not a valid SCgf file.
    #[error("invalid SynthDef file at byte {offset}: {reason}")]
    Decode {
        /// Byte offset where decoding failed.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// A UGen input refers to a constant or UGen that does not exist or comes later.
    #[error("UGen {ugen} input {input}: {reason}")]
    BadReference {
        /// Index of the UGen.
        ugen: usize,
        /// Index of the input.
        input: usize,
        /// What was wrong.
        reason: String,
    },
}
