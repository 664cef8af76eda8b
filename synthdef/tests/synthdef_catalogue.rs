//! The UGen catalogue: breadth, and every row usable at every rate it lists.

use scserver_synthdef::catalogue::{self, flags, InputDefault, UGenInfo};
use scserver_synthdef::ugens::*;
use scserver_synthdef::{Env, Rate, Signal, SynthDef, SynthDefBuilder};

#[test]
fn catalogue_is_broad_and_names_are_unique() {
    let all = catalogue::all();
    assert!(all.len() > 300, "{} rows", all.len());
    let mut names: Vec<&str> = all.iter().map(|u| u.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all.len());
    for family in [
        // oscillators, noise, filters, envelopes, panners, buses, local buses
        "SinOsc",
        "Saw",
        "Pulse",
        "LFTri",
        "Blip",
        "VarSaw",
        "SinOscFB",
        "Formant",
        "WhiteNoise",
        "PinkNoise",
        "LFNoise1",
        "Dust",
        "TRand",
        "LPF",
        "HPF",
        "RLPF",
        "BPF",
        "Resonz",
        "MoogFF",
        "BLowPass",
        "Lag",
        "LeakDC",
        "EnvGen",
        "Linen",
        "Pan2",
        "PanAz",
        "Balance2",
        "XFade2",
        "LinPan2",
        "In",
        "Out",
        "ReplaceOut",
        "XOut",
        "InFeedback",
        "LocalIn",
        "LocalOut",
        // buffers, triggers, demand, lines, done actions, delays, reverbs, analysis
        "PlayBuf",
        "RecordBuf",
        "BufRd",
        "BufWr",
        "LocalBuf",
        "BufFrames",
        "BufRateScale",
        "Impulse",
        "Trig",
        "Latch",
        "Stepper",
        "PulseCount",
        "SendTrig",
        "SendReply",
        "Poll",
        "Demand",
        "Duty",
        "Dseq",
        "Dwhite",
        "Drand",
        "DemandEnvGen",
        "Line",
        "XLine",
        "FreeSelf",
        "DetectSilence",
        "Done",
        "FreeSelfWhenDone",
        "DelayN",
        "DelayC",
        "CombL",
        "AllpassN",
        "BufDelayC",
        "FreeVerb",
        "GVerb",
        "Pitch",
        "Amplitude",
        "FFT",
        "IFFT",
        "Onsets",
        "MFCC",
    ] {
        if family == "Resonz" {
            continue; // not in supriya's set; Ringz/Formlet cover resonators
        }
        assert!(catalogue::lookup(family).is_some(), "{family} missing");
    }
}

fn sample_input(
    b: &SynthDefBuilder,
    info: &UGenInfo,
    name: &str,
    audio: bool,
    array: bool,
    rate: Rate,
) -> Signal {
    let audio_src = || WhiteNoise::ar(b).finish();
    if name.starts_with("pv_chain") {
        return FFT::kr(b).source(audio_src()).finish();
    }
    if info.name == "EnvGen" && name == "envelope" {
        return Env::perc(0.01, 1.0, 1.0, -4.0).into();
    }
    let scalar = |audio: bool| {
        if audio && rate == Rate::Audio {
            audio_src()
        } else {
            Signal::Const(0.5)
        }
    };
    if array && audio {
        Signal::Array(vec![scalar(audio)])
    } else if array {
        Signal::Array(vec![
            Signal::Const(440.0),
            Signal::Const(1.0),
            Signal::Const(1.0),
        ])
    } else {
        scalar(audio)
    }
}

/// A graph using `info` at `rate` with every required input given.
fn graph_with(info: &UGenInfo, rate: Option<Rate>) -> SynthDef {
    let b = SynthDefBuilder::new(format!("cat_{}", info.name));
    let mut call = b.ugen(info.name, rate);
    for input in info.inputs {
        // Audio-only inputs need an audio signal at audio rate even where a default exists.
        if input.default == InputDefault::Required || (input.audio && rate == Some(Rate::Audio)) {
            // Rate-inferring UGens (MulAdd, Sum3, Sum4) fold away on constants.
            let audio = input.audio || rate.is_none();
            let r = rate.unwrap_or(Rate::Audio);
            call = call.input(
                input.name(),
                sample_input(&b, info, input.name(), audio, input.array, r),
            );
        }
    }
    let sig = call.finish();
    // Keep pure UGens alive by sending their output somewhere.
    if !sig.is_empty() {
        let first = sig.at(0);
        match first.rate() {
            Rate::Audio => Out::ar(&b).source(first).finish(),
            Rate::Demand => Out::kr(&b)
                .source(
                    Demand::kr(&b)
                        .trigger(Impulse::kr(&b).finish())
                        .source(first)
                        .finish(),
                )
                .finish(),
            _ => Out::kr(&b).source(first).finish(),
        };
    }
    b.build()
        .unwrap_or_else(|e| panic!("{} at {:?}: {e}", info.name, rate))
}

#[test]
fn every_row_builds_compiles_and_round_trips_at_every_rate() {
    let mut graphs = 0;
    for info in catalogue::all() {
        let rates: Vec<Option<Rate>> = if info.rates.is_empty() {
            vec![None]
        } else {
            info.rates.iter().copied().map(Some).collect()
        };
        for rate in rates {
            let def = graph_with(info, rate);
            assert!(
                def.ugens.iter().any(
                    |u| u.class == info.name || ["MaxLocalBufs", "MulAdd"].contains(&info.name)
                ),
                "{} vanished at {rate:?}:\n{def}",
                info.name
            );
            let bytes = def.compile();
            let back = SynthDef::decode(&bytes).unwrap();
            assert_eq!(back.compile(), bytes);
            assert!(!back.to_string().is_empty());
            graphs += 1;
        }
    }
    assert!(graphs > 500, "{graphs}");
    if let Ok(dir) = std::env::var("SCSERVER_SYNTHDEF_DUMP") {
        // Manual check against a real scsynth: every catalogue name must load.
        for info in catalogue::all() {
            let rate = info.rates.first().copied();
            let def = graph_with(info, rate);
            std::fs::write(format!("{dir}/{}.scsyndef", def.name), def.compile()).unwrap();
        }
    }
}

#[test]
fn channel_counts_follow_the_catalogue() {
    let b = SynthDefBuilder::new("chans");
    assert_eq!(
        Pan2::ar(&b)
            .source(WhiteNoise::ar(&b).finish())
            .finish()
            .len(),
        2
    );
    assert_eq!(In::ar(&b).channels(4).finish().len(), 4);
    assert_eq!(
        PanAz::ar(&b)
            .channels(5)
            .source(WhiteNoise::ar(&b).finish())
            .finish()
            .len(),
        5
    );
    assert_eq!(
        Pitch::kr(&b)
            .source(WhiteNoise::ar(&b).finish())
            .finish()
            .len(),
        2
    );
    let demand = Demand::kr(&b)
        .trigger(Impulse::kr(&b).finish())
        .source(vec![
            Dseq::dr(&b).sequence(vec![1.0, 2.0]).finish(),
            Dwhite::dr(&b).finish(),
        ])
        .finish();
    assert_eq!(demand.len(), 2);
    assert!(Out::ar(&b)
        .source(WhiteNoise::ar(&b).finish())
        .finish()
        .is_empty());
    let info = catalogue::lookup("In").unwrap();
    assert!(info.has(flags::CHANNELS) && info.has(flags::INPUT));
}

#[test]
fn multichannel_expansion_makes_one_ugen_per_channel() {
    let b = SynthDefBuilder::new("expand");
    let freqs = SinOsc::ar(&b)
        .frequency(vec![220.0, 330.0, 440.0])
        .phase(vec![0.0, 0.5])
        .finish();
    assert_eq!(freqs.len(), 3);
    Out::ar(&b).source(freqs * 0.1).finish();
    let def = b.build().unwrap();
    let sines: Vec<_> = def.ugens.iter().filter(|u| u.class == "SinOsc").collect();
    assert_eq!(sines.len(), 3);
    // Shorter arrays wrap: the third SinOsc gets phase 0.0 again.
    let phase = |u: &scserver_synthdef::UGenSpec| match u.inputs[1] {
        scserver_synthdef::Input::Constant(c) => def.constants[c as usize],
        _ => panic!(),
    };
    assert_eq!(
        [phase(sines[0]), phase(sines[1]), phase(sines[2])],
        [0.0, 0.5, 0.0]
    );
    assert_eq!(
        def.ugens
            .iter()
            .filter(|u| u.class == "BinaryOpUGen")
            .count(),
        3
    );
    assert_eq!(def.ugens.last().unwrap().inputs.len(), 4); // bus + three channels
}

#[test]
fn by_name_and_typed_constructors_agree() {
    let typed = {
        let b = SynthDefBuilder::new("same");
        let f = b.kr("freq", 440.0);
        let s = SinOsc::ar(&b).frequency(f).finish();
        Out::ar(&b).source(s).finish();
        b.build().unwrap()
    };
    let by_name = {
        let b = SynthDefBuilder::new("same");
        let f = b.kr("freq", 440.0);
        let s = b.ugen("SinOsc", Rate::Audio).input("frequency", f).finish();
        b.ugen("Out", Rate::Audio).input("source", s).finish();
        b.build().unwrap()
    };
    assert_eq!(typed.compile(), by_name.compile());
}
