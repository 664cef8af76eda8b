//! A mirror of the server's node tree (and allocated buffers) kept from notifications.
//!
//! scsynth reports every change as `/n_go`, `/n_end`, `/n_off`, `/n_on` or `/n_move` with the
//! node's parent and neighbours. Over UDP some may be lost, so the mirror treats the neighbours as
//! hints checked against its own state, creates unknown parents on demand, and never follows a
//! pointer it did not write itself: no input sequence can make it panic or loop.

use crate::reply::{Done, NodeEvent, NodeInfo, NodeNotification};
use std::collections::{BTreeSet, HashMap};

/// The root group's id.
pub const ROOT_NODE: i32 = 0;

#[derive(Debug, Clone)]
struct Entry {
    parent: Option<i32>,
    previous: Option<i32>,
    next: Option<i32>,
    head: Option<i32>,
    tail: Option<i32>,
    is_group: bool,
    active: bool,
    /// Created because a child named it as parent before its own `/n_go` arrived.
    provisional: bool,
}

impl Entry {
    fn new(is_group: bool) -> Self {
        Entry {
            parent: None,
            previous: None,
            next: None,
            head: None,
            tail: None,
            is_group,
            active: true,
            provisional: false,
        }
    }
}

/// The client-side view of the server's nodes and buffers.
#[derive(Debug, Clone)]
pub struct Mirror {
    nodes: HashMap<i32, Entry>,
    buffers: BTreeSet<i32>,
}

impl Default for Mirror {
    fn default() -> Self {
        Self::new()
    }
}

impl Mirror {
    /// A mirror holding only the root group.
    pub fn new() -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(ROOT_NODE, Entry::new(true));
        Mirror {
            nodes,
            buffers: BTreeSet::new(),
        }
    }

    /// Forgets everything but the root group (after a reset or a reconnect).
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// Applies a node notification. Returns the node id on `/n_end`, which frees that id.
    pub fn apply(&mut self, notification: &NodeNotification) -> Option<i32> {
        let info = &notification.info;
        let id = info.node_id.get();
        match notification.event {
            NodeEvent::End => {
                self.remove_subtree(id);
                return Some(id);
            }
            NodeEvent::Go => {
                // A new node has no children: anything listed under a node we already knew is
                // stale (its `/n_end`s were lost before the id was reused). Children of a group
                // we only created on demand arrived early and are kept.
                match self.nodes.get_mut(&id) {
                    Some(e) if e.provisional => e.provisional = false,
                    Some(_) => self.remove_descendants(id),
                    None => {}
                }
                self.place(info);
                self.set_active(id, true);
            }
            NodeEvent::Off => {
                self.place(info);
                self.set_active(id, false);
            }
            NodeEvent::On => {
                self.place(info);
                self.set_active(id, true);
            }
            NodeEvent::Move => self.place(info),
        }
        None
    }

    /// Applies a `/done`: `/b_alloc*` adds the buffer, `/b_free` removes it. Returns whether it
    /// was a buffer notification.
    pub fn apply_done(&mut self, done: &Done) -> bool {
        let Some(buffer) = done.index() else {
            return false;
        };
        match done.command.as_str() {
            "/b_alloc" | "/b_allocRead" | "/b_allocReadChannel" => {
                self.buffers.insert(buffer);
                true
            }
            "/b_free" => {
                self.buffers.remove(&buffer);
                true
            }
            _ => false,
        }
    }

    /// Whether the node exists.
    pub fn contains(&self, node_id: i32) -> bool {
        self.nodes.contains_key(&node_id)
    }

    /// Whether the node exists and is running (not paused by `/n_run 0`).
    pub fn is_active(&self, node_id: i32) -> bool {
        self.nodes.get(&node_id).is_some_and(|e| e.active)
    }

    /// Whether the node is a group, if it exists.
    pub fn is_group(&self, node_id: i32) -> Option<bool> {
        self.nodes.get(&node_id).map(|e| e.is_group)
    }

    /// The node's group (`None` for the root, unknown nodes, and parents not heard of yet).
    pub fn parent(&self, node_id: i32) -> Option<i32> {
        self.nodes.get(&node_id)?.parent
    }

    /// The node's groups, from its parent up to the root (empty for the root and unknown nodes).
    pub fn parentage(&self, node_id: i32) -> Vec<i32> {
        let mut chain = Vec::new();
        let mut current = self.parent(node_id);
        // Parent chains are acyclic by construction; the bound is a second line of defence.
        while let Some(group) = current.filter(|_| chain.len() <= self.nodes.len()) {
            chain.push(group);
            current = self.parent(group);
        }
        chain
    }

    /// A group's children in execution order (nothing for synths and unknown ids).
    pub fn children(&self, node_id: i32) -> Children<'_> {
        Children {
            mirror: self,
            next: self.nodes.get(&node_id).and_then(|e| e.head),
            budget: self.nodes.len(),
        }
    }

    /// How many nodes are known, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node is known (only after the root itself was reported ended).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Whether the buffer is allocated, as far as `/done` replies tell.
    pub fn has_buffer(&self, buffer_id: i32) -> bool {
        self.buffers.contains(&buffer_id)
    }

    /// Allocated buffers in ascending order.
    pub fn buffers(&self) -> impl Iterator<Item = i32> + '_ {
        self.buffers.iter().copied()
    }

    fn set_active(&mut self, id: i32, active: bool) {
        if let Some(e) = self.nodes.get_mut(&id) {
            e.active = active;
        }
    }

    /// Creates or updates the node and links it where `info` says it is.
    fn place(&mut self, info: &NodeInfo) {
        let id = info.node_id.get();
        let was_group = self
            .nodes
            .entry(id)
            .or_insert_with(|| Entry::new(info.is_group))
            .is_group;
        if was_group && !info.is_group {
            // The id now names a synth: whatever we listed below it is gone.
            self.remove_descendants(id);
        }
        if let Some(e) = self.nodes.get_mut(&id) {
            e.is_group = info.is_group;
        }
        let parent = info.parent.map(|p| p.get());
        if parent == Some(id) {
            // Nonsense position: keep the one we have.
            return;
        }
        self.unlink(id);
        if let Some(parent) = parent {
            let (previous, next) = (info.previous.map(|n| n.get()), info.next.map(|n| n.get()));
            self.link(id, parent, previous, next);
        }
    }

    /// Detaches a node from its parent's child list.
    fn unlink(&mut self, id: i32) {
        let Some(e) = self.nodes.get_mut(&id) else {
            return;
        };
        let (parent, previous, next) = (e.parent.take(), e.previous.take(), e.next.take());
        let Some(parent) = parent else {
            return;
        };
        match previous.and_then(|p| self.nodes.get_mut(&p)) {
            Some(p) => p.next = next,
            None => {
                if let Some(g) = self.nodes.get_mut(&parent) {
                    g.head = next;
                }
            }
        }
        match next.and_then(|n| self.nodes.get_mut(&n)) {
            Some(n) => n.previous = previous,
            None => {
                if let Some(g) = self.nodes.get_mut(&parent) {
                    g.tail = previous;
                }
            }
        }
    }

    /// Links an unlinked node under `parent`, after `previous` or before `next` when those are
    /// known children of `parent`, else at the head (no previous) or the tail.
    fn link(&mut self, id: i32, parent: i32, previous: Option<i32>, next: Option<i32>) {
        if parent == id {
            return;
        }
        let group = self.nodes.entry(parent).or_insert_with(|| Entry {
            provisional: true,
            ..Entry::new(true)
        });
        group.is_group = true;
        // The server says `id` contains nothing that contains `parent`: if our view disagrees,
        // our view is stale, so cut `parent` loose rather than build a cycle.
        if self.is_ancestor(id, parent) {
            self.unlink(parent);
        }
        let is_child = |mirror: &Self, n: i32| {
            n != id
                && mirror
                    .nodes
                    .get(&n)
                    .is_some_and(|e| e.parent == Some(parent))
        };
        let (before, after) = if let Some(p) = previous.filter(|p| is_child(self, *p)) {
            (Some(p), self.nodes.get(&p).and_then(|e| e.next))
        } else if let Some(n) = next.filter(|n| is_child(self, *n)) {
            (self.nodes.get(&n).and_then(|e| e.previous), Some(n))
        } else if previous.is_none() {
            (None, self.nodes.get(&parent).and_then(|g| g.head))
        } else {
            (self.nodes.get(&parent).and_then(|g| g.tail), None)
        };
        if let Some(e) = self.nodes.get_mut(&id) {
            e.parent = Some(parent);
            e.previous = before;
            e.next = after;
        }
        match before.and_then(|b| self.nodes.get_mut(&b)) {
            Some(b) => b.next = Some(id),
            None => {
                if let Some(g) = self.nodes.get_mut(&parent) {
                    g.head = Some(id);
                }
            }
        }
        match after.and_then(|a| self.nodes.get_mut(&a)) {
            Some(a) => a.previous = Some(id),
            None => {
                if let Some(g) = self.nodes.get_mut(&parent) {
                    g.tail = Some(id);
                }
            }
        }
    }

    /// Whether `ancestor` is `node` or above it.
    fn is_ancestor(&self, ancestor: i32, node: i32) -> bool {
        let mut current = Some(node);
        // Parent chains are acyclic by construction; the bound is a second line of defence.
        for _ in 0..=self.nodes.len() {
            match current {
                Some(c) if c == ancestor => return true,
                Some(c) => current = self.nodes.get(&c).and_then(|e| e.parent),
                None => return false,
            }
        }
        false
    }

    /// Removes a node and everything below it.
    fn remove_subtree(&mut self, id: i32) {
        if !self.nodes.contains_key(&id) {
            return;
        }
        self.remove_descendants(id);
        self.unlink(id);
        self.nodes.remove(&id);
    }

    /// Removes everything below a node, leaving it an empty group.
    fn remove_descendants(&mut self, id: i32) {
        let mut pending: Vec<i32> = self.children(id).collect();
        if let Some(e) = self.nodes.get_mut(&id) {
            e.head = None;
            e.tail = None;
        }
        while let Some(child) = pending.pop() {
            pending.extend(self.children(child));
            self.nodes.remove(&child);
        }
    }
}

/// Iterator over a group's children, returned by [`Mirror::children`].
pub struct Children<'a> {
    mirror: &'a Mirror,
    next: Option<i32>,
    budget: usize,
}

impl Iterator for Children<'_> {
    type Item = i32;

    fn next(&mut self) -> Option<i32> {
        let id = self.next?;
        // Sibling lists are consistent by construction; the budget makes a bug a short list
        // instead of an endless loop.
        self.budget = self.budget.checked_sub(1)?;
        self.next = self.mirror.nodes.get(&id).and_then(|e| e.next);
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, NodeId};
    use crate::reply::{decode, parse, Reply};
    use rosc::OscPacket;
    use std::collections::HashMap;

    fn n(
        event: NodeEvent,
        id: i32,
        parent: i32,
        prev: i32,
        next: i32,
        group: bool,
    ) -> NodeNotification {
        let opt = |v: i32| (v >= 0).then_some(NodeId::new(v));
        NodeNotification {
            event,
            info: NodeInfo {
                node_id: NodeId::new(id),
                parent: (parent >= 0).then_some(GroupId::new(parent)),
                previous: opt(prev),
                next: opt(next),
                is_group: group,
                head: None,
                tail: None,
            },
        }
    }

    fn kids(m: &Mirror, id: i32) -> Vec<i32> {
        m.children(id).collect()
    }

    /// Checks that every sibling list is a consistent doubly linked list under its parent.
    fn assert_consistent(m: &Mirror) {
        let mut listed = 0;
        for (&id, e) in &m.nodes {
            let children = kids(m, id);
            let mut previous = None;
            for &c in &children {
                let ce = &m.nodes[&c];
                assert_eq!(ce.parent, Some(id), "child {c} of {id}");
                assert_eq!(ce.previous, previous, "previous of {c}");
                previous = Some(c);
            }
            assert_eq!(e.tail, previous, "tail of {id}");
            listed += children.len();
        }
        let parented = m.nodes.values().filter(|e| e.parent.is_some()).count();
        assert_eq!(
            listed, parented,
            "every parented node is listed exactly once"
        );
    }

    #[test]
    fn follows_the_reference_notifications() {
        let mut m = Mirror::new();
        let load = |name: &str| {
            let path = format!("{}/{name}", scserver_testdata::OSC);
            let Ok(OscPacket::Message(msg)) = decode(&std::fs::read(path).unwrap()) else {
                panic!()
            };
            match parse(&msg).unwrap() {
                Reply::Node(n) => n,
                other => panic!("{other:?}"),
            }
        };
        m.apply(&n(NodeEvent::Go, 1, 0, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 1000, 1, -1, -1, true));
        assert_eq!(m.apply(&load("n_go_group.bin")), None);
        assert_eq!(m.apply(&load("n_go_synth.bin")), None);
        assert_eq!(kids(&m, 1001), [1002]);
        assert_eq!(m.parent(1001), Some(1000));
        assert!(m.is_active(1002));
        m.apply(&load("n_off.bin"));
        assert!(!m.is_active(1002));
        m.apply(&load("n_on.bin"));
        assert!(m.is_active(1002));
        assert_eq!(m.apply(&load("n_end.bin")), Some(1002));
        assert!(!m.contains(1002));
        assert!(kids(&m, 1001).is_empty());
        assert_consistent(&m);
    }

    #[test]
    fn places_nodes_by_their_neighbours() {
        let mut m = Mirror::new();
        m.apply(&n(NodeEvent::Go, 1, 0, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 10, 1, -1, -1, false));
        m.apply(&n(NodeEvent::Go, 11, 1, 10, -1, false)); // tail
        m.apply(&n(NodeEvent::Go, 12, 1, -1, 10, false)); // head
        m.apply(&n(NodeEvent::Go, 13, 1, 10, 11, false)); // between
        assert_eq!(kids(&m, 1), [12, 10, 13, 11]);
        m.apply(&n(NodeEvent::Move, 12, 1, 11, -1, false));
        assert_eq!(kids(&m, 1), [10, 13, 11, 12]);
        m.apply(&n(NodeEvent::Move, 10, 0, 1, -1, false));
        assert_eq!(kids(&m, 0), [1, 10]);
        assert_eq!(kids(&m, 1), [13, 11, 12]);
        assert_consistent(&m);
        assert_eq!(m.is_group(1), Some(true));
        assert_eq!(m.is_group(13), Some(false));
    }

    #[test]
    fn parentage_climbs_to_the_root() {
        let mut m = Mirror::new();
        m.apply(&n(NodeEvent::Go, 1, 0, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 1000, 1, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 1001, 1000, -1, -1, false));
        assert_eq!(m.parentage(1001), [1000, 1, 0]);
        assert_eq!(m.parentage(1), [0]);
        assert!(m.parentage(0).is_empty());
        assert!(m.parentage(77).is_empty());
    }

    #[test]
    fn ending_a_group_removes_its_subtree() {
        let mut m = Mirror::new();
        m.apply(&n(NodeEvent::Go, 1, 0, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 2, 1, -1, -1, true));
        m.apply(&n(NodeEvent::Go, 3, 2, -1, -1, false));
        assert_eq!(m.apply(&n(NodeEvent::End, 1, 0, -1, -1, true)), Some(1));
        assert_eq!(m.len(), 1);
        // The children's own /n_end follow; they are unknown by now but still free their ids.
        assert_eq!(m.apply(&n(NodeEvent::End, 3, 2, -1, -1, false)), Some(3));
        assert_consistent(&m);
        m.clear();
        assert_eq!(m.len(), 1);
        assert!(m.contains(ROOT_NODE));
    }

    #[test]
    fn unknown_parents_are_created_and_cycles_refused() {
        let mut m = Mirror::new();
        // /n_go of 5 and 6 lost: 7 arrives inside 6.
        m.apply(&n(NodeEvent::Go, 7, 6, -1, -1, false));
        assert!(m.contains(6));
        assert_eq!(m.is_group(6), Some(true));
        assert_eq!(m.parent(6), None);
        assert_eq!(kids(&m, 6), [7]);
        // 6's own /n_go arriving late keeps the child learned before it.
        m.apply(&n(NodeEvent::Go, 6, 0, -1, -1, true));
        assert_eq!(kids(&m, 6), [7]);
        assert_eq!(m.parent(6), Some(0));
        // Later news places 6 under 5 and 5 under 6's old spot: never a cycle.
        m.apply(&n(NodeEvent::Move, 6, 5, -1, -1, true));
        m.apply(&n(NodeEvent::Move, 5, 6, -1, -1, true));
        assert_eq!(m.parent(5), Some(6));
        assert_eq!(m.parent(6), None, "stale link cut");
        m.apply(&n(NodeEvent::Move, 5, 5, -1, -1, true));
        assert_consistent(&m);
        // A node id reused as a synth drops its stale children.
        m.apply(&n(NodeEvent::Go, 6, 0, -1, -1, false));
        assert!(!m.contains(5) && !m.contains(7));
        assert_consistent(&m);
    }

    #[test]
    fn tracks_buffers_from_done() {
        let mut m = Mirror::new();
        let done = |c: &str, i: i32| Done {
            command: c.into(),
            args: vec![rosc::OscType::Int(i)],
        };
        assert!(m.apply_done(&done("/b_alloc", 3)));
        assert!(m.apply_done(&done("/b_allocRead", 4)));
        assert!(!m.apply_done(&done("/b_gen", 4)));
        assert_eq!(m.buffers().collect::<Vec<_>>(), [3, 4]);
        m.apply_done(&done("/b_free", 3));
        assert!(!m.has_buffer(3) && m.has_buffer(4));
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// A straightforward model of scsynth's tree that emits the notifications scsynth would.
    #[derive(Default)]
    struct Server {
        children: HashMap<i32, Vec<i32>>,
        parent: HashMap<i32, i32>,
        active: HashMap<i32, bool>,
        next_id: i32,
    }

    impl Server {
        fn new() -> Self {
            let mut s = Server {
                next_id: 1000,
                ..Default::default()
            };
            s.children.insert(0, vec![]);
            s
        }

        fn info(&self, event: NodeEvent, id: i32) -> NodeNotification {
            let parent = self.parent[&id];
            let siblings = &self.children[&parent];
            let at = siblings.iter().position(|s| *s == id).unwrap();
            n(
                event,
                id,
                parent,
                if at > 0 { siblings[at - 1] } else { -1 },
                siblings.get(at + 1).copied().unwrap_or(-1),
                self.children.contains_key(&id),
            )
        }

        fn groups(&self) -> Vec<i32> {
            let mut g: Vec<i32> = self.children.keys().copied().collect();
            g.sort();
            g
        }

        fn nodes(&self) -> Vec<i32> {
            let mut n: Vec<i32> = self.parent.keys().copied().collect();
            n.sort();
            n
        }

        fn is_below(&self, node: i32, ancestor: i32) -> bool {
            let mut c = node;
            while let Some(p) = self.parent.get(&c) {
                if *p == ancestor {
                    return true;
                }
                c = *p;
            }
            false
        }

        fn step(&mut self, rng: &mut Rng, out: &mut Vec<NodeNotification>) {
            let nodes = self.nodes();
            match rng.below(10) {
                0..=4 => {
                    let groups = self.groups();
                    let parent = groups[rng.below(groups.len())];
                    let id = self.next_id;
                    self.next_id += 1;
                    let siblings = self.children.get_mut(&parent).unwrap();
                    let at = rng.below(siblings.len() + 1);
                    siblings.insert(at, id);
                    self.parent.insert(id, parent);
                    self.active.insert(id, true);
                    if rng.below(3) == 0 {
                        self.children.insert(id, vec![]);
                    }
                    out.push(self.info(NodeEvent::Go, id));
                }
                5 | 6 if !nodes.is_empty() => {
                    let id = nodes[rng.below(nodes.len())];
                    let groups: Vec<i32> = self
                        .groups()
                        .into_iter()
                        .filter(|g| *g != id && !self.is_below(*g, id))
                        .collect();
                    let parent = groups[rng.below(groups.len())];
                    let old = self.parent[&id];
                    self.children.get_mut(&old).unwrap().retain(|c| *c != id);
                    let siblings = self.children.get_mut(&parent).unwrap();
                    let at = rng.below(siblings.len() + 1);
                    siblings.insert(at, id);
                    self.parent.insert(id, parent);
                    out.push(self.info(NodeEvent::Move, id));
                }
                7 if !nodes.is_empty() => {
                    let id = nodes[rng.below(nodes.len())];
                    let on = !self.active[&id];
                    self.active.insert(id, on);
                    out.push(self.info(if on { NodeEvent::On } else { NodeEvent::Off }, id));
                }
                _ if !nodes.is_empty() => {
                    let id = nodes[rng.below(nodes.len())];
                    // The node's /n_end first, then its descendants', as scsynth frees them.
                    let mut order = vec![id];
                    let mut i = 0;
                    while i < order.len() {
                        order.extend(self.children.get(&order[i]).cloned().unwrap_or_default());
                        i += 1;
                    }
                    for &node in &order {
                        out.push(self.info(NodeEvent::End, node));
                    }
                    let old = self.parent[&id];
                    self.children.get_mut(&old).unwrap().retain(|c| *c != id);
                    for node in order {
                        self.parent.remove(&node);
                        self.children.remove(&node);
                        self.active.remove(&node);
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn ten_thousand_notifications_mirror_the_server_exactly() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut server = Server::new();
        let mut mirror = Mirror::new();
        let mut notifications = Vec::new();
        let mut ended = Vec::new();
        let mut expected_ended = Vec::new();
        while notifications.len() < 10_000 {
            let start = notifications.len();
            server.step(&mut rng, &mut notifications);
            for n in &notifications[start..] {
                if n.event == NodeEvent::End {
                    expected_ended.push(n.info.node_id.get());
                }
                ended.extend(mirror.apply(n));
            }
        }
        assert_eq!(ended, expected_ended);
        assert_eq!(mirror.len(), server.parent.len() + 1);
        for (&id, &parent) in &server.parent {
            assert_eq!(mirror.parent(id), Some(parent), "parent of {id}");
            assert_eq!(mirror.is_active(id), server.active[&id], "active {id}");
        }
        for (&group, children) in &server.children {
            assert_eq!(&kids(&mirror, group), children, "children of {group}");
        }
        assert_consistent(&mirror);
    }

    #[test]
    fn lost_duplicated_and_reordered_notifications_never_break_it() {
        for seed in 1..=20u64 {
            let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
            let mut server = Server::new();
            let mut notifications = Vec::new();
            while notifications.len() < 10_000 {
                server.step(&mut rng, &mut notifications);
            }
            let mut mirror = Mirror::new();
            let mut i = 0;
            while i < notifications.len() {
                match rng.below(10) {
                    0 => {} // lost
                    1 if i + 1 < notifications.len() => {
                        mirror.apply(&notifications[i + 1]);
                        mirror.apply(&notifications[i]);
                        i += 1;
                    }
                    2 => {
                        mirror.apply(&notifications[i]);
                        mirror.apply(&notifications[i]);
                    }
                    _ => {
                        mirror.apply(&notifications[i]);
                    }
                }
                i += 1;
            }
            assert_consistent(&mirror);
            // Resynchronising from a fresh notification stream still works afterwards.
            mirror.clear();
            assert_eq!(mirror.len(), 1);
        }
    }
}
