//! `/fail`s nobody awaited (supriya's `FailWarning`): each is logged as a `tracing` warning by the
//! router and handed to every subscriber here.

use actix::Recipient;
use scserver_actors::router::UnclaimedFailure;
use scserver_actors::server::notifications::{FailureSink, SubscribeFailures};

use crate::{AsyncServer, Server};

impl AsyncServer {
    /// Delivers every `/fail` no request awaited to an actix recipient.
    pub fn subscribe_failures(&self, recipient: Recipient<UnclaimedFailure>) {
        self.actor()
            .do_send(SubscribeFailures(FailureSink::Recipient(recipient)));
    }

    /// Calls `procedure` for every `/fail` no request awaited, on an actor thread; it must not
    /// block.
    pub fn on_failure(&self, procedure: impl FnMut(&UnclaimedFailure) + Send + 'static) {
        self.actor()
            .do_send(SubscribeFailures(FailureSink::Fn(Box::new(procedure))));
    }
}

impl Server {
    /// Delivers every `/fail` no request awaited to an actix recipient.
    pub fn subscribe_failures(&self, recipient: Recipient<UnclaimedFailure>) {
        self.as_async().subscribe_failures(recipient)
    }

    /// Calls `procedure` for every `/fail` no request awaited (see [`AsyncServer::on_failure`]).
    pub fn on_failure(&self, procedure: impl FnMut(&UnclaimedFailure) + Send + 'static) {
        self.as_async().on_failure(procedure)
    }
}
