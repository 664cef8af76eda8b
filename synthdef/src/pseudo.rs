//! Pseudo-UGens: helpers that expand into ordinary UGens and operators.

use crate::builder::{SynthDefBuilder, UGenCall};
use crate::env::{Curve, Env};
use crate::graph::Signal;
use crate::graph::{active_graph, expand, map_expanded, GraphRef};
use crate::rate::Rate;
use crate::special;

impl SynthDefBuilder {
    /// Sums signals into one channel like supriya's `Mix`: `Sum4` per four inputs, `Sum3`
    /// for a remaining three, `+` for two, recursively.
    pub fn mix(&self, sources: impl Into<Signal>) -> Signal {
        special::mix(&self.graph_ref(), &sources.into().flatten())
    }

    /// Mixes an interleaved multichannel list down to `channels` outputs: the first of each
    /// group of `channels` are summed together, then the second, and so on.
    pub fn mix_channels(&self, sources: impl Into<Signal>, channels: usize) -> Signal {
        let flat = sources.into().flatten();
        let groups: Vec<&[Signal]> = flat.chunks(channels.max(1)).collect();
        let width = groups.iter().map(|g| g.len()).min().unwrap_or(0);
        let graph = self.graph_ref();
        Signal::Array(
            (0..width)
                .map(|c| {
                    let column: Vec<Signal> = groups.iter().map(|g| g[c].clone()).collect();
                    special::mix(&graph, &column)
                })
                .collect(),
        )
    }

    /// `source * mul + add` as a `MulAdd` where scsynth allows it (see supriya's rules),
    /// else as simpler operators.
    pub fn mul_add(
        &self,
        source: impl Into<Signal>,
        mul: impl Into<Signal>,
        add: impl Into<Signal>,
    ) -> Signal {
        let graph = self.graph_ref();
        let values = [source.into(), mul.into(), add.into()];
        match expand(&values, &[false; 3]) {
            Ok(e) => map_expanded(e, &mut |v| special::mul_add(&graph, &v[0], &v[1], &v[2])),
            Err(_) => Signal::Array(Vec::new()),
        }
    }

    /// Maps `source` linearly from `[in_min, in_max]` to `[out_min, out_max]`
    /// ([`Signal::lin_lin`]).
    pub fn lin_lin(
        &self,
        source: impl Into<Signal>,
        in_min: impl Into<Signal>,
        in_max: impl Into<Signal>,
        out_min: impl Into<Signal>,
        out_max: impl Into<Signal>,
    ) -> Signal {
        source.into().lin_lin(in_min, in_max, out_min, out_max)
    }

    /// `channels` channels of audio-rate silence: one `DC.ar(0)` read by every channel.
    pub fn silence(&self, channels: usize) -> Signal {
        let dc = self.ugen("DC", Rate::Audio).input("source", 0.0).finish();
        if channels == 1 {
            dc
        } else {
            Signal::Array(vec![dc; channels])
        }
    }

    /// Prints `source` to scsynth's console when `trigger` fires, prefixed by `label`.
    pub fn poll(
        &self,
        rate: Rate,
        trigger: impl Into<Signal>,
        source: impl Into<Signal>,
        label: &str,
    ) -> Signal {
        self.ugen("Poll", rate)
            .input("trigger", trigger)
            .input("source", source)
            .input("label", special::text_signal(label))
            .finish()
    }

    /// Sends `/reply`-style OSC message `command` with the values of `sources` whenever
    /// `trigger` fires.
    pub fn send_reply(
        &self,
        rate: Rate,
        trigger: impl Into<Signal>,
        command: &str,
        sources: impl Into<Signal>,
        reply_id: impl Into<Signal>,
    ) -> Signal {
        self.ugen("SendReply", rate)
            .input("trigger", trigger)
            .input("reply_id", reply_id)
            .input("character_count", command.len() as f64)
            .input(
                "character",
                Signal::Array(command.bytes().map(|b| Signal::Const(b as f64)).collect()),
            )
            .input("source", sources)
            .finish()
    }
}

impl Signal {
    /// Maps `self` linearly from `[in_min, in_max]` to `[out_min, out_max]`: a `MulAdd` by
    /// `(out_max - out_min) / (in_max - in_min)` plus `out_min - scale * in_min`, as
    /// supriya's `LinLin`. The bounds may be signals (the arithmetic then becomes UGens).
    pub fn lin_lin(
        &self,
        in_min: impl Into<Signal>,
        in_max: impl Into<Signal>,
        out_min: impl Into<Signal>,
        out_max: impl Into<Signal>,
    ) -> Signal {
        let (in_min, out_min) = (in_min.into(), out_min.into());
        let scale = (out_max.into() - &out_min) / (in_max.into() - &in_min);
        let offset = out_min - (&scale * in_min);
        self.mul_add(scale, offset)
    }

    /// `self * mul + add` with supriya's `MulAdd` rules (needs a UGen in `self`, `mul` or
    /// `add`, or an active builder, to hold the result).
    pub fn mul_add(&self, mul: impl Into<Signal>, add: impl Into<Signal>) -> Signal {
        let mul = mul.into();
        let add = add.into();
        let graph = self
            .graph()
            .or_else(|| mul.graph())
            .or_else(|| add.graph())
            .or_else(active_graph);
        match graph {
            Some(g) => {
                let values = [self.clone(), mul, add];
                match expand(&values, &[false; 3]) {
                    Ok(e) => map_expanded(e, &mut |v| special::mul_add(&g, &v[0], &v[1], &v[2])),
                    Err(_) => Signal::Array(Vec::new()),
                }
            }
            None => self.clone() * mul + add,
        }
    }
}

impl Signal {
    /// Applies catalogue UGen `name` to each channel of `self` (as its `source`), at the
    /// channel's own rate (`ir` falls back to `kr` where the UGen has no `ir`), like
    /// supriya's `clip`/`lagged` helpers.
    fn map_ugen(&self, name: &'static str, inputs: &[(&str, Signal)]) -> Signal {
        let Some(graph) = self.graph().or_else(active_graph) else {
            return self.clone();
        };
        let Some(info) = crate::catalogue::lookup(name) else {
            return self.clone();
        };
        self.map_channels(&mut |channel| {
            let mut rate = channel.rate();
            if !info.rates.contains(&rate) {
                rate = Rate::Control;
            }
            let mut call = UGenCall::on_graph(&graph, info, Some(rate)).input("source", channel);
            for (k, v) in inputs {
                call = call.input(k, v.clone());
            }
            call.finish()
        })
    }

    /// Clips to `[min, max]` with a `Clip` UGen.
    pub fn clip(&self, min: impl Into<Signal>, max: impl Into<Signal>) -> Signal {
        self.map_ugen("Clip", &[("minimum", min.into()), ("maximum", max.into())])
    }

    /// Folds into `[min, max]` with a `Fold` UGen.
    pub fn fold(&self, min: impl Into<Signal>, max: impl Into<Signal>) -> Signal {
        self.map_ugen("Fold", &[("minimum", min.into()), ("maximum", max.into())])
    }

    /// Wraps into `[min, max]` with a `Wrap` UGen.
    pub fn wrap(&self, min: impl Into<Signal>, max: impl Into<Signal>) -> Signal {
        self.map_ugen("Wrap", &[("minimum", min.into()), ("maximum", max.into())])
    }

    /// Smooths with a `Lag` of `time` seconds.
    pub fn lag(&self, time: impl Into<Signal>) -> Signal {
        self.map_ugen("Lag", &[("lag_time", time.into())])
    }

    /// Smooths with separate rise and fall times (`LagUD`).
    pub fn lag_ud(&self, up: impl Into<Signal>, down: impl Into<Signal>) -> Signal {
        self.map_ugen(
            "LagUD",
            &[("lag_time_up", up.into()), ("lag_time_down", down.into())],
        )
    }

    /// Maps `[in_min, in_max]` exponentially to `[out_min, out_max]` (`LinExp`); the
    /// bounds may be signals.
    pub fn lin_exp(
        &self,
        in_min: impl Into<Signal>,
        in_max: impl Into<Signal>,
        out_min: impl Into<Signal>,
        out_max: impl Into<Signal>,
    ) -> Signal {
        self.map_ugen(
            "LinExp",
            &[
                ("input_minimum", in_min.into()),
                ("input_maximum", in_max.into()),
                ("output_minimum", out_min.into()),
                ("output_maximum", out_max.into()),
            ],
        )
    }

    /// Smooths with a `Lag2` (two lags in series) of `time` seconds, as sclang's `lag2`.
    pub fn lag2(&self, time: impl Into<Signal>) -> Signal {
        self.map_ugen("Lag2", &[("lag_time", time.into())])
    }

    /// Smooths with a `Lag3` (three lags in series) of `time` seconds, as sclang's `lag3`.
    pub fn lag3(&self, time: impl Into<Signal>) -> Signal {
        self.map_ugen("Lag3", &[("lag_time", time.into())])
    }

    /// `Lag2UD`: [`lag2`](Self::lag2) with separate rise and fall times.
    pub fn lag2_ud(&self, up: impl Into<Signal>, down: impl Into<Signal>) -> Signal {
        self.map_ugen(
            "Lag2UD",
            &[("lag_time_up", up.into()), ("lag_time_down", down.into())],
        )
    }

    /// `Lag3UD`: [`lag3`](Self::lag3) with separate rise and fall times.
    pub fn lag3_ud(&self, up: impl Into<Signal>, down: impl Into<Signal>) -> Signal {
        self.map_ugen(
            "Lag3UD",
            &[("lag_time_up", up.into()), ("lag_time_down", down.into())],
        )
    }

    /// sclang's `VarLag`: glides to each new value of `self` in `time` seconds along a
    /// segment of shape `warp` bent by `curvature`, from `start` (else the first value).
    /// A [`Curve::Linear`] warp is the `VarLag` UGen; any other is an `EnvGen` restarted when
    /// `self` (or a non-constant `time`) changes. Only the shape of `warp` counts: sclang's
    /// default warp is `Curve::from(5.0)` (custom, bent by `curvature`). A constant `self`
    /// or a `time` of 0 is returned as it is. Each channel runs at its own rate.
    pub fn var_lag(
        &self,
        time: impl Into<Signal>,
        curvature: impl Into<Signal>,
        warp: Curve,
        start: impl Into<Option<Signal>>,
    ) -> Signal {
        let (time, curvature, start) = (time.into(), curvature.into(), start.into());
        let Some(graph) = self.graph().or_else(active_graph) else {
            return self.clone();
        };
        let (shape, _) = warp.shape_and_value();
        self.map_channels(&mut |input| {
            let rate = input.rate();
            if rate == Rate::Scalar || time.is(0.0) {
                return input.clone();
            }
            let start = start.clone().unwrap_or_else(|| input.clone());
            if warp == Curve::Linear {
                return call(&graph, "VarLag", rate)
                    .input("source", input)
                    .input("lag_time", time.clone())
                    .input("start", start)
                    .finish();
            }
            let mut trigger = changed(&graph, rate, input, &Signal::Const(0.0))
                + call(&graph, "Impulse", rate)
                    .input("frequency", 0.0)
                    .finish();
            if time.rate() != Rate::Scalar {
                trigger = trigger + changed(&graph, Rate::Control, &time, &Signal::Const(0.0));
            }
            let envelope = vec![
                start,
                Signal::Const(1.0),
                Signal::Const(-99.0),
                Signal::Const(-99.0),
                input.clone(),
                time.clone(),
                Signal::Const(shape),
                curvature.clone(),
            ];
            call(&graph, "EnvGen", rate)
                .input("envelope", envelope)
                .input("gate", trigger)
                .finish()
        })
    }

    /// `make` applied to each channel; an array stays an array.
    fn map_channels(&self, make: &mut dyn FnMut(&Signal) -> Signal) -> Signal {
        match self {
            Signal::Array(items) => Signal::Array(items.iter().map(&mut *make).collect()),
            other => make(other),
        }
    }
}

/// Starts catalogue UGen `name` on `graph`.
fn call(graph: &GraphRef, name: &str, rate: Rate) -> UGenCall {
    UGenCall::on_graph(
        graph,
        crate::catalogue::lookup(name).expect("a catalogue row"),
        Some(rate),
    )
}

/// `abs(HPZ1(source)) > threshold`, 1 while `source` changes by more than `threshold`.
fn changed(graph: &GraphRef, rate: Rate, source: &Signal, threshold: &Signal) -> Signal {
    call(graph, "HPZ1", rate)
        .input("source", source)
        .finish()
        .abs()
        .gt(threshold)
}

impl SynthDefBuilder {
    /// 1 while `source` changes by more than `threshold` from one sample to the next, else 0:
    /// `abs(HPZ1(source)) > threshold`, as supriya's and sclang's `Changed`.
    pub fn changed(
        &self,
        rate: Rate,
        source: impl Into<Signal>,
        threshold: impl Into<Signal>,
    ) -> Signal {
        changed(&self.graph_ref(), rate, &source.into(), &threshold.into())
    }

    /// supriya's `CompanderD`: a `Compander` of `source` delayed by `clamp_time` (a
    /// `DelayN`), controlled by `source` itself, so the gain changes before the peaks it
    /// reacts to. supriya's argument order and defaults (0.5, 0.01, 0.1, 1, 1); sclang's
    /// `relaxTime` defaults to 0.01.
    pub fn compander_d(
        &self,
        source: impl Into<Signal>,
        threshold: impl Into<Signal>,
        clamp_time: impl Into<Signal>,
        relax_time: impl Into<Signal>,
        slope_above: impl Into<Signal>,
        slope_below: impl Into<Signal>,
    ) -> Signal {
        let (source, clamp_time) = (source.into(), clamp_time.into());
        let delayed = self
            .ugen("DelayN", Rate::Audio)
            .input("source", &source)
            .input("maximum_delay_time", &clamp_time)
            .input("delay_time", &clamp_time)
            .finish();
        self.ugen("Compander", Rate::Audio)
            .input("source", delayed)
            .input("control", source)
            .input("threshold", threshold)
            .input("slope_below", slope_below)
            .input("slope_above", slope_above)
            .input("clamp_time", clamp_time)
            .input("relax_time", relax_time)
            .finish()
    }

    /// `HilbertFIR`: `[source delayed, source shifted by 90 degrees]`, the shift made by an
    /// FFT of `source` in `buffer` (`PV_PhaseShift90`, then `IFFT`), the delay (`DelayN` by
    /// the buffer's duration) matching the FFT's latency.
    pub fn hilbert_fir(&self, source: impl Into<Signal>, buffer: impl Into<Signal>) -> Signal {
        let (source, buffer) = (source.into(), buffer.into());
        let fft = self
            .ugen("FFT", Rate::Control)
            .input("buffer_id", &buffer)
            .input("source", &source)
            .finish();
        let chain = self
            .ugen("PV_PhaseShift90", Rate::Control)
            .input("pv_chain", fft)
            .finish();
        let delay = self
            .ugen("BufDur", Rate::Control)
            .input("buffer_id", buffer)
            .finish();
        let delayed = self
            .ugen("DelayN", Rate::Audio)
            .input("source", source)
            .input("maximum_delay_time", &delay)
            .input("delay_time", delay)
            .finish();
        let shifted = self
            .ugen("IFFT", Rate::Audio)
            .input("pv_chain", chain)
            .finish();
        Signal::Array(vec![delayed, shifted])
    }

    /// sclang's `PMOsc`: phase modulation, a `SinOsc` at `carrier` whose phase is a `SinOsc`
    /// at `modulator` (starting at `modulator_phase`) times `index` radians.
    pub fn pm_osc(
        &self,
        rate: Rate,
        carrier: impl Into<Signal>,
        modulator: impl Into<Signal>,
        index: impl Into<Signal>,
        modulator_phase: impl Into<Signal>,
    ) -> Signal {
        let modulation = self
            .ugen("SinOsc", rate)
            .input("frequency", modulator)
            .input("phase", modulator_phase)
            .finish();
        self.ugen("SinOsc", rate)
            .input("frequency", carrier)
            .input("phase", self.mul_add(modulation, index, 0.0))
            .finish()
    }

    /// `IEnvGen`: the level of `envelope` at time `index` (seconds from its start, less its
    /// [`offset`](Env::offset)), read in sclang's interpolation layout
    /// ([`Env::serialize_interpolated`]).
    pub fn i_env_gen(&self, rate: Rate, envelope: &Env, index: impl Into<Signal>) -> Signal {
        self.ugen("IEnvGen", rate)
            .input("index", index)
            .input("envelope", envelope.serialize_interpolated())
            .finish()
    }
}
