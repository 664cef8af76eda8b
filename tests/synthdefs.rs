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
    server.boot(None).unwrap();
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
    server.quit(false).unwrap();
}

/// A `Dbufwr` compiled in Rust writes into the buffer in scsynth: its inputs reach the server
/// in the order the plugin reads them (buffer, phase, source, loop).
#[test]
fn dbufwr_writes_the_buffer() {
    common::init_tracing();
    let server = Server::with_name("dbufwr", common::options());
    server.boot(None).unwrap();
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
    server.quit(false).unwrap();
}
