//! Buffer commands beyond allocating, setting and reading samples: reading a file into an
//! existing buffer, writing part of one, closing a file left open, `/b_gen` waveforms,
//! normalisation and copies, and groups of consecutive buffers. Each command is built once in
//! `scserver_core::ops::buffer`; the deferred forms are the request context's.

use scserver_actors::ServerError;
use scserver_core::command::Command;
use scserver_core::ids::BufferId;
use scserver_core::ops::buffer::{
    self as ops, BufferCopy, FileRead, FileWrite, GenFlags, Layout, Waveform,
};
use scserver_core::ops::completion::Then;

use super::{Buffer, Face};
use crate::{AsyncServer, IdKind, Server};

impl<S: Face> Buffer<S> {
    /// The command [`Buffer::read`] sends, with its completions.
    pub(crate) fn read_command(&self, read: Then<FileRead>) -> Result<Command, ServerError> {
        let command = read.request.to_command(self.id().get());
        Ok(read.attach(command, Some(self.id()))?)
    }

    /// The command [`Buffer::write`] sends, with its completions.
    pub(crate) fn write_command(&self, write: Then<FileWrite>) -> Result<Command, ServerError> {
        let command = write.request.to_command(self.id().get());
        Ok(write.attach(command, Some(self.id()))?)
    }
}

impl Buffer<AsyncServer> {
    async fn perform(&self, command: Command) -> Result<(), ServerError> {
        self.face().execute(command).await.map(drop)
    }

    /// `/b_read` (or `/b_readChannel` when the read picks channels): reads a sound file on the
    /// server's machine into this buffer, which keeps its size; waits for the `/done`. Add
    /// `.on_completion(…)` to the [`FileRead`] for a command scsynth runs once it is read.
    pub async fn read(&self, read: impl Into<Then<FileRead>>) -> Result<(), ServerError> {
        self.perform(self.read_command(read.into())?).await
    }

    /// `/b_write`: writes the buffer (or the frames the [`FileWrite`] picks) to a sound file on
    /// the server's machine; waits for the `/done`.
    pub async fn write(&self, write: impl Into<Then<FileWrite>>) -> Result<(), ServerError> {
        self.perform(self.write_command(write.into())?).await
    }

    /// `/b_close`: closes the file a read or write left open.
    pub async fn close(&self) -> Result<(), ServerError> {
        let command = Command::BClose {
            buffer_id: self.id().get(),
            completion: vec![],
        };
        self.perform(command).await
    }

    /// `/b_gen sine1|sine2|sine3|cheby`: computes a waveform into the buffer (added to what it
    /// holds unless `flags` has [`GenFlag::Clear`](scserver_core::ops::buffer::GenFlag)).
    pub async fn generate(&self, waveform: &Waveform, flags: GenFlags) -> Result<(), ServerError> {
        self.perform(ops::generate(self.id().get(), waveform, flags)?)
            .await
    }

    /// `/b_gen normalize` (or `wnormalize` for a wavetable): scales the contents to `peak`.
    pub async fn normalize(&self, peak: f32, layout: Layout) -> Result<(), ServerError> {
        self.perform(ops::normalize(self.id().get(), peak, layout)?)
            .await
    }

    /// `/b_gen copy`: copies frames of another buffer (`copy.source`) into this one.
    pub async fn copy_from(&self, copy: BufferCopy) -> Result<(), ServerError> {
        self.perform(ops::copy(self.id().get(), copy)).await
    }
}

crate::blocking::forward! { Buffer<Server> => to_async;
    /// `/b_read` / `/b_readChannel` into this buffer.
    fn read(read: impl Into<Then<FileRead>>) -> Result<(), ServerError>;
    /// `/b_write`.
    fn write(write: impl Into<Then<FileWrite>>) -> Result<(), ServerError>;
    /// `/b_close`.
    fn close() -> Result<(), ServerError>;
    /// `/b_gen` of a waveform.
    fn generate(waveform: &Waveform, flags: GenFlags) -> Result<(), ServerError>;
    /// `/b_gen normalize` / `wnormalize`.
    fn normalize(peak: f32, layout: Layout) -> Result<(), ServerError>;
    /// `/b_gen copy`.
    fn copy_from(copy: BufferCopy) -> Result<(), ServerError>;
}

/// Consecutive buffers of one size (see [`AsyncServer::add_buffer_group`]), e.g. for `VOsc`.
#[derive(Clone)]
pub struct BufferGroup<S = AsyncServer> {
    server: S,
    first: BufferId,
    count: i32,
}

impl<S: Face> std::fmt::Debug for BufferGroup<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BufferGroup({}+{})", self.first, self.count)
    }
}

impl<S: Face> BufferGroup<S> {
    /// The first buffer's number.
    pub fn id(&self) -> BufferId {
        self.first
    }

    /// How many buffers.
    pub fn len(&self) -> i32 {
        self.count
    }

    /// Whether it holds none (never: a group has at least one).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `i`-th buffer, if in range.
    pub fn buffer(&self, i: i32) -> Option<Buffer<S>> {
        (0..self.count)
            .contains(&i)
            .then(|| Buffer::existing(&self.server, BufferId::new(self.first.get() + i)))
    }

    /// Every buffer, in order.
    pub fn buffers(&self) -> Vec<Buffer<S>> {
        (0..self.count).filter_map(|i| self.buffer(i)).collect()
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> BufferGroup<T> {
        BufferGroup {
            server: server.clone(),
            first: self.first,
            count: self.count,
        }
    }

    fn to_async(&self) -> BufferGroup<AsyncServer> {
        self.on(self.server.async_server())
    }
}

impl BufferGroup<AsyncServer> {
    /// `/b_free` of every buffer, and their numbers back to the allocator.
    pub async fn free(&self) -> Result<(), ServerError> {
        let frees = self.buffers().into_iter().map(|b| async move {
            let command = Command::BFree {
                buffer_id: b.id().get(),
                completion: vec![],
            };
            self.server.execute(command).await
        });
        let result = futures::future::try_join_all(frees).await.map(drop);
        self.server.free(IdKind::Buffer, self.first.get());
        result
    }
}

crate::blocking::forward! { BufferGroup<Server> => to_async;
    /// `/b_free` of every buffer.
    fn free() -> Result<(), ServerError>;
}

impl AsyncServer {
    /// `count` consecutive buffers of `frames` × `channels` (one `/b_alloc` each), once every
    /// `/done` came: supriya's `add_buffer_group`.
    pub async fn add_buffer_group(
        &self,
        count: i32,
        channels: i32,
        frames: i32,
    ) -> Result<BufferGroup, ServerError> {
        scserver_core::validate::at_least("add_buffer_group", "count", count, 1)?;
        let first = self.allocate(IdKind::Buffer, count).await?;
        let allocs = ops::alloc_group(first, count, frames, channels)?
            .into_iter()
            .map(|command| self.execute(command));
        if let Err(e) = futures::future::try_join_all(allocs).await {
            self.free(IdKind::Buffer, first);
            return Err(e);
        }
        Ok(BufferGroup {
            server: self.clone(),
            first: BufferId::new(first),
            count,
        })
    }
}

crate::blocking::forward! { Server => as_async;
    /// Consecutive buffers (see [`AsyncServer::add_buffer_group`]).
    fn add_buffer_group(count: i32, channels: i32, frames: i32)
        -> Result<BufferGroup<Server>, ServerError> => on;
}
