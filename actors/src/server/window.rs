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

use super::request::{outcome, Outgoing};
use super::ServerActor;
use crate::error::RequestError;
use crate::router::ReplyResult;

/// Requests in flight whose replies come through the node-message FIFO. Half its size, so
/// notifications of other activity still fit beside them.
pub const NODE_WINDOW: usize = scserver_core::fifo::NODE_FIFO / 2;

type Queued = (Outgoing, oneshot::Sender<ReplyResult>);

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
        out: Outgoing,
        tx: oneshot::Sender<ReplyResult>,
        ctx: &mut Context<Self>,
    ) {
        self.conn.window.queued.push_back((out, tx));
        self.pump(ctx);
    }

    fn pump(&mut self, ctx: &mut Context<Self>) {
        while self.conn.window.in_flight < NODE_WINDOW {
            let Some((out, tx)) = self.conn.window.queued.pop_front() else {
                return;
            };
            let command = out.address().to_owned();
            let Some(route) = self.route() else {
                let _ = tx.send(Err(RequestError::Disconnected { command }));
                continue;
            };
            self.conn.window.in_flight += 1;
            // The window frees its slot when the reply (or its failure) is in, then forwards it.
            let (slot, rx) = oneshot::channel();
            route.dispatch(out, slot);
            ctx.spawn(
                async move {
                    let _ = tx.send(outcome(rx, &command).await);
                }
                .into_actor(self)
                .map(|_, act, ctx| {
                    act.conn.window.in_flight -= 1;
                    act.pump(ctx);
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::request::Expectation;
    use rosc::{OscMessage, OscPacket};
    use scserver_core::Pattern;

    fn out(reply: &str) -> Outgoing {
        let packet = OscPacket::Message(OscMessage {
            addr: "/x".into(),
            args: vec![],
        });
        let expect = Expectation {
            command: "/x".into(),
            reply: Pattern::new(reply).arg(1000),
            fail: None,
            timeout: None,
        };
        Outgoing::raw(&packet, expect).unwrap()
    }

    #[test]
    fn only_node_fifo_replies_are_windowed() {
        assert!(out("/n_info").uses_node_fifo());
        assert!(out("/n_go").uses_node_fifo());
        assert!(!out("/synced").uses_node_fifo());
        assert!(!out("/g_queryTree.reply").uses_node_fifo());
        assert!(!out("/status.reply").uses_node_fifo());
    }
}
