//! The server's objects as handles: [`Group`], [`Synth`], [`Buffer`], [`Bus`], [`BusGroup`].
//!
//! A handle is an id plus the server it lives on. It is generic over the face it was made from:
//! `Group<AsyncServer>` has async methods, `Group<Server>` the same methods blocking (generated,
//! see `crate::blocking`). Ids come from the allocator actor; node ids go back to it when scsynth
//! reports `/n_end`, buffer and bus ids when the handle frees them.

mod buffer;
mod bus;
mod group;
mod node;
mod synth;
mod synthdefs;

pub use buffer::{Buffer, BufferSource};
pub use bus::{Bus, BusGroup, BusId, Rate};
pub use group::Group;
pub use synth::Synth;

use crate::{AsyncServer, Server};

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
