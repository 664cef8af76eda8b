//! The node tree as scsynth reports it: `/g_queryTree.reply` and `/g_dumpTree` console text.
//!
//! Both parsers and the [`Display`](fmt::Display) rendering walk the tree with an explicit stack,
//! so a tree as deep as a datagram allows never exhausts the call stack.

use crate::ids::{GroupId, NodeId, SynthId};
use crate::value::{Args, Control, ControlValue, ReplyError};
use rosc::{OscMessage, OscType};
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use thiserror::Error;

/// A group and its children, in execution order.
///
/// `Clone`, `PartialEq` and `Drop` are iterative; `Debug` and serde recurse per level.
#[derive(Debug, Serialize, Deserialize)]
pub struct QueryTreeGroup {
    /// The group's node id.
    pub node_id: GroupId,
    /// Its children, head first.
    pub children: Vec<QueryTreeNode>,
}

/// A node in a [`QueryTreeGroup`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueryTreeNode {
    /// A group (or a parallel group: scsynth does not tell them apart).
    Group(QueryTreeGroup),
    /// A synth.
    Synth(QueryTreeSynth),
}

/// A synth and, when they were asked for, its controls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryTreeSynth {
    /// The synth's node id.
    pub node_id: SynthId,
    /// Its SynthDef.
    pub synthdef_name: String,
    /// Its controls in parameter-index order; empty when not requested.
    pub controls: Vec<QueryTreeControl>,
}

/// One control of a [`QueryTreeSynth`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryTreeControl {
    /// The control's name, or its index when the SynthDef does not name it.
    pub name_or_index: Control,
    /// Its value or bus mapping.
    pub value: ControlValue,
}

impl Clone for QueryTreeGroup {
    fn clone(&self) -> Self {
        let shell = |g: &QueryTreeGroup| QueryTreeGroup {
            node_id: g.node_id,
            children: Vec::with_capacity(g.children.len()),
        };
        // Each open copy with the source children still to copy into it.
        let mut stack = vec![(self.children.iter(), shell(self))];
        loop {
            let Some((source, copy)) = stack.last_mut() else {
                unreachable!("the root copy is only popped on return");
            };
            match source.next() {
                Some(QueryTreeNode::Synth(s)) => {
                    copy.children.push(QueryTreeNode::Synth(s.clone()))
                }
                Some(QueryTreeNode::Group(g)) => stack.push((g.children.iter(), shell(g))),
                None => {
                    let Some((_, done)) = stack.pop() else {
                        unreachable!()
                    };
                    match stack.last_mut() {
                        Some((_, parent)) => parent.children.push(QueryTreeNode::Group(done)),
                        None => return done,
                    }
                }
            }
        }
    }
}

impl PartialEq for QueryTreeGroup {
    fn eq(&self, other: &Self) -> bool {
        if self.node_id != other.node_id {
            return false;
        }
        let mut stack = vec![(self.children.as_slice(), other.children.as_slice())];
        while let Some((ours, theirs)) = stack.pop() {
            if ours.len() != theirs.len() {
                return false;
            }
            for pair in ours.iter().zip(theirs) {
                match pair {
                    (QueryTreeNode::Group(a), QueryTreeNode::Group(b)) => {
                        if a.node_id != b.node_id {
                            return false;
                        }
                        stack.push((&a.children, &b.children));
                    }
                    (QueryTreeNode::Synth(a), QueryTreeNode::Synth(b)) => {
                        if a != b {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
        }
        true
    }
}

impl Drop for QueryTreeGroup {
    fn drop(&mut self) {
        // Flatten before dropping so each group is dropped with no children left.
        let mut pending = std::mem::take(&mut self.children);
        while let Some(node) = pending.pop() {
            if let QueryTreeNode::Group(mut g) = node {
                pending.append(&mut g.children);
            }
        }
    }
}

impl QueryTreeNode {
    /// The node's id.
    pub fn node_id(&self) -> NodeId {
        match self {
            QueryTreeNode::Group(g) => g.node_id.into(),
            QueryTreeNode::Synth(s) => s.node_id.into(),
        }
    }
}

impl QueryTreeGroup {
    /// Every node below this group, depth first in execution order, with its depth (children of
    /// this group are at depth 1).
    pub fn walk(&self) -> Walk<'_> {
        Walk {
            stack: vec![self.children.iter()],
        }
    }

    /// How many nodes are below this group.
    pub fn descendant_count(&self) -> usize {
        self.walk().count()
    }

    /// The node `node` below this group.
    pub fn find(&self, node: impl Into<NodeId>) -> Option<&QueryTreeNode> {
        let node_id = node.into();
        self.walk()
            .map(|(_, node)| node)
            .find(|node| node.node_id() == node_id)
    }
}

/// Depth-first iterator returned by [`QueryTreeGroup::walk`].
pub struct Walk<'a> {
    stack: Vec<std::slice::Iter<'a, QueryTreeNode>>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = (usize, &'a QueryTreeNode);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let depth = self.stack.len();
            match self.stack.last_mut()?.next() {
                None => {
                    self.stack.pop();
                }
                Some(node) => {
                    if let QueryTreeNode::Group(g) = node {
                        self.stack.push(g.children.iter());
                    }
                    return Some((depth, node));
                }
            }
        }
    }
}

/// Parses a `/g_queryTree.reply` message.
pub fn parse_query_tree(message: &OscMessage) -> Result<QueryTreeGroup, ReplyError> {
    if message.addr != "/g_queryTree.reply" {
        return Err(ReplyError::UnknownAddress(message.addr.clone()));
    }
    parse_query_tree_args(&mut Args::new(message))
}

/// `flag, group_id, child_count, entries…` where an entry is `id, child_count` for a group
/// (followed by its own entries) or `id, -1, defname [, control_count, (name value)*]` for a synth.
pub(crate) fn parse_query_tree_args(a: &mut Args<'_>) -> Result<QueryTreeGroup, ReplyError> {
    let with_controls = match a.int()? {
        0 => false,
        1 => true,
        other => return Err(a.invalid(format!("controls flag {other} is neither 0 nor 1"))),
    };
    let root_id = a.int()?;
    let root_count = a.int()?;
    if root_count < 0 {
        return Err(a.invalid(format!("queried node {root_id} is not a group")));
    }
    // Each open group with the number of children still to read.
    let mut stack: Vec<(QueryTreeGroup, usize)> =
        vec![(group(root_id, root_count, a), root_count as usize)];
    loop {
        let Some((top, remaining)) = stack.last_mut() else {
            unreachable!("the root is only popped on return");
        };
        if *remaining == 0 {
            let Some((done, _)) = stack.pop() else {
                unreachable!()
            };
            match stack.last_mut() {
                Some((parent, _)) => parent.children.push(QueryTreeNode::Group(done)),
                None => {
                    if !a.is_done() {
                        return Err(a.invalid(format!(
                            "{} arguments after the end of the tree",
                            a.remaining()
                        )));
                    }
                    return Ok(done);
                }
            }
            continue;
        }
        *remaining -= 1;
        let node_id = a.int()?;
        let child_count = a.int()?;
        match child_count {
            -1 => {
                let synthdef_name = a.string()?;
                let controls = if with_controls {
                    let count = a.count()?;
                    let mut controls = Vec::with_capacity(count);
                    for _ in 0..count {
                        controls.push(QueryTreeControl {
                            name_or_index: a.control()?,
                            value: a.control_value()?,
                        });
                    }
                    controls
                } else {
                    Vec::new()
                };
                top.children.push(QueryTreeNode::Synth(QueryTreeSynth {
                    node_id: SynthId::new(node_id),
                    synthdef_name,
                    controls,
                }));
            }
            n if n >= 0 => {
                let g = group(node_id, n, a);
                stack.push((g, n as usize));
            }
            n => return Err(a.invalid(format!("node {node_id} has child count {n}"))),
        }
    }
}

/// An empty group with room for its children, bounded by what the message can still hold so a
/// bogus count cannot allocate gigabytes.
fn group(node_id: i32, count: i32, a: &Args<'_>) -> QueryTreeGroup {
    let room = (count.max(0) as usize).min(a.remaining() / 2);
    QueryTreeGroup {
        node_id: GroupId::new(node_id),
        children: Vec::with_capacity(room),
    }
}

/// Formats a float like C's `%.14g`, as scsynth prints control values.
fn format_g14(value: f32) -> String {
    let v = f64::from(value);
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust rounds exactly, like glibc; the exponent is that of the rounded value, as in C.
    let sci = format!("{v:.13e}");
    let Some((mantissa, exponent)) = sci.split_once('e') else {
        return sci;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..14).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exponent.abs()
        )
    } else {
        let decimals = (13 - exponent) as usize;
        strip_fraction_zeros(&format!("{v:.decimals$}")).to_owned()
    }
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// scsynth's `/g_dumpTree` text: `NODE TREE Group N`, then one line per node indented three
/// spaces per level, synth controls on the next line indented two more.
impl fmt::Display for QueryTreeGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "NODE TREE Group {}", self.node_id)?;
        let mut line = String::new();
        for (depth, node) in self.walk() {
            line.clear();
            for _ in 0..depth {
                line.push_str("   ");
            }
            match node {
                QueryTreeNode::Group(g) => {
                    let _ = write!(line, "{} group", g.node_id);
                }
                QueryTreeNode::Synth(s) => {
                    let _ = write!(line, "{} {}", s.node_id, s.synthdef_name);
                    if !s.controls.is_empty() {
                        line.push_str("\n ");
                        for _ in 0..depth {
                            line.push_str("   ");
                        }
                        for c in &s.controls {
                            match &c.name_or_index {
                                Control::Name(name) => {
                                    let _ = write!(line, " {name}: ");
                                }
                                // scsynth prints unnamed controls as bare values.
                                Control::Index(_) => line.push(' '),
                            }
                            match &c.value {
                                ControlValue::Float(v) => line.push_str(&format_g14(*v)),
                                ControlValue::Bus(bus) => line.push_str(bus),
                            }
                        }
                    }
                }
            }
            line.push('\n');
            f.write_str(&line)?;
        }
        Ok(())
    }
}

/// Why `/g_dumpTree` text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DumpTreeError {
    /// No `NODE TREE Group N` line was found.
    #[error("no \"NODE TREE Group\" header in the dump")]
    NoHeader,
    /// A line inside the dump does not fit the format.
    #[error("dump line {line}: {reason}: {text:?}")]
    Line {
        /// 1-based line number among the lines fed.
        line: usize,
        /// What is wrong.
        reason: &'static str,
        /// The offending line.
        text: String,
    },
}

/// What [`DumpTreeParser::push_line`] did with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpLine {
    /// Not part of a dump: no header has been seen yet.
    Ignored,
    /// Part of the dump.
    Consumed,
    /// The dump is over. `consumed` is true only for an `END NODE TREE` line; any other line
    /// (unindented output, the next header) belongs to whatever follows.
    Finished {
        /// Whether the line belonged to the dump.
        consumed: bool,
    },
}

/// Builds a tree from `/g_dumpTree` console output fed one line at a time, as a process reader
/// receives it.
#[derive(Debug, Default)]
pub struct DumpTreeParser {
    /// Open groups, root first.
    stack: Vec<QueryTreeGroup>,
    /// Depth of the synth that a following controls line belongs to.
    synth_depth: Option<usize>,
    /// Whether the first node line repeated the header's group (supernova's form), which
    /// puts every later line one level deeper than scsynth's.
    root_repeated: bool,
    finished: bool,
    lines: usize,
}

impl DumpTreeParser {
    /// A parser waiting for a `NODE TREE Group N` header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the header has been seen.
    pub fn is_started(&self) -> bool {
        !self.stack.is_empty()
    }

    /// Whether the dump has ended (an `END NODE TREE` line or a line outside the dump).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn error(&self, reason: &'static str, text: &str) -> DumpTreeError {
        DumpTreeError::Line {
            line: self.lines,
            reason,
            text: text.to_owned(),
        }
    }

    /// Feeds one line of console output (with or without its line ending).
    pub fn push_line(&mut self, line: &str) -> Result<DumpLine, DumpTreeError> {
        self.lines += 1;
        let line = line.trim_end_matches(['\n', '\r']);
        if self.finished {
            return Ok(DumpLine::Finished { consumed: false });
        }
        if let Some(id) = line.strip_prefix("NODE TREE Group ") {
            if self.is_started() {
                self.finished = true;
                return Ok(DumpLine::Finished { consumed: false });
            }
            let id: i32 = id
                .trim()
                .parse()
                .map_err(|_| self.error("bad group id in header", line))?;
            self.stack.push(QueryTreeGroup {
                node_id: GroupId::new(id),
                children: Vec::new(),
            });
            return Ok(DumpLine::Consumed);
        }
        if !self.is_started() {
            return Ok(DumpLine::Ignored);
        }
        if line.starts_with("END NODE TREE") {
            self.finished = true;
            return Ok(DumpLine::Finished { consumed: true });
        }
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if indent == 0 || body.is_empty() {
            self.finished = true;
            return Ok(DumpLine::Finished { consumed: false });
        }
        match indent % 3 {
            0 if self.repeats_root(indent / 3, body) => self.root_repeated = true,
            0 => {
                let depth = indent / 3 - usize::from(self.root_repeated);
                match body.split_once(": ") {
                    Some((name, value)) if !name.contains(' ') => {
                        self.control_line(depth, name, value, line)?
                    }
                    _ => self.node_line(depth, body, line)?,
                }
            }
            2 => self.controls_line((indent - 2) / 3, body, line)?,
            _ => return Err(self.error("indentation is not a node or controls line", line)),
        }
        Ok(DumpLine::Consumed)
    }

    /// supernova prints the dumped group itself first (`   0 group` under `NODE TREE Group 0`).
    fn repeats_root(&self, depth: usize, body: &str) -> bool {
        match self.stack.as_slice() {
            [root] => {
                depth == 1
                    && !self.root_repeated
                    && root.children.is_empty()
                    && body.split_once(' ').is_some_and(|(id, name)| {
                        id.parse() == Ok(root.node_id.get()) && is_group_name(name)
                    })
            }
            _ => false,
        }
    }

    fn node_line(&mut self, depth: usize, body: &str, line: &str) -> Result<(), DumpTreeError> {
        if depth > self.stack.len() {
            return Err(self.error("node indented deeper than its group", line));
        }
        let (id, name) = body
            .split_once(' ')
            .ok_or_else(|| self.error("expected \"<id> <name>\"", line))?;
        let node_id: i32 = id.parse().map_err(|_| self.error("bad node id", line))?;
        self.close_to(depth);
        if is_group_name(name) {
            self.synth_depth = None;
            self.stack.push(QueryTreeGroup {
                node_id: GroupId::new(node_id),
                children: Vec::new(),
            });
        } else {
            self.synth_depth = Some(depth);
            if let Some(parent) = self.stack.last_mut() {
                parent.children.push(QueryTreeNode::Synth(QueryTreeSynth {
                    node_id: SynthId::new(node_id),
                    synthdef_name: name.to_owned(),
                    controls: Vec::new(),
                }));
            }
        }
        Ok(())
    }

    fn controls_line(&mut self, depth: usize, body: &str, line: &str) -> Result<(), DumpTreeError> {
        if self.synth_depth.take() != Some(depth) {
            return Err(self.error("controls line without its synth", line));
        }
        let mut controls = Vec::new();
        let mut name: Option<&str> = None;
        for token in body.split(' ').filter(|t| !t.is_empty()) {
            if let Some(n) = token.strip_suffix(':') {
                if name.replace(n).is_some() {
                    return Err(self.error("control name without a value", line));
                }
                continue;
            }
            let value =
                parse_dump_value(token).ok_or_else(|| self.error("bad control value", line))?;
            let name_or_index = match name.take() {
                Some(n) => Control::Name(n.to_owned()),
                None => Control::Index(controls.len() as i32),
            };
            controls.push(QueryTreeControl {
                name_or_index,
                value,
            });
        }
        if name.is_some() {
            return Err(self.error("control name without a value", line));
        }
        if let Some(QueryTreeNode::Synth(s)) =
            self.stack.last_mut().and_then(|g| g.children.last_mut())
        {
            s.controls = controls;
        }
        Ok(())
    }

    /// supernova's form of controls: one `name: value` line per control, a level below its
    /// synth.
    fn control_line(
        &mut self,
        depth: usize,
        name: &str,
        value: &str,
        line: &str,
    ) -> Result<(), DumpTreeError> {
        if self.synth_depth.map(|d| d + 1) != Some(depth) {
            return Err(self.error("controls line without its synth", line));
        }
        let value =
            parse_dump_value(value.trim()).ok_or_else(|| self.error("bad control value", line))?;
        let name_or_index = match name.parse() {
            Ok(index) => Control::Index(index),
            Err(_) => Control::Name(name.to_owned()),
        };
        if let Some(QueryTreeNode::Synth(s)) =
            self.stack.last_mut().and_then(|g| g.children.last_mut())
        {
            s.controls.push(QueryTreeControl {
                name_or_index,
                value,
            });
        }
        Ok(())
    }

    /// Closes open groups until the innermost one is at `depth - 1` (the parent of a node at
    /// `depth`).
    fn close_to(&mut self, depth: usize) {
        while self.stack.len() > depth.max(1) {
            if let Some(done) = self.stack.pop() {
                if let Some(parent) = self.stack.last_mut() {
                    parent.children.push(QueryTreeNode::Group(done));
                }
            }
        }
    }

    /// The tree fed so far.
    pub fn finish(mut self) -> Result<QueryTreeGroup, DumpTreeError> {
        self.close_to(1);
        self.stack.pop().ok_or(DumpTreeError::NoHeader)
    }
}

/// A group's name in a dump: supernova prints its parallel groups as `parallel group`.
fn is_group_name(name: &str) -> bool {
    name == "group" || name == "parallel group"
}

fn parse_dump_value(token: &str) -> Option<ControlValue> {
    if let Some(rest) = token.strip_prefix(['c', 'a']) {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Some(ControlValue::Bus(token.to_owned()));
        }
    }
    let unsigned = token.trim_start_matches(['-', '+']);
    if unsigned.eq_ignore_ascii_case("nan") {
        return Some(ControlValue::Float(f32::NAN));
    }
    token
        .parse::<f64>()
        .ok()
        .map(|v| ControlValue::Float(v as f32))
}

/// Parses the first `/g_dumpTree` dump in `text` (lines before its header are skipped; it ends at
/// `END NODE TREE`, at the first line outside it, or at the end of the text).
pub fn parse_dump_tree(text: &str) -> Result<QueryTreeGroup, DumpTreeError> {
    let mut parser = DumpTreeParser::new();
    for line in text.lines() {
        if let DumpLine::Finished { .. } = parser.push_line(line)? {
            break;
        }
    }
    parser.finish()
}

/// A `/g_queryTree.reply` for 2,000 groups under the root, each empty or holding one synth with
/// one control: the shape of the benchmark's wide tree.
#[doc(hidden)]
pub fn wide_reply(with_synths: bool) -> OscMessage {
    let mut args = vec![OscType::Int(1), OscType::Int(0), OscType::Int(2000)];
    for g in 0..2000 {
        args.extend([
            OscType::Int(1000 + 2 * g),
            OscType::Int(i32::from(with_synths)),
        ]);
        if with_synths {
            args.extend([
                OscType::Int(1001 + 2 * g),
                OscType::Int(-1),
                OscType::String("sine".into()),
                OscType::Int(1),
                OscType::String("freq".into()),
                OscType::Float(440.0),
            ]);
        }
    }
    OscMessage {
        addr: "/g_queryTree.reply".into(),
        args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{decode, parse, Reply};
    use rosc::OscPacket;

    /// Captured from scsynth 3.13.0 (`/g_dumpTree 0 1`, then `0 0`, then `1000 1`) after building
    /// a tree with mapped controls, a tiny and a huge float.
    const DUMP_0_1: &str = "NODE TREE Group 0
   1 group
      1004 group
         1006 group
            1007 ref_sine
              amp: 1.2344999959168e-05 freq: 1234.5677490234 out: 0
            1008 ref_sine
              amp: -3 freq: 10000000000 out: 0
      1000 group
         1001 group
            1002 ref_sine
              amp: c3 freq: a20 out: 0
         1003 ref_control_rates
           out: 0 t_trig: 0 freq: 440 amp: 0.10000000149012 cutoff: 1200
      1005 ref_pan_stereo
        amp: 0.20000000298023 freq: 220 out: 0 pan: -0.5
";

    const DUMP_0_0: &str = "NODE TREE Group 0
   1 group
      1004 group
         1006 group
            1007 ref_sine
            1008 ref_sine
      1000 group
         1001 group
            1002 ref_sine
         1003 ref_control_rates
      1005 ref_pan_stereo
";

    const DUMP_1000_1: &str = "NODE TREE Group 1000
   1001 group
      1002 ref_sine
        amp: c3 freq: a20 out: 0
   1003 ref_control_rates
     out: 0 t_trig: 0 freq: 440 amp: 0.10000000149012 cutoff: 1200
";

    /// The `/g_queryTree 0 1` reply of the same session as the dumps above.
    fn session_query_tree() -> QueryTreeGroup {
        let f = |v: f64| OscType::Float(v as f32);
        let s = |v: &str| OscType::String(v.into());
        let i = OscType::Int;
        let args = vec![
            i(1),
            i(0),
            i(1),
            i(1),
            i(3),
            i(1004),
            i(1),
            i(1006),
            i(2),
            i(1007),
            i(-1),
            s("ref_sine"),
            i(3),
            s("amp"),
            f(1.234499995916849e-05),
            s("freq"),
            f(1234.5677490234375),
            s("out"),
            f(0.0),
            i(1008),
            i(-1),
            s("ref_sine"),
            i(3),
            s("amp"),
            f(-3.0),
            s("freq"),
            f(10000000000.0),
            s("out"),
            f(0.0),
            i(1000),
            i(2),
            i(1001),
            i(1),
            i(1002),
            i(-1),
            s("ref_sine"),
            i(3),
            s("amp"),
            s("c3"),
            s("freq"),
            s("a20"),
            s("out"),
            f(0.0),
            i(1003),
            i(-1),
            s("ref_control_rates"),
            i(5),
            s("out"),
            f(0.0),
            s("t_trig"),
            f(0.0),
            s("freq"),
            f(440.0),
            s("amp"),
            f(0.10000000149011612),
            s("cutoff"),
            f(1200.0),
            i(1005),
            i(-1),
            s("ref_pan_stereo"),
            i(4),
            s("amp"),
            f(0.20000000298023224),
            s("freq"),
            f(220.0),
            s("out"),
            f(0.0),
            s("pan"),
            f(-0.5),
        ];
        parse_query_tree(&OscMessage {
            addr: "/g_queryTree.reply".into(),
            args,
        })
        .unwrap()
    }

    fn without_controls(mut tree: QueryTreeGroup) -> QueryTreeGroup {
        let mut stack: Vec<&mut QueryTreeGroup> = vec![&mut tree];
        while let Some(g) = stack.pop() {
            for child in &mut g.children {
                match child {
                    QueryTreeNode::Group(g) => stack.push(g),
                    QueryTreeNode::Synth(s) => s.controls.clear(),
                }
            }
        }
        tree
    }

    fn reference(name: &str) -> QueryTreeGroup {
        let path = format!("{}/{name}", scserver_testdata::OSC);
        let bytes = std::fs::read(&path).unwrap();
        let Ok(OscPacket::Message(m)) = decode(&bytes) else {
            panic!("{path}")
        };
        match parse(&m).unwrap() {
            Reply::QueryTree(tree) => tree,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn displays_exactly_like_scsynth() {
        let tree = session_query_tree();
        assert_eq!(tree.to_string(), DUMP_0_1);
        assert_eq!(without_controls(tree).to_string(), DUMP_0_0);
    }

    #[test]
    fn parses_captured_dumps_back_to_the_queried_tree() {
        let tree = session_query_tree();
        assert_eq!(parse_dump_tree(DUMP_0_1).unwrap(), tree);
        assert_eq!(
            parse_dump_tree(DUMP_0_0).unwrap(),
            without_controls(tree.clone())
        );
        let Some(QueryTreeNode::Group(g1000)) = tree.find(NodeId::new(1000)) else {
            panic!()
        };
        assert_eq!(parse_dump_tree(DUMP_1000_1).unwrap(), *g1000);
    }

    #[test]
    fn reference_query_trees_round_trip_through_dump_text() {
        for name in [
            "g_queryTree_reply_controls.bin",
            "g_queryTree_reply_nocontrols.bin",
            "g_queryTree_reply_mapped.bin",
        ] {
            let tree = reference(name);
            let text = tree.to_string();
            assert_eq!(parse_dump_tree(&text).unwrap(), tree, "{name}:\n{text}");
        }
        let controls = reference("g_queryTree_reply_controls.bin");
        assert_eq!(controls.descendant_count(), 7);
        assert_eq!(
            controls
                .walk()
                .map(|(d, n)| (d, n.node_id().get()))
                .collect::<Vec<_>>(),
            [
                (1, 1),
                (2, 1005),
                (2, 1000),
                (3, 1001),
                (4, 1002),
                (3, 1003),
                (2, 1004)
            ]
        );
        let mapped = reference("g_queryTree_reply_mapped.bin");
        assert_eq!(
            mapped.to_string(),
            "NODE TREE Group 1001\n   1002 ref_sine\n     amp: c3 freq: a20 out: 0\n"
        );
    }

    #[test]
    fn dump_parser_finds_the_dump_among_other_output() {
        let text = format!(
            "SuperCollider 3 server ready.\n{DUMP_1000_1}FAILURE IN SERVER /n_set Node 9 not found\n{DUMP_0_0}"
        );
        let tree = parse_dump_tree(&text).unwrap();
        assert_eq!(tree.node_id, GroupId::new(1000));
        assert_eq!(tree.descendant_count(), 3);

        let mut p = DumpTreeParser::new();
        assert_eq!(p.push_line("hello"), Ok(DumpLine::Ignored));
        assert_eq!(p.push_line("NODE TREE Group 5\n"), Ok(DumpLine::Consumed));
        assert_eq!(p.push_line("   6 group"), Ok(DumpLine::Consumed));
        assert_eq!(p.push_line("      7 sine"), Ok(DumpLine::Consumed));
        assert_eq!(p.push_line("        0.5 freq: 440"), Ok(DumpLine::Consumed));
        assert_eq!(
            p.push_line("END NODE TREE Group 5"),
            Ok(DumpLine::Finished { consumed: true })
        );
        assert!(p.is_finished());
        let tree = p.finish().unwrap();
        let Some(QueryTreeNode::Synth(s)) = tree.find(NodeId::new(7)) else {
            panic!()
        };
        assert_eq!(
            s.controls,
            vec![
                QueryTreeControl {
                    name_or_index: Control::Index(0),
                    value: ControlValue::Float(0.5)
                },
                QueryTreeControl {
                    name_or_index: Control::Name("freq".into()),
                    value: ControlValue::Float(440.0)
                },
            ]
        );
        assert_eq!(
            parse_dump_tree("nothing here"),
            Err(DumpTreeError::NoHeader)
        );
        assert!(parse_dump_tree("NODE TREE Group 0\n         5 group\n").is_err());
        assert!(parse_dump_tree("NODE TREE Group 0\n     amp: 1\n").is_err());
    }

    #[test]
    fn supernova_dumps_repeat_the_root_and_put_each_control_on_a_line() {
        // Captured from supernova 3.13.0: `/g_dumpTree 0 1` with a parallel group.
        let text = "NODE TREE Group 0\n   0 group\n      1 group\n         2 parallel group\n            3 group\n      1000 ref_sine\n         amp: 0.1\n         freq: 440\n         out: c4\nSupernova ready\n";
        let tree = parse_dump_tree(text).unwrap();
        assert_eq!(tree.node_id, GroupId::ROOT);
        assert_eq!(tree.children.len(), 2, "{tree:?}");
        assert!(
            matches!(tree.find(NodeId::new(2)), Some(QueryTreeNode::Group(g)) if g.children.len() == 1)
        );
        let Some(QueryTreeNode::Synth(s)) = tree.find(NodeId::new(1000)) else {
            panic!("{tree:?}")
        };
        let control = |name: &str, value| QueryTreeControl {
            name_or_index: Control::Name(name.into()),
            value,
        };
        assert_eq!(
            s.controls,
            vec![
                control("amp", ControlValue::Float(0.1)),
                control("freq", ControlValue::Float(440.0)),
                control("out", ControlValue::Bus("c4".into())),
            ]
        );
        assert!(parse_dump_tree("NODE TREE Group 0\n   0 group\n         amp: 1\n").is_err());
    }

    #[test]
    fn formats_like_printf_g14() {
        // Expected strings from Python's `"%.14g" % float32(v)`, i.e. C's printf.
        let cases: [(f32, &str); 21] = [
            (0.0, "0"),
            (1.0, "1"),
            (-0.5, "-0.5"),
            (440.0, "440"),
            (0.1, "0.10000000149012"),
            (1.2345e-05, "1.2344999959168e-05"),
            (1e10, "10000000000"),
            (1e14, "1.0000000037683e+14"),
            (123456789012345.0, "1.2345678810317e+14"),
            (0.0001, "9.9999997473788e-05"),
            (0.00012345, "0.00012344999413472"),
            (-3.402_823_5e38, "-3.4028234663853e+38"),
            (f32::from_bits(1), "1.4012984643248e-45"),
            (12345678.9, "12345679"),
            (5e-05, "4.9999998736894e-05"),
            (1.0 / 3.0, "0.33333334326744"),
            (666.666_7, "666.66668701172"),
            (65536.0, "65536"),
            (16777217.0, "16777216"),
            (f32::INFINITY, "inf"),
            (f32::NEG_INFINITY, "-inf"),
        ];
        for (v, s) in cases {
            assert_eq!(format_g14(v), s, "{v}");
        }
    }

    #[test]
    fn malformed_query_trees_are_errors() {
        let m = |args: Vec<OscType>| OscMessage {
            addr: "/g_queryTree.reply".into(),
            args,
        };
        let i = OscType::Int;
        assert!(parse_query_tree(&m(vec![i(0), i(0), i(2), i(1), i(0)])).is_err());
        assert!(parse_query_tree(&m(vec![i(0), i(0), i(-1)])).is_err());
        assert!(parse_query_tree(&m(vec![i(2), i(0), i(0)])).is_err());
        assert!(parse_query_tree(&m(vec![i(0), i(0), i(0), i(9)])).is_err());
        assert!(parse_query_tree(&m(vec![i(0), i(0), i(i32::MAX)])).is_err());
        assert!(parse_query_tree(&m(vec![i(0), i(0), i(1), i(5), i(-2)])).is_err());
        assert_eq!(
            parse_query_tree(&m(vec![i(0), i(0), i(0)])).unwrap(),
            QueryTreeGroup {
                node_id: GroupId::ROOT,
                children: vec![]
            }
        );
    }

    /// A `/g_queryTree.reply` for `groups` nested groups under the root (`depth` deep, the rest
    /// side by side), each holding one synth with three controls.
    fn big_reply(groups: usize, depth: usize) -> OscMessage {
        let mut args = vec![OscType::Int(1), OscType::Int(0), OscType::Int(1)];
        let mut id = 1000;
        for level in 0..groups {
            let nested = level + 1 < depth;
            args.extend([OscType::Int(id), OscType::Int(if nested { 2 } else { 1 })]);
            args.extend([
                OscType::Int(id + 1),
                OscType::Int(-1),
                OscType::String("sine".into()),
                OscType::Int(3),
                OscType::String("amp".into()),
                OscType::Float(0.1),
                OscType::String("freq".into()),
                OscType::Float(440.0),
                OscType::String("out".into()),
                OscType::String("c3".into()),
            ]);
            id += 2;
            if !nested {
                break;
            }
        }
        OscMessage {
            addr: "/g_queryTree.reply".into(),
            args,
        }
    }

    #[test]
    fn deep_trees_need_no_recursion() {
        // Deeper than any datagram can carry (about 6,500 levels in 65,516 bytes). Parsing,
        // walking, comparing, cloning and dropping must not overflow a test thread's stack.
        let depth = 50_000;
        let tree = parse_query_tree(&big_reply(depth, depth)).unwrap();
        assert_eq!(tree.descendant_count(), 2 * depth);
        let copy = tree.clone();
        assert!(copy == tree);
        drop(copy);
        // Dump text grows with the square of the depth (three spaces per level per line).
        let depth = 2_000;
        let tree = parse_query_tree(&big_reply(depth, depth)).unwrap();
        let text = tree.to_string();
        assert_eq!(text.lines().count(), 1 + 3 * depth);
        let parsed = parse_dump_tree(&text).unwrap();
        assert!(parsed == tree);
    }

    #[test]
    fn wide_trees_parse_whole() {
        // Its speed is measured by `cargo bench -p scserver-core --bench replies`.
        let tree = parse_query_tree(&wide_reply(true)).unwrap();
        assert_eq!(tree.children.len(), 2000);
        assert_eq!(tree.descendant_count(), 4000);
        let bytes = rosc::encoder::encode(&OscPacket::Message(wide_reply(false))).unwrap();
        let Ok(OscPacket::Message(m)) = decode(&bytes) else {
            panic!("decode")
        };
        let Ok(Reply::QueryTree(tree)) = parse(&m) else {
            panic!("parse")
        };
        assert_eq!(tree.descendant_count(), 2000);
    }
}
