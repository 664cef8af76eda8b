//! Reset: clear the server's nodes, scheduled bundles and SynthDefs, and this client's ids, then
//! put the default groups back — without lifecycle events.

use actix::prelude::*;
use std::time::Duration;

use scserver_core::bundle::Moment;
use scserver_core::command::{AddAction, Command};

use super::{ServerActor, Status};
use crate::allocator::Clear;
use crate::error::{RequestError, ServerError};

/// Reset the server as supriya does: one bundle `[/clearSched, /g_freeAll 0, /d_freeAll]`, a
/// `/sync`, allocators cleared, the default groups created again, a `/sync`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Reset;

impl Handler<Reset> for ServerActor {
    type Result = ResponseFuture<Result<(), ServerError>>;

    fn handle(&mut self, _: Reset, _: &mut Self::Context) -> Self::Result {
        // The reset frees every SynthDef on the server (and on its standby); nothing is left to
        // replay.
        self.remember(&Command::DFreeAll.to_bytes());
        self.replay.clear();
        let state = self.state.borrow().clone();
        let link = match (state.status, self.link()) {
            (Status::Online, Some(link)) => link,
            (status, _) => {
                let error = RequestError::NotConnected {
                    status: status.name(),
                };
                return Box::pin(async move { Err(error.into()) });
            }
        };
        let allocator = self.allocator.clone();
        Box::pin(async move {
            let mut clear = Moment::new();
            for command in [
                Command::ClearSched,
                Command::GFreeAll { group_ids: vec![0] },
                Command::DFreeAll,
            ] {
                clear.push(command);
            }
            if let Some(packet) = clear.to_packet(Duration::ZERO) {
                link.send(&packet)?;
            }
            allocator.send(Clear { keep: true }).await?;
            link.sync().await?;
            // The owner re-creates every login's group; a guest only its own.
            let groups: Vec<i32> = if state.owned {
                (1..=state.max_logins.unwrap_or(1) as i32).collect()
            } else {
                state.default_group().into_iter().collect()
            };
            link.send_commands([Command::GNew {
                groups: groups
                    .into_iter()
                    .map(|id| (id, AddAction::AddToTail, 0))
                    .collect(),
            }]);
            link.sync().await?;
            Ok(())
        })
    }
}
