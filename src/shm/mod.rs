//! Shared memory: the control buses and scope buffers a local server publishes in
//! `/dev/shm/SuperColliderServer_<port>`, read and written at memory speed instead of by OSC.
//!
//! ```no_run
//! use scserver::{Access, Options, Server};
//! let server = Server::new(Options { start_jack: true, ..Options::default() });
//! server.boot().unwrap();
//! let shm = server.shared_memory(Access::ReadWrite).unwrap();
//! shm.set_bus(3, 0.25).unwrap();
//! assert_eq!(shm.get_bus(3).unwrap(), 0.25);
//! ```

#[allow(unsafe_code)]
mod map;
mod scope;

use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;

use scserver_actors::ServerError;
use scserver_core::shm::{self as layout, LayoutError, SegmentLayout};
use thiserror::Error;

use crate::objects::Face;
use crate::{AsyncServer, Bus, BusGroup, Rate, Server, Status};
use map::Mapping;

pub use scope::{FrequencyScale, Scope, ScopeFrame, ScopeInput};

/// Where POSIX shared-memory segments live on Linux.
const SHM_DIR: &str = "/dev/shm";

/// How to map the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read buses only.
    ReadOnly,
    /// Read and write buses, and read scopes (a scope reader takes part in the buffer exchange).
    ReadWrite,
}

/// Why shared memory could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SharedMemoryError {
    /// The server is not on this machine as far as this client knows.
    #[error("the server at {address} is not on this machine (neither booted by this client nor on a loopback address); use /c_get and /c_set instead")]
    Remote {
        /// The server's address.
        address: IpAddr,
    },
    /// The server is not running.
    #[error("the server is {status}; boot or connect it first")]
    Offline {
        /// Its status.
        status: &'static str,
    },
    /// No segment for the port.
    #[error(
        "no shared-memory segment at {path}: is a server running on this port, on this machine?"
    )]
    Missing {
        /// The path looked at.
        path: PathBuf,
    },
    /// The segment exists but could not be mapped.
    #[error("cannot map {path}: {source}")]
    Map {
        /// The segment's path.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The segment is not the layout this crate understands.
    #[error("the shared-memory segment at {path} is not laid out as expected: {source}")]
    Layout {
        /// The segment's path.
        path: PathBuf,
        /// What differed.
        source: LayoutError,
    },
    /// A write through a read-only mapping.
    #[error("the shared memory is mapped read-only; map it with Access::ReadWrite to write or read scopes")]
    ReadOnly,
    /// Buses outside the server's control buses.
    #[error("control buses {first}..{end} are outside the server's {count} control buses", end = *first as i64 + *len as i64)]
    OutOfRange {
        /// First bus asked for.
        first: i32,
        /// How many.
        len: usize,
        /// The server's control-bus count.
        count: usize,
    },
    /// More values than the bus group has buses.
    #[error("{given} values for a group of {buses} buses")]
    TooManyValues {
        /// Values given.
        given: usize,
        /// Buses in the group.
        buses: usize,
    },
    /// An audio-rate bus has no value in shared memory.
    #[error("audio bus {0} has no value in shared memory; only control buses do")]
    AudioBus(i32),
    /// The mapping belongs to another server than the one asked to place a scope.
    #[error("this shared memory is the segment of port {shm_port}, not of the server on port {server_port}")]
    OtherServer {
        /// The mapping's port.
        shm_port: u16,
        /// The server's port.
        server_port: u16,
    },
    /// Every scope buffer is in use.
    #[error("all {0} scope buffers are in use; free a scope first")]
    NoScopeBuffer(usize),
    /// A scope's parameters are out of range.
    #[error("invalid scope: {0}")]
    InvalidScope(String),
    /// A scope buffer changed into a state the exchange protocol does not allow.
    #[error("scope buffer {index} is inconsistent: {what}")]
    ScopeState {
        /// Scope index.
        index: usize,
        /// What was wrong.
        what: String,
    },
    /// No frame arrived in time.
    #[error("scope {index} delivered no frame within {waited:?}: is the server running and the synth playing? (the server refuses a scope buffer when its pool is full: fewer channels or frames)")]
    NoFrame {
        /// Scope index.
        index: usize,
        /// How long we waited.
        waited: std::time::Duration,
    },
    /// Placing or freeing the scope's synth failed.
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// The server's segment, mapped (see [`AsyncServer::shared_memory`]). Cheap to clone; clones
/// share the mapping, which stays valid after the server exits (reads then return its last
/// values).
#[derive(Clone)]
pub struct SharedMemory {
    segment: Arc<Segment>,
}

struct Segment {
    map: Mapping,
    layout: SegmentLayout,
    port: u16,
    /// Device and inode of the segment file: scope claims are per segment, not per mapping.
    file: (u64, u64),
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("port", &self.segment.port)
            .field("control_buses", &self.segment.layout.control_bus_count)
            .field("writable", &self.segment.map.writable())
            .finish()
    }
}

impl SharedMemory {
    /// Maps the segment of the server on local `port`, started with `control_buses` control
    /// buses (`-c`). [`AsyncServer::shared_memory`] calls this with the server's options.
    pub fn open(
        port: u16,
        control_buses: u32,
        access: Access,
    ) -> Result<SharedMemory, SharedMemoryError> {
        let path = PathBuf::from(SHM_DIR).join(layout::segment_name(port));
        let missing = || SharedMemoryError::Missing { path: path.clone() };
        let meta = std::fs::metadata(&path).map_err(|_| missing())?;
        let map =
            Mapping::open(&path, access == Access::ReadWrite).map_err(|source| {
                match source.kind() {
                    std::io::ErrorKind::NotFound => missing(),
                    _ => SharedMemoryError::Map {
                        path: path.clone(),
                        source,
                    },
                }
            })?;
        let layout = layout::parse(&map.snapshot(), port, control_buses as usize)
            .map_err(|source| SharedMemoryError::Layout { path, source })?;
        tracing::debug!(
            port,
            buses = layout.control_bus_count,
            "shared memory mapped"
        );
        Ok(SharedMemory {
            segment: Arc::new(Segment {
                map,
                layout,
                port,
                file: (meta.dev(), meta.ino()),
            }),
        })
    }

    /// The server port whose segment this is.
    pub fn port(&self) -> u16 {
        self.segment.port
    }

    /// The number of control buses.
    pub fn control_bus_count(&self) -> usize {
        self.segment.layout.control_bus_count
    }

    /// Whether writes are allowed.
    pub fn is_writable(&self) -> bool {
        self.segment.map.writable()
    }

    /// Byte offset of control buses `first..first + len`, if they exist.
    fn bus_offset(&self, first: i32, len: usize) -> Result<usize, SharedMemoryError> {
        let count = self.control_bus_count();
        let out_of_range = SharedMemoryError::OutOfRange { first, len, count };
        let start = usize::try_from(first).map_err(|_| out_of_range)?;
        match start.checked_add(len) {
            Some(end) if end <= count => Ok(self.segment.layout.control_buses + start * 4),
            _ => Err(SharedMemoryError::OutOfRange { first, len, count }),
        }
    }

    /// Control bus `index`'s value.
    pub fn get_bus(&self, index: i32) -> Result<f32, SharedMemoryError> {
        let mut value = [0.0];
        self.read_buses(index, &mut value)?;
        Ok(value[0])
    }

    /// Control buses `first..first + count`.
    pub fn get_bus_range(&self, first: i32, count: usize) -> Result<Vec<f32>, SharedMemoryError> {
        let mut values = vec![0.0; count];
        self.read_buses(first, &mut values)?;
        Ok(values)
    }

    /// Control buses from `first` on into `out` (no allocation).
    pub fn read_buses(&self, first: i32, out: &mut [f32]) -> Result<(), SharedMemoryError> {
        let offset = self.bus_offset(first, out.len())?;
        self.segment
            .map
            .load_f32s(offset, out)
            .ok_or_else(|| self.out_of_bounds(offset))
    }

    /// Sets control bus `index` (the server sees it from its next control period).
    pub fn set_bus(&self, index: i32, value: f32) -> Result<(), SharedMemoryError> {
        self.set_bus_range(index, &[value])
    }

    /// Sets control buses from `first` on.
    pub fn set_bus_range(&self, first: i32, values: &[f32]) -> Result<(), SharedMemoryError> {
        if !self.is_writable() {
            return Err(SharedMemoryError::ReadOnly);
        }
        let offset = self.bus_offset(first, values.len())?;
        self.segment
            .map
            .store_f32s(offset, values)
            .ok_or_else(|| self.out_of_bounds(offset))
    }

    /// The parsed layout promised these bytes exist; they do not.
    fn out_of_bounds(&self, offset: usize) -> SharedMemoryError {
        SharedMemoryError::Layout {
            path: PathBuf::from(SHM_DIR).join(layout::segment_name(self.port())),
            source: LayoutError::BadPointer {
                what: "control buses",
                offset,
            },
        }
    }
}

/// Whether a server at `address` is on this machine: a loopback or wildcard address, or one
/// this client booted.
fn is_local(address: IpAddr, owned: bool) -> bool {
    owned || address.is_loopback() || address.is_unspecified()
}

impl AsyncServer {
    /// Maps the server's shared-memory segment (control buses and scope buffers). The server
    /// must be online and on this machine; the segment must hold the options' control-bus
    /// count.
    pub fn shared_memory(&self, access: Access) -> Result<SharedMemory, SharedMemoryError> {
        let options = self.options();
        if !is_local(options.ip_address, self.is_owner()) {
            return Err(SharedMemoryError::Remote {
                address: options.ip_address,
            });
        }
        match self.status() {
            Status::Online => {}
            status => {
                return Err(SharedMemoryError::Offline {
                    status: status.name(),
                })
            }
        }
        SharedMemory::open(options.port, options.control_bus_channel_count, access)
    }
}

impl Server {
    /// Maps the server's shared-memory segment (see [`AsyncServer::shared_memory`]).
    pub fn shared_memory(&self, access: Access) -> Result<SharedMemory, SharedMemoryError> {
        self.as_async().shared_memory(access)
    }
}

fn control_bus(rate: Rate, id: i32) -> Result<i32, SharedMemoryError> {
    match rate {
        Rate::Control => Ok(id),
        Rate::Audio => Err(SharedMemoryError::AudioBus(id)),
    }
}

impl<S: Face> Bus<S> {
    /// Its value, read from shared memory (control buses only).
    pub fn get_shm(&self, shm: &SharedMemory) -> Result<f32, SharedMemoryError> {
        shm.get_bus(control_bus(self.rate(), self.index())?)
    }

    /// Sets its value through shared memory (control buses only).
    pub fn set_shm(&self, shm: &SharedMemory, value: f32) -> Result<(), SharedMemoryError> {
        shm.set_bus(control_bus(self.rate(), self.index())?, value)
    }
}

impl<S: Face> BusGroup<S> {
    /// Every value, read from shared memory (control buses only).
    pub fn get_shm(&self, shm: &SharedMemory) -> Result<Vec<f32>, SharedMemoryError> {
        let first = control_bus(self.rate(), self.index())?;
        shm.get_bus_range(first, self.len().max(0) as usize)
    }

    /// Sets values from the first bus on through shared memory (control buses only).
    pub fn set_shm(&self, shm: &SharedMemory, values: &[f32]) -> Result<(), SharedMemoryError> {
        if values.len() > self.len().max(0) as usize {
            return Err(SharedMemoryError::TooManyValues {
                given: values.len(),
                buses: self.len().max(0) as usize,
            });
        }
        shm.set_bus_range(control_bus(self.rate(), self.index())?, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owned_or_loopback_servers_are_local() {
        assert!(is_local("127.0.0.1".parse().unwrap(), false));
        assert!(is_local("::1".parse().unwrap(), false));
        assert!(is_local("0.0.0.0".parse().unwrap(), false));
        assert!(is_local("192.0.2.7".parse().unwrap(), true));
        assert!(!is_local("192.0.2.7".parse().unwrap(), false));
    }
}
