//! One client's side of its connection to the server.

use std::sync::Arc;

use actix::prelude::*;

use super::window::Window;
use crate::heard::LastHeard;
use crate::osc::{Close, OscActor};
use crate::router::{FailAll, RouterActor};

/// The socket (while one is open), the router that pairs replies with requests, the local port
/// scsynth knows this client by and the client id it had there, when the server was last heard,
/// and the requests in flight through the server's bounded queues.
pub(crate) struct Connection {
    pub(crate) osc: Option<Addr<OscActor>>,
    pub(crate) router: Addr<RouterActor>,
    pub(crate) local_port: u16,
    pub(crate) client_id: Option<i32>,
    pub(crate) heard: Arc<LastHeard>,
    pub(crate) window: Window,
}

impl Connection {
    /// No socket yet, and a running router.
    pub(crate) fn new() -> Self {
        let router = RouterActor::default();
        Connection {
            heard: router.last_heard(),
            router: router.start(),
            osc: None,
            local_port: 0,
            client_id: None,
            window: Window::default(),
        }
    }

    /// Starts a new router if the old one stopped; whether it had to.
    pub(crate) fn revive_router(&mut self) -> bool {
        if self.router.connected() {
            return false;
        }
        let router = RouterActor::default();
        self.heard = router.last_heard();
        self.router = router.start();
        true
    }

    /// Fails the requests waiting for replies and closes the socket.
    pub(crate) fn close(&mut self) {
        self.router.do_send(FailAll);
        if let Some(osc) = self.osc.take() {
            osc.do_send(Close);
        }
    }
}
