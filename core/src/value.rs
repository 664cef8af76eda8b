//! Values shared by commands, replies and trees: synth controls and their values, the errors of
//! reading a reply, and the typed cursor over a reply's arguments.

use rosc::{OscMessage, OscType};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A synth control, addressed by name or by index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Control {
    /// The control's index in the SynthDef's parameter list.
    Index(i32),
    /// The control's name.
    Name(String),
}

impl Control {
    /// The OSC argument naming this control.
    pub fn to_osc(&self) -> OscType {
        match self {
            Control::Index(i) => OscType::Int(*i),
            Control::Name(n) => OscType::String(n.clone()),
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Control::Index(i) => write!(f, "{i}"),
            Control::Name(n) => f.write_str(n),
        }
    }
}

impl From<i32> for Control {
    fn from(i: i32) -> Self {
        Control::Index(i)
    }
}

impl From<&str> for Control {
    fn from(s: &str) -> Self {
        Control::Name(s.to_owned())
    }
}

impl From<String> for Control {
    fn from(s: String) -> Self {
        Control::Name(s)
    }
}

/// How deeply bundles may nest in a received packet; scsynth itself never nests them.
pub const MAX_BUNDLE_DEPTH: usize = 16;

/// Why a packet or message could not be turned into a [`Reply`](crate::reply::Reply).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The bytes are not a valid OSC packet.
    #[error("not a valid OSC packet: {0}")]
    Decode(String),
    /// Bundles nest deeper than [`MAX_BUNDLE_DEPTH`].
    #[error("OSC bundles nested deeper than {MAX_BUNDLE_DEPTH} levels")]
    TooDeep,
    /// No typed reply has this address; route the raw message instead.
    #[error("no typed reply for OSC address {0:?}")]
    UnknownAddress(String),
    /// The message ended before a required argument.
    #[error("{address}: argument {index} is missing")]
    Missing {
        /// The message's address.
        address: String,
        /// The position of the missing argument.
        index: usize,
    },
    /// An argument has the wrong type.
    #[error("{address}: argument {index} should be {expected}, not {found}")]
    Type {
        /// The message's address.
        address: String,
        /// The argument's position.
        index: usize,
        /// What was expected there.
        expected: &'static str,
        /// What was found (OSC type and value).
        found: String,
    },
    /// The arguments are well typed but inconsistent (a negative count, a leftover argument…).
    #[error("{address}: {reason}")]
    Invalid {
        /// The message's address.
        address: String,
        /// What is wrong.
        reason: String,
    },
}

/// A control's value as scsynth reports it: a float, or the bus it is mapped to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ControlValue {
    /// The control's current value.
    Float(f32),
    /// A bus mapping: `c<index>` (control bus) or `a<index>` (audio bus).
    Bus(String),
}

impl ControlValue {
    /// The float, if the control is not mapped.
    pub fn as_float(&self) -> Option<f32> {
        match self {
            ControlValue::Float(f) => Some(*f),
            ControlValue::Bus(_) => None,
        }
    }

    /// The mapped bus as (rate letter `'c'` or `'a'`, index), if it is a well-formed mapping.
    pub fn bus(&self) -> Option<(char, i32)> {
        let ControlValue::Bus(s) = self else {
            return None;
        };
        let mut chars = s.chars();
        let rate = chars.next().filter(|c| *c == 'c' || *c == 'a')?;
        Some((rate, chars.as_str().parse().ok()?))
    }
}

/// An integer argument: ints, in-range longs and whole floats (scsynth sends some ids as floats).
pub(crate) fn as_int(arg: &OscType) -> Option<i32> {
    let whole = |f: f64| {
        (f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX))
            .then_some(f as i32)
    };
    match arg {
        OscType::Int(i) => Some(*i),
        OscType::Long(l) => i32::try_from(*l).ok(),
        OscType::Float(f) => whole(f64::from(*f)),
        OscType::Double(d) => whole(*d),
        _ => None,
    }
}

pub(crate) fn describe(arg: &OscType) -> String {
    let mut s = format!("{arg:?}");
    if s.len() > 60 {
        let mut cut = 57;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// A cursor over a message's arguments with typed, non-panicking reads.
pub(crate) struct Args<'a> {
    address: &'a str,
    args: &'a [OscType],
    pos: usize,
}

impl<'a> Args<'a> {
    pub(crate) fn new(message: &'a OscMessage) -> Self {
        Args {
            address: &message.addr,
            args: &message.args,
            pos: 0,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.pos >= self.args.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.args.len().saturating_sub(self.pos)
    }

    pub(crate) fn next(&mut self) -> Result<&'a OscType, ReplyError> {
        let arg = self.args.get(self.pos).ok_or_else(|| ReplyError::Missing {
            address: self.address.to_owned(),
            index: self.pos,
        })?;
        self.pos += 1;
        Ok(arg)
    }

    pub(crate) fn type_error(&self, expected: &'static str, found: &OscType) -> ReplyError {
        ReplyError::Type {
            address: self.address.to_owned(),
            index: self.pos - 1,
            expected,
            found: describe(found),
        }
    }

    pub(crate) fn invalid(&self, reason: String) -> ReplyError {
        ReplyError::Invalid {
            address: self.address.to_owned(),
            reason,
        }
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), ReplyError> {
        for _ in 0..n {
            self.next()?;
        }
        Ok(())
    }

    pub(crate) fn int(&mut self) -> Result<i32, ReplyError> {
        let arg = self.next()?;
        as_int(arg).ok_or_else(|| self.type_error("an integer", arg))
    }

    /// A non-negative count no larger than the arguments left, so callers can allocate for it.
    pub(crate) fn count(&mut self) -> Result<usize, ReplyError> {
        let n = self.int()?;
        if n < 0 {
            return Err(self.invalid(format!("negative count {n} at argument {}", self.pos - 1)));
        }
        let n = n as usize;
        if n > self.remaining() {
            return Err(self.invalid(format!(
                "count {n} at argument {} exceeds the {} arguments left",
                self.pos - 1,
                self.remaining()
            )));
        }
        Ok(n)
    }

    pub(crate) fn count_u32(&mut self) -> Result<u32, ReplyError> {
        let n = self.int()?;
        u32::try_from(n).map_err(|_| self.invalid(format!("negative count {n}")))
    }

    pub(crate) fn float(&mut self) -> Result<f32, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::Float(f) => Ok(*f),
            OscType::Double(d) => Ok(*d as f32),
            OscType::Int(i) => Ok(*i as f32),
            OscType::Long(l) => Ok(*l as f32),
            _ => Err(self.type_error("a number", arg)),
        }
    }

    pub(crate) fn double(&mut self) -> Result<f64, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::Double(d) => Ok(*d),
            OscType::Float(f) => Ok(f64::from(*f)),
            OscType::Int(i) => Ok(f64::from(*i)),
            OscType::Long(l) => Ok(*l as f64),
            _ => Err(self.type_error("a number", arg)),
        }
    }

    pub(crate) fn floats(&mut self) -> Result<Vec<f32>, ReplyError> {
        let count = self.count()?;
        (0..count).map(|_| self.float()).collect()
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::String(s) => Ok(s),
            _ => Err(self.type_error("a string", arg)),
        }
    }

    pub(crate) fn string(&mut self) -> Result<String, ReplyError> {
        self.str().map(str::to_owned)
    }

    /// A string field that some builds might send as a number (version fields).
    pub(crate) fn string_or_int(&mut self) -> Result<String, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::String(s) => Ok(s.clone()),
            other => as_int(other)
                .map(|i| i.to_string())
                .ok_or_else(|| self.type_error("a string", other)),
        }
    }

    pub(crate) fn control(&mut self) -> Result<Control, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::String(s) => Ok(Control::Name(s.clone())),
            other => as_int(other)
                .map(Control::Index)
                .ok_or_else(|| self.type_error("a control name or index", other)),
        }
    }

    pub(crate) fn control_value(&mut self) -> Result<ControlValue, ReplyError> {
        let arg = self.next()?;
        match arg {
            OscType::Float(f) => Ok(ControlValue::Float(*f)),
            OscType::Double(d) => Ok(ControlValue::Float(*d as f32)),
            OscType::Int(i) => Ok(ControlValue::Float(*i as f32)),
            OscType::String(s) => Ok(ControlValue::Bus(s.clone())),
            _ => Err(self.type_error("a float or a bus mapping", arg)),
        }
    }

    pub(crate) fn rest(&mut self) -> Vec<OscType> {
        let rest = self.args.get(self.pos..).unwrap_or_default().to_vec();
        self.pos = self.args.len();
        rest
    }
}
