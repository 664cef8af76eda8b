//! Trees scsynth prints for `/g_dumpTree`: the process actor hands each output line to the
//! waiting captures, oldest first; a capture parses its dump with the core's `DumpTreeParser`.
//! scsynth 3.13 prints no end marker, so a dump ends at the first line outside it.

use std::collections::VecDeque;

use actix::prelude::*;
use scserver_core::tree::{DumpLine, DumpTreeError, DumpTreeParser, QueryTreeGroup};
use tokio::sync::oneshot;

use super::ProcessActor;

/// A parsed dump, or why it could not be read.
pub type DumpResult = Result<QueryTreeGroup, DumpTreeError>;

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
