//! Scopes: a `ScopeOut2` synth writes a bus's signal into a shared-memory scope buffer and a
//! [`Scope`] reads it back, one complete frame at a time, taking part in the buffer's
//! three-region exchange (see [`scserver_core::shm::scope`]).

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use scserver_core::command::Command;
use scserver_core::shm::{resolve, scope};
use scserver_synthdef::ugens::{
    BufDur, BufRd, BufSamples, In, LFSaw, LocalBuf, PV_MagSmear, ScopeOut2, FFT, K2A,
};
use scserver_synthdef::{SynthDef, SynthDefBuilder};

use super::{SharedMemory, SharedMemoryError};
use crate::objects::Face;
use crate::{AsyncServer, Bus, BusGroup, Controls, GroupId, Position, Rate, Server, Synth};

/// How often a waiting reader looks for a new frame; a frame takes at least one control period.
const POLL: Duration = Duration::from_millis(1);
/// The scope pool holds 128 × 8192 floats and each buffer takes three regions.
const MAX_SAMPLES: u32 = 128 * 8192 / 3;
/// Channels `ScopeOut2` reads in the definitions built here.
const MAX_CHANNELS: u32 = 64;

/// Scope buffers claimed by this process, per segment file (device, inode) and index.
static CLAIMED: Mutex<BTreeSet<(u64, u64, usize)>> = Mutex::new(BTreeSet::new());

/// The buses a scope reads: a rate, a first bus and a channel count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeInput {
    /// The buses' rate (control buses are upsampled to audio rate).
    pub rate: Rate,
    /// The first bus.
    pub first: i32,
    /// How many buses.
    pub channels: u32,
}

impl<S: Face> From<&Bus<S>> for ScopeInput {
    fn from(bus: &Bus<S>) -> Self {
        ScopeInput {
            rate: bus.rate(),
            first: bus.index(),
            channels: 1,
        }
    }
}

impl<S: Face> From<&BusGroup<S>> for ScopeInput {
    fn from(group: &BusGroup<S>) -> Self {
        ScopeInput {
            rate: group.rate(),
            first: group.index(),
            channels: group.len().max(0) as u32,
        }
    }
}

/// The frequency axis of a frequency scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrequencyScale {
    /// Bins evenly spaced from 0 Hz to Nyquist.
    Linear,
    /// Bins spaced logarithmically.
    Logarithmic,
}

/// One complete frame: `frames` samples per channel, channel after channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeFrame {
    channels: usize,
    frames: usize,
    samples: Vec<f32>,
}

impl ScopeFrame {
    /// Channels in the frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Channel `i`'s samples (empty when out of range).
    pub fn channel(&self, i: usize) -> &[f32] {
        self.samples
            .get(i * self.frames..(i + 1) * self.frames)
            .unwrap_or(&[])
    }

    /// Every sample, channel after channel.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }
}

/// A scope buffer index claimed in this process; released on drop.
struct Claim {
    key: (u64, u64, usize),
}

impl Claim {
    /// The first scope buffer that neither this process nor a writer holds. Its exchange flags
    /// are cleared, so the first frame read is one the new synth wrote.
    fn take(shm: &SharedMemory) -> Result<(Claim, usize), SharedMemoryError> {
        let segment = &shm.segment;
        let buffers = &segment.layout.scope_buffers;
        let mut claimed = CLAIMED.lock().unwrap_or_else(PoisonError::into_inner);
        for (index, &offset) in buffers.iter().enumerate() {
            let key = (segment.file.0, segment.file.1, index);
            let status = segment
                .map
                .load_i32(offset + scope::STATUS, Ordering::Acquire);
            if claimed.contains(&key) || status != Some(0) {
                continue;
            }
            for region in 0..scope::REGIONS {
                segment
                    .map
                    .store_u8(offset + scope::region(region) + scope::REGION_CHANGED, 0)
                    .ok_or(SharedMemoryError::ReadOnly)?;
            }
            claimed.insert(key);
            return Ok((Claim { key }, index));
        }
        Err(SharedMemoryError::NoScopeBuffer(buffers.len()))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        CLAIMED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// A running scope: its synth and the reader of its scope buffer. Dropping it frees the synth.
pub struct Scope {
    server: AsyncServer,
    shm: SharedMemory,
    index: usize,
    offset: usize,
    synth: Synth,
    _claim: Claim,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scope({} synth {})", self.index, self.synth.id())
    }
}

impl Scope {
    /// The scope buffer index (`ScopeOut2`'s `scope_id`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The synth writing the scope buffer.
    pub fn synth(&self) -> &Synth {
        &self.synth
    }

    fn state_error(&self, what: impl Into<String>) -> SharedMemoryError {
        SharedMemoryError::ScopeState {
            index: self.index,
            what: what.into(),
        }
    }

    fn region_index(&self, field: usize) -> Result<i32, SharedMemoryError> {
        let map = &self.shm.segment.map;
        match map.load_i32(self.offset + field, Ordering::Relaxed) {
            Some(i) if (0..scope::REGIONS).contains(&i) => Ok(i),
            other => Err(self.state_error(format!("region index {other:?}"))),
        }
    }

    /// The newest complete frame if the writer pushed one since the last read, else `None`
    /// (also while the synth has not started or after the server has gone).
    pub fn try_read(&mut self) -> Result<Option<ScopeFrame>, SharedMemoryError> {
        let map = &self.shm.segment.map;
        let base = self.offset;
        if map.load_i32(base + scope::STATUS, Ordering::Acquire) != Some(scope::INITIALIZED) {
            return Ok(None);
        }
        let stage = self.region_index(scope::STAGE)?;
        let changed = map.load_u8(base + scope::region(stage) + scope::REGION_CHANGED);
        if changed.unwrap_or(0) == 0 {
            return Ok(None);
        }
        // Hand our region back (flag cleared) and take the staged one; the acquire pairs with
        // the writer's release when it staged it, so its samples are visible.
        let out = self.region_index(scope::OUT)?;
        let unwritable = || SharedMemoryError::ReadOnly;
        map.store_u8(base + scope::region(out) + scope::REGION_CHANGED, 0)
            .ok_or_else(unwritable)?;
        let taken = map
            .swap_i32(base + scope::STAGE, out, Ordering::Acquire)
            .ok_or_else(unwritable)?;
        if !(0..scope::REGIONS).contains(&taken) {
            return Err(self.state_error(format!("staged region {taken}")));
        }
        map.store_i32(base + scope::OUT, taken)
            .ok_or_else(unwritable)?;
        self.copy_region(taken).map(Some)
    }

    fn copy_region(&self, region: i32) -> Result<ScopeFrame, SharedMemoryError> {
        let map = &self.shm.segment.map;
        let descriptor = self.offset + scope::region(region);
        let field = |at| map.load_u32(self.offset + at).unwrap_or(0) as usize;
        let (channels, max_frames) = (field(scope::CHANNELS), field(scope::MAX_FRAMES));
        let frames = map.load_u32(descriptor + scope::REGION_FRAMES).unwrap_or(0) as usize;
        if frames > max_frames {
            return Err(self.state_error(format!("{frames} frames of at most {max_frames}")));
        }
        let stored = map.load_i64(descriptor + scope::REGION_DATA).unwrap_or(1);
        let data = resolve(descriptor, stored, channels * max_frames * 4, 4, map.len())
            .ok_or_else(|| self.state_error("region outside the segment"))?;
        let mut samples = vec![0.0; channels * frames];
        for (channel, out) in samples.chunks_mut(frames.max(1)).enumerate() {
            map.load_f32s(data + channel * max_frames * 4, out)
                .ok_or_else(|| self.state_error("region outside the segment"))?;
        }
        Ok(ScopeFrame {
            channels,
            frames,
            samples,
        })
    }

    /// Waits (polling, without blocking the runtime) for the next complete frame.
    pub async fn next_frame(&mut self, timeout: Duration) -> Result<ScopeFrame, SharedMemoryError> {
        let start = Instant::now();
        loop {
            if let Some(frame) = self.try_read()? {
                return Ok(frame);
            }
            self.check_waited(start, timeout)?;
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (polling, blocking this thread) for the next complete frame.
    pub fn next_frame_blocking(
        &mut self,
        timeout: Duration,
    ) -> Result<ScopeFrame, SharedMemoryError> {
        let start = Instant::now();
        loop {
            if let Some(frame) = self.try_read()? {
                return Ok(frame);
            }
            self.check_waited(start, timeout)?;
            std::thread::sleep(POLL);
        }
    }

    fn check_waited(&self, start: Instant, timeout: Duration) -> Result<(), SharedMemoryError> {
        match start.elapsed() {
            waited if waited >= timeout => Err(SharedMemoryError::NoFrame {
                index: self.index,
                waited,
            }),
            _ => Ok(()),
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        // The server releases the scope buffer when the synth ends; an offline server has
        // nothing left to free.
        let free = Command::NFree {
            node_ids: vec![self.synth.id().get()],
        };
        let _ = self
            .server
            .send(rosc::OscPacket::Message(free.to_message()));
    }
}

/// `ScopeOut2` reading `channels` buses of `rate` from control `in`.
fn amplitude_synthdef(rate: Rate, channels: u32) -> SynthDef {
    let token = match rate {
        Rate::Audio => "ar",
        Rate::Control => "kr",
    };
    let b = SynthDefBuilder::new(format!("scserver-scope-{token}-{channels}"));
    let bus = b.kr("in", 0.0);
    let source = match rate {
        Rate::Audio => In::ar(&b).bus(bus).channels(channels).finish(),
        Rate::Control => K2A::ar(&b)
            .source(In::kr(&b).bus(bus).channels(channels).finish())
            .finish(),
    };
    ScopeOut2::ar(&b)
        .scope_id(b.ir("scope_id", 0.0))
        .max_frames(b.ir("max_frames", 4096.0))
        .scope_frames(b.kr("scope_frames", 4096.0))
        .source(source)
        .finish();
    b.build().expect("the amplitude scope graph is valid")
}

/// An FFT of audio bus `in` whose magnitudes (in dB) `ScopeOut2` writes, `fft_size / rate`
/// values per frame, read from the FFT buffer along a linear or logarithmic frequency axis.
fn frequency_synthdef(scale: FrequencyScale) -> SynthDef {
    let token = match scale {
        FrequencyScale::Linear => "lin",
        FrequencyScale::Logarithmic => "log",
    };
    let b = SynthDefBuilder::new(format!("scserver-freq-scope-{token}"));
    let (fft_size, rate) = (b.ir("fft_size", 2048.0), b.ir("rate", 4.0));
    let buffer = LocalBuf::ir(&b).frame_count(fft_size.clone()).finish();
    let half = BufSamples::ir(&b).buffer_id(buffer.clone()).finish() * 0.5;
    let source = In::ar(&b).bus(b.kr("in", 0.0)).channels(1).finish();
    let chain = FFT::kr(&b)
        .buffer_id(buffer.clone())
        .source(source)
        .hop(0.75)
        .window_type(1.0)
        .finish();
    PV_MagSmear::kr(&b).pv_chain(chain).bins(1.0).finish();
    // A sweep across the buffer once per frame, starting at bin 0 with the frame.
    let sweep = LFSaw::ar(&b)
        .frequency(rate.clone() / BufDur::ir(&b).buffer_id(buffer.clone()).finish())
        .initial_phase(1.0 - rate.clone() * fft_size.reciprocal())
        .finish();
    let position = match scale {
        FrequencyScale::Linear => b.mul_add(sweep, half.clone(), half),
        FrequencyScale::Logarithmic => half.pow(b.mul_add(sweep, 0.5, 0.5)) * 2.0,
    };
    // Even indices of the polar spectrum are magnitudes.
    let magnitude = BufRd::ar(&b)
        .buffer_id(buffer)
        .phase(position.round_to(2.0))
        .r#loop(1.0)
        .interpolation(1.0)
        .channels(1)
        .finish();
    ScopeOut2::ar(&b)
        .scope_id(b.ir("scope_id", 0.0))
        .max_frames(fft_size.clone() / rate)
        .source((magnitude / fft_size).ampdb())
        .finish();
    b.build().expect("the frequency scope graph is valid")
}

impl AsyncServer {
    /// Places an amplitude scope of `input` (up to 64 buses, audio or control rate) at the tail
    /// of the root node, writing frames of `max_frames` samples per channel into a free scope
    /// buffer of `shm` (mapped [`Access::ReadWrite`](super::Access::ReadWrite)).
    pub async fn add_scope(
        &self,
        shm: &SharedMemory,
        input: impl Into<ScopeInput>,
        max_frames: u32,
    ) -> Result<Scope, SharedMemoryError> {
        let input = input.into();
        if !(1..=MAX_CHANNELS).contains(&input.channels) {
            return Err(invalid(format!(
                "{} channels; a scope reads 1 to {MAX_CHANNELS}",
                input.channels
            )));
        }
        check_size(input.channels, max_frames)?;
        let def = amplitude_synthdef(input.rate, input.channels);
        let controls = crate::controls! {
            in: input.first,
            max_frames: max_frames as f32,
            scope_frames: max_frames as f32,
        };
        self.place_scope(shm, &def, controls).await
    }

    /// Places a frequency scope of audio bus `bus`: an FFT of `fft_size` samples (256 to
    /// 8192) whose magnitudes in dB arrive as frames of `fft_size / rate` values along `scale`.
    pub async fn add_frequency_scope<S: Face>(
        &self,
        shm: &SharedMemory,
        bus: &Bus<S>,
        fft_size: u32,
        rate: u32,
        scale: FrequencyScale,
    ) -> Result<Scope, SharedMemoryError> {
        if bus.rate() != Rate::Audio {
            return Err(invalid(format!("bus {} is not an audio bus", bus.id())));
        }
        if !(256..=8192).contains(&fft_size) || !fft_size.is_power_of_two() {
            return Err(invalid(format!(
                "FFT size {fft_size}; use a power of two from 256 to 8192"
            )));
        }
        if rate == 0 || !fft_size.is_multiple_of(rate) {
            return Err(invalid(format!(
                "rate {rate} does not divide FFT size {fft_size}"
            )));
        }
        let controls = crate::controls! {
            in: bus.index(),
            fft_size: fft_size as f32,
            rate: rate as f32,
        };
        self.place_scope(shm, &frequency_synthdef(scale), controls)
            .await
    }

    async fn place_scope(
        &self,
        shm: &SharedMemory,
        def: &SynthDef,
        controls: Controls,
    ) -> Result<Scope, SharedMemoryError> {
        let server_port = self.options().port;
        if shm.port() != server_port {
            return Err(SharedMemoryError::OtherServer {
                shm_port: shm.port(),
                server_port,
            });
        }
        if !shm.is_writable() {
            return Err(SharedMemoryError::ReadOnly);
        }
        let (claim, index) = Claim::take(shm)?;
        let controls = controls.with("scope_id", index as i32);
        let synth = self
            // At the root's tail: after every group, so it sees what those wrote this period.
            .add_synth(def, controls, Position::tail(GroupId::ROOT))
            .await?;
        tracing::debug!(index, synth = %synth.id(), "scope placed");
        Ok(Scope {
            server: self.clone(),
            offset: shm.segment.layout.scope_buffers[index],
            shm: shm.clone(),
            index,
            synth,
            _claim: claim,
        })
    }
}

impl Server {
    /// Places an amplitude scope (see [`AsyncServer::add_scope`]).
    pub fn add_scope(
        &self,
        shm: &SharedMemory,
        input: impl Into<ScopeInput>,
        max_frames: u32,
    ) -> Result<Scope, SharedMemoryError> {
        futures::executor::block_on(self.as_async().add_scope(shm, input, max_frames))
    }

    /// Places a frequency scope (see [`AsyncServer::add_frequency_scope`]).
    pub fn add_frequency_scope<S: Face>(
        &self,
        shm: &SharedMemory,
        bus: &Bus<S>,
        fft_size: u32,
        rate: u32,
        scale: FrequencyScale,
    ) -> Result<Scope, SharedMemoryError> {
        futures::executor::block_on(
            self.as_async()
                .add_frequency_scope(shm, bus, fft_size, rate, scale),
        )
    }
}

fn invalid(what: String) -> SharedMemoryError {
    SharedMemoryError::InvalidScope(what)
}

fn check_size(channels: u32, max_frames: u32) -> Result<(), SharedMemoryError> {
    if max_frames < 64 || channels.saturating_mul(max_frames) > MAX_SAMPLES {
        return Err(invalid(format!(
            "{channels} channels × {max_frames} frames; use at least 64 frames and at most \
             {MAX_SAMPLES} samples in all"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_synthdefs_build_and_name_their_shape() {
        assert_eq!(
            amplitude_synthdef(Rate::Audio, 2).name,
            "scserver-scope-ar-2"
        );
        assert_eq!(
            amplitude_synthdef(Rate::Control, 3).name,
            "scserver-scope-kr-3"
        );
        let def = frequency_synthdef(FrequencyScale::Logarithmic);
        assert_eq!(def.name, "scserver-freq-scope-log");
        assert!(def.compile().starts_with(b"SCgf"));
    }

    #[test]
    fn scope_sizes_are_checked() {
        assert!(check_size(2, 4096).is_ok());
        assert!(check_size(1, 32).is_err());
        assert!(check_size(64, 8192).is_err());
    }

    #[test]
    fn frames_split_into_channels() {
        let frame = ScopeFrame {
            channels: 2,
            frames: 3,
            samples: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        assert_eq!(frame.channel(1), &[4.0, 5.0, 6.0]);
        assert!(frame.channel(2).is_empty());
    }
}
