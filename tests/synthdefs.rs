//! SynthDefs compiled in Rust load into a real scsynth through the public API, start, and show
//! their controls with their defaults.

mod common;

#[path = "../core/tests/reference_defs/mod.rs"]
mod reference_defs;

use scserver::{AddAction, ControlValue, QueryTreeNode, Server};

#[test]
fn every_reference_synthdef_loads_starts_and_shows_its_defaults() {
    common::init_tracing();
    let server = Server::with_name("synthdefs", common::options());
    server.boot(None).unwrap();
    let defs = reference_defs::all();
    // All in as few /d_recv as fit a datagram, each awaited (a /fail would be an error here).
    server
        .add_synthdefs(&defs, true)
        .expect("the compiled SynthDefs load");
    for def in &defs {
        let synth = server
            .add_synth(&def.name, vec![], None, AddAction::AddToTail, true)
            .unwrap_or_else(|e| panic!("{}: {e}", def.name));
        let tree = server.query_tree(None, true, true).unwrap().unwrap();
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
