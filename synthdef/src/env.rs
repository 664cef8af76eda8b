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
    /// `EnvGen`'s shape number and curve value for this curve.
    pub(crate) fn shape_and_value(&self) -> (f64, Signal) {
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

impl From<i32> for Curve {
    fn from(v: i32) -> Self {
        Curve::Custom(Signal::Const(f64::from(v)))
    }
}

impl From<Signal> for Curve {
    fn from(v: Signal) -> Self {
        Curve::Custom(v)
    }
}

impl From<&Signal> for Curve {
    fn from(v: &Signal) -> Self {
        Curve::Custom(v.clone())
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
///     .envelope(Env::perc(0.01, decay, 0.2, -4.0))
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
    offset: Signal,
}

/// One segment as `EnvGen` and `IEnvGen` read it: end level, duration, shape number, curve.
struct Segment {
    level: Signal,
    time: Signal,
    shape: f64,
    curve: Signal,
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
            offset: Signal::Const(0.0),
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

    /// Sets the offset `IEnvGen` subtracts from its index (0 unless set); `EnvGen` ignores it.
    pub fn offset(mut self, offset: impl Into<Signal>) -> Env {
        self.offset = offset.into();
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

    /// Attack to `sustain`, held while the gate is open, then release, both segments of
    /// `curve` (sclang's and supriya's default is `-4.0`).
    pub fn asr(
        attack: impl Into<Signal>,
        sustain: impl Into<Signal>,
        release: impl Into<Signal>,
        curve: impl Into<Curve>,
    ) -> Env {
        Env::new(
            vec![Signal::Const(0.0), sustain.into(), Signal::Const(0.0)],
            vec![attack.into(), release.into()],
            vec![curve.into()],
        )
        .release_node(1)
    }

    /// Percussive: attack to `level`, then release, no sustain; both segments of `curve`
    /// (the usual default is `-4.0`).
    ///
    /// ```
    /// use scserver_synthdef::{Curve, Env};
    /// let soft = Env::perc(0.01, 1.0, 0.5, -4.0);
    /// let round = Env::perc(0.1, 0.4, 1.0, Curve::Sine);
    /// # let _ = (soft, round);
    /// ```
    pub fn perc(
        attack: impl Into<Signal>,
        release: impl Into<Signal>,
        level: impl Into<Signal>,
        curve: impl Into<Curve>,
    ) -> Env {
        Env::new(
            vec![Signal::Const(0.0), level.into(), Signal::Const(0.0)],
            vec![attack.into(), release.into()],
            vec![curve.into()],
        )
    }

    /// Trapezoid: attack, sustain for a time, release, every segment of `curve` (supriya's
    /// default is `1.0`, a slight bend; [`Curve::Linear`] is sclang's).
    pub fn linen(
        attack: impl Into<Signal>,
        sustain_time: impl Into<Signal>,
        release: impl Into<Signal>,
        level: impl Into<Signal>,
        curve: impl Into<Curve>,
    ) -> Env {
        let level = level.into();
        Env::new(
            vec![Signal::Const(0.0), level.clone(), level, Signal::Const(0.0)],
            vec![attack.into(), sustain_time.into(), release.into()],
            vec![curve.into()],
        )
    }

    /// Triangle of total `duration` peaking at `level` (linear).
    pub fn triangle(duration: f64, level: impl Into<Signal>) -> Env {
        Env::hump(duration, level.into(), Curve::Linear)
    }

    /// sclang's `Env.sine`: a hump of total `duration` peaking at `level`, both halves
    /// sinusoidal.
    pub fn sine(duration: f64, level: impl Into<Signal>) -> Env {
        Env::hump(duration, level.into(), Curve::Sine)
    }

    /// Up from 0 to `level` and down again, each half of `duration` along `curve`.
    fn hump(duration: f64, level: Signal, curve: Curve) -> Env {
        let half = duration / 2.0;
        Env::new(
            vec![Signal::Const(0.0), level, Signal::Const(0.0)],
            vec![half, half],
            vec![curve],
        )
    }

    /// sclang's `Env.cutoff`: `level` while the gate is open, then down to nothing over
    /// `release` along `curve` (to -100 dB for an exponential one, which cannot reach 0).
    pub fn cutoff(
        release: impl Into<Signal>,
        level: impl Into<Signal>,
        curve: impl Into<Curve>,
    ) -> Env {
        let curve = curve.into();
        let end = match curve {
            Curve::Exponential => 1e-5,
            _ => 0.0,
        };
        Env::new(
            vec![level.into(), Signal::Const(end)],
            vec![release.into()],
            vec![curve],
        )
        .release_node(0)
    }

    /// The segments, as many as the longest of levels after the first, times and curves
    /// (shorter lists cycle, as supriya's `zip_cycled`).
    fn segments(&self) -> Vec<Segment> {
        let count = (self.levels.len().saturating_sub(1))
            .max(self.times.len())
            .max(self.curves.len());
        let rest = &self.levels[1.min(self.levels.len())..];
        let cycle = |v: &[Signal], i: usize| {
            if v.is_empty() {
                Signal::Const(0.0)
            } else {
                v[i % v.len()].clone()
            }
        };
        (0..count)
            .map(|i| {
                let (shape, curve) = if self.curves.is_empty() {
                    (1.0, Signal::Const(0.0))
                } else {
                    self.curves[i % self.curves.len()].shape_and_value()
                };
                Segment {
                    level: cycle(rest, i),
                    time: cycle(&self.times, i),
                    shape,
                    curve,
                }
            })
            .collect()
    }

    fn first_level(&self) -> Signal {
        self.levels.first().cloned().unwrap_or(Signal::Const(0.0))
    }

    /// The values `EnvGen` reads: initial level, segment count, release and loop nodes
    /// (-99 for none), then level, time, shape and curve per segment. An envelope with
    /// array values becomes an array of such lists (one `EnvGen` each).
    pub fn serialize(&self) -> Signal {
        let segments = self.segments();
        let mut out: Vec<Signal> = vec![
            self.first_level(),
            Signal::Const(segments.len() as f64),
            Signal::Const(self.release_node.map_or(-99.0, f64::from)),
            Signal::Const(self.loop_node.map_or(-99.0, f64::from)),
        ];
        for s in segments {
            out.extend([s.level, s.time, Signal::Const(s.shape), s.curve]);
        }
        expanded(out)
    }

    /// The values `IEnvGen` reads (sclang's `asArrayForInterpolation`, supriya's
    /// `serialize_interpolated`): offset, initial level, segment count, total duration, then
    /// time, shape, curve and level per segment. Array values expand as in
    /// [`serialize`](Self::serialize).
    pub fn serialize_interpolated(&self) -> Signal {
        let segments = self.segments();
        // Summed from 0 one time at a time, so UGen times add up in supriya's order.
        let duration = segments
            .iter()
            .fold(Signal::Const(0.0), |sum, s| sum + &s.time);
        let mut out: Vec<Signal> = vec![
            self.offset.clone(),
            self.first_level(),
            Signal::Const(segments.len() as f64),
            duration,
        ];
        for s in segments {
            out.extend([s.time, Signal::Const(s.shape), s.curve, s.level]);
        }
        expanded(out)
    }
}

/// One flat list, or one list per channel when some values are arrays.
fn expanded(values: Vec<Signal>) -> Signal {
    let mut lists = expand_deep(values);
    if lists.len() == 1 {
        Signal::Array(lists.pop().expect("one"))
    } else {
        Signal::Array(lists.into_iter().map(Signal::Array).collect())
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
