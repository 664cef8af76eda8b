//! Typed controls and ids against a real scsynth: a bus given as a control maps the control to
//! it, a control a known SynthDef lacks is refused before anything is sent, and query results
//! carry the handles' typed ids.

mod common;

use std::time::{Duration, Instant};

use scserver::synthdef::ugens::Out;
use scserver::synthdef::SynthDefBuilder;
use scserver::{
    controls, BufferSource, GroupId, Position, QueryTreeNode, Rate, RequestError, Server,
    ServerError, SynthDef,
};

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Writes its `value` control to control bus `out`.
fn copy() -> SynthDef {
    let b = SynthDefBuilder::new("typed-copy");
    let (value, out) = (b.kr("value", 0.0), b.kr("out", 0.0));
    Out::kr(&b).bus(out).source(value).finish();
    b.build().unwrap()
}

fn booted() -> Server {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().expect("boot");
    server
}

#[test]
fn a_bus_given_as_a_control_maps_the_control_to_it() {
    let server = booted();
    let (source, copied) = (
        server.add_bus(Rate::Control).unwrap(),
        server.add_bus(Rate::Control).unwrap(),
    );
    source.set(0.25).unwrap();
    server.add_synthdefs(&[copy()]).unwrap();
    let synth = server
        .add_synth(
            "typed-copy",
            controls! { value: &source, out: copied.index() },
            Position::default(),
        )
        .unwrap();
    wait_until("the copy of 0.25", || copied.get().unwrap() == 0.25);
    // The control follows the bus, not the value it had when mapped.
    source.set(-3.5).unwrap();
    wait_until("the copy of -3.5", || copied.get().unwrap() == -3.5);
    // The mapping shows in the tree (`/s_get` reads the stored value).
    let tree = server.query_tree(GroupId::ROOT, true).unwrap();
    let Some(QueryTreeNode::Synth(shown)) = tree.find(&synth) else {
        panic!("{tree}")
    };
    let value = shown
        .controls
        .iter()
        .find(|c| c.name_or_index == "value".into())
        .expect("the value control");
    assert_eq!(
        value.value,
        scserver::ControlValue::Bus(format!("c{}", source.index()))
    );
    // A bus number as a plain value is only a number.
    synth.set(controls! { value: source.index() }).unwrap();
    let plain = source.index() as f32;
    wait_until("the plain number", || copied.get().unwrap() == plain);
    server.quit().unwrap();
}

#[test]
fn a_control_a_known_synthdef_lacks_is_refused_before_sending() {
    let server = booted();
    server.add_synthdefs(&[copy()]).unwrap();
    let before = server.query_status().unwrap().synth_count;
    let refused = server.add_synth("typed-copy", controls! { valeu: 1.0 }, Position::default());
    match refused {
        Err(ServerError::Request(RequestError::UnknownControl(e))) => {
            assert_eq!(
                (e.synthdef.as_str(), e.control.as_str()),
                ("typed-copy", "valeu")
            );
        }
        other => panic!("expected UnknownControl, got {other:?}"),
    }
    let context = server.bundle();
    assert!(matches!(
        context.add_synth("typed-copy", controls! { 5: 1.0 }, Position::default()),
        Err(ServerError::Request(RequestError::UnknownControl(_)))
    ));
    assert!(context.close().unwrap().is_none(), "nothing was collected");
    let synth = server
        .add_synth("typed-copy", controls! { value: 1.0 }, Position::default())
        .unwrap();
    assert!(matches!(
        synth.set(controls! { vlaue: 2.0 }),
        Err(ServerError::Request(RequestError::UnknownControl(_)))
    ));
    assert_eq!(server.query_status().unwrap().synth_count, before + 1);
    server.quit().unwrap();
}

#[test]
fn query_results_carry_typed_ids() {
    let server = booted();
    server.load_synthdefs_dir(common::SYNTHDEFS).unwrap();
    let default_group: GroupId = server.default_group().unwrap();
    let group = server.add_group(Position::default()).unwrap();
    let synth = server
        .add_synth("ref_sine", controls! {}, Position::tail(&group))
        .unwrap();
    let info = server.query_node(&synth).unwrap();
    assert_eq!(info.node_id, synth.id().into());
    assert_eq!(info.parent, Some(group.id()));
    assert_eq!(
        server.query_node(&group).unwrap().parent,
        Some(default_group)
    );
    let tree = server.query_tree(&group, false).unwrap();
    assert_eq!(tree.node_id, group.id());
    let Some(QueryTreeNode::Synth(shown)) = tree.children.first() else {
        panic!("{tree}")
    };
    assert_eq!(shown.node_id, synth.id());
    assert_eq!(
        tree.find(&synth).map(QueryTreeNode::node_id),
        Some(synth.id().into())
    );
    // The node mirror answers typed ids too.
    wait_until("the mirror", || {
        group.parent() == Some(default_group)
            && server.root_node().children() == vec![default_group.into()]
    });
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 8,
        })
        .unwrap();
    assert_eq!(server.query_buffer(&buffer).unwrap().buffer_id, buffer.id());
    server.quit().unwrap();
}
