//! The active health check: while the breaker is OPEN, poll `GET /health`
//! every [`health_check_interval`](crate::ClientConfig::health_check_interval);
//! once it answers healthy, end the open period early
//! ([`CircuitBreaker::allow_probe_now`](circuit_core::CircuitBreaker::allow_probe_now))
//! so that the next call probes at once. It never closes the breaker: the
//! probe decides.
//!
//! No task runs while the breaker is closed. A breaker listener starts one
//! poller when the breaker opens (on the tokio runtime of the call that
//! tripped it); the poller ends when the breaker leaves OPEN, the client
//! closes, or the last handle is dropped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use circuit_core::{EventListener, State, StateChange};
use tokio::sync::Notify;

use crate::client::Inner;
use crate::operation::Operation;
use crate::request_id::RequestId;

/// What the poller and the listener share.
#[derive(Debug)]
pub(crate) struct HealthWatch {
    interval: Duration,
    client: OnceLock<Weak<Inner>>,
    running: AtomicBool,
    stop: Notify,
}

impl HealthWatch {
    pub(crate) fn new(interval: Duration) -> Arc<Self> {
        Arc::new(Self {
            interval,
            client: OnceLock::new(),
            running: AtomicBool::new(false),
            stop: Notify::new(),
        })
    }

    /// Ties the watch to its client, once built.
    pub(crate) fn attach(&self, client: &Arc<Inner>) {
        let _ = self.client.set(Arc::downgrade(client));
    }

    /// Whether a poller is running.
    #[cfg(test)]
    pub(crate) fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// Wakes a sleeping poller so that it sees the client closed.
    pub(crate) fn stop(&self) {
        self.stop.notify_waiters();
    }

    /// Starts the poller unless one runs, on the current tokio runtime (a
    /// breaker that trips outside one is not polled).
    fn start(self: &Arc<Self>) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(Arc::clone(self).poll());
            }
            Err(_) => {
                self.running.store(false, Ordering::Release);
                tracing::debug!("Breaker opened outside a tokio runtime: no active health check");
            }
        }
    }

    async fn poll(self: Arc<Self>) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                () = self.stop.notified() => break,
            }
            let Some(client) = self.client.get().and_then(Weak::upgrade) else {
                break;
            };
            if client.lifecycle.is_closed() || client.breaker.state() != State::Open {
                break;
            }
            let healthy = client
                .check_health(RequestId::next(Operation::HealthCheck), State::Open)
                .await
                .is_ok();
            let shortened = healthy && client.breaker.allow_probe_now();
            client.counters.active_check(shortened);
            if shortened {
                tracing::info!(
                    breaker = client.breaker.name(),
                    "Backend healthy again: the next call probes now"
                );
            }
        }
        self.running.store(false, Ordering::Release);
        // The breaker may have opened again between the last look and now,
        // when the listener still saw this poller running.
        let reopened = self
            .client
            .get()
            .and_then(Weak::upgrade)
            .is_some_and(|c| !c.lifecycle.is_closed() && c.breaker.state() == State::Open);
        if reopened {
            self.start();
        }
    }
}

/// Starts the poller when the breaker opens.
#[derive(Debug)]
pub(crate) struct OnOpen(pub(crate) Arc<HealthWatch>);

impl EventListener for OnOpen {
    fn on_state_change(&self, _breaker: &str, change: &StateChange) {
        if change.to == State::Open {
            self.0.start();
        }
    }
}
