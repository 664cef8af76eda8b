//! Buffers.

use std::collections::BTreeMap;

use scserver_actors::ServerError;
use scserver_core::command::Command;
use scserver_core::ids::BufferId;
use scserver_core::ops::completion::{OnCompletion, Then};
use scserver_core::reply::BufferInfo;

use super::Face;
use crate::{AsyncServer, IdKind, Server};

/// A buffer on a server (see [`AsyncServer::add_buffer`]).
///
/// ```
/// use scserver::BufferSource;
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// # let server = scserver::Server::new(scserver::Options { port, jack: scserver::JackMode::Shared, ..Default::default() });
/// # server.boot()?;
/// let buffer = server.add_buffer(BufferSource::Empty { channels: 1, frames: 8 })?;
/// buffer.set_range(0, vec![0.5, 0.25])?;
/// buffer.fill(2, 6, 1.0)?;
/// assert_eq!(buffer.get_range(0, 4)?, vec![0.5, 0.25, 1.0, 1.0]);
/// let info = buffer.query()?;
/// assert_eq!((info.channel_count, info.frame_count), (1, 8));
/// buffer.free()?;
/// # server.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Buffer<S = AsyncServer> {
    server: S,
    id: BufferId,
}

impl<S: Face> std::fmt::Debug for Buffer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buffer({})", self.id)
    }
}

impl<S: Face> Buffer<S> {
    /// A handle on a buffer number, without allocating it.
    pub fn existing(server: &S, id: BufferId) -> Self {
        Buffer {
            server: server.clone(),
            id,
        }
    }

    /// The buffer number.
    pub fn id(&self) -> BufferId {
        self.id
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> Buffer<T> {
        Buffer::existing(server, self.id)
    }

    pub(crate) fn to_async(&self) -> Buffer<AsyncServer> {
        self.on(self.server.async_server())
    }

    /// The face it was made from.
    pub(crate) fn face(&self) -> &S {
        &self.server
    }
}

impl<S> From<&Buffer<S>> for BufferId {
    fn from(buffer: &Buffer<S>) -> Self {
        buffer.id
    }
}

impl Buffer<AsyncServer> {
    async fn run(&self, command: Command) -> Result<(), ServerError> {
        self.server.execute(command).await.map(drop)
    }

    /// `/b_free`, and its number back to the allocator.
    pub async fn free(&self) -> Result<(), ServerError> {
        let command = Command::BFree {
            buffer_id: self.id.get(),
            completion: vec![],
        };
        let result = self.run(command).await;
        self.server.free(IdKind::Buffer, self.id.get());
        result
    }

    /// `/b_set`: sets samples (index, value).
    pub async fn set(&self, values: Vec<(i32, f32)>) -> Result<(), ServerError> {
        let command = Command::BSet {
            buffer_id: self.id.get(),
            values,
        };
        self.run(command).await
    }

    /// `/b_setn`: sets contiguous samples from `index`.
    pub async fn set_range(&self, index: i32, values: Vec<f32>) -> Result<(), ServerError> {
        let command = Command::BSetn {
            buffer_id: self.id.get(),
            ranges: vec![(index, values)],
        };
        self.run(command).await
    }

    /// `/b_fill`: sets `count` samples from `index` to `value`.
    pub async fn fill(&self, index: i32, count: i32, value: f32) -> Result<(), ServerError> {
        let command = Command::BFill {
            buffer_id: self.id.get(),
            ranges: vec![(index, count, value)],
        };
        self.run(command).await
    }

    /// `/b_zero`: sets every sample to 0.
    pub async fn zero(&self) -> Result<(), ServerError> {
        let command = Command::BZero {
            buffer_id: self.id.get(),
            completion: vec![],
        };
        self.run(command).await
    }

    /// `/b_get`: sample index → value.
    pub async fn get(&self, indices: Vec<i32>) -> Result<BTreeMap<i32, f32>, ServerError> {
        self.server.get_buffer(self.id, indices).await
    }

    /// `/b_getn`: `count` samples from `index`.
    pub async fn get_range(&self, index: i32, count: i32) -> Result<Vec<f32>, ServerError> {
        self.server.get_buffer_range(self.id, index, count).await
    }

    /// `/b_query`: frames, channels, sample rate.
    pub async fn query(&self) -> Result<BufferInfo, ServerError> {
        self.server.query_buffer(self.id).await
    }
}

crate::blocking::forward! { Buffer<Server> => to_async;
    /// `/b_free`.
    fn free() -> Result<(), ServerError>;
    /// `/b_set`.
    fn set(values: Vec<(i32, f32)>) -> Result<(), ServerError>;
    /// `/b_setn`.
    fn set_range(index: i32, values: Vec<f32>) -> Result<(), ServerError>;
    /// `/b_fill`.
    fn fill(index: i32, count: i32, value: f32) -> Result<(), ServerError>;
    /// `/b_zero`.
    fn zero() -> Result<(), ServerError>;
    /// `/b_get`.
    fn get(indices: Vec<i32>) -> Result<BTreeMap<i32, f32>, ServerError>;
    /// `/b_getn`.
    fn get_range(index: i32, count: i32) -> Result<Vec<f32>, ServerError>;
    /// `/b_query`.
    fn query() -> Result<BufferInfo, ServerError>;
}

/// Where a new buffer's contents come from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BufferSource {
    /// Empty (zeros): `/b_alloc`.
    Empty {
        /// Channels.
        channels: i32,
        /// Frames.
        frames: i32,
    },
    /// A sound file on the server's machine: `/b_allocRead`, or `/b_allocReadChannel` when
    /// `channels` picks some.
    File {
        /// The file.
        path: String,
        /// First frame to read.
        start_frame: i32,
        /// Frames to read (0: all).
        frames: i32,
        /// File channels to read (all when empty).
        channels: Vec<i32>,
    },
}

/// `.on_completion(…)`: a command scsynth runs once the buffer is allocated or read, or a
/// closure making one from the new buffer's number (e.g. a `/b_gen` of it).
impl OnCompletion for BufferSource {}

impl BufferSource {
    /// The command that makes `buffer` from this source.
    fn to_command(&self, buffer: BufferId) -> Command {
        let (buffer_id, completion) = (buffer.get(), vec![]);
        match self.clone() {
            BufferSource::Empty { channels, frames } => Command::BAlloc {
                buffer_id,
                frames,
                channels,
                completion,
            },
            BufferSource::File {
                path,
                start_frame,
                frames,
                channels,
            } if channels.is_empty() => Command::BAllocRead {
                buffer_id,
                path,
                start_frame,
                frames,
                completion,
            },
            BufferSource::File {
                path,
                start_frame,
                frames,
                channels,
            } => Command::BAllocReadChannel {
                buffer_id,
                path,
                start_frame,
                frames,
                channels,
                completion,
            },
        }
    }
}

impl AsyncServer {
    /// A new buffer: `/b_alloc` or a file read, once its `/done` came (a file scsynth cannot
    /// read is a [`crate::RequestError::Failed`]). Completion messages the source carries
    /// (`source.on_completion(…)`) run before that `/done`.
    pub async fn add_buffer(
        &self,
        source: impl Into<Then<BufferSource>>,
    ) -> Result<Buffer, ServerError> {
        let source = source.into();
        let buffer = BufferId::new(self.allocate(IdKind::Buffer, 1).await?);
        let command = source.request.to_command(buffer);
        let sent = match source.attach(command, Some(buffer)) {
            Ok(command) => self.execute(command).await.map(drop),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = sent {
            self.free(IdKind::Buffer, buffer.get());
            return Err(e);
        }
        Ok(Buffer::existing(self, buffer))
    }
}

crate::blocking::forward! { Server => as_async;
    /// A new buffer (see [`AsyncServer::add_buffer`]).
    fn add_buffer(source: impl Into<Then<BufferSource>>) -> Result<Buffer<Server>, ServerError> => on;
}
