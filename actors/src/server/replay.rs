//! What this client loaded into the server (SynthDefs, buffers read from files), remembered from
//! the packets it sent, so a supervisor can put it back after a restart; and which SynthDefs the
//! server has, so a SynthDef value is sent on its first use only.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use actix::prelude::*;
use rosc::OscPacket;
use scserver_core::sent_defs::SentSynthDefs;

use super::{ServerActor, Status};
use crate::error::{RequestError, ServerError};

/// The SynthDefs the server has, shared with the client's handles, which send a definition
/// along while it is missing and confirm its load.
pub type SharedSentDefs = Arc<Mutex<SentSynthDefs>>;

/// Locks the shared record; a panic elsewhere while it was held leaves a record still worth
/// reading (at worst a definition is sent once more).
pub fn lock(sent: &SharedSentDefs) -> MutexGuard<'_, SentSynthDefs> {
    sent.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ServerActor {
    /// Looks at an outgoing packet for loads worth replaying (copied to a standby) and for
    /// SynthDef frees.
    pub(crate) fn remember(&mut self, bytes: &[u8]) {
        if let Some(packet) = scserver_core::replay::decode_loads(bytes) {
            let copy = self.replay.observe(&packet);
            self.replicate(copy);
            self.sent_defs().observe(&packet);
        }
    }

    /// The SynthDefs the server has, shared with handles.
    pub fn sent_synthdefs(&self) -> SharedSentDefs {
        self.sent.clone()
    }

    pub(crate) fn sent_defs(&self) -> MutexGuard<'_, SentSynthDefs> {
        lock(&self.sent)
    }
}

/// Send the remembered SynthDef loads and buffer reads again, then `/sync`. Answers how many
/// packets were replayed.
#[derive(Debug, Message)]
#[rtype(result = "Result<usize, ServerError>")]
pub struct Restore;

impl Handler<Restore> for ServerActor {
    type Result = ResponseFuture<Result<usize, ServerError>>;

    fn handle(&mut self, _: Restore, _: &mut Self::Context) -> Self::Result {
        let link = match (self.status(), self.link()) {
            (Status::Online, Some(link)) => link,
            (status, _) => {
                let error = RequestError::NotConnected {
                    status: status.name(),
                };
                return Box::pin(async move { Err(error.into()) });
            }
        };
        let messages = self.replay.messages();
        let span = self.span.clone();
        let sent = self.sent.clone();
        Box::pin(async move {
            let n = messages.len();
            for m in &messages {
                link.send(&OscPacket::Message(m.clone()))?;
            }
            // Loads go through scsynth's non-realtime queue: /synced comes after all of them.
            link.sync().await?;
            lock(&sent).restored(&messages);
            tracing::info!(parent: &span, replayed = n, "restored SynthDefs and buffers");
            Ok(n)
        })
    }
}
