//! Banks of resonators and sine partials: the specifications `Klank` and `Klang` read, and
//! sclang's `DynKlank` and `DynKlang`, which build the same sounds from `Ringz` and `SinOsc`
//! so that their parameters may change while the synth runs.

use crate::builder::SynthDefBuilder;
use crate::graph::Signal;
use crate::rate::Rate;
use crate::ugens::{Klang, Klank};

/// Frequencies with, per entry, an amplitude and a ring time (for `Klank` and
/// [`dyn_klank`](SynthDefBuilder::dyn_klank)) or a phase (for `Klang` and
/// [`dyn_klang`](SynthDefBuilder::dyn_klang)). Amplitudes default to 1, ring times to 1 and
/// phases to 0; shorter lists cycle to the longest.
///
/// ```
/// use scserver_synthdef::{ugens::{Impulse, Klank}, Bank, SynthDefBuilder};
/// let b = SynthDefBuilder::new("bell");
/// let bank = Bank::new([800.0, 1071.0, 1353.0]).ring_times([1.0, 0.8, 0.5]);
/// let bell = Klank::ar(&b).source(Impulse::ar(&b).frequency(1.0).finish()).resonators(&bank).finish();
/// # let _ = bell;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bank {
    frequencies: Vec<Signal>,
    amplitudes: Option<Vec<Signal>>,
    ring_times: Option<Vec<Signal>>,
    phases: Option<Vec<Signal>>,
}

impl Bank {
    /// A bank of these frequencies.
    pub fn new(frequencies: impl Into<Signal>) -> Bank {
        Bank {
            frequencies: frequencies.into().flatten(),
            amplitudes: None,
            ring_times: None,
            phases: None,
        }
    }

    /// The amplitude of each entry.
    pub fn amplitudes(mut self, amplitudes: impl Into<Signal>) -> Bank {
        self.amplitudes = Some(amplitudes.into().flatten());
        self
    }

    /// The 60 dB decay time of each resonator (`Klank`, `dyn_klank`).
    pub fn ring_times(mut self, times: impl Into<Signal>) -> Bank {
        self.ring_times = Some(times.into().flatten());
        self
    }

    /// The initial phase of each partial (`Klang`, `dyn_klang`).
    pub fn phases(mut self, phases: impl Into<Signal>) -> Bank {
        self.phases = Some(phases.into().flatten());
        self
    }

    /// Frequency, amplitude and `third` per entry, as many entries as the longest column
    /// (sclang's `flop.flat`, supriya's `zip_cycled`).
    fn specifications(&self, third: &Option<Vec<Signal>>, default: f64) -> Signal {
        let columns = [
            self.frequencies.clone(),
            column(&self.amplitudes, 1.0),
            column(third, default),
        ];
        // No frequencies, no entries (the defaults alone make none).
        let count = if self.frequencies.is_empty() {
            0
        } else {
            columns.iter().map(Vec::len).max().unwrap_or(0)
        };
        Signal::Array(
            (0..count)
                .flat_map(|i| columns.iter().map(move |c| c[i % c.len()].clone()))
                .collect(),
        )
    }
}

/// A column's values, or one default that cycles.
fn column(values: &Option<Vec<Signal>>, default: f64) -> Vec<Signal> {
    match values {
        Some(v) if !v.is_empty() => v.clone(),
        _ => vec![Signal::Const(default)],
    }
}

impl Klank {
    /// Sets the `specifications` from a bank: frequency, amplitude and ring time per
    /// resonator, as supriya's `Klank.ar(frequencies, amplitudes, decay_times)`.
    pub fn resonators(self, bank: &Bank) -> Self {
        self.specifications(bank.specifications(&bank.ring_times, 1.0))
    }
}

impl Klang {
    /// Sets the `specifications` from a bank: frequency, amplitude and phase per partial,
    /// as sclang's ``Klang.ar(`[freqs, amps, phases])``.
    pub fn partials(self, bank: &Bank) -> Self {
        self.specifications(bank.specifications(&bank.phases, 0.0))
    }
}

impl SynthDefBuilder {
    /// sclang's `DynKlank`: one `Ringz` per resonator of `source`, at frequency
    /// `frequency * freq_scale + freq_offset`, ring time `time * decay_scale`, times its
    /// amplitude, all summed. Unlike `Klank`, every value may change while the synth runs.
    pub fn dyn_klank(
        &self,
        rate: Rate,
        bank: &Bank,
        source: impl Into<Signal>,
        freq_scale: impl Into<Signal>,
        freq_offset: impl Into<Signal>,
        decay_scale: impl Into<Signal>,
    ) -> Signal {
        let frequencies = Signal::Array(bank.frequencies.clone()) * freq_scale + freq_offset;
        let times = Signal::Array(column(&bank.ring_times, 1.0)) * decay_scale;
        let rings = self
            .ugen("Ringz", rate)
            .input("source", source)
            .input("frequency", frequencies)
            .input("decay_time", times)
            .finish();
        self.scaled_sum(rings, &bank.amplitudes)
    }

    /// sclang's `DynKlang`: one `SinOsc` per partial at frequency
    /// `frequency * freq_scale + freq_offset` and its phase, times its amplitude, all summed.
    pub fn dyn_klang(
        &self,
        rate: Rate,
        bank: &Bank,
        freq_scale: impl Into<Signal>,
        freq_offset: impl Into<Signal>,
    ) -> Signal {
        let frequencies = Signal::Array(bank.frequencies.clone()) * freq_scale + freq_offset;
        let sines = self
            .ugen("SinOsc", rate)
            .input("frequency", frequencies)
            .input("phase", Signal::Array(column(&bank.phases, 0.0)))
            .finish();
        self.scaled_sum(sines, &bank.amplitudes)
    }

    /// Each channel times its amplitude (sclang's `madd`), then summed one at a time from 0
    /// (sclang's `Array.sum`).
    fn scaled_sum(&self, channels: Signal, amplitudes: &Option<Vec<Signal>>) -> Signal {
        let scaled = self.mul_add(channels, Signal::Array(column(amplitudes, 1.0)), 0.0);
        scaled
            .flatten()
            .into_iter()
            .fold(Signal::Const(0.0), |sum, channel| sum + channel)
    }
}
