//! Pseudo-UGens at the edges the byte-exact fixtures do not reach: the graphs expected here
//! are derived by hand from the sclang or supriya class named in each test.

use scserver_synthdef::ugens::*;
use scserver_synthdef::{Bank, Curve, Env, Input, Rate, Signal, SynthDef, SynthDefBuilder};

/// A UGen's inputs, constants as numbers and UGen outputs as `None`.
fn inputs(def: &SynthDef, class: &str) -> Vec<Option<f64>> {
    let ugen = def
        .ugens
        .iter()
        .find(|u| u.class == class)
        .unwrap_or_else(|| panic!("no {class} in {def}"));
    ugen.inputs
        .iter()
        .map(|i| match i {
            Input::Constant(c) => Some(def.constants[*c as usize]),
            Input::UGen { .. } => None,
        })
        .collect()
}

fn classes(def: &SynthDef) -> Vec<&str> {
    def.ugens.iter().map(|u| u.class.as_str()).collect()
}

/// sclang's `VarLag.kr` returns its input when the input is a constant or the time is 0.
#[test]
fn var_lag_passes_constants_and_zero_times_through() {
    let b = SynthDefBuilder::new("var_lag_through");
    let value = b.kr("value", 0.0);
    assert_eq!(
        Signal::Const(3.0).var_lag(0.2, 0.0, Curve::from(5.0), None),
        Signal::Const(3.0)
    );
    assert_eq!(value.var_lag(0.0, 0.0, Curve::from(5.0), None), value);
}

/// sclang's `VarLag` with a start level: the envelope starts there instead of at the input,
/// and a constant time adds no `Changed` of the time.
#[test]
fn var_lag_starts_from_the_given_level() {
    let b = SynthDefBuilder::new("var_lag_start");
    let value = b.kr("value", 0.0);
    let glide = value.var_lag(0.2, -2.0, Curve::Welch, Signal::Const(0.25));
    Out::kr(&b).source(glide).finish();
    let def = b.build().unwrap();
    assert_eq!(
        classes(&def),
        [
            "Control",
            "HPZ1",
            "UnaryOpUGen",
            "BinaryOpUGen",
            "Impulse",
            "BinaryOpUGen",
            "EnvGen",
            "Out"
        ]
    );
    // gate, level scale and bias, time scale, done action, then
    // [start, 1 segment, no release node, no loop node, input, time, shape 4 (welch), curvature].
    assert_eq!(
        inputs(&def, "EnvGen"),
        [
            None,
            Some(1.0),
            Some(0.0),
            Some(1.0),
            Some(0.0),
            Some(0.25),
            Some(1.0),
            Some(-99.0),
            Some(-99.0),
            None,
            Some(0.2),
            Some(4.0),
            Some(-2.0)
        ]
    );
}

/// supriya's `Klank` and sclang's `Klang` cycle the shorter columns to the longest; missing
/// amplitudes are 1, ring times 1, phases 0.
#[test]
fn bank_columns_cycle_to_the_longest() {
    let b = SynthDefBuilder::new("banks");
    let source = Impulse::ar(&b).finish();
    let bank = Bank::new([100.0, 200.0, 300.0]).amplitudes([0.5, 0.25]);
    let ringing = Klank::ar(&b).source(source).resonators(&bank).finish();
    let partials = Klang::ar(&b).partials(&bank.clone().phases([0.1])).finish();
    Out::ar(&b).source(vec![ringing, partials]).finish();
    let def = b.build().unwrap();
    let specs = |class| inputs(&def, class);
    assert_eq!(
        specs("Klank")[4..],
        [100.0, 0.5, 1.0, 200.0, 0.25, 1.0, 300.0, 0.5, 1.0].map(Some)
    );
    assert_eq!(
        specs("Klang")[2..],
        [100.0, 0.5, 0.1, 200.0, 0.25, 0.1, 300.0, 0.5, 0.1].map(Some)
    );
}

/// An empty bank makes a `Klank` without resonators and a `DynKlank` whose build reports
/// the empty input, not a panic.
#[test]
fn an_empty_bank_is_no_panic() {
    let b = SynthDefBuilder::new("empty_bank");
    let source = Impulse::ar(&b).finish();
    let empty = Bank::new(Vec::<f64>::new()).amplitudes([0.5]);
    let ringing = Klank::ar(&b).source(&source).resonators(&empty).finish();
    Out::ar(&b).source(ringing).finish();
    assert_eq!(inputs(&b.build().unwrap(), "Klank").len(), 4);
    let rings = b.dyn_klank(Rate::Audio, &empty, source, 1.0, 0.0, 1.0);
    Out::ar(&b).source(rings).finish();
    assert!(b.build().is_err());
}

/// One source splays to sclang's first position, `center - spread`, at full level
/// (supriya divides by zero there).
#[test]
fn splay_of_one_source_sits_at_center_minus_spread() {
    let b = SynthDefBuilder::new("splay_one");
    let stereo = b.splay(Rate::Audio, SinOsc::ar(&b).finish(), 0.5, 1.0, 0.2, true);
    assert_eq!(stereo.len(), 2);
    Out::ar(&b).source(stereo).finish();
    let def = b.build().unwrap();
    assert_eq!(classes(&def), ["SinOsc", "Pan2", "Out"]);
    assert_eq!(
        inputs(&def, "Pan2"),
        [None, Some(-0.5 + 0.2), Some(1.0)] // -1 * spread + center
    );
}

/// sclang's `TChoose` draws an index from 0 to the last source.
#[test]
fn t_choose_draws_over_every_index() {
    let b = SynthDefBuilder::new("t_choose_range");
    let trigger = Impulse::kr(&b).frequency(1.0).finish();
    let choice = b.t_choose(Rate::Control, trigger, vec![1.0, 2.0, 3.0, 4.0]);
    Out::kr(&b).source(choice).finish();
    let def = b.build().unwrap();
    assert_eq!(inputs(&def, "TIRand"), [Some(0.0), Some(3.0), None]);
    assert_eq!(
        inputs(&def, "Select"),
        [None, Some(1.0), Some(2.0), Some(3.0), Some(4.0)]
    );
}

/// sclang's `PMOsc` with an index of 0 is a plain `SinOsc`: `madd` by 0 is 0, so the
/// modulator is dropped as unused.
#[test]
fn pm_osc_without_index_is_a_sine() {
    let b = SynthDefBuilder::new("pm_zero");
    let tone = b.pm_osc(Rate::Audio, 440.0, 220.0, 0.0, 0.0);
    Out::ar(&b).source(tone).finish();
    let def = b.build().unwrap();
    assert_eq!(classes(&def), ["SinOsc", "Out"]);
    assert_eq!(inputs(&def, "SinOsc"), [Some(440.0), Some(0.0)]);
}

/// An `Env`'s offset leads `IEnvGen`'s envelope (sclang's `asArrayForInterpolation`).
#[test]
fn i_env_gen_envelope_starts_with_the_offset() {
    let b = SynthDefBuilder::new("i_env_offset");
    let env = Env::new(vec![0.0, 1.0], vec![2.0], vec![Curve::Linear]).offset(0.5);
    let level = b.i_env_gen(Rate::Control, &env, b.kr("index", 0.0));
    Out::kr(&b).source(level).finish();
    let def = b.build().unwrap();
    assert_eq!(
        inputs(&def, "IEnvGen"),
        [None, Some(0.5), Some(0.0), Some(1.0), Some(2.0)]
            .into_iter()
            .chain([Some(2.0), Some(1.0), Some(0.0), Some(1.0)])
            .collect::<Vec<_>>()
    );
}

/// `lin_lin` with constant bounds folds them into one `MulAdd`, as supriya's `LinLin`.
#[test]
fn lin_lin_with_constant_bounds_is_one_mul_add() {
    let b = SynthDefBuilder::new("lin_lin_constants");
    let mapped = b.lin_lin(SinOsc::ar(&b).finish(), -1.0, 1.0, 100.0, 300.0);
    Out::ar(&b).source(mapped).finish();
    let def = b.build().unwrap();
    assert_eq!(classes(&def), ["SinOsc", "MulAdd", "Out"]);
    assert_eq!(inputs(&def, "MulAdd"), [None, Some(100.0), Some(200.0)]);
}
