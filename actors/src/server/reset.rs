//! Reset: clear the server's nodes, scheduled bundles and SynthDefs, and this client's ids, then
//! put the default groups and this client's permanent groups back — without lifecycle events.

use actix::prelude::*;
use std::time::Duration;

use scserver_core::bundle::Moment;
use scserver_core::command::{AddAction, Command};

use super::{ServerActor, Status};
use crate::allocator::{Clear, Reserve};
use crate::error::{RequestError, ServerError};

/// Reset the server as supriya does: one bundle `[/clearSched, /g_freeAll 0, /d_freeAll]`, a
/// `/sync`, allocators cleared, the default groups created again, then the groups marked
/// permanent (see [`MarkPermanent`]) with their ids, a `/sync`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Reset;

impl Handler<Reset> for ServerActor {
    type Result = ResponseFuture<Result<(), ServerError>>;

    fn handle(&mut self, _: Reset, _: &mut Self::Context) -> Self::Result {
        // The reset frees every SynthDef on the server (and on its standby), so none is left to
        // replay; buffers stay, and so does what would read them again.
        self.remember(&Command::DFreeAll.to_bytes());
        self.sent_defs().forget_all();
        let state = self.state.borrow().clone();
        // The owner re-creates every login's group; a guest only its own.
        let groups: Vec<i32> = if state.owned {
            (1..=state.max_logins.unwrap_or(1) as i32).collect()
        } else {
            state.default_group().into_iter().collect()
        };
        // Where the permanent groups are now, read before the reset frees them.
        let permanent = match self.mirror().read() {
            Ok(mirror) => self.permanent.recreate(&mirror, &groups),
            Err(_) => None,
        };
        let reserved = self.permanent.ids().to_vec();
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
            // After the sync, so that no `/n_end` of the old groups frees their ids again.
            allocator.send(Reserve(reserved)).await?;
            let defaults = Command::GNew {
                groups: groups
                    .into_iter()
                    .map(|id| (id, AddAction::AddToTail, 0))
                    .collect(),
            };
            link.send_commands(std::iter::once(defaults).chain(permanent));
            link.sync().await?;
            Ok(())
        })
    }
}

/// Mark a group permanent: a [`Reset`] makes it again, with its id, at the tail of the same
/// parent (or of the nearest ancestor the reset keeps), in the same order among the others.
/// The mark ends with the group, or when the server goes away.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct MarkPermanent(pub i32);

impl Handler<MarkPermanent> for ServerActor {
    type Result = ();

    fn handle(&mut self, msg: MarkPermanent, _: &mut Self::Context) {
        self.permanent.mark(msg.0);
    }
}
