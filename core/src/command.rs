//! The scsynth command set as data.
//!
//! Every request scserver sends is a [`Command`]: a plain value that knows its OSC encoding
//! ([`Command::to_message`]), the reply that answers it ([`Command::reply`]), how scsynth reports
//! its failure ([`Command::fail_pattern`]) and whether it can absorb
//! the next command into one message ([`Command::merge`]). The actors never build OSC by hand.

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

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Bus(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Bus(s)
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
    /// The OSC address, e.g. `/s_new`.
    pub fn address(&self) -> &'static str {
        match self {
            Command::Notify { .. } => "/notify",
            Command::Status => "/status",
            Command::Version => "/version",
            Command::Sync { .. } => "/sync",
            Command::Quit => "/quit",
            Command::ClearSched => "/clearSched",
            Command::DumpOsc { .. } => "/dumpOSC",
            Command::Error { .. } => "/error",
            Command::DRecv { .. } => "/d_recv",
            Command::DLoad { .. } => "/d_load",
            Command::DLoadDir { .. } => "/d_loadDir",
            Command::DFree { .. } => "/d_free",
            Command::DFreeAll => "/d_freeAll",
            Command::NFree { .. } => "/n_free",
            Command::NRun { .. } => "/n_run",
            Command::NSet { .. } => "/n_set",
            Command::NSetn { .. } => "/n_setn",
            Command::NFill { .. } => "/n_fill",
            Command::NMap { .. } => "/n_map",
            Command::NMapn { .. } => "/n_mapn",
            Command::NMapa { .. } => "/n_mapa",
            Command::NMapan { .. } => "/n_mapan",
            Command::NBefore { .. } => "/n_before",
            Command::NAfter { .. } => "/n_after",
            Command::NQuery { .. } => "/n_query",
            Command::NOrder { .. } => "/n_order",
            Command::NTrace { .. } => "/n_trace",
            Command::SNew { .. } => "/s_new",
            Command::SGet { .. } => "/s_get",
            Command::SGetn { .. } => "/s_getn",
            Command::SNoid { .. } => "/s_noid",
            Command::GNew { .. } => "/g_new",
            Command::PNew { .. } => "/p_new",
            Command::GHead { .. } => "/g_head",
            Command::GTail { .. } => "/g_tail",
            Command::GFreeAll { .. } => "/g_freeAll",
            Command::GDeepFree { .. } => "/g_deepFree",
            Command::GDumpTree { .. } => "/g_dumpTree",
            Command::GQueryTree { .. } => "/g_queryTree",
            Command::BAlloc { .. } => "/b_alloc",
            Command::BAllocRead { .. } => "/b_allocRead",
            Command::BAllocReadChannel { .. } => "/b_allocReadChannel",
            Command::BRead { .. } => "/b_read",
            Command::BReadChannel { .. } => "/b_readChannel",
            Command::BWrite { .. } => "/b_write",
            Command::BFree { .. } => "/b_free",
            Command::BZero { .. } => "/b_zero",
            Command::BClose { .. } => "/b_close",
            Command::BSet { .. } => "/b_set",
            Command::BSetn { .. } => "/b_setn",
            Command::BFill { .. } => "/b_fill",
            Command::BGen { .. } => "/b_gen",
            Command::BQuery { .. } => "/b_query",
            Command::BGet { .. } => "/b_get",
            Command::BGetn { .. } => "/b_getn",
            Command::CSet { .. } => "/c_set",
            Command::CSetn { .. } => "/c_setn",
            Command::CFill { .. } => "/c_fill",
            Command::CGet { .. } => "/c_get",
            Command::CGetn { .. } => "/c_getn",
        }
    }

    /// The OSC message: every field in declaration order (which is scsynth's wire order), each
    /// as [`Wire`] puts it; completions go last, as a blob.
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
        let pattern = match self {
            Command::Notify { .. } => done("/notify"),
            Command::Status => Pattern::new("/status.reply"),
            Command::Version => Pattern::new("/version.reply"),
            Command::Sync { id } => Pattern::new("/synced").arg(*id),
            Command::Quit => done("/quit"),
            Command::DRecv { .. } => done("/d_recv"),
            Command::DLoad { .. } => done("/d_load"),
            Command::DLoadDir { .. } => done("/d_loadDir"),
            Command::NQuery { node_ids } => Pattern::new("/n_info").arg(*node_ids.last()?),
            Command::SGet { node_id, .. } => Pattern::new("/n_set").arg(*node_id),
            Command::SGetn { node_id, ranges } => Pattern::new("/n_setn")
                .arg(*node_id)
                .arg(ranges.first()?.0.to_osc()),
            Command::GQueryTree { groups } => {
                let (group, controls) = groups.last()?;
                Pattern::new("/g_queryTree.reply")
                    .arg(i32::from(*controls))
                    .arg(*group)
            }
            Command::BAlloc { buffer_id, .. }
            | Command::BAllocRead { buffer_id, .. }
            | Command::BAllocReadChannel { buffer_id, .. }
            | Command::BRead { buffer_id, .. }
            | Command::BReadChannel { buffer_id, .. }
            | Command::BWrite { buffer_id, .. }
            | Command::BFree { buffer_id, .. }
            | Command::BZero { buffer_id, .. }
            | Command::BClose { buffer_id, .. }
            | Command::BGen { buffer_id, .. } => done(self.address()).arg(*buffer_id),
            Command::BQuery { buffer_ids } => Pattern::new("/b_info").arg(*buffer_ids.first()?),
            Command::BGet { buffer_id, indices } if !indices.is_empty() => {
                Pattern::new("/b_set").arg(*buffer_id)
            }
            Command::BGetn { buffer_id, ranges } if !ranges.is_empty() => {
                Pattern::new("/b_setn").arg(*buffer_id)
            }
            Command::CGet { bus_ids } => Pattern::new("/c_set").arg(*bus_ids.first()?),
            Command::CGetn { ranges } => Pattern::new("/c_setn").arg(ranges.first()?.0),
            _ => return None,
        };
        Some(pattern)
    }

    /// The `/fail` that reports this command's failure, for commands with a reply to pair it with.
    ///
    /// scsynth's `/fail` is `command message [index]`, so a prefix pattern can only name the
    /// command; which of several pending requests of one command failed is told by the order of
    /// scsynth's replies (see the request path's fences).
    pub fn fail_pattern(&self) -> Option<Pattern> {
        match self {
            // These cannot fail once scsynth is running.
            Command::Sync { .. } | Command::Status | Command::Version => None,
            _ => self
                .reply()
                .map(|_| Pattern::new("/fail").arg(self.address())),
        }
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
        matches!(
            self,
            Command::GNew { .. }
                | Command::PNew { .. }
                | Command::NRun { .. }
                | Command::CSet { .. }
                | Command::CSetn { .. }
                | Command::CFill { .. }
                | Command::BSet { .. }
                | Command::BSetn { .. }
                | Command::BFill { .. }
        )
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
