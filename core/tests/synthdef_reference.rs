//! Every reference SynthDef compiled by supriya is rebuilt here in Rust from the `.py`
//! source beside it; the compiled bytes must equal the reference file byte for byte, and
//! the graph dump must equal supriya's `.txt` dump.

use scserver_core::synthdef::ugens::*;
use scserver_core::synthdef::{Env, SynthDef, SynthDefBuilder};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/reference/synthdefs/"
);

fn reference(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}.scsyndef")).expect("reference file")
}

fn reference_dump(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}.txt")).expect("reference dump")
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn check(def: SynthDef) {
    let name = def.name.clone();
    let dump = def.to_string();
    assert_eq!(
        dump.trim_end(),
        reference_dump(&name).trim_end(),
        "dump of {name}"
    );
    let bytes = def.compile();
    let expected = reference(&name);
    assert!(
        bytes == expected,
        "{name}: bytes differ at {:?} (len {} vs {})",
        first_difference(&bytes, &expected),
        bytes.len(),
        expected.len()
    );
}

// @synthdef() def ref_sine(freq=440, amp=0.1, out=0)
#[test]
fn ref_sine() {
    let b = SynthDefBuilder::new("ref_sine");
    let (freq, amp, out) = (b.kr("freq", 440.0), b.kr("amp", 0.1), b.kr("out", 0.0));
    Out::ar(&b)
        .bus(out)
        .source(SinOsc::ar(&b).frequency(freq).finish() * amp)
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_binops() {
    let b = SynthDefBuilder::new("ref_binops");
    let (freq, amp, out) = (b.kr("freq", 330.0), b.kr("amp", 0.1), b.kr("out", 0.0));
    let lfo = SinOsc::kr(&b).frequency(2.0).finish() * 20.0 + &freq;
    let lfo2 = MulAdd::new(&b)
        .source(SinOsc::kr(&b).frequency(3.0).finish())
        .multiplier(10.0)
        .addend(&freq)
        .finish();
    let a = SinOsc::ar(&b).frequency(lfo).finish();
    let bb = Saw::ar(&b).frequency(&freq * 1.5).finish();
    let c = LFNoise1::ar(&b).frequency(&freq / 2.0).finish();
    let d = SinOsc::ar(&b).frequency(lfo2 - 3.0).finish();
    let mix = &a + &bb + &c + &d;
    let mixed4 = b.mix(vec![a.clone(), bb.clone(), c.clone(), d.clone()]);
    let mixed3 = b.mix(vec![a.clone(), bb.clone(), -&c]);
    let three = &a - &bb + (-&c);
    let shaped = mix.abs().max(&three) * freq.gt(200.0) + &mixed4 * &mixed3;
    Out::ar(&b).bus(out).source(shaped * amp).finish();
    check(b.build().unwrap());
}

#[test]
fn ref_buffers() {
    let b = SynthDefBuilder::new("ref_buffers");
    let bufnum = b.kr("bufnum", 0.0);
    let rate = b.kr("rate", 1.0);
    let freq = b.kr("freq", 440.0);
    let out = b.kr("out", 0.0);
    let amp = b.kr("amp", 0.1);
    let local = LocalBuf::ir(&b)
        .channel_count(1.0)
        .frame_count(2048.0)
        .finish();
    RecordBuf::ar(&b)
        .buffer_id(&local)
        .source(vec![SinOsc::ar(&b).frequency(freq).finish()])
        .r#loop(1.0)
        .finish();
    let from_local = PlayBuf::ar(&b)
        .buffer_id(&local)
        .channels(1)
        .r#loop(1.0)
        .finish();
    let from_server = PlayBuf::ar(&b)
        .buffer_id(&bufnum)
        .channels(1)
        .rate(BufRateScale::kr(&b).buffer_id(&bufnum).finish() * rate)
        .start_position(BufFrames::kr(&b).buffer_id(&bufnum).finish() * 0.5)
        .r#loop(1.0)
        .finish();
    Out::ar(&b)
        .bus(out)
        .source((from_local + from_server) * amp)
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_constants() {
    let b = SynthDefBuilder::new("ref_constants");
    let out = b.kr("out", 0.0);
    let a = SinOsc::ar(&b).frequency(440.0).phase(0.0).finish() * 0.5;
    let s = Saw::ar(&b).frequency(440.0).finish() * 0.5;
    let c = SinOsc::ar(&b).frequency(880.0).phase(0.25).finish() * 0.25;
    let d = LFNoise1::kr(&b).frequency(0.5).finish() * 0.25;
    Out::ar(&b).bus(out).source((a + s + c) * d).finish();
    check(b.build().unwrap());
}

// @synthdef("ar", ("kr", 0.5), "tr", "ir", ("kr", 0.1))
#[test]
fn ref_control_rates() {
    let b = SynthDefBuilder::new("ref_control_rates");
    let freq = b.ar("freq", 440.0);
    let amp = b.kr_lag("amp", 0.1, 0.5);
    let t_trig = b.tr("t_trig", 0.0);
    let out = b.ir("out", 0.0);
    let cutoff = b.kr_lag("cutoff", 1200.0, 0.1);
    let env = Decay2::kr(&b)
        .source(t_trig)
        .attack_time(0.01)
        .decay_time(0.3)
        .finish();
    let sig = SinOsc::ar(&b).frequency(freq).finish() * env * amp;
    Out::ar(&b)
        .bus(out)
        .source(
            RLPF::ar(&b)
                .source(sig)
                .frequency(cutoff)
                .reciprocal_of_q(0.3)
                .finish(),
        )
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_env_gate() {
    let b = SynthDefBuilder::new("ref_env_gate");
    let freq = b.kr("freq", 440.0);
    let amp = b.kr("amp", 0.1);
    let gate = b.kr("gate", 1.0);
    let pan = b.kr("pan", 0.0);
    let out = b.kr("out", 0.0);
    let env = EnvGen::kr(&b)
        .envelope(Env::adsr(0.01, 0.3, 0.5, 1.0))
        .gate(gate)
        .done_action(2.0)
        .finish();
    let sig = LPF::ar(&b)
        .source(Saw::ar(&b).frequency(&freq).finish())
        .frequency(&freq * 4.0)
        .finish()
        * env
        * amp;
    Out::ar(&b)
        .bus(out)
        .source(Pan2::ar(&b).source(sig).position(pan).finish())
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_large() {
    let b = SynthDefBuilder::new("ref_large");
    let freq = b.kr("freq", 110.0);
    let amp = b.kr("amp", 0.05);
    let cutoff = b.kr("cutoff", 2000.0);
    let room = b.kr("room", 0.6);
    let pan = b.kr("pan", 0.0);
    let out = b.kr("out", 0.0);
    let mut partials = Vec::new();
    for i in 1..14 {
        let i = i as f64;
        let wobble = LFNoise1::kr(&b).frequency(0.1 * i).finish() * 0.5 + 0.5;
        partials.push(SinOsc::ar(&b).frequency(&freq * i).finish() * wobble / i);
    }
    let sig = b.mix(partials);
    let sig = RLPF::ar(&b)
        .source(sig)
        .frequency(cutoff)
        .reciprocal_of_q(0.5)
        .finish();
    let sig = FreeVerb::ar(&b)
        .source(sig)
        .mix(0.33)
        .room_size(room)
        .damping(0.5)
        .finish();
    Out::ar(&b)
        .bus(out)
        .source(Pan2::ar(&b).source(sig * amp).position(pan).finish())
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_multi_output() {
    let b = SynthDefBuilder::new("ref_multi_output");
    let in_bus = b.kr("in_bus", 8.0);
    let out = b.kr("out", 0.0);
    let amp = b.kr("amp", 0.1);
    let pitch = Pitch::kr(&b)
        .source(In::ar(&b).bus(in_bus).channels(1).finish())
        .finish();
    let (freq, has_freq) = (pitch.at(0), pitch.at(1));
    let tone = SinOsc::ar(&b).frequency(freq).finish() * has_freq * amp;
    let stereo = Pan2::ar(&b)
        .source(tone)
        .position(SinOsc::kr(&b).frequency(0.2).finish())
        .finish();
    Out::ar(&b)
        .bus(out)
        .source(vec![stereo.at(1), stereo.at(0)])
        .finish();
    check(b.build().unwrap());
}

#[test]
fn ref_pan_stereo() {
    let b = SynthDefBuilder::new("ref_pan_stereo");
    let freq = b.kr("freq", 220.0);
    let amp = b.kr("amp", 0.2);
    let pan = b.kr("pan", 0.0);
    let out = b.kr("out", 0.0);
    let detune = SinOsc::kr(&b).frequency(vec![0.3, 0.41]).finish();
    let sig = Saw::ar(&b)
        .frequency(freq + detune.at(0) + detune.at(1))
        .finish()
        * amp;
    Out::ar(&b)
        .bus(out)
        .source(Pan2::ar(&b).source(sig).position(pan).finish())
        .finish();
    check(b.build().unwrap());
}

fn reference_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .expect("reference dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "scsyndef" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

macro_rules! roundtrip {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let bytes = reference(stringify!($name));
            let def = SynthDef::decode(&bytes).expect("decodes");
            assert_eq!(def.compile(), bytes);
            assert_eq!(def.name, stringify!($name));
        }
    )*};
}

mod decode_encode {
    use super::*;
    roundtrip!(
        ref_binops,
        ref_buffers,
        ref_constants,
        ref_control_rates,
        ref_env_gate,
        ref_large,
        ref_multi_output,
        ref_pan_stereo,
        ref_sine
    );
}

#[test]
fn every_reference_file_has_a_test() {
    let tested = [
        "ref_binops",
        "ref_buffers",
        "ref_constants",
        "ref_control_rates",
        "ref_env_gate",
        "ref_large",
        "ref_multi_output",
        "ref_pan_stereo",
        "ref_sine",
    ];
    assert_eq!(reference_names(), tested);
}

/// Decoded files print like supriya's dump too (numbers are `f32` once in a file, so the
/// one dump with `f64`-only values, `0.1 * 3`, prints them shorter).
#[test]
fn decoded_files_print_like_supriya() {
    for name in reference_names() {
        let def = SynthDef::decode(&reference(&name)).unwrap();
        let mut expected = reference_dump(&name);
        for (long, short) in [
            ("0.30000000000000004", "0.3"),
            ("0.6000000000000001", "0.6"),
            ("0.7000000000000001", "0.7"),
            ("1.2000000000000002", "1.2"),
        ] {
            expected = expected.replace(long, short);
        }
        assert_eq!(def.to_string().trim_end(), expected.trim_end(), "{name}");
    }
}
