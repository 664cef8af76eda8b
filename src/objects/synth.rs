//! Synths.

use scserver_actors::ServerError;
use scserver_core::command::{Command, Control};
use scserver_core::controls::Controls;
use scserver_core::ids::SynthId;
use scserver_core::position::Position;
use scserver_core::reply::ControlValue;
use scserver_core::sent_defs::{self, Need};
use scserver_synthdef::SynthDef;

use super::node::node_methods;
use super::node_ops::node_ops;
use super::Face;
use crate::{AsyncServer, IdKind, Server};

/// A synth on a server (see [`AsyncServer::add_synth`]).
///
/// ```
/// use scserver::synthdef::{ugens::{Out, SinOsc}, SynthDefBuilder};
/// use scserver::{controls, ControlValue, Position};
/// # let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
/// # let server = scserver::Server::new(scserver::Options { port, jack: scserver::JackMode::Shared, ..Default::default() });
/// # server.boot()?;
/// let b = SynthDefBuilder::new("doc-sine");
/// let (freq, amp) = (b.kr("freq", 440.0), b.kr("amp", 0.1));
/// Out::ar(&b).source(SinOsc::ar(&b).frequency(freq).finish() * amp).finish();
/// let def = b.build()?;
/// // Sends the SynthDef along (its first use on this server), then starts the synth.
/// let synth = server.add_synth(&def, controls! { freq: 220.0, amp: 0.05 }, Position::default())?;
/// synth.set(controls! { freq: 330.0 })?;
/// assert_eq!(synth.get(vec!["freq".into()])?[0].1, ControlValue::Float(330.0));
/// // A control the SynthDef lacks is refused before anything is sent.
/// assert!(synth.set(controls! { frequency: 1.0 }).is_err());
/// synth.pause()?;
/// assert!(!synth.is_active());
/// synth.free()?;
/// # server.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
node_ops!(Synth);

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

/// The SynthDef of a new synth: a name the server knows, or a SynthDef value, which is sent
/// along (`/d_recv` with the `/s_new` as its completion) while this server may lack it: on its
/// first use, after a reboot, a reset or `/d_free`, and until its load is confirmed.
#[derive(Debug, Clone, Copy)]
pub enum SynthDefRef<'a> {
    /// A SynthDef the server has (loaded from a file, sent earlier, or built in).
    Name(&'a str),
    /// A SynthDef value.
    Def(&'a SynthDef),
}

impl<'a> SynthDefRef<'a> {
    /// The SynthDef's name.
    pub fn name(&self) -> &'a str {
        match self {
            SynthDefRef::Name(name) => name,
            SynthDefRef::Def(def) => &def.name,
        }
    }
}

impl<'a> From<&'a str> for SynthDefRef<'a> {
    fn from(name: &'a str) -> Self {
        SynthDefRef::Name(name)
    }
}

impl<'a> From<&'a String> for SynthDefRef<'a> {
    fn from(name: &'a String) -> Self {
        SynthDefRef::Name(name)
    }
}

impl<'a> From<&'a SynthDef> for SynthDefRef<'a> {
    fn from(def: &'a SynthDef) -> Self {
        SynthDefRef::Def(def)
    }
}

/// A definition sent along with a synth: loaded once the command is answered.
pub(crate) struct Carried {
    name: String,
    digest: u64,
}

impl AsyncServer {
    /// `/s_new`: a synth of `synthdef` with initial `controls` (see [`crate::controls!`]) at
    /// `position`, once the server has it. A SynthDef value is sent along the first time this
    /// server needs it (see [`SynthDefRef`]). A SynthDef name the server does not know is a
    /// [`crate::RequestError::Failed`]; a control a SynthDef sent through this client lacks is a
    /// [`crate::RequestError::UnknownControl`] (nothing is sent).
    pub async fn add_synth<'a>(
        &self,
        synthdef: impl Into<SynthDefRef<'a>>,
        controls: Controls,
        position: Position,
    ) -> Result<Synth, ServerError> {
        let (command, synth, carried) = self
            .synth_command(synthdef.into(), &controls, position)
            .await?;
        let created = self.create(command, synth.id.into()).await;
        if let Some(carried) = carried {
            let mut sent = self.session().sent();
            match &created {
                Ok(()) => sent.loaded(&carried.name, carried.digest),
                Err(_) => sent.failed(&carried.name),
            }
        }
        created.map(|()| synth)
    }

    /// The command starting a synth of `synthdef`, with its handle, and the definition it
    /// carries when the server may lack it.
    pub(crate) async fn synth_command(
        &self,
        synthdef: SynthDefRef<'_>,
        controls: &Controls,
        position: Position,
    ) -> Result<(Command, Synth, Option<Carried>), ServerError> {
        if let SynthDefRef::Def(def) = synthdef {
            self.session().learn(def);
        }
        let (s_new, synth) = self.s_new(synthdef.name(), controls, position).await?;
        let SynthDefRef::Def(def) = synthdef else {
            return Ok((s_new, synth, None));
        };
        let data = def.compile();
        let digest = sent_defs::digest(&data);
        match self.session().sent().claim(&def.name, digest) {
            Need::Nothing => Ok((s_new, synth, None)),
            Need::Definition => {
                let command = Command::DRecv {
                    data,
                    completion: vec![s_new],
                };
                let name = def.name.clone();
                Ok((command, synth, Some(Carried { name, digest })))
            }
        }
    }

    /// The command starting a synth, with its handle (id allocated here, controls checked).
    async fn s_new(
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

impl Server {
    /// `/s_new`: a synth, its SynthDef sent along on first use (see [`AsyncServer::add_synth`]).
    pub fn add_synth<'a>(
        &self,
        synthdef: impl Into<SynthDefRef<'a>>,
        controls: Controls,
        position: Position,
    ) -> Result<Synth<Server>, ServerError> {
        let synth = self.as_async().add_synth(synthdef, controls, position);
        futures::executor::block_on(synth).map(|synth| synth.on(self))
    }
}
