//! What this client loaded into the server (SynthDefs, buffers read from files), remembered from
//! the packets it sent, so a supervisor can put it back after a restart.

use actix::prelude::*;
use rosc::OscPacket;

use super::{ServerActor, Status};
use crate::error::{RequestError, ServerError};

impl ServerActor {
    /// Looks at an outgoing packet for loads worth replaying, and copies them to a standby.
    pub(crate) fn remember(&mut self, bytes: &[u8]) {
        let copy = self.replay.observe_bytes(bytes);
        self.replicate(copy);
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
        Box::pin(async move {
            let n = messages.len();
            for m in messages {
                link.send(&OscPacket::Message(m))?;
            }
            // Loads go through scsynth's non-realtime queue: /synced comes after all of them.
            link.sync().await?;
            tracing::info!(parent: &span, replayed = n, "restored SynthDefs and buffers");
            Ok(n)
        })
    }
}
