//! Typed ids: a node, group, synth, buffer or bus number that says what it numbers, so a buffer
//! number cannot be passed where a node is meant.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(i32);

        impl $name {
            /// The id with scsynth's number `id`.
            pub const fn new(id: i32) -> Self {
                $name(id)
            }

            /// scsynth's number.
            pub const fn get(self) -> i32 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                *id
            }
        }
    };
}

id_type!(
    /// Any node: a group or a synth.
    NodeId
);
id_type!(
    /// A group's node id.
    GroupId
);
id_type!(
    /// A synth's node id.
    SynthId
);
id_type!(
    /// A buffer number.
    BufferId
);

impl GroupId {
    /// The root node, group 0.
    pub const ROOT: GroupId = GroupId(0);
}

impl From<GroupId> for NodeId {
    fn from(id: GroupId) -> Self {
        NodeId(id.0)
    }
}

impl From<SynthId> for NodeId {
    fn from(id: SynthId) -> Self {
        NodeId(id.0)
    }
}

impl From<&GroupId> for NodeId {
    fn from(id: &GroupId) -> Self {
        NodeId(id.0)
    }
}

impl From<&SynthId> for NodeId {
    fn from(id: &SynthId) -> Self {
        NodeId(id.0)
    }
}

/// A bus's calculation rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rate {
    /// Audio-rate bus (`a` in mappings).
    Audio,
    /// Control-rate bus (`c` in mappings).
    Control,
}

/// A bus by rate and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BusId {
    /// Its rate.
    pub rate: Rate,
    /// Its index among the buses of that rate.
    pub index: i32,
}

impl BusId {
    /// The bus of `rate` at `index`.
    pub const fn new(rate: Rate, index: i32) -> Self {
        BusId { rate, index }
    }

    /// The control value that maps a control to this bus in `/s_new` and `/n_set` (`c3`, `a16`).
    pub fn mapping(self) -> crate::command::Value {
        match self.rate {
            Rate::Audio => crate::command::Value::audio_bus(self.index),
            Rate::Control => crate::command::Value::control_bus(self.index),
        }
    }
}

impl std::fmt::Display for BusId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.rate {
            Rate::Audio => 'a',
            Rate::Control => 'c',
        };
        write!(f, "{prefix}{}", self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_convert_only_upwards_and_print_their_number() {
        let group = GroupId::new(5);
        let node: NodeId = group.into();
        assert_eq!(node.get(), 5);
        assert_eq!(NodeId::from(SynthId::new(1000)), NodeId::new(1000));
        assert_eq!(GroupId::ROOT.get(), 0);
        assert_eq!(group.to_string(), "5");
        assert_eq!(BusId::new(Rate::Control, 3).to_string(), "c3");
        assert_eq!(
            BusId::new(Rate::Audio, 16).mapping(),
            crate::command::Value::Bus("a16".into())
        );
    }
}
