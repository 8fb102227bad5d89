//! [`MemoryStore`]: a [`SharedState`] inside one process, for tests and
//! for several registries of one process; it can be switched off to play
//! an outage.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{broadcast, watch};

use crate::backend::{SharedState, Stored, Subscription};
use crate::{Change, Message, Namespace, ShareError};

/// How many messages a slow in-memory subscriber may lag behind before it
/// skips the oldest.
const CHANNEL_CAPACITY: usize = 1024;

type OpenKey = (String, String, String);

struct State {
    channels: HashMap<String, broadcast::Sender<Vec<u8>>>,
    open: HashMap<OpenKey, (Vec<u8>, Instant)>,
}

/// An in-process store: clones share it. Like Redis it keeps open states
/// until their period ends and drops live messages nobody listens to.
#[derive(Clone)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    available: Arc<watch::Sender<bool>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("available", &*self.available.borrow())
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty, available store.
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                channels: HashMap::new(),
                open: HashMap::new(),
            })),
            available: Arc::new(watch::Sender::new(true)),
        }
    }

    /// Plays an outage (`false`: every operation fails and subscriptions
    /// end) or its end (`true`). Stored open states survive, as they
    /// would in a Redis that kept its data.
    pub fn set_available(&self, available: bool) {
        self.available.send_replace(available);
    }

    /// Publishes raw bytes on `namespace`'s channel, as any client of the
    /// store could (to test what receivers make of garbage).
    ///
    /// # Errors
    /// [`ShareError::Unavailable`] during an outage.
    pub fn publish_raw(&self, namespace: &Namespace, payload: Vec<u8>) -> Result<(), ShareError> {
        self.check()?;
        if let Some(tx) = self.lock().channels.get(namespace.as_str()) {
            let _ = tx.send(payload);
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check(&self) -> Result<(), ShareError> {
        if *self.available.borrow() {
            Ok(())
        } else {
            Err(ShareError::Unavailable(
                "the in-memory store is switched off".to_owned(),
            ))
        }
    }
}

impl SharedState for MemoryStore {
    type Subscription = MemorySubscription;

    async fn publish(&self, message: &Message) -> Result<(), ShareError> {
        self.check()?;
        let payload = message.encode();
        let key = (
            message.namespace.to_string(),
            message.replica.to_string(),
            message.breaker.clone(),
        );
        let mut state = self.lock();
        match &message.change {
            Change::Opened { remaining, .. } => {
                state
                    .open
                    .insert(key, (payload.clone(), Instant::now() + *remaining));
            }
            Change::Closed => {
                state.open.remove(&key);
            }
        }
        if let Some(tx) = state.channels.get(message.namespace.as_str()) {
            let _ = tx.send(payload);
        }
        Ok(())
    }

    async fn subscribe(&self, namespace: &Namespace) -> Result<MemorySubscription, ShareError> {
        self.check()?;
        let rx = self
            .lock()
            .channels
            .entry(namespace.to_string())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe();
        Ok(MemorySubscription {
            rx,
            available: self.available.subscribe(),
        })
    }

    async fn open_states(&self, namespace: &Namespace) -> Result<Vec<Stored>, ShareError> {
        self.check()?;
        let now = Instant::now();
        let mut state = self.lock();
        state.open.retain(|_, (_, until)| *until > now);
        Ok(state
            .open
            .iter()
            .filter(|((ns, _, _), _)| ns == namespace.as_str())
            .map(|(_, (payload, until))| Stored {
                payload: payload.clone(),
                remaining: *until - now,
            })
            .collect())
    }
}

/// A [`MemoryStore`] subscription; ends when the store is switched off.
#[derive(Debug)]
pub struct MemorySubscription {
    rx: broadcast::Receiver<Vec<u8>>,
    available: watch::Receiver<bool>,
}

impl Subscription for MemorySubscription {
    async fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if !*self.available.borrow_and_update() {
                return None;
            }
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(bytes) => return Some(bytes),
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                changed = self.available.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
            }
        }
    }

    async fn ping(&mut self) -> Result<(), ShareError> {
        if *self.available.borrow() {
            Ok(())
        } else {
            Err(ShareError::Unavailable(
                "the in-memory store is switched off".to_owned(),
            ))
        }
    }
}
