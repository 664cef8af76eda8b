//! scsynth's node-message FIFO (`SC_HiddenWorld.h`, `mNodeEnds`): the node notifications
//! `/n_go`, `/n_end`, `/n_off`, `/n_on`, `/n_move` and the `/n_info` that answers `/n_query`
//! leave the audio thread through one queue of 1,024 entries per control period, and what does
//! not fit is dropped without a word.

use crate::pattern::Pattern;

/// How many node messages scsynth can queue in one control period.
pub const NODE_FIFO: usize = 1024;

/// The replies that travel through the FIFO.
const REPLIES: [&str; 6] = ["/n_info", "/n_go", "/n_end", "/n_off", "/n_on", "/n_move"];

/// Whether a reply like `reply` travels through the FIFO (and may be dropped in a burst).
pub fn carries(reply: &Pattern) -> bool {
    REPLIES.contains(&reply.address.as_str())
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
}
