//! Synths.

use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command, Control, Value};
use scserver_core::reply::ControlValue;
use scserver_synthdef::SynthDef;

use super::node::node_methods;
use super::Face;
use crate::{AsyncServer, Server};

/// A synth on a server (see [`AsyncServer::add_synth`]).
#[derive(Clone)]
pub struct Synth<S = AsyncServer> {
    server: S,
    id: i32,
    synthdef: String,
}

impl<S: Face> std::fmt::Debug for Synth<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Synth({} {})", self.id, self.synthdef)
    }
}

impl<S: Face> Synth<S> {
    /// A handle on an existing synth, without creating it.
    pub fn existing(server: &S, id: i32, synthdef: &str) -> Self {
        Synth {
            server: server.clone(),
            id,
            synthdef: synthdef.to_owned(),
        }
    }

    /// Its SynthDef's name.
    pub fn synthdef(&self) -> &str {
        &self.synthdef
    }

    /// The same handle on another face of its server.
    pub(crate) fn on<T: Face>(&self, server: &T) -> Synth<T> {
        Synth::existing(server, self.id, &self.synthdef)
    }

    fn to_async(&self) -> Synth<AsyncServer> {
        self.on(self.server.async_server())
    }
}

node_methods!(Synth);

impl Synth<AsyncServer> {
    /// `/s_get`: control values (or bus mappings) by name or index.
    pub async fn get(
        &self,
        controls: Vec<Control>,
        sync: bool,
    ) -> Result<Option<Vec<(Control, ControlValue)>>, ServerError> {
        self.server
            .get_synth_controls(self.id, controls, sync)
            .await
    }

    /// `/s_getn`: `count` contiguous control values from `control`.
    pub async fn get_range(
        &self,
        control: Control,
        count: i32,
        sync: bool,
    ) -> Result<Option<Vec<ControlValue>>, ServerError> {
        self.server
            .get_synth_control_range(self.id, control, count, sync)
            .await
    }
}

crate::blocking::forward! { Synth<Server> => to_async;
    /// `/s_get`: control values by name or index.
    fn get(controls: Vec<Control>, sync: bool)
        -> Result<Option<Vec<(Control, ControlValue)>>, ServerError>;
    /// `/s_getn`: contiguous control values.
    fn get_range(control: Control, count: i32, sync: bool)
        -> Result<Option<Vec<ControlValue>>, ServerError>;
}

impl AsyncServer {
    /// `/s_new`: a synth of the SynthDef `synthdef` (already on the server) with initial
    /// controls, placed by `add_action` relative to `target` (the default group when `None`).
    /// With `sync`, waits until the server has it; an unknown SynthDef is a
    /// [`crate::RequestError::Failed`].
    pub async fn add_synth(
        &self,
        synthdef: &str,
        controls: Vec<(Control, Value)>,
        target: Option<i32>,
        add_action: AddAction,
        sync: bool,
    ) -> Result<Synth, ServerError> {
        let command = self.s_new(synthdef, controls, target, add_action).await?;
        self.place(command, synthdef, sync).await
    }

    /// `/d_recv` of `synthdef` with `/s_new` as its completion: sends the definition and starts
    /// a synth of it in one message.
    pub async fn add_synth_of(
        &self,
        synthdef: &SynthDef,
        controls: Vec<(Control, Value)>,
        target: Option<i32>,
        add_action: AddAction,
        sync: bool,
    ) -> Result<Synth, ServerError> {
        let s_new = self
            .s_new(&synthdef.name, controls, target, add_action)
            .await?;
        let command = Command::DRecv {
            data: synthdef.compile(),
            completion: vec![s_new.clone()],
        };
        let Command::SNew { node_id, .. } = s_new else {
            unreachable!("s_new builds /s_new")
        };
        if let Err(e) = self.execute(command, sync).await {
            self.free(crate::IdKind::Node, node_id);
            return Err(e);
        }
        Ok(Synth::existing(self, node_id, &synthdef.name))
    }

    async fn s_new(
        &self,
        synthdef: &str,
        controls: Vec<(Control, Value)>,
        target: Option<i32>,
        add_action: AddAction,
    ) -> Result<Command, ServerError> {
        Ok(Command::SNew {
            synthdef: synthdef.to_owned(),
            node_id: self.allocate(crate::IdKind::Node, 1).await?,
            add_action,
            target: self.default_target(target),
            controls,
        })
    }

    async fn place(
        &self,
        command: Command,
        synthdef: &str,
        sync: bool,
    ) -> Result<Synth, ServerError> {
        let Command::SNew { node_id, .. } = command else {
            unreachable!("place takes /s_new")
        };
        if let Err(e) = self.execute(command, sync).await {
            self.free(crate::IdKind::Node, node_id);
            return Err(e);
        }
        Ok(Synth::existing(self, node_id, synthdef))
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/s_new`: a synth (see [`AsyncServer::add_synth`]).
    fn add_synth(synthdef: &str, controls: Vec<(Control, Value)>, target: Option<i32>,
        add_action: AddAction, sync: bool) -> Result<Synth<Server>, ServerError> => on;
    /// `/d_recv` + `/s_new` (see [`AsyncServer::add_synth_of`]).
    fn add_synth_of(synthdef: &SynthDef, controls: Vec<(Control, Value)>, target: Option<i32>,
        add_action: AddAction, sync: bool) -> Result<Synth<Server>, ServerError> => on;
}
