//! SynthDefs: send compiled definitions, load files or a directory, free them.

use scserver_actors::{RequestError, ServerError};
use scserver_core::command::Command;
use scserver_core::ops::completion::Then;
use scserver_core::sent_defs;
use scserver_synthdef::SynthDef;

use crate::{AsyncServer, Server};

/// Room for the `/d_recv` address, type tags and blob length around the SCgf bytes.
const D_RECV_OVERHEAD: usize = 64;

/// SCgf files for `defs`, as few as fit a packet of `limit` bytes each: a run of definitions is
/// split in halves until each part fits. A single definition too large for a packet is an
/// error. supernova 3.13 reads only the first definition of a file correctly (its reader stops
/// before the variants that end each one, `sc_synthdef.cpp`, `sc_synthdef::read_synthdef`), so
/// it gets one file per definition.
fn pack(defs: &[SynthDef], limit: usize, supernova: bool) -> Result<Vec<Vec<u8>>, ServerError> {
    if supernova && defs.len() > 1 {
        let files: Result<Vec<_>, _> = defs
            .iter()
            .map(|def| pack(std::slice::from_ref(def), limit, supernova))
            .collect();
        return Ok(files?.concat());
    }
    let room = limit - D_RECV_OVERHEAD;
    let bytes = SynthDef::compile_many(defs).map_err(|e| RequestError::Encode(e.to_string()))?;
    if bytes.len() <= room {
        return Ok(vec![bytes]);
    }
    if defs.len() == 1 {
        return Err(RequestError::TooLarge {
            size: bytes.len(),
            limit: room,
        }
        .into());
    }
    let (a, b) = defs.split_at(defs.len() / 2);
    let mut files = pack(a, limit, supernova)?;
    files.extend(pack(b, limit, supernova)?);
    Ok(files)
}

impl AsyncServer {
    /// `/d_recv`: sends compiled SynthDefs, several per message where they fit one packet the
    /// server reads whole (one per message to supernova). Waits for each `/done /d_recv`. Their
    /// controls are remembered, so a control they lack is refused before anything is sent.
    pub async fn add_synthdefs(&self, defs: &[SynthDef]) -> Result<(), ServerError> {
        for def in defs {
            self.session().learn(def);
        }
        let options = self.options();
        for data in pack(defs, options.packet_limit(), options.is_supernova())? {
            self.add_synthdef_bytes(data).await?;
        }
        // The server has them now: a synth of one of these values needs no definition sent.
        let mut sent = self.session().sent();
        for def in defs {
            let digest = sent_defs::digest(&def.compile());
            sent.claim(&def.name, digest);
            sent.loaded(&def.name, digest);
        }
        Ok(())
    }

    /// `/d_recv` of an SCgf file's bytes (e.g. a `.scsyndef` file).
    pub async fn add_synthdef_bytes(&self, data: Vec<u8>) -> Result<(), ServerError> {
        let command = Command::DRecv {
            data,
            completion: vec![],
        };
        self.execute(command).await.map(drop)
    }

    /// `/d_load`: loads SynthDef files matching `path` (a glob on the server's machine).
    /// `path.on_completion(command)` runs `command` once they are loaded.
    pub async fn load_synthdefs<'a>(
        &self,
        path: impl Into<Then<&'a str>>,
    ) -> Result<(), ServerError> {
        let path = path.into();
        let command = Command::DLoad {
            path: path.request.to_owned(),
            completion: vec![],
        };
        self.execute(path.attach(command, None)?).await.map(drop)
    }

    /// `/d_loadDir`: loads every SynthDef file in a directory on the server's machine.
    /// `path.on_completion(command)` runs `command` once they are loaded.
    pub async fn load_synthdefs_dir<'a>(
        &self,
        path: impl Into<Then<&'a str>>,
    ) -> Result<(), ServerError> {
        let path = path.into();
        let command = Command::DLoadDir {
            path: path.request.to_owned(),
            completion: vec![],
        };
        self.execute(path.attach(command, None)?).await.map(drop)
    }

    /// `/d_freeAll`: frees every SynthDef on the server (running synths keep theirs); the
    /// SynthDef values sent through this client are sent again on their next use.
    pub async fn free_all_synthdefs(&self) -> Result<(), ServerError> {
        self.execute(Command::DFreeAll).await.map(drop)
    }

    /// `/d_free`: frees SynthDefs by name (running synths keep theirs).
    pub async fn free_synthdefs(&self, names: Vec<String>) -> Result<(), ServerError> {
        self.execute(Command::DFree { names }).await.map(drop)
    }
}

impl Server {
    /// `/d_load`: loads SynthDef files (see [`AsyncServer::load_synthdefs`]).
    pub fn load_synthdefs<'a>(&self, path: impl Into<Then<&'a str>>) -> Result<(), ServerError> {
        futures::executor::block_on(self.as_async().load_synthdefs(path))
    }

    /// `/d_loadDir`: loads a directory of SynthDef files (see
    /// [`AsyncServer::load_synthdefs_dir`]).
    pub fn load_synthdefs_dir<'a>(
        &self,
        path: impl Into<Then<&'a str>>,
    ) -> Result<(), ServerError> {
        futures::executor::block_on(self.as_async().load_synthdefs_dir(path))
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/d_recv` of compiled SynthDefs (see [`AsyncServer::add_synthdefs`]).
    fn add_synthdefs(defs: &[SynthDef]) -> Result<(), ServerError>;
    /// `/d_recv` of an SCgf file's bytes.
    fn add_synthdef_bytes(data: Vec<u8>) -> Result<(), ServerError>;
    /// `/d_freeAll`: frees every SynthDef.
    fn free_all_synthdefs() -> Result<(), ServerError>;
    /// `/d_free`: frees SynthDefs by name.
    fn free_synthdefs(names: Vec<String>) -> Result<(), ServerError>;
}
