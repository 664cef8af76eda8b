//! The one send-and-await path for [`Command`]s, and the typed queries built on it.
//!
//! Every query is the same three steps: build a `Command` (data), send it with [`AsyncServer::execute`]
//! (which derives what to wait for from the command), parse the reply with the core parser.

use std::collections::BTreeMap;

use rosc::OscMessage;
use scserver_actors::{RequestError, ServerError};
use scserver_core::command::{Command, Control};
use scserver_core::fifo::NODE_FIFO;
use scserver_core::ids::{BufferId, BusId, GroupId, NodeId, SynthId};
use scserver_core::reply::{
    self, BufferInfo, ControlValue, NodeInfo, Reply, StatusInfo, VersionInfo,
};
use scserver_core::tree::{self, QueryTreeGroup};
use scserver_core::validate;

use scserver_actors::server::dump::DumpTree;
use scserver_actors::server::request::Outgoing;

use crate::objects::control_only;
use crate::{AsyncServer, Server};

fn bad_reply(command: &str, message: impl ToString) -> ServerError {
    RequestError::BadReply {
        command: command.to_owned(),
        message: message.to_string(),
    }
    .into()
}

/// Parses a reply and picks the expected variant, or says what came instead.
fn typed<T>(
    command: &str,
    message: OscMessage,
    pick: impl FnOnce(Reply) -> Option<T>,
) -> Result<T, ServerError> {
    let parsed = reply::parse(&message).map_err(|e| bad_reply(command, e))?;
    pick(parsed).ok_or_else(|| bad_reply(command, format!("unexpected {}", message.addr)))
}

impl AsyncServer {
    /// Sends `command`, after refusing arguments scsynth would ignore or mishandle with
    /// [`RequestError::InvalidArgument`] (nothing is sent then), and waits for its reply (or its
    /// `/fail`, as a typed [`RequestError::Failed`]); for a command scsynth does not answer, the
    /// answer only says that scsynth has performed it. To send without waiting, make the call on
    /// a request context ([`AsyncServer::bundle`]) or [`AsyncServer::send`] a packet.
    pub async fn execute(&self, command: Command) -> Result<OscMessage, ServerError> {
        validate::command(&command, &self.limits())?;
        // scsynth may drop some of a large burst of node notifications: refresh the mirror after.
        let burst = (command.node_notifications() >= NODE_FIFO).then(|| command.burst_group());
        let reply = self.submit(Outgoing::command(&command)?).await?;
        if let Some(group) = burst {
            self.refresh_mirror(Some(GroupId::new(group))).await?;
        }
        Ok(reply)
    }

    /// `/status` → the server's load and counts.
    pub async fn query_status(&self) -> Result<StatusInfo, ServerError> {
        let reply = self.execute(Command::Status).await?;
        typed("/status", reply, |r| match r {
            Reply::Status(s) => Some(s),
            _ => None,
        })
    }

    /// `/version` → program name, version and build.
    pub async fn query_version(&self) -> Result<VersionInfo, ServerError> {
        let reply = self.execute(Command::Version).await?;
        typed("/version", reply, |r| match r {
            Reply::Version(v) => Some(v),
            _ => None,
        })
    }

    /// `/n_query node` → where the node is (a `/fail` when it does not exist).
    pub async fn query_node(&self, node: impl Into<NodeId>) -> Result<NodeInfo, ServerError> {
        let command = Command::NQuery {
            node_ids: vec![node.into().get()],
        };
        typed("/n_query", self.execute(command).await?, |r| match r {
            Reply::NodeInfo(info) => Some(info),
            _ => None,
        })
    }

    /// `/b_query buffer` → frames, channels and sample rate (zeros when not allocated).
    pub async fn query_buffer(
        &self,
        buffer: impl Into<BufferId>,
    ) -> Result<BufferInfo, ServerError> {
        let command = Command::BQuery {
            buffer_ids: vec![buffer.into().get()],
        };
        typed("/b_query", self.execute(command).await?, |r| match r {
            Reply::BufferInfo(infos) => infos.into_iter().next(),
            _ => None,
        })
    }

    /// `/g_queryTree group flag` → the tree under `group` (`GroupId::ROOT` for everything),
    /// with synth controls when `include_controls`.
    pub async fn query_tree(
        &self,
        group: impl Into<GroupId>,
        include_controls: bool,
    ) -> Result<QueryTreeGroup, ServerError> {
        let command = Command::GQueryTree {
            groups: vec![(group.into().get(), include_controls)],
        };
        let message = self.execute(command).await?;
        // The dedicated parser: no generic Reply detour for the largest reply there is.
        tree::parse_query_tree(&message).map_err(|e| bad_reply("/g_queryTree", e))
    }

    /// `/g_dumpTree group flag`, parsed from scsynth's output as supriya does (owned servers
    /// only: only the owner reads that output).
    pub async fn dump_tree(
        &self,
        group: impl Into<GroupId>,
        include_controls: bool,
    ) -> Result<QueryTreeGroup, ServerError> {
        let group = group.into().get();
        let command = Command::GDumpTree {
            groups: vec![(group, include_controls)],
        };
        // The dump is read from scsynth's output, not through `execute`: check it here.
        validate::command(&command, &self.limits())?;
        let dump = DumpTree {
            group,
            include_controls,
        };
        self.actor().send(dump).await?
    }

    /// `/c_get bus` → the control bus's value.
    pub async fn get_bus(&self, bus: impl Into<BusId>) -> Result<f32, ServerError> {
        let bus = bus.into();
        control_only(bus, "/c_get")?;
        let command = Command::CGet {
            bus_ids: vec![bus.index],
        };
        typed("/c_get", self.execute(command).await?, |r| match r {
            Reply::ControlBusValues(v) => v.first().map(|(_, value)| *value),
            _ => None,
        })
    }

    /// `/c_getn bus count` → `count` contiguous control bus values.
    pub async fn get_bus_range(
        &self,
        bus: impl Into<BusId>,
        count: i32,
    ) -> Result<Vec<f32>, ServerError> {
        let bus = bus.into();
        control_only(bus, "/c_getn")?;
        let command = Command::CGetn {
            ranges: vec![(bus.index, count)],
        };
        typed("/c_getn", self.execute(command).await?, |r| match r {
            Reply::ControlBusRanges(mut v) if !v.is_empty() => Some(v.swap_remove(0).1),
            _ => None,
        })
    }

    /// `/b_get buffer index…` → sample index → value.
    pub async fn get_buffer(
        &self,
        buffer: impl Into<BufferId>,
        indices: Vec<i32>,
    ) -> Result<BTreeMap<i32, f32>, ServerError> {
        let command = Command::BGet {
            buffer_id: buffer.into().get(),
            indices,
        };
        typed("/b_get", self.execute(command).await?, |r| match r {
            Reply::BufferValues { values, .. } => Some(values.into_iter().collect()),
            _ => None,
        })
    }

    /// `/b_getn buffer index count` → `count` samples from `index`.
    pub async fn get_buffer_range(
        &self,
        buffer: impl Into<BufferId>,
        index: i32,
        count: i32,
    ) -> Result<Vec<f32>, ServerError> {
        let command = Command::BGetn {
            buffer_id: buffer.into().get(),
            ranges: vec![(index, count)],
        };
        typed("/b_getn", self.execute(command).await?, |r| match r {
            Reply::BufferRanges { ranges, .. } => {
                Some(ranges.into_iter().flat_map(|(_, v)| v).collect())
            }
            _ => None,
        })
    }

    /// `/s_get synth control…` → the controls' values (or bus mappings), in the order asked.
    pub async fn get_synth_controls(
        &self,
        synth: impl Into<SynthId>,
        controls: Vec<Control>,
    ) -> Result<Vec<(Control, ControlValue)>, ServerError> {
        let command = Command::SGet {
            node_id: synth.into().get(),
            controls,
        };
        typed("/s_get", self.execute(command).await?, |r| match r {
            Reply::NodeControls { controls, .. } => Some(controls),
            _ => None,
        })
    }

    /// `/s_getn synth control count` → `count` contiguous control values from `control`.
    pub async fn get_synth_control_range(
        &self,
        synth: impl Into<SynthId>,
        control: Control,
        count: i32,
    ) -> Result<Vec<ControlValue>, ServerError> {
        let command = Command::SGetn {
            node_id: synth.into().get(),
            ranges: vec![(control, count)],
        };
        typed("/s_getn", self.execute(command).await?, |r| match r {
            Reply::NodeControlRanges { ranges, .. } => {
                Some(ranges.into_iter().flat_map(|(_, v)| v).collect())
            }
            _ => None,
        })
    }
}

crate::blocking::forward! { Server => as_async;
    /// Sends a command and waits for it (see [`AsyncServer::execute`]).
    fn execute(command: Command) -> Result<OscMessage, ServerError>;
    /// `/status` → the server's load and counts.
    fn query_status() -> Result<StatusInfo, ServerError>;
    /// `/version` → program name, version and build.
    fn query_version() -> Result<VersionInfo, ServerError>;
    /// `/n_query node` → where the node is.
    fn query_node(node: impl Into<NodeId>) -> Result<NodeInfo, ServerError>;
    /// `/b_query buffer` → frames, channels and sample rate.
    fn query_buffer(buffer: impl Into<BufferId>) -> Result<BufferInfo, ServerError>;
    /// `/g_queryTree` → the tree under `group`.
    fn query_tree(group: impl Into<GroupId>, include_controls: bool)
        -> Result<QueryTreeGroup, ServerError>;
    /// `/g_dumpTree`, parsed from scsynth's output (owned servers only).
    fn dump_tree(group: impl Into<GroupId>, include_controls: bool)
        -> Result<QueryTreeGroup, ServerError>;
    /// `/c_get bus` → the control bus's value.
    fn get_bus(bus: impl Into<BusId>) -> Result<f32, ServerError>;
    /// `/c_getn bus count` → contiguous control bus values.
    fn get_bus_range(bus: impl Into<BusId>, count: i32) -> Result<Vec<f32>, ServerError>;
    /// `/b_get buffer index…` → sample index → value.
    fn get_buffer(buffer: impl Into<BufferId>, indices: Vec<i32>)
        -> Result<BTreeMap<i32, f32>, ServerError>;
    /// `/b_getn buffer index count` → samples.
    fn get_buffer_range(buffer: impl Into<BufferId>, index: i32, count: i32)
        -> Result<Vec<f32>, ServerError>;
    /// `/s_get synth control…` → control values.
    fn get_synth_controls(synth: impl Into<SynthId>, controls: Vec<Control>)
        -> Result<Vec<(Control, ControlValue)>, ServerError>;
    /// `/s_getn synth control count` → control values.
    fn get_synth_control_range(synth: impl Into<SynthId>, control: Control, count: i32)
        -> Result<Vec<ControlValue>, ServerError>;
}
