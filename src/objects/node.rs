//! What groups and synths share — free, set, map, move, pause, query, and mirror reads —
//! written once as a macro applied to both handles.

use scserver_actors::server::notifications::RefreshMirror;
use scserver_actors::ServerError;

use crate::{AsyncServer, Server};

impl AsyncServer {
    /// The target a new node goes to when none is given: this client's default group.
    pub(crate) fn default_target(&self, target: Option<i32>) -> i32 {
        target.or_else(|| self.default_group()).unwrap_or(0)
    }

    /// Whether the node mirror knows this node (no round trip).
    pub fn contains_node(&self, node_id: i32) -> bool {
        self.session()
            .mirror
            .read()
            .is_ok_and(|m| m.contains(node_id))
    }

    /// The node's group, as the mirror knows it (no round trip).
    pub fn node_parent(&self, node_id: i32) -> Option<i32> {
        self.session().mirror.read().ok()?.parent(node_id)
    }

    /// A group's children in order, as the mirror knows them (no round trip).
    pub fn node_children(&self, group_id: i32) -> Vec<i32> {
        self.session()
            .mirror
            .read()
            .map(|m| m.children(group_id).collect())
            .unwrap_or_default()
    }

    /// Whether the node exists and runs (not paused), as the mirror knows it.
    pub fn node_is_active(&self, node_id: i32) -> bool {
        self.session()
            .mirror
            .read()
            .is_ok_and(|m| m.is_active(node_id))
    }
}

/// Node methods for a handle type with `server` and `id` fields and a `to_async()`.
macro_rules! node_methods {
    ($ty:ident) => {
        impl<S: $crate::objects::Face> $ty<S> {
            /// The node id.
            pub fn id(&self) -> i32 {
                self.id
            }

            /// Its group, from the node mirror (no round trip).
            pub fn parent(&self) -> Option<i32> {
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

        impl $ty<$crate::AsyncServer> {
            /// `/n_free`: frees it (its id returns to the allocator on `/n_end`).
            pub async fn free(&self, sync: bool) -> Result<(), $crate::ServerError> {
                let command = $crate::Command::NFree {
                    node_ids: vec![self.id],
                };
                self.server.execute(command, sync).await.map(drop)
            }

            /// `/n_set`: sets controls by name or index (to a value, or `Value::Bus("c3")`).
            pub async fn set(
                &self,
                controls: Vec<($crate::Control, $crate::Value)>,
                sync: bool,
            ) -> Result<(), $crate::ServerError> {
                let command = $crate::Command::NSet {
                    node_id: self.id,
                    controls,
                };
                self.server.execute(command, sync).await.map(drop)
            }

            /// `/n_map` (control buses) or `/n_mapa` (audio buses): maps controls to buses.
            pub async fn map(
                &self,
                maps: Vec<($crate::Control, $crate::objects::BusId)>,
                sync: bool,
            ) -> Result<(), $crate::ServerError> {
                let node_id = self.id;
                let (audio, control): (Vec<_>, Vec<_>) = maps
                    .into_iter()
                    .partition(|(_, bus)| bus.rate == $crate::objects::Rate::Audio);
                let pairs = |v: Vec<($crate::Control, $crate::objects::BusId)>| {
                    v.into_iter().map(|(c, b)| (c, b.id)).collect::<Vec<_>>()
                };
                if !control.is_empty() {
                    let command = $crate::Command::NMap {
                        node_id,
                        maps: pairs(control),
                    };
                    self.server.execute(command, sync).await?;
                }
                if !audio.is_empty() {
                    let command = $crate::Command::NMapa {
                        node_id,
                        maps: pairs(audio),
                    };
                    self.server.execute(command, sync).await?;
                }
                Ok(())
            }

            /// `/n_order`: moves it relative to `target` (head/tail of a group, before/after a node).
            pub async fn move_to(
                &self,
                add_action: $crate::AddAction,
                target: i32,
                sync: bool,
            ) -> Result<(), $crate::ServerError> {
                let command = $crate::Command::NOrder {
                    add_action,
                    target,
                    node_ids: vec![self.id],
                };
                self.server.execute(command, sync).await.map(drop)
            }

            /// `/n_run`: pauses or resumes it.
            pub async fn pause(&self, paused: bool, sync: bool) -> Result<(), $crate::ServerError> {
                let command = $crate::Command::NRun {
                    items: vec![(self.id, !paused)],
                };
                self.server.execute(command, sync).await.map(drop)
            }

            /// `/n_query`: where it is, asked of the server.
            pub async fn query(
                &self,
                sync: bool,
            ) -> Result<Option<$crate::NodeInfo>, $crate::ServerError> {
                self.server.query_node(self.id, sync).await
            }
        }

        $crate::blocking::forward! { $ty<$crate::Server> => to_async;
            /// `/n_free`: frees it.
            fn free(sync: bool) -> Result<(), $crate::ServerError>;
            /// `/n_set`: sets controls.
            fn set(controls: Vec<($crate::Control, $crate::Value)>, sync: bool)
                -> Result<(), $crate::ServerError>;
            /// `/n_map` / `/n_mapa`: maps controls to buses.
            fn map(maps: Vec<($crate::Control, $crate::objects::BusId)>, sync: bool)
                -> Result<(), $crate::ServerError>;
            /// `/n_order`: moves it.
            fn move_to(add_action: $crate::AddAction, target: i32, sync: bool)
                -> Result<(), $crate::ServerError>;
            /// `/n_run`: pauses or resumes it.
            fn pause(paused: bool, sync: bool) -> Result<(), $crate::ServerError>;
            /// `/n_query`: where it is.
            fn query(sync: bool) -> Result<Option<$crate::NodeInfo>, $crate::ServerError>;
        }
    };
}

pub(crate) use node_methods;

impl AsyncServer {
    /// Makes the node mirror agree with the server's tree under `group` (everything when
    /// `None`): a `/sync`, then a `/g_queryTree`. scsynth drops node notifications beyond about
    /// 1,024 per control period, so after a larger burst the mirror needs this; closing a
    /// request context that big does it by itself (a timed one once its time has come).
    pub async fn refresh_mirror(&self, group: Option<i32>) -> Result<(), ServerError> {
        self.actor()
            .send(RefreshMirror {
                group: group.unwrap_or(0),
            })
            .await?
    }
}

crate::blocking::forward! { Server => as_async;
    /// Makes the node mirror agree with the server (see [`AsyncServer::refresh_mirror`]).
    fn refresh_mirror(group: Option<i32>) -> Result<(), ServerError>;
}
