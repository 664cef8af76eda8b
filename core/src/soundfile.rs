//! Sound file formats by the names scsynth understands, for `/b_write` (recording) and for the
//! output of a non-realtime render.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A sound file container. scsynth reads the name case-insensitively through libsndfile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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
#[non_exhaustive]
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

impl SampleFormat {
    /// Bytes one sample takes in a file.
    pub fn bytes(self) -> u64 {
        match self {
            Self::Int8 | Self::Mulaw | Self::Alaw => 1,
            Self::Int16 => 2,
            Self::Int24 => 3,
            Self::Int32 | Self::Float => 4,
            Self::Double => 8,
        }
    }
}

/// Why a sound file's header cannot be read or repaired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// Only WAV, AIFF and raw files are understood.
    #[error("the sizes in a {0} header cannot be repaired (only wav, aiff and raw can)")]
    Unsupported(HeaderFormat),
    /// The bytes are not the header they should be.
    #[error("not a {format} header: {reason}")]
    Malformed {
        /// The format expected.
        format: HeaderFormat,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The sizes a header should hold for a file's real length: libsndfile writes them only when it
/// closes the file, so a writer that died leaves a header that claims no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRepair {
    /// Whole frames in the file.
    pub frames: u64,
    /// Bytes to write at each offset.
    pub patches: Vec<(u64, Vec<u8>)>,
    /// The length to cut the file to: a partly written last frame is dropped.
    pub length: u64,
}

/// A chunk: its id and where its 8-byte heading starts.
struct Chunk {
    id: [u8; 4],
    at: usize,
    size: u32,
}

/// Where the sizes of a WAV or AIFF header are, read up to the sample data's chunk (whose size
/// field may be anything: it is never followed).
struct Layout {
    big_endian: bool,
    chunks: Vec<Chunk>,
}

impl Layout {
    fn read(format: HeaderFormat, head: &[u8]) -> Result<Layout, HeaderError> {
        let malformed = |reason| HeaderError::Malformed { format, reason };
        let (big_endian, form, kinds, data): (_, _, &[&[u8; 4]], _) = match format {
            HeaderFormat::Wav => (false, b"RIFF", &[b"WAVE"], b"data"),
            HeaderFormat::Aiff => (true, b"FORM", &[b"AIFF", b"AIFC"], b"SSND"),
            other => return Err(HeaderError::Unsupported(other)),
        };
        if head.len() < 12 || &head[..4] != form || !kinds.iter().any(|k| &head[8..12] == *k) {
            return Err(malformed("wrong magic numbers"));
        }
        let mut chunks = Vec::new();
        let mut at = 12;
        loop {
            let heading = head
                .get(at..at + 8)
                .ok_or_else(|| malformed("no sample data chunk"))?;
            let id: [u8; 4] = heading[..4].try_into().expect("four bytes");
            let size = word(&heading[4..], big_endian);
            chunks.push(Chunk { id, at, size });
            if &id == data {
                return Ok(Layout { big_endian, chunks });
            }
            // Chunks are padded to an even length.
            at += 8 + size as usize + (size as usize & 1);
        }
    }

    fn chunk(&self, id: &[u8; 4]) -> Option<&Chunk> {
        self.chunks.iter().find(|c| &c.id == id)
    }

    fn data(&self) -> &Chunk {
        self.chunks.last().expect("read stops at the data chunk")
    }

    /// Where the samples start, and how many bytes of the data chunk are not samples.
    fn samples(&self, head: &[u8], format: HeaderFormat) -> Result<(u64, u64), HeaderError> {
        let data = self.data().at as u64 + 8;
        if !self.big_endian {
            return Ok((data, 0));
        }
        // SSND starts with an offset (to the first sample) and a block size.
        let offset = head
            .get(data as usize..data as usize + 4)
            .map(|b| u64::from(word(b, true)))
            .ok_or(HeaderError::Malformed {
                format,
                reason: "SSND chunk cut short",
            })?;
        Ok((data + 8 + offset, 8 + offset))
    }

    fn put(&self, at: usize, value: u64) -> (u64, Vec<u8>) {
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        let bytes = if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        (at as u64, bytes.to_vec())
    }
}

fn word(bytes: &[u8], big_endian: bool) -> u32 {
    let bytes: [u8; 4] = bytes[..4].try_into().expect("four bytes");
    if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

/// The frames a closed file's header declares; `head` holds at least the header.
pub fn declared_frames(
    format: HeaderFormat,
    frame_bytes: u64,
    head: &[u8],
) -> Result<u64, HeaderError> {
    if format == HeaderFormat::Raw {
        return Err(HeaderError::Unsupported(format));
    }
    let layout = Layout::read(format, head)?;
    let (_, extra) = layout.samples(head, format)?;
    Ok(u64::from(layout.data().size).saturating_sub(extra) / frame_bytes.max(1))
}

/// The header sizes of a file of `length` bytes, `head` its first bytes (at least the header),
/// recomputed from the samples really there: WAV's RIFF, `fact` and `data` sizes; AIFF's FORM
/// size, `COMM` frame count and `SSND` size. A raw file needs nothing.
pub fn repair_header(
    format: HeaderFormat,
    frame_bytes: u64,
    head: &[u8],
    length: u64,
) -> Result<HeaderRepair, HeaderError> {
    let frame_bytes = frame_bytes.max(1);
    if format == HeaderFormat::Raw {
        let frames = length / frame_bytes;
        let length = frames * frame_bytes;
        return Ok(HeaderRepair {
            frames,
            patches: vec![],
            length,
        });
    }
    let layout = Layout::read(format, head)?;
    let (start, extra) = layout.samples(head, format)?;
    let frames = length.saturating_sub(start) / frame_bytes;
    let length = start + frames * frame_bytes;
    let data = layout.data().at;
    let mut patches = vec![
        layout.put(4, length - 8),
        layout.put(data + 4, extra + frames * frame_bytes),
    ];
    let (count, offset) = if layout.big_endian {
        (b"COMM", 10)
    } else {
        (b"fact", 8)
    };
    if let Some(chunk) = layout.chunk(count) {
        patches.push(layout.put(chunk.at + offset, frames));
    }
    Ok(HeaderRepair {
        frames,
        patches,
        length,
    })
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

    /// A WAV header as libsndfile leaves it while the file is open: every size zero.
    fn open_wav(frame_bytes: u16) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(b"RIFF\0\0\0\0WAVE");
        h.extend_from_slice(b"fmt \x10\0\0\0");
        h.extend_from_slice(&[3, 0, 1, 0]);
        h.extend_from_slice(&48_000u32.to_le_bytes());
        h.extend_from_slice(&(48_000 * u32::from(frame_bytes)).to_le_bytes());
        h.extend_from_slice(&frame_bytes.to_le_bytes());
        h.extend_from_slice(&[32, 0]);
        h.extend_from_slice(b"fact\x04\0\0\0\0\0\0\0");
        h.extend_from_slice(b"PEAK\x03\0\0\0abc\0");
        h.extend_from_slice(b"data\0\0\0\0");
        h
    }

    fn apply(file: &mut Vec<u8>, repair: &HeaderRepair) {
        for (at, bytes) in &repair.patches {
            let at = *at as usize;
            file[at..at + bytes.len()].copy_from_slice(bytes);
        }
        file.truncate(repair.length as usize);
    }

    #[test]
    fn a_wav_header_gets_the_sizes_of_its_whole_frames() {
        let header = open_wav(4);
        let samples = header.len();
        let mut file = header.clone();
        file.extend(vec![7u8; 4 * 100 + 3]);
        let repair = repair_header(HeaderFormat::Wav, 4, &header, file.len() as u64).unwrap();
        assert_eq!(repair.frames, 100);
        assert_eq!(repair.length as usize, samples + 400);
        apply(&mut file, &repair);
        assert_eq!(word(&file[4..], false) as usize, samples + 400 - 8);
        assert_eq!(word(&file[samples - 4..], false), 400);
        assert_eq!(
            word(&file[44..], false),
            100,
            "the fact chunk's frame count"
        );
        assert_eq!(declared_frames(HeaderFormat::Wav, 4, &file), Ok(100));
    }

    #[test]
    fn an_aiff_header_gets_form_ssnd_and_comm_sizes() {
        let mut file = Vec::new();
        file.extend_from_slice(b"FORM\0\0\0\0AIFF");
        file.extend_from_slice(b"COMM\0\0\0\x12\0\x02\0\0\0\0\0\x18");
        file.extend_from_slice(&[0x40, 0x0e, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]);
        file.extend_from_slice(b"SSND\0\0\0\0\0\0\0\x04\0\0\0\0abcd");
        let samples = file.len();
        file.extend(vec![1u8; 6 * 10]);
        let repair = repair_header(HeaderFormat::Aiff, 6, &file, file.len() as u64).unwrap();
        assert_eq!(repair.frames, 10);
        apply(&mut file, &repair);
        assert_eq!(file.len(), samples + 60);
        assert_eq!(word(&file[4..], true) as usize, file.len() - 8);
        assert_eq!(word(&file[22..], true), 10, "COMM's frame count");
        assert_eq!(
            word(&file[42..], true),
            8 + 4 + 60,
            "SSND: offset, block size, pad, data"
        );
        assert_eq!(declared_frames(HeaderFormat::Aiff, 6, &file), Ok(10));
    }

    #[test]
    fn unknown_or_foreign_headers_are_refused() {
        assert_eq!(
            repair_header(HeaderFormat::Caf, 4, b"caff", 100),
            Err(HeaderError::Unsupported(HeaderFormat::Caf))
        );
        assert!(matches!(
            repair_header(HeaderFormat::Wav, 4, b"FORM\0\0\0\0AIFF", 100),
            Err(HeaderError::Malformed { .. })
        ));
        let cut = &open_wav(4)[..40];
        assert!(matches!(
            repair_header(HeaderFormat::Wav, 4, cut, 100),
            Err(HeaderError::Malformed { .. })
        ));
        let raw = repair_header(HeaderFormat::Raw, 4, &[], 41).unwrap();
        assert_eq!((raw.frames, raw.length), (10, 40));
    }
}
