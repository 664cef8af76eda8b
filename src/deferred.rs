//! The deferred forms of the command set: the same commands as the handles' awaited methods,
//! built by the same helpers, collected in a request context and sent when it closes.

use std::time::Duration;

use scserver_actors::ServerError;
use scserver_core::command::{Command, Control};
use scserver_core::ids::{GroupId, NodeId};
use scserver_core::ops::buffer::{
    self as buffer_ops, BufferCopy, FileRead, FileWrite, GenFlags, Layout, Waveform,
};
use scserver_core::ops::completion::Then;
use scserver_core::position::Position;

use crate::objects::{node_ops, Buffer, BusGroup, Face, Synth};
use crate::RequestContext;

impl<S: Face> RequestContext<S> {
    /// Releases a synth through its `gate` (see [`Synth::release`]).
    pub fn release<T: Face>(
        &self,
        synth: &Synth<T>,
        time: Option<Duration>,
    ) -> Result<(), ServerError> {
        self.command(synth.release_command(time)?)
    }

    /// `/n_setn` (see [`Synth::set_range`]).
    pub fn set_range(
        &self,
        node: impl Into<NodeId>,
        control: impl Into<Control>,
        values: Vec<f32>,
    ) -> Result<(), ServerError> {
        self.command(node_ops::set_range_command(
            node.into(),
            control.into(),
            values,
        ))
    }

    /// `/n_map … -1` (see [`Synth::unmap`]).
    pub fn unmap(
        &self,
        node: impl Into<NodeId>,
        controls: Vec<Control>,
    ) -> Result<(), ServerError> {
        self.command(scserver_core::ops::node::unmap(node.into().get(), controls))
    }

    /// `/n_mapn` / `/n_mapan` (see [`Synth::map_range`]).
    pub fn map_range<T: Face>(
        &self,
        node: impl Into<NodeId>,
        control: impl Into<Control>,
        buses: &BusGroup<T>,
    ) -> Result<(), ServerError> {
        self.command(node_ops::map_range_command(
            node.into(),
            control.into(),
            buses,
        ))
    }

    /// `/n_order` of several nodes (see [`crate::AsyncServer::order_nodes`]).
    pub fn order_nodes(&self, nodes: Vec<NodeId>, position: Position) -> Result<(), ServerError> {
        self.command(self.server().order_command(nodes, position)?)
    }

    /// `/g_deepFree` (see [`crate::Group::deep_free`]).
    pub fn deep_free(&self, group: impl Into<GroupId>) -> Result<(), ServerError> {
        self.command(node_ops::deep_free_command(group.into()))
    }

    /// `/n_trace` (see [`Synth::trace`]).
    pub fn trace(&self, node: impl Into<NodeId>) -> Result<(), ServerError> {
        self.command(node_ops::trace_command(node.into()))
    }

    /// `/clearSched` (see [`crate::AsyncServer::clear_schedule`]).
    pub fn clear_schedule(&self) -> Result<(), ServerError> {
        self.command(Command::ClearSched)
    }

    /// `/d_freeAll` (see [`crate::AsyncServer::free_all_synthdefs`]).
    pub fn free_all_synthdefs(&self) -> Result<(), ServerError> {
        self.command(Command::DFreeAll)
    }

    /// `/b_gen` of a waveform (see [`Buffer::generate`]).
    pub fn generate<T: Face>(
        &self,
        buffer: &Buffer<T>,
        waveform: &Waveform,
        flags: GenFlags,
    ) -> Result<(), ServerError> {
        self.command(buffer_ops::generate(buffer.id().get(), waveform, flags)?)
    }

    /// `/b_gen normalize` / `wnormalize` (see [`Buffer::normalize`]).
    pub fn normalize<T: Face>(
        &self,
        buffer: &Buffer<T>,
        peak: f32,
        layout: Layout,
    ) -> Result<(), ServerError> {
        self.command(buffer_ops::normalize(buffer.id().get(), peak, layout)?)
    }

    /// `/b_gen copy` (see [`Buffer::copy_from`]).
    pub fn copy_buffer<T: Face>(
        &self,
        target: &Buffer<T>,
        copy: BufferCopy,
    ) -> Result<(), ServerError> {
        self.command(buffer_ops::copy(target.id().get(), copy))
    }

    /// `/b_read` / `/b_readChannel` (see [`Buffer::read`]).
    pub fn read_buffer<T: Face>(
        &self,
        buffer: &Buffer<T>,
        read: impl Into<Then<FileRead>>,
    ) -> Result<(), ServerError> {
        self.command(buffer.read_command(read.into())?)
    }

    /// `/b_write` (see [`Buffer::write`]).
    pub fn write_buffer<T: Face>(
        &self,
        buffer: &Buffer<T>,
        write: impl Into<Then<FileWrite>>,
    ) -> Result<(), ServerError> {
        self.command(buffer.write_command(write.into())?)
    }

    /// `/b_close` (see [`Buffer::close`]).
    pub fn close_buffer<T: Face>(&self, buffer: &Buffer<T>) -> Result<(), ServerError> {
        self.command(Command::BClose {
            buffer_id: buffer.id().get(),
            completion: vec![],
        })
    }

    /// `/c_setn` from `offset` buses into the group (see [`BusGroup::set_range`]).
    pub fn set_bus_range<T: Face>(
        &self,
        buses: &BusGroup<T>,
        offset: i32,
        values: Vec<f32>,
    ) -> Result<(), ServerError> {
        self.command(buses.set_range_command(offset, values)?)
    }

    /// `/c_fill` of `count` buses from `offset` into the group (see [`BusGroup::fill_range`]).
    pub fn fill_bus_range<T: Face>(
        &self,
        buses: &BusGroup<T>,
        offset: i32,
        count: i32,
        value: f32,
    ) -> Result<(), ServerError> {
        self.command(buses.fill_range_command(offset, count, value)?)
    }
}
