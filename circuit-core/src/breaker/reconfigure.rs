//! Live reconfiguration: a new config swapped in whole, keeping the
//! breaker's state, history and backoff step.

use std::sync::Arc;

use super::CircuitBreaker;
use crate::clock::duration_to_nanos;
use crate::sync::{Ordering, lock};
use crate::window::Ring;
use crate::{Config, ConfigError};

impl CircuitBreaker {
    /// Validates `config` and swaps it in atomically: readers of
    /// [`config`](Self::config) never lock and never see half of it.
    ///
    /// What changes when:
    /// * **Thresholds** (`max_failures`, `failure_threshold`,
    ///   `min_requests`, `slow_call_*`) apply from the next judged outcome;
    ///   a window already past a lowered threshold trips on the next
    ///   outcome, success included.
    /// * **A running open period** keeps its end; `recovery_timeout`, the
    ///   backoff and the recovery ramp apply from the next trip (a running
    ///   ramp keeps its length and floor).
    /// * **A changed `monitor_window`** starts a fresh window (the info log
    ///   says so); other changes keep the window.
    /// * **Lowering `max_requests` in HALF_OPEN**: probes already admitted
    ///   keep their permits; closing needs the new number of successful
    ///   probes.
    /// * **Always kept**: the state, lifetime totals, transition history and
    ///   the backoff step.
    ///
    /// Every change calls [`EventListener::on_reconfigured`] and logs one
    /// `info` line, "Circuit breaker reconfigured", naming the changed
    /// fields. A config equal to the current one changes nothing and
    /// reports nothing.
    ///
    /// ```
    /// use circuit_core::{CircuitBreaker, Config};
    ///
    /// let cb = CircuitBreaker::builder("kol-matcher").build()?;
    /// cb.reconfigure(Config { max_failures: 3, ..Config::default() })?;
    /// assert_eq!(cb.config().max_failures, 3);
    /// // A bad config is refused and changes nothing.
    /// let err = cb.reconfigure(Config { failure_threshold: 2.0, ..Config::default() }).unwrap_err();
    /// assert_eq!(err.field(), "failure_threshold");
    /// assert_eq!(cb.config().max_failures, 3);
    /// # Ok::<(), circuit_core::ConfigError>(())
    /// ```
    ///
    /// [`EventListener::on_reconfigured`]: crate::EventListener::on_reconfigured
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field that breaks a rule; the
    /// breaker is then left exactly as it was.
    pub fn reconfigure(&self, config: Config) -> Result<(), ConfigError> {
        config.validate()?;
        let new = Arc::new(config);
        let (old, window_restarted) = {
            let mut cold = lock(&self.cold);
            let now = self.clock.now_nanos();
            let old = self.config.load();
            if *old == *new {
                return Ok(());
            }
            self.config.swap(Arc::clone(&new));
            self.cache_hot_values(&new);
            let window_restarted = old.monitor_window != new.monitor_window;
            if window_restarted {
                let counts = self.cumulative(&cold);
                cold.ring = Ring::new(duration_to_nanos(new.monitor_window), now, counts);
                self.bucket_end
                    .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
            }
            // New thresholds judge the very next success.
            self.arm();
            (old, window_restarted)
        };
        #[cfg(feature = "tracing")]
        tracing::info!(
            breaker = %self.name,
            changed = %old.changed_fields(&new).join(", "),
            window_restarted,
            "Circuit breaker reconfigured"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = window_restarted;
        self.emit_reconfigured(&old, &new);
        Ok(())
    }
}
