//! Whether the store is reachable: an outage is logged and counted once,
//! its end once, whichever task notices first. And the reconnect backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::ShareError;
use crate::stats::{Counters, bump};

const NEVER: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

#[derive(Debug)]
pub(crate) struct Health {
    state: AtomicU8,
    counters: Arc<Counters>,
}

impl Health {
    pub(crate) fn new(counters: Arc<Counters>) -> Self {
        Self {
            state: AtomicU8::new(NEVER),
            counters,
        }
    }

    pub(crate) fn up(&self) {
        let before = self.state.swap(UP, Ordering::AcqRel);
        self.counters.connected.store(true, Ordering::Relaxed);
        if before == DOWN {
            bump(&self.counters.reconnects);
            #[cfg(feature = "tracing")]
            tracing::info!("shared breaker state: store reachable again, sharing resumed");
        }
    }

    pub(crate) fn down(&self, error: &ShareError) {
        let before = self.state.swap(DOWN, Ordering::AcqRel);
        self.counters.connected.store(false, Ordering::Relaxed);
        if before != DOWN {
            bump(&self.counters.outages);
            #[cfg(feature = "tracing")]
            tracing::warn!(
                error = %error,
                "shared breaker state: store unreachable, breakers act on local evidence only until it is back"
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = error;
    }
}

/// Doubling waits between reconnection attempts, from `min` to `max`.
#[derive(Debug)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    pub(crate) fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_counts_once_and_its_end_once() {
        let counters = Arc::new(Counters::default());
        let health = Health::new(Arc::clone(&counters));
        let err = ShareError::Unavailable("refused".to_owned());
        health.up();
        health.down(&err);
        health.down(&err);
        health.up();
        health.up();
        let stats = counters.snapshot();
        assert_eq!(
            (stats.outages, stats.reconnects, stats.connected),
            (1, 1, true)
        );
    }

    #[test]
    fn a_store_down_at_start_is_an_outage() {
        let counters = Arc::new(Counters::default());
        let health = Health::new(Arc::clone(&counters));
        health.down(&ShareError::Unavailable("refused".to_owned()));
        assert_eq!(counters.snapshot().outages, 1);
        health.up();
        assert_eq!(counters.snapshot().reconnects, 1);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let ms = Duration::from_millis;
        let mut backoff = Backoff::new(ms(100), ms(350));
        let waits: Vec<_> = (0..4).map(|_| backoff.next_wait()).collect();
        assert_eq!(waits, [ms(100), ms(200), ms(350), ms(350)]);
        backoff.reset();
        assert_eq!(backoff.next_wait(), ms(100));
    }
}
