//! The learned baseline: what steady buckets of the window taught, how it
//! fades, when it is ready, and the judging model it gives.

use std::collections::VecDeque;
use std::time::Duration;

use super::bound::Bound;
use super::judge::{Learned, Model, Older};
use super::rate::LearnedRate;
use super::settings::AdaptiveSettings;
use super::sketch::{BINS, Histogram};
use crate::Config;
use crate::clock::duration_to_nanos;
use crate::policy::{Observation, Thresholds};
use crate::window::BUCKETS;

/// Everything learned so far. Lives in the policy's mutex.
#[derive(Debug, Clone, Default)]
pub(crate) struct Learner {
    failures: LearnedRate,
    slow: LearnedRate,
    latencies: Histogram,
    /// The p99 judged by, rising at a bounded pace.
    p99: Option<Duration>,
    /// Learning time: the spans of the buckets learned from.
    pub(crate) learned_for: Duration,
    /// Whether the baseline was ever ready: from then on it rises at a
    /// bounded pace, even if it fades below `min_calls` for a while.
    was_ready: bool,
    pub(crate) buckets_learned: u64,
    pub(crate) buckets_not_steady: u64,
    pub(crate) buckets_past_threshold: u64,
    /// The thresholds for the last window observed, under the config of
    /// that moment.
    pub(crate) last_thresholds: Option<Thresholds>,
    /// The buckets observed that may still be in the window: (start in
    /// clock ns, counts), oldest first.
    recent: VecDeque<(u64, Older)>,
    pub(crate) model: Model,
}

impl Learner {
    /// Learns from one closed bucket, unless it is not steady or past the
    /// thresholds (an incident); `latencies` are the successful calls'
    /// latencies recorded since the last observation.
    pub(crate) fn observe(
        &mut self,
        observation: &Observation,
        config: &Config,
        latencies: &[u64; BINS],
        settings: &AdaptiveSettings,
    ) {
        self.track_window(observation, config);
        let learn = if !observation.steady {
            self.buckets_not_steady += 1;
            false
        } else if self.model.past_threshold(&observation.window, config)
            || self.model.past_threshold(&observation.bucket, config)
        {
            self.buckets_past_threshold += 1;
            false
        } else {
            true
        };
        if learn {
            self.learn(observation, latencies, settings);
        }
        self.last_thresholds = Some(self.model.thresholds(observation.window.calls, config));
    }

    /// Follows the breaker's window as buckets close, so that judging can
    /// tell the newest bucket from the older ones (see `judge.rs`).
    fn track_window(&mut self, observation: &Observation, config: &Config) {
        if observation.restarts_window {
            self.recent.clear();
        } else {
            let start = duration_to_nanos(observation.start);
            let bucket = &observation.bucket;
            self.recent.push_back((
                start,
                Older {
                    calls: bucket.calls,
                    failures: bucket.failures,
                    slow_calls: bucket.slow_calls,
                },
            ));
            // The bucket now starting, and the oldest start still in its
            // window: the ring's width and length.
            let width = (duration_to_nanos(config.monitor_window) / BUCKETS).max(1);
            let current = start.saturating_add(duration_to_nanos(observation.span));
            let oldest = current.saturating_sub((BUCKETS - 1).saturating_mul(width));
            self.recent
                .retain(|(start, _)| *start >= oldest && *start < current);
        }
        let older = self
            .recent
            .iter()
            .fold(Older::default(), |sum, (_, b)| Older {
                calls: sum.calls.saturating_add(b.calls),
                failures: sum.failures.saturating_add(b.failures),
                slow_calls: sum.slow_calls.saturating_add(b.slow_calls),
            });
        self.model.older = Some(older);
    }

    fn learn(
        &mut self,
        observation: &Observation,
        latencies: &[u64; BINS],
        settings: &AdaptiveSettings,
    ) {
        let span = observation.span;
        let fade = (-span.as_secs_f64() / settings.learning_horizon.as_secs_f64()).exp();
        let settled = f64::from(settings.min_calls) / 2.0;
        let bucket = &observation.bucket;
        self.failures.fade(fade);
        self.failures.add(bucket.calls, bucket.failures, settled);
        self.slow.fade(fade);
        self.slow.add(bucket.calls, bucket.slow_calls, settled);
        self.latencies.fade(fade);
        self.latencies.add(latencies);
        self.learned_for = self.learned_for.saturating_add(span);
        self.buckets_learned += 1;

        let ready = self.learned_for >= settings.warm_up
            && self.failures.calls() >= f64::from(settings.min_calls);
        let pace = self
            .was_ready
            .then(|| (settings.max_rise_per_hour, span.as_secs_f64() / 3600.0));
        self.failures.publish(pace);
        self.slow.publish(pace);
        let p99 = (self.latencies.total() >= f64::from(settings.min_calls))
            .then(|| self.latencies.quantile(0.99))
            .flatten();
        self.p99 = match (self.p99, p99, pace) {
            (Some(old), Some(new), Some((rise, hours))) => {
                let most = old.as_secs_f64() * rise.powf(hours);
                Some(new.min(seconds(most)))
            }
            (_, new, _) => new,
        };
        self.was_ready |= ready;
        self.model.learned = ready.then(|| self.learned_model(settings));
    }

    fn learned_model(&self, settings: &AdaptiveSettings) -> Learned {
        let bound = |rate: &LearnedRate| Bound {
            normal: rate.rate(),
            rho: rate.rho(),
            evidence: (1.0 / settings.significance).ln(),
            floor: settings.threshold_floor,
            ceiling: settings.threshold_ceiling,
        };
        let failures = bound(&self.failures);
        // Runs are judged at the top of the normal's usual spread.
        let run_rate = self.failures.rate() + 2.0 * self.failures.spread();
        let multiple = settings.slow_call_p99_multiple;
        Learned {
            failures,
            run: failures.run(run_rate),
            slow: multiple.map(|_| bound(&self.slow)),
            slow_call: multiple
                .zip(self.p99)
                .map(|(m, p99)| seconds(p99.as_secs_f64() * m)),
        }
    }

    /// The learned failure rate, its spread, the slow-call rate and the
    /// faded calls, as judged by.
    pub(crate) fn rates(&self) -> (f64, f64, f64, f64) {
        (
            self.failures.rate(),
            self.failures.spread(),
            self.slow.rate(),
            self.failures.calls(),
        )
    }

    pub(crate) fn p99(&self) -> Option<Duration> {
        self.p99
    }
}

/// Seconds as a duration, saturating (no panic on overflow).
fn seconds(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}
