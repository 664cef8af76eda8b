//! Bad graphs are typed errors when the SynthDef is built (or decoded), not a `/fail` later.

use scserver_synthdef::ugens::*;
use scserver_synthdef::{Limits, Rate, SynthDef, SynthDefBuilder, SynthDefError};

fn sine_def(name: &str) -> SynthDefBuilder {
    let b = SynthDefBuilder::new(name);
    let sig = SinOsc::ar(&b).finish();
    Out::ar(&b).source(sig).finish();
    b
}

#[test]
fn control_rate_signal_into_audio_out_is_rejected() {
    let b = SynthDefBuilder::new("bad_out");
    let lfo = SinOsc::kr(&b).frequency(1.0).finish();
    Out::ar(&b).bus(0.0).source(lfo).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::AudioRateRequired {
            ugen: "Out".into(),
            input: "source".into(),
            found: Rate::Control
        }
    );
}

#[test]
fn constant_into_audio_filter_is_rejected() {
    let b = SynthDefBuilder::new("bad_filter");
    let sig = LPF::ar(&b).source(0.5).frequency(1000.0).finish();
    Out::ar(&b).source(sig).finish();
    assert!(matches!(
        b.build().unwrap_err(),
        SynthDefError::AudioRateRequired { ref ugen, found: Rate::Scalar, .. } if ugen == "LPF"
    ));
}

#[test]
fn control_rate_filter_accepts_control_input() {
    let b = SynthDefBuilder::new("kr_filter");
    let lfo = SinOsc::kr(&b).finish();
    let smooth = LPF::kr(&b).source(lfo).frequency(10.0).finish();
    Out::kr(&b).source(smooth).finish();
    assert!(b.build().is_ok());
}

#[test]
fn a_cycle_is_rejected() {
    let b = SynthDefBuilder::new("cycle");
    let a = SinOsc::ar(&b).frequency(440.0).finish();
    let c = SinOsc::ar(&b).frequency(&a * 100.0).finish();
    // Feed c back into a's frequency: a -> mul -> c -> a.
    b.set_input(&a, 0, c.clone());
    Out::ar(&b).source(c).finish();
    assert_eq!(b.build().unwrap_err(), SynthDefError::Cycle(4)); // the three in the loop and the Out after it
}

#[test]
fn too_many_constants_for_the_limits() {
    let b = SynthDefBuilder::new("consts").with_limits(Limits {
        max_constants: 3,
        ..Limits::default()
    });
    let mut sig = SinOsc::ar(&b).finish();
    for i in 0..4 {
        sig = sig * (2.0 + i as f64);
    }
    Out::ar(&b).source(sig).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::TooManyConstants { count: 6, limit: 3 }
    );
}

#[test]
fn too_many_ugens_for_the_limits() {
    let b = sine_def("ugens").with_limits(Limits {
        max_ugens: 1,
        ..Limits::default()
    });
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::TooManyUGens { count: 2, limit: 1 }
    );
}

#[test]
fn too_many_controls_for_the_limits() {
    let b = SynthDefBuilder::new("ctl").with_limits(Limits {
        max_controls: 2,
        ..Limits::default()
    });
    let sum = b.kr("a", 1.0) + b.kr("b", 2.0) + b.kr("c", 3.0);
    Out::kr(&b).source(sum).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::TooManyControls { count: 3, limit: 2 }
    );
}

#[test]
fn controls_past_the_16_bit_index_do_not_fit_the_format() {
    // 32768 scalar control values push the kr group's first index past 32767.
    let b = SynthDefBuilder::new("wide");
    let big = b.ir("big", vec![0.0; 32768]);
    let k = b.kr("k", 1.0);
    Out::kr(&b).source(big.at(0) + k).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::TooManyControls {
            count: 32769,
            limit: 32767
        }
    );
    // One value fewer fits.
    let b = SynthDefBuilder::new("wide");
    let big = b.ir("big", vec![0.0; 32767]);
    let k = b.kr("k", 1.0);
    Out::kr(&b).source(big.at(0) + k).finish();
    assert!(b.build().is_ok());
}

#[test]
fn names_longer_than_a_pascal_string_are_rejected() {
    let long = "x".repeat(256);
    assert_eq!(
        sine_def(&long).build().unwrap_err(),
        SynthDefError::NameTooLong(long.clone())
    );
    let b = SynthDefBuilder::new("ok");
    let c = b.kr(&long, 1.0);
    Out::kr(&b).source(c).finish();
    assert_eq!(b.build().unwrap_err(), SynthDefError::NameTooLong(long));
}

#[test]
fn catalogue_misuse_is_typed() {
    let b = SynthDefBuilder::new("x");
    b.ugen("NoSuchUGen", Rate::Audio).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::UnknownUGen("NoSuchUGen".into())
    );

    let b = SynthDefBuilder::new("x");
    b.ugen("SinOsc", Rate::Audio).input("freq", 1.0).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::UnknownInput {
            ugen: "SinOsc".into(),
            input: "freq".into()
        }
    );

    let b = SynthDefBuilder::new("x");
    LPF::ar(&b).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::MissingInput {
            ugen: "LPF".into(),
            input: "source".into()
        }
    );

    let b = SynthDefBuilder::new("x");
    b.ugen("FreeVerb", Rate::Control)
        .input("source", 0.0)
        .finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::UnsupportedRate {
            ugen: "FreeVerb".into(),
            rate: Rate::Control
        }
    );

    let b = SynthDefBuilder::new("x");
    let _ = SinOsc::ar(&b).channels(2).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::FixedChannelCount("SinOsc".into())
    );
}

#[test]
fn controls_are_checked() {
    let b = SynthDefBuilder::new("x");
    let a = b.kr("amp", 0.1);
    let a2 = b.kr("amp", 0.2);
    Out::kr(&b).source(a + a2).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::DuplicateControl("amp".into())
    );

    let b = SynthDefBuilder::new("x");
    let e = b.kr("empty", Vec::<f64>::new());
    Out::kr(&b).source(e).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::EmptyControl("empty".into())
    );
}

#[test]
fn signals_cannot_cross_builders() {
    let one = SynthDefBuilder::new("one");
    let two = SynthDefBuilder::new("two");
    let sig = SinOsc::ar(&one).finish();
    Out::ar(&two).source(sig).finish();
    assert_eq!(two.build().unwrap_err(), SynthDefError::ForeignSignal);
}

#[test]
fn empty_graphs_and_empty_arrays() {
    assert_eq!(
        SynthDefBuilder::new("none").build().unwrap_err(),
        SynthDefError::NoUGens
    );
    let b = SynthDefBuilder::new("x");
    SinOsc::ar(&b).frequency(Vec::<f64>::new()).finish();
    assert!(matches!(
        b.build().unwrap_err(),
        SynthDefError::EmptyInput { .. }
    ));
}

#[test]
fn the_first_error_is_reported() {
    let b = SynthDefBuilder::new("x");
    b.ugen("Nope", Rate::Audio).finish();
    LPF::ar(&b).finish();
    assert_eq!(
        b.build().unwrap_err(),
        SynthDefError::UnknownUGen("Nope".into())
    );
}

#[test]
fn bad_files_are_decode_errors() {
    let good = sine_def("good").build().unwrap().compile();
    assert!(SynthDef::decode(&good).is_ok());
    assert!(matches!(
        SynthDef::decode(b"RIFF"),
        Err(SynthDefError::Decode { offset: 0, .. })
    ));
    for cut in [3, 10, good.len() / 2, good.len() - 1] {
        assert!(matches!(
            SynthDef::decode(&good[..cut]),
            Err(SynthDefError::Decode { .. })
        ));
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        SynthDef::decode(&trailing),
        Err(SynthDefError::Decode { .. })
    ));
    let mut version = good.clone();
    version[7] = 9;
    assert!(matches!(
        SynthDef::decode(&version),
        Err(SynthDefError::Decode { offset: 4, .. })
    ));
}

#[test]
fn forward_references_in_a_file_are_rejected() {
    let mut def = sine_def("fwd").build().unwrap();
    // Make the SinOsc (UGen 0) read the Out (UGen 1): a cycle in file order.
    def.ugens[0].inputs[0] = scserver_synthdef::Input::UGen {
        index: 1,
        output: 0,
    };
    assert!(matches!(
        def.validate(),
        Err(SynthDefError::BadReference {
            ugen: 0,
            input: 0,
            ..
        })
    ));
    assert!(matches!(
        SynthDef::decode(&def.compile()),
        Err(SynthDefError::BadReference { .. })
    ));
    let mut def = sine_def("const").build().unwrap();
    def.ugens[0].inputs[0] = scserver_synthdef::Input::Constant(99);
    assert!(def.validate().is_err());
}

#[test]
fn too_many_synthdefs_for_one_file() {
    let def = sine_def("many").build().unwrap();
    let defs = vec![def; 65536];
    assert_eq!(
        SynthDef::compile_many(&defs).unwrap_err(),
        SynthDefError::TooManySynthDefs(65536)
    );
}
