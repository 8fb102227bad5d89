//! What the embedded backend does to each request in each phase.
//!
//! Errors follow the reference backend's fault rule: request `n` of a
//! phase fails iff `floor(n * rate) != floor((n - 1) * rate)`, evenly
//! spread, never in bursts, so a degraded backend stays below the trip
//! thresholds. Latency is drawn from the seed and the request number, so
//! the same seed injects the same faults in the same order.

use std::time::Duration;

use crate::scenario::Phase;
use crate::seed::hash_unit;

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Decision {
    /// Wait this long before answering.
    pub(crate) delay: Duration,
    /// Answer with this status instead of the real response.
    pub(crate) error_status: Option<u16>,
    /// With the error: `Retry-After` in seconds.
    pub(crate) retry_after_secs: Option<u64>,
}

/// The faults of one phase, relative to the client's request timeout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Profile {
    error_status: u16,
    error_rate: f64,
    retry_after_secs: Option<u64>,
    /// Share of requests delayed by `slow_delay` (as multiples of the timeout).
    slow_share: f64,
    slow_delay: (f64, f64),
    /// Share delayed past the timeout.
    stuck_share: f64,
}

const HEALTHY: Profile = Profile {
    error_status: 500,
    error_rate: 0.0,
    retry_after_secs: None,
    slow_share: 0.0,
    slow_delay: (0.0, 0.0),
    stuck_share: 0.0,
};

impl Profile {
    /// The profile of `phase`; `retry_after_secs` goes with the outage's 503s.
    pub(crate) fn of(phase: Phase, retry_after_secs: u64) -> Self {
        match phase {
            Phase::Healthy | Phase::Recovered | Phase::OutageRefused => HEALTHY,
            Phase::Degraded => Profile {
                error_rate: 0.2,
                slow_share: 0.35,
                slow_delay: (0.3, 0.9),
                stuck_share: 0.05,
                ..HEALTHY
            },
            Phase::OutageUnavailable => Profile {
                error_status: 503,
                error_rate: 1.0,
                retry_after_secs: Some(retry_after_secs),
                ..HEALTHY
            },
            Phase::Recovering => Profile {
                error_rate: 0.1,
                slow_share: 0.25,
                slow_delay: (0.1, 0.4),
                ..HEALTHY
            },
        }
    }

    /// The fate of the phase's `n`-th request (from 1).
    pub(crate) fn decide(&self, seed: u64, phase: Phase, n: u64, timeout: Duration) -> Decision {
        #[allow(clippy::cast_precision_loss)]
        let (now, before) = (
            (n as f64 * self.error_rate).floor(),
            ((n - 1) as f64 * self.error_rate).floor(),
        );
        let fails = n > 0 && now != before;
        let draw = hash_unit(seed, phase as u64, n);
        let delay = if draw < self.stuck_share {
            timeout.mul_f64(1.5)
        } else if draw < self.stuck_share + self.slow_share {
            let within = (draw - self.stuck_share) / self.slow_share;
            timeout.mul_f64(self.slow_delay.0 + (self.slow_delay.1 - self.slow_delay.0) * within)
        } else {
            Duration::ZERO
        };
        Decision {
            delay,
            error_status: fails.then_some(self.error_status),
            retry_after_secs: if fails { self.retry_after_secs } else { None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(1);

    #[test]
    fn degraded_fails_one_in_five_evenly_and_delays_some() {
        let profile = Profile::of(Phase::Degraded, 2);
        let decisions: Vec<Decision> = (1..=100)
            .map(|n| profile.decide(42, Phase::Degraded, n, TIMEOUT))
            .collect();
        let failed: Vec<usize> = (0..100)
            .filter(|&i| decisions[i].error_status == Some(500))
            .collect();
        assert_eq!(failed.len(), 20);
        assert!(
            failed.windows(2).all(|w| w[1] - w[0] == 5),
            "evenly spread: {failed:?}"
        );
        let slow = decisions.iter().filter(|d| !d.delay.is_zero()).count();
        assert!((20..=60).contains(&slow), "{slow} delayed");
        assert!(
            decisions.iter().any(|d| d.delay > TIMEOUT),
            "some pass the timeout"
        );
        assert!(decisions.iter().all(|d| d.retry_after_secs.is_none()));
    }

    #[test]
    fn the_outage_answers_503_with_retry_after_and_healthy_answers_all() {
        let outage = Profile::of(Phase::OutageUnavailable, 2).decide(
            1,
            Phase::OutageUnavailable,
            7,
            TIMEOUT,
        );
        assert_eq!(
            (outage.error_status, outage.retry_after_secs),
            (Some(503), Some(2))
        );
        for n in 1..50 {
            assert_eq!(
                Profile::of(Phase::Healthy, 2).decide(1, Phase::Healthy, n, TIMEOUT),
                Decision::default()
            );
        }
    }

    #[test]
    fn decisions_repeat_for_a_seed() {
        let profile = Profile::of(Phase::Recovering, 2);
        for n in 1..50 {
            assert_eq!(
                profile.decide(5, Phase::Recovering, n, TIMEOUT),
                profile.decide(5, Phase::Recovering, n, TIMEOUT)
            );
        }
    }
}
