//! Flow control for requests whose replies travel through scsynth's node-message FIFO.
//!
//! scsynth sends `/n_info` (the answer to `/n_query`) and the node notifications `/n_go`,
//! `/n_end`, `/n_off`, `/n_on`, `/n_move` from a 1024-entry FIFO between its audio and
//! non-realtime threads (`SC_HiddenWorld.h`, `mNodeEnds`); what does not fit is dropped without
//! a word. A burst of a few thousand `/n_query` in one audio period therefore loses replies.
//! Requests waiting for one of those replies are kept to [`NODE_WINDOW`] in flight per server;
//! the rest wait here, in order, and leave as earlier ones are answered (or time out).
//! A queued request's timeout starts when it is sent.

use std::collections::VecDeque;

use actix::prelude::*;
use tokio::sync::oneshot;

use super::request::{dispatch, outcome, Expectation};
use super::ServerActor;
use crate::error::RequestError;
use crate::router::ReplyResult;

/// Requests in flight whose replies come through the node-message FIFO. Half its size, so
/// notifications of other activity still fit beside them.
pub const NODE_WINDOW: usize = 512;

/// Replies scsynth sends through its node-message FIFO.
const FIFO_REPLIES: [&str; 6] = ["/n_info", "/n_go", "/n_end", "/n_off", "/n_on", "/n_move"];

/// Whether a request's reply comes through the node-message FIFO.
pub fn uses_node_fifo(expect: &Expectation) -> bool {
    FIFO_REPLIES.contains(&expect.reply.address.as_str())
}

type Queued = (Vec<u8>, Expectation, oneshot::Sender<ReplyResult>);

/// The window's part of the server actor.
#[derive(Default)]
pub(crate) struct Window {
    in_flight: usize,
    queued: VecDeque<Queued>,
}

impl ServerActor {
    /// Sends the request now if the window has room, else queues it; the receiver yields the
    /// reply either way.
    pub(crate) fn windowed(
        &mut self,
        bytes: Vec<u8>,
        expect: Expectation,
        tx: oneshot::Sender<ReplyResult>,
        ctx: &mut Context<Self>,
    ) {
        self.window.queued.push_back((bytes, expect, tx));
        self.pump(ctx);
    }

    fn pump(&mut self, ctx: &mut Context<Self>) {
        while self.window.in_flight < NODE_WINDOW {
            let Some((bytes, expect, tx)) = self.window.queued.pop_front() else {
                return;
            };
            let command = expect.command.clone();
            let Some(osc) = self.osc.clone() else {
                let _ = tx.send(Err(RequestError::Disconnected { command }));
                continue;
            };
            self.window.in_flight += 1;
            let timeout = self.options().request_timeout;
            // The window frees its slot when the reply (or its failure) is in, then forwards it.
            let (slot, rx) = oneshot::channel();
            dispatch(&self.router, &osc, bytes, expect, timeout, slot);
            ctx.spawn(
                async move {
                    let _ = tx.send(outcome(rx, &command).await);
                }
                .into_actor(self)
                .map(|_, act, ctx| {
                    act.window.in_flight -= 1;
                    act.pump(ctx);
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scserver_core::Pattern;

    fn expect(reply: &str) -> Expectation {
        Expectation {
            command: "/x".into(),
            reply: Pattern::new(reply).arg(1000),
            fail: None,
            timeout: None,
        }
    }

    #[test]
    fn only_node_fifo_replies_are_windowed() {
        assert!(uses_node_fifo(&expect("/n_info")));
        assert!(uses_node_fifo(&expect("/n_go")));
        assert!(!uses_node_fifo(&expect("/synced")));
        assert!(!uses_node_fifo(&expect("/g_queryTree.reply")));
        assert!(!uses_node_fifo(&expect("/status.reply")));
    }
}
