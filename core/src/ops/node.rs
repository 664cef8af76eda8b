//! Node commands: release through a `gate` control, unmapping, ordering several nodes.

use crate::command::{AddAction, Command, Control, Value};
use crate::validate::InvalidArgument;

/// The `gate` value that releases a synth as sclang's `Node.release(releaseTime)` does.
///
/// `None` sets the gate to 0, so the envelope runs its own release. A time forces a release of
/// that many seconds: `EnvGen` reads a gate below -1 as a release lasting `-gate - 1` seconds,
/// so the gate is `-1 - time`, and a time of 0 or less is -1 (release at once).
pub fn release_gate(time: Option<f64>) -> Result<f32, InvalidArgument> {
    match time {
        None => Ok(0.0),
        Some(t) if !t.is_finite() => Err(InvalidArgument::new(
            "release",
            "time",
            t,
            "a finite number of seconds",
        )),
        Some(t) if t <= 0.0 => Ok(-1.0),
        Some(t) => Ok((-1.0 - t) as f32),
    }
}

/// What the client knows of a node's `gate` control, which decides what a release sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// A group, or a synth whose SynthDef the client has not seen: set `gate` (a group passes it
    /// to every synth below it; a synth without the control ignores it).
    Unknown,
    /// The synth's SynthDef has a `gate` control.
    Present,
    /// The synth's SynthDef has none, so only `/n_free` ends it (as supriya's `free_node`).
    Absent,
}

/// Releases a node: `/n_set node gate g` with [`release_gate`]'s value, or `/n_free` when the
/// synth has no `gate` control.
pub fn release(node_id: i32, time: Option<f64>, gate: Gate) -> Result<Command, InvalidArgument> {
    let value = release_gate(time)?;
    Ok(match gate {
        Gate::Absent => Command::NFree {
            node_ids: vec![node_id],
        },
        Gate::Unknown | Gate::Present => Command::NSet {
            node_id,
            controls: vec![(Control::from("gate"), Value::Float(value))],
        },
    })
}

/// Unmaps controls from whatever bus they read: `/n_map (control -1)…`. scsynth's bus -1 undoes
/// an audio mapping (`/n_mapa`) as well as a control one.
pub fn unmap(node_id: i32, controls: Vec<Control>) -> Command {
    Command::NMap {
        node_id,
        maps: controls.into_iter().map(|c| (c, -1)).collect(),
    }
}

/// Unmaps `count` consecutive controls from `control` on: `/n_mapn control -1 count`.
pub fn unmap_range(node_id: i32, control: Control, count: i32) -> Command {
    Command::NMapn {
        node_id,
        maps: vec![(control, -1, count)],
    }
}

/// Moves `nodes`, in this order, relative to `target`: `/n_order`. scsynth places them one after
/// another from the first, so the list keeps its order in the tree.
pub fn order(
    nodes: Vec<i32>,
    add_action: AddAction,
    target: i32,
) -> Result<Command, InvalidArgument> {
    if nodes.is_empty() {
        return Err(InvalidArgument::new(
            "/n_order",
            "nodes",
            "none",
            "at least one node",
        ));
    }
    if nodes.contains(&target) {
        return Err(InvalidArgument::new(
            "/n_order",
            "target",
            target,
            "a node other than the ones moved",
        ));
    }
    Ok(Command::NOrder {
        add_action,
        target,
        node_ids: nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::OscType;

    #[test]
    fn release_gates_follow_sclang() {
        assert_eq!(release_gate(None), Ok(0.0));
        assert_eq!(release_gate(Some(0.0)), Ok(-1.0));
        assert_eq!(release_gate(Some(-3.0)), Ok(-1.0));
        assert_eq!(release_gate(Some(2.5)), Ok(-3.5));
        let error = release_gate(Some(f64::NAN)).unwrap_err();
        assert_eq!(
            (error.command.as_str(), error.argument),
            ("release", "time")
        );
        assert!(release_gate(Some(f64::INFINITY)).is_err());
    }

    #[test]
    fn release_sets_the_gate_unless_the_synth_has_none() {
        let set = release(1000, Some(0.5), Gate::Present).unwrap();
        assert_eq!(
            set.to_message().args,
            vec![OscType::Int(1000), "gate".into(), OscType::Float(-1.5)]
        );
        assert_eq!(set.address(), "/n_set");
        let unknown = release(1000, None, Gate::Unknown).unwrap();
        assert_eq!(unknown.to_message().args[2], OscType::Float(0.0));
        let free = release(1000, None, Gate::Absent).unwrap();
        assert_eq!(
            free,
            Command::NFree {
                node_ids: vec![1000]
            }
        );
    }

    #[test]
    fn unmapping_sends_bus_minus_one() {
        let c = unmap(1000, vec!["freq".into(), Control::Index(2)]);
        assert_eq!(c.address(), "/n_map");
        assert_eq!(
            c.to_message().args,
            vec![
                OscType::Int(1000),
                "freq".into(),
                OscType::Int(-1),
                OscType::Int(2),
                OscType::Int(-1)
            ]
        );
        let r = unmap_range(1000, "pos".into(), 3);
        assert_eq!(r.address(), "/n_mapn");
        assert_eq!(
            r.to_message().args,
            vec![
                OscType::Int(1000),
                "pos".into(),
                OscType::Int(-1),
                OscType::Int(3)
            ]
        );
    }

    #[test]
    fn order_moves_several_nodes_and_refuses_nonsense() {
        let c = order(vec![1002, 1001], AddAction::AddToTail, 1).unwrap();
        assert_eq!(
            c.to_message().args,
            vec![
                OscType::Int(1),
                OscType::Int(1),
                OscType::Int(1002),
                OscType::Int(1001)
            ]
        );
        assert_eq!(
            order(vec![], AddAction::AddToHead, 1).unwrap_err().argument,
            "nodes"
        );
        assert_eq!(
            order(vec![5, 1], AddAction::AddToHead, 1)
                .unwrap_err()
                .argument,
            "target"
        );
    }
}
