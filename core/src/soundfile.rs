//! Sound file formats by the names scsynth understands, for `/b_write` (recording) and for the
//! output of a non-realtime render.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A sound file container. scsynth reads the name case-insensitively through libsndfile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderFormat {
    /// RIFF WAVE.
    #[default]
    Wav,
    /// Apple AIFF.
    Aiff,
    /// Core Audio Format.
    Caf,
    /// Sony Wave64, for files over 4 GiB.
    W64,
    /// RF64, WAVE for files over 4 GiB.
    Rf64,
    /// FLAC (integer sample formats only).
    Flac,
    /// Headerless samples.
    Raw,
}

/// How each sample is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleFormat {
    /// 8-bit signed integers.
    Int8,
    /// 16-bit signed integers.
    Int16,
    /// 24-bit signed integers.
    Int24,
    /// 32-bit signed integers.
    Int32,
    /// 32-bit IEEE floats: scsynth's own format, no clipping or quantisation.
    #[default]
    Float,
    /// 64-bit IEEE floats.
    Double,
    /// 8-bit µ-law.
    Mulaw,
    /// 8-bit A-law.
    Alaw,
}

const HEADERS: [(HeaderFormat, &str); 7] = [
    (HeaderFormat::Wav, "wav"),
    (HeaderFormat::Aiff, "aiff"),
    (HeaderFormat::Caf, "caf"),
    (HeaderFormat::W64, "w64"),
    (HeaderFormat::Rf64, "rf64"),
    (HeaderFormat::Flac, "flac"),
    (HeaderFormat::Raw, "raw"),
];

const SAMPLES: [(SampleFormat, &str); 8] = [
    (SampleFormat::Int8, "int8"),
    (SampleFormat::Int16, "int16"),
    (SampleFormat::Int24, "int24"),
    (SampleFormat::Int32, "int32"),
    (SampleFormat::Float, "float"),
    (SampleFormat::Double, "double"),
    (SampleFormat::Mulaw, "mulaw"),
    (SampleFormat::Alaw, "alaw"),
];

/// A format name that scsynth would not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}`: expected one of {expected}")]
pub struct UnknownFormat {
    /// `header format` or `sample format`.
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The accepted names.
    pub expected: String,
}

fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, n)| *n)
        .unwrap_or_default()
}

fn parse<T: Copy>(
    table: &[(T, &'static str)],
    kind: &'static str,
    name: &str,
) -> Result<T, UnknownFormat> {
    table
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(v, _)| *v)
        .ok_or_else(|| UnknownFormat {
            kind,
            name: name.to_owned(),
            expected: table.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", "),
        })
}

impl HeaderFormat {
    /// The name scsynth takes, e.g. `wav`.
    pub fn as_str(self) -> &'static str {
        name_of(&HEADERS, self)
    }
}

impl SampleFormat {
    /// The name scsynth takes, e.g. `float`.
    pub fn as_str(self) -> &'static str {
        name_of(&SAMPLES, self)
    }
}

impl fmt::Display for HeaderFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HeaderFormat {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, UnknownFormat> {
        parse(&HEADERS, "header format", name)
    }
}

impl FromStr for SampleFormat {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, UnknownFormat> {
        parse(&SAMPLES, "sample format", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for (format, name) in HEADERS {
            assert_eq!(format.to_string(), name);
            assert_eq!(name.to_uppercase().parse::<HeaderFormat>(), Ok(format));
        }
        for (format, name) in SAMPLES {
            assert_eq!(format.to_string(), name);
            assert_eq!(name.parse::<SampleFormat>(), Ok(format));
        }
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let error = "mp3".parse::<HeaderFormat>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown header format `mp3`: expected one of wav, aiff, caf, w64, rf64, flac, raw"
        );
    }
}
