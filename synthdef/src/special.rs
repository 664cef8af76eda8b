//! Creating catalogue UGens: multichannel expansion, rate inference and audio-rate checks
//! for every row, plus the few UGens whose construction has rules of its own (`MulAdd`,
//! `Sum3`/`Sum4`, `LocalBuf`, `FFT`, `Demand`, ...).

use crate::catalogue::{self, flags, UGenInfo};
use crate::error::SynthDefError;
use crate::graph::{add_node, expand, map_expanded, src_of, GraphRef, Node, NodeKind, Signal};
use crate::ops::BinaryOp;
use crate::rate::Rate;
use crate::signal::{binary_single, unary_single};

/// Makes the UGen(s) for a prepared call: `values` has one entry per catalogue input,
/// `None` only for inputs whose default is [`InputDefault::Auto`](crate::catalogue::InputDefault::Auto).
pub(crate) fn make(
    graph: &GraphRef,
    info: &'static UGenInfo,
    rate: Option<Rate>,
    mut values: Vec<Option<Signal>>,
    channels: Option<u32>,
) -> Signal {
    // Whole-call rules that look at array lengths before expansion.
    match info.name {
        "Dwrand" => {
            let seq_len = values[3].as_ref().map(Signal::len).unwrap_or(0);
            if values[1].is_none() {
                values[1] = Some(Signal::Const(seq_len as f64));
            }
            if let Some(w) = values[2].take() {
                let mut w: Vec<Signal> = match w {
                    Signal::Array(items) => items,
                    other => vec![other],
                };
                w.truncate(seq_len);
                w.resize(seq_len, Signal::Const(0.0));
                values[2] = Some(Signal::Array(w));
            }
        }
        "SendReply" if values[2].is_none() => {
            values[2] = Some(Signal::Const(
                values[3].as_ref().map_or(0, Signal::len) as f64
            ));
        }
        "SendPeakRMS" => {
            if values[3].is_none() {
                values[3] = Some(Signal::Const(
                    values[4].as_ref().map_or(0, Signal::len) as f64
                ));
            }
            if values[5].is_none() {
                values[5] = Some(Signal::Const(
                    values[6].as_ref().map_or(0, Signal::len) as f64
                ));
            }
        }
        _ => {}
    }
    let array: Vec<bool> = info.inputs.iter().map(|i| i.array).collect();
    // Auto inputs are resolved per expanded instance; a placeholder keeps positions.
    let auto: Vec<bool> = values.iter().map(Option::is_none).collect();
    let filled: Vec<Signal> = values
        .into_iter()
        .map(|v| v.unwrap_or(Signal::Const(0.0)))
        .collect();
    let expanded = match expand(&filled, &array) {
        Ok(e) => e,
        Err(i) => {
            graph.borrow_mut().fail(SynthDefError::EmptyInput {
                ugen: info.name.to_string(),
                input: info.inputs[i].name().to_string(),
            });
            return Signal::Array(Vec::new());
        }
    };
    map_expanded(expanded, &mut |inputs| {
        instance(graph, info, rate, inputs, &auto, channels)
    })
}

/// One UGen from one expanded set of inputs.
fn instance(
    graph: &GraphRef,
    info: &'static UGenInfo,
    rate: Option<Rate>,
    mut inputs: Vec<Signal>,
    auto: &[bool],
    channels: Option<u32>,
) -> Signal {
    let mut outputs = if info.has(flags::CHANNELS) {
        channels.unwrap_or(info.outputs)
    } else {
        info.outputs
    };
    let mut rate = rate;
    let mut kind = NodeKind::UGen;
    match info.name {
        "MulAdd" => return mul_add(graph, &inputs[0], &inputs[1], &inputs[2]),
        "Sum3" => return sum3(graph, &inputs[0], &inputs[1], &inputs[2]),
        "Sum4" => return sum4(graph, &inputs[0], &inputs[1], &inputs[2], &inputs[3]),
        "LocalBuf" => {
            kind = NodeKind::LocalBuf;
            rate = Some(Rate::Scalar);
        }
        "MaxLocalBufs" => kind = NodeKind::MaxLocalBufs,
        "FFT" if auto[0] => {
            // An FFT without a buffer gets a synth-local one of its window size (or 2048).
            let size = if inputs[5].is(0.0) {
                Signal::Const(2048.0)
            } else {
                inputs[5].clone()
            };
            inputs[0] = local_buf(graph, Signal::Const(1.0), size);
        }
        "Gendy1" | "Gendy2" | "Gendy3" => {
            let knum = info.input_index("knum").expect("catalogue");
            if auto[knum] {
                inputs[knum] = inputs[info.input_index("init_cps").expect("catalogue")].clone();
            }
        }
        "ScopeOut2" if auto[2] => inputs[2] = inputs[1].clone(),
        // Without a start level, sclang's VarLag starts from its input.
        "VarLag" if auto[2] => inputs[2] = inputs[0].clone(),
        "Poll" if auto[3] => {
            // Without a label, print the class of the polled UGen, as supriya does.
            let class = match &inputs[1] {
                Signal::Output(o) => o.graph.borrow().nodes[o.node].class,
                _ => "Poll",
            };
            inputs[3] = text_signal(class);
        }
        "Demand" => outputs = inputs[2].len() as u32,
        "MFCC" => outputs = inputs[1].as_const().unwrap_or(13.0) as u32,
        "LocalIn" => {
            // The defaults repeat to one per channel.
            let mut defaults = inputs[0].flatten();
            if defaults.is_empty() {
                defaults.push(Signal::Const(0.0));
            }
            let n = outputs as usize;
            inputs[0] = Signal::Array(
                (0..n)
                    .map(|i| defaults[i % defaults.len()].clone())
                    .collect(),
            );
        }
        "ExpRand" => {
            if let (Some(a), Some(b)) = (inputs[0].as_const(), inputs[1].as_const()) {
                inputs[0] = Signal::Const(a.min(b));
                inputs[1] = Signal::Const(a.max(b));
            }
        }
        "TIRand" => {
            for input in inputs.iter_mut().take(2) {
                if let Some(v) = input.as_const() {
                    *input = Signal::Const(v.trunc());
                }
            }
        }
        _ => {}
    }
    let rate = rate.unwrap_or_else(|| {
        inputs
            .iter()
            .map(Signal::rate)
            .max()
            .unwrap_or(Rate::Scalar)
    });
    let mut srcs = Vec::new();
    for (value, input) in inputs.iter().zip(info.inputs) {
        let scalars = if input.array {
            value.flatten()
        } else {
            vec![value.clone()]
        };
        for s in &scalars {
            if input.audio && rate == Rate::Audio && s.rate() != Rate::Audio {
                graph.borrow_mut().fail(SynthDefError::AudioRateRequired {
                    ugen: info.name.to_string(),
                    input: input.name().to_string(),
                    found: s.rate(),
                });
            }
            srcs.push(src_of(graph, s));
        }
    }
    add_node(
        graph,
        Node {
            class: info.name,
            rate,
            special: 0,
            inputs: srcs,
            outputs,
            pure: info.has(flags::PURE),
            width_first: info.has(flags::WIDTH_FIRST),
            kind,
        },
    )
}

/// A label as `Poll` reads it: the length, then one character code per byte.
pub(crate) fn text_signal(s: &str) -> Signal {
    let mut v = vec![Signal::Const(s.len() as f64)];
    v.extend(s.bytes().map(|b| Signal::Const(b as f64)));
    Signal::Array(v)
}

fn local_buf(graph: &GraphRef, channels: Signal, frames: Signal) -> Signal {
    let info = catalogue::lookup("LocalBuf").expect("catalogue");
    instance(
        graph,
        info,
        Some(Rate::Scalar),
        vec![channels, frames],
        &[false, false],
        None,
    )
}

fn node(graph: &GraphRef, name: &'static str, inputs: &[Signal]) -> Signal {
    let info = catalogue::lookup(name).expect("catalogue");
    let rate = inputs
        .iter()
        .map(Signal::rate)
        .max()
        .unwrap_or(Rate::Scalar);
    let srcs = inputs.iter().map(|s| src_of(graph, s)).collect();
    add_node(
        graph,
        Node {
            class: info.name,
            rate,
            special: 0,
            inputs: srcs,
            outputs: 1,
            pure: info.has(flags::PURE),
            width_first: false,
            kind: NodeKind::UGen,
        },
    )
}

fn add(graph: &GraphRef, a: &Signal, b: &Signal) -> Signal {
    binary_single(a, b, BinaryOp::Add, Some(graph))
}

/// `MulAdd` with supriya's shortcuts: identities collapse to simpler operators, and a
/// `MulAdd` UGen is made only where scsynth can compute one (an audio-rate source, or a
/// control-rate source with no audio-rate factors), swapping source and multiplier if
/// that helps, else falling back to `*` then `+`.
pub(crate) fn mul_add(graph: &GraphRef, source: &Signal, mul: &Signal, add_: &Signal) -> Signal {
    if mul.is(0.0) {
        return add_.clone();
    }
    let minus = mul.is(-1.0);
    let no_mul = mul.is(1.0);
    let no_add = add_.is(0.0);
    if no_mul && no_add {
        return source.clone();
    }
    if minus && no_add {
        return unary_single(source, crate::ops::UnaryOp::Neg, Some(graph));
    }
    if no_add {
        return binary_single(source, mul, BinaryOp::Mul, Some(graph));
    }
    if minus {
        return binary_single(add_, source, BinaryOp::Sub, Some(graph));
    }
    if no_mul {
        return add(graph, source, add_);
    }
    let valid = |s: &Signal, m: &Signal, a: &Signal| {
        s.rate() == Rate::Audio
            || (s.rate() == Rate::Control && m.rate() <= Rate::Control && a.rate() <= Rate::Control)
    };
    if valid(source, mul, add_) {
        return node(
            graph,
            "MulAdd",
            &[source.clone(), mul.clone(), add_.clone()],
        );
    }
    if valid(mul, source, add_) {
        return node(
            graph,
            "MulAdd",
            &[mul.clone(), source.clone(), add_.clone()],
        );
    }
    let product = binary_single(source, mul, BinaryOp::Mul, Some(graph));
    add(graph, &product, add_)
}

/// Stable sort by rate, fastest first, as supriya orders `Sum3`/`Sum4` inputs.
fn by_rate(inputs: &[&Signal]) -> Vec<Signal> {
    let mut v: Vec<Signal> = inputs.iter().map(|s| (*s).clone()).collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.rate()));
    v
}

pub(crate) fn sum3(graph: &GraphRef, a: &Signal, b: &Signal, c: &Signal) -> Signal {
    if c.is(0.0) {
        return add(graph, a, b);
    }
    if b.is(0.0) {
        return add(graph, a, c);
    }
    if a.is(0.0) {
        return add(graph, b, c);
    }
    node(graph, "Sum3", &by_rate(&[a, b, c]))
}

pub(crate) fn sum4(graph: &GraphRef, a: &Signal, b: &Signal, c: &Signal, d: &Signal) -> Signal {
    if a.is(0.0) {
        return sum3(graph, b, c, d);
    }
    if b.is(0.0) {
        return sum3(graph, a, c, d);
    }
    if c.is(0.0) {
        return sum3(graph, a, b, d);
    }
    if d.is(0.0) {
        return sum3(graph, a, b, c);
    }
    node(graph, "Sum4", &by_rate(&[a, b, c, d]))
}

/// Sums signals the way supriya's `Mix` does: groups of four become `Sum4`, a trailing
/// three `Sum3`, two `+`, and the partial sums are mixed again until one is left.
pub(crate) fn mix(graph: &GraphRef, sources: &[Signal]) -> Signal {
    let flat: Vec<Signal> = sources.iter().flat_map(Signal::flatten).collect();
    let mut summed = Vec::new();
    for part in flat.chunks(4) {
        summed.push(match part {
            [a, b, c, d] => sum4(graph, a, b, c, d),
            [a, b, c] => sum3(graph, a, b, c),
            [a, b] => add(graph, a, b),
            [a] => a.clone(),
            _ => unreachable!("chunks are 1 to 4 long"),
        });
    }
    match summed.len() {
        0 => Signal::Array(Vec::new()),
        1 => summed.pop().expect("one"),
        _ => mix(graph, &summed),
    }
}
