//! Breakpoint envelopes for `EnvGen`, serialised the way scsynth expects.

use crate::graph::Signal;

/// The shape of one envelope segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Curve {
    /// Jump to the end level at the start of the segment.
    Step,
    /// Straight line.
    Linear,
    /// Exponential (levels must be non-zero and of one sign).
    Exponential,
    /// Sinusoidal S shape.
    Sine,
    /// Welch (quarter sine) shape.
    Welch,
    /// Curvature value: 0 is linear, negative bends up fast, positive slow.
    Custom(Signal),
    /// Square of a linear segment between square roots.
    Squared,
    /// Cube of a linear segment between cube roots.
    Cubed,
    /// Hold the start level, jump at the end.
    Hold,
}

impl Curve {
    fn shape_and_value(&self) -> (f64, Signal) {
        match self {
            Curve::Step => (0.0, Signal::Const(0.0)),
            Curve::Linear => (1.0, Signal::Const(0.0)),
            Curve::Exponential => (2.0, Signal::Const(0.0)),
            Curve::Sine => (3.0, Signal::Const(0.0)),
            Curve::Welch => (4.0, Signal::Const(0.0)),
            Curve::Custom(v) => (5.0, v.clone()),
            Curve::Squared => (6.0, Signal::Const(0.0)),
            Curve::Cubed => (7.0, Signal::Const(0.0)),
            Curve::Hold => (8.0, Signal::Const(0.0)),
        }
    }
}

impl From<f64> for Curve {
    fn from(v: f64) -> Self {
        Curve::Custom(Signal::Const(v))
    }
}

/// An envelope: levels joined by segments of given durations and curves, optionally with a
/// release node (held while the gate is open) and a loop node. Pass it to `EnvGen`'s
/// `envelope` input.
///
/// ```
/// use scserver_synthdef::{ugens::{EnvGen, Out, SinOsc}, Env, SynthDefBuilder};
///
/// // A struck note: 10 ms attack, a release as long as the `decay` control; the synth frees
/// // itself at the end (done action 2).
/// let b = SynthDefBuilder::new("ping");
/// let (freq, decay) = (b.kr("freq", 440.0), b.kr("decay", 0.5));
/// let env = EnvGen::kr(&b)
///     .envelope(Env::perc(0.01, decay, 0.2))
///     .done_action(2.0)
///     .finish();
/// Out::ar(&b).source(SinOsc::ar(&b).frequency(freq).finish() * env).finish();
/// let def = b.build().unwrap();
/// assert_eq!(def.name, "ping");
///
/// // An ADSR holds at its sustain level until the `gate` control closes.
/// let b = SynthDefBuilder::new("pad");
/// let gate = b.kr("gate", 1.0);
/// let env = EnvGen::kr(&b)
///     .envelope(Env::adsr(0.01, 0.3, 0.5, 1.0))
///     .gate(gate)
///     .done_action(2.0)
///     .finish();
/// Out::ar(&b).source(SinOsc::ar(&b).finish() * env * 0.1).finish();
/// assert!(b.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Env {
    levels: Vec<Signal>,
    times: Vec<Signal>,
    curves: Vec<Curve>,
    release_node: Option<i32>,
    loop_node: Option<i32>,
}

impl Env {
    /// An envelope through `levels`, with `times.len() == levels.len() - 1` durations and
    /// curves (cycled when fewer than the segments).
    pub fn new<L, T>(levels: Vec<L>, times: Vec<T>, curves: Vec<Curve>) -> Env
    where
        L: Into<Signal>,
        T: Into<Signal>,
    {
        Env {
            levels: levels.into_iter().map(Into::into).collect(),
            times: times.into_iter().map(Into::into).collect(),
            curves,
            release_node: None,
            loop_node: None,
        }
    }

    /// Sets the release node: the envelope holds at this level until the gate closes.
    pub fn release_node(mut self, node: i32) -> Env {
        self.release_node = Some(node);
        self
    }

    /// Sets the loop node: after the release node is reached, loop back here.
    pub fn loop_node(mut self, node: i32) -> Env {
        self.loop_node = Some(node);
        self
    }

    /// Attack, decay, sustain, release with peak 1 and curve -4 (held at the sustain level
    /// while the gate is open).
    pub fn adsr(
        attack: impl Into<Signal>,
        decay: impl Into<Signal>,
        sustain: impl Into<Signal>,
        release: impl Into<Signal>,
    ) -> Env {
        Env::adsr_full(attack, decay, sustain, release, 1.0, Curve::from(-4.0), 0.0)
    }

    /// [`Env::adsr`] with peak level, curve and a bias added to every level.
    pub fn adsr_full(
        attack: impl Into<Signal>,
        decay: impl Into<Signal>,
        sustain: impl Into<Signal>,
        release: impl Into<Signal>,
        peak: impl Into<Signal>,
        curve: Curve,
        bias: impl Into<Signal>,
    ) -> Env {
        let peak = peak.into();
        let bias = bias.into();
        // The sustain level's product comes first, then each level plus the bias in turn:
        // the order supriya builds them in, which fixes the order of the UGens they make.
        let sustained = &peak * sustain.into();
        let levels = vec![
            Signal::Const(0.0) + &bias,
            &peak + &bias,
            sustained + &bias,
            Signal::Const(0.0) + &bias,
        ];
        Env::new(
            levels,
            vec![attack.into(), decay.into(), release.into()],
            vec![curve],
        )
        .release_node(2)
    }

    /// Attack to `sustain`, held while the gate is open, then release (curve -4).
    pub fn asr(
        attack: impl Into<Signal>,
        sustain: impl Into<Signal>,
        release: impl Into<Signal>,
    ) -> Env {
        Env::new(
            vec![Signal::Const(0.0), sustain.into(), Signal::Const(0.0)],
            vec![attack.into(), release.into()],
            vec![Curve::from(-4.0)],
        )
        .release_node(1)
    }

    /// Percussive: attack to `level`, then release (curve -4), no sustain.
    pub fn perc(
        attack: impl Into<Signal>,
        release: impl Into<Signal>,
        level: impl Into<Signal>,
    ) -> Env {
        Env::new(
            vec![Signal::Const(0.0), level.into(), Signal::Const(0.0)],
            vec![attack.into(), release.into()],
            vec![Curve::from(-4.0)],
        )
    }

    /// Trapezoid: attack, sustain for a time, release (linear).
    pub fn linen(
        attack: impl Into<Signal>,
        sustain_time: impl Into<Signal>,
        release: impl Into<Signal>,
        level: impl Into<Signal>,
    ) -> Env {
        let level = level.into();
        Env::new(
            vec![Signal::Const(0.0), level.clone(), level, Signal::Const(0.0)],
            vec![attack.into(), sustain_time.into(), release.into()],
            vec![Curve::from(1.0)],
        )
    }

    /// Triangle of total `duration` peaking at `level` (linear).
    pub fn triangle(duration: f64, level: impl Into<Signal>) -> Env {
        let half = duration / 2.0;
        Env::new(
            vec![Signal::Const(0.0), level.into(), Signal::Const(0.0)],
            vec![half, half],
            vec![Curve::Linear],
        )
    }

    /// The values `EnvGen` reads: initial level, segment count, release and loop nodes
    /// (-99 for none), then level, time, shape and curve per segment. An envelope with
    /// array values becomes an array of such lists (one `EnvGen` each).
    pub fn serialize(&self) -> Signal {
        let segments = (self.levels.len().saturating_sub(1))
            .max(self.times.len())
            .max(self.curves.len());
        let mut out: Vec<Signal> = vec![
            self.levels.first().cloned().unwrap_or(Signal::Const(0.0)),
            Signal::Const(segments as f64),
            Signal::Const(self.release_node.map_or(-99.0, f64::from)),
            Signal::Const(self.loop_node.map_or(-99.0, f64::from)),
        ];
        let rest = &self.levels[1.min(self.levels.len())..];
        for i in 0..segments {
            let cycle = |v: &[Signal]| {
                if v.is_empty() {
                    Signal::Const(0.0)
                } else {
                    v[i % v.len()].clone()
                }
            };
            out.push(cycle(rest));
            out.push(cycle(&self.times));
            let (shape, value) = if self.curves.is_empty() {
                (1.0, Signal::Const(0.0))
            } else {
                self.curves[i % self.curves.len()].shape_and_value()
            };
            out.push(Signal::Const(shape));
            out.push(value);
        }
        let mut expanded = expand_deep(out);
        if expanded.len() == 1 {
            Signal::Array(expanded.pop().expect("one"))
        } else {
            Signal::Array(expanded.into_iter().map(Signal::Array).collect())
        }
    }
}

impl From<Env> for Signal {
    fn from(env: Env) -> Signal {
        env.serialize()
    }
}

impl From<&Env> for Signal {
    fn from(env: &Env) -> Signal {
        env.serialize()
    }
}

/// Splits a list holding arrays into several flat lists (wrapping shorter arrays).
fn expand_deep(items: Vec<Signal>) -> Vec<Vec<Signal>> {
    let size = items
        .iter()
        .map(|x| match x {
            Signal::Array(v) => v.len(),
            _ => 1,
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let mut recurse = false;
    let mut rows: Vec<Vec<Signal>> = vec![Vec::new(); size];
    for x in &items {
        for (i, row) in rows.iter_mut().enumerate() {
            let v = match x {
                Signal::Array(v) if !v.is_empty() => {
                    let v = v[i % v.len()].clone();
                    match v {
                        Signal::Array(inner) if inner.len() > 1 => {
                            recurse = true;
                            Signal::Array(inner)
                        }
                        Signal::Array(inner) if inner.len() == 1 => inner[0].clone(),
                        other => other,
                    }
                }
                other => other.clone(),
            };
            row.push(v);
        }
    }
    if recurse {
        rows.into_iter().flat_map(expand_deep).collect()
    } else {
        rows
    }
}
