//! The allocator actor: node, bus, buffer and sync ids of the one client id this connection got.

use actix::prelude::*;
use scserver_core::alloc::{AllocError, ClientAllocators};
use scserver_core::Options;

use crate::error::{RequestError, ServerError};

/// Owns the allocators of one client; empty until configured with a client id.
#[derive(Default)]
pub struct AllocatorActor {
    state: Option<ClientAllocators>,
}

impl Actor for AllocatorActor {
    type Context = Context<Self>;
}

/// Partition the id spaces for `client_id` (after `/notify`).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AllocError>")]
pub struct Configure {
    /// The client id the server gave.
    pub client_id: i32,
    /// The number of logins the server allows (as it reported it).
    pub max_logins: u32,
    /// The options that size the id spaces.
    pub options: Options,
}

impl Handler<Configure> for AllocatorActor {
    type Result = Result<(), AllocError>;

    fn handle(&mut self, msg: Configure, _: &mut Self::Context) -> Self::Result {
        self.state = Some(ClientAllocators::new(
            msg.client_id,
            msg.max_logins,
            &msg.options,
        )?);
        Ok(())
    }
}

/// Forget everything (disconnect) or start over (reset, with `keep = true`).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Clear {
    /// Keep the partitioning and only free every id.
    pub keep: bool,
}

impl Handler<Clear> for AllocatorActor {
    type Result = ();

    fn handle(&mut self, msg: Clear, _: &mut Self::Context) {
        match (&mut self.state, msg.keep) {
            (Some(state), true) => state.reset(),
            _ => self.state = None,
        }
    }
}

/// Mark node ids in use without handing them out (groups a reset made again with their ids).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Reserve(pub Vec<i32>);

impl Handler<Reserve> for AllocatorActor {
    type Result = ();

    fn handle(&mut self, msg: Reserve, _: &mut Self::Context) {
        if let Some(state) = self.state.as_mut() {
            for id in msg.0 {
                state.nodes.reserve(id);
            }
        }
    }
}

/// What kind of id to allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdKind {
    /// A temporary node id.
    Node,
    /// A permanent node id (1, 2, …, masked with the client id).
    PermanentNode,
    /// A block of audio bus channels.
    AudioBus,
    /// A block of control buses.
    ControlBus,
    /// A block of buffers.
    Buffer,
    /// A `/sync` id.
    Sync,
}

/// Allocate `count` contiguous ids of a kind (nodes and sync ids come one at a time).
/// [`ServerError::Exhausted`] when this client's share has no room, `NotConnected` before
/// `/notify` gave a client id.
#[derive(Debug, Message)]
#[rtype(result = "Result<i32, ServerError>")]
pub struct Allocate {
    /// What to allocate.
    pub kind: IdKind,
    /// How many (blocks only).
    pub count: i32,
}

impl Handler<Allocate> for AllocatorActor {
    type Result = Result<i32, ServerError>;

    fn handle(&mut self, msg: Allocate, _: &mut Self::Context) -> Self::Result {
        let state = self
            .state
            .as_mut()
            .ok_or(RequestError::NotConnected { status: "offline" })?;
        let id = match msg.kind {
            IdKind::Node => state.nodes.allocate(),
            IdKind::PermanentNode => state.nodes.allocate_permanent(),
            IdKind::AudioBus => state.audio_buses.allocate(msg.count),
            IdKind::ControlBus => state.control_buses.allocate(msg.count),
            IdKind::Buffer => state.buffers.allocate(msg.count),
            IdKind::Sync => Some(state.sync_ids.next()),
        };
        id.ok_or_else(|| ServerError::Exhausted {
            kind: format!("{:?}", msg.kind),
        })
    }
}

/// Give an id (or the block starting at it) back.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Free {
    /// What kind of id it is.
    pub kind: IdKind,
    /// The id, or the first id of the block.
    pub id: i32,
}

impl Handler<Free> for AllocatorActor {
    type Result = ();

    fn handle(&mut self, msg: Free, _: &mut Self::Context) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        match msg.kind {
            IdKind::Node | IdKind::PermanentNode => state.nodes.free(msg.id),
            IdKind::AudioBus => {
                state.audio_buses.free(msg.id);
            }
            IdKind::ControlBus => {
                state.control_buses.free(msg.id);
            }
            IdKind::Buffer => {
                state.buffers.free(msg.id);
            }
            IdKind::Sync => {}
        }
    }
}
