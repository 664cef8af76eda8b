//! Groups.

use scserver_actors::server::reset::MarkPermanent;
use scserver_actors::ServerError;
use scserver_core::command::Command;
use scserver_core::ids::{GroupId, NodeId};
use scserver_core::position::Position;

use super::node::node_methods;
use super::node_ops::{deep_free_command, node_ops};
use super::Face;
use crate::{AsyncServer, IdKind, Server};

/// A group on a server (see [`AsyncServer::add_group`]).
///
/// ```
/// use scserver::{NodeId, Position};
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// # let server = scserver::Server::new(scserver::Options { port, jack: scserver::JackMode::Shared, ..Default::default() });
/// # server.boot()?;
/// let group = server.add_group(Position::default())?;
/// let last = server.add_group(Position::tail(&group))?;
/// let first = server.add_group(Position::head(&group))?;
/// let (first_id, last_id) = (NodeId::from(first.id()), NodeId::from(last.id()));
/// assert_eq!(group.children(), [first_id, last_id]); // from the node mirror
/// last.move_to(Position::before(&first))?;
/// assert_eq!(group.children(), [last_id, first_id]);
/// group.free_children()?;
/// assert!(group.children().is_empty());
/// group.free()?;
/// # server.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Group<S = AsyncServer> {
    server: S,
    id: GroupId,
}

impl<S: Face> std::fmt::Debug for Group<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Group({})", self.id)
    }
}

impl<S: Face> Group<S> {
    /// A handle on an existing group (e.g. the default group), without creating it.
    pub fn existing(server: &S, id: GroupId) -> Self {
        Group {
            server: server.clone(),
            id,
        }
    }

    /// Its children in order, from the node mirror (no round trip).
    pub fn children(&self) -> Vec<NodeId> {
        self.server.async_server().node_children(self.id)
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> Group<T> {
        Group::existing(server, self.id)
    }

    fn to_async(&self) -> Group<AsyncServer> {
        self.on(self.server.async_server())
    }

    /// Groups have no SynthDef to check controls against.
    fn known_synthdef(&self) -> Option<&str> {
        None
    }
}

node_methods!(Group, GroupId);
node_ops!(Group);

impl<S> From<&Group<S>> for Position {
    fn from(group: &Group<S>) -> Self {
        Position::head(group.id)
    }
}

impl Group<AsyncServer> {
    /// `/g_freeAll`: frees every child.
    pub async fn free_children(&self) -> Result<(), ServerError> {
        let command = Command::GFreeAll {
            group_ids: vec![self.id.get()],
        };
        self.server.execute(command).await.map(drop)
    }

    /// `/g_deepFree`: frees every synth below it, keeping the groups.
    pub async fn deep_free(&self) -> Result<(), ServerError> {
        let command = deep_free_command(self.id);
        self.server.execute(command).await.map(drop)
    }
}

crate::blocking::forward! { Group<Server> => to_async;
    /// `/g_freeAll`: frees every child.
    fn free_children() -> Result<(), ServerError>;
    /// `/g_deepFree`: frees every synth below it, keeping the groups.
    fn deep_free() -> Result<(), ServerError>;
}

impl AsyncServer {
    /// `/g_new`: a new group at `position` (`Position::default()`: the head of the default
    /// group), once the server has it.
    pub async fn add_group(&self, position: Position) -> Result<Group, ServerError> {
        let (command, group) = self.g_new(position, false).await?;
        self.create(command, group.id.into()).await?;
        Ok(group)
    }

    /// `/p_new`: a new parallel group (supernova runs its children in parallel; scsynth makes
    /// an ordinary group), once the server has it.
    pub async fn add_parallel_group(&self, position: Position) -> Result<Group, ServerError> {
        let (command, group) = self.g_new(position, true).await?;
        self.create(command, group.id.into()).await?;
        Ok(group)
    }

    /// The command creating a group at `position`, with its handle (id allocated here).
    pub(crate) async fn g_new(
        &self,
        position: Position,
        parallel: bool,
    ) -> Result<(Command, Group), ServerError> {
        let id = self.allocate(IdKind::Node, 1).await?;
        let (add_action, target) = position.resolve(self.default_target());
        let groups = vec![(id, add_action, target)];
        let command = if parallel {
            Command::PNew { groups }
        } else {
            Command::GNew { groups }
        };
        Ok((command, Group::existing(self, GroupId::new(id))))
    }

    /// `/g_new` of a group with a permanent id that [`AsyncServer::reset`] makes again, with the
    /// same id, under the same parent (or its nearest ancestor the reset keeps), in the same
    /// order. Supriya's `add_group(permanent=True)`.
    pub async fn add_permanent_group(&self, position: Position) -> Result<Group, ServerError> {
        let id = self.allocate(IdKind::PermanentNode, 1).await?;
        let (add_action, target) = position.resolve(self.default_target());
        let command = Command::GNew {
            groups: vec![(id, add_action, target)],
        };
        let group = GroupId::new(id);
        self.create(command, group.into()).await?;
        self.actor().do_send(MarkPermanent(id));
        Ok(Group::existing(self, group))
    }

    /// Runs a command creating `node`; on failure its id goes back to the allocator.
    pub(crate) async fn create(&self, command: Command, node: NodeId) -> Result<(), ServerError> {
        if let Err(e) = self.execute(command).await {
            self.free(IdKind::Node, node.get());
            return Err(e);
        }
        Ok(())
    }

    /// The root node (group 0).
    pub fn root_node(&self) -> Group {
        Group::existing(self, GroupId::ROOT)
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/g_new`: a new group (see [`AsyncServer::add_group`]).
    fn add_group(position: Position) -> Result<Group<Server>, ServerError> => on;
    /// `/p_new`: a new parallel group (see [`AsyncServer::add_parallel_group`]).
    fn add_parallel_group(position: Position) -> Result<Group<Server>, ServerError> => on;
    /// A group that a reset keeps (see [`AsyncServer::add_permanent_group`]).
    fn add_permanent_group(position: Position) -> Result<Group<Server>, ServerError> => on;
}

impl Server {
    /// The root node (group 0).
    pub fn root_node(&self) -> Group<Server> {
        Group::existing(self, GroupId::ROOT)
    }
}
