//! Plain DSP for tests that listen: read a sound file, measure frequency and level.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use scserver_synthdef::ugens::{Out, SinOsc};
use scserver_synthdef::SynthDefBuilder;

/// The SynthDef `test_sine`: `SinOsc.ar(freq) * amp` on bus `out`, 440 Hz at 0.25 by default.
pub fn sine_def() -> Vec<u8> {
    let b = SynthDefBuilder::new("test_sine");
    let (freq, amp, out) = (b.kr("freq", 440.0), b.kr("amp", 0.25), b.kr("out", 0.0));
    let sig = SinOsc::ar(&b).frequency(freq).finish() * amp;
    Out::ar(&b).bus(out).source(sig).finish();
    b.build().unwrap().compile()
}

/// A directory of its own for one test's sound files, removed with everything in it on drop.
pub struct ScratchDir(PathBuf);

impl std::ops::Deref for ScratchDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh [`ScratchDir`] named after `name`, this process and a counter.
pub fn scratch_dir(name: &str) -> ScratchDir {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("scserver-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    ScratchDir(dir)
}

/// A sound file's samples, one `Vec` per channel, and its sample rate.
pub struct Audio {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// Reads a WAV file written as 32-bit float or 16/24/32-bit integers.
    pub fn read(path: &Path) -> Audio {
        let mut reader =
            hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let spec = reader.spec();
        let samples: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
            hound::SampleFormat::Int => {
                let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
                reader
                    .samples::<i32>()
                    .map(|s| s.unwrap() as f32 / scale)
                    .collect()
            }
        };
        let n = usize::from(spec.channels);
        let channels = (0..n)
            .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
            .collect();
        Audio {
            sample_rate: spec.sample_rate,
            channels,
        }
    }

    /// Frames per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }
}

/// Root mean square.
pub fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The largest magnitude.
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0, |m, s| m.max(s.abs()))
}

/// The frequency of a periodic signal from its upward zero crossings, each placed between two
/// samples by linear interpolation.
pub fn frequency(samples: &[f32], sample_rate: u32) -> f64 {
    let crossings: Vec<f64> = samples
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + f64::from(w[0]) / f64::from(w[0] - w[1]))
        .collect();
    assert!(crossings.len() >= 2, "fewer than two zero crossings");
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 * f64::from(sample_rate) / (last - first)
}
