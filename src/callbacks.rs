//! The guard every subscription returns: callbacks, actix recipients and failure listeners end
//! when it is dropped.

/// A registered callback or recipient (lifecycle, OSC, `/fail`, supervision, recordings), which
/// hears until this guard is dropped or [`unregister`](Self::unregister)ed, or for the life of
/// what it listens to once [`detach`](Self::detach)ed.
///
/// The end is ordered with what follows: nothing caused by a message sent to the server after
/// the guard is dropped reaches the callback.
#[must_use = "dropping a Subscription ends it at once; keep it, or call .detach() to keep it for the server's life"]
pub struct Subscription {
    end: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Subscription {
    /// A subscription that `end` ends.
    pub(crate) fn new(end: impl FnOnce() + Send + Sync + 'static) -> Subscription {
        Subscription {
            end: Some(Box::new(end)),
        }
    }

    /// Ends it now (as dropping it does).
    pub fn unregister(self) {}

    /// Keeps it for the life of what it listens to: nothing ends it any more.
    pub fn detach(mut self) {
        self.end = None;
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(end) = self.end.take() {
            end();
        }
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("active", &self.end.is_some())
            .finish()
    }
}

/// Whether a callback hears every match or only the first (supriya's `once`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Every matching message or event, until the subscription ends.
    #[default]
    Every,
    /// The first match only; the callback then ends by itself.
    Once,
}
