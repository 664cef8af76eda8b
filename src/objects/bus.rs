//! Buses: single buses and contiguous groups of them, audio or control rate.

use scserver_actors::ServerError;
use scserver_core::command::Command;
use scserver_core::controls::ControlInput;
use scserver_core::ids::{BusId, Rate};

use super::Face;
use crate::{AsyncServer, IdKind, RequestError, Server};

fn kind(rate: Rate) -> IdKind {
    match rate {
        Rate::Audio => IdKind::AudioBus,
        Rate::Control => IdKind::ControlBus,
    }
}

/// One bus (see [`AsyncServer::add_bus`]).
///
/// ```
/// use scserver::synthdef::{ugens::{Out, SinOsc}, SynthDefBuilder};
/// use scserver::{controls, Position, Rate};
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// # let server = scserver::Server::new(scserver::Options { port, jack: scserver::JackMode::Shared, ..Default::default() });
/// # server.boot()?;
/// let bus = server.add_bus(Rate::Control)?;
/// bus.set(440.0)?;
/// assert_eq!(bus.get()?, 440.0);
/// # let b = SynthDefBuilder::new("doc-bus-sine");
/// # let freq = b.kr("freq", 440.0);
/// # Out::ar(&b).source(SinOsc::ar(&b).frequency(freq).finish() * 0.05).finish();
/// # let def = b.build()?;
/// // As a control, the bus maps the control to it: the synth follows the bus.
/// let synth = server.add_synth(&def, controls! { freq: &bus }, Position::default())?;
/// bus.set(220.0)?;
/// // Its number as a plain value is `index()`.
/// assert_eq!(bus.index(), bus.id().index);
/// synth.free()?;
/// bus.free();
/// # server.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Bus<S = AsyncServer> {
    server: S,
    bus: BusId,
    /// Allocated alone (not a member of a [`BusGroup`]), so `free` gives it back.
    owned: bool,
}

impl<S: Face> std::fmt::Debug for Bus<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bus({:?} {})", self.bus.rate, self.bus.index)
    }
}

pub(crate) fn control_only(bus: BusId, command: &str) -> Result<(), ServerError> {
    match bus.rate {
        Rate::Control => Ok(()),
        Rate::Audio => Err(RequestError::BadReply {
            command: command.to_owned(),
            message: format!("audio bus {} has no value to read or write", bus.index),
        }
        .into()),
    }
}

impl<S: Face> Bus<S> {
    /// Rate and index; `.into()` it (or the handle) to map a control to this bus.
    pub fn id(&self) -> BusId {
        self.bus
    }

    /// The bus index, e.g. as a plain control value for an `Out` bus number.
    pub fn index(&self) -> i32 {
        self.bus.index
    }

    /// Its rate.
    pub fn rate(&self) -> Rate {
        self.bus.rate
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

    /// `/c_set` of its value (control buses only): for the handle and request contexts alike.
    pub(crate) fn set_command(&self, value: f32) -> Result<Command, ServerError> {
        control_only(self.bus, "/c_set")?;
        Ok(Command::CSet {
            values: vec![(self.bus.index, value)],
        })
    }
}

impl<S> From<&Bus<S>> for BusId {
    fn from(bus: &Bus<S>) -> Self {
        bus.bus
    }
}

impl<S> From<Bus<S>> for BusId {
    fn from(bus: Bus<S>) -> Self {
        bus.bus
    }
}

/// A bus handle as a control value maps the control to the bus.
impl<S> From<&Bus<S>> for ControlInput {
    fn from(bus: &Bus<S>) -> Self {
        ControlInput::Bus(bus.bus)
    }
}

impl<S> From<Bus<S>> for ControlInput {
    fn from(bus: Bus<S>) -> Self {
        ControlInput::Bus(bus.bus)
    }
}

impl Bus<AsyncServer> {
    /// `/c_get`: its value (control buses only).
    pub async fn get(&self) -> Result<f32, ServerError> {
        self.server.get_bus(self.bus).await
    }

    /// `/c_set`: sets its value (control buses only).
    pub async fn set(&self, value: f32) -> Result<(), ServerError> {
        let command = self.set_command(value)?;
        self.server.execute(command).await.map(drop)
    }

    /// Gives its index back to the allocator (a bus of a group is freed with the group).
    pub fn free(&self) {
        if self.owned {
            self.server.free(kind(self.bus.rate), self.bus.index);
        }
    }
}

crate::blocking::forward! { Bus<Server> => to_async;
    /// `/c_get`: its value.
    fn get() -> Result<f32, ServerError>;
    /// `/c_set`: sets its value.
    fn set(value: f32) -> Result<(), ServerError>;
}

impl Bus<Server> {
    /// Gives its index back to the allocator.
    pub fn free(&self) {
        self.to_async().free()
    }
}

/// Contiguous buses (see [`AsyncServer::add_bus_group`]).
///
/// ```
/// use scserver::Rate;
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// # let server = scserver::Server::new(scserver::Options { port, jack: scserver::JackMode::Shared, ..Default::default() });
/// # server.boot()?;
/// let buses = server.add_bus_group(Rate::Control, 4)?;
/// buses.fill(0.5)?;
/// assert_eq!(buses.get()?, vec![0.5; 4]);
/// buses.set(vec![0.1, 0.2, 0.3, 0.4])?;
/// let third = buses.bus(2).expect("a group of 4");
/// assert_eq!(third.get()?, 0.3);
/// buses.free();
/// # server.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
            self.first.rate, self.first.index, self.count
        )
    }
}

impl<S: Face> BusGroup<S> {
    /// The first bus's rate and index.
    pub fn id(&self) -> BusId {
        self.first
    }

    /// The first bus's index.
    pub fn index(&self) -> i32 {
        self.first.index
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
            bus: BusId::new(self.first.rate, self.first.index + i),
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

impl<S: Face> BusGroup<S> {
    /// `/c_setn` of `values` from `offset` buses into the group (control buses only).
    pub(crate) fn set_range_command(
        &self,
        offset: i32,
        values: Vec<f32>,
    ) -> Result<Command, ServerError> {
        control_only(self.first, "/c_setn")?;
        let (first, len) = (self.first.index, self.count);
        Ok(scserver_core::ops::bus::set_range(
            first, len, offset, values,
        )?)
    }

    /// `/c_fill` of `count` buses from `offset` into the group (control buses only).
    pub(crate) fn fill_range_command(
        &self,
        offset: i32,
        count: i32,
        value: f32,
    ) -> Result<Command, ServerError> {
        control_only(self.first, "/c_fill")?;
        let (first, len) = (self.first.index, self.count);
        Ok(scserver_core::ops::bus::fill(
            first, len, offset, count, value,
        )?)
    }
}

impl BusGroup<AsyncServer> {
    /// `/c_getn`: every value (control buses only).
    pub async fn get(&self) -> Result<Vec<f32>, ServerError> {
        self.server.get_bus_range(self.first, self.count).await
    }

    /// `/c_setn`: sets values from the first bus on (control buses only).
    pub async fn set(&self, values: Vec<f32>) -> Result<(), ServerError> {
        control_only(self.first, "/c_setn")?;
        let command = Command::CSetn {
            ranges: vec![(self.first.index, values)],
        };
        self.server.execute(command).await.map(drop)
    }

    /// `/c_fill`: sets every bus to `value` (control buses only).
    pub async fn fill(&self, value: f32) -> Result<(), ServerError> {
        control_only(self.first, "/c_fill")?;
        let command = Command::CFill {
            ranges: vec![(self.first.index, self.count, value)],
        };
        self.server.execute(command).await.map(drop)
    }

    /// `/c_setn`: sets `values.len()` buses from the one `offset` buses in (control buses
    /// only; a range past the group is an [`crate::InvalidArgument`]).
    pub async fn set_range(&self, offset: i32, values: Vec<f32>) -> Result<(), ServerError> {
        let command = self.set_range_command(offset, values)?;
        self.server.execute(command).await.map(drop)
    }

    /// `/c_fill`: sets `count` buses from the one `offset` buses in to `value` (control buses
    /// only).
    pub async fn fill_range(&self, offset: i32, count: i32, value: f32) -> Result<(), ServerError> {
        let command = self.fill_range_command(offset, count, value)?;
        self.server.execute(command).await.map(drop)
    }

    /// Gives the indices back to the allocator.
    pub fn free(&self) {
        self.server.free(kind(self.first.rate), self.first.index);
    }
}

crate::blocking::forward! { BusGroup<Server> => to_async;
    /// `/c_getn`: every value.
    fn get() -> Result<Vec<f32>, ServerError>;
    /// `/c_setn`: sets values.
    fn set(values: Vec<f32>) -> Result<(), ServerError>;
    /// `/c_fill`: sets every bus to one value.
    fn fill(value: f32) -> Result<(), ServerError>;
    /// `/c_setn` from an offset into the group.
    fn set_range(offset: i32, values: Vec<f32>) -> Result<(), ServerError>;
    /// `/c_fill` of a range from an offset into the group.
    fn fill_range(offset: i32, count: i32, value: f32) -> Result<(), ServerError>;
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
        let index = self.allocate(kind(rate), 1).await?;
        Ok(Bus {
            server: self.clone(),
            bus: BusId::new(rate, index),
            owned: true,
        })
    }

    /// `count` (at least 1) contiguous buses from this client's share.
    pub async fn add_bus_group(&self, rate: Rate, count: i32) -> Result<BusGroup, ServerError> {
        scserver_core::validate::at_least("add_bus_group", "count", count, 1)?;
        let index = self.allocate(kind(rate), count).await?;
        Ok(BusGroup {
            server: self.clone(),
            first: BusId::new(rate, index),
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
