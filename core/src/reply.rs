//! Typed scsynth replies and notifications.
//!
//! [`decode`] turns a datagram into an OSC packet (bounding bundle nesting before rosc recurses
//! into it), [`messages`] flattens bundles, and [`parse`] turns one message into a [`Reply`].
//! None of them panics on any input: wrong arity or argument types are a [`ReplyError`].

use crate::ids::{BufferId, GroupId, NodeId};
use crate::tree::{self, QueryTreeGroup};
use crate::value::{as_int, Args, Control};
pub use crate::value::{ControlValue, ReplyError, MAX_BUNDLE_DEPTH};
use rosc::{OscMessage, OscPacket, OscType};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `/status.reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// Measured sample rate.
    pub actual_sample_rate: f64,
    /// Average CPU load, percent.
    pub average_cpu_usage: f32,
    /// Sample rate the server was asked for.
    pub nominal_sample_rate: f64,
    /// Peak CPU load, percent.
    pub peak_cpu_usage: f32,
    /// Groups, including the root.
    pub group_count: u32,
    /// Synths.
    pub synth_count: u32,
    /// Loaded SynthDefs.
    pub synthdef_count: u32,
    /// Running unit generators.
    pub ugen_count: u32,
}

/// `/version.reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// `scsynth` or `supernova`.
    pub program_name: String,
    /// Major version.
    pub major: i32,
    /// Minor version.
    pub minor: i32,
    /// Patch version as scsynth sends it, with its leading dot (`".0"`).
    pub patch: String,
    /// Git branch (may be empty).
    pub branch: String,
    /// Git commit (`"na"` for distribution builds).
    pub commit: String,
}

impl fmt::Display for VersionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}.{}{}",
            self.program_name, self.major, self.minor, self.patch
        )?;
        if !self.branch.is_empty() || !self.commit.is_empty() {
            write!(f, " ({} {})", self.branch, self.commit)?;
        }
        Ok(())
    }
}

/// A node's place in the tree: `/n_info` and the node notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The node.
    pub node_id: NodeId,
    /// Its group (`None` for the root).
    pub parent: Option<GroupId>,
    /// The sibling before it.
    pub previous: Option<NodeId>,
    /// The sibling after it.
    pub next: Option<NodeId>,
    /// Group or synth.
    pub is_group: bool,
    /// A group's first child.
    pub head: Option<NodeId>,
    /// A group's last child.
    pub tail: Option<NodeId>,
}

/// `/b_info`: one entry per queried buffer (an unallocated buffer reports zeros).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BufferInfo {
    /// Buffer number.
    pub buffer_id: BufferId,
    /// Frames.
    pub frame_count: i32,
    /// Channels.
    pub channel_count: i32,
    /// Sample rate.
    pub sample_rate: f64,
}

/// `/done command args…`.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// The completed command's address, e.g. `/b_alloc`.
    pub command: String,
    /// What follows it (a buffer number for buffer commands).
    pub args: Vec<OscType>,
}

impl Done {
    /// The first argument as an integer (the buffer number of `/done /b_alloc 3`).
    pub fn index(&self) -> Option<i32> {
        self.args.first().and_then(as_int)
    }
}

/// `/fail command message args…`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    /// The failed command's address, e.g. `/s_new`.
    pub command: String,
    /// scsynth's explanation, without its trailing newline.
    pub message: String,
    /// What follows the message (a buffer number, or the client id of "already registered").
    pub args: Vec<OscType>,
}

impl Fail {
    /// The integer scsynth appends after the message, if any.
    pub fn index(&self) -> Option<i32> {
        self.args.first().and_then(as_int)
    }

    /// `/fail /notify "notify: already registered" id`: the client id to adopt.
    pub fn already_registered(&self) -> Option<i32> {
        (self.command == "/notify" && self.message.contains("already registered"))
            .then(|| self.index())
            .flatten()
    }

    /// `/fail /notify "too many users"`: the server has no free login.
    pub fn is_too_many_users(&self) -> bool {
        self.command == "/notify" && self.message.to_ascii_lowercase().contains("too many users")
    }
}

/// Which node notification a [`NodeNotification`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeEvent {
    /// `/n_go`: created.
    Go,
    /// `/n_end`: freed; its id may be reused.
    End,
    /// `/n_off`: paused.
    Off,
    /// `/n_on`: resumed.
    On,
    /// `/n_move`: moved.
    Move,
}

impl NodeEvent {
    /// The notification's OSC address.
    pub fn address(self) -> &'static str {
        match self {
            NodeEvent::Go => "/n_go",
            NodeEvent::End => "/n_end",
            NodeEvent::Off => "/n_off",
            NodeEvent::On => "/n_on",
            NodeEvent::Move => "/n_move",
        }
    }
}

/// A node notification: what happened and where the node is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeNotification {
    /// What happened.
    pub event: NodeEvent,
    /// The node's place in the tree.
    pub info: NodeInfo,
}

/// A message from scsynth, typed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// `/status.reply`.
    Status(StatusInfo),
    /// `/version.reply`.
    Version(VersionInfo),
    /// `/done /notify client_id [max_logins]` (supernova sends no max_logins).
    Notified {
        /// This client's id.
        client_id: i32,
        /// The server's login limit, after its rounding to a power of two.
        max_logins: Option<i32>,
    },
    /// Any other `/done` (including `/done /notify` without an id, after `/notify 0`).
    Done(Done),
    /// `/fail`.
    Fail(Fail),
    /// `/synced id`.
    Synced(i32),
    /// `/n_info`, the answer to `/n_query`.
    NodeInfo(NodeInfo),
    /// `/n_go`, `/n_end`, `/n_off`, `/n_on`, `/n_move`.
    Node(NodeNotification),
    /// `/b_info`, one entry per queried buffer.
    BufferInfo(Vec<BufferInfo>),
    /// `/c_set (bus value)…`, the answer to `/c_get`.
    ControlBusValues(Vec<(i32, f32)>),
    /// `/c_setn (bus count values…)…`, the answer to `/c_getn`.
    ControlBusRanges(Vec<(i32, Vec<f32>)>),
    /// `/b_set buffer (index value)…`, the answer to `/b_get`.
    BufferValues {
        /// Buffer number.
        buffer_id: i32,
        /// (sample index, value) pairs.
        values: Vec<(i32, f32)>,
    },
    /// `/b_setn buffer (start count values…)…`, the answer to `/b_getn`.
    BufferRanges {
        /// Buffer number.
        buffer_id: i32,
        /// (first sample, values) ranges.
        ranges: Vec<(i32, Vec<f32>)>,
    },
    /// `/n_set node (control value)…`, the answer to `/s_get`.
    NodeControls {
        /// The synth.
        node_id: i32,
        /// (control, value) pairs.
        controls: Vec<(Control, ControlValue)>,
    },
    /// `/n_setn node (control count values…)…`, the answer to `/s_getn`.
    NodeControlRanges {
        /// The synth.
        node_id: i32,
        /// (first control, values) ranges.
        ranges: Vec<(Control, Vec<ControlValue>)>,
    },
    /// `/g_queryTree.reply`.
    QueryTree(QueryTreeGroup),
    /// `/tr node trigger_id value` from SendTrig.
    Trigger {
        /// The sending synth.
        node_id: i32,
        /// SendTrig's id.
        trigger_id: i32,
        /// SendTrig's value.
        value: f32,
    },
}

/// Decodes one datagram. Fails on malformed bytes and on bundles nested deeper than
/// [`MAX_BUNDLE_DEPTH`] (rosc decodes nesting by recursion).
pub fn decode(bytes: &[u8]) -> Result<OscPacket, ReplyError> {
    if !nesting_within_bounds(bytes) {
        return Err(ReplyError::TooDeep);
    }
    rosc::decoder::decode_udp(bytes)
        .map(|(_, packet)| packet)
        .map_err(|e| ReplyError::Decode(e.to_string()))
}

/// Walks bundle headers iteratively; every element is visited once, so the cost is linear.
fn nesting_within_bounds(bytes: &[u8]) -> bool {
    let mut stack = vec![(bytes, 0usize)];
    while let Some((packet, depth)) = stack.pop() {
        if !packet.starts_with(b"#bundle\0") {
            continue;
        }
        if depth >= MAX_BUNDLE_DEPTH {
            return false;
        }
        let mut rest = packet.get(16..).unwrap_or_default();
        while let Some(size) = rest.get(..4) {
            let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
            let Some(element) = size.checked_add(4).and_then(|end| rest.get(4..end)) else {
                break;
            };
            stack.push((element, depth + 1));
            rest = &rest[4 + size..];
        }
    }
    true
}

/// The messages of a packet in order, bundles flattened (timetags dropped).
pub fn messages(packet: OscPacket) -> Vec<OscMessage> {
    let mut out = Vec::new();
    let mut stack = vec![packet];
    while let Some(packet) = stack.pop() {
        match packet {
            OscPacket::Message(m) => out.push(m),
            OscPacket::Bundle(b) => stack.extend(b.content.into_iter().rev()),
        }
    }
    out
}

/// Parses one message into a [`Reply`].
pub fn parse(message: &OscMessage) -> Result<Reply, ReplyError> {
    let mut a = Args::new(message);
    let reply = match message.addr.as_str() {
        "/status.reply" => {
            a.skip(1)?;
            let ugen_count = a.count_u32()?;
            let synth_count = a.count_u32()?;
            let group_count = a.count_u32()?;
            let synthdef_count = a.count_u32()?;
            Reply::Status(StatusInfo {
                ugen_count,
                synth_count,
                group_count,
                synthdef_count,
                average_cpu_usage: a.float()?,
                peak_cpu_usage: a.float()?,
                nominal_sample_rate: a.double()?,
                actual_sample_rate: a.double()?,
            })
        }
        "/version.reply" => Reply::Version(VersionInfo {
            program_name: a.string()?,
            major: a.int()?,
            minor: a.int()?,
            patch: a.string_or_int()?,
            branch: a.string_or_int()?,
            commit: a.string_or_int()?,
        }),
        "/done" => {
            let command = a.string()?;
            let args = a.rest();
            match (command.as_str(), args.first().and_then(as_int)) {
                ("/notify", Some(client_id)) => Reply::Notified {
                    client_id,
                    max_logins: args.get(1).and_then(as_int),
                },
                _ => Reply::Done(Done { command, args }),
            }
        }
        "/fail" => {
            let command = a.string()?;
            let message = a.string()?;
            Reply::Fail(Fail {
                command,
                message: message.trim_end_matches(['\n', '\r']).to_owned(),
                args: a.rest(),
            })
        }
        "/synced" => Reply::Synced(a.int()?),
        "/n_info" => Reply::NodeInfo(node_info(&mut a)?),
        "/n_go" | "/n_end" | "/n_off" | "/n_on" | "/n_move" => {
            let event = match message.addr.as_str() {
                "/n_go" => NodeEvent::Go,
                "/n_end" => NodeEvent::End,
                "/n_off" => NodeEvent::Off,
                "/n_on" => NodeEvent::On,
                _ => NodeEvent::Move,
            };
            Reply::Node(NodeNotification {
                event,
                info: node_info(&mut a)?,
            })
        }
        "/b_info" => {
            let mut infos = Vec::new();
            loop {
                infos.push(BufferInfo {
                    buffer_id: BufferId::new(a.int()?),
                    frame_count: a.int()?,
                    channel_count: a.int()?,
                    sample_rate: f64::from(a.float()?),
                });
                if a.is_done() {
                    break;
                }
            }
            Reply::BufferInfo(infos)
        }
        "/c_set" => {
            let mut values = Vec::new();
            loop {
                values.push((a.int()?, a.float()?));
                if a.is_done() {
                    break;
                }
            }
            Reply::ControlBusValues(values)
        }
        "/c_setn" => {
            let mut ranges = Vec::new();
            loop {
                let bus = a.int()?;
                ranges.push((bus, a.floats()?));
                if a.is_done() {
                    break;
                }
            }
            Reply::ControlBusRanges(ranges)
        }
        "/b_set" => {
            let buffer_id = a.int()?;
            let mut values = Vec::new();
            while !a.is_done() {
                values.push((a.int()?, a.float()?));
            }
            Reply::BufferValues { buffer_id, values }
        }
        "/b_setn" => {
            let buffer_id = a.int()?;
            let mut ranges = Vec::new();
            while !a.is_done() {
                let start = a.int()?;
                ranges.push((start, a.floats()?));
            }
            Reply::BufferRanges { buffer_id, ranges }
        }
        "/n_set" => {
            let node_id = a.int()?;
            let mut controls = Vec::new();
            while !a.is_done() {
                controls.push((a.control()?, a.control_value()?));
            }
            Reply::NodeControls { node_id, controls }
        }
        "/n_setn" => {
            let node_id = a.int()?;
            let mut ranges = Vec::new();
            while !a.is_done() {
                let control = a.control()?;
                let count = a.count()?;
                let mut values = Vec::with_capacity(count);
                for _ in 0..count {
                    values.push(a.control_value()?);
                }
                ranges.push((control, values));
            }
            Reply::NodeControlRanges { node_id, ranges }
        }
        "/g_queryTree.reply" => Reply::QueryTree(tree::parse_query_tree_args(&mut a)?),
        "/tr" => Reply::Trigger {
            node_id: a.int()?,
            trigger_id: a.int()?,
            value: a.float()?,
        },
        other => return Err(ReplyError::UnknownAddress(other.to_owned())),
    };
    Ok(reply)
}

fn node_id_or_none(id: i32) -> Option<NodeId> {
    (id >= 0).then_some(NodeId::new(id))
}

fn node_info(a: &mut Args<'_>) -> Result<NodeInfo, ReplyError> {
    let node_id = NodeId::new(a.int()?);
    let parent = node_id_or_none(a.int()?).map(|p| GroupId::new(p.get()));
    let previous = node_id_or_none(a.int()?);
    let next = node_id_or_none(a.int()?);
    let is_group = match a.int()? {
        0 => false,
        1 => true,
        other => return Err(a.invalid(format!("is_group flag {other} is neither 0 nor 1"))),
    };
    let (head, tail) = if is_group {
        (node_id_or_none(a.int()?), node_id_or_none(a.int()?))
    } else {
        (None, None)
    };
    Ok(NodeInfo {
        node_id,
        parent,
        previous,
        next,
        is_group,
        head,
        tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SynthId;
    use crate::tree::{QueryTreeControl, QueryTreeNode, QueryTreeSynth};
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    fn reference_dir() -> PathBuf {
        PathBuf::from(scserver_testdata::OSC)
    }

    fn load(name: &str) -> Vec<u8> {
        let path = reference_dir().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn parse_file(name: &str) -> Reply {
        let bytes = load(name);
        let packet = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let OscPacket::Message(message) = packet else {
            panic!("{name}: a bundle")
        };
        parse(&message).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn synth(node_id: i32, name: &str, controls: &[(&str, ControlValue)]) -> QueryTreeNode {
        QueryTreeNode::Synth(QueryTreeSynth {
            node_id: SynthId::new(node_id),
            synthdef_name: name.into(),
            controls: controls
                .iter()
                .map(|(n, v)| QueryTreeControl {
                    name_or_index: Control::Name((*n).into()),
                    value: v.clone(),
                })
                .collect(),
        })
    }

    fn group(node_id: i32, children: Vec<QueryTreeNode>) -> QueryTreeGroup {
        QueryTreeGroup {
            node_id: GroupId::new(node_id),
            children,
        }
    }

    fn f(v: f64) -> ControlValue {
        ControlValue::Float(v as f32)
    }

    fn node(
        node_id: i32,
        parent: i32,
        previous: i32,
        next: i32,
        group: Option<(i32, i32)>,
    ) -> NodeInfo {
        NodeInfo {
            node_id: NodeId::new(node_id),
            parent: node_id_or_none(parent).map(|p| GroupId::new(p.get())),
            previous: node_id_or_none(previous),
            next: node_id_or_none(next),
            is_group: group.is_some(),
            head: group.and_then(|g| node_id_or_none(g.0)),
            tail: group.and_then(|g| node_id_or_none(g.1)),
        }
    }

    /// The capture tree of `g_queryTree_reply_*.bin`, with or without controls.
    fn captured_tree(controls: bool) -> QueryTreeGroup {
        let c =
            |list: &[(&'static str, ControlValue)]| if controls { list.to_vec() } else { vec![] };
        group(
            0,
            vec![QueryTreeNode::Group(group(
                1,
                vec![
                    synth(
                        1005,
                        "ref_pan_stereo",
                        &c(&[
                            ("amp", f(0.20000000298023224)),
                            ("freq", f(220.0)),
                            ("out", f(0.0)),
                            ("pan", f(-0.5)),
                        ]),
                    ),
                    QueryTreeNode::Group(group(
                        1000,
                        vec![
                            QueryTreeNode::Group(group(
                                1001,
                                vec![synth(
                                    1002,
                                    "ref_sine",
                                    &c(&[("amp", f(0.25)), ("freq", f(220.0)), ("out", f(0.0))]),
                                )],
                            )),
                            synth(
                                1003,
                                "ref_control_rates",
                                &c(&[
                                    ("out", f(0.0)),
                                    ("t_trig", f(0.0)),
                                    ("freq", f(440.0)),
                                    ("amp", f(0.10000000149011612)),
                                    ("cutoff", f(800.0)),
                                ]),
                            ),
                        ],
                    )),
                    QueryTreeNode::Group(group(1004, vec![])),
                ],
            ))],
        )
    }

    /// Expected values from `captures.json`, one per `.bin` file.
    fn expected() -> Vec<(&'static str, Reply)> {
        let done = |command: &str, args: Vec<OscType>| {
            Reply::Done(Done {
                command: command.into(),
                args,
            })
        };
        let fail = |command: &str, message: &str, args: Vec<OscType>| {
            Reply::Fail(Fail {
                command: command.into(),
                message: message.into(),
                args,
            })
        };
        vec![
            (
                "done_notify.bin",
                Reply::Notified {
                    client_id: 0,
                    max_logins: Some(1),
                },
            ),
            (
                "notify_again.bin",
                fail(
                    "/notify",
                    "notify: already registered",
                    vec![OscType::Int(0)],
                ),
            ),
            (
                "fail_notify_too_many.bin",
                fail("/notify", "too many users", vec![]),
            ),
            (
                "status_reply_idle.bin",
                Reply::Status(StatusInfo {
                    ugen_count: 0,
                    synth_count: 0,
                    group_count: 1,
                    synthdef_count: 0,
                    average_cpu_usage: 0.02423541620373726f64 as f32,
                    peak_cpu_usage: 0.07047227770090103f64 as f32,
                    nominal_sample_rate: 48000.0,
                    actual_sample_rate: 48006.56444189848,
                }),
            ),
            (
                "status_reply_busy.bin",
                Reply::Status(StatusInfo {
                    ugen_count: 19,
                    synth_count: 2,
                    group_count: 5,
                    synthdef_count: 9,
                    average_cpu_usage: 0.8054616451263428f64 as f32,
                    peak_cpu_usage: 0.8256075382232666f64 as f32,
                    nominal_sample_rate: 48000.0,
                    actual_sample_rate: 48005.62543032146,
                }),
            ),
            (
                "version_reply.bin",
                Reply::Version(VersionInfo {
                    program_name: "scsynth".into(),
                    major: 3,
                    minor: 13,
                    patch: ".0".into(),
                    branch: "".into(),
                    commit: "na".into(),
                }),
            ),
            ("synced.bin", Reply::Synced(42)),
            ("done_d_recv.bin", done("/d_recv", vec![])),
            (
                "n_go_group.bin",
                Reply::Node(NodeNotification {
                    event: NodeEvent::Go,
                    info: node(1001, 1000, -1, -1, Some((-1, -1))),
                }),
            ),
            (
                "n_go_synth.bin",
                Reply::Node(NodeNotification {
                    event: NodeEvent::Go,
                    info: node(1002, 1001, -1, -1, None),
                }),
            ),
            (
                "g_queryTree_reply_controls.bin",
                Reply::QueryTree(captured_tree(true)),
            ),
            (
                "g_queryTree_reply_nocontrols.bin",
                Reply::QueryTree(captured_tree(false)),
            ),
            (
                "g_queryTree_reply_mapped.bin",
                Reply::QueryTree(group(
                    1001,
                    vec![synth(
                        1002,
                        "ref_sine",
                        &[
                            ("amp", ControlValue::Bus("c3".into())),
                            ("freq", ControlValue::Bus("a20".into())),
                            ("out", f(0.0)),
                        ],
                    )],
                )),
            ),
            (
                "n_info_synth.bin",
                Reply::NodeInfo(node(1002, 1001, -1, -1, None)),
            ),
            (
                "n_info_group.bin",
                Reply::NodeInfo(node(1000, 1, 1005, 1004, Some((1001, 1003)))),
            ),
            (
                "n_set_reply_s_get.bin",
                Reply::NodeControls {
                    node_id: 1003,
                    controls: vec![
                        (Control::Name("cutoff".into()), f(800.0)),
                        (Control::Name("freq".into()), f(440.0)),
                    ],
                },
            ),
            ("c_set_reply_c_get.bin", Reply::ControlBusValues(vec![(5, 0.75)])),
            (
                "done_b_alloc.bin",
                done("/b_alloc", vec![OscType::Int(0)]),
            ),
            (
                "b_info.bin",
                Reply::BufferInfo(vec![BufferInfo {
                    buffer_id: BufferId::new(0),
                    frame_count: 1024,
                    channel_count: 2,
                    sample_rate: 48000.0,
                }]),
            ),
            (
                "b_info_two.bin",
                Reply::BufferInfo(vec![
                    BufferInfo {
                        buffer_id: BufferId::new(0),
                        frame_count: 1024,
                        channel_count: 2,
                        sample_rate: 48000.0,
                    },
                    BufferInfo {
                        buffer_id: BufferId::new(1),
                        frame_count: 0,
                        channel_count: 0,
                        sample_rate: 0.0,
                    },
                ]),
            ),
            ("done_b_free.bin", done("/b_free", vec![OscType::Int(0)])),
            (
                "fail_b_allocRead.bin",
                fail(
                    "/b_allocRead",
                    "File '/nonexistent/file.wav' could not be opened: System error : No such file or directory.",
                    vec![OscType::Int(2)],
                ),
            ),
            (
                "fail_s_new_missing_synthdef.bin",
                fail("/s_new", "SynthDef not found", vec![]),
            ),
            (
                "fail_n_set_missing_node.bin",
                fail("/n_set", "Node 99999 not found", vec![]),
            ),
            (
                "fail_unknown_command.bin",
                fail("/no_such_command", "Command not found", vec![]),
            ),
            (
                "n_off.bin",
                Reply::Node(NodeNotification {
                    event: NodeEvent::Off,
                    info: node(1002, 1001, -1, -1, None),
                }),
            ),
            (
                "n_on.bin",
                Reply::Node(NodeNotification {
                    event: NodeEvent::On,
                    info: node(1002, 1001, -1, -1, None),
                }),
            ),
            (
                "n_end.bin",
                Reply::Node(NodeNotification {
                    event: NodeEvent::End,
                    info: node(1002, 1001, -1, -1, None),
                }),
            ),
            ("done_quit.bin", done("/quit", vec![])),
        ]
    }

    #[test]
    fn every_reference_capture_parses_to_its_recorded_values() {
        let expected = expected();
        let on_disk: BTreeSet<String> = std::fs::read_dir(reference_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".bin"))
            .collect();
        let covered: BTreeSet<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, covered, "every .bin file has an expectation");
        for (name, reply) in expected {
            assert_eq!(parse_file(name), reply, "{name}");
        }
    }

    #[test]
    fn fail_helpers_read_notify_failures() {
        let Reply::Fail(again) = parse_file("notify_again.bin") else {
            panic!()
        };
        assert_eq!(again.already_registered(), Some(0));
        assert!(!again.is_too_many_users());
        let Reply::Fail(full) = parse_file("fail_notify_too_many.bin") else {
            panic!()
        };
        assert!(full.is_too_many_users());
        assert_eq!(full.already_registered(), None);
        let Reply::Fail(read) = parse_file("fail_b_allocRead.bin") else {
            panic!()
        };
        assert_eq!(read.index(), Some(2));
    }

    #[test]
    fn supernova_notify_has_no_max_logins_and_unnotify_is_plain_done() {
        let m = OscMessage {
            addr: "/done".into(),
            args: vec!["/notify".into(), OscType::Int(3)],
        };
        assert_eq!(
            parse(&m),
            Ok(Reply::Notified {
                client_id: 3,
                max_logins: None
            })
        );
        let m = OscMessage {
            addr: "/done".into(),
            args: vec!["/notify".into()],
        };
        assert_eq!(
            parse(&m),
            Ok(Reply::Done(Done {
                command: "/notify".into(),
                args: vec![]
            }))
        );
    }

    #[test]
    fn getter_replies_parse() {
        let msg = |addr: &str, args: Vec<OscType>| OscMessage {
            addr: addr.into(),
            args,
        };
        let i = OscType::Int;
        let fl = OscType::Float;
        assert_eq!(
            parse(&msg(
                "/c_setn",
                vec![i(8), i(2), fl(1.0), fl(2.0), i(20), i(0)]
            )),
            Ok(Reply::ControlBusRanges(vec![
                (8, vec![1.0, 2.0]),
                (20, vec![])
            ]))
        );
        assert_eq!(
            parse(&msg("/b_set", vec![i(1), i(0), fl(0.5), i(4), fl(0.25)])),
            Ok(Reply::BufferValues {
                buffer_id: 1,
                values: vec![(0, 0.5), (4, 0.25)]
            })
        );
        assert_eq!(
            parse(&msg("/b_setn", vec![i(1), i(0), i(2), fl(0.5), fl(0.25)])),
            Ok(Reply::BufferRanges {
                buffer_id: 1,
                ranges: vec![(0, vec![0.5, 0.25])]
            })
        );
        assert_eq!(
            parse(&msg(
                "/n_setn",
                vec![i(1000), "freq".into(), i(2), fl(440.0), "c3".into()]
            )),
            Ok(Reply::NodeControlRanges {
                node_id: 1000,
                ranges: vec![(
                    Control::Name("freq".into()),
                    vec![ControlValue::Float(440.0), ControlValue::Bus("c3".into())]
                )]
            })
        );
        assert_eq!(
            parse(&msg("/tr", vec![i(1000), i(7), fl(0.5)])),
            Ok(Reply::Trigger {
                node_id: 1000,
                trigger_id: 7,
                value: 0.5
            })
        );
        assert_eq!(
            parse(&msg("/n_move", vec![i(1000), i(1), i(-1), i(1001), i(0)])),
            Ok(Reply::Node(NodeNotification {
                event: NodeEvent::Move,
                info: node(1000, 1, -1, 1001, None)
            }))
        );
    }

    #[test]
    fn malformed_messages_are_errors() {
        let msg = |addr: &str, args: Vec<OscType>| OscMessage {
            addr: addr.into(),
            args,
        };
        assert!(matches!(
            parse(&msg("/synced", vec![])),
            Err(ReplyError::Missing { index: 0, .. })
        ));
        assert!(matches!(
            parse(&msg("/synced", vec!["x".into()])),
            Err(ReplyError::Type { index: 0, .. })
        ));
        assert!(matches!(
            parse(&msg(
                "/c_setn",
                vec![OscType::Int(0), OscType::Int(1_000_000)]
            )),
            Err(ReplyError::Invalid { .. })
        ));
        assert!(matches!(
            parse(&msg("/n_go", vec![OscType::Int(1); 4])),
            Err(ReplyError::Missing { index: 4, .. })
        ));
        assert!(matches!(
            parse(&msg("/n_go", vec![OscType::Int(1); 6])),
            Err(ReplyError::Missing { index: 6, .. })
        ));
        assert!(matches!(
            parse(&msg("/n_go", vec![OscType::Int(2); 5])),
            Err(ReplyError::Invalid { .. })
        ));
        assert_eq!(
            parse(&msg("/whatever", vec![])),
            Err(ReplyError::UnknownAddress("/whatever".into()))
        );
        assert!(decode(b"").is_err());
        assert!(decode(b"not osc").is_err());
    }

    #[test]
    fn bundles_flatten_in_order_and_deep_nesting_is_refused() {
        let inner = |addr: &str| {
            OscPacket::Message(OscMessage {
                addr: addr.into(),
                args: vec![],
            })
        };
        let nested = OscPacket::Bundle(rosc::OscBundle {
            timetag: crate::timetag::IMMEDIATE,
            content: vec![
                inner("/a"),
                OscPacket::Bundle(rosc::OscBundle {
                    timetag: crate::timetag::IMMEDIATE,
                    content: vec![inner("/b"), inner("/c")],
                }),
                inner("/d"),
            ],
        });
        let bytes = rosc::encoder::encode(&nested).unwrap();
        let addrs: Vec<String> = messages(decode(&bytes).unwrap())
            .into_iter()
            .map(|m| m.addr)
            .collect();
        assert_eq!(addrs, ["/a", "/b", "/c", "/d"]);

        let mut deep = inner("/x");
        for _ in 0..=MAX_BUNDLE_DEPTH {
            deep = OscPacket::Bundle(rosc::OscBundle {
                timetag: crate::timetag::IMMEDIATE,
                content: vec![deep],
            });
        }
        let bytes = rosc::encoder::encode(&deep).unwrap();
        assert_eq!(decode(&bytes), Err(ReplyError::TooDeep));
        // Thousands of levels in one datagram: refused before any recursion.
        let mut bytes = Vec::new();
        for level in 0..3000u32 {
            bytes.extend_from_slice(b"#bundle\0\0\0\0\0\0\0\0\x01");
            let remaining = (3000 - level - 1) * 20;
            bytes.extend_from_slice(&remaining.to_be_bytes());
        }
        assert_eq!(decode(&bytes), Err(ReplyError::TooDeep));
    }

    fn all_reference_packets() -> &'static [Vec<u8>] {
        static PACKETS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        PACKETS.get_or_init(|| expected().into_iter().map(|(name, _)| load(name)).collect())
    }

    fn decode_and_parse(bytes: &[u8]) {
        if let Ok(packet) = decode(bytes) {
            for m in messages(packet) {
                let _ = parse(&m);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            decode_and_parse(&bytes);
        }

        #[test]
        fn mutated_reference_packets_never_panic(
            which in 0usize..29,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
            truncate in any::<bool>(),
        ) {
            let packets = all_reference_packets();
            let mut bytes = packets[which % packets.len()].clone();
            for (at, value) in edits {
                let i = at % bytes.len();
                bytes[i] = value;
            }
            if truncate {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            decode_and_parse(&bytes);
        }

        #[test]
        fn retyped_reference_messages_never_panic(
            which in 0usize..29,
            tags in proptest::collection::vec(0u8..6, 0..64),
        ) {
            // Replace arguments with other OSC types while keeping addresses: exercises every
            // typed read in `parse` rather than only the decoder.
            let packets = all_reference_packets();
            let Ok(OscPacket::Message(mut m)) = decode(&packets[which % packets.len()]) else {
                return Ok(());
            };
            for (i, t) in tags.iter().enumerate() {
                let arg = match t {
                    0 => OscType::Int(i as i32 - 3),
                    1 => OscType::Float(-1.5),
                    2 => OscType::String("c1".into()),
                    3 => OscType::Nil,
                    4 => OscType::Int(i32::MAX),
                    _ => OscType::Int(-1),
                };
                if i < m.args.len() && t % 2 == 0 {
                    m.args[i] = arg;
                } else if t % 3 == 0 {
                    m.args.truncate(i);
                } else {
                    m.args.push(arg);
                }
            }
            let _ = parse(&m);
        }
    }
}
