//! The receiver task: subscribes, reads the stored open states, then
//! applies live news until the connection is lost; reconnects with backoff.
//! Every message is checked before it may touch a breaker.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::State;
use tokio::sync::oneshot;

use super::Shared;
use super::health::Backoff;
use crate::backend::{SharedState, Subscription};
use crate::stats::bump;
use crate::{Breakers, Change, Message, ReplicaId, ShareError};

/// How many (sender, breaker) pairs the stale check remembers before it
/// starts afresh (a bound, not a size anyone should reach).
const MAX_SEEN: usize = 10_000;

/// The newest message seen per sender and breaker, to refuse older ones
/// (a stored state read after its sender's newer live news).
#[derive(Debug, Default)]
pub(super) struct Seen {
    newest: HashMap<(ReplicaId, String), (u64, u64)>,
}

impl Seen {
    /// Whether `message` is older than one already seen; records it if not.
    fn is_stale(&mut self, message: &Message) -> bool {
        let key = (message.replica.clone(), message.breaker.clone());
        if let Some(&(instance, seq)) = self.newest.get(&key) {
            if instance == message.instance && seq >= message.seq {
                return true;
            }
        } else if self.newest.len() >= MAX_SEEN {
            self.newest.clear();
        }
        self.newest.insert(key, (message.instance, message.seq));
        false
    }
}

/// What became of one received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Applied,
    NoEffect,
    Own,
    Forged,
    Stale,
}

/// Checks and applies one message; `stored` is the time a stored open
/// state has left by the store's clock.
pub(super) fn handle<B: Breakers>(
    shared: &Shared,
    seen: &mut Seen,
    breakers: &B,
    bytes: &[u8],
    stored: Option<Duration>,
) -> Verdict {
    let counters = &shared.counters;
    bump(&counters.received);
    let settings = &shared.settings;
    let message = match Message::decode(bytes, &settings.namespace, settings.max_open_period) {
        Ok(message) => message,
        Err(error) => {
            bump(&counters.ignored_forged);
            #[cfg(feature = "tracing")]
            {
                let n = counters
                    .ignored_forged
                    .load(std::sync::atomic::Ordering::Relaxed);
                // 1st, 2nd, 4th, 8th…: visible, never a flood.
                if n.is_power_of_two() {
                    tracing::warn!(%error, ignored = n, "shared breaker state: message ignored");
                }
            }
            #[cfg(not(feature = "tracing"))]
            let _ = error;
            return Verdict::Forged;
        }
    };
    if message.replica == settings.replica && message.instance == shared.instance {
        bump(&counters.ignored_own);
        return Verdict::Own;
    }
    if seen.is_stale(&message) {
        bump(&counters.ignored_stale);
        return Verdict::Stale;
    }
    let applied = match &message.change {
        Change::Opened { remaining, reason } => {
            let remaining = stored.map_or(*remaining, |left| left.min(*remaining));
            !remaining.is_zero()
                && breakers.for_open(&message.breaker).is_some_and(|breaker| {
                    breaker.open_for(
                        remaining,
                        format!("opened by peer {}: {reason}", message.replica),
                    )
                })
        }
        Change::Closed => breakers
            .existing(&message.breaker)
            .is_some_and(|breaker| breaker.state() == State::Open && breaker.allow_probe_now()),
    };
    if applied {
        bump(&counters.applied);
        Verdict::Applied
    } else {
        Verdict::NoEffect
    }
}

/// Subscribes first, then reads the stored states: news published in
/// between arrives live, and the stale check keeps the order right.
async fn connect<S: SharedState, B: Breakers>(
    shared: &Shared,
    store: &S,
    breakers: &B,
    seen: &mut Seen,
) -> Result<S::Subscription, ShareError> {
    let namespace = &shared.settings.namespace;
    let timeout = shared.settings.connect_timeout;
    let subscription = tokio::time::timeout(timeout, store.subscribe(namespace))
        .await
        .map_err(|_| ShareError::Unavailable("subscribing timed out".to_owned()))??;
    let stored = tokio::time::timeout(timeout, store.open_states(namespace))
        .await
        .map_err(|_| ShareError::Unavailable("reading open states timed out".to_owned()))??;
    for state in stored {
        handle(
            shared,
            seen,
            breakers,
            &state.payload,
            Some(state.remaining),
        );
    }
    Ok(subscription)
}

/// Applies live news until the subscription ends or stops answering.
async fn listen<S: Subscription, B: Breakers>(
    shared: &Shared,
    subscription: &mut S,
    breakers: &B,
    seen: &mut Seen,
) -> ShareError {
    let mut ping = tokio::time::interval(shared.settings.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            received = subscription.next() => match received {
                Some(bytes) => {
                    handle(shared, seen, breakers, &bytes, None);
                }
                None => return ShareError::Unavailable("subscription lost".to_owned()),
            },
            _ = ping.tick() => {
                let answer = tokio::time::timeout(shared.settings.connect_timeout, subscription.ping()).await;
                match answer {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => return error,
                    Err(_) => return ShareError::Unavailable("ping timed out".to_owned()),
                }
            }
        }
    }
}

pub(super) async fn run<S: SharedState, B: Breakers>(
    shared: Arc<Shared>,
    store: Arc<S>,
    breakers: B,
    ready: oneshot::Sender<()>,
) {
    let settings = &shared.settings;
    let mut backoff = Backoff::new(settings.reconnect_min, settings.reconnect_max);
    let mut seen = Seen::default();
    let mut ready = Some(ready);
    loop {
        match connect(&shared, &*store, &breakers, &mut seen).await {
            Ok(mut subscription) => {
                shared.health.up();
                backoff.reset();
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                let lost = listen(&shared, &mut subscription, &breakers, &mut seen).await;
                shared.health.down(&lost);
            }
            Err(error) => {
                shared.health.down(&error);
                // Start goes on local-only; this task keeps trying.
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
        }
        tokio::time::sleep(backoff.next_wait()).await;
    }
}
