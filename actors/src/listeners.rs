//! Fan-out of one kind of notice (lifecycle, supervision, unclaimed `/fail`) to whoever listens:
//! actix recipients, which get a copy in their mailbox, and callbacks, run in place.

use actix::prelude::*;

/// Which notices a [`Callback`] wants.
pub type Filter<T> = Box<dyn Fn(&T) -> bool + Send>;

/// The id of listeners that are never removed (the ids of removable ones count up from 1).
pub const PERMANENT: u64 = 0;

/// A closure run with each notice it wants, on the publishing actor's thread; it must not block.
pub struct Callback<T> {
    /// Identifies it for [`Listeners::remove`].
    pub id: u64,
    /// Which notices it wants (all when `None`).
    pub wants: Option<Filter<T>>,
    /// Remove it after the first notice it wants.
    pub once: bool,
    /// The closure.
    pub procedure: Box<dyn FnMut(&T) + Send>,
}

impl<T> Callback<T> {
    /// A callback for every notice, identified by `id` ([`PERMANENT`] for one never removed).
    pub fn every(id: u64, procedure: Box<dyn FnMut(&T) + Send>) -> Self {
        Callback {
            id,
            wants: None,
            once: false,
            procedure,
        }
    }

    /// Calls it if it wants `notice`; returns whether to keep it.
    fn call(&mut self, notice: &T) -> bool {
        if self.wants.as_ref().is_some_and(|wants| !wants(notice)) {
            return true;
        }
        (self.procedure)(notice);
        !self.once
    }
}

/// The recipients and callbacks of one kind of notice. Recipients hear first, in the order they
/// subscribed, then callbacks in theirs; a recipient whose actor stopped is dropped.
pub struct Listeners<T: Message<Result = ()> + Send> {
    recipients: Vec<(u64, Recipient<T>)>,
    callbacks: Vec<Callback<T>>,
}

impl<T: Message<Result = ()> + Send> Default for Listeners<T> {
    fn default() -> Self {
        Listeners {
            recipients: Vec::new(),
            callbacks: Vec::new(),
        }
    }
}

impl<T: Message<Result = ()> + Send + Clone + 'static> Listeners<T> {
    /// Sends every notice to `recipient` from now on, until [`Listeners::remove`] of `id`.
    pub fn subscribe(&mut self, id: u64, recipient: Recipient<T>) {
        self.recipients.push((id, recipient));
    }

    /// Runs `callback` with the notices it wants from now on.
    pub fn add(&mut self, callback: Callback<T>) {
        self.callbacks.push(callback);
    }

    /// Removes the recipients and callbacks with this id; answers whether there was one.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.recipients.len() + self.callbacks.len();
        self.recipients.retain(|(i, _)| *i != id);
        self.callbacks.retain(|c| c.id != id);
        before != self.recipients.len() + self.callbacks.len()
    }

    /// Hands `notice` to every listener.
    pub fn publish(&mut self, notice: &T) {
        self.recipients.retain(|(_, r)| r.connected());
        for (_, recipient) in &self.recipients {
            recipient.do_send(notice.clone());
        }
        self.callbacks.retain_mut(|c| c.call(notice));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Debug, Clone, PartialEq, Message)]
    #[rtype(result = "()")]
    struct Notice(u32);

    struct Collector(Arc<Mutex<Vec<u32>>>);

    impl Actor for Collector {
        type Context = Context<Self>;
    }

    impl Handler<Notice> for Collector {
        type Result = ();

        fn handle(&mut self, msg: Notice, _: &mut Self::Context) {
            self.0.lock().unwrap().push(msg.0);
        }
    }

    fn recording(seen: &Arc<Mutex<Vec<u32>>>) -> Box<dyn FnMut(&Notice) + Send> {
        let seen = seen.clone();
        Box::new(move |n: &Notice| seen.lock().unwrap().push(n.0))
    }

    #[test]
    fn callbacks_get_what_they_want_and_once_ones_go_after_one() {
        let mut listeners = Listeners::default();
        let every = Arc::new(Mutex::new(Vec::new()));
        let even_once = Arc::new(Mutex::new(Vec::new()));
        listeners.add(Callback::every(PERMANENT, recording(&every)));
        listeners.add(Callback {
            id: 7,
            wants: Some(Box::new(|n: &Notice| n.0.is_multiple_of(2))),
            once: true,
            procedure: recording(&even_once),
        });
        for i in 1..=4 {
            listeners.publish(&Notice(i));
        }
        assert_eq!(*every.lock().unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(*even_once.lock().unwrap(), vec![2]);
        assert!(
            !listeners.remove(7),
            "a once callback is gone after its call"
        );
    }

    #[test]
    fn removed_callbacks_hear_nothing_more() {
        let mut listeners = Listeners::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        listeners.add(Callback::every(3, recording(&seen)));
        listeners.publish(&Notice(1));
        assert!(listeners.remove(3));
        listeners.publish(&Notice(2));
        assert_eq!(*seen.lock().unwrap(), vec![1]);
    }

    #[actix::test]
    async fn recipients_get_copies_until_they_are_removed() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let collector = Collector(seen.clone()).start();
        let mut listeners = Listeners::default();
        listeners.subscribe(1, collector.clone().recipient());
        listeners.publish(&Notice(1));
        assert!(listeners.remove(1));
        listeners.publish(&Notice(2));
        listeners.subscribe(2, collector.clone().recipient());
        listeners.publish(&Notice(3));
        // A message sent after the notices arrives after them: the mailbox keeps order.
        collector.send(Notice(0)).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![1, 3, 0]);
    }
}
