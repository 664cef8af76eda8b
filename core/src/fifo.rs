//! The servers' bounded internal queues, which drop what does not fit without a word.
//!
//! scsynth's node-message FIFO (`SC_HiddenWorld.h`, `mNodeEnds`): the node notifications
//! `/n_go`, `/n_end`, `/n_off`, `/n_on`, `/n_move` and the `/n_info` that answers `/n_query`
//! leave the audio thread through one queue of 1,024 entries per control period. supernova's
//! system queue: see [`SUPERNOVA_SYSTEM_QUEUE`].

use crate::pattern::Pattern;

/// How many node messages scsynth can queue in one control period.
pub const NODE_FIFO: usize = 1024;

/// The replies that travel through the FIFO.
const REPLIES: [&str; 6] = ["/n_info", "/n_go", "/n_end", "/n_off", "/n_on", "/n_move"];

/// Whether a reply like `reply` travels through the FIFO (and may be dropped in a burst).
pub fn carries(reply: &Pattern) -> bool {
    REPLIES.contains(&reply.address.as_str())
}

/// supernova's queue from its audio thread to its system thread (`server.hpp`,
/// `system_interpreter`): a single-producer queue of 2,048 entries (`callback_system.hpp`) whose
/// `push` result is ignored, so what does not fit is dropped without a word. Each `/sync`, buffer
/// command and SynthDef load takes an entry on its way (`sc_osc_handler.cpp`,
/// `fire_system_callback`): 10,000 `/sync` arriving in one audio period get about 2,048 answers.
pub const SUPERNOVA_SYSTEM_QUEUE: usize = 2048;

/// The commands that pass through [`SUPERNOVA_SYSTEM_QUEUE`].
const SYSTEM_COMMANDS: [&str; 14] = [
    "/sync",
    "/b_alloc",
    "/b_free",
    "/b_allocRead",
    "/b_allocReadChannel",
    "/b_write",
    "/b_read",
    "/b_readChannel",
    "/b_zero",
    "/b_close",
    "/b_gen",
    "/d_recv",
    "/d_load",
    "/d_loadDir",
];

/// A server queue that drops what does not fit, and so bounds the requests in flight through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// scsynth's node-message FIFO ([`NODE_FIFO`]), which `/n_info` and node notifications take.
    NodeFifo,
    /// supernova's system queue ([`SUPERNOVA_SYSTEM_QUEUE`]).
    SupernovaSystem,
}

impl Queue {
    /// Both queues, in index order.
    pub const ALL: [Queue; 2] = [Queue::NodeFifo, Queue::SupernovaSystem];

    /// How many requests may be in flight through the queue: half of it, so that other traffic
    /// (notifications, other clients) still fits beside them.
    pub fn window(self) -> usize {
        match self {
            Queue::NodeFifo => NODE_FIFO / 2,
            Queue::SupernovaSystem => SUPERNOVA_SYSTEM_QUEUE / 2,
        }
    }

    /// The queue a request for `command` answered by `reply` passes through on scsynth or
    /// (`supernova`) supernova, if any: the node FIFO by its reply, supernova's system queue by
    /// its command.
    pub fn of(command: &str, reply: Option<&Pattern>, supernova: bool) -> Option<Queue> {
        if reply.is_some_and(carries) {
            Some(Queue::NodeFifo)
        } else if supernova && SYSTEM_COMMANDS.contains(&command) {
            Some(Queue::SupernovaSystem)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_node_messages_travel_through_the_fifo() {
        assert!(carries(&Pattern::new("/n_info").arg(1000)));
        assert!(carries(&Pattern::new("/n_go")));
        assert!(!carries(&Pattern::new("/synced").arg(1)));
        assert!(!carries(&Pattern::new("/g_queryTree.reply")));
        assert!(!carries(&Pattern::new("/status.reply")));
    }

    #[test]
    fn syncs_buffer_commands_and_synthdef_loads_take_supernovas_system_queue() {
        let synced = Pattern::new("/synced").arg(1);
        assert_eq!(
            Queue::of("/sync", Some(&synced), true),
            Some(Queue::SupernovaSystem)
        );
        assert_eq!(Queue::of("/sync", Some(&synced), false), None);
        assert_eq!(
            Queue::of("/d_recv", None, true),
            Some(Queue::SupernovaSystem)
        );
        assert_eq!(Queue::of("/status", None, true), None);
        let info = Pattern::new("/n_info").arg(1000);
        for supernova in [false, true] {
            assert_eq!(
                Queue::of("/n_query", Some(&info), supernova),
                Some(Queue::NodeFifo)
            );
        }
        assert_eq!(Queue::SupernovaSystem.window(), 1024);
        assert_eq!(Queue::NodeFifo.window(), 512);
        assert_eq!(
            Queue::ALL[Queue::SupernovaSystem as usize],
            Queue::SupernovaSystem
        );
    }
}
