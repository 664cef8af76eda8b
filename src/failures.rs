//! `/fail`s nobody awaited (supriya's `FailWarning`): each is logged as a `tracing` warning by the
//! router and handed to every subscriber here.

use actix::Recipient;
use scserver_actors::router::UnclaimedFailure;
use scserver_actors::server::events::Topic;
use scserver_actors::server::notifications::{FailureSink, SubscribeFailures};

use crate::{AsyncServer, Server, Subscription};

impl AsyncServer {
    /// Delivers every `/fail` no request awaited to an actix recipient, until the returned
    /// [`Subscription`] is dropped.
    pub fn subscribe_failures(&self, recipient: Recipient<UnclaimedFailure>) -> Subscription {
        self.add_failure_sink(FailureSink::Recipient(recipient))
    }

    /// Calls `procedure` for every `/fail` no request awaited, on an actor thread (it must not
    /// block), until the returned [`Subscription`] is dropped.
    pub fn on_failure(
        &self,
        procedure: impl FnMut(&UnclaimedFailure) + Send + 'static,
    ) -> Subscription {
        self.add_failure_sink(FailureSink::Fn(Box::new(procedure)))
    }

    fn add_failure_sink(&self, sink: FailureSink) -> Subscription {
        let id = self.next_id();
        self.actor().do_send(SubscribeFailures { id, sink });
        self.subscription(Topic::Failures, id)
    }
}

impl Server {
    /// Delivers every `/fail` no request awaited to an actix recipient (see
    /// [`AsyncServer::subscribe_failures`]).
    pub fn subscribe_failures(&self, recipient: Recipient<UnclaimedFailure>) -> Subscription {
        self.as_async().subscribe_failures(recipient)
    }

    /// Calls `procedure` for every `/fail` no request awaited (see [`AsyncServer::on_failure`]).
    pub fn on_failure(
        &self,
        procedure: impl FnMut(&UnclaimedFailure) + Send + 'static,
    ) -> Subscription {
        self.as_async().on_failure(procedure)
    }
}
