//! `/g_dumpTree`, as supriya does it: scsynth prints the tree on its stdout, which only the owner
//! reads; the process actor captures it (see [`crate::process::dump`]).
//!
//! scsynth 3.13 prints no end marker, so a dump ends at the first line outside it. To make sure
//! such a line comes, the request turns `/dumpOSC` on just long enough for scsynth to print the
//! `/dumpOSC 0` that turns it off again.

use actix::prelude::*;
use scserver_core::command::Command;
use scserver_core::tree::QueryTreeGroup;

use super::ServerActor;
use crate::error::{RequestError, ServerError};
use crate::process::dump::CaptureDump;

/// `/g_dumpTree group flag` and the tree parsed from scsynth's output (owned servers only).
#[derive(Debug, Message)]
#[rtype(result = "Result<QueryTreeGroup, ServerError>")]
pub struct DumpTree {
    /// The group to dump.
    pub group: i32,
    /// Whether to include synth controls.
    pub include_controls: bool,
}

impl Handler<DumpTree> for ServerActor {
    type Result = ResponseFuture<Result<QueryTreeGroup, ServerError>>;

    fn handle(&mut self, msg: DumpTree, _: &mut Self::Context) -> Self::Result {
        let (Some(process), Some(link)) = (self.process.clone(), self.link()) else {
            return Box::pin(async { Err(ServerError::NotOwner) });
        };
        Box::pin(async move {
            let capture = process.send(CaptureDump).await?;
            link.send_commands([Command::GDumpTree {
                groups: vec![(msg.group, msg.include_controls)],
            }]);
            link.sync().await?;
            // An unindented line after the dump: scsynth printing the message that stops dumpOSC.
            for mode in [1, 0] {
                link.send_commands([Command::DumpOsc { mode }]);
                link.sync().await?;
            }
            let tree = tokio::time::timeout(link.route.timeout, capture)
                .await
                .map_err(|_| RequestError::Timeout {
                    command: "/g_dumpTree".into(),
                    expected: "the end of the tree on scsynth's output".into(),
                    timeout: link.route.timeout,
                })?
                .map_err(|_| RequestError::Disconnected {
                    command: "/g_dumpTree".into(),
                })?;
            tree.map_err(|e| {
                RequestError::BadReply {
                    command: "/g_dumpTree".into(),
                    message: e.to_string(),
                }
                .into()
            })
        })
    }
}
