//! SynthDefs: send compiled definitions, load files or a directory, free them.

use scserver_actors::{RequestError, ServerError};
use scserver_core::bundle::MAX_UDP_PACKET;
use scserver_core::command::Command;
use scserver_synthdef::SynthDef;

use crate::{AsyncServer, Server};

/// Room for the `/d_recv` address, type tags and blob length around the SCgf bytes.
const D_RECV_OVERHEAD: usize = 64;

/// SCgf files for `defs`, as few as fit one datagram each: a run of definitions is split in
/// halves until each part fits. A single definition too large for a datagram is an error.
fn pack(defs: &[SynthDef]) -> Result<Vec<Vec<u8>>, ServerError> {
    let limit = MAX_UDP_PACKET - D_RECV_OVERHEAD;
    let bytes = SynthDef::compile_many(defs).map_err(|e| RequestError::Encode(e.to_string()))?;
    if bytes.len() <= limit {
        return Ok(vec![bytes]);
    }
    if defs.len() == 1 {
        return Err(RequestError::TooLarge {
            size: bytes.len(),
            limit,
        }
        .into());
    }
    let (a, b) = defs.split_at(defs.len() / 2);
    let mut files = pack(a)?;
    files.extend(pack(b)?);
    Ok(files)
}

impl AsyncServer {
    /// `/d_recv`: sends compiled SynthDefs, several per message where they fit one datagram.
    /// Waits for each `/done /d_recv`. Their controls are remembered, so a control they lack is
    /// refused before anything is sent.
    pub async fn add_synthdefs(&self, defs: &[SynthDef]) -> Result<(), ServerError> {
        for def in defs {
            self.session().learn(def);
        }
        for data in pack(defs)? {
            self.add_synthdef_bytes(data).await?;
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
    pub async fn load_synthdefs(&self, path: &str) -> Result<(), ServerError> {
        let command = Command::DLoad {
            path: path.to_owned(),
            completion: vec![],
        };
        self.execute(command).await.map(drop)
    }

    /// `/d_loadDir`: loads every SynthDef file in a directory on the server's machine.
    pub async fn load_synthdefs_dir(&self, path: &str) -> Result<(), ServerError> {
        let command = Command::DLoadDir {
            path: path.to_owned(),
            completion: vec![],
        };
        self.execute(command).await.map(drop)
    }

    /// `/d_free`: frees SynthDefs by name (running synths keep theirs).
    pub async fn free_synthdefs(&self, names: Vec<String>) -> Result<(), ServerError> {
        self.execute(Command::DFree { names }).await.map(drop)
    }
}

crate::blocking::forward! { Server => as_async;
    /// `/d_recv` of compiled SynthDefs (see [`AsyncServer::add_synthdefs`]).
    fn add_synthdefs(defs: &[SynthDef]) -> Result<(), ServerError>;
    /// `/d_recv` of an SCgf file's bytes.
    fn add_synthdef_bytes(data: Vec<u8>) -> Result<(), ServerError>;
    /// `/d_load`: loads SynthDef files.
    fn load_synthdefs(path: &str) -> Result<(), ServerError>;
    /// `/d_loadDir`: loads a directory of SynthDef files.
    fn load_synthdefs_dir(path: &str) -> Result<(), ServerError>;
    /// `/d_free`: frees SynthDefs by name.
    fn free_synthdefs(names: Vec<String>) -> Result<(), ServerError>;
}
