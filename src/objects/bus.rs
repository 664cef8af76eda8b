//! Buses: single buses and contiguous groups of them, audio or control rate.

use scserver_actors::ServerError;
use scserver_core::command::{Command, Value};

use super::Face;
use crate::{AsyncServer, IdKind, RequestError, Server};

/// A bus's calculation rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rate {
    /// Audio-rate bus (`a` in mappings).
    Audio,
    /// Control-rate bus (`c` in mappings).
    Control,
}

impl Rate {
    fn kind(self) -> IdKind {
        match self {
            Rate::Audio => IdKind::AudioBus,
            Rate::Control => IdKind::ControlBus,
        }
    }
}

/// A bus by rate and index, for mapping synth controls (see the node handles' `map`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BusId {
    /// Its rate.
    pub rate: Rate,
    /// Its index.
    pub id: i32,
}

impl BusId {
    /// The control value that maps a control to this bus in `/s_new` and `/n_set` (`c3`, `a16`).
    pub fn value(self) -> Value {
        match self.rate {
            Rate::Audio => Value::audio_bus(self.id),
            Rate::Control => Value::control_bus(self.id),
        }
    }
}

/// One bus (see [`AsyncServer::add_bus`]).
#[derive(Clone)]
pub struct Bus<S = AsyncServer> {
    server: S,
    bus: BusId,
    /// Allocated alone (not a member of a [`BusGroup`]), so `free` gives it back.
    owned: bool,
}

impl<S: Face> std::fmt::Debug for Bus<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bus({:?} {})", self.bus.rate, self.bus.id)
    }
}

fn control_only(bus: BusId, command: &str) -> Result<(), ServerError> {
    match bus.rate {
        Rate::Control => Ok(()),
        Rate::Audio => Err(RequestError::BadReply {
            command: command.to_owned(),
            message: format!("audio bus {} has no value to read or write", bus.id),
        }
        .into()),
    }
}

impl<S: Face> Bus<S> {
    /// The bus index.
    pub fn id(&self) -> i32 {
        self.bus.id
    }

    /// Its rate.
    pub fn rate(&self) -> Rate {
        self.bus.rate
    }

    /// Rate and index, for mappings.
    pub fn bus_id(&self) -> BusId {
        self.bus
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> Bus<T> {
        Bus {
            server: server.clone(),
            bus: self.bus,
            owned: self.owned,
        }
    }

    fn to_async(&self) -> Bus<AsyncServer> {
        self.on(self.server.async_server())
    }
}

impl Bus<AsyncServer> {
    /// `/c_get`: its value (control buses only).
    pub async fn get(&self, sync: bool) -> Result<Option<f32>, ServerError> {
        control_only(self.bus, "/c_get")?;
        self.server.get_bus(self.bus.id, sync).await
    }

    /// `/c_set`: sets its value (control buses only).
    pub async fn set(&self, value: f32, sync: bool) -> Result<(), ServerError> {
        control_only(self.bus, "/c_set")?;
        let command = Command::CSet {
            values: vec![(self.bus.id, value)],
        };
        self.server.execute(command, sync).await.map(drop)
    }

    /// Gives its index back to the allocator (a bus of a group is freed with the group).
    pub fn free(&self) {
        if self.owned {
            self.server.free(self.bus.rate.kind(), self.bus.id);
        }
    }
}

crate::blocking::forward! { Bus<Server> => to_async;
    /// `/c_get`: its value.
    fn get(sync: bool) -> Result<Option<f32>, ServerError>;
    /// `/c_set`: sets its value.
    fn set(value: f32, sync: bool) -> Result<(), ServerError>;
}

impl Bus<Server> {
    /// Gives its index back to the allocator.
    pub fn free(&self) {
        self.to_async().free()
    }
}

/// Contiguous buses (see [`AsyncServer::add_bus_group`]).
#[derive(Clone)]
pub struct BusGroup<S = AsyncServer> {
    server: S,
    first: BusId,
    count: i32,
}

impl<S: Face> std::fmt::Debug for BusGroup<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BusGroup({:?} {}+{})",
            self.first.rate, self.first.id, self.count
        )
    }
}

impl<S: Face> BusGroup<S> {
    /// The first bus's index.
    pub fn id(&self) -> i32 {
        self.first.id
    }

    /// How many buses.
    pub fn len(&self) -> i32 {
        self.count
    }

    /// Whether it holds no bus.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Their rate.
    pub fn rate(&self) -> Rate {
        self.first.rate
    }

    /// The `i`-th bus, if in range.
    pub fn bus(&self, i: i32) -> Option<Bus<S>> {
        (0..self.count).contains(&i).then(|| Bus {
            server: self.server.clone(),
            bus: BusId {
                rate: self.first.rate,
                id: self.first.id + i,
            },
            owned: false,
        })
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> BusGroup<T> {
        BusGroup {
            server: server.clone(),
            first: self.first,
            count: self.count,
        }
    }

    fn to_async(&self) -> BusGroup<AsyncServer> {
        self.on(self.server.async_server())
    }
}

impl BusGroup<AsyncServer> {
    /// `/c_getn`: every value (control buses only).
    pub async fn get(&self, sync: bool) -> Result<Option<Vec<f32>>, ServerError> {
        control_only(self.first, "/c_getn")?;
        self.server
            .get_bus_range(self.first.id, self.count, sync)
            .await
    }

    /// `/c_setn`: sets values from the first bus on (control buses only).
    pub async fn set(&self, values: Vec<f32>, sync: bool) -> Result<(), ServerError> {
        control_only(self.first, "/c_setn")?;
        let command = Command::CSetn {
            ranges: vec![(self.first.id, values)],
        };
        self.server.execute(command, sync).await.map(drop)
    }

    /// `/c_fill`: sets every bus to `value` (control buses only).
    pub async fn fill(&self, value: f32, sync: bool) -> Result<(), ServerError> {
        control_only(self.first, "/c_fill")?;
        let command = Command::CFill {
            ranges: vec![(self.first.id, self.count, value)],
        };
        self.server.execute(command, sync).await.map(drop)
    }

    /// Gives the indices back to the allocator.
    pub fn free(&self) {
        self.server.free(self.first.rate.kind(), self.first.id);
    }
}

crate::blocking::forward! { BusGroup<Server> => to_async;
    /// `/c_getn`: every value.
    fn get(sync: bool) -> Result<Option<Vec<f32>>, ServerError>;
    /// `/c_setn`: sets values.
    fn set(values: Vec<f32>, sync: bool) -> Result<(), ServerError>;
    /// `/c_fill`: sets every bus to one value.
    fn fill(value: f32, sync: bool) -> Result<(), ServerError>;
}

impl BusGroup<Server> {
    /// Gives the indices back to the allocator.
    pub fn free(&self) {
        self.to_async().free()
    }
}

impl AsyncServer {
    /// One bus from this client's share.
    pub async fn add_bus(&self, rate: Rate) -> Result<Bus, ServerError> {
        let id = self.allocate(rate.kind(), 1).await?;
        Ok(Bus {
            server: self.clone(),
            bus: BusId { rate, id },
            owned: true,
        })
    }

    /// `count` (at least 1) contiguous buses from this client's share.
    pub async fn add_bus_group(&self, rate: Rate, count: i32) -> Result<BusGroup, ServerError> {
        scserver_core::validate::at_least("add_bus_group", "count", count, 1)?;
        let id = self.allocate(rate.kind(), count).await?;
        Ok(BusGroup {
            server: self.clone(),
            first: BusId { rate, id },
            count,
        })
    }
}

crate::blocking::forward! { Server => as_async;
    /// One bus from this client's share.
    fn add_bus(rate: Rate) -> Result<Bus<Server>, ServerError> => on;
    /// `count` (at least 1) contiguous buses from this client's share.
    fn add_bus_group(rate: Rate, count: i32) -> Result<BusGroup<Server>, ServerError> => on;
}
