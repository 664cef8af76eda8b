//! Arithmetic on signals: operators build `BinaryOpUGen`/`UnaryOpUGen` nodes (after supriya's
//! constant folding and algebraic shortcuts, so the compiled bytes match).

use std::ops;

use crate::graph::{
    active_graph, add_node, expand, map_expanded, src_of, GraphRef, Node, NodeKind, Signal,
};
use crate::ops::{BinaryOp, UnaryOp};

impl Signal {
    /// Applies a unary operator (folded for constants where supriya folds).
    pub fn unary(&self, op: UnaryOp) -> Signal {
        let graph = self.graph().or_else(active_graph);
        unary_expanded(self.clone(), op, graph.as_ref())
    }

    /// Applies a binary operator with `self` on the left.
    pub fn binary(&self, op: BinaryOp, rhs: impl Into<Signal>) -> Signal {
        let rhs = rhs.into();
        let graph = self.graph().or_else(|| rhs.graph()).or_else(active_graph);
        binary_expanded(self.clone(), rhs, op, graph.as_ref())
    }
}

fn unary_expanded(source: Signal, op: UnaryOp, graph: Option<&GraphRef>) -> Signal {
    match expand(&[source], &[false]) {
        Ok(e) => map_expanded(e, &mut |v| unary_single(&v[0], op, graph)),
        Err(_) => empty_input(graph, op.name()),
    }
}

fn binary_expanded(left: Signal, right: Signal, op: BinaryOp, graph: Option<&GraphRef>) -> Signal {
    match expand(&[left, right], &[false, false]) {
        Ok(e) => map_expanded(e, &mut |v| binary_single(&v[0], &v[1], op, graph)),
        Err(_) => empty_input(graph, op.name()),
    }
}

fn empty_input(graph: Option<&GraphRef>, op: &str) -> Signal {
    if let Some(g) = graph {
        g.borrow_mut()
            .fail(crate::error::SynthDefError::EmptyInput {
                ugen: op.to_string(),
                input: "operand".into(),
            });
    }
    Signal::Array(Vec::new())
}

pub(crate) fn unary_single(a: &Signal, op: UnaryOp, graph: Option<&GraphRef>) -> Signal {
    if let Signal::Const(x) = a {
        if let Some(v) = op.fold(*x) {
            return Signal::Const(v);
        }
    }
    let Some(graph) = graph else {
        // No builder anywhere: nothing can hold a UGen, so compute the value directly.
        return Signal::Const(op.eval(a.as_const().unwrap_or(f64::NAN)));
    };
    let input = src_of(graph, a);
    add_node(
        graph,
        Node {
            class: "UnaryOpUGen",
            rate: a.rate(),
            special: op.code(),
            inputs: vec![input],
            outputs: 1,
            pure: true,
            width_first: false,
            kind: NodeKind::UGen,
        },
    )
}

pub(crate) fn binary_single(
    a: &Signal,
    b: &Signal,
    op: BinaryOp,
    graph: Option<&GraphRef>,
) -> Signal {
    if let (Signal::Const(x), Signal::Const(y)) = (a, b) {
        if let Some(v) = op.fold(*x, *y) {
            return Signal::Const(v);
        }
    }
    // supriya's shortcuts for identities, checked in this order.
    match op {
        BinaryOp::Mul => {
            if a.is(0.0) || b.is(0.0) {
                return Signal::Const(0.0);
            }
            if a.is(1.0) {
                return b.clone();
            }
            if a.is(-1.0) {
                return unary_single(b, UnaryOp::Neg, graph);
            }
            if b.is(1.0) {
                return a.clone();
            }
            if b.is(-1.0) {
                return unary_single(a, UnaryOp::Neg, graph);
            }
        }
        BinaryOp::Add => {
            if a.is(0.0) {
                return b.clone();
            }
            if b.is(0.0) {
                return a.clone();
            }
        }
        BinaryOp::Sub => {
            if a.is(0.0) {
                return unary_single(b, UnaryOp::Neg, graph);
            }
            if b.is(0.0) {
                return a.clone();
            }
        }
        BinaryOp::Div => {
            if b.is(1.0) {
                return a.clone();
            }
            if b.is(-1.0) {
                return unary_single(a, UnaryOp::Neg, graph);
            }
        }
        _ => {}
    }
    let Some(graph) = graph else {
        let x = a.as_const().unwrap_or(f64::NAN);
        let y = b.as_const().unwrap_or(f64::NAN);
        return Signal::Const(op.eval(x, y));
    };
    let inputs = vec![src_of(graph, a), src_of(graph, b)];
    add_node(
        graph,
        Node {
            class: "BinaryOpUGen",
            rate: a.rate().max(b.rate()),
            special: op.code(),
            inputs,
            outputs: 1,
            pure: true,
            width_first: false,
            kind: NodeKind::UGen,
        },
    )
}

macro_rules! binary_trait {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<R: Into<Signal>> ops::$trait<R> for Signal {
            type Output = Signal;
            fn $method(self, rhs: R) -> Signal {
                self.binary($op, rhs)
            }
        }
        impl<R: Into<Signal>> ops::$trait<R> for &Signal {
            type Output = Signal;
            fn $method(self, rhs: R) -> Signal {
                self.binary($op, rhs)
            }
        }
        impl ops::$trait<Signal> for f64 {
            type Output = Signal;
            fn $method(self, rhs: Signal) -> Signal {
                Signal::Const(self).binary($op, rhs)
            }
        }
        impl ops::$trait<&Signal> for f64 {
            type Output = Signal;
            fn $method(self, rhs: &Signal) -> Signal {
                Signal::Const(self).binary($op, rhs)
            }
        }
        impl ops::$trait<Signal> for i32 {
            type Output = Signal;
            fn $method(self, rhs: Signal) -> Signal {
                Signal::Const(self as f64).binary($op, rhs)
            }
        }
    };
}

binary_trait!(Add, add, BinaryOp::Add);
binary_trait!(Sub, sub, BinaryOp::Sub);
binary_trait!(Mul, mul, BinaryOp::Mul);
binary_trait!(Div, div, BinaryOp::Div);
binary_trait!(Rem, rem, BinaryOp::Mod);
binary_trait!(BitAnd, bitand, BinaryOp::BitAnd);
binary_trait!(BitOr, bitor, BinaryOp::BitOr);
binary_trait!(BitXor, bitxor, BinaryOp::BitXor);

impl ops::Neg for Signal {
    type Output = Signal;
    fn neg(self) -> Signal {
        self.unary(UnaryOp::Neg)
    }
}

impl ops::Neg for &Signal {
    type Output = Signal;
    fn neg(self) -> Signal {
        self.unary(UnaryOp::Neg)
    }
}

macro_rules! unary_methods {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {
        impl Signal {
            $($(#[$m])* pub fn $name(&self) -> Signal { self.unary(UnaryOp::$op) })*
        }
    };
}

macro_rules! binary_methods {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {
        impl Signal {
            $($(#[$m])* pub fn $name(&self, rhs: impl Into<Signal>) -> Signal { self.binary(BinaryOp::$op, rhs) })*
        }
    };
}

unary_methods! {
    /// Absolute value.
    abs => Abs;
    /// Ceiling.
    ceil => Ceil;
    /// Floor.
    floor => Floor;
    /// Fractional part.
    frac => Frac;
    /// Sign: -1, 0 or 1.
    sign => Sign;
    /// Square.
    squared => Squared;
    /// Cube.
    cubed => Cubed;
    /// Square root.
    sqrt => Sqrt;
    /// Exponential.
    exp => Exp;
    /// Reciprocal.
    reciprocal => Reciprocal;
    /// MIDI note number to frequency.
    midicps => MidiCps;
    /// Frequency to MIDI note number.
    cpsmidi => CpsMidi;
    /// Semitones to frequency ratio.
    midiratio => MidiRatio;
    /// Frequency ratio to semitones.
    ratiomidi => RatioMidi;
    /// Decibels to linear amplitude.
    dbamp => DbAmp;
    /// Linear amplitude to decibels.
    ampdb => AmpDb;
    /// Octave number to frequency.
    octcps => OctCps;
    /// Frequency to octave number.
    cpsoct => CpsOct;
    /// Natural logarithm.
    log => Log;
    /// Base-2 logarithm.
    log2 => Log2;
    /// Base-10 logarithm.
    log10 => Log10;
    /// Sine.
    sin => Sin;
    /// Cosine.
    cos => Cos;
    /// Tangent.
    tan => Tan;
    /// Arc sine.
    asin => ArcSin;
    /// Arc cosine.
    acos => ArcCos;
    /// Arc tangent.
    atan => ArcTan;
    /// Hyperbolic sine.
    sinh => Sinh;
    /// Hyperbolic cosine.
    cosh => Cosh;
    /// Hyperbolic tangent.
    tanh => Tanh;
    /// Random value in `[0, self)`, chosen when the synth starts.
    rand => Rand;
    /// Random value in `[-self, self)`, chosen when the synth starts.
    rand2 => Rand2;
    /// Linearly distributed random value.
    linrand => LinRand;
    /// Bilinearly distributed random value.
    bilinrand => BiLinRand;
    /// Sum of three random values.
    sum3rand => Sum3Rand;
    /// Nonlinear distortion.
    distort => Distort;
    /// Soft clipping.
    softclip => SoftClip;
    /// Logical not (1 where zero).
    logical_not => Not;
}

binary_methods! {
    /// Minimum.
    min => Min;
    /// Maximum.
    max => Max;
    /// `self < rhs` as 0 or 1.
    lt => Lt;
    /// `self > rhs` as 0 or 1.
    gt => Gt;
    /// `self <= rhs` as 0 or 1.
    le => Le;
    /// `self >= rhs` as 0 or 1.
    ge => Ge;
    /// `self == rhs` as 0 or 1.
    eq_signal => Eq;
    /// `self != rhs` as 0 or 1.
    ne_signal => Ne;
    /// `self` to the power `rhs`.
    pow => Pow;
    /// Arc tangent of `self / rhs`.
    atan2 => Atan2;
    /// Hypotenuse.
    hypot => Hypot;
    /// Round to a multiple of `rhs`.
    round_to => Round;
    /// Truncate to a multiple of `rhs`.
    trunc_to => Trunc;
    /// Clip to `[-rhs, rhs]`.
    clip2 => Clip2;
    /// Fold to `[-rhs, rhs]`.
    fold2 => Fold2;
    /// Wrap to `[-rhs, rhs]`.
    wrap2 => Wrap2;
    /// Absolute difference.
    absdif => AbsDif;
    /// 0 when below `rhs`, else `self`.
    thresh => Thresh;
    /// Amplitude clip.
    amclip => AmClip;
    /// Scale the negative part by `rhs`.
    scaleneg => ScaleNeg;
    /// Residual of clipping to `[-rhs, rhs]`.
    excess => Excess;
    /// Random value between `self` and `rhs`.
    rrand => RandRange;
    /// Exponentially distributed random value between `self` and `rhs`.
    exprand => ExpRandRange;
    /// Ring modulation 1.
    ring1 => Ring1;
    /// Ring modulation 2.
    ring2 => Ring2;
    /// Ring modulation 3.
    ring3 => Ring3;
    /// Ring modulation 4.
    ring4 => Ring4;
    /// Difference of squares.
    difsqr => DifSqr;
    /// Sum of squares.
    sumsqr => SumSqr;
    /// Square of the sum.
    sqrsum => SqrSum;
    /// Square of the difference.
    sqrdif => SqrDif;
    /// Modulo.
    modulo => Mod;
    /// Integer division.
    div_floor => IntDiv;
}
