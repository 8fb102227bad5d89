//! The publisher task: sends the outbox's newest news per breaker, off the
//! call path; on failure keeps it (newest still wins) and retries with
//! backoff.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Shared;
use super::health::Backoff;
use crate::backend::SharedState;
use crate::outbox::{News, Pending};
use crate::stats::bump;
use crate::{Change, Message, ShareError};

/// The message for `pending`, with the open period left now; `None` if it
/// has run out (nothing left to tell).
pub(super) fn message(shared: &Shared, breaker: &str, pending: &Pending) -> Option<Message> {
    let change = match &pending.news {
        News::Opened { period, reason } => {
            let remaining = period.saturating_sub(pending.at.elapsed());
            // The wire counts whole milliseconds.
            if remaining < Duration::from_millis(1) {
                return None;
            }
            Change::Opened {
                remaining,
                reason: reason.clone(),
            }
        }
        News::Closed => Change::Closed,
        News::Nothing => return None,
    };
    Some(Message {
        namespace: shared.settings.namespace.clone(),
        replica: shared.settings.replica.clone(),
        instance: shared.instance,
        seq: shared.seq.fetch_add(1, Ordering::Relaxed) + 1,
        breaker: breaker.to_owned(),
        epoch: pending.epoch,
        change,
    })
}

/// One retry at once: a connection broken by an earlier outage fails its
/// first command, and the store dropping it is not a new outage.
async fn send<S: SharedState>(store: &S, message: &Message) -> Result<(), ShareError> {
    match store.publish(message).await {
        Ok(()) => Ok(()),
        Err(_) => store.publish(message).await,
    }
}

pub(super) async fn run<S: SharedState>(shared: Arc<Shared>, store: Arc<S>) {
    let settings = &shared.settings;
    let mut backoff = Backoff::new(settings.reconnect_min, settings.reconnect_max);
    loop {
        if shared.outbox.is_empty() {
            shared.outbox.notify.notified().await;
        }
        let mut batch = shared.outbox.take().into_iter();
        let mut failed = None;
        while let Some((name, pending)) = batch.next() {
            let Some(message) = message(&shared, &name, &pending) else {
                continue;
            };
            match send(&*store, &message).await {
                Ok(()) => {
                    bump(&shared.counters.published);
                    shared.health.up();
                }
                Err(error) => {
                    let mut unsent = vec![(name, pending)];
                    unsent.extend(batch);
                    shared.outbox.put_back(unsent);
                    failed = Some(error);
                    break;
                }
            }
        }
        match failed {
            Some(error) => {
                shared.health.down(&error);
                tokio::time::sleep(backoff.next_wait()).await;
            }
            None => backoff.reset(),
        }
    }
}
