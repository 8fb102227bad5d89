//! Client-level counters and the `client_stats()` snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use circuit_core::Metrics;
use serde::{Deserialize, Serialize};

use fallback_cache::FallbackStats;

/// A snapshot of a client's counters, serialised as the seed design shows
/// (`total_requests`, `success_requests`, `failed_requests`, `success_rate`,
/// `circuit_breaker`, `base_url`) plus the fallback and refusal counts.
///
/// Counting rules: every call that passed validation on an open client is
/// one request, counted when it ends. `success_requests` are live answers
/// from the backend; `failed_requests` are all the others: errors,
/// rejections by the open breaker, cancelled calls, and calls a fallback
/// answered (counted again in `fallback_responses`). So
/// `total_requests == success_requests + failed_requests` always.
/// Invalid requests and calls on a closed client never reach the funnel's
/// counters except `invalid_requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientStats {
    /// Requests that ended, whatever the outcome.
    pub total_requests: u64,
    /// Live successes.
    pub success_requests: u64,
    /// Everything else (see the type's docs).
    pub failed_requests: u64,
    /// `success_requests / total_requests`; 1 before the first request.
    pub success_rate: f64,
    /// The breaker's own metrics (the host breaker's, with
    /// [`endpoint_circuit`](crate::ClientConfig::endpoint_circuit)).
    pub circuit_breaker: Metrics,
    /// With `endpoint_circuit`, each endpoint's breaker, in
    /// [`Operation::ALL`](crate::Operation::ALL) order; empty otherwise.
    #[serde(default)]
    pub endpoint_breakers: Vec<Metrics>,
    /// The backend the client talks to.
    pub base_url: String,
    /// Failed requests that a fallback answered.
    pub fallback_responses: u64,
    /// Failed requests the breaker refused without sending.
    pub rejected_requests: u64,
    /// Failed requests that timed out.
    pub timeout_requests: u64,
    /// Requests dropped by the caller before they ended.
    pub cancelled_requests: u64,
    /// Requests refused by validation (not in `total_requests`).
    pub invalid_requests: u64,
    /// The fallbacks' own counts.
    pub fallback: FallbackStats,
    /// The health checks the client made on its own (not
    /// [`health_check`](crate::Client::health_check) calls).
    #[serde(default)]
    pub health: HealthStats,
}

/// Health checks the client made on its own: before half-open probes
/// ([`probe_health_first`](crate::ClientConfig::probe_health_first)) and
/// while the breaker was open
/// ([`health_check_interval`](crate::ClientConfig::health_check_interval)).
/// None of them is in `total_requests`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStats {
    /// Half-open probes that asked `GET /health` before sending the real
    /// request.
    pub probe_checks: u64,
    /// Of those, the ones the backend failed: the real request was kept
    /// off the backend (the probe failed, the caller got the fallback or
    /// [`ProbeUnhealthy`](crate::ClientError::ProbeUnhealthy)). Also in
    /// `failed_requests`.
    pub probes_held_back: u64,
    /// `GET /health` polls made while the breaker was open.
    pub active_checks: u64,
    /// Polls that found the backend healthy and ended the open period
    /// early, so that the next call probed at once.
    pub early_probes: u64,
}

/// How one request ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Success,
    Failed,
    Rejected,
    TimedOut,
    Cancelled,
    /// The health check before the probe failed; nothing was sent.
    HeldBack,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    success: AtomicU64,
    failed: AtomicU64,
    fallback: AtomicU64,
    rejected: AtomicU64,
    timeouts: AtomicU64,
    cancelled: AtomicU64,
    invalid: AtomicU64,
    probe_checks: AtomicU64,
    held_back: AtomicU64,
    active_checks: AtomicU64,
    early_probes: AtomicU64,
}

/// Counts one request when dropped: as cancelled unless `finish` said
/// otherwise first, so a caller dropping the future is still counted.
#[derive(Debug)]
pub(crate) struct Tally<'a> {
    counters: &'a Counters,
    ending: Ending,
    fallback: bool,
}

impl Counters {
    pub(crate) fn begin(&self) -> Tally<'_> {
        Tally {
            counters: self,
            ending: Ending::Cancelled,
            fallback: false,
        }
    }

    pub(crate) fn invalid(&self) {
        self.invalid.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn probe_check(&self) {
        self.probe_checks.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn active_check(&self, ended_open_period: bool) {
        self.active_checks.fetch_add(1, Ordering::Relaxed);
        if ended_open_period {
            self.early_probes.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(
        &self,
        circuit_breaker: Metrics,
        endpoint_breakers: Vec<Metrics>,
        base_url: String,
        fallback: FallbackStats,
    ) -> ClientStats {
        let fallback_responses = self.fallback.load(Ordering::SeqCst);
        let rejected_requests = self.rejected.load(Ordering::SeqCst);
        let timeout_requests = self.timeouts.load(Ordering::SeqCst);
        let cancelled_requests = self.cancelled.load(Ordering::SeqCst);
        let success_requests = self.success.load(Ordering::SeqCst);
        let failed_requests = self.failed.load(Ordering::SeqCst);
        let total_requests = success_requests + failed_requests;
        ClientStats {
            total_requests,
            success_requests,
            failed_requests,
            success_rate: if total_requests == 0 {
                1.0
            } else {
                success_requests as f64 / total_requests as f64
            },
            circuit_breaker,
            endpoint_breakers,
            base_url,
            fallback_responses,
            rejected_requests,
            timeout_requests,
            cancelled_requests,
            invalid_requests: self.invalid.load(Ordering::SeqCst),
            fallback,
            health: HealthStats {
                probe_checks: self.probe_checks.load(Ordering::Relaxed),
                probes_held_back: self.held_back.load(Ordering::Relaxed),
                active_checks: self.active_checks.load(Ordering::Relaxed),
                early_probes: self.early_probes.load(Ordering::Relaxed),
            },
        }
    }
}

impl Tally<'_> {
    pub(crate) fn set(&mut self, ending: Ending) {
        self.ending = ending;
    }

    pub(crate) fn set_fallback(&mut self) {
        self.fallback = true;
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        let c = self.counters;
        let detail = match self.ending {
            Ending::Success => {
                c.success.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Ending::Failed => None,
            Ending::Rejected => Some(&c.rejected),
            Ending::TimedOut => Some(&c.timeouts),
            Ending::Cancelled => Some(&c.cancelled),
            Ending::HeldBack => Some(&c.held_back),
        };
        // `failed` first, and the snapshot reads it last (all SeqCst): a
        // snapshot never shows a detail count above `failed_requests`.
        c.failed.fetch_add(1, Ordering::SeqCst);
        if let Some(detail) = detail {
            detail.fetch_add(1, Ordering::SeqCst);
        }
        if self.fallback {
            c.fallback.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        circuit_core::CircuitBreaker::builder("t")
            .build()
            .unwrap()
            .metrics()
    }

    #[test]
    fn every_ending_lands_in_exactly_one_total() {
        let counters = Counters::default();
        counters.begin().set(Ending::Success);
        counters.begin().set(Ending::Failed);
        let mut answered = counters.begin();
        answered.set(Ending::Rejected);
        answered.set_fallback();
        drop(answered);
        counters.begin().set(Ending::TimedOut);
        drop(counters.begin());
        counters.invalid();
        counters.probe_check();
        counters.begin().set(Ending::HeldBack);
        counters.active_check(false);
        counters.active_check(true);

        let stats = counters.snapshot(
            metrics(),
            Vec::new(),
            "http://x".into(),
            FallbackStats::default(),
        );
        assert_eq!(
            (
                stats.total_requests,
                stats.success_requests,
                stats.failed_requests
            ),
            (6, 1, 5)
        );
        assert_eq!((stats.rejected_requests, stats.fallback_responses), (1, 1));
        assert_eq!(
            (
                stats.timeout_requests,
                stats.cancelled_requests,
                stats.invalid_requests
            ),
            (1, 1, 1)
        );
        assert_eq!(
            stats.health,
            HealthStats {
                probe_checks: 1,
                probes_held_back: 1,
                active_checks: 2,
                early_probes: 1,
            }
        );
        assert_eq!(stats.success_rate, 1.0 / 6.0);
    }

    #[test]
    fn serialises_with_the_seed_design_names() {
        let stats = Counters::default().snapshot(
            metrics(),
            Vec::new(),
            "http://localhost:8000".into(),
            FallbackStats::default(),
        );
        let value = serde_json::to_value(&stats).unwrap();
        for field in [
            "total_requests",
            "success_requests",
            "failed_requests",
            "success_rate",
            "circuit_breaker",
            "base_url",
        ] {
            assert!(value.get(field).is_some(), "{field}");
        }
        assert_eq!(value["base_url"], "http://localhost:8000");
        assert_eq!(value["circuit_breaker"]["name"], "t");
        assert_eq!(serde_json::from_value::<ClientStats>(value).unwrap(), stats);
    }
}
