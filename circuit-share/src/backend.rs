//! [`SharedState`]: the store replicas share through. Small on purpose:
//! publish one message, subscribe to everyone's, read what is open now.
//! Reconnection, backoff, validation and the breakers are the driver's.

use std::future::Future;
use std::time::Duration;

use crate::{Message, Namespace, ShareError};

/// A store the replicas of a namespace share breaker news through
/// ([`RedisBackend`](crate::RedisBackend), or [`MemoryStore`](crate::MemoryStore)
/// within one process).
///
/// None of these methods runs on a call path: the driver calls them from
/// its own tasks.
pub trait SharedState: Send + Sync + 'static {
    /// A live feed of every message published in a namespace.
    type Subscription: Subscription;

    /// Tells every subscriber of the message's namespace, and keeps an
    /// [`Opened`](crate::Change::Opened) message readable by
    /// [`open_states`](Self::open_states) for its remaining period (a
    /// [`Closed`](crate::Change::Closed) one removes the sender's).
    ///
    /// # Errors
    /// [`ShareError::Unavailable`] when the store cannot be reached or did
    /// not answer in time.
    fn publish(&self, message: &Message) -> impl Future<Output = Result<(), ShareError>> + Send;

    /// Subscribes to `namespace`'s messages.
    ///
    /// # Errors
    /// [`ShareError::Unavailable`] as for [`publish`](Self::publish).
    fn subscribe(
        &self,
        namespace: &Namespace,
    ) -> impl Future<Output = Result<Self::Subscription, ShareError>> + Send;

    /// The open states stored in `namespace` now, each as its message and
    /// the time it has left by the store's clock.
    ///
    /// # Errors
    /// [`ShareError::Unavailable`] as for [`publish`](Self::publish).
    fn open_states(
        &self,
        namespace: &Namespace,
    ) -> impl Future<Output = Result<Vec<Stored>, ShareError>> + Send;
}

/// A subscription's feed.
pub trait Subscription: Send + 'static {
    /// The next message's bytes, unchecked; `None` once the connection is
    /// lost. Must be cancel-safe (the driver polls it in a `select!`).
    fn next(&mut self) -> impl Future<Output = Option<Vec<u8>>> + Send;

    /// Checks the connection is alive (a silent network can otherwise
    /// leave a subscription waiting forever).
    ///
    /// # Errors
    /// [`ShareError::Unavailable`] when it is not.
    fn ping(&mut self) -> impl Future<Output = Result<(), ShareError>> + Send;
}

/// One stored open state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The message as published, unchecked.
    pub payload: Vec<u8>,
    /// How long the store keeps it still (its TTL): the open period left,
    /// measured by one clock, the store's.
    pub remaining: Duration,
}
