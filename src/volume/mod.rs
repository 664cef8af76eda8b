//! The server's output volume, as sclang's `Server.volume`: a synth right after the default
//! group replaces the hardware outputs with themselves times a lagged amplitude, so everything
//! the client plays passes through it and recorders and meters at the root tail hear the result.
//! The setting lives in the client: the synth is made again after `boot`, `reboot` and `reset`.

use std::time::Duration;

use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command};
use scserver_core::ids::NodeId;
use scserver_synthdef::ugens::{In, Lag, ReplaceOut};
use scserver_synthdef::SynthDefBuilder;

mod setting;

use setting::Setting;
pub(crate) use setting::VolumeState;

use crate::objects::Face;
use crate::{AsyncServer, IdKind, Server, Status};

/// The volume SynthDef for `channels` hardware outputs.
fn volume_def(channels: u32) -> (String, Vec<u8>) {
    let name = format!("scserver_volume_{channels}");
    let b = SynthDefBuilder::new(&name);
    let (amp, lag) = (b.kr("amp", 1.0), b.kr("lag", 0.1));
    let outputs = In::ar(&b).bus(0.0).channels(channels).finish();
    let gain = Lag::kr(&b).source(amp).lag_time(lag).finish();
    ReplaceOut::ar(&b).bus(0.0).source(outputs * gain).finish();
    let def = b.build().expect("the volume graph is well formed");
    (name, def.compile())
}

/// The output volume of a server (see [`AsyncServer::volume`]). From a [`Server`] its methods
/// block.
#[derive(Clone)]
pub struct Volume<S = AsyncServer> {
    server: S,
}

impl<S: Face> Volume<S> {
    fn setting(&self) -> Setting {
        *self
            .server
            .async_server()
            .volume_state()
            .0
            .lock()
            .expect("volume lock")
    }

    /// The gain in dB (0 is unity), muted or not.
    pub fn db(&self) -> f64 {
        self.setting().db
    }

    /// Whether the outputs are muted.
    pub fn is_muted(&self) -> bool {
        self.setting().muted
    }
}

impl Volume<AsyncServer> {
    /// Sets the gain in dB; it glides there over the lag time. Offline, it is kept and applied
    /// at the next boot.
    pub async fn set_db(&self, db: f64) -> Result<(), ServerError> {
        self.change(|s| s.db = db).await
    }

    /// Sets how long a change takes to glide to its new gain.
    pub async fn set_lag(&self, lag: Duration) -> Result<(), ServerError> {
        self.change(|s| s.lag = lag).await
    }

    /// Silences the outputs, keeping the gain for [`unmute`](Self::unmute).
    pub async fn mute(&self) -> Result<(), ServerError> {
        self.change(|s| s.muted = true).await
    }

    /// Restores the gain of before [`mute`](Self::mute).
    pub async fn unmute(&self) -> Result<(), ServerError> {
        self.change(|s| s.muted = false).await
    }

    async fn change(&self, edit: impl FnOnce(&mut Setting)) -> Result<(), ServerError> {
        let setting = {
            let mut setting = self.server.volume_state().0.lock().expect("volume lock");
            edit(&mut setting);
            *setting
        };
        if !matches!(self.server.status(), Status::Online) {
            return Ok(());
        }
        let controls = vec![
            ("amp".into(), setting.amplitude().into()),
            ("lag".into(), setting.lag.as_secs_f64().into()),
        ];
        match setting.node_id {
            Some(node_id) if self.server.contains_node(NodeId::new(node_id)) => {
                let set = Command::NSet { node_id, controls };
                self.server.execute(set).await.map(drop)
            }
            _ if setting.is_neutral() => Ok(()),
            _ => self.server.start_volume(setting).await,
        }
    }
}

impl AsyncServer {
    /// The output volume: gain in dB with a lag, mute and unmute.
    pub fn volume(&self) -> Volume {
        Volume {
            server: self.clone(),
        }
    }

    /// Makes the volume synth again when the setting needs one (after boot, reboot, reset).
    pub(crate) async fn restore_volume(&self) -> Result<(), ServerError> {
        let setting = {
            let mut setting = self.volume_state().0.lock().expect("volume lock");
            setting.node_id = None;
            *setting
        };
        if setting.is_neutral() {
            return Ok(());
        }
        self.start_volume(setting).await
    }

    async fn start_volume(&self, setting: Setting) -> Result<(), ServerError> {
        let channels = self.options().output_bus_channel_count;
        if channels == 0 {
            // No hardware outputs: nothing to scale.
            return Ok(());
        }
        let (synthdef, data) = volume_def(channels);
        self.add_synthdef_bytes(data).await?;
        let node_id = self.allocate(IdKind::Node, 1).await?;
        // Right after the default group: after everything the client plays, before recorders
        // and meters at the root tail.
        let (add_action, target) = match self.default_group() {
            Some(group) => (AddAction::AddAfter, group.get()),
            None => (AddAction::AddToTail, 0),
        };
        let start = Command::SNew {
            synthdef,
            node_id,
            add_action,
            target,
            controls: vec![
                ("amp".into(), setting.amplitude().into()),
                ("lag".into(), setting.lag.as_secs_f64().into()),
            ],
        };
        self.execute(start).await?;
        self.volume_state().0.lock().expect("volume lock").node_id = Some(node_id);
        Ok(())
    }
}

impl Server {
    /// The output volume (see [`AsyncServer::volume`]).
    pub fn volume(&self) -> Volume<Server> {
        Volume {
            server: self.clone(),
        }
    }
}

impl Volume<Server> {
    fn to_async(&self) -> Volume<AsyncServer> {
        self.server.as_async().volume()
    }

    /// Sets the gain in dB (see [`Volume::set_db`]).
    pub fn set_db(&self, db: f64) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().set_db(db))
    }

    /// Sets the glide time.
    pub fn set_lag(&self, lag: Duration) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().set_lag(lag))
    }

    /// Silences the outputs.
    pub fn mute(&self) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().mute())
    }

    /// Restores the gain of before muting.
    pub fn unmute(&self) -> Result<(), ServerError> {
        futures::executor::block_on(self.to_async().unmute())
    }
}
