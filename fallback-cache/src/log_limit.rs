//! "Circuit breaker open, executing fallback", at most once per interval
//! and reason: the first line in full, then one summary line per interval
//! with the count of executions it stands for.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use circuit_core::{Clock, SystemClock};

/// How often a chain writes the fallback line per reason, unless told
/// otherwise ([`FallbackChain::log_every`](crate::FallbackChain::log_every)).
pub const DEFAULT_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// What to write for one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The line, in full: the first of its reason, or the first after a
    /// quiet interval.
    Full,
    /// A summary: `executions` since the last line (this one included),
    /// over `over`.
    Summary { executions: u64, over: Duration },
    /// Nothing: counted for the next summary.
    Quiet,
}

/// One chain's limit; clones share it.
#[derive(Clone)]
pub(crate) struct LogLimit {
    interval: Duration,
    clock: Arc<dyn Clock>,
    /// Per reason label: when its window started, and the executions not
    /// written since.
    windows: Arc<Mutex<Vec<(&'static str, Window)>>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Duration,
    quiet: u64,
}

impl LogLimit {
    pub(crate) fn new() -> Self {
        Self {
            interval: DEFAULT_LOG_INTERVAL,
            clock: Arc::new(SystemClock),
            windows: Arc::default(),
        }
    }

    pub(crate) fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self.windows = Arc::default();
        self
    }

    pub(crate) fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.windows = Arc::default();
        self
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Decides for one execution with reason `label`.
    pub(crate) fn judge(&self, label: &'static str) -> Verdict {
        if self.interval.is_zero() {
            return Verdict::Full;
        }
        let now = self.clock.now();
        // The list only ever holds whole entries, so a panic elsewhere
        // cannot leave it torn.
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let Some((_, window)) = windows.iter_mut().find(|(l, _)| *l == label) else {
            windows.push((
                label,
                Window {
                    started: now,
                    quiet: 0,
                },
            ));
            return Verdict::Full;
        };
        let over = now.saturating_sub(window.started);
        if over < self.interval {
            window.quiet += 1;
            return Verdict::Quiet;
        }
        let quiet = window.quiet;
        *window = Window {
            started: now,
            quiet: 0,
        };
        if quiet == 0 {
            Verdict::Full
        } else {
            Verdict::Summary {
                executions: quiet + 1,
                over,
            }
        }
    }
}

impl fmt::Debug for LogLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogLimit")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use circuit_core::ManualClock;

    use super::*;

    fn limit(clock: &ManualClock) -> LogLimit {
        LogLimit::new().clock(Arc::new(clock.clone()))
    }

    #[test]
    fn the_first_line_is_written_then_one_summary_per_interval() {
        let clock = ManualClock::new();
        let limit = limit(&clock);
        assert_eq!(limit.judge("circuit_open"), Verdict::Full);
        for _ in 0..811 {
            assert_eq!(limit.judge("circuit_open"), Verdict::Quiet);
        }
        clock.advance(Duration::from_millis(9_999));
        assert_eq!(limit.judge("circuit_open"), Verdict::Quiet);
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            limit.judge("circuit_open"),
            Verdict::Summary {
                executions: 813,
                over: DEFAULT_LOG_INTERVAL
            }
        );
        assert_eq!(limit.judge("circuit_open"), Verdict::Quiet);
    }

    #[test]
    fn reasons_are_limited_apart() {
        let clock = ManualClock::new();
        let limit = limit(&clock);
        assert_eq!(limit.judge("circuit_open"), Verdict::Full);
        assert_eq!(limit.judge("timeout"), Verdict::Full);
        assert_eq!(limit.judge("circuit_open"), Verdict::Quiet);
        assert_eq!(limit.judge("failure"), Verdict::Full);
    }

    #[test]
    fn after_a_quiet_interval_the_next_line_is_written_in_full() {
        let clock = ManualClock::new();
        let limit = limit(&clock);
        assert_eq!(limit.judge("circuit_open"), Verdict::Full);
        clock.advance(Duration::from_secs(60));
        assert_eq!(limit.judge("circuit_open"), Verdict::Full);
    }

    #[test]
    fn a_zero_interval_writes_every_line_and_clones_share_the_count() {
        let clock = ManualClock::new();
        let every = limit(&clock).every(Duration::ZERO);
        assert_eq!(every.judge("circuit_open"), Verdict::Full);
        assert_eq!(every.judge("circuit_open"), Verdict::Full);
        let shared = limit(&clock);
        let clone = shared.clone();
        assert_eq!(shared.judge("circuit_open"), Verdict::Full);
        assert_eq!(clone.judge("circuit_open"), Verdict::Quiet);
    }
}
