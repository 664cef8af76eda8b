//! Node commands beyond creating, setting and moving: release through a `gate`, control ranges,
//! unmapping, tracing, the chain of parents, several nodes reordered at once, and permanent
//! groups. Each command is built once (in `scserver_core::ops` or a `*_command` method here)
//! and sent either awaited (these methods) or deferred (the same-named [`RequestContext`]
//! methods).
//!
//! [`RequestContext`]: crate::RequestContext

use std::time::Duration;

use scserver_actors::ServerError;
use scserver_core::command::{Command, Control};
use scserver_core::ids::{GroupId, NodeId};
use scserver_core::ops::node::{self, Gate};
use scserver_core::position::Position;

use super::{BusGroup, Face};
use crate::{AsyncServer, Server};

impl AsyncServer {
    /// The groups above `node`, from its parent up to the root, as the mirror knows them (no
    /// round trip; empty for the root and unknown nodes).
    pub fn node_parentage(&self, node: impl Into<NodeId>) -> Vec<GroupId> {
        let node = node.into().get();
        self.session()
            .mirror
            .read()
            .map(|m| m.parentage(node).into_iter().map(GroupId::new).collect())
            .unwrap_or_default()
    }

    /// What a release of `node` sends, given what the client knows of its SynthDef.
    pub(crate) fn release_command(
        &self,
        node: NodeId,
        synthdef: Option<&str>,
        time: Option<Duration>,
    ) -> Result<Command, ServerError> {
        let gate = match synthdef.and_then(|s| self.session().has_control(s, "gate")) {
            Some(true) => Gate::Present,
            Some(false) => Gate::Absent,
            None => Gate::Unknown,
        };
        Ok(node::release(
            node.get(),
            time.map(|t| t.as_secs_f64()),
            gate,
        )?)
    }

    /// `/n_order`: moves `nodes`, in this order, to `position` (a head, tail, before or after;
    /// not a replace), once the server has.
    pub async fn order_nodes(
        &self,
        nodes: Vec<NodeId>,
        position: Position,
    ) -> Result<(), ServerError> {
        let command = self.order_command(nodes, position)?;
        self.execute(command).await.map(drop)
    }

    pub(crate) fn order_command(
        &self,
        nodes: Vec<NodeId>,
        position: Position,
    ) -> Result<Command, ServerError> {
        let (add_action, target) = position.resolve(self.default_target());
        let nodes = nodes.into_iter().map(NodeId::get).collect();
        Ok(node::order(nodes, add_action, target)?)
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/n_order` of several nodes (see [`AsyncServer::order_nodes`]).
    fn order_nodes(nodes: Vec<NodeId>, position: Position) -> Result<(), ServerError>;
}

impl Server {
    /// The groups above `node`, from the mirror (see [`AsyncServer::node_parentage`]).
    pub fn node_parentage(&self, node: impl Into<NodeId>) -> Vec<GroupId> {
        self.as_async().node_parentage(node)
    }
}

/// `/n_setn` of `values` from `control` on.
pub(crate) fn set_range_command(node: NodeId, control: Control, values: Vec<f32>) -> Command {
    Command::NSetn {
        node_id: node.get(),
        ranges: vec![(control, values)],
    }
}

/// `/n_mapn` (control buses) or `/n_mapan` (audio buses): `buses.len()` controls from `control`
/// on read the buses of the group.
pub(crate) fn map_range_command<S: Face>(
    node: NodeId,
    control: Control,
    buses: &BusGroup<S>,
) -> Command {
    let (node_id, maps) = (node.get(), vec![(control, buses.index(), buses.len())]);
    match buses.rate() {
        crate::Rate::Control => Command::NMapn { node_id, maps },
        crate::Rate::Audio => Command::NMapan { node_id, maps },
    }
}

/// `/n_trace`.
pub(crate) fn trace_command(node: NodeId) -> Command {
    Command::NTrace {
        node_ids: vec![node.get()],
    }
}

/// The node commands for a handle with `server`, `id` fields and a `known_synthdef()`.
macro_rules! node_ops {
    ($ty:ident) => {
        impl<S: $crate::objects::Face> $ty<S> {
            /// The groups above it, from its parent up to the root (from the mirror).
            pub fn parentage(&self) -> Vec<$crate::GroupId> {
                self.server.async_server().node_parentage(self.id)
            }

            /// What [`Self::release`] sends.
            pub(crate) fn release_command(
                &self,
                time: Option<std::time::Duration>,
            ) -> Result<$crate::Command, $crate::ServerError> {
                self.server.async_server().release_command(
                    self.id.into(),
                    self.known_synthdef(),
                    time,
                )
            }
        }

        impl $ty<$crate::AsyncServer> {
            /// Releases it as sclang's `release` does: `/n_set gate 0` lets its envelope run
            /// its release (`time` `None`), or forces a release lasting `time` (gate
            /// `-1 - seconds`). A group passes the gate to every synth in it; a synth whose
            /// SynthDef this client sent without a `gate` control is freed instead.
            pub async fn release(
                &self,
                time: Option<std::time::Duration>,
            ) -> Result<(), $crate::ServerError> {
                let command = self.release_command(time)?;
                self.server.execute(command).await.map(drop)
            }

            /// `/n_setn`: sets `values.len()` controls from `control` on. From an index the
            /// range runs over consecutive controls; from a name, over that control's own
            /// channels only (an array control), as scsynth reads names.
            pub async fn set_range(
                &self,
                control: impl Into<$crate::Control>,
                values: Vec<f32>,
            ) -> Result<(), $crate::ServerError> {
                let command =
                    $crate::objects::node_ops::set_range_command(self.id.into(), control.into(), values);
                self.server.execute(command).await.map(drop)
            }

            /// `/n_map … -1`: the controls read their own values again, whatever bus (control
            /// or audio) they were mapped to.
            pub async fn unmap(
                &self,
                controls: Vec<$crate::Control>,
            ) -> Result<(), $crate::ServerError> {
                let command = scserver_core::ops::node::unmap(self.id.get(), controls);
                self.server.execute(command).await.map(drop)
            }

            /// `/n_mapn` / `/n_mapan`: as many controls as the group has buses, from `control`
            /// on (consecutive from an index, the channels of an array control from a name),
            /// read those buses.
            pub async fn map_range<T: $crate::objects::Face>(
                &self,
                control: impl Into<$crate::Control>,
                buses: &$crate::BusGroup<T>,
            ) -> Result<(), $crate::ServerError> {
                let command = $crate::objects::node_ops::map_range_command(
                    self.id.into(),
                    control.into(),
                    buses,
                );
                self.server.execute(command).await.map(drop)
            }

            /// `/n_mapn … -1 count`: unmaps `count` controls from `control` on.
            pub async fn unmap_range(
                &self,
                control: impl Into<$crate::Control>,
                count: i32,
            ) -> Result<(), $crate::ServerError> {
                let command =
                    scserver_core::ops::node::unmap_range(self.id.get(), control.into(), count);
                self.server.execute(command).await.map(drop)
            }

            /// `/n_trace`: scsynth prints its state (inputs and outputs of every unit) on its
            /// console once.
            pub async fn trace(&self) -> Result<(), $crate::ServerError> {
                let command = $crate::objects::node_ops::trace_command(self.id.into());
                self.server.execute(command).await.map(drop)
            }
        }

        $crate::blocking::forward! { $ty<$crate::Server> => to_async;
            /// Releases it through its `gate` (see the async form).
            fn release(time: Option<std::time::Duration>) -> Result<(), $crate::ServerError>;
            /// `/n_setn`: sets consecutive controls.
            fn set_range(control: impl Into<$crate::Control>, values: Vec<f32>)
                -> Result<(), $crate::ServerError>;
            /// `/n_map … -1`: unmaps controls.
            fn unmap(controls: Vec<$crate::Control>) -> Result<(), $crate::ServerError>;
            /// `/n_mapn` / `/n_mapan`: maps consecutive controls to a bus group.
            fn map_range(control: impl Into<$crate::Control>, buses: &$crate::BusGroup<$crate::Server>)
                -> Result<(), $crate::ServerError>;
            /// `/n_mapn … -1`: unmaps consecutive controls.
            fn unmap_range(control: impl Into<$crate::Control>, count: i32)
                -> Result<(), $crate::ServerError>;
            /// `/n_trace`: prints its state on the server's console.
            fn trace() -> Result<(), $crate::ServerError>;
        }
    };
}

pub(crate) use node_ops;

/// `/g_deepFree`.
pub(crate) fn deep_free_command(group: GroupId) -> Command {
    Command::GDeepFree {
        group_ids: vec![group.get()],
    }
}
