//! Flow control for requests that pass through a server queue which drops what does not fit.
//!
//! scsynth sends `/n_info` (the answer to `/n_query`) and the node notifications `/n_go`,
//! `/n_end`, `/n_off`, `/n_on`, `/n_move` from a 1024-entry FIFO between its audio and
//! non-realtime threads (`SC_HiddenWorld.h`, `mNodeEnds`); what does not fit is dropped without
//! a word. A burst of a few thousand `/n_query` in one audio period therefore loses replies.
//! supernova does the same to `/sync`, buffer commands and SynthDef loads past its 2,048-entry
//! system queue (see [`Queue`]). Requests through each queue are kept to its
//! [`window`](Queue::window) in flight per server; the rest wait here, in order, and leave as
//! earlier ones are answered (or time out). A queued request's timeout starts when it is sent.

use std::collections::VecDeque;

use actix::prelude::*;
use scserver_core::fifo::Queue;
use tokio::sync::oneshot;

use super::request::{outcome, Outgoing};
use super::ServerActor;
use crate::error::RequestError;
use crate::router::ReplyResult;

type Queued = (Outgoing, oneshot::Sender<ReplyResult>);

/// The window's part of the server actor: per queue, the requests in flight and those waiting.
#[derive(Default)]
pub(crate) struct Window {
    in_flight: [usize; Queue::ALL.len()],
    queued: [VecDeque<Queued>; Queue::ALL.len()],
}

impl ServerActor {
    /// Sends the request now if its queue's window has room, else queues it; the receiver yields
    /// the reply either way.
    pub(crate) fn windowed(
        &mut self,
        queue: Queue,
        out: Outgoing,
        tx: oneshot::Sender<ReplyResult>,
        ctx: &mut Context<Self>,
    ) {
        self.conn.window.queued[queue as usize].push_back((out, tx));
        self.pump(queue, ctx);
    }

    fn pump(&mut self, queue: Queue, ctx: &mut Context<Self>) {
        let q = queue as usize;
        while self.conn.window.in_flight[q] < queue.window() {
            let Some((out, tx)) = self.conn.window.queued[q].pop_front() else {
                return;
            };
            let command = out.address().to_owned();
            let Some(route) = self.route() else {
                let _ = tx.send(Err(RequestError::Disconnected { command }));
                continue;
            };
            self.conn.window.in_flight[q] += 1;
            // The window frees its slot when the reply (or its failure) is in, then forwards it.
            let (slot, rx) = oneshot::channel();
            route.dispatch(out, slot);
            ctx.spawn(
                async move {
                    let _ = tx.send(outcome(rx, &command).await);
                }
                .into_actor(self)
                .map(move |_, act, ctx| {
                    act.conn.window.in_flight[q] -= 1;
                    act.pump(queue, ctx);
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
        let node_fifo = |o: Outgoing| o.queue(false) == Some(Queue::NodeFifo);
        assert!(node_fifo(out("/n_info")));
        assert!(node_fifo(out("/n_go")));
        assert!(!node_fifo(out("/synced")));
        assert!(!node_fifo(out("/g_queryTree.reply")));
        assert!(!node_fifo(out("/status.reply")));
    }
}
