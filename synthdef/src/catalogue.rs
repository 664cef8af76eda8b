//! The UGen catalogue: one data row per UGen (name, rates, inputs with defaults, outputs,
//! flags), read from the rows of `rows.rs`, from which [`crate::ugens`] also derives a typed
//! constructor per row.

use crate::rate::Rate;

/// How an input gets its value when none is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputDefault {
    /// The input must be given.
    Required,
    /// This constant is used.
    Value(f64),
    /// Derived from other inputs when the UGen is made (e.g. `FFT`'s buffer becomes a
    /// `LocalBuf`, `Dwrand`'s length is the sequence length).
    Auto,
    /// A constant that depends on the UGen's rate (e.g. `LeakDC`'s coefficient).
    ByRate {
        /// The default at audio rate.
        audio: f64,
        /// The default at every other rate.
        control: f64,
    },
}

impl InputDefault {
    /// The default as a constant for a UGen running at `rate`, if it is one.
    pub fn value(self, rate: Option<Rate>) -> Option<f64> {
        match self {
            InputDefault::Value(v) => Some(v),
            InputDefault::ByRate { audio, .. } if rate == Some(Rate::Audio) => Some(audio),
            InputDefault::ByRate { control, .. } => Some(control),
            InputDefault::Required | InputDefault::Auto => None,
        }
    }
}

/// One input of a catalogue UGen.
#[derive(Debug, Clone, Copy)]
pub struct InputInfo {
    /// The name as written in the table (a Rust identifier, maybe raw like `r#loop`).
    pub(crate) raw: &'static str,
    /// Default value.
    pub default: InputDefault,
    /// An array input: all its values become inputs of one UGen instead of expanding into
    /// several UGens (e.g. `Out`'s `source`, `EnvGen`'s `envelope`).
    pub array: bool,
    /// When the UGen runs at audio rate, scsynth reads this input as an audio buffer, so
    /// only an audio-rate signal is valid here.
    pub audio: bool,
}

impl InputInfo {
    /// The input's name (snake case, as in supriya).
    pub fn name(&self) -> &'static str {
        self.raw.strip_prefix("r#").unwrap_or(self.raw)
    }
}

/// Bit flags describing a catalogue UGen.
pub mod flags {
    /// No side effects: removed from the graph when nothing reads its output.
    pub const PURE: u16 = 1;
    /// Every UGen created after it is ordered after it (buffers, PV chains, seeds).
    pub const WIDTH_FIRST: u16 = 2;
    /// Sets a done flag (usable with `Done`).
    pub const DONE_FLAG: u16 = 4;
    /// Reads a bus.
    pub const INPUT: u16 = 8;
    /// Writes a bus.
    pub const OUTPUT: u16 = 16;
    /// The number of outputs is chosen per instance (`channels(n)`).
    pub const CHANNELS: u16 = 32;
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct UGenInfo {
    /// Class name as scsynth knows it.
    pub name: &'static str,
    /// Rates it can run at; empty means the rate is inferred from the inputs.
    pub rates: &'static [Rate],
    /// Number of outputs (the default when [`flags::CHANNELS`] is set).
    pub outputs: u32,
    /// A combination of [`flags`].
    pub flags: u16,
    /// Inputs in the order scsynth expects them.
    pub inputs: &'static [InputInfo],
}

impl UGenInfo {
    /// Whether a flag from [`flags`] is set.
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The index of an input by name.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.name() == name)
    }
}

/// Every catalogue row.
pub fn all() -> &'static [UGenInfo] {
    CATALOGUE
}

/// The catalogue row for a UGen class name.
pub fn lookup(name: &str) -> Option<&'static UGenInfo> {
    all().iter().find(|u| u.name == name)
}

macro_rules! rate_const {
    (ar) => {
        Rate::Audio
    };
    (kr) => {
        Rate::Control
    };
    (ir) => {
        Rate::Scalar
    };
    (dr) => {
        Rate::Demand
    };
}

macro_rules! flag {
    (pure) => {
        flags::PURE
    };
    (width_first) => {
        flags::WIDTH_FIRST
    };
    (done_flag) => {
        flags::DONE_FLAG
    };
    (input) => {
        flags::INPUT
    };
    (output) => {
        flags::OUTPUT
    };
    (channels) => {
        flags::CHANNELS
    };
}

macro_rules! input_info {
    ($name:ident, req) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Required,
            array: false,
            audio: false,
        }
    };
    ($name:ident, req ar) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Required,
            array: false,
            audio: true,
        }
    };
    ($name:ident, array) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Required,
            array: true,
            audio: false,
        }
    };
    ($name:ident, array ar) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Required,
            array: true,
            audio: true,
        }
    };
    ($name:ident, array auto) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Auto,
            array: true,
            audio: false,
        }
    };
    ($name:ident, array $v:expr) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Value($v),
            array: true,
            audio: false,
        }
    };
    ($name:ident, auto) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Auto,
            array: false,
            audio: false,
        }
    };
    ($name:ident, by_rate $audio:literal $control:literal) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::ByRate {
                audio: $audio,
                control: $control,
            },
            array: false,
            audio: false,
        }
    };
    ($name:ident, ar $v:expr) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Value($v),
            array: false,
            audio: true,
        }
    };
    ($name:ident, $v:expr) => {
        InputInfo {
            raw: stringify!($name),
            default: InputDefault::Value($v),
            array: false,
            audio: false,
        }
    };
}

macro_rules! rates_of {
    (new) => {
        &[]
    };
    ($($r:ident)*) => {
        &[$(rate_const!($r)),*]
    };
}

macro_rules! table {
    ($($name:ident [$($rate:ident)*] $outs:literal [$($flag:ident)*] { $($input:ident ( $($spec:tt)* ))* })*) => {
        /// The catalogue table: every UGen this crate knows by name.
        static CATALOGUE: &[UGenInfo] = &[
            $(UGenInfo {
                name: stringify!($name),
                rates: rates_of!($($rate)*),
                outputs: $outs,
                flags: 0 $(| flag!($flag))*,
                inputs: &[$(input_info!($input, $($spec)*)),*],
            },)*
        ];
    };
}

crate::rows::catalogue_rows!(table);
