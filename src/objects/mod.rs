//! The server's objects as handles: [`Group`], [`Synth`], [`Buffer`], [`Bus`], [`BusGroup`].
//!
//! A handle is an id plus the server it lives on. It is generic over the face it was made from:
//! `Group<AsyncServer>` has async methods, `Group<Server>` the same methods blocking (generated,
//! see `crate::blocking`). Ids come from the allocator actor; node ids go back to it when scsynth
//! reports `/n_end`, buffer and bus ids when the handle frees them.

mod buffer;
mod buffer_ops;
mod bus;
mod group;
mod node;
pub(crate) mod node_ops;
mod synth;
mod synthdefs;

pub use buffer::{Buffer, BufferSource};
pub use buffer_ops::BufferGroup;
pub(crate) use bus::control_only;
pub use bus::{Bus, BusGroup};
pub use group::Group;
pub use synth::{Synth, SynthDefRef};

use scserver_core::command::Command;
use scserver_core::controls::Controls;
use scserver_core::ids::NodeId;

use crate::{AsyncServer, Server};

/// `/n_set` of `controls` on `node`: one builder for the handles and the request contexts.
pub(crate) fn n_set(node: NodeId, controls: &Controls) -> Command {
    Command::NSet {
        node_id: node.get(),
        controls: controls.to_values(),
    }
}

/// `/n_free` of `node`.
pub(crate) fn n_free(node: NodeId) -> Command {
    Command::NFree {
        node_ids: vec![node.get()],
    }
}

/// A server face a handle can be bound to: [`AsyncServer`] or [`Server`].
pub trait Face: Clone + private::Sealed {
    /// The async server behind this face.
    fn async_server(&self) -> &AsyncServer;
}

impl Face for AsyncServer {
    fn async_server(&self) -> &AsyncServer {
        self
    }
}

impl Face for Server {
    fn async_server(&self) -> &AsyncServer {
        self.as_async()
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for crate::AsyncServer {}
    impl Sealed for crate::Server {}
}
