//! Groups.

use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command};

use super::node::node_methods;
use super::Face;
use crate::{AsyncServer, Server};

/// A group on a server (see [`AsyncServer::add_group`]).
#[derive(Clone)]
pub struct Group<S = AsyncServer> {
    server: S,
    id: i32,
}

impl<S: Face> std::fmt::Debug for Group<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Group({})", self.id)
    }
}

impl<S: Face> Group<S> {
    /// A handle on an existing group (e.g. the default group), without creating it.
    pub fn existing(server: &S, id: i32) -> Self {
        Group {
            server: server.clone(),
            id,
        }
    }

    /// Its children in order, from the node mirror (no round trip).
    pub fn children(&self) -> Vec<i32> {
        self.server.async_server().node_children(self.id)
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> Group<T> {
        Group::existing(server, self.id)
    }

    fn to_async(&self) -> Group<AsyncServer> {
        self.on(self.server.async_server())
    }
}

node_methods!(Group);

impl Group<AsyncServer> {
    /// `/g_freeAll`: frees every child.
    pub async fn free_children(&self, sync: bool) -> Result<(), ServerError> {
        let command = Command::GFreeAll {
            group_ids: vec![self.id],
        };
        self.server.execute(command, sync).await.map(drop)
    }
}

crate::blocking::forward! { Group<Server> => to_async;
    /// `/g_freeAll`: frees every child.
    fn free_children(sync: bool) -> Result<(), ServerError>;
}

impl AsyncServer {
    /// `/g_new` (or `/p_new` when `parallel`): a new group placed by `add_action` relative to
    /// `target` (the default group when `None`). With `sync`, waits until the server has it.
    pub async fn add_group(
        &self,
        target: Option<i32>,
        add_action: AddAction,
        parallel: bool,
        sync: bool,
    ) -> Result<Group, ServerError> {
        let id = self.allocate(crate::IdKind::Node, 1).await?;
        let groups = vec![(id, add_action, self.default_target(target))];
        let command = if parallel {
            Command::PNew { groups }
        } else {
            Command::GNew { groups }
        };
        if let Err(e) = self.execute(command, sync).await {
            self.free(crate::IdKind::Node, id);
            return Err(e);
        }
        Ok(Group::existing(self, id))
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/g_new` / `/p_new`: a new group (see [`AsyncServer::add_group`]).
    fn add_group(target: Option<i32>, add_action: AddAction, parallel: bool, sync: bool)
        -> Result<Group<Server>, ServerError> => on;
}
