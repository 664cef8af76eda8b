//! Where a node goes: an add action with its target, as one value.

use crate::command::AddAction;
use crate::ids::{GroupId, NodeId};

/// Where a new or moved node goes. [`Position::default`] is the head of the client's default
/// group, resolved when the command is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Position {
    action: AddAction,
    /// `None`: the client's default group.
    target: Option<NodeId>,
}

impl Position {
    /// First child of `group`.
    pub fn head(group: impl Into<GroupId>) -> Self {
        Self::of(AddAction::AddToHead, group.into().into())
    }

    /// Last child of `group`.
    pub fn tail(group: impl Into<GroupId>) -> Self {
        Self::of(AddAction::AddToTail, group.into().into())
    }

    /// Just before `node`, in its group.
    pub fn before(node: impl Into<NodeId>) -> Self {
        Self::of(AddAction::AddBefore, node.into())
    }

    /// Just after `node`, in its group.
    pub fn after(node: impl Into<NodeId>) -> Self {
        Self::of(AddAction::AddAfter, node.into())
    }

    /// In place of `node`, which is freed.
    pub fn replace(node: impl Into<NodeId>) -> Self {
        Self::of(AddAction::Replace, node.into())
    }

    fn of(action: AddAction, target: NodeId) -> Self {
        Position {
            action,
            target: Some(target),
        }
    }

    /// The add action.
    pub fn action(&self) -> AddAction {
        self.action
    }

    /// The target node, `None` for the client's default group.
    pub fn target(&self) -> Option<NodeId> {
        self.target
    }

    /// The add action and target number, with `default_group` standing in for no target.
    pub fn resolve(&self, default_group: GroupId) -> (AddAction, i32) {
        let target = self.target.unwrap_or_else(|| default_group.into());
        (self.action, target.get())
    }
}

impl From<GroupId> for Position {
    fn from(group: GroupId) -> Self {
        Position::head(group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SynthId;

    #[test]
    fn a_position_resolves_to_scsynths_add_action_and_target() {
        assert_eq!(
            Position::default().resolve(GroupId::new(2)),
            (AddAction::AddToHead, 2)
        );
        assert_eq!(
            Position::tail(GroupId::new(7)).resolve(GroupId::new(2)),
            (AddAction::AddToTail, 7)
        );
        assert_eq!(
            Position::before(SynthId::new(1000)).resolve(GroupId::new(2)),
            (AddAction::AddBefore, 1000)
        );
        assert_eq!(
            Position::replace(GroupId::new(9)).resolve(GroupId::ROOT),
            (AddAction::Replace, 9)
        );
        assert_eq!(
            Position::from(GroupId::new(4)),
            Position::head(GroupId::new(4))
        );
    }
}
