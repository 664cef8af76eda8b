//! What the server tells every client unasked: node notifications kept in a node mirror (ids
//! returned to the allocator on `/n_end`), buffer `/done`s, and `/fail`s nobody awaited, fanned
//! out to subscribers.
//!
//! The mirror is written from router callbacks, on the router's thread, as each message is routed:
//! no mailbox hop between a notification and the mirror, so a burst of thousands lands in order
//! and is visible as soon as the router has seen it.

use std::sync::{Arc, RwLock};

use actix::prelude::*;
use scserver_core::command::Command;
use scserver_core::mirror::Mirror;
use scserver_core::reply::{self, Reply};
use scserver_core::tree::QueryTreeGroup;
use scserver_core::Pattern;

use super::ServerActor;
use crate::allocator::{AllocatorActor, Free, IdKind};
use crate::listeners::{Callback, Listeners};
use crate::router::{
    AddCallback, RemoveCallback, RouterActor, SetFailureSink, Sink, UnclaimedFailure,
};

/// The node mirror shared read-only with handles; only the router's callbacks write it.
pub type SharedMirror = Arc<RwLock<Mirror>>;

/// Callback ids of the internal subscriptions (public callbacks count up from 1).
const MIRROR_CALLBACK: u64 = u64::MAX - 100;

/// Where a `/fail` nobody awaited goes.
pub type FailureSink = Sink<UnclaimedFailure>;

/// Fans unclaimed failures out to every subscriber (the router keeps only one sink).
#[derive(Default)]
struct FailureHub {
    listeners: Listeners<UnclaimedFailure>,
}

impl Actor for FailureHub {
    type Context = Context<Self>;
}

impl Handler<UnclaimedFailure> for FailureHub {
    type Result = ();

    fn handle(&mut self, msg: UnclaimedFailure, _: &mut Self::Context) {
        self.listeners.publish(&msg);
    }
}

/// Subscribe to `/fail`s that no request awaited (supriya's `FailWarning`), until an
/// [`Unsubscribe`](super::events::Unsubscribe) of `id` with the failures topic.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SubscribeFailures {
    /// Identifies the subscription.
    pub id: u64,
    /// Who hears.
    pub sink: FailureSink,
}

impl Handler<SubscribeFailures> for FailureHub {
    type Result = ();

    fn handle(&mut self, msg: SubscribeFailures, _: &mut Self::Context) {
        match msg.sink {
            FailureSink::Recipient(r) => self.listeners.subscribe(msg.id, r),
            FailureSink::Fn(f) => self.listeners.add(Callback::every(msg.id, f)),
        }
    }
}

/// Remove a failure subscriber by id.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct RemoveFailureListener(u64);

impl Handler<RemoveFailureListener> for FailureHub {
    type Result = ();

    fn handle(&mut self, msg: RemoveFailureListener, _: &mut Self::Context) {
        self.listeners.remove(msg.0);
    }
}

/// The server actor's part: the mirror and the hub.
#[derive(Default)]
pub struct Notifications {
    mirror: SharedMirror,
    hub: Option<Addr<FailureHub>>,
}

impl Notifications {
    /// The shared mirror.
    pub fn mirror(&self) -> SharedMirror {
        self.mirror.clone()
    }

    /// Registers the router callbacks and the failure hub; called when the actor starts, and
    /// again when its router or allocator actor had to be started anew.
    pub(crate) fn start(&mut self, router: &Addr<RouterActor>, allocator: &Addr<AllocatorActor>) {
        for (i, address) in ["/n_go", "/n_end", "/n_off", "/n_on", "/n_move", "/done"]
            .into_iter()
            .enumerate()
        {
            let mirror = self.mirror.clone();
            let allocator = allocator.clone();
            router.do_send(RemoveCallback(MIRROR_CALLBACK + i as u64));
            router.do_send(AddCallback {
                id: MIRROR_CALLBACK + i as u64,
                pattern: Pattern::new(address),
                failure_pattern: None,
                once: false,
                sink: Sink::Fn(Box::new(move |m| apply(&mirror, &allocator, m))),
            });
        }
        // A router started again keeps the subscribers of the hub it replaces.
        let hub = match &self.hub {
            Some(hub) if hub.connected() => hub.clone(),
            _ => FailureHub::default().start(),
        };
        router.do_send(SetFailureSink(hub.clone().recipient()));
        self.hub = Some(hub);
    }

    /// Ends the failure subscription `id`.
    pub(crate) fn unsubscribe(&self, id: u64) {
        if let Some(hub) = &self.hub {
            hub.do_send(RemoveFailureListener(id));
        }
    }

    /// Forgets the tree (a new connection: the server's tree is not ours to assume).
    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.mirror.write() {
            m.clear();
        }
    }
}

fn apply(mirror: &SharedMirror, allocator: &Addr<AllocatorActor>, message: &rosc::OscMessage) {
    let Ok(reply) = reply::parse(message) else {
        tracing::debug!(address = %message.addr, "malformed notification");
        return;
    };
    let Ok(mut m) = mirror.write() else { return };
    match reply {
        Reply::Node(n) => {
            if let Some(ended) = m.apply(&n) {
                // Other clients' ids are ignored by the allocator.
                allocator.do_send(Free {
                    kind: IdKind::Node,
                    id: ended,
                });
            }
        }
        Reply::Done(done) => {
            m.apply_done(&done);
        }
        _ => {}
    }
}

impl Handler<SubscribeFailures> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: SubscribeFailures, _: &mut Self::Context) {
        if let Some(hub) = &self.notifications.hub {
            hub.do_send(msg);
        }
    }
}

impl ServerActor {
    /// The node mirror, shared read-only.
    pub fn mirror(&self) -> SharedMirror {
        self.notifications.mirror()
    }
}

/// scsynth queues node notifications in a fixed-size FIFO (1,024 entries) drained by its
/// non-realtime thread; a burst larger than that in one control period loses the rest, silently.
/// Reconciling replaces a subtree of the mirror with a `/g_queryTree` of it.
pub fn reconcile(mirror: &mut Mirror, tree: &QueryTreeGroup) -> Vec<i32> {
    use scserver_core::ids::NodeId;
    use scserver_core::reply::{NodeEvent, NodeInfo, NodeNotification};
    use scserver_core::tree::QueryTreeNode;
    use std::collections::HashSet;

    let present: HashSet<i32> = tree.walk().map(|(_, n)| n.node_id().get()).collect();
    // Nodes the mirror holds under the group that the server no longer has.
    let mut stale = Vec::new();
    let mut stack = vec![tree.node_id.get()];
    while let Some(group) = stack.pop() {
        for child in mirror.children(group).collect::<Vec<_>>() {
            if present.contains(&child) {
                stack.push(child);
            } else {
                stale.push(child);
            }
        }
    }
    let mut ended = Vec::new();
    for id in stale {
        let end = NodeNotification {
            event: NodeEvent::End,
            info: NodeInfo {
                node_id: NodeId::new(id),
                parent: None,
                previous: None,
                next: None,
                is_group: false,
                head: None,
                tail: None,
            },
        };
        ended.extend(mirror.apply(&end));
    }
    // Parents before children, siblings in order: every hint the mirror checks is already true.
    let mut groups = vec![tree];
    while let Some(group) = groups.pop() {
        let ids: Vec<NodeId> = group.children.iter().map(|n| n.node_id()).collect();
        for (i, node) in group.children.iter().enumerate() {
            let (is_group, head, tail) = match node {
                QueryTreeNode::Group(g) => {
                    groups.push(g);
                    (
                        true,
                        g.children.first().map(|n| n.node_id()),
                        g.children.last().map(|n| n.node_id()),
                    )
                }
                QueryTreeNode::Synth(_) => (false, None, None),
            };
            let id = ids[i];
            let event = if mirror.contains(id.get()) {
                NodeEvent::Move
            } else {
                NodeEvent::Go
            };
            mirror.apply(&NodeNotification {
                event,
                info: NodeInfo {
                    node_id: id,
                    parent: Some(group.node_id),
                    previous: i.checked_sub(1).map(|p| ids[p]),
                    next: ids.get(i + 1).copied(),
                    is_group,
                    head,
                    tail,
                },
            });
        }
    }
    ended
}

/// Query the tree under `group` and make the mirror agree with it (see [`reconcile`]).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), crate::error::ServerError>")]
pub struct RefreshMirror {
    /// The group whose subtree to refresh (0: everything).
    pub group: i32,
}

impl Handler<RefreshMirror> for ServerActor {
    type Result = ResponseFuture<Result<(), crate::error::ServerError>>;

    fn handle(&mut self, msg: RefreshMirror, _: &mut Self::Context) -> Self::Result {
        let link = self.connected().map(|()| self.link());
        let mirror = self.notifications.mirror();
        let allocator = self.allocator.clone();
        Box::pin(async move {
            let link =
                link?.ok_or(crate::error::RequestError::NotConnected { status: "offline" })?;
            // /synced leaves scsynth after the notifications of everything sent before it, so
            // the tree that follows is newer than any notification still on its way.
            link.sync().await?;
            let reply = link
                .execute(Command::GQueryTree {
                    groups: vec![(msg.group, false)],
                })
                .await?;
            let tree = scserver_core::tree::parse_query_tree(&reply).map_err(|e| {
                crate::error::RequestError::BadReply {
                    command: "/g_queryTree".into(),
                    message: e.to_string(),
                }
            })?;
            let ended = match mirror.write() {
                Ok(mut m) => reconcile(&mut m, &tree),
                Err(_) => Vec::new(),
            };
            for id in ended {
                allocator.do_send(Free {
                    kind: IdKind::Node,
                    id,
                });
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scserver_core::ids::{GroupId, NodeId};
    use scserver_core::reply::{NodeEvent, NodeInfo, NodeNotification};
    use scserver_core::tree::QueryTreeNode;

    fn go(id: i32, parent: i32, previous: Option<i32>) -> NodeNotification {
        NodeNotification {
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
        }
    }

    fn group(id: i32, children: Vec<QueryTreeNode>) -> QueryTreeGroup {
        QueryTreeGroup {
            node_id: GroupId::new(id),
            children,
        }
    }

    #[test]
    fn reconcile_adds_what_notifications_missed_and_ends_what_is_gone() {
        let mut m = Mirror::new();
        m.apply(&go(1, 0, None));
        m.apply(&go(10, 1, None));
        m.apply(&go(99, 1, Some(10))); // gone on the server
        for i in 0..3 {
            m.apply(&go(100 + i, 10, (i > 0).then(|| 99 + i)));
        }
        let kids = (100..110)
            .map(|i| QueryTreeNode::Group(group(i, vec![])))
            .collect();
        let tree = group(
            0,
            vec![QueryTreeNode::Group(group(
                1,
                vec![QueryTreeNode::Group(group(10, kids))],
            ))],
        );
        let ended = reconcile(&mut m, &tree);
        assert_eq!(ended, vec![99]);
        assert_eq!(
            m.children(10).collect::<Vec<_>>(),
            (100..110).collect::<Vec<_>>()
        );
        assert_eq!(m.children(1).collect::<Vec<_>>(), vec![10]);
    }
}

/// [`RefreshMirror`] once a timed bundle has run: at `at` (Unix seconds), plus a margin.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RefreshMirrorAt {
    /// The group whose subtree to refresh (0: everything).
    pub group: i32,
    /// When the bundle runs, as Unix seconds.
    pub at: f64,
}

impl Handler<RefreshMirrorAt> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: RefreshMirrorAt, ctx: &mut Self::Context) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        // The bundle's notifications have left scsynth a few audio periods after it ran.
        let delay = std::time::Duration::from_secs_f64((msg.at - now).max(0.0) + 0.05);
        let group = msg.group;
        ctx.run_later(delay, move |_, ctx| {
            ctx.address().do_send(RefreshMirror { group });
        });
    }
}
