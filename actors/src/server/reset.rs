//! Reset: clear the server's nodes, scheduled bundles and SynthDefs, and this client's ids, then
//! put the default groups back — without lifecycle events.

use actix::prelude::*;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use scserver_core::Pattern;

use super::request::Link;
use super::{ServerActor, Status};
use crate::allocator::{Allocate, Clear, IdKind};
use crate::error::{RequestError, ServerError};

/// Reset the server as supriya does: one bundle `[/clearSched, /g_freeAll 0, /d_freeAll]`, a
/// `/sync`, allocators cleared, the default groups created again, a `/sync`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Reset;

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_owned(),
        args,
    })
}

async fn sync(link: &Link, id: i32) -> Result<OscMessage, RequestError> {
    let sync = OscMessage {
        addr: "/sync".into(),
        args: vec![OscType::Int(id)],
    };
    link.call(sync, Pattern::new("/synced").arg(id), false)
        .await
}

impl Handler<Reset> for ServerActor {
    type Result = ResponseFuture<Result<(), ServerError>>;

    fn handle(&mut self, _: Reset, _: &mut Self::Context) -> Self::Result {
        // The reset frees every SynthDef on the server; nothing is left to replay.
        self.replay.clear();
        let state = self.state.borrow().clone();
        let link = match (state.status, self.link()) {
            (Status::Online, Some(link)) => link,
            _ => return Box::pin(async { Err(RequestError::NotConnected.into()) }),
        };
        let allocator = self.allocator.clone();
        Box::pin(async move {
            link.send(&OscPacket::Bundle(OscBundle {
                timetag: OscTime::from((0, 1)),
                content: vec![
                    message("/clearSched", vec![]),
                    message("/g_freeAll", vec![OscType::Int(0)]),
                    message("/d_freeAll", vec![]),
                ],
            }))?;
            allocator.send(Clear { keep: true }).await?;
            let next_sync = || {
                allocator.send(Allocate {
                    kind: IdKind::Sync,
                    count: 1,
                })
            };
            sync(&link, next_sync().await?.unwrap_or(0)).await?;
            // The owner re-creates every login's group; a guest only its own.
            let groups: Vec<i32> = if state.owned {
                (1..=state.max_logins.unwrap_or(1) as i32).collect()
            } else {
                state.default_group().into_iter().collect()
            };
            let args = groups
                .into_iter()
                .flat_map(|id| [OscType::Int(id), OscType::Int(1), OscType::Int(0)])
                .collect();
            link.send(&message("/g_new", args))?;
            sync(&link, next_sync().await?.unwrap_or(0)).await?;
            Ok(())
        })
    }
}
