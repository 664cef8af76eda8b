//! `/g_dumpTree`, as supriya does it: scsynth prints the tree on its stdout, which only the owner
//! reads. The process actor hands each output line to waiting captures; a capture parses its dump
//! with the core's `DumpTreeParser`.
//!
//! scsynth 3.13 prints no end marker, so a dump ends at the first line outside it. To make sure
//! such a line comes, the request turns `/dumpOSC` on just long enough for scsynth to print the
//! `/dumpOSC 0` that turns it off again.

use std::collections::VecDeque;

use actix::prelude::*;
use scserver_core::command::Command;
use scserver_core::tree::{DumpLine, DumpTreeError, DumpTreeParser, QueryTreeGroup};
use tokio::sync::oneshot;

use super::ServerActor;
use crate::error::{RequestError, ServerError};
use crate::process::ProcessActor;

type DumpResult = Result<QueryTreeGroup, DumpTreeError>;

/// Dumps waiting for scsynth's output, oldest first (scsynth prints them in request order).
#[derive(Debug, Default)]
pub struct DumpCaptures {
    waiting: VecDeque<(DumpTreeParser, oneshot::Sender<DumpResult>)>,
}

impl DumpCaptures {
    /// Feeds one output line to the oldest capture.
    pub(crate) fn push_line(&mut self, line: &str) {
        let Some((parser, _)) = self.waiting.front_mut() else {
            return;
        };
        let outcome = parser.push_line(line);
        let done = match outcome {
            Ok(DumpLine::Finished { .. }) => None,
            Ok(_) => return,
            Err(e) => Some(e),
        };
        let (parser, tx) = self.waiting.pop_front().expect("front exists");
        let _ = tx.send(match done {
            Some(error) => Err(error),
            None => parser.finish(),
        });
        // A line that ended one dump may start the next (scsynth prints them back to back).
        if line.starts_with("NODE TREE Group ") {
            self.push_line(line);
        }
    }
}

/// Wait for the next tree scsynth prints.
#[derive(Debug, Message)]
#[rtype(result = "oneshot::Receiver<DumpResult>")]
pub struct CaptureDump;

impl Handler<CaptureDump> for ProcessActor {
    type Result = MessageResult<CaptureDump>;

    fn handle(&mut self, _: CaptureDump, _: &mut Self::Context) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.dumps.waiting.push_back((DumpTreeParser::new(), tx));
        MessageResult(rx)
    }
}

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
