//! Pseudo-UGens: helpers that expand into ordinary UGens and operators.

use crate::builder::SynthDefBuilder;
use crate::graph::Signal;
use crate::graph::{active_graph, expand, map_expanded};
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

    /// Maps `source` linearly from `[in_min, in_max]` to `[out_min, out_max]` (a `MulAdd`).
    pub fn lin_lin(
        &self,
        source: impl Into<Signal>,
        in_min: f64,
        in_max: f64,
        out_min: f64,
        out_max: f64,
    ) -> Signal {
        let scale = (out_max - out_min) / (in_max - in_min);
        let offset = out_min - scale * in_min;
        self.mul_add(source, scale, offset)
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
        let channels = match self {
            Signal::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        let outs: Vec<Signal> = channels
            .into_iter()
            .map(|channel| {
                let mut rate = channel.rate();
                if !info.rates.contains(&rate) {
                    rate = Rate::Control;
                }
                let mut call = crate::builder::UGenCall::on_graph(&graph, info, Some(rate))
                    .input("source", channel);
                for (k, v) in inputs {
                    call = call.input(k, v.clone());
                }
                call.finish()
            })
            .collect();
        match self {
            Signal::Array(_) => Signal::Array(outs),
            _ => outs.into_iter().next().unwrap_or(Signal::Array(Vec::new())),
        }
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

    /// Maps `[in_min, in_max]` exponentially to `[out_min, out_max]` (`LinExp`).
    pub fn lin_exp(&self, in_min: f64, in_max: f64, out_min: f64, out_max: f64) -> Signal {
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
}
