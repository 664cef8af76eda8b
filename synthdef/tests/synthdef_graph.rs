//! Graph rules shared with supriya: folding, operator shortcuts, `MulAdd`/`Sum` rules,
//! unused-UGen elimination, width-first ordering, PV chain copies, control grouping.

use scserver_synthdef::ugens::*;
use scserver_synthdef::{Env, Input, Rate, Signal, SynthDef, SynthDefBuilder};

fn classes(def: &SynthDef) -> Vec<String> {
    def.ugens
        .iter()
        .map(|u| match u.class.as_str() {
            "BinaryOpUGen" | "UnaryOpUGen" => format!("{}#{}", u.class, u.special_index),
            _ => u.class.clone(),
        })
        .collect()
}

#[test]
fn constants_fold_and_identities_collapse() {
    let b = SynthDefBuilder::new("fold");
    assert_eq!(Signal::from(2.0) * 3.0 + 1.0, Signal::Const(7.0));
    assert_eq!(Signal::from(7.0) % -2.0, Signal::Const(-1.0)); // sign of the divisor
    assert_eq!(Signal::from(4.0).sqrt(), Signal::Const(2.0));
    assert_eq!(Signal::from(3.0).gt(2.0), Signal::Const(1.0));
    let x = SinOsc::ar(&b).finish();
    assert_eq!(&x * 1.0, x);
    assert_eq!(1.0 * &x, x);
    assert_eq!(&x * 0.0, Signal::Const(0.0));
    assert_eq!(&x + 0.0, x);
    assert_eq!(&x - 0.0, x);
    assert_eq!(&x / 1.0, x);
    let neg = &x * -1.0;
    let neg2 = 0.0 - &x;
    let neg3 = &x / -1.0;
    for n in [&neg, &neg2, &neg3] {
        assert!(matches!(n, Signal::Output(o) if o.rate() == Rate::Audio));
    }
    Out::ar(&b).source(vec![neg, neg2, neg3]).finish();
    let def = b.build().unwrap();
    assert_eq!(
        classes(&def),
        [
            "SinOsc",
            "UnaryOpUGen#0",
            "UnaryOpUGen#0",
            "UnaryOpUGen#0",
            "Out"
        ]
    );
}

#[test]
fn random_operators_on_numbers_stay_ugens() {
    // supriya folds arithmetic on numbers, but `rand` must be drawn per synth.
    let b = SynthDefBuilder::new("rand");
    let r = Signal::from(10.0).rand();
    assert!(matches!(r, Signal::Output(ref o) if o.rate() == Rate::Scalar));
    Out::kr(&b).source(r).finish();
    assert_eq!(classes(&b.build().unwrap()), ["UnaryOpUGen#37", "Out"]);
}

#[test]
fn unused_pure_ugens_are_dropped_with_their_inputs() {
    let b = SynthDefBuilder::new("opt");
    let a = SinOsc::ar(&b).frequency(420.0).finish();
    let _unused = SinOsc::ar(&b).frequency(440.0).finish();
    let c = SinOsc::ar(&b).frequency(460.0).finish();
    let _unused_chain = SinOsc::ar(&b).frequency(c).finish();
    // Impure UGens stay even when nothing reads them.
    let _noise = WhiteNoise::ar(&b).finish();
    Out::ar(&b).source(a).finish();
    let def = b.build().unwrap();
    // supriya's order: a ready UGen's readers come right after it, WhiteNoise comes last.
    assert_eq!(classes(&def), ["SinOsc", "Out", "WhiteNoise"]);
    assert_eq!(def.constants, [420.0, 0.0]);
}

#[test]
fn mul_add_follows_the_rate_rules() {
    let b = SynthDefBuilder::new("muladd");
    let kr = SinOsc::kr(&b).finish();
    let ar = SinOsc::ar(&b).finish();
    // kr source with an ar multiplier: source and multiplier swap.
    let swapped = b.mul_add(&kr, &ar, 1.0);
    // ir source: no MulAdd possible, so `*` then `+`.
    let ir = b.ir("i", 1.0);
    let split = b.mul_add(&ir, 2.0, 3.0);
    // Identities.
    assert_eq!(b.mul_add(&ar, 1.0, 0.0), ar);
    assert_eq!(b.mul_add(&ar, 0.0, 5.0), Signal::Const(5.0));
    Out::ar(&b).source(vec![swapped, split * &ar]).finish();
    let def = b.build().unwrap();
    let muladd = def.ugens.iter().find(|u| u.class == "MulAdd").unwrap();
    assert_eq!(muladd.rate, Rate::Audio);
    let src = |i: &Input| match *i {
        Input::UGen { index, .. } => def.ugens[index as usize].rate,
        Input::Constant(_) => Rate::Scalar,
    };
    assert_eq!(src(&muladd.inputs[0]), Rate::Audio);
    assert_eq!(src(&muladd.inputs[1]), Rate::Control);
    assert_eq!(def.ugens.iter().filter(|u| u.class == "MulAdd").count(), 1);
}

#[test]
fn mix_builds_sum_trees_and_sums_sort_inputs_by_rate() {
    let b = SynthDefBuilder::new("mix");
    let sigs: Vec<Signal> = (0..13)
        .map(|i| SinOsc::ar(&b).frequency(100.0 * (i + 1) as f64).finish())
        .collect();
    let mixed = b.mix(sigs);
    let kr = SinOsc::kr(&b).finish();
    let ar = SinOsc::ar(&b).finish();
    let sum3 = Sum3::new(&b)
        .input_one(&kr)
        .input_two(&ar)
        .input_three(1.0)
        .finish();
    let sum_zero = Sum4::new(&b)
        .input_one(&ar)
        .input_two(0.0)
        .input_three(&kr)
        .input_four(&ar)
        .finish();
    Out::ar(&b).source(vec![mixed, sum3, sum_zero]).finish();
    let def = b.build().unwrap();
    let count = |c: &str| def.ugens.iter().filter(|u| u.class == c).count();
    assert_eq!(count("Sum4"), 4); // 4 + 4 + 4 + 1, then the four partial sums
    assert_eq!(count("Sum3"), 2); // the explicit one, and Sum4 with a zero input
    let sum3 = def.ugens.iter().find(|u| u.class == "Sum3").unwrap();
    assert_eq!(sum3.rate, Rate::Audio);
    assert!(
        matches!(sum3.inputs[0], Input::UGen { index, .. } if def.ugens[index as usize].rate == Rate::Audio)
    );
    assert!(matches!(sum3.inputs[2], Input::Constant(_)));
    // Mix of two is a plain addition, of one the signal itself.
    let b = SynthDefBuilder::new("mix2");
    let s = SinOsc::ar(&b).finish();
    assert_eq!(b.mix(vec![s.clone()]), s);
    let two = b.mix(vec![s.clone(), s.clone()]);
    Out::ar(&b).source(two).finish();
    assert_eq!(
        classes(&b.build().unwrap()),
        ["SinOsc", "BinaryOpUGen#0", "Out"]
    );
}

#[test]
fn local_bufs_get_one_max_local_bufs_and_order_later_ugens() {
    let b = SynthDefBuilder::new("bufs");
    let noise = PinkNoise::ar(&b).finish();
    let buf = LocalBuf::ir(&b).frame_count(2048.0).finish();
    let chain = FFT::kr(&b).buffer_id(buf).source(noise).finish();
    let a = PV_BinScramble::kr(&b).pv_chain(&chain).finish();
    let c = PV_MagFreeze::kr(&b).pv_chain(&chain).finish();
    let chain = PV_MagMul::kr(&b).pv_chain_a(a).pv_chain_b(c).finish();
    let out = IFFT::ar(&b).pv_chain(chain).finish();
    Out::ar(&b).source(out).finish();
    let def = b.build().unwrap();
    // The chain read by two PV UGens is copied for the first reader.
    assert_eq!(
        classes(&def),
        [
            "PinkNoise",
            "MaxLocalBufs",
            "LocalBuf",
            "FFT",
            "BufFrames",
            "LocalBuf",
            "PV_Copy",
            "PV_BinScramble",
            "PV_MagFreeze",
            "PV_MagMul",
            "IFFT",
            "Out"
        ]
    );
    let max = &def.ugens[1];
    assert_eq!(
        def.constants[match max.inputs[0] {
            Input::Constant(c) => c as usize,
            _ => panic!(),
        }],
        2.0
    );
    for lb in def.ugens.iter().filter(|u| u.class == "LocalBuf") {
        assert_eq!(
            lb.inputs[2],
            Input::UGen {
                index: 1,
                output: 0
            }
        );
    }
}

#[test]
fn fft_without_a_buffer_gets_a_local_one() {
    let b = SynthDefBuilder::new("fft");
    let chain = FFT::kr(&b).source(WhiteNoise::ar(&b).finish()).finish();
    Out::ar(&b)
        .source(IFFT::ar(&b).pv_chain(chain).finish())
        .finish();
    let def = b.build().unwrap();
    assert_eq!(
        classes(&def),
        [
            "WhiteNoise",
            "MaxLocalBufs",
            "LocalBuf",
            "FFT",
            "IFFT",
            "Out"
        ]
    );
    assert!(def.constants.contains(&2048.0));
}

#[test]
fn controls_group_by_rate_and_sort_by_name() {
    let b = SynthDefBuilder::new("ctl");
    let z = b.kr_lag("zeta", vec![1.0, 2.0], 0.25);
    let a = b.kr("alpha", 3.0);
    let t = b.tr("t_go", 0.0);
    let i = b.ir("init", 4.0);
    let x = b.ar("xin", 0.0);
    Out::ar(&b).source(vec![x.clone(), x]).finish();
    Out::kr(&b).source(vec![z.at(0), z.at(1), a, t, i]).finish();
    let def = b.build().unwrap();
    let controls: Vec<String> = classes(&def)
        .into_iter()
        .filter(|c| c.ends_with("Control"))
        .collect();
    assert_eq!(
        controls,
        ["Control", "TrigControl", "AudioControl", "LagControl"]
    );
    assert_eq!(def.ugens[0].rate, Rate::Scalar);
    assert_eq!(
        def.controls(),
        [
            ("init".to_string(), vec![4.0]),
            ("t_go".to_string(), vec![0.0]),
            ("xin".to_string(), vec![0.0]),
            ("alpha".to_string(), vec![3.0]),
            ("zeta".to_string(), vec![1.0, 2.0]),
        ]
    );
    // One lag input per LagControl output; no lag is 0.
    let lag = def.ugens.iter().find(|u| u.class == "LagControl").unwrap();
    assert_eq!(
        (lag.special_index, lag.outputs.len(), lag.inputs.len()),
        (3, 3, 3)
    );
    let lags: Vec<f64> = lag
        .inputs
        .iter()
        .map(|i| match *i {
            Input::Constant(c) => def.constants[c as usize],
            _ => panic!(),
        })
        .collect();
    assert_eq!(lags, [0.0, 0.25, 0.25]);
    let text = def.to_string();
    assert!(
        text.contains("zeta[1]: 2.0") && text.contains("lags[2]: 0.25"),
        "{text}"
    );
}

#[test]
fn envelopes_serialize_and_expand() {
    let levels = Env::adsr(0.01, 0.3, 0.5, 1.0).serialize();
    let flat: Vec<f64> = levels
        .flatten()
        .iter()
        .map(|s| s.as_const().unwrap())
        .collect();
    assert_eq!(
        flat,
        [0.0, 3.0, 2.0, -99.0, 1.0, 0.01, 5.0, -4.0, 0.5, 0.3, 5.0, -4.0, 0.0, 1.0, 5.0, -4.0]
    );
    // An array level makes one envelope per channel, hence one EnvGen each.
    let b = SynthDefBuilder::new("env");
    let env = Env::perc(0.01, 1.0, vec![0.5, 1.0], -4.0);
    let gens = EnvGen::kr(&b).envelope(env).done_action(2.0).finish();
    assert_eq!(gens.len(), 2);
    Out::kr(&b).source(gens).finish();
    let def = b.build().unwrap();
    assert_eq!(def.ugens.iter().filter(|u| u.class == "EnvGen").count(), 2);
}

#[test]
fn several_synthdefs_share_one_file() {
    let make = |name: &str, freq: f64| {
        let b = SynthDefBuilder::new(name);
        Out::ar(&b)
            .source(SinOsc::ar(&b).frequency(freq).finish())
            .finish();
        b.build().unwrap()
    };
    let defs = [make("one", 220.0), make("two", 330.0)];
    let bytes = SynthDef::compile_many(&defs).unwrap();
    assert_eq!(&bytes[8..10], &[0, 2]);
    assert_eq!(SynthDef::decode_many(&bytes).unwrap(), defs);
    assert_eq!(
        bytes.len(),
        defs[0].compile().len() + defs[1].compile().len() - 10
    );
    assert!(SynthDef::decode(&bytes).is_err()); // not exactly one
}

#[test]
fn helpers_make_the_expected_ugens() {
    let b = SynthDefBuilder::new("helpers");
    let s = SinOsc::kr(&b).finish();
    let scaled = b.lin_lin(&s, -1.0, 1.0, 200.0, 800.0);
    b.poll(
        Rate::Control,
        Impulse::kr(&b).frequency(1.0).finish(),
        &scaled,
        "f",
    );
    b.send_reply(
        Rate::Control,
        Impulse::kr(&b).finish(),
        "/f",
        vec![scaled.clone(), s],
        7.0,
    );
    let silent = b.silence(2);
    Out::ar(&b).source(silent).finish();
    let def = b.build().unwrap();
    let poll = def.ugens.iter().find(|u| u.class == "Poll").unwrap();
    assert_eq!(poll.inputs.len(), 3 + 2); // trigger, source, id, then length and 'f'
    let reply = def.ugens.iter().find(|u| u.class == "SendReply").unwrap();
    assert_eq!(reply.inputs.len(), 3 + 2 + 2);
    // Two channels of silence read one DC, as supriya builds them.
    assert_eq!(def.ugens.iter().filter(|u| u.class == "DC").count(), 1);
    assert!(def.ugens.iter().any(|u| u.class == "MulAdd"));
}

#[test]
fn signal_helpers_map_ugens_per_channel_at_their_rate() {
    let b = SynthDefBuilder::new("map");
    let ar = SinOsc::ar(&b).finish();
    let kr = SinOsc::kr(&b).finish();
    let both = Signal::Array(vec![ar, kr]).clip(-0.5, 0.5);
    assert_eq!(both.len(), 2);
    let lagged = b.kr("freq", 440.0).lag(0.1);
    Out::kr(&b).source(vec![both.at(1), lagged]).finish();
    Out::ar(&b).source(both.at(0)).finish();
    let def = b.build().unwrap();
    let rates: Vec<Rate> = def
        .ugens
        .iter()
        .filter(|u| u.class == "Clip")
        .map(|u| u.rate)
        .collect();
    assert_eq!(rates, [Rate::Audio, Rate::Control]);
    assert!(def
        .ugens
        .iter()
        .any(|u| u.class == "Lag" && u.rate == Rate::Control));
}

#[test]
fn select_takes_its_sources_as_one_array() {
    let b = SynthDefBuilder::new("select");
    let which = b.kr("which", 0.0);
    let sources: Vec<Signal> = [220.0, 330.0, 440.0]
        .iter()
        .map(|&f| SinOsc::ar(&b).frequency(f).finish())
        .collect();
    let one = Select::ar(&b)
        .selector(&which)
        .sources(sources.clone())
        .finish();
    assert!(matches!(one, Signal::Output(_)));
    // Nested arrays expand: one Select per inner array.
    let two = Select::ar(&b)
        .selector(&which)
        .sources(vec![
            Signal::Array(sources[..2].to_vec()),
            Signal::Array(sources[1..].to_vec()),
        ])
        .finish();
    assert_eq!(two.len(), 2);
    Out::ar(&b).source(vec![one, two.at(0), two.at(1)]).finish();
    let def = b.build().unwrap();
    let inputs: Vec<usize> = def
        .ugens
        .iter()
        .filter(|u| u.class == "Select")
        .map(|u| u.inputs.len())
        .collect();
    let mut inputs = inputs;
    inputs.sort();
    assert_eq!(inputs, [3, 3, 4]);
}

#[test]
fn large_graphs_build_quickly() {
    let start = std::time::Instant::now();
    let b = SynthDefBuilder::new("large");
    let freq = b.kr("freq", 100.0);
    let partials: Vec<Signal> = (1..2000)
        .map(|i| SinOsc::ar(&b).frequency(&freq * i as f64).finish() * (1.0 / i as f64))
        .collect();
    let sig = b.mix(partials);
    Out::ar(&b).source(sig).finish();
    let def = b.build().unwrap();
    assert!(def.ugens.len() > 5000);
    let bytes = def.compile();
    assert_eq!(SynthDef::decode(&bytes).unwrap().compile(), bytes);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn compiled_synthdefs_can_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<SynthDef>();
    send_sync::<scserver_synthdef::SynthDefError>();
}
