//! Unary and binary operators, as encoded in the special index of `UnaryOpUGen` and
//! `BinaryOpUGen`, with the constant folding supriya applies when every operand is a number.

macro_rules! operators {
    ($(#[$meta:meta])* $enum:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $name:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($(#[$vmeta])* $variant = $code,)*
        }

        impl $enum {
            /// Every operator, in declaration order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The special index scsynth uses for this operator.
            pub fn code(self) -> u16 {
                self as u16
            }

            /// The operator for a special index, if any.
            pub fn from_code(code: u16) -> Option<$enum> {
                Self::ALL.iter().copied().find(|op| op.code() == code)
            }

            /// The upper-case name used in graph dumps (as supriya spells it).
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }
        }
    };
}

operators! {
    /// A binary operator of `BinaryOpUGen`.
    BinaryOp {
        /// `a + b`
        Add = 0, "ADDITION";
        /// `a - b`
        Sub = 1, "SUBTRACTION";
        /// `a * b`
        Mul = 2, "MULTIPLICATION";
        /// Integer division.
        IntDiv = 3, "INTEGER_DIVISION";
        /// `a / b`
        Div = 4, "FLOAT_DIVISION";
        /// Modulo (sign of the divisor).
        Mod = 5, "MODULO";
        /// `a == b` as 0 or 1.
        Eq = 6, "EQUAL";
        /// `a != b` as 0 or 1.
        Ne = 7, "NOT_EQUAL";
        /// `a < b` as 0 or 1.
        Lt = 8, "LESS_THAN";
        /// `a > b` as 0 or 1.
        Gt = 9, "GREATER_THAN";
        /// `a <= b` as 0 or 1.
        Le = 10, "LESS_THAN_OR_EQUAL";
        /// `a >= b` as 0 or 1.
        Ge = 11, "GREATER_THAN_OR_EQUAL";
        /// Minimum.
        Min = 12, "MINIMUM";
        /// Maximum.
        Max = 13, "MAXIMUM";
        /// Bitwise and.
        BitAnd = 14, "BITWISE_AND";
        /// Bitwise or.
        BitOr = 15, "BITWISE_OR";
        /// Bitwise exclusive or.
        BitXor = 16, "BITWISE_XOR";
        /// Least common multiple.
        Lcm = 17, "LEAST_COMMON_MULTIPLE";
        /// Greatest common divisor.
        Gcd = 18, "GREATEST_COMMON_DIVISOR";
        /// Round to a multiple of `b`.
        Round = 19, "ROUND";
        /// Round up to a multiple of `b`.
        RoundUp = 20, "ROUND_UP";
        /// Truncate to a multiple of `b`.
        Trunc = 21, "TRUNCATION";
        /// Arc tangent of `a / b`.
        Atan2 = 22, "ATAN2";
        /// `sqrt(a*a + b*b)`
        Hypot = 23, "HYPOT";
        /// Approximate hypotenuse.
        Hypotx = 24, "HYPOTX";
        /// `a` to the power `b`.
        Pow = 25, "POWER";
        /// Shift left.
        ShiftLeft = 26, "SHIFT_LEFT";
        /// Shift right.
        ShiftRight = 27, "SHIFT_RIGHT";
        /// Unsigned shift right.
        UnsignedShift = 28, "UNSIGNED_SHIFT";
        /// Fill.
        Fill = 29, "FILL";
        /// `a * (b + 1)`
        Ring1 = 30, "RING1";
        /// `a * b + a + b`
        Ring2 = 31, "RING2";
        /// `a * a * b`
        Ring3 = 32, "RING3";
        /// `a * a * b - a * b * b`
        Ring4 = 33, "RING4";
        /// `a * a - b * b`
        DifSqr = 34, "DIFFERENCE_OF_SQUARES";
        /// `a * a + b * b`
        SumSqr = 35, "SUM_OF_SQUARES";
        /// `(a + b) ^ 2`
        SqrSum = 36, "SQUARE_OF_SUM";
        /// `(a - b) ^ 2`
        SqrDif = 37, "SQUARE_OF_DIFFERENCE";
        /// `|a - b|`
        AbsDif = 38, "ABSOLUTE_DIFFERENCE";
        /// 0 when `a < b`, else `a`.
        Thresh = 39, "THRESHOLD";
        /// Amplitude clip.
        AmClip = 40, "AMCLIP";
        /// Scale negative part.
        ScaleNeg = 41, "SCALE_NEG";
        /// Clip to `[-b, b]`.
        Clip2 = 42, "CLIP2";
        /// Residual of clipping.
        Excess = 43, "EXCESS";
        /// Fold to `[-b, b]`.
        Fold2 = 44, "FOLD2";
        /// Wrap to `[-b, b]`.
        Wrap2 = 45, "WRAP2";
        /// First argument.
        FirstArg = 46, "FIRST_ARG";
        /// Random value in a range.
        RandRange = 47, "RANDRANGE";
        /// Exponential random value in a range.
        ExpRandRange = 48, "EXPRANDRANGE";
    }
}

operators! {
    /// A unary operator of `UnaryOpUGen`.
    UnaryOp {
        /// `-a`
        Neg = 0, "NEGATIVE";
        /// Logical not.
        Not = 1, "NOT";
        /// Is nil.
        IsNil = 2, "IS_NIL";
        /// Not nil.
        NotNil = 3, "NOT_NIL";
        /// Bitwise not.
        BitNot = 4, "BIT_NOT";
        /// Absolute value.
        Abs = 5, "ABSOLUTE_VALUE";
        /// As float.
        AsFloat = 6, "AS_FLOAT";
        /// As integer.
        AsInt = 7, "AS_INT";
        /// Ceiling.
        Ceil = 8, "CEILING";
        /// Floor.
        Floor = 9, "FLOOR";
        /// Fractional part.
        Frac = 10, "FRACTIONAL_PART";
        /// Sign (-1, 0 or 1).
        Sign = 11, "SIGN";
        /// `a * a`
        Squared = 12, "SQUARED";
        /// `a * a * a`
        Cubed = 13, "CUBED";
        /// Square root.
        Sqrt = 14, "SQUARE_ROOT";
        /// `e ^ a`
        Exp = 15, "EXPONENTIAL";
        /// `1 / a`
        Reciprocal = 16, "RECIPROCAL";
        /// MIDI note to frequency.
        MidiCps = 17, "MIDI_TO_HZ";
        /// Frequency to MIDI note.
        CpsMidi = 18, "HZ_TO_MIDI";
        /// Semitones to ratio.
        MidiRatio = 19, "SEMITONES_TO_RATIO";
        /// Ratio to semitones.
        RatioMidi = 20, "RATIO_TO_SEMITONES";
        /// Decibels to amplitude.
        DbAmp = 21, "DB_TO_AMPLITUDE";
        /// Amplitude to decibels.
        AmpDb = 22, "AMPLITUDE_TO_DB";
        /// Octave to frequency.
        OctCps = 23, "OCTAVE_TO_HZ";
        /// Frequency to octave.
        CpsOct = 24, "HZ_TO_OCTAVE";
        /// Natural logarithm.
        Log = 25, "LOG";
        /// Base-2 logarithm.
        Log2 = 26, "LOG2";
        /// Base-10 logarithm.
        Log10 = 27, "LOG10";
        /// Sine.
        Sin = 28, "SIN";
        /// Cosine.
        Cos = 29, "COS";
        /// Tangent.
        Tan = 30, "TAN";
        /// Arc sine.
        ArcSin = 31, "ARCSIN";
        /// Arc cosine.
        ArcCos = 32, "ARCCOS";
        /// Arc tangent.
        ArcTan = 33, "ARCTAN";
        /// Hyperbolic sine.
        Sinh = 34, "SINH";
        /// Hyperbolic cosine.
        Cosh = 35, "COSH";
        /// Hyperbolic tangent.
        Tanh = 36, "TANH";
        /// Random value in `[0, a)` chosen at synth start.
        Rand = 37, "RAND";
        /// Random value in `[-a, a)`.
        Rand2 = 38, "RAND2";
        /// Linearly distributed random value.
        LinRand = 39, "LINRAND";
        /// Bilinearly distributed random value.
        BiLinRand = 40, "BILINRAND";
        /// Sum of three random values.
        Sum3Rand = 41, "SUM3RAND";
        /// Distortion.
        Distort = 42, "DISTORT";
        /// Soft clipping.
        SoftClip = 43, "SOFTCLIP";
        /// Coin toss.
        Coin = 44, "COIN";
        /// Digit value.
        DigitValue = 45, "DIGIT_VALUE";
        /// Silence.
        Silence = 46, "SILENCE";
        /// Pass through.
        Thru = 47, "THRU";
        /// Rectangle window.
        RectWindow = 48, "RECTANGLE_WINDOW";
        /// Hanning window.
        HanWindow = 49, "HANNING_WINDOW";
        /// Welch window.
        WelchWindow = 50, "WELCH_WINDOW";
        /// Triangle window.
        TriWindow = 51, "TRIANGLE_WINDOW";
        /// Ramp.
        Ramp = 52, "RAMP";
        /// S-curve.
        SCurve = 53, "S_CURVE";
    }
}

/// Python's float `%` (result has the sign of the divisor).
fn py_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
        r + b
    } else {
        r
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn bool_f(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

impl BinaryOp {
    /// Folds two numbers the way supriya does, or `None` when supriya keeps a UGen even for
    /// constant operands (random and the less common operators).
    pub fn fold(self, a: f64, b: f64) -> Option<f64> {
        use BinaryOp::*;
        Some(match self {
            Add => a + b,
            Sub => a - b,
            Mul => a * b,
            Div => a / b,
            IntDiv => (a / b).floor(),
            Mod => py_mod(a, b),
            Eq => bool_f(a == b),
            Ne => bool_f(a != b),
            Lt => bool_f(a < b),
            Gt => bool_f(a > b),
            Le => bool_f(a <= b),
            Ge => bool_f(a >= b),
            Min => {
                if b < a {
                    b
                } else {
                    a
                }
            }
            Max => {
                if b > a {
                    b
                } else {
                    a
                }
            }
            BitAnd => ((a as i64) & (b as i64)) as f64,
            BitOr => ((a as i64) | (b as i64)) as f64,
            BitXor => ((a as i64) ^ (b as i64)) as f64,
            ShiftLeft => ((a as i64).wrapping_shl(b as u32)) as f64,
            ShiftRight => ((a as i64).wrapping_shr(b as u32)) as f64,
            Lcm => {
                let (x, y) = (a as i64, b as i64);
                let g = gcd(x, y);
                if g == 0 {
                    0.0
                } else {
                    (x / g * y).abs() as f64
                }
            }
            Gcd => gcd(a as i64, b as i64) as f64,
            Atan2 => a.atan2(b),
            Hypot => a.hypot(b),
            Pow => a.powf(b),
            Ring1 => a * b + a,
            Ring2 => a * b + a + b,
            Ring3 => a * a * b,
            Ring4 => a * a * b - a * b * b,
            DifSqr => a * a - b * b,
            SumSqr => a * a + b * b,
            SqrSum => (a + b).powi(2),
            SqrDif => (a - b).powi(2),
            AbsDif => (a - b).abs(),
            Thresh => {
                if a < b {
                    0.0
                } else {
                    a
                }
            }
            _ => return None,
        })
    }

    /// Computes the operator on numbers even where supriya would not fold; used only when
    /// no graph is at hand to hold a UGen. Random operators give NaN.
    pub(crate) fn eval(self, a: f64, b: f64) -> f64 {
        use BinaryOp::*;
        if let Some(v) = self.fold(a, b) {
            return v;
        }
        match self {
            Round => {
                if b == 0.0 {
                    a
                } else {
                    (a / b + 0.5).floor() * b
                }
            }
            RoundUp => {
                if b == 0.0 {
                    a
                } else {
                    (a / b).ceil() * b
                }
            }
            Trunc => {
                if b == 0.0 {
                    a
                } else {
                    (a / b).floor() * b
                }
            }
            Clip2 => a.clamp(-b.abs(), b.abs()),
            Excess => a - a.clamp(-b.abs(), b.abs()),
            FirstArg => a,
            Hypotx => a.hypot(b),
            AmClip => {
                if b <= 0.0 {
                    0.0
                } else {
                    a * b
                }
            }
            ScaleNeg => {
                if a < 0.0 {
                    a * b
                } else {
                    a
                }
            }
            _ => f64::NAN,
        }
    }
}

impl UnaryOp {
    /// Folds a number the way supriya does, or `None` when supriya keeps a UGen.
    pub fn fold(self, a: f64) -> Option<f64> {
        use UnaryOp::*;
        Some(match self {
            Neg => -a,
            Abs => a.abs(),
            Ceil => a.ceil(),
            Floor => a.floor(),
            BitNot => bool_f(a == 0.0),
            ArcCos => a.acos(),
            ArcSin => a.asin(),
            ArcTan => a.atan(),
            Cos => a.cos(),
            Cosh => a.cosh(),
            Cubed => a.powi(3),
            AsInt => a.div_euclid(1.0),
            Distort => a / (1.0 + a.abs()),
            Frac => py_mod(a, 1.0),
            Log => a.ln(),
            Log2 => a.log2(),
            Log10 => a.log10(),
            Reciprocal => 1.0 / a,
            Silence => 0.0,
            Sin => a.sin(),
            Sinh => a.sinh(),
            Sqrt => a.sqrt(),
            Squared => a * a,
            Tan => a.tan(),
            Tanh => a.tanh(),
            Thru => a,
            _ => return None,
        })
    }

    /// Computes the operator on a number even where supriya would not fold; used only when
    /// no graph is at hand to hold a UGen. Random operators give NaN.
    pub(crate) fn eval(self, a: f64) -> f64 {
        use UnaryOp::*;
        if let Some(v) = self.fold(a) {
            return v;
        }
        match self {
            MidiCps => 440.0 * 2f64.powf((a - 69.0) / 12.0),
            CpsMidi => (a / 440.0).log2() * 12.0 + 69.0,
            MidiRatio => 2f64.powf(a / 12.0),
            RatioMidi => 12.0 * a.log2(),
            DbAmp => 10f64.powf(a / 20.0),
            AmpDb => 20.0 * a.log10(),
            OctCps => 440.0 * 2f64.powf(a - 4.75),
            CpsOct => (a / 440.0).log2() + 4.75,
            Exp => a.exp(),
            Sign => {
                if a > 0.0 {
                    1.0
                } else if a < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
            SoftClip => {
                if a.abs() <= 0.5 {
                    a
                } else {
                    (a.abs() - 0.25) / a
                }
            }
            Not => bool_f(a == 0.0),
            AsFloat => a,
            _ => f64::NAN,
        }
    }
}
