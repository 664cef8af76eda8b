//! Scores for non-realtime rendering: commands at times in seconds, written as scsynth's
//! command file for `scsynth -N`.
//!
//! The file is a sequence of OSC bundles in time order, each preceded by its size as a
//! big-endian `int32`; time tags count seconds from 0 as NTP fixed point. scsynth renders whole
//! control blocks up to and including the block that holds the last bundle, so the file ends
//! with an empty bundle one sample before the score's end: a length that is a whole number of
//! blocks comes out exact, any other is rounded up to the next block.

use rosc::{OscBundle, OscPacket};

use crate::alloc::{BlockAllocator, NodeIdAllocator};
use crate::command::{self, Command};
use crate::timetag;

/// Why a score cannot be written or a command file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A command time that is negative, NaN or infinite.
    #[error("command time {0} is not a finite number of seconds ≥ 0")]
    InvalidTime(f64),
    /// A score length that is negative, NaN or infinite.
    #[error("score duration {0} is not a finite number of seconds ≥ 0")]
    InvalidDuration(f64),
    /// A sample rate of 0, or a block size of 0.
    #[error("sample rate {sample_rate} and block size {block_size} must both be at least 1")]
    InvalidRate {
        /// Frames per second.
        sample_rate: u32,
        /// Frames per control block.
        block_size: u32,
    },
    /// The score renders nothing: no commands and no duration.
    #[error("the score is empty: add commands or set a duration")]
    Empty,
    /// A command after the score's end would never run.
    #[error("a command at {time} s comes after the score's end at {end} s: raise the duration")]
    AfterEnd {
        /// The command's time.
        time: f64,
        /// The score's end.
        end: f64,
    },
    /// The command file ends inside a size prefix or a bundle.
    #[error("command file truncated at byte {offset}: it ends inside a bundle")]
    Truncated {
        /// Where the incomplete part starts.
        offset: usize,
    },
    /// An entry of the command file is not an OSC bundle.
    #[error("command file entry at byte {offset} is not an OSC bundle: {message}")]
    NotABundle {
        /// Where the entry starts.
        offset: usize,
        /// What the OSC decoder said.
        message: String,
    },
    /// A bundle earlier in the file than one with an earlier time.
    #[error(
        "command file bundle at byte {offset} goes back in time, from {previous} s to {time} s"
    )]
    OutOfOrder {
        /// Where the bundle starts.
        offset: usize,
        /// Its time.
        time: f64,
        /// The time of the bundle before it.
        previous: f64,
    },
}

/// Commands at times in seconds from the start of a render.
///
/// Commands are the same [`Command`]s a realtime server takes; ids can come from the score's own
/// allocators, which start where a realtime server's client 0 starts.
#[derive(Debug, Clone)]
pub struct Score {
    /// (time, commands at that time), sorted by time; commands keep the order they were added.
    moments: Vec<(f64, Vec<Command>)>,
    duration: Option<f64>,
    nodes: NodeIdAllocator,
    buffers: BlockAllocator,
}

impl Default for Score {
    fn default() -> Self {
        Score::new()
    }
}

/// The first node id a score hands out, as a realtime server's default `initial_node_id`.
const FIRST_NODE_ID: i32 = 1000;

/// Buffer numbers a score hands out: scsynth's default `-b`.
const BUFFER_COUNT: i32 = 1024;

impl Score {
    /// An empty score.
    pub fn new() -> Self {
        Score {
            moments: Vec::new(),
            duration: None,
            nodes: NodeIdAllocator::new(0, FIRST_NODE_ID),
            buffers: BlockAllocator::new(0, BUFFER_COUNT),
        }
    }

    /// Adds `command` at `seconds` from the start, after any command already at that time.
    pub fn add(&mut self, seconds: f64, command: Command) -> Result<&mut Self, ScoreError> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(ScoreError::InvalidTime(seconds));
        }
        let at = self.moments.partition_point(|(t, _)| *t <= seconds);
        match self.moments.get_mut(at.wrapping_sub(1)) {
            Some((t, commands)) if *t == seconds => commands.push(command),
            _ => self.moments.insert(at, (seconds, vec![command])),
        }
        Ok(self)
    }

    /// Sets the length of the render; without it the time of the last command is the length.
    pub fn set_duration(&mut self, seconds: f64) -> Result<&mut Self, ScoreError> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(ScoreError::InvalidDuration(seconds));
        }
        self.duration = Some(seconds);
        Ok(self)
    }

    /// The length of the render in seconds.
    pub fn duration(&self) -> f64 {
        self.duration
            .or_else(|| self.moments.last().map(|(t, _)| *t))
            .unwrap_or(0.0)
    }

    /// A node id not yet handed out by this score; `None` once all 67,107,864 are.
    pub fn allocate_node(&mut self) -> Option<i32> {
        self.nodes.allocate()
    }

    /// The first of `count` consecutive buffer numbers not yet handed out by this score, or
    /// `None` when scsynth's 1,024 default buffers are used up.
    pub fn allocate_buffers(&mut self, count: i32) -> Option<i32> {
        self.buffers.allocate(count)
    }

    /// The commands in time order, with their times.
    pub fn commands(&self) -> impl Iterator<Item = (f64, &Command)> {
        self.moments
            .iter()
            .flat_map(|(t, commands)| commands.iter().map(move |c| (*t, c)))
    }

    /// The command file for a render at `sample_rate` with `block_size`-frame control blocks.
    ///
    /// Commands at or after the last sample run in the closing bundle; a command after the
    /// duration is refused, since it would never run.
    pub fn to_bytes(&self, sample_rate: u32, block_size: u32) -> Result<Vec<u8>, ScoreError> {
        if sample_rate == 0 || block_size == 0 {
            return Err(ScoreError::InvalidRate {
                sample_rate,
                block_size,
            });
        }
        let end = self.duration();
        if let Some((time, _)) = self.moments.last().filter(|(t, _)| *t > end) {
            return Err(ScoreError::AfterEnd { time: *time, end });
        }
        let frames = (end * f64::from(sample_rate)).round();
        if frames < 1.0 {
            return Err(ScoreError::Empty);
        }
        // One sample before the end, so the block holding it is the last one rendered.
        let last = (frames - 1.0) / f64::from(sample_rate);
        let mut out = Vec::new();
        let mut closing = Vec::new();
        for (time, commands) in &self.moments {
            if *time >= last {
                closing.extend(commands.iter().cloned());
            } else {
                write_bundle(&mut out, *time, commands.iter().cloned());
            }
        }
        write_bundle(&mut out, last, closing);
        Ok(out)
    }
}

fn write_bundle(out: &mut Vec<u8>, seconds: f64, commands: impl IntoIterator<Item = Command>) {
    let bundle = OscPacket::Bundle(OscBundle {
        timetag: timetag::from_seconds(seconds),
        content: command::merge_all(commands)
            .iter()
            .map(|c| OscPacket::Message(c.to_message()))
            .collect(),
    });
    // Encoding a bundle of well-formed messages cannot fail; an empty one is written as such.
    let bytes = rosc::encoder::encode(&bundle).unwrap_or_default();
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(&bytes);
}

/// The time of every bundle of a command file, checked for what scsynth needs: complete entries,
/// each an OSC bundle, in time order. The last time is the length of the render.
pub fn bundle_times(file: &[u8]) -> Result<Vec<f64>, ScoreError> {
    let mut times = Vec::new();
    let mut offset = 0;
    while offset < file.len() {
        let size = file
            .get(offset..offset + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(ScoreError::Truncated { offset })?;
        let body = usize::try_from(size)
            .ok()
            .and_then(|size| file.get(offset + 4..offset + 4 + size))
            .ok_or(ScoreError::Truncated { offset })?;
        let not_a_bundle = |message: String| ScoreError::NotABundle { offset, message };
        let time = match rosc::decoder::decode_udp(body) {
            Ok((_, OscPacket::Bundle(bundle))) => timetag::to_seconds(bundle.timetag),
            Ok((_, OscPacket::Message(m))) => {
                return Err(not_a_bundle(format!("a bare message to {}", m.addr)))
            }
            Err(e) => return Err(not_a_bundle(e.to_string())),
        };
        if let Some(&previous) = times.last() {
            if time < previous {
                return Err(ScoreError::OutOfOrder {
                    offset,
                    time,
                    previous,
                });
            }
        }
        times.push(time);
        offset += 4 + body.len();
    }
    Ok(times)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::AddAction;

    fn new_synth(node_id: i32) -> Command {
        Command::SNew {
            synthdef: "sine".into(),
            node_id,
            add_action: AddAction::AddToHead,
            target: 0,
            controls: vec![],
        }
    }

    fn free(node_id: i32) -> Command {
        Command::NFree {
            node_ids: vec![node_id],
        }
    }

    #[test]
    fn file_is_size_prefixed_bundles_in_time_order_ending_one_sample_early() {
        let mut score = Score::new();
        score.add(1.0, free(1000)).unwrap();
        score.add(0.0, new_synth(1000)).unwrap();
        score.set_duration(2.0).unwrap();
        let bytes = score.to_bytes(48000, 64).unwrap();

        let size = i32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert_eq!(&bytes[4..12], b"#bundle\0");
        // Time tag 0.0: whole seconds 0, fraction 0.
        assert_eq!(&bytes[12..20], &[0; 8]);
        let times = bundle_times(&bytes).unwrap();
        assert_eq!(times.len(), 3);
        assert_eq!(times[..2], [0.0, 1.0]);
        assert!((times[2] - 95_999.0 / 48_000.0).abs() < 1e-9);
        let (_, first) = rosc::decoder::decode_udp(&bytes[4..4 + size]).unwrap();
        let OscPacket::Bundle(first) = first else {
            panic!("not a bundle")
        };
        assert_eq!(
            first.content,
            vec![OscPacket::Message(new_synth(1000).to_message())]
        );
    }

    #[test]
    fn same_time_keeps_insertion_order_and_merges_like_realtime() {
        let mut score = Score::new();
        let set = |bus| Command::CSet {
            values: vec![(bus, 1.0)],
        };
        score.add(0.5, set(1)).unwrap();
        score.add(0.5, set(2)).unwrap();
        score.add(0.5, new_synth(3)).unwrap();
        let commands: Vec<_> = score.commands().map(|(_, c)| c.clone()).collect();
        assert_eq!(commands, vec![set(1), set(2), new_synth(3)]);
        let bytes = score.to_bytes(48000, 64).unwrap();
        // Everything is at the last sample, so it all runs in the closing bundle, /c_set merged.
        let (_, packet) = rosc::decoder::decode_udp(&bytes[4..]).unwrap();
        let OscPacket::Bundle(bundle) = packet else {
            panic!("not a bundle")
        };
        assert_eq!(bundle.content.len(), 2);
    }

    #[test]
    fn duration_defaults_to_the_last_command() {
        let mut score = Score::new();
        assert_eq!(score.to_bytes(48000, 64), Err(ScoreError::Empty));
        score.add(3.0, free(1)).unwrap();
        assert_eq!(score.duration(), 3.0);
        score.set_duration(1.0).unwrap();
        assert_eq!(
            score.to_bytes(48000, 64),
            Err(ScoreError::AfterEnd {
                time: 3.0,
                end: 1.0
            })
        );
    }

    #[test]
    fn bad_times_and_rates_are_refused() {
        let mut score = Score::new();
        assert_eq!(
            score.add(-1.0, free(1)).err(),
            Some(ScoreError::InvalidTime(-1.0))
        );
        assert!(matches!(
            score.add(f64::NAN, free(1)),
            Err(ScoreError::InvalidTime(_))
        ));
        assert!(matches!(
            score.set_duration(f64::INFINITY),
            Err(ScoreError::InvalidDuration(_))
        ));
        score.set_duration(1.0).unwrap();
        assert!(matches!(
            score.to_bytes(0, 64),
            Err(ScoreError::InvalidRate { .. })
        ));
    }

    #[test]
    fn allocators_hand_out_distinct_ids() {
        let mut score = Score::new();
        let (a, b) = (
            score.allocate_node().unwrap(),
            score.allocate_node().unwrap(),
        );
        assert_eq!(a, FIRST_NODE_ID);
        assert_ne!(a, b);
        assert_eq!(score.allocate_buffers(2), Some(0));
        assert_eq!(score.allocate_buffers(1), Some(2));
    }

    #[test]
    fn damaged_files_are_refused_with_their_offset() {
        let mut score = Score::new();
        score.add(0.0, free(1)).unwrap();
        score.add(1.0, free(1)).unwrap();
        let bytes = score.to_bytes(48000, 64).unwrap();
        assert!(matches!(
            bundle_times(&bytes[..bytes.len() - 3]),
            Err(ScoreError::Truncated { .. })
        ));
        let message = rosc::encoder::encode(&OscPacket::Message(free(1).to_message())).unwrap();
        let mut bare = (message.len() as i32).to_be_bytes().to_vec();
        bare.extend(message);
        assert!(matches!(
            bundle_times(&bare),
            Err(ScoreError::NotABundle { offset: 0, .. })
        ));
        let first = 4 + i32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        let mut swapped = bytes[first..].to_vec();
        swapped.extend_from_slice(&bytes[..first]);
        assert!(matches!(
            bundle_times(&swapped),
            Err(ScoreError::OutOfOrder { .. })
        ));
    }
}
