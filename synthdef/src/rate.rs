//! Calculation rates of UGens and rates of SynthDef controls.

use std::fmt;

/// The calculation rate of a UGen, with the numeric value written into SCgf files.
///
/// The ordering matters: when a UGen's rate is inferred from its inputs, the fastest
/// (greatest) input rate wins, and demand rate counts as the fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rate {
    /// Computed once when the synth starts (`ir`).
    Scalar = 0,
    /// Computed once per control block (`kr`).
    Control = 1,
    /// Computed for every sample (`ar`).
    Audio = 2,
    /// Computed when demanded by another UGen (`dr`).
    Demand = 3,
}

impl Rate {
    /// The byte written for this rate in a SynthDef file.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The rate for a byte read from a SynthDef file, if valid.
    pub fn from_code(code: u8) -> Option<Rate> {
        match code {
            0 => Some(Rate::Scalar),
            1 => Some(Rate::Control),
            2 => Some(Rate::Audio),
            3 => Some(Rate::Demand),
            _ => None,
        }
    }

    /// The conventional short token: `ir`, `kr`, `ar` or `dr`.
    pub fn token(self) -> &'static str {
        match self {
            Rate::Scalar => "ir",
            Rate::Control => "kr",
            Rate::Audio => "ar",
            Rate::Demand => "dr",
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// The rate of a SynthDef control (a named parameter settable with `/n_set`).
///
/// Controls of the same rate are grouped into one control UGen; groups are laid out in the
/// order of this enum (which is also the order of parameter indices in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamRate {
    /// `ir`: read once at synth start (`Control.ir`).
    Scalar,
    /// `tr`: a trigger, reset to zero after each control block (`TrigControl.kr`).
    Trigger,
    /// `ar`: an audio-rate control (`AudioControl.ar`).
    Audio,
    /// `kr`: a control-rate control (`Control.kr`, or `LagControl.kr` when any has a lag).
    Control,
}

impl ParamRate {
    /// The calculation rate of the signals a control of this rate produces.
    pub fn calculation_rate(self) -> Rate {
        match self {
            ParamRate::Scalar => Rate::Scalar,
            ParamRate::Trigger | ParamRate::Control => Rate::Control,
            ParamRate::Audio => Rate::Audio,
        }
    }
}
