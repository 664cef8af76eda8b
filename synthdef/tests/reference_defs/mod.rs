//! The reference SynthDefs of `shared/reference/synthdefs/`, rebuilt in Rust from the `.py`
//! source beside each file. Shared by the byte-exact tests of `scserver-core` and the
//! real-server tests of `scserver`.
#![allow(dead_code)]

use scserver_synthdef::ugens::*;
use scserver_synthdef::{Env, SynthDef, SynthDefBuilder};

// @synthdef() def ref_sine(freq=440, amp=0.1, out=0)
/// The Rust rebuild of `ref_sine.py`.
pub fn ref_sine() -> SynthDef {
    let b = SynthDefBuilder::new("ref_sine");
    let (freq, amp, out) = (b.kr("freq", 440.0), b.kr("amp", 0.1), b.kr("out", 0.0));
    Out::ar(&b)
        .bus(out)
        .source(SinOsc::ar(&b).frequency(freq).finish() * amp)
        .finish();
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_binops.py`.
pub fn ref_binops() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_buffers.py`.
pub fn ref_buffers() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_constants.py`.
pub fn ref_constants() -> SynthDef {
    let b = SynthDefBuilder::new("ref_constants");
    let out = b.kr("out", 0.0);
    let a = SinOsc::ar(&b).frequency(440.0).phase(0.0).finish() * 0.5;
    let s = Saw::ar(&b).frequency(440.0).finish() * 0.5;
    let c = SinOsc::ar(&b).frequency(880.0).phase(0.25).finish() * 0.25;
    let d = LFNoise1::kr(&b).frequency(0.5).finish() * 0.25;
    Out::ar(&b).bus(out).source((a + s + c) * d).finish();
    b.build().expect("a valid graph")
}

// @synthdef("ar", ("kr", 0.5), "tr", "ir", ("kr", 0.1))
/// The Rust rebuild of `ref_control_rates.py`.
pub fn ref_control_rates() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_env_gate.py`.
pub fn ref_env_gate() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_large.py`.
pub fn ref_large() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_multi_output.py`.
pub fn ref_multi_output() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// The Rust rebuild of `ref_pan_stereo.py`.
pub fn ref_pan_stereo() -> SynthDef {
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
    b.build().expect("a valid graph")
}

/// Every reference SynthDef.
pub fn all() -> Vec<SynthDef> {
    vec![
        ref_sine(),
        ref_binops(),
        ref_buffers(),
        ref_constants(),
        ref_control_rates(),
        ref_env_gate(),
        ref_large(),
        ref_multi_output(),
        ref_pan_stereo(),
    ]
}
