//! SynthDefs compiled in Rust load into a real scsynth through the public API, start, and show
//! their controls with their defaults.

mod common;

#[path = "../synthdef/tests/reference_defs/mod.rs"]
mod reference_defs;

#[path = "../synthdef/tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use scserver::{controls, GroupId, Position};
use scserver::{BufferSource, ControlValue, QueryTreeNode, Server};

#[test]
fn every_reference_synthdef_loads_starts_and_shows_its_defaults() {
    common::init_tracing();
    let server = Server::with_name("synthdefs", common::options());
    server.boot().unwrap();
    let defs = reference_defs::all();
    // All in as few /d_recv as fit a datagram, each awaited (a /fail would be an error here).
    server
        .add_synthdefs(&defs)
        .expect("the compiled SynthDefs load");
    for def in &defs {
        let synth = server
            .add_synth(
                &def.name,
                controls! {},
                Position::tail(server.default_group().unwrap()),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", def.name));
        let tree = server.query_tree(GroupId::ROOT, true).unwrap();
        let Some(QueryTreeNode::Synth(shown)) = tree.find(synth.id()) else {
            panic!("{}: synth {} is not running: {tree}", def.name, synth.id());
        };
        assert_eq!(shown.synthdef_name, def.name);
        let defaults: Vec<f32> = def
            .controls()
            .into_iter()
            .flat_map(|(_, values)| values.into_iter().map(|v| v as f32))
            .collect();
        let values: Vec<f32> = shown
            .controls
            .iter()
            .map(|c| match &c.value {
                ControlValue::Float(v) => *v,
                ControlValue::Bus(b) => panic!("{}: unexpected mapping {b}", def.name),
            })
            .collect();
        assert_eq!(values, defaults, "{}: control defaults", def.name);
        for (name, _) in def.controls() {
            assert!(
                shown
                    .controls
                    .iter()
                    .any(|c| c.name_or_index.to_string() == name),
                "{}: control {name} missing",
                def.name
            );
        }
    }
    server.quit().unwrap();
}

/// A `Dbufwr` compiled in Rust writes into the buffer in scsynth: its inputs reach the server
/// in the order the plugin reads them (buffer, phase, source, loop).
#[test]
fn dbufwr_writes_the_buffer() {
    common::init_tracing();
    let server = Server::with_name("dbufwr", common::options());
    server.boot().unwrap();
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 8,
        })
        .unwrap();
    server
        .add_synthdefs(&[fixtures::fix_dbufwr()])
        .expect("the SynthDef loads");
    server
        .add_synth(
            "fix_dbufwr",
            controls! { buf: buffer.id() },
            Position::tail(server.default_group().unwrap()),
        )
        .unwrap();
    // Eight writes at 200 Hz take 40 ms; the bound leaves room for a loaded machine.
    let expected: Vec<f32> = (1..=8).map(|v| v as f32).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        samples = buffer.get_range(0, 8).unwrap();
        if samples == expected {
            break;
        }
    }
    assert_eq!(samples, expected, "what Dbufwr wrote");
    server.quit().unwrap();
}

/// One SynthDef that chains several pseudo-UGens (each expands into ordinary UGens before it
/// is compiled) and writes its amplitude to control bus `meter`.
fn pseudo_ugen_chain() -> scserver::synthdef::SynthDef {
    use scserver::synthdef::ugens::{Amplitude, Impulse, Klang, Out};
    use scserver::synthdef::{Bank, Curve, Rate, SynthDefBuilder};

    let b = SynthDefBuilder::new("pseudo_ugen_chain");
    let (meter, which, freq) = (b.kr("meter", 0.0), b.kr("which", 0.7), b.kr("freq", 300.0));
    let glide = freq.var_lag(0.1, 0.0, Curve::from(5.0), None).lag2(0.05);
    let modulated = b.pm_osc(Rate::Audio, &glide, 220.0, 2.0, 0.0);
    let strike = Impulse::ar(&b).frequency(8.0).finish() * 0.3;
    let bells = b.dyn_klank(
        Rate::Audio,
        &Bank::new([800.0, 1071.0]),
        strike,
        1.0,
        0.0,
        1.0,
    );
    let partials = Klang::ar(&b)
        .partials(&Bank::new([300.0, 450.0]).amplitudes([0.2, 0.1]))
        .finish();
    let chosen = b.select_x(Rate::Audio, which, vec![modulated, bells, partials]);
    let sines = b.dyn_klang(Rate::Audio, &Bank::new([glide]), 1.0, 0.0);
    let stereo = b.splay(Rate::Audio, vec![chosen, sines], 1.0, 0.5, 0.0, true);
    let compressed = b.compander_d(b.mix(stereo), 0.5, 0.01, 0.1, 0.5, 1.0);
    Out::kr(&b)
        .bus(meter)
        .source(Amplitude::kr(&b).source(compressed).finish())
        .finish();
    b.build().expect("a valid graph")
}

/// The pseudo-UGens' SynthDefs load into scsynth (`/d_recv` succeeds) and run: a chain of
/// several pseudo-UGens makes a signal that reaches a bus, and a synth of every fixture starts.
#[test]
fn pseudo_ugen_synthdefs_load_and_run() {
    common::init_tracing();
    let server = Server::with_name("pseudo-ugens", common::options());
    server.boot().unwrap();
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 2048,
        })
        .unwrap();
    let meter = server.add_bus(scserver::Rate::Control).unwrap();
    let mut defs = fixtures::all();
    defs.push(pseudo_ugen_chain());
    server.add_synthdefs(&defs).expect("the SynthDefs load");
    // The chain runs alone first: the fixtures write control buses from 0 too.
    server
        .add_synth(
            "pseudo_ugen_chain",
            controls! { meter: meter.index() },
            Position::default(),
        )
        .unwrap();
    // Its amplitude reaches the bus within a few control periods; the bound leaves room for
    // a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut level = 0.0;
    while Instant::now() < deadline && level <= 0.01 {
        level = meter.get().unwrap();
    }
    assert!(level > 0.01, "the chain's amplitude on its bus: {level}");
    for def in fixtures::all() {
        let mut controls = controls! {};
        if def.controls().iter().any(|(name, _)| name == "buf") {
            controls = controls.with("buf", buffer.id());
        }
        let synth = server
            .add_synth(&def.name, controls, Position::default())
            .unwrap_or_else(|e| panic!("{}: {e}", def.name));
        let tree = server.query_tree(GroupId::ROOT, false).unwrap();
        assert!(
            matches!(tree.find(synth.id()), Some(QueryTreeNode::Synth(_))),
            "{}: synth {} is not running: {tree}",
            def.name,
            synth.id()
        );
    }
    server.quit().unwrap();
}

/// sclang's `LinSelectX`, `SelectX`, `TWChoose`, `Env.sine` and `Env.cutoff` give on a real
/// server the values their classes promise: halfway between 0 and 1 is 0.5 linearly and
/// √½ at equal power, a weight of 1 always wins, the hump peaks at its level, the cutoff holds
/// its level while the gate is open.
#[test]
fn sclang_pseudo_ugens_and_envelopes_read_back_their_values() {
    use scserver::synthdef::ugens::{EnvGen, Impulse, Out, RunningMax};
    use scserver::synthdef::{Curve, Env, Rate, SynthDefBuilder};

    common::init_tracing();
    let server = Server::with_name("sclang-pseudo", common::options());
    server.boot().unwrap();
    let buses = server.add_bus_group(scserver::Rate::Control, 5).unwrap();
    let b = SynthDefBuilder::new("sclang_pseudo_values");
    let out = b.kr("out", 0.0);
    let linear = b.lin_select_x(Rate::Control, 0.5, vec![0.0, 1.0]);
    let power = b.select_x(Rate::Control, 0.5, vec![0.0, 1.0]);
    let trigger = Impulse::kr(&b).frequency(50.0).finish();
    let weighed = b.tw_choose(
        Rate::Control,
        trigger,
        vec![1.0, 2.0, 3.0],
        vec![0.0, 0.0, 1.0],
        false,
    );
    let hump = EnvGen::kr(&b).envelope(Env::sine(0.2, 0.8)).finish();
    let peak = RunningMax::kr(&b).source(hump).finish();
    let held = EnvGen::kr(&b)
        .envelope(Env::cutoff(0.1, 0.6, Curve::Linear))
        .finish();
    Out::kr(&b)
        .bus(out)
        .source(vec![linear, power, weighed, peak, held])
        .finish();
    let def = b.build().unwrap();
    server.add_synthdefs(&[def]).unwrap();
    server
        .add_synth(
            "sclang_pseudo_values",
            controls! { out: buses.index() },
            Position::default(),
        )
        .unwrap();
    let expected = [0.5, 0.5f32.sqrt(), 3.0, 0.8, 0.6];
    let near = |values: &[f32]| {
        values.len() == expected.len()
            && values
                .iter()
                .zip(expected)
                .all(|(v, e)| (v - e).abs() < 0.01)
    };
    // The hump takes 0.2 s to pass its peak; the bound leaves room for a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut values = buses.get().unwrap();
    while !near(&values) && Instant::now() < deadline {
        values = buses.get().unwrap();
    }
    assert!(near(&values), "{values:?}, expected {expected:?}");
    server.quit().unwrap();
}
