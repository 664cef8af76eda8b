//! Groups a client marks permanent: a reset, which frees every node, puts them back with their
//! ids, under the same parents and in the same order, so handles on them stay good.

use crate::command::{AddAction, Command};
use crate::mirror::{Mirror, ROOT_NODE};

/// The permanent groups of one client, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermanentGroups {
    ids: Vec<i32>,
}

impl PermanentGroups {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a group permanent.
    pub fn mark(&mut self, group_id: i32) {
        if !self.ids.contains(&group_id) {
            self.ids.push(group_id);
        }
    }

    /// Whether a group is marked permanent.
    pub fn contains(&self, group_id: i32) -> bool {
        self.ids.contains(&group_id)
    }

    /// The marked ids.
    pub fn ids(&self) -> &[i32] {
        &self.ids
    }

    /// Forgets every mark (the server is gone).
    pub fn clear(&mut self) {
        self.ids.clear();
    }

    /// The `/g_new` that puts the permanent groups back after a reset, from the tree the mirror
    /// shows before it: each at the tail of its nearest ancestor that survives the reset (the
    /// root, one of `kept` — the default groups the reset makes again — or another permanent
    /// group), visited in tree order so parents come first and siblings keep their order. A
    /// permanent group the mirror no longer has was freed: its mark is dropped. `None` when
    /// nothing is to be made.
    pub fn recreate(&mut self, mirror: &Mirror, kept: &[i32]) -> Option<Command> {
        let mut groups = Vec::new();
        // (node, nearest surviving ancestor)
        let mut pending = vec![(ROOT_NODE, ROOT_NODE)];
        while let Some((node, survivor)) = pending.pop() {
            let survives = node == ROOT_NODE || kept.contains(&node);
            let permanent = self.contains(node) && mirror.is_group(node) == Some(true);
            if permanent && !survives {
                groups.push((node, AddAction::AddToTail, survivor));
            }
            let below = if survives || permanent {
                node
            } else {
                survivor
            };
            let children: Vec<i32> = mirror.children(node).collect();
            pending.extend(children.into_iter().rev().map(|c| (c, below)));
        }
        self.ids.retain(|id| groups.iter().any(|(g, _, _)| g == id));
        (!groups.is_empty()).then_some(Command::GNew { groups })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, NodeId};
    use crate::reply::{NodeEvent, NodeInfo, NodeNotification};

    fn go(mirror: &mut Mirror, id: i32, parent: i32, previous: Option<i32>) {
        mirror.apply(&NodeNotification {
            event: NodeEvent::Go,
            info: NodeInfo {
                node_id: NodeId::new(id),
                parent: Some(GroupId::new(parent)),
                previous: previous.map(NodeId::new),
                next: None,
                is_group: true,
                head: None,
                tail: None,
            },
        });
    }

    #[test]
    fn permanent_groups_come_back_under_their_surviving_ancestors_in_order() {
        let mut mirror = Mirror::new();
        go(&mut mirror, 1, 0, None);
        go(&mut mirror, 1000, 1, None); // temporary
        go(&mut mirror, 3, 1000, None); // permanent inside a temporary group
        go(&mut mirror, 2, 1, Some(1000)); // permanent, after the temporary one
        go(&mut mirror, 4, 2, None); // permanent inside a permanent one
        go(&mut mirror, 5, 0, Some(1)); // permanent at the root
        let mut permanent = PermanentGroups::new();
        for id in [5, 4, 2, 3, 9] {
            permanent.mark(id);
        }
        let command = permanent.recreate(&mirror, &[1]).unwrap();
        assert_eq!(
            command,
            Command::GNew {
                groups: vec![
                    (3, AddAction::AddToTail, 1),
                    (2, AddAction::AddToTail, 1),
                    (4, AddAction::AddToTail, 2),
                    (5, AddAction::AddToTail, 0),
                ]
            }
        );
        assert_eq!(permanent.ids(), &[5, 4, 2, 3], "9 was freed");
        permanent.clear();
        assert_eq!(permanent.recreate(&mirror, &[1]), None);
    }
}
