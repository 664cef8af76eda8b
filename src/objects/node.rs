//! What groups and synths share — free, set, map, move, pause, query, and mirror reads —
//! written once as a macro applied to both handles.

use scserver_actors::server::notifications::RefreshMirror;
use scserver_actors::ServerError;
use scserver_core::ids::{GroupId, NodeId};

use crate::{AsyncServer, Server};

impl AsyncServer {
    /// This client's default group when connected, else the root node.
    pub(crate) fn default_target(&self) -> GroupId {
        self.default_group().unwrap_or(GroupId::ROOT)
    }

    /// Whether the node mirror knows this node (no round trip).
    pub fn contains_node(&self, node: impl Into<NodeId>) -> bool {
        let node = node.into().get();
        self.session().mirror.read().is_ok_and(|m| m.contains(node))
    }

    /// The node's group, as the mirror knows it (no round trip).
    pub fn node_parent(&self, node: impl Into<NodeId>) -> Option<GroupId> {
        let node = node.into().get();
        self.session()
            .mirror
            .read()
            .ok()?
            .parent(node)
            .map(GroupId::new)
    }

    /// A group's children in order, as the mirror knows them (no round trip).
    pub fn node_children(&self, group: impl Into<GroupId>) -> Vec<NodeId> {
        let group = group.into().get();
        self.session()
            .mirror
            .read()
            .map(|m| m.children(group).map(NodeId::new).collect())
            .unwrap_or_default()
    }

    /// Whether the node exists and runs (not paused), as the mirror knows it.
    pub fn node_is_active(&self, node: impl Into<NodeId>) -> bool {
        let node = node.into().get();
        self.session()
            .mirror
            .read()
            .is_ok_and(|m| m.is_active(node))
    }
}

/// Node methods for a handle type with `server` and `id` fields, a `to_async()` and a
/// `known_synthdef()` (the SynthDef whose controls `set` checks).
macro_rules! node_methods {
    ($ty:ident, $id:ty) => {
        impl<S: $crate::objects::Face> $ty<S> {
            /// The node id.
            pub fn id(&self) -> $id {
                self.id
            }

            /// Its group, from the node mirror (no round trip).
            pub fn parent(&self) -> Option<$crate::GroupId> {
                self.server.async_server().node_parent(self.id)
            }

            /// Whether it exists and is not paused, from the node mirror.
            pub fn is_active(&self) -> bool {
                self.server.async_server().node_is_active(self.id)
            }

            /// Whether it exists, from the node mirror.
            pub fn exists(&self) -> bool {
                self.server.async_server().contains_node(self.id)
            }
        }

        impl<S> From<&$ty<S>> for $crate::NodeId {
            fn from(node: &$ty<S>) -> Self {
                node.id.into()
            }
        }

        impl<S> From<$ty<S>> for $crate::NodeId {
            fn from(node: $ty<S>) -> Self {
                node.id.into()
            }
        }

        impl<S> From<&$ty<S>> for $id {
            fn from(node: &$ty<S>) -> Self {
                node.id
            }
        }

        impl<S> From<$ty<S>> for $id {
            fn from(node: $ty<S>) -> Self {
                node.id
            }
        }

        impl $ty<$crate::AsyncServer> {
            /// `/n_free`: frees it (its id returns to the allocator on `/n_end`).
            pub async fn free(&self) -> Result<(), $crate::ServerError> {
                let command = $crate::objects::n_free(self.id.into());
                self.server.execute(command).await.map(drop)
            }

            /// `/n_set`: sets controls by name or index (see [`crate::controls!`]); a bus
            /// mapping maps the control to the bus. A control a known SynthDef lacks is refused
            /// ([`crate::RequestError::UnknownControl`]).
            pub async fn set(&self, controls: $crate::Controls) -> Result<(), $crate::ServerError> {
                if let Some(synthdef) = self.known_synthdef() {
                    self.server.session().check(synthdef, &controls)?;
                }
                let command = $crate::objects::n_set(self.id.into(), &controls);
                self.server.execute(command).await.map(drop)
            }

            /// `/n_map` (control buses) or `/n_mapa` (audio buses): maps controls to buses.
            pub async fn map(
                &self,
                maps: Vec<($crate::Control, $crate::BusId)>,
            ) -> Result<(), $crate::ServerError> {
                let node_id = self.id.get();
                let (audio, control): (Vec<_>, Vec<_>) = maps
                    .into_iter()
                    .partition(|(_, bus)| bus.rate == $crate::Rate::Audio);
                let pairs = |v: Vec<($crate::Control, $crate::BusId)>| {
                    v.into_iter().map(|(c, b)| (c, b.index)).collect::<Vec<_>>()
                };
                if !control.is_empty() {
                    let command = $crate::Command::NMap {
                        node_id,
                        maps: pairs(control),
                    };
                    self.server.execute(command).await?;
                }
                if !audio.is_empty() {
                    let command = $crate::Command::NMapa {
                        node_id,
                        maps: pairs(audio),
                    };
                    self.server.execute(command).await?;
                }
                Ok(())
            }

            /// `/n_order`: moves it to `position` (head/tail of a group, before/after a node).
            pub async fn move_to(
                &self,
                position: $crate::Position,
            ) -> Result<(), $crate::ServerError> {
                let (add_action, target) = position.resolve(self.server.default_target());
                let command = $crate::Command::NOrder {
                    add_action,
                    target,
                    node_ids: vec![self.id.get()],
                };
                self.server.execute(command).await.map(drop)
            }

            /// `/n_run 0`: pauses it.
            pub async fn pause(&self) -> Result<(), $crate::ServerError> {
                self.run(false).await
            }

            /// `/n_run 1`: resumes it.
            pub async fn resume(&self) -> Result<(), $crate::ServerError> {
                self.run(true).await
            }

            async fn run(&self, running: bool) -> Result<(), $crate::ServerError> {
                let command = $crate::Command::NRun {
                    items: vec![(self.id.get(), running)],
                };
                self.server.execute(command).await.map(drop)
            }

            /// `/n_query`: where it is, asked of the server.
            pub async fn query(&self) -> Result<$crate::NodeInfo, $crate::ServerError> {
                self.server.query_node(self.id).await
            }
        }

        $crate::blocking::forward! { $ty<$crate::Server> => to_async;
            /// `/n_free`: frees it.
            fn free() -> Result<(), $crate::ServerError>;
            /// `/n_set`: sets controls.
            fn set(controls: $crate::Controls) -> Result<(), $crate::ServerError>;
            /// `/n_map` / `/n_mapa`: maps controls to buses.
            fn map(maps: Vec<($crate::Control, $crate::BusId)>)
                -> Result<(), $crate::ServerError>;
            /// `/n_order`: moves it.
            fn move_to(position: $crate::Position) -> Result<(), $crate::ServerError>;
            /// `/n_run 0`: pauses it.
            fn pause() -> Result<(), $crate::ServerError>;
            /// `/n_run 1`: resumes it.
            fn resume() -> Result<(), $crate::ServerError>;
            /// `/n_query`: where it is.
            fn query() -> Result<$crate::NodeInfo, $crate::ServerError>;
        }
    };
}

pub(crate) use node_methods;

impl AsyncServer {
    /// Makes the node mirror agree with the server's tree under `group` (everything when
    /// `None`): a `/sync`, then a `/g_queryTree`. scsynth drops node notifications beyond about
    /// 1,024 per control period, so after a larger burst the mirror needs this; closing a
    /// request context that big does it by itself (a timed one once its time has come).
    pub async fn refresh_mirror(&self, group: Option<GroupId>) -> Result<(), ServerError> {
        self.actor()
            .send(RefreshMirror {
                group: group.unwrap_or(GroupId::ROOT).get(),
            })
            .await?
    }
}

crate::blocking::forward! { Server => as_async;
    /// Makes the node mirror agree with the server (see [`AsyncServer::refresh_mirror`]).
    fn refresh_mirror(group: Option<GroupId>) -> Result<(), ServerError>;
}
