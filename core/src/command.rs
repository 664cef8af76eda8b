//! The scsynth command set as data.
//!
//! Every request scserver sends is a [`Command`]: a plain value that knows its OSC encoding
//! ([`Command::to_message`]), the reply that answers it ([`Command::reply`]), how scsynth reports
//! its failure ([`Command::failure`]) and whether it can absorb
//! the next command into one message ([`Command::merge`]). The actors never build OSC by hand.
//! What does not depend on a command's arguments (address, kind of reply, whether it can fail,
//! whether it merges) is one row per kind, [`Command::spec`]; the rest is derived from it.

pub use crate::value::Control;

use crate::fifo;
use crate::pattern::Pattern;
use crate::timetag;
use rosc::{OscArray, OscBundle, OscMessage, OscPacket, OscType};
use serde::{Deserialize, Serialize};

/// Where a new or moved node goes relative to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[repr(i32)]
pub enum AddAction {
    /// First child of the target group.
    #[default]
    AddToHead = 0,
    /// Last child of the target group.
    AddToTail = 1,
    /// Just before the target node, in its group.
    AddBefore = 2,
    /// Just after the target node, in its group.
    AddAfter = 3,
    /// In place of the target node, which is freed.
    Replace = 4,
}

impl AddAction {
    /// The add action with scsynth's number `value`, if there is one.
    pub fn from_i32(value: i32) -> Option<AddAction> {
        Some(match value {
            0 => AddAction::AddToHead,
            1 => AddAction::AddToTail,
            2 => AddAction::AddBefore,
            3 => AddAction::AddAfter,
            4 => AddAction::Replace,
            _ => return None,
        })
    }
}

/// A value sent to a synth control (`/s_new`, `/n_set`) or as a `/b_gen` argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A float.
    Float(f32),
    /// An integer (scsynth converts it to float for controls).
    Int(i32),
    /// A bus mapping string: `c<index>` for a control bus, `a<index>` for an audio bus.
    Bus(String),
    /// Several consecutive controls at once, sent as an OSC array.
    Array(Vec<f32>),
}

impl Value {
    /// A mapping to control bus `index` (`"c<index>"`).
    pub fn control_bus(index: i32) -> Value {
        Value::Bus(format!("c{index}"))
    }

    /// A mapping to audio bus `index` (`"a<index>"`).
    pub fn audio_bus(index: i32) -> Value {
        Value::Bus(format!("a{index}"))
    }

    /// The OSC argument carrying this value.
    pub fn to_osc(&self) -> OscType {
        match self {
            Value::Float(f) => OscType::Float(*f),
            Value::Int(i) => OscType::Int(*i),
            Value::Bus(s) => OscType::String(s.clone()),
            Value::Array(values) => OscType::Array(OscArray {
                content: values.iter().map(|v| OscType::Float(*v)).collect(),
            }),
        }
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Self {
        Value::Float(f)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f as f32)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i)
    }
}

impl From<Vec<f32>> for Value {
    fn from(v: Vec<f32>) -> Self {
        Value::Array(v)
    }
}

/// One scsynth command. Field order follows the wire order; tuples are the repeated items of
/// commands that accept several in one message.
///
/// `completion` fields hold the commands scsynth runs when the asynchronous command finishes:
/// none, one (sent as a message blob) or several (merged, sent as an untimed bundle blob).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Command {
    /// `/notify flag [client_id]`: (un)register for notifications.
    Notify {
        /// Register (`true`) or unregister.
        enable: bool,
        /// A client id to ask for.
        client_id: Option<i32>,
    },
    /// `/status`.
    Status,
    /// `/version`.
    Version,
    /// `/sync id`.
    Sync {
        /// The id echoed by `/synced`.
        id: i32,
    },
    /// `/quit`.
    Quit,
    /// `/clearSched`: drop every scheduled bundle.
    ClearSched,
    /// `/dumpOSC mode`: 0 off, 1 parsed, 2 hex, 3 both.
    DumpOsc {
        /// The print mode.
        mode: i32,
    },
    /// `/error mode`: error reporting on (1), off (0), or per bundle (-1, -2).
    Error {
        /// The reporting mode.
        mode: i32,
    },
    /// `/d_recv bytes [completion]`: define SynthDefs from SCgf bytes.
    DRecv {
        /// SCgf file contents.
        data: Vec<u8>,
        /// Run when the definitions are loaded.
        completion: Vec<Command>,
    },
    /// `/d_load path [completion]`: load SynthDef files (a glob).
    DLoad {
        /// File path or glob on the server's machine.
        path: String,
        /// Run when loaded.
        completion: Vec<Command>,
    },
    /// `/d_loadDir dir [completion]`.
    DLoadDir {
        /// Directory on the server's machine.
        path: String,
        /// Run when loaded.
        completion: Vec<Command>,
    },
    /// `/d_free name…`.
    DFree {
        /// SynthDef names.
        names: Vec<String>,
    },
    /// `/d_freeAll`.
    DFreeAll,
    /// `/n_free node…`.
    NFree {
        /// Nodes to free.
        node_ids: Vec<i32>,
    },
    /// `/n_run (node flag)…`.
    NRun {
        /// (node, run) pairs.
        items: Vec<(i32, bool)>,
    },
    /// `/n_set node (control value)…`.
    NSet {
        /// Target node.
        node_id: i32,
        /// (control, value) pairs.
        controls: Vec<(Control, Value)>,
    },
    /// `/n_setn node (control count values…)…`.
    NSetn {
        /// Target node.
        node_id: i32,
        /// (first control, values) ranges.
        ranges: Vec<(Control, Vec<f32>)>,
    },
    /// `/n_fill node (control count value)…`.
    NFill {
        /// Target node.
        node_id: i32,
        /// (first control, count, value) ranges.
        ranges: Vec<(Control, i32, f32)>,
    },
    /// `/n_map node (control bus)…`: map controls to control buses (bus -1 unmaps).
    NMap {
        /// Target node.
        node_id: i32,
        /// (control, control bus) pairs.
        maps: Vec<(Control, i32)>,
    },
    /// `/n_mapn node (control bus count)…`.
    NMapn {
        /// Target node.
        node_id: i32,
        /// (first control, first control bus, count).
        maps: Vec<(Control, i32, i32)>,
    },
    /// `/n_mapa node (control bus)…`: map controls to audio buses.
    NMapa {
        /// Target node.
        node_id: i32,
        /// (control, audio bus) pairs.
        maps: Vec<(Control, i32)>,
    },
    /// `/n_mapan node (control bus count)…`.
    NMapan {
        /// Target node.
        node_id: i32,
        /// (first control, first audio bus, count).
        maps: Vec<(Control, i32, i32)>,
    },
    /// `/n_before (node target)…`: place each node just before its target.
    NBefore {
        /// (node, target) pairs.
        pairs: Vec<(i32, i32)>,
    },
    /// `/n_after (node target)…`: place each node just after its target.
    NAfter {
        /// (node, target) pairs.
        pairs: Vec<(i32, i32)>,
    },
    /// `/n_query node…`.
    NQuery {
        /// Nodes to query.
        node_ids: Vec<i32>,
    },
    /// `/n_order action target node…`: move nodes, in this order, relative to the target.
    NOrder {
        /// Where the nodes go.
        add_action: AddAction,
        /// The reference node or group.
        target: i32,
        /// Nodes to move.
        node_ids: Vec<i32>,
    },
    /// `/n_trace node…`: print synth state on the server's console.
    NTrace {
        /// Nodes to trace.
        node_ids: Vec<i32>,
    },
    /// `/s_new name id action target (control value)…`.
    SNew {
        /// SynthDef name.
        synthdef: String,
        /// New node id.
        node_id: i32,
        /// Where the synth goes.
        add_action: AddAction,
        /// The reference node or group.
        target: i32,
        /// Initial control values or bus mappings.
        controls: Vec<(Control, Value)>,
    },
    /// `/s_get node control…`: answered by `/n_set`.
    SGet {
        /// The synth.
        node_id: i32,
        /// Controls to read.
        controls: Vec<Control>,
    },
    /// `/s_getn node (control count)…`: answered by `/n_setn`.
    SGetn {
        /// The synth.
        node_id: i32,
        /// (first control, count) ranges.
        ranges: Vec<(Control, i32)>,
    },
    /// `/s_noid node…`: give synths a hidden id.
    SNoid {
        /// Synths to renumber.
        node_ids: Vec<i32>,
    },
    /// `/g_new (id action target)…`.
    GNew {
        /// (new group id, add action, target) triples.
        groups: Vec<(i32, AddAction, i32)>,
    },
    /// `/p_new (id action target)…`: parallel groups (supernova; scsynth makes plain groups).
    PNew {
        /// (new group id, add action, target) triples.
        groups: Vec<(i32, AddAction, i32)>,
    },
    /// `/g_head (group node)…`.
    GHead {
        /// (group, node) pairs.
        pairs: Vec<(i32, i32)>,
    },
    /// `/g_tail (group node)…`.
    GTail {
        /// (group, node) pairs.
        pairs: Vec<(i32, i32)>,
    },
    /// `/g_freeAll group…`: free every child.
    GFreeAll {
        /// Groups to empty.
        group_ids: Vec<i32>,
    },
    /// `/g_deepFree group…`: free every synth below, keeping groups.
    GDeepFree {
        /// Groups to clear.
        group_ids: Vec<i32>,
    },
    /// `/g_dumpTree (group flag)…`: print the tree on the server's stdout.
    GDumpTree {
        /// (group, include controls) pairs.
        groups: Vec<(i32, bool)>,
    },
    /// `/g_queryTree (group flag)…`: answered by `/g_queryTree.reply`.
    GQueryTree {
        /// (group, include controls) pairs.
        groups: Vec<(i32, bool)>,
    },
    /// `/b_alloc buffer frames channels [completion]`.
    BAlloc {
        /// Buffer number.
        buffer_id: i32,
        /// Frames.
        frames: i32,
        /// Channels.
        channels: i32,
        /// Run when allocated.
        completion: Vec<Command>,
    },
    /// `/b_allocRead buffer path start frames [completion]`.
    BAllocRead {
        /// Buffer number.
        buffer_id: i32,
        /// Sound file on the server's machine.
        path: String,
        /// First frame to read.
        start_frame: i32,
        /// Frames to read (0: all).
        frames: i32,
        /// Run when read.
        completion: Vec<Command>,
    },
    /// `/b_allocReadChannel buffer path start frames channel… [completion]`.
    BAllocReadChannel {
        /// Buffer number.
        buffer_id: i32,
        /// Sound file on the server's machine.
        path: String,
        /// First frame to read.
        start_frame: i32,
        /// Frames to read (0: all).
        frames: i32,
        /// File channels to read.
        channels: Vec<i32>,
        /// Run when read.
        completion: Vec<Command>,
    },
    /// `/b_read buffer path file_start frames buffer_start leave_open [completion]`.
    BRead {
        /// Buffer number.
        buffer_id: i32,
        /// Sound file on the server's machine.
        path: String,
        /// First frame in the file.
        file_start: i32,
        /// Frames to read (-1: all).
        frames: i32,
        /// First frame in the buffer.
        buffer_start: i32,
        /// Keep the file open (for DiskIn).
        leave_open: bool,
        /// Run when read.
        completion: Vec<Command>,
    },
    /// `/b_readChannel buffer path file_start frames buffer_start leave_open channel… [completion]`.
    BReadChannel {
        /// Buffer number.
        buffer_id: i32,
        /// Sound file on the server's machine.
        path: String,
        /// First frame in the file.
        file_start: i32,
        /// Frames to read (-1: all).
        frames: i32,
        /// First frame in the buffer.
        buffer_start: i32,
        /// Keep the file open (for DiskIn).
        leave_open: bool,
        /// File channels to read.
        channels: Vec<i32>,
        /// Run when read.
        completion: Vec<Command>,
    },
    /// `/b_write buffer path header sample frames start leave_open [completion]`.
    BWrite {
        /// Buffer number.
        buffer_id: i32,
        /// Sound file on the server's machine.
        path: String,
        /// Header format, e.g. `wav`, `aiff`.
        header_format: String,
        /// Sample format, e.g. `int16`, `float`.
        sample_format: String,
        /// Frames to write (-1: all).
        frames: i32,
        /// First buffer frame to write.
        start_frame: i32,
        /// Keep the file open (for DiskOut).
        leave_open: bool,
        /// Run when written.
        completion: Vec<Command>,
    },
    /// `/b_free buffer [completion]`.
    BFree {
        /// Buffer number.
        buffer_id: i32,
        /// Run when freed.
        completion: Vec<Command>,
    },
    /// `/b_zero buffer [completion]`.
    BZero {
        /// Buffer number.
        buffer_id: i32,
        /// Run when zeroed.
        completion: Vec<Command>,
    },
    /// `/b_close buffer [completion]`.
    BClose {
        /// Buffer number.
        buffer_id: i32,
        /// Run when closed.
        completion: Vec<Command>,
    },
    /// `/b_set buffer (index value)…`.
    BSet {
        /// Buffer number.
        buffer_id: i32,
        /// (sample index, value) pairs.
        values: Vec<(i32, f32)>,
    },
    /// `/b_setn buffer (start count values…)…`.
    BSetn {
        /// Buffer number.
        buffer_id: i32,
        /// (first sample, values) ranges.
        ranges: Vec<(i32, Vec<f32>)>,
    },
    /// `/b_fill buffer (start count value)…`.
    BFill {
        /// Buffer number.
        buffer_id: i32,
        /// (first sample, count, value) ranges.
        ranges: Vec<(i32, i32, f32)>,
    },
    /// `/b_gen buffer command args…`, e.g. `sine1 flags amplitudes…`, `normalize max`.
    BGen {
        /// Buffer number.
        buffer_id: i32,
        /// Generator name.
        command: String,
        /// Its arguments (flags as `Int`, partials as `Float`).
        args: Vec<Value>,
    },
    /// `/b_query buffer…`: answered by one `/b_info` for all.
    BQuery {
        /// Buffers to query.
        buffer_ids: Vec<i32>,
    },
    /// `/b_get buffer index…`: answered by `/b_set`.
    BGet {
        /// Buffer number.
        buffer_id: i32,
        /// Sample indices.
        indices: Vec<i32>,
    },
    /// `/b_getn buffer (start count)…`: answered by `/b_setn`.
    BGetn {
        /// Buffer number.
        buffer_id: i32,
        /// (first sample, count) ranges.
        ranges: Vec<(i32, i32)>,
    },
    /// `/c_set (bus value)…`.
    CSet {
        /// (control bus, value) pairs.
        values: Vec<(i32, f32)>,
    },
    /// `/c_setn (bus count values…)…`.
    CSetn {
        /// (first bus, values) ranges.
        ranges: Vec<(i32, Vec<f32>)>,
    },
    /// `/c_fill (bus count value)…`.
    CFill {
        /// (first bus, count, value) ranges.
        ranges: Vec<(i32, i32, f32)>,
    },
    /// `/c_get bus…`: answered by one `/c_set` for all.
    CGet {
        /// Control buses.
        bus_ids: Vec<i32>,
    },
    /// `/c_getn (bus count)…`: answered by one `/c_setn` for all.
    CGetn {
        /// (first bus, count) ranges.
        ranges: Vec<(i32, i32)>,
    },
}

/// Encodes a packet. rosc's encoder into a `Vec` cannot fail, so the error arm is unreachable.
fn encode(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).unwrap_or_default()
}

/// The packet for a list of commands: `None` for none, a message for one, an untimed bundle for
/// several. Consecutive commands are merged first.
pub(crate) fn untimed_packet(commands: &[Command]) -> Option<OscPacket> {
    let merged = merge_all(commands.iter().cloned());
    match merged.as_slice() {
        [] => None,
        [one] => Some(OscPacket::Message(one.to_message())),
        many => Some(OscPacket::Bundle(OscBundle {
            timetag: timetag::IMMEDIATE,
            content: many
                .iter()
                .map(|c| OscPacket::Message(c.to_message()))
                .collect(),
        })),
    }
}

/// What scsynth sends back for a kind of command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Nothing: the command is settled once scsynth has performed it (a fence tells when).
    None,
    /// `/done <address>`, then the buffer number for the `/b_*` commands.
    Done,
    /// A message of its own at this address, keyed as [`Command::reply`] says.
    Message(&'static str),
}

/// The facts of one kind of command that do not depend on its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// The OSC address, e.g. `/s_new`.
    pub address: &'static str,
    /// What answers it.
    pub reply: Reply,
    /// Whether scsynth may answer it with `/fail` (all but the few that cannot fail once
    /// scsynth runs).
    pub can_fail: bool,
    /// Whether consecutive commands of this kind can share one message ([`Command::merge`]).
    pub mergeable: bool,
}

/// A row for a command that can fail and does not merge.
const fn row(address: &'static str, reply: Reply) -> CommandSpec {
    CommandSpec {
        address,
        reply,
        can_fail: true,
        mergeable: false,
    }
}

impl CommandSpec {
    /// The row of a command that cannot fail once scsynth runs.
    const fn sure(self) -> CommandSpec {
        CommandSpec {
            can_fail: false,
            ..self
        }
    }

    /// The row of a command that absorbs the next of its kind.
    const fn mergeable(self) -> CommandSpec {
        CommandSpec {
            mergeable: true,
            ..self
        }
    }
}

fn done(command: &str) -> Pattern {
    Pattern::new("/done").arg(command)
}

/// How a field of a [`Command`] goes on the wire: its OSC arguments, in order.
trait Wire {
    fn put(&self, args: &mut Vec<OscType>);

    /// A list of these: each in turn, unless the type says otherwise.
    fn put_all(items: &[Self], args: &mut Vec<OscType>)
    where
        Self: Sized,
    {
        for item in items {
            item.put(args);
        }
    }
}

impl<T: Wire + ?Sized> Wire for &T {
    fn put(&self, args: &mut Vec<OscType>) {
        (**self).put(args);
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, args: &mut Vec<OscType>) {
        T::put_all(self, args);
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, args: &mut Vec<OscType>) {
        if let Some(value) = self {
            value.put(args);
        }
    }
}

impl Wire for i32 {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::Int(*self));
    }
}

/// Flags are ints.
impl Wire for bool {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::Int(i32::from(*self)));
    }
}

impl Wire for f32 {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::Float(*self));
    }

    /// Sample and control values come in ranges led by their count.
    fn put_all(items: &[f32], args: &mut Vec<OscType>) {
        args.push(OscType::Int(items.len() as i32));
        args.extend(items.iter().map(|v| OscType::Float(*v)));
    }
}

/// Bytes are a blob (SynthDef data).
impl Wire for u8 {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::Blob(vec![*self]));
    }

    fn put_all(items: &[u8], args: &mut Vec<OscType>) {
        args.push(OscType::Blob(items.to_vec()));
    }
}

impl Wire for String {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::String(self.clone()));
    }
}

impl Wire for AddAction {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(OscType::Int(*self as i32));
    }
}

impl Wire for Control {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(self.to_osc());
    }
}

impl Wire for Value {
    fn put(&self, args: &mut Vec<OscType>) {
        args.push(self.to_osc());
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, args: &mut Vec<OscType>) {
        self.0.put(args);
        self.1.put(args);
    }
}

impl<A: Wire, B: Wire, C: Wire> Wire for (A, B, C) {
    fn put(&self, args: &mut Vec<OscType>) {
        self.0.put(args);
        self.1.put(args);
        self.2.put(args);
    }
}

/// Completion commands: none, or one blob holding a message (one) or an untimed bundle (several).
impl Wire for Command {
    fn put(&self, args: &mut Vec<OscType>) {
        Command::put_all(std::slice::from_ref(self), args);
    }

    fn put_all(items: &[Command], args: &mut Vec<OscType>) {
        if let Some(packet) = untimed_packet(items) {
            args.push(OscType::Blob(encode(&packet)));
        }
    }
}

/// Merges consecutive commands where scsynth accepts several items in one message, keeping order.
pub fn merge_all(commands: impl IntoIterator<Item = Command>) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    for command in commands {
        if let Some(last) = out.last_mut() {
            if last.merge(&command) {
                continue;
            }
        }
        out.push(command);
    }
    out
}

impl Command {
    /// The facts of this kind of command, one row per kind.
    pub fn spec(&self) -> &'static CommandSpec {
        use Command as C;
        use Reply::{Done, Message, None};
        match self {
            C::Notify { .. } => &const { row("/notify", Done) },
            C::Status => &const { row("/status", Message("/status.reply")).sure() },
            C::Version => &const { row("/version", Message("/version.reply")).sure() },
            C::Sync { .. } => &const { row("/sync", Message("/synced")).sure() },
            C::Quit => &const { row("/quit", Done) },
            C::ClearSched => &const { row("/clearSched", None) },
            C::DumpOsc { .. } => &const { row("/dumpOSC", None) },
            C::Error { .. } => &const { row("/error", None) },
            C::DRecv { .. } => &const { row("/d_recv", Done) },
            C::DLoad { .. } => &const { row("/d_load", Done) },
            C::DLoadDir { .. } => &const { row("/d_loadDir", Done) },
            C::DFree { .. } => &const { row("/d_free", None) },
            C::DFreeAll => &const { row("/d_freeAll", None) },
            C::NFree { .. } => &const { row("/n_free", None) },
            C::NRun { .. } => &const { row("/n_run", None).mergeable() },
            C::NSet { .. } => &const { row("/n_set", None) },
            C::NSetn { .. } => &const { row("/n_setn", None) },
            C::NFill { .. } => &const { row("/n_fill", None) },
            C::NMap { .. } => &const { row("/n_map", None) },
            C::NMapn { .. } => &const { row("/n_mapn", None) },
            C::NMapa { .. } => &const { row("/n_mapa", None) },
            C::NMapan { .. } => &const { row("/n_mapan", None) },
            C::NBefore { .. } => &const { row("/n_before", None) },
            C::NAfter { .. } => &const { row("/n_after", None) },
            C::NQuery { .. } => &const { row("/n_query", Message("/n_info")) },
            C::NOrder { .. } => &const { row("/n_order", None) },
            C::NTrace { .. } => &const { row("/n_trace", None) },
            C::SNew { .. } => &const { row("/s_new", None) },
            C::SGet { .. } => &const { row("/s_get", Message("/n_set")) },
            C::SGetn { .. } => &const { row("/s_getn", Message("/n_setn")) },
            C::SNoid { .. } => &const { row("/s_noid", None) },
            C::GNew { .. } => &const { row("/g_new", None).mergeable() },
            C::PNew { .. } => &const { row("/p_new", None).mergeable() },
            C::GHead { .. } => &const { row("/g_head", None) },
            C::GTail { .. } => &const { row("/g_tail", None) },
            C::GFreeAll { .. } => &const { row("/g_freeAll", None) },
            C::GDeepFree { .. } => &const { row("/g_deepFree", None) },
            C::GDumpTree { .. } => &const { row("/g_dumpTree", None) },
            C::GQueryTree { .. } => &const { row("/g_queryTree", Message("/g_queryTree.reply")) },
            C::BAlloc { .. } => &const { row("/b_alloc", Done) },
            C::BAllocRead { .. } => &const { row("/b_allocRead", Done) },
            C::BAllocReadChannel { .. } => &const { row("/b_allocReadChannel", Done) },
            C::BRead { .. } => &const { row("/b_read", Done) },
            C::BReadChannel { .. } => &const { row("/b_readChannel", Done) },
            C::BWrite { .. } => &const { row("/b_write", Done) },
            C::BFree { .. } => &const { row("/b_free", Done) },
            C::BZero { .. } => &const { row("/b_zero", Done) },
            C::BClose { .. } => &const { row("/b_close", Done) },
            C::BSet { .. } => &const { row("/b_set", None).mergeable() },
            C::BSetn { .. } => &const { row("/b_setn", None).mergeable() },
            C::BFill { .. } => &const { row("/b_fill", None).mergeable() },
            C::BGen { .. } => &const { row("/b_gen", Done) },
            C::BQuery { .. } => &const { row("/b_query", Message("/b_info")) },
            C::BGet { .. } => &const { row("/b_get", Message("/b_set")) },
            C::BGetn { .. } => &const { row("/b_getn", Message("/b_setn")) },
            C::CSet { .. } => &const { row("/c_set", None).mergeable() },
            C::CSetn { .. } => &const { row("/c_setn", None).mergeable() },
            C::CFill { .. } => &const { row("/c_fill", None).mergeable() },
            C::CGet { .. } => &const { row("/c_get", Message("/c_set")) },
            C::CGetn { .. } => &const { row("/c_getn", Message("/c_setn")) },
        }
    }

    /// The OSC address, e.g. `/s_new`.
    pub fn address(&self) -> &'static str {
        self.spec().address
    }

    /// The OSC message: every field in declaration order (which is scsynth's wire order), each
    /// as its `Wire` encoding puts it; completions go last, as a blob.
    pub fn to_message(&self) -> OscMessage {
        use Command as C;
        let fields: &[&dyn Wire] = match self {
            C::Status | C::Version | C::Quit | C::ClearSched | C::DFreeAll => &[],
            C::Notify { enable, client_id } => &[enable, client_id],
            C::Sync { id: x } | C::DumpOsc { mode: x } | C::Error { mode: x } => &[x],
            C::DRecv { data, completion } => &[data, completion],
            C::DLoad { path, completion } | C::DLoadDir { path, completion } => &[path, completion],
            C::DFree { names } => &[names],
            C::NFree { node_ids: ids }
            | C::NQuery { node_ids: ids }
            | C::NTrace { node_ids: ids }
            | C::SNoid { node_ids: ids }
            | C::GFreeAll { group_ids: ids }
            | C::GDeepFree { group_ids: ids }
            | C::BQuery { buffer_ids: ids }
            | C::CGet { bus_ids: ids } => &[ids],
            C::NRun { items } => &[items],
            C::NSet { node_id, controls } => &[node_id, controls],
            C::NSetn { node_id, ranges } => &[node_id, ranges],
            C::NFill { node_id, ranges } => &[node_id, ranges],
            C::NMap { node_id, maps } | C::NMapa { node_id, maps } => &[node_id, maps],
            C::NMapn { node_id, maps } | C::NMapan { node_id, maps } => &[node_id, maps],
            C::NBefore { pairs }
            | C::NAfter { pairs }
            | C::GHead { pairs }
            | C::GTail { pairs } => &[pairs],
            C::NOrder {
                add_action,
                target,
                node_ids,
            } => &[add_action, target, node_ids],
            C::SNew {
                synthdef,
                node_id,
                add_action,
                target,
                controls,
            } => &[synthdef, node_id, add_action, target, controls],
            C::SGet { node_id, controls } => &[node_id, controls],
            C::SGetn { node_id, ranges } => &[node_id, ranges],
            C::GNew { groups } | C::PNew { groups } => &[groups],
            C::GDumpTree { groups } | C::GQueryTree { groups } => &[groups],
            C::BAlloc {
                buffer_id,
                frames,
                channels,
                completion,
            } => &[buffer_id, frames, channels, completion],
            C::BAllocRead {
                buffer_id,
                path,
                start_frame,
                frames,
                completion,
            } => &[buffer_id, path, start_frame, frames, completion],
            C::BAllocReadChannel {
                buffer_id,
                path,
                start_frame,
                frames,
                channels,
                completion,
            } => &[buffer_id, path, start_frame, frames, channels, completion],
            C::BRead {
                buffer_id,
                path,
                file_start,
                frames,
                buffer_start,
                leave_open,
                completion,
            } => &[
                buffer_id,
                path,
                file_start,
                frames,
                buffer_start,
                leave_open,
                completion,
            ],
            C::BReadChannel {
                buffer_id,
                path,
                file_start,
                frames,
                buffer_start,
                leave_open,
                channels,
                completion,
            } => &[
                buffer_id,
                path,
                file_start,
                frames,
                buffer_start,
                leave_open,
                channels,
                completion,
            ],
            C::BWrite {
                buffer_id,
                path,
                header_format,
                sample_format,
                frames,
                start_frame,
                leave_open,
                completion,
            } => &[
                buffer_id,
                path,
                header_format,
                sample_format,
                frames,
                start_frame,
                leave_open,
                completion,
            ],
            C::BFree {
                buffer_id,
                completion,
            }
            | C::BZero {
                buffer_id,
                completion,
            }
            | C::BClose {
                buffer_id,
                completion,
            } => &[buffer_id, completion],
            C::BSet { buffer_id, values } => &[buffer_id, values],
            C::BSetn { buffer_id, ranges } => &[buffer_id, ranges],
            C::BFill { buffer_id, ranges } => &[buffer_id, ranges],
            C::BGen {
                buffer_id,
                command,
                args,
            } => &[buffer_id, command, args],
            C::BGet { buffer_id, indices } => &[buffer_id, indices],
            C::BGetn { buffer_id, ranges } => &[buffer_id, ranges],
            C::CSet { values } => &[values],
            C::CSetn { ranges } => &[ranges],
            C::CFill { ranges } => &[ranges],
            C::CGetn { ranges } => &[ranges],
        };
        let mut args = Vec::new();
        for field in fields {
            field.put(&mut args);
        }
        OscMessage {
            addr: self.address().to_owned(),
            args,
        }
    }

    /// The encoded message bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(&OscPacket::Message(self.to_message()))
    }

    /// The reply that answers this command, as a prefix pattern; `None` when scsynth sends none.
    ///
    /// For commands that scsynth answers with one message per item (`/n_query`, `/g_queryTree`)
    /// this is the reply to the last item, which arrives after the others; for commands answered
    /// with one message for all items (`/c_get`, `/b_query`, …) it is keyed by the first item.
    pub fn reply(&self) -> Option<Pattern> {
        let spec = self.spec();
        let pattern = match spec.reply {
            Reply::None => return None,
            Reply::Done => done(spec.address),
            Reply::Message(address) => Pattern::new(address),
        };
        Some(self.reply_keys()?.into_iter().fold(pattern, Pattern::arg))
    }

    /// The leading arguments that tell this command's reply from others at the same address;
    /// `None` when there is no item to key it by, so no reply comes.
    fn reply_keys(&self) -> Option<Vec<OscType>> {
        use Command as C;
        let keys = match self {
            C::Sync { id } => vec![OscType::Int(*id)],
            C::NQuery { node_ids } => vec![OscType::Int(*node_ids.last()?)],
            C::SGet { node_id, .. } => vec![OscType::Int(*node_id)],
            C::SGetn { node_id, ranges } => {
                vec![OscType::Int(*node_id), ranges.first()?.0.to_osc()]
            }
            C::GQueryTree { groups } => {
                let (group, controls) = groups.last()?;
                vec![OscType::Int(i32::from(*controls)), OscType::Int(*group)]
            }
            C::BGet { indices, .. } if indices.is_empty() => return None,
            C::BGetn { ranges, .. } if ranges.is_empty() => return None,
            C::BQuery { buffer_ids: ids } | C::CGet { bus_ids: ids } => {
                vec![OscType::Int(*ids.first()?)]
            }
            C::CGetn { ranges } => vec![OscType::Int(ranges.first()?.0)],
            C::BAlloc { buffer_id, .. }
            | C::BAllocRead { buffer_id, .. }
            | C::BAllocReadChannel { buffer_id, .. }
            | C::BRead { buffer_id, .. }
            | C::BReadChannel { buffer_id, .. }
            | C::BWrite { buffer_id, .. }
            | C::BFree { buffer_id, .. }
            | C::BZero { buffer_id, .. }
            | C::BClose { buffer_id, .. }
            | C::BGen { buffer_id, .. }
            | C::BGet { buffer_id, .. }
            | C::BGetn { buffer_id, .. } => vec![OscType::Int(*buffer_id)],
            _ => Vec::new(),
        };
        Some(keys)
    }

    /// Whether a `/fail` for this command could be taken for another's, so that it must travel
    /// between fences (see the request path): every command that can fail.
    pub fn needs_fence(&self) -> bool {
        self.spec().can_fail
    }

    /// The `/fail` that reports this command's failure, whether or not a reply answers it.
    ///
    /// scsynth's `/fail` is `command message [index]`, so a prefix pattern can only name the
    /// command; which of several pending requests of one command failed is told by the order of
    /// scsynth's replies (see the request path's fences).
    pub fn failure(&self) -> Option<Pattern> {
        self.needs_fence()
            .then(|| Pattern::new("/fail").arg(self.address()))
    }

    /// The `/fail` that reports this command's failure, for commands with a reply to pair it with.
    pub fn fail_pattern(&self) -> Option<Pattern> {
        self.reply().and(self.failure())
    }

    /// How many node notifications this command makes at most: a whole FIFO's worth for the
    /// commands whose count the client cannot know.
    pub fn node_notifications(&self) -> usize {
        match self {
            Command::GNew { groups } | Command::PNew { groups } => groups.len(),
            Command::SNew { .. } => 1,
            Command::NFree { node_ids } | Command::NOrder { node_ids, .. } => node_ids.len(),
            Command::NBefore { pairs }
            | Command::NAfter { pairs }
            | Command::GHead { pairs }
            | Command::GTail { pairs } => pairs.len(),
            Command::NRun { items } => items.len(),
            Command::GFreeAll { .. } | Command::GDeepFree { .. } => fifo::NODE_FIFO,
            _ => 0,
        }
    }

    /// The group whose subtree a burst of this command's notifications touches (the root when
    /// unknown).
    pub fn burst_group(&self) -> i32 {
        match self {
            Command::GFreeAll { group_ids } | Command::GDeepFree { group_ids }
                if group_ids.len() == 1 =>
            {
                group_ids[0]
            }
            _ => 0,
        }
    }

    /// Whether this kind of command can absorb others of its kind with [`Command::merge`].
    pub fn is_mergeable(&self) -> bool {
        self.spec().mergeable
    }

    /// Appends `next`'s items to `self` when scsynth accepts both in one message (same mergeable
    /// kind and, for `/b_*`, the same buffer). Returns whether it did.
    pub fn merge(&mut self, next: &Command) -> bool {
        match (self, next) {
            (Command::GNew { groups: a }, Command::GNew { groups: b })
            | (Command::PNew { groups: a }, Command::PNew { groups: b }) => a.extend_from_slice(b),
            (Command::NRun { items: a }, Command::NRun { items: b }) => a.extend_from_slice(b),
            (Command::CSet { values: a }, Command::CSet { values: b }) => a.extend_from_slice(b),
            (Command::CSetn { ranges: a }, Command::CSetn { ranges: b }) => a.extend_from_slice(b),
            (Command::CFill { ranges: a }, Command::CFill { ranges: b }) => a.extend_from_slice(b),
            (
                Command::BSet {
                    buffer_id: x,
                    values: a,
                },
                Command::BSet {
                    buffer_id: y,
                    values: b,
                },
            ) if x == y => a.extend_from_slice(b),
            (
                Command::BSetn {
                    buffer_id: x,
                    ranges: a,
                },
                Command::BSetn {
                    buffer_id: y,
                    ranges: b,
                },
            ) if x == y => a.extend_from_slice(b),
            (
                Command::BFill {
                    buffer_id: x,
                    ranges: a,
                },
                Command::BFill {
                    buffer_id: y,
                    ranges: b,
                },
            ) if x == y => a.extend_from_slice(b),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::decoder::decode_udp;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn args(c: &Command) -> Vec<OscType> {
        c.to_message().args
    }

    #[test]
    fn encodes_byte_for_byte_like_the_reference_requests() {
        // Request bytes recorded in shared/reference/osc/captures.json.
        let cases = [
            (
                Command::Notify {
                    enable: true,
                    client_id: None,
                },
                "2f6e6f74696679002c69000000000001",
            ),
            (Command::Status, "2f737461747573002c000000"),
            (Command::Version, "2f76657273696f6e000000002c000000"),
            (Command::Sync { id: 42 }, "2f73796e630000002c6900000000002a"),
            (
                Command::GQueryTree {
                    groups: vec![(0, true)],
                },
                "2f675f717565727954726565000000002c6969000000000000000001",
            ),
            (
                Command::NQuery {
                    node_ids: vec![1002],
                },
                "2f6e5f7175657279000000002c690000000003ea",
            ),
            (
                Command::SGet {
                    node_id: 1003,
                    controls: vec!["cutoff".into(), "freq".into()],
                },
                "2f735f67657400002c69737300000000000003eb6375746f666600006672657100000000",
            ),
            (
                Command::CGet { bus_ids: vec![5] },
                "2f635f67657400002c69000000000005",
            ),
            (
                Command::BAlloc {
                    buffer_id: 0,
                    frames: 1024,
                    channels: 2,
                    completion: vec![],
                },
                "2f625f616c6c6f63000000002c69696900000000000000000000040000000002",
            ),
            (
                Command::BQuery {
                    buffer_ids: vec![0, 1],
                },
                "2f625f7175657279000000002c6969000000000000000001",
            ),
            (
                Command::BFree {
                    buffer_id: 0,
                    completion: vec![],
                },
                "2f625f66726565002c69000000000000",
            ),
            (
                Command::SNew {
                    synthdef: "no_such_synthdef".into(),
                    node_id: 2000,
                    add_action: AddAction::AddToHead,
                    target: 1,
                    controls: vec![],
                },
                "2f735f6e657700002c736969690000006e6f5f737563685f73796e746864656600000000000007d00000000000000001",
            ),
            (
                Command::NSet {
                    node_id: 99999,
                    controls: vec![("freq".into(), 1.0f32.into())],
                },
                "2f6e5f73657400002c697366000000000001869f66726571000000003f800000",
            ),
            (
                Command::GNew {
                    groups: vec![(1000, AddAction::AddToHead, 1)],
                },
                "2f675f6e657700002c69696900000000000003e80000000000000001",
            ),
            (Command::Quit, "2f717569740000002c000000"),
        ];
        for (command, expected) in cases {
            assert_eq!(hex(&command.to_bytes()), expected, "{command:?}");
        }
    }

    #[test]
    fn s_new_controls_take_names_indices_ints_bus_maps_and_arrays() {
        let c = Command::SNew {
            synthdef: "default".into(),
            node_id: 1001,
            add_action: AddAction::AddToTail,
            target: 1000,
            controls: vec![
                ("amp".into(), 0.5f32.into()),
                (Control::Index(3), Value::Int(7)),
                ("pan".into(), Value::control_bus(0)),
                ("freq".into(), Value::audio_bus(20)),
                ("pos".into(), vec![0.5, 0.25].into()),
            ],
        };
        assert_eq!(
            args(&c),
            vec![
                "default".into(),
                OscType::Int(1001),
                OscType::Int(1),
                OscType::Int(1000),
                "amp".into(),
                OscType::Float(0.5),
                OscType::Int(3),
                OscType::Int(7),
                "pan".into(),
                "c0".into(),
                "freq".into(),
                "a20".into(),
                "pos".into(),
                OscType::Array(OscArray {
                    content: vec![OscType::Float(0.5), OscType::Float(0.25)]
                }),
            ]
        );
        assert_eq!(c.reply(), None);
        assert_eq!(c.fail_pattern(), None);
    }

    #[test]
    fn one_completion_is_a_message_blob_several_an_untimed_bundle() {
        let one = Command::BAlloc {
            buffer_id: 1,
            frames: 512,
            channels: 1,
            completion: vec![Command::BGen {
                buffer_id: 1,
                command: "normalize".into(),
                args: vec![1.0f32.into()],
            }],
        };
        let a = args(&one);
        assert_eq!(a.len(), 4);
        let OscType::Blob(bytes) = &a[3] else {
            panic!("no blob: {a:?}")
        };
        let (_, inner) = decode_udp(bytes).unwrap();
        assert_eq!(
            inner,
            OscPacket::Message(OscMessage {
                addr: "/b_gen".into(),
                args: vec![OscType::Int(1), "normalize".into(), OscType::Float(1.0)]
            })
        );

        let several = Command::DRecv {
            data: vec![1, 2, 3],
            completion: vec![
                Command::GNew {
                    groups: vec![(5, AddAction::AddToHead, 1)],
                },
                Command::GNew {
                    groups: vec![(6, AddAction::AddToTail, 1)],
                },
                Command::NFree { node_ids: vec![7] },
            ],
        };
        let a = args(&several);
        assert_eq!(a[0], OscType::Blob(vec![1, 2, 3]));
        let OscType::Blob(bytes) = &a[1] else {
            panic!("no blob: {a:?}")
        };
        let (_, OscPacket::Bundle(bundle)) = decode_udp(bytes).unwrap() else {
            panic!("not a bundle")
        };
        assert_eq!(bundle.timetag, timetag::IMMEDIATE);
        assert_eq!(bundle.content.len(), 2, "the two /g_new merge");
        let OscPacket::Message(first) = &bundle.content[0] else {
            panic!()
        };
        assert_eq!(first.args.len(), 6);

        let none = Command::BZero {
            buffer_id: 3,
            completion: vec![],
        };
        assert_eq!(args(&none), vec![OscType::Int(3)]);
    }

    #[test]
    fn replies_follow_the_reply_table() {
        let p = |c: Command| c.reply().map(|p| p.to_string());
        assert_eq!(p(Command::Sync { id: 7 }).unwrap(), "/synced 7");
        assert_eq!(p(Command::Status).unwrap(), "/status.reply");
        assert_eq!(p(Command::Version).unwrap(), "/version.reply");
        assert_eq!(
            p(Command::NQuery {
                node_ids: vec![1000, 1001]
            })
            .unwrap(),
            "/n_info 1001"
        );
        assert_eq!(
            p(Command::BAlloc {
                buffer_id: 3,
                frames: 8,
                channels: 1,
                completion: vec![]
            })
            .unwrap(),
            "/done \"/b_alloc\" 3"
        );
        assert_eq!(
            p(Command::GQueryTree {
                groups: vec![(1000, true)]
            })
            .unwrap(),
            "/g_queryTree.reply 1 1000"
        );
        assert_eq!(
            p(Command::CGet {
                bus_ids: vec![5, 6]
            })
            .unwrap(),
            "/c_set 5"
        );
        assert_eq!(
            p(Command::CGetn {
                ranges: vec![(8, 2)]
            })
            .unwrap(),
            "/c_setn 8"
        );
        assert_eq!(
            p(Command::SGet {
                node_id: 1003,
                controls: vec!["freq".into()]
            })
            .unwrap(),
            "/n_set 1003"
        );
        assert_eq!(
            p(Command::SGetn {
                node_id: 1003,
                ranges: vec![("freq".into(), 2)]
            })
            .unwrap(),
            "/n_setn 1003 \"freq\""
        );
        assert_eq!(
            p(Command::BGet {
                buffer_id: 2,
                indices: vec![0, 4]
            })
            .unwrap(),
            "/b_set 2"
        );
        assert_eq!(
            p(Command::BGetn {
                buffer_id: 2,
                ranges: vec![(0, 4)]
            })
            .unwrap(),
            "/b_setn 2"
        );
        assert_eq!(
            p(Command::BQuery {
                buffer_ids: vec![0, 1]
            })
            .unwrap(),
            "/b_info 0"
        );
        assert_eq!(
            p(Command::Notify {
                enable: true,
                client_id: None
            })
            .unwrap(),
            "/done \"/notify\""
        );
        assert_eq!(p(Command::Quit).unwrap(), "/done \"/quit\"");
        assert_eq!(
            p(Command::DRecv {
                data: vec![],
                completion: vec![]
            })
            .unwrap(),
            "/done \"/d_recv\""
        );
        assert_eq!(p(Command::NQuery { node_ids: vec![] }), None);
        assert_eq!(p(Command::NFree { node_ids: vec![1] }), None);
        assert_eq!(
            p(Command::GDumpTree {
                groups: vec![(0, true)]
            }),
            None
        );
    }

    #[test]
    fn fail_patterns_name_the_command() {
        let read = Command::BAllocRead {
            buffer_id: 2,
            path: "/nonexistent/file.wav".into(),
            start_frame: 0,
            frames: 0,
            completion: vec![],
        };
        assert_eq!(
            read.fail_pattern(),
            Some(Pattern::new("/fail").arg("/b_allocRead"))
        );
        assert_eq!(Command::Sync { id: 1 }.fail_pattern(), None);
        assert_eq!(
            Command::Notify {
                enable: true,
                client_id: None
            }
            .fail_pattern(),
            Some(Pattern::new("/fail").arg("/notify"))
        );
    }

    #[test]
    fn merges_only_the_same_mergeable_kind_and_buffer() {
        let mut g = Command::GNew {
            groups: vec![(1, AddAction::AddToHead, 0)],
        };
        assert!(g.merge(&Command::GNew {
            groups: vec![(2, AddAction::AddToTail, 0)]
        }));
        assert!(!g.merge(&Command::PNew {
            groups: vec![(3, AddAction::AddToTail, 0)]
        }));
        assert_eq!(args(&g).len(), 6);

        let mut b = Command::BSet {
            buffer_id: 1,
            values: vec![(0, 0.5)],
        };
        assert!(!b.merge(&Command::BSet {
            buffer_id: 2,
            values: vec![(0, 0.5)]
        }));
        assert!(b.merge(&Command::BSet {
            buffer_id: 1,
            values: vec![(8, 0.25)]
        }));
        assert_eq!(
            args(&b),
            vec![
                OscType::Int(1),
                OscType::Int(0),
                OscType::Float(0.5),
                OscType::Int(8),
                OscType::Float(0.25)
            ]
        );

        let mut n = Command::NSet {
            node_id: 1,
            controls: vec![],
        };
        assert!(!n.is_mergeable());
        assert!(!n.merge(&n.clone()));

        let merged = merge_all([
            Command::CSet {
                values: vec![(0, 1.0)],
            },
            Command::CSet {
                values: vec![(1, 2.0)],
            },
            Command::NFree { node_ids: vec![5] },
            Command::CSet {
                values: vec![(2, 3.0)],
            },
        ]);
        assert_eq!(merged.len(), 3, "only consecutive commands merge");
    }

    #[test]
    fn ranges_carry_their_counts() {
        let c = Command::CSetn {
            ranges: vec![(8, vec![1.0, 2.0]), (16, vec![3.0])],
        };
        assert_eq!(
            args(&c),
            vec![
                OscType::Int(8),
                OscType::Int(2),
                OscType::Float(1.0),
                OscType::Float(2.0),
                OscType::Int(16),
                OscType::Int(1),
                OscType::Float(3.0)
            ]
        );
        let n = Command::NSetn {
            node_id: 1000,
            ranges: vec![("freq".into(), vec![440.0, 441.0])],
        };
        assert_eq!(args(&n)[1..3], ["freq".into(), OscType::Int(2)]);
        let o = Command::NOrder {
            add_action: AddAction::AddAfter,
            target: 1000,
            node_ids: vec![1003, 1002],
        };
        assert_eq!(
            args(&o),
            [1000, 1003, 1002]
                .iter()
                .fold(vec![OscType::Int(3)], |mut v, i| {
                    v.push(OscType::Int(*i));
                    v
                })
        );
        let g = Command::GHead {
            pairs: vec![(1, 1000)],
        };
        assert_eq!(args(&g), vec![OscType::Int(1), OscType::Int(1000)]);
    }

    /// One command of every kind, with one item each: a table, one kind a line.
    #[rustfmt::skip]
    fn one_of_each() -> Vec<Command> {
        let (p, b, none) = (|| String::from("f"), 1, Vec::new);
        let head = AddAction::AddToHead;
        vec![
            Command::Notify { enable: true, client_id: None },
            Command::Status,
            Command::Version,
            Command::Sync { id: 1 },
            Command::Quit,
            Command::ClearSched,
            Command::DumpOsc { mode: 1 },
            Command::Error { mode: 0 },
            Command::DRecv { data: vec![1], completion: none() },
            Command::DLoad { path: p(), completion: none() },
            Command::DLoadDir { path: p(), completion: none() },
            Command::DFree { names: vec![p()] },
            Command::DFreeAll,
            Command::NFree { node_ids: vec![1] },
            Command::NRun { items: vec![(1, false)] },
            Command::NSet { node_id: 1, controls: vec![("a".into(), 1.0.into())] },
            Command::NSetn { node_id: 1, ranges: vec![("a".into(), vec![1.0])] },
            Command::NFill { node_id: 1, ranges: vec![("a".into(), 2, 1.0)] },
            Command::NMap { node_id: 1, maps: vec![("a".into(), 3)] },
            Command::NMapn { node_id: 1, maps: vec![("a".into(), 3, 2)] },
            Command::NMapa { node_id: 1, maps: vec![("a".into(), 3)] },
            Command::NMapan { node_id: 1, maps: vec![("a".into(), 3, 2)] },
            Command::NBefore { pairs: vec![(1, 2)] },
            Command::NAfter { pairs: vec![(1, 2)] },
            Command::NQuery { node_ids: vec![1] },
            Command::NOrder { add_action: head, target: 0, node_ids: vec![1] },
            Command::NTrace { node_ids: vec![1] },
            Command::SNew { synthdef: p(), node_id: 1, add_action: head, target: 0, controls: vec![] },
            Command::SGet { node_id: 1, controls: vec!["a".into()] },
            Command::SGetn { node_id: 1, ranges: vec![("a".into(), 2)] },
            Command::SNoid { node_ids: vec![1] },
            Command::GNew { groups: vec![(1, head, 0)] },
            Command::PNew { groups: vec![(1, head, 0)] },
            Command::GHead { pairs: vec![(1, 2)] },
            Command::GTail { pairs: vec![(1, 2)] },
            Command::GFreeAll { group_ids: vec![1] },
            Command::GDeepFree { group_ids: vec![1] },
            Command::GDumpTree { groups: vec![(1, false)] },
            Command::GQueryTree { groups: vec![(1, false)] },
            Command::BAlloc { buffer_id: b, frames: 8, channels: 1, completion: none() },
            Command::BAllocRead { buffer_id: b, path: p(), start_frame: 0, frames: 0, completion: none() },
            Command::BAllocReadChannel { buffer_id: b, path: p(), start_frame: 0, frames: 0, channels: vec![0], completion: none() },
            Command::BRead { buffer_id: b, path: p(), file_start: 0, frames: -1, buffer_start: 0, leave_open: false, completion: none() },
            Command::BReadChannel { buffer_id: b, path: p(), file_start: 0, frames: -1, buffer_start: 0, leave_open: false, channels: vec![0], completion: none() },
            Command::BWrite { buffer_id: b, path: p(), header_format: "wav".into(), sample_format: "float".into(), frames: -1, start_frame: 0, leave_open: false, completion: none() },
            Command::BFree { buffer_id: b, completion: none() },
            Command::BZero { buffer_id: b, completion: none() },
            Command::BClose { buffer_id: b, completion: none() },
            Command::BSet { buffer_id: b, values: vec![(0, 1.0)] },
            Command::BSetn { buffer_id: b, ranges: vec![(0, vec![1.0])] },
            Command::BFill { buffer_id: b, ranges: vec![(0, 2, 1.0)] },
            Command::BGen { buffer_id: b, command: "normalize".into(), args: vec![1.0.into()] },
            Command::BQuery { buffer_ids: vec![b] },
            Command::BGet { buffer_id: b, indices: vec![0] },
            Command::BGetn { buffer_id: b, ranges: vec![(0, 2)] },
            Command::CSet { values: vec![(0, 1.0)] },
            Command::CSetn { ranges: vec![(0, vec![1.0])] },
            Command::CFill { ranges: vec![(0, 2, 1.0)] },
            Command::CGet { bus_ids: vec![0] },
            Command::CGetn { ranges: vec![(0, 2)] },
        ]
    }

    #[test]
    fn every_row_agrees_with_what_its_commands_do() {
        let commands = one_of_each();
        let mut addresses: Vec<_> = commands.iter().map(Command::address).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), commands.len(), "one row per kind");
        for c in &commands {
            let spec = c.spec();
            let reply = c.reply();
            // A command that cannot fail is known done only by its reply.
            assert!(spec.can_fail || reply.is_some(), "{c:?}");
            assert_eq!(c.needs_fence(), c.failure().is_some(), "{c:?}");
            assert_eq!(c.clone().merge(c), spec.mergeable, "{c:?}");
            let address = reply.as_ref().map(|r| r.address.as_str());
            match spec.reply {
                Reply::None => assert_eq!(address, None, "{c:?}"),
                Reply::Done => assert_eq!(address, Some("/done"), "{c:?}"),
                Reply::Message(a) => assert_eq!(address, Some(a), "{c:?}"),
            }
        }
        assert!(Command::NQuery { node_ids: vec![1] }
            .reply()
            .is_some_and(|r| fifo::carries(&r)));
        assert!(!Command::Sync { id: 1 }.needs_fence());
        assert_eq!(
            Command::NSet {
                node_id: 1,
                controls: vec![]
            }
            .failure(),
            Some(Pattern::new("/fail").arg("/n_set"))
        );
    }

    #[test]
    fn every_command_has_its_own_address() {
        let commands = [
            Command::ClearSched,
            Command::DumpOsc { mode: 1 },
            Command::DLoad {
                path: "x".into(),
                completion: vec![],
            },
            Command::DLoadDir {
                path: "x".into(),
                completion: vec![],
            },
            Command::DFree {
                names: vec!["a".into()],
            },
            Command::NRun {
                items: vec![(1, false)],
            },
            Command::NFill {
                node_id: 1,
                ranges: vec![(Control::Index(0), 2, 0.5)],
            },
            Command::NMap {
                node_id: 1,
                maps: vec![("a".into(), 3)],
            },
            Command::NMapn {
                node_id: 1,
                maps: vec![("a".into(), 3, 2)],
            },
            Command::NMapa {
                node_id: 1,
                maps: vec![("a".into(), 3)],
            },
            Command::NMapan {
                node_id: 1,
                maps: vec![("a".into(), 3, 2)],
            },
            Command::NBefore {
                pairs: vec![(1, 2)],
            },
            Command::NAfter {
                pairs: vec![(1, 2)],
            },
            Command::GTail {
                pairs: vec![(1, 2)],
            },
            Command::GFreeAll { group_ids: vec![1] },
            Command::GDeepFree { group_ids: vec![1] },
            Command::BAllocReadChannel {
                buffer_id: 1,
                path: "f".into(),
                start_frame: 0,
                frames: 0,
                channels: vec![0, 1],
                completion: vec![],
            },
            Command::BRead {
                buffer_id: 1,
                path: "f".into(),
                file_start: 0,
                frames: -1,
                buffer_start: 0,
                leave_open: false,
                completion: vec![],
            },
            Command::BReadChannel {
                buffer_id: 1,
                path: "f".into(),
                file_start: 0,
                frames: -1,
                buffer_start: 0,
                leave_open: true,
                channels: vec![1],
                completion: vec![],
            },
            Command::BWrite {
                buffer_id: 1,
                path: "f".into(),
                header_format: "wav".into(),
                sample_format: "int24".into(),
                frames: -1,
                start_frame: 0,
                leave_open: false,
                completion: vec![Command::BFree {
                    buffer_id: 1,
                    completion: vec![],
                }],
            },
            Command::BClose {
                buffer_id: 1,
                completion: vec![],
            },
            Command::BFill {
                buffer_id: 1,
                ranges: vec![(0, 4, 0.5)],
            },
            Command::BSetn {
                buffer_id: 1,
                ranges: vec![(0, vec![0.1])],
            },
            Command::CFill {
                ranges: vec![(0, 4, 0.5)],
            },
            Command::SNoid { node_ids: vec![1] },
            Command::NTrace { node_ids: vec![1] },
            Command::PNew {
                groups: vec![(1, AddAction::Replace, 2)],
            },
            Command::Error { mode: 0 },
            Command::DFreeAll,
        ];
        for c in &commands {
            let bytes = c.to_bytes();
            let (rest, OscPacket::Message(m)) = decode_udp(&bytes).unwrap() else {
                panic!("{c:?}")
            };
            assert!(rest.is_empty());
            assert_eq!(m.addr, c.address());
        }
        assert_eq!(AddAction::from_i32(4), Some(AddAction::Replace));
        assert_eq!(AddAction::from_i32(5), None);
    }
}
