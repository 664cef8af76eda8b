//! Buffer commands: `/b_gen` (waveforms, normalisation, copies), reads into and writes from an
//! existing buffer, and the `/b_alloc`s of a group of consecutive buffers.

use std::ops::BitOr;

use crate::command::{Command, Value};
use crate::ids::BufferId;
use crate::soundfile::{HeaderFormat, SampleFormat};
use crate::validate::InvalidArgument;

/// One of the `/b_gen` waveform flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GenFlag {
    /// Scale the result to a peak of 1.
    Normalize,
    /// Write it in wavetable format (for `Osc`, `COsc`, `Shaper`…).
    Wavetable,
    /// Clear the buffer first; otherwise the waveform is added to what it holds.
    Clear,
}

impl GenFlag {
    fn bit(self) -> i32 {
        match self {
            GenFlag::Normalize => 1,
            GenFlag::Wavetable => 2,
            GenFlag::Clear => 4,
        }
    }
}

/// A set of [`GenFlag`]s: `GenFlag::Normalize | GenFlag::Clear`, or `GenFlags::NONE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GenFlags(i32);

impl GenFlags {
    /// No flag: the waveform is added to the buffer's contents as it is.
    pub const NONE: GenFlags = GenFlags(0);

    /// Whether `flag` is in the set.
    pub fn contains(self, flag: GenFlag) -> bool {
        self.0 & flag.bit() != 0
    }

    /// The flags argument of `/b_gen`.
    pub fn bits(self) -> i32 {
        self.0
    }
}

impl From<GenFlag> for GenFlags {
    fn from(flag: GenFlag) -> Self {
        GenFlags(flag.bit())
    }
}

impl<F: Into<GenFlags>> BitOr<F> for GenFlags {
    type Output = GenFlags;

    fn bitor(self, other: F) -> GenFlags {
        GenFlags(self.0 | other.into().0)
    }
}

impl<F: Into<GenFlags>> BitOr<F> for GenFlag {
    type Output = GenFlags;

    fn bitor(self, other: F) -> GenFlags {
        GenFlags::from(self) | other
    }
}

impl FromIterator<GenFlag> for GenFlags {
    fn from_iter<I: IntoIterator<Item = GenFlag>>(flags: I) -> Self {
        flags.into_iter().fold(GenFlags::NONE, |set, f| set | f)
    }
}

/// A waveform `/b_gen` computes into a buffer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Waveform {
    /// `sine1`: harmonics 1, 2, 3… with these amplitudes.
    Sine1 {
        /// Amplitude of each harmonic, from the first.
        amplitudes: Vec<f32>,
    },
    /// `sine2`: partials at any frequency (cycles per buffer).
    Sine2 {
        /// (frequency, amplitude) of each partial.
        partials: Vec<(f32, f32)>,
    },
    /// `sine3`: partials at any frequency and phase.
    Sine3 {
        /// (frequency, amplitude, phase in radians) of each partial.
        partials: Vec<(f32, f32, f32)>,
    },
    /// `cheby`: a sum of Chebyshev polynomials, a transfer function for `Shaper`.
    Cheby {
        /// Amplitude of each polynomial, from the first order.
        amplitudes: Vec<f32>,
    },
}

impl Waveform {
    fn name(&self) -> &'static str {
        match self {
            Waveform::Sine1 { .. } => "sine1",
            Waveform::Sine2 { .. } => "sine2",
            Waveform::Sine3 { .. } => "sine3",
            Waveform::Cheby { .. } => "cheby",
        }
    }

    /// Every number after the flags, in scsynth's order.
    fn numbers(&self) -> Vec<f32> {
        match self {
            Waveform::Sine1 { amplitudes } | Waveform::Cheby { amplitudes } => amplitudes.clone(),
            Waveform::Sine2 { partials } => partials.iter().flat_map(|(f, a)| [*f, *a]).collect(),
            Waveform::Sine3 { partials } => {
                partials.iter().flat_map(|(f, a, p)| [*f, *a, *p]).collect()
            }
        }
    }
}

fn gen(buffer_id: i32, command: &str, args: Vec<Value>) -> Command {
    Command::BGen {
        buffer_id,
        command: command.to_owned(),
        args,
    }
}

fn finite(command: &str, argument: &'static str, value: f32) -> Result<(), InvalidArgument> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            command,
            argument,
            value,
            "a finite number",
        ))
    }
}

/// `/b_gen buffer sine1|sine2|sine3|cheby flags numbers…`. A waveform with no partial is
/// refused (it would compute nothing), and so are numbers that are not finite (they would fill
/// the buffer with NaN).
pub fn generate(
    buffer_id: i32,
    waveform: &Waveform,
    flags: GenFlags,
) -> Result<Command, InvalidArgument> {
    let numbers = waveform.numbers();
    if numbers.is_empty() {
        return Err(InvalidArgument::new(
            "/b_gen",
            "partials",
            "none",
            format!("at least one partial for {}", waveform.name()),
        ));
    }
    numbers
        .iter()
        .try_for_each(|n| finite("/b_gen", "partial", *n))?;
    let args = std::iter::once(Value::Int(flags.bits()))
        .chain(numbers.into_iter().map(Value::Float))
        .collect();
    Ok(gen(buffer_id, waveform.name(), args))
}

/// How a buffer's samples are laid out, which decides how it is normalised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// Plain samples: `normalize`.
    #[default]
    Signal,
    /// Wavetable format (pairs of values): `wnormalize`.
    Wavetable,
}

/// `/b_gen buffer normalize|wnormalize peak`: scales the contents to a peak of `peak`.
pub fn normalize(buffer_id: i32, peak: f32, layout: Layout) -> Result<Command, InvalidArgument> {
    finite("/b_gen", "peak", peak)?;
    let name = match layout {
        Layout::Signal => "normalize",
        Layout::Wavetable => "wnormalize",
    };
    Ok(gen(buffer_id, name, vec![Value::Float(peak)]))
}

/// Frames of one buffer copied into another by [`copy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferCopy {
    /// The buffer to read from.
    pub source: BufferId,
    /// Its first frame to read.
    pub source_frame: i32,
    /// The first frame of the target to write.
    pub target_frame: i32,
    /// How many frames; `None` for as many as both buffers hold from there.
    pub frames: Option<i32>,
}

/// `/b_gen target copy target_frame source source_frame frames` (frames -1: as many as fit).
pub fn copy(target: i32, copy: BufferCopy) -> Command {
    gen(
        target,
        "copy",
        vec![
            Value::Int(copy.target_frame),
            Value::Int(copy.source.get()),
            Value::Int(copy.source_frame),
            Value::Int(copy.frames.unwrap_or(-1)),
        ],
    )
}

/// Whether scsynth keeps a sound file open after a read or write, for `DiskIn` / `DiskOut`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileAfter {
    /// Close it when done.
    #[default]
    Close,
    /// Leave it open; `/b_close` closes it.
    LeaveOpen,
}

/// A read of a sound file into an existing buffer (`/b_read`, or `/b_readChannel` when
/// `channels` picks some). Build with [`FileRead::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRead {
    /// The file, on the server's machine.
    pub path: String,
    /// First frame of the file to read.
    pub file_start: i32,
    /// Frames to read; `None` for all.
    pub frames: Option<i32>,
    /// First frame of the buffer to write.
    pub buffer_start: i32,
    /// File channels to read; all when empty.
    pub channels: Vec<i32>,
    /// Whether the file stays open.
    pub after: FileAfter,
}

impl FileRead {
    /// All of `path` into the buffer from its first frame, closed after.
    pub fn new(path: impl Into<String>) -> Self {
        FileRead {
            path: path.into(),
            file_start: 0,
            frames: None,
            buffer_start: 0,
            channels: Vec::new(),
            after: FileAfter::Close,
        }
    }

    /// Start at this frame of the file.
    pub fn file_start(self, frame: i32) -> Self {
        FileRead {
            file_start: frame,
            ..self
        }
    }

    /// Read this many frames.
    pub fn frames(self, frames: i32) -> Self {
        FileRead {
            frames: Some(frames),
            ..self
        }
    }

    /// Write from this frame of the buffer.
    pub fn buffer_start(self, frame: i32) -> Self {
        FileRead {
            buffer_start: frame,
            ..self
        }
    }

    /// Read only these file channels.
    pub fn channels(self, channels: Vec<i32>) -> Self {
        FileRead { channels, ..self }
    }

    /// Leave the file open (for `DiskIn`).
    pub fn leave_open(self) -> Self {
        FileRead {
            after: FileAfter::LeaveOpen,
            ..self
        }
    }

    /// The command reading into `buffer_id`.
    pub fn to_command(&self, buffer_id: i32) -> Command {
        let completion = Vec::new();
        let (path, file_start, buffer_start) =
            (self.path.clone(), self.file_start, self.buffer_start);
        let (frames, leave_open) = (
            self.frames.unwrap_or(-1),
            self.after == FileAfter::LeaveOpen,
        );
        if self.channels.is_empty() {
            return Command::BRead {
                buffer_id,
                path,
                file_start,
                frames,
                buffer_start,
                leave_open,
                completion,
            };
        }
        Command::BReadChannel {
            buffer_id,
            path,
            file_start,
            frames,
            buffer_start,
            leave_open,
            channels: self.channels.clone(),
            completion,
        }
    }
}

/// A write of a buffer to a sound file (`/b_write`). Build with [`FileWrite::new`] and the
/// setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// The file, on the server's machine.
    pub path: String,
    /// Its container.
    pub header: HeaderFormat,
    /// Its samples.
    pub sample: SampleFormat,
    /// Frames to write; `None` for all.
    pub frames: Option<i32>,
    /// First frame of the buffer to write.
    pub start_frame: i32,
    /// Whether the file stays open.
    pub after: FileAfter,
}

impl FileWrite {
    /// The whole buffer to `path` as WAVE floats, closed after.
    pub fn new(path: impl Into<String>) -> Self {
        FileWrite {
            path: path.into(),
            header: HeaderFormat::default(),
            sample: SampleFormat::default(),
            frames: None,
            start_frame: 0,
            after: FileAfter::Close,
        }
    }

    /// In this container and sample format.
    pub fn format(self, header: HeaderFormat, sample: SampleFormat) -> Self {
        FileWrite {
            header,
            sample,
            ..self
        }
    }

    /// Write this many frames.
    pub fn frames(self, frames: i32) -> Self {
        FileWrite {
            frames: Some(frames),
            ..self
        }
    }

    /// Start at this frame of the buffer.
    pub fn start_frame(self, frame: i32) -> Self {
        FileWrite {
            start_frame: frame,
            ..self
        }
    }

    /// Leave the file open (for `DiskOut`).
    pub fn leave_open(self) -> Self {
        FileWrite {
            after: FileAfter::LeaveOpen,
            ..self
        }
    }

    /// The command writing `buffer_id`.
    pub fn to_command(&self, buffer_id: i32) -> Command {
        let completion = Vec::new();
        Command::BWrite {
            buffer_id,
            path: self.path.clone(),
            header_format: self.header.as_str().to_owned(),
            sample_format: self.sample.as_str().to_owned(),
            frames: self.frames.unwrap_or(-1),
            start_frame: self.start_frame,
            leave_open: self.after == FileAfter::LeaveOpen,
            completion,
        }
    }
}

/// The `/b_alloc`s of `count` consecutive buffers from `first`, each `frames` × `channels`
/// (supriya's `add_buffer_group`): one message per buffer, as scsynth takes one each.
pub fn alloc_group(
    first: i32,
    count: i32,
    frames: i32,
    channels: i32,
) -> Result<Vec<Command>, InvalidArgument> {
    crate::validate::at_least("add_buffer_group", "count", count, 1)?;
    Ok((0..count)
        .map(|i| Command::BAlloc {
            buffer_id: first + i,
            frames,
            channels,
            completion: vec![],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::OscType;

    fn args(c: &Command) -> Vec<OscType> {
        c.to_message().args
    }

    #[test]
    fn flags_combine_as_a_set() {
        assert_eq!(GenFlags::NONE.bits(), 0);
        let set = GenFlag::Normalize | GenFlag::Clear;
        assert_eq!(set.bits(), 5);
        assert!(set.contains(GenFlag::Clear) && !set.contains(GenFlag::Wavetable));
        assert_eq!((set | GenFlag::Wavetable).bits(), 7);
        let all: GenFlags = [GenFlag::Wavetable, GenFlag::Wavetable]
            .into_iter()
            .collect();
        assert_eq!(all.bits(), 2);
    }

    #[test]
    fn waveforms_encode_flags_then_numbers() {
        let c = generate(
            3,
            &Waveform::Sine1 {
                amplitudes: vec![1.0, 0.5],
            },
            GenFlag::Normalize | GenFlag::Wavetable | GenFlag::Clear,
        )
        .unwrap();
        assert_eq!(c.address(), "/b_gen");
        assert_eq!(
            args(&c),
            vec![
                OscType::Int(3),
                "sine1".into(),
                OscType::Int(7),
                OscType::Float(1.0),
                OscType::Float(0.5)
            ]
        );
        let sine3 = Waveform::Sine3 {
            partials: vec![(1.0, 0.5, 0.25), (3.0, 0.1, 0.0)],
        };
        let c = generate(3, &sine3, GenFlags::NONE).unwrap();
        assert_eq!(
            args(&c)[1..4],
            ["sine3".into(), OscType::Int(0), OscType::Float(1.0)]
        );
        assert_eq!(args(&c).len(), 9);
        let sine2 = Waveform::Sine2 {
            partials: vec![(2.0, 0.5)],
        };
        assert_eq!(
            args(&generate(3, &sine2, GenFlag::Clear.into()).unwrap()).len(),
            5
        );
        let cheby = Waveform::Cheby {
            amplitudes: vec![1.0],
        };
        assert_eq!(
            args(&generate(3, &cheby, GenFlags::NONE).unwrap())[1],
            "cheby".into()
        );
    }

    #[test]
    fn empty_or_non_finite_waveforms_are_refused() {
        let empty = Waveform::Sine2 { partials: vec![] };
        let error = generate(1, &empty, GenFlags::NONE).unwrap_err();
        assert_eq!(error.argument, "partials");
        assert_eq!(error.allowed, "at least one partial for sine2");
        let nan = Waveform::Sine1 {
            amplitudes: vec![1.0, f32::NAN],
        };
        assert_eq!(
            generate(1, &nan, GenFlags::NONE).unwrap_err().argument,
            "partial"
        );
        assert_eq!(
            normalize(1, f32::INFINITY, Layout::Signal)
                .unwrap_err()
                .argument,
            "peak"
        );
    }

    #[test]
    fn normalize_and_copy_are_b_gen_commands() {
        let n = normalize(2, 0.5, Layout::Wavetable).unwrap();
        assert_eq!(
            args(&n),
            vec![OscType::Int(2), "wnormalize".into(), OscType::Float(0.5)]
        );
        assert_eq!(
            args(&normalize(2, 1.0, Layout::Signal).unwrap())[1],
            "normalize".into()
        );
        let c = copy(
            4,
            BufferCopy {
                source: BufferId::new(9),
                source_frame: 16,
                target_frame: 2,
                frames: None,
            },
        );
        assert_eq!(
            args(&c),
            vec![
                OscType::Int(4),
                "copy".into(),
                OscType::Int(2),
                OscType::Int(9),
                OscType::Int(16),
                OscType::Int(-1)
            ]
        );
        assert_eq!(c.reply().unwrap().to_string(), "/done \"/b_gen\" 4");
    }

    #[test]
    fn reads_pick_b_read_or_b_read_channel() {
        let read = FileRead::new("/a.wav")
            .file_start(10)
            .frames(100)
            .buffer_start(5)
            .leave_open();
        let c = read.to_command(1);
        assert_eq!(c.address(), "/b_read");
        assert_eq!(
            args(&c),
            vec![
                OscType::Int(1),
                "/a.wav".into(),
                OscType::Int(10),
                OscType::Int(100),
                OscType::Int(5),
                OscType::Int(1)
            ]
        );
        let all = FileRead::new("/a.wav").to_command(1);
        assert_eq!(
            args(&all)[2..],
            [
                OscType::Int(0),
                OscType::Int(-1),
                OscType::Int(0),
                OscType::Int(0)
            ]
        );
        let channel = FileRead::new("/a.wav").channels(vec![1]).to_command(1);
        assert_eq!(channel.address(), "/b_readChannel");
        assert_eq!(args(&channel).last(), Some(&OscType::Int(1)));
    }

    #[test]
    fn writes_carry_formats_frames_offset_and_leave_open() {
        let w = FileWrite::new("/b.aiff")
            .format(HeaderFormat::Aiff, SampleFormat::Int24)
            .frames(64)
            .start_frame(8)
            .leave_open();
        assert_eq!(
            args(&w.to_command(3)),
            vec![
                OscType::Int(3),
                "/b.aiff".into(),
                "aiff".into(),
                "int24".into(),
                OscType::Int(64),
                OscType::Int(8),
                OscType::Int(1)
            ]
        );
        let plain = FileWrite::new("/b.wav").to_command(3);
        assert_eq!(
            args(&plain)[2..],
            [
                "wav".into(),
                "float".into(),
                OscType::Int(-1),
                OscType::Int(0),
                OscType::Int(0)
            ]
        );
    }

    #[test]
    fn buffer_groups_are_consecutive_allocations() {
        let commands = alloc_group(10, 3, 512, 2).unwrap();
        let ids: Vec<_> = commands
            .iter()
            .map(|c| match c {
                Command::BAlloc { buffer_id, .. } => *buffer_id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, vec![10, 11, 12]);
        assert_eq!(alloc_group(10, 0, 512, 2).unwrap_err().argument, "count");
    }
}
