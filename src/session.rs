//! Per-server state that every clone of a public face shares: the node mirror, the controls
//! of the SynthDefs this client sent, and which of them the server has.

use std::collections::HashMap;
use std::sync::Mutex;

use scserver_actors::server::notifications::SharedMirror;
use scserver_actors::server::replay::{self, SharedSentDefs};
use scserver_core::controls::{Controls, UnknownControl};
use scserver_synthdef::SynthDef;

/// Per-server state of the public faces: the node mirror and the known SynthDefs.
pub(crate) struct Session {
    pub(crate) mirror: SharedMirror,
    /// SynthDef name → its controls with their widths, for each SynthDef value sent.
    synthdefs: Mutex<HashMap<String, Vec<(String, usize)>>>,
    /// Which SynthDefs the server has (kept with the server actor, which forgets them when the
    /// server loses them).
    sent: SharedSentDefs,
}

impl Session {
    pub(crate) fn new(mirror: SharedMirror, sent: SharedSentDefs) -> Self {
        Session {
            mirror,
            synthdefs: Mutex::default(),
            sent,
        }
    }

    /// Which SynthDefs the server has, locked.
    pub(crate) fn sent(
        &self,
    ) -> std::sync::MutexGuard<'_, scserver_core::sent_defs::SentSynthDefs> {
        replay::lock(&self.sent)
    }

    /// Whether a SynthDef sent through this client has `control`; `None` for SynthDefs it has
    /// not seen.
    pub(crate) fn has_control(&self, synthdef: &str, control: &str) -> Option<bool> {
        let known = self.synthdefs.lock().expect("synthdef lock");
        let params = known.get(synthdef)?;
        Some(params.iter().any(|(name, _)| name == control))
    }

    /// Remembers the controls of a SynthDef sent through this client.
    pub(crate) fn learn(&self, def: &SynthDef) {
        let params = def
            .controls()
            .into_iter()
            .map(|(name, values)| (name, values.len()))
            .collect();
        self.synthdefs
            .lock()
            .expect("synthdef lock")
            .insert(def.name.clone(), params);
    }

    /// Refuses a control a known SynthDef lacks; controls of an unknown SynthDef pass.
    pub(crate) fn check(&self, synthdef: &str, controls: &Controls) -> Result<(), UnknownControl> {
        let known = self.synthdefs.lock().expect("synthdef lock");
        match known.get(synthdef) {
            Some(params) => controls.check(synthdef, params),
            None => Ok(()),
        }
    }
}
