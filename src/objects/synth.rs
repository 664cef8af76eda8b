//! Synths.

use scserver_actors::ServerError;
use scserver_core::command::{Command, Control};
use scserver_core::controls::Controls;
use scserver_core::ids::SynthId;
use scserver_core::position::Position;
use scserver_core::reply::ControlValue;
use scserver_synthdef::SynthDef;

use super::node::node_methods;
use super::Face;
use crate::{AsyncServer, IdKind, Server};

/// A synth on a server (see [`AsyncServer::add_synth`]).
#[derive(Clone)]
pub struct Synth<S = AsyncServer> {
    server: S,
    id: SynthId,
    synthdef: String,
}

impl<S: Face> std::fmt::Debug for Synth<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Synth({} {})", self.id, self.synthdef)
    }
}

impl<S: Face> Synth<S> {
    /// A handle on an existing synth, without creating it.
    pub fn existing(server: &S, id: SynthId, synthdef: &str) -> Self {
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

    /// The SynthDef `set` checks controls against (when this client sent it).
    fn known_synthdef(&self) -> Option<&str> {
        Some(&self.synthdef)
    }
}

node_methods!(Synth, SynthId);

impl Synth<AsyncServer> {
    /// `/s_get`: control values (or bus mappings) by name or index.
    pub async fn get(
        &self,
        controls: Vec<Control>,
    ) -> Result<Vec<(Control, ControlValue)>, ServerError> {
        self.server.get_synth_controls(self.id, controls).await
    }

    /// `/s_getn`: `count` contiguous control values from `control`.
    pub async fn get_range(
        &self,
        control: Control,
        count: i32,
    ) -> Result<Vec<ControlValue>, ServerError> {
        self.server
            .get_synth_control_range(self.id, control, count)
            .await
    }
}

crate::blocking::forward! { Synth<Server> => to_async;
    /// `/s_get`: control values by name or index.
    fn get(controls: Vec<Control>) -> Result<Vec<(Control, ControlValue)>, ServerError>;
    /// `/s_getn`: contiguous control values.
    fn get_range(control: Control, count: i32) -> Result<Vec<ControlValue>, ServerError>;
}

impl AsyncServer {
    /// `/s_new`: a synth of the SynthDef `synthdef` (already on the server) with initial
    /// `controls` (see [`crate::controls!`]) at `position`, once the server has it. An unknown
    /// SynthDef is a [`crate::RequestError::Failed`]; a control a SynthDef sent through this
    /// client lacks is a [`crate::RequestError::UnknownControl`] (nothing is sent).
    pub async fn add_synth(
        &self,
        synthdef: &str,
        controls: Controls,
        position: Position,
    ) -> Result<Synth, ServerError> {
        let (command, synth) = self.s_new(synthdef, &controls, position).await?;
        self.create(command, synth.id.into()).await?;
        Ok(synth)
    }

    /// `/d_recv` of `synthdef` with `/s_new` as its completion: sends the definition and starts
    /// a synth of it in one message.
    pub async fn add_synth_of(
        &self,
        synthdef: &SynthDef,
        controls: Controls,
        position: Position,
    ) -> Result<Synth, ServerError> {
        self.session().learn(synthdef);
        let (s_new, synth) = self.s_new(&synthdef.name, &controls, position).await?;
        let command = Command::DRecv {
            data: synthdef.compile(),
            completion: vec![s_new],
        };
        self.create(command, synth.id.into()).await?;
        Ok(synth)
    }

    /// The command starting a synth, with its handle (id allocated here, controls checked).
    pub(crate) async fn s_new(
        &self,
        synthdef: &str,
        controls: &Controls,
        position: Position,
    ) -> Result<(Command, Synth), ServerError> {
        self.session().check(synthdef, controls)?;
        let node_id = self.allocate(IdKind::Node, 1).await?;
        let (add_action, target) = position.resolve(self.default_target());
        let command = Command::SNew {
            synthdef: synthdef.to_owned(),
            node_id,
            add_action,
            target,
            controls: controls.to_values(),
        };
        Ok((
            command,
            Synth::existing(self, SynthId::new(node_id), synthdef),
        ))
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/s_new`: a synth (see [`AsyncServer::add_synth`]).
    fn add_synth(synthdef: &str, controls: Controls, position: Position)
        -> Result<Synth<Server>, ServerError> => on;
    /// `/d_recv` + `/s_new` (see [`AsyncServer::add_synth_of`]).
    fn add_synth_of(synthdef: &SynthDef, controls: Controls, position: Position)
        -> Result<Synth<Server>, ServerError> => on;
}
