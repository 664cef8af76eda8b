//! SynthDefs compiled in Rust load into a real scsynth, start, and show their controls.

mod common;

#[path = "../core/tests/reference_defs/mod.rs"]
mod reference_defs;

use scserver::osc::OscPacket;
use scserver::{Expectation, Server};
use scserver_core::command::{AddAction, Command};
use scserver_core::reply::ControlValue;
use scserver_core::tree::{parse_query_tree, QueryTreeNode};

fn execute(server: &Server, command: Command) -> scserver::osc::OscMessage {
    let expect = Expectation {
        command: command.address().to_owned(),
        reply: command.reply().expect("an awaited command"),
        fail: command.fail_pattern(),
        timeout: Some(std::time::Duration::from_secs(5)),
    };
    server
        .request(OscPacket::Message(command.to_message()), expect)
        .unwrap_or_else(|e| panic!("{}: {e}", command.address()))
}

#[test]
fn every_reference_synthdef_loads_starts_and_shows_its_defaults() {
    common::init_tracing();
    let server = Server::with_name("synthdefs", common::options());
    server.boot(None).unwrap();
    let group = server.default_group().unwrap();
    for (i, def) in reference_defs::all().into_iter().enumerate() {
        execute(
            &server,
            Command::DRecv {
                data: def.compile(),
                completion: vec![],
            },
        );
        let node_id = 2000 + i as i32;
        server
            .send(OscPacket::Message(
                Command::SNew {
                    synthdef: def.name.clone(),
                    node_id,
                    add_action: AddAction::AddToTail,
                    target: group,
                    controls: vec![],
                }
                .to_message(),
            ))
            .unwrap();
        let reply = execute(
            &server,
            Command::GQueryTree {
                groups: vec![(group, true)],
            },
        );
        let tree = parse_query_tree(&reply).unwrap();
        let Some(QueryTreeNode::Synth(synth)) = tree.find(node_id) else {
            panic!("{}: synth {node_id} is not running: {tree}", def.name);
        };
        assert_eq!(synth.synthdef_name, def.name);
        let defaults: Vec<f32> = def
            .controls()
            .into_iter()
            .flat_map(|(_, values)| values.into_iter().map(|v| v as f32))
            .collect();
        let values: Vec<f32> = synth
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
                synth
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
