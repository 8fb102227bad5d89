//! Fallbacks tried in order, with logging and counting.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::Clock;

use crate::log_limit::{LogLimit, Verdict};
use crate::{Declined, Fallback, FallbackCounters, FallbackReason, FallbackStats, Served};

/// Tries its fallbacks in order until one answers.
///
/// [`execute`](Self::execute) is the one place where fallback use is logged
/// (`info` "Circuit breaker open, executing fallback") and counted. Clones
/// share the fallbacks, the counters and the log limit.
///
/// The line is rate-limited per reason (`circuit_open`, `failure`,
/// `timeout`): the first execution is logged in full; later ones within
/// [`DEFAULT_LOG_INTERVAL`](crate::DEFAULT_LOG_INTERVAL) (10 s) are
/// counted, and the first execution after the interval writes one summary,
/// "Circuit breaker open, executing fallback: 812 more in the last 10 s",
/// with the count in `executions`. A chain serves one client, so one
/// breaker: the limit is per breaker and reason. Change the interval with
/// [`log_every`](Self::log_every) (`Duration::ZERO` logs every execution).
/// Only this line is limited: the breaker's transitions, resets and
/// reconfigurations are logged by circuit-core, every one.
///
/// ```
/// use fallback_cache::{Declined, FallbackChain, FallbackReason, Provenance, Served, from_fn};
/// use std::time::Duration;
///
/// let chain = FallbackChain::<String, String>::new("greet")
///     .then(from_fn("picky", |_: &String, _: &FallbackReason| Err(Declined::Miss)))
///     .then(from_fn("default", |q: &String, _: &FallbackReason| {
///         Ok(Served::new(format!("hi {q}"), Provenance::fallback("default")))
///     }));
/// let reason = FallbackReason::CircuitOpen { retry_after: Duration::from_secs(5) };
/// let served = pollster::block_on(chain.execute(&"ann".to_owned(), &reason)).unwrap();
/// assert_eq!(served.response, "hi ann");
/// assert_eq!(served.provenance.label(), "default");
/// assert_eq!(chain.stats().cache_misses, 1);
/// ```
pub struct FallbackChain<Req: ?Sized, Resp> {
    name: Cow<'static, str>,
    steps: Vec<Arc<dyn Fallback<Req, Resp>>>,
    counters: FallbackCounters,
    log: LogLimit,
}

impl<Req, Resp> FallbackChain<Req, Resp>
where
    Req: ?Sized + Sync,
    Resp: Send,
{
    /// An empty chain (it declines with [`Declined::NoFallback`]) with its own
    /// counters.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            steps: Vec::new(),
            counters: FallbackCounters::new(),
            log: LogLimit::new(),
        }
    }

    /// Appends a fallback, tried after those already added.
    #[must_use]
    pub fn then(self, fallback: impl Fallback<Req, Resp> + 'static) -> Self {
        self.then_arc(Arc::new(fallback))
    }

    /// Appends a shared fallback.
    #[must_use]
    pub fn then_arc(mut self, fallback: Arc<dyn Fallback<Req, Resp>>) -> Self {
        self.steps.push(fallback);
        self
    }

    /// Records into `counters` (shared with other chains) instead of this
    /// chain's own.
    #[must_use]
    pub fn with_counters(mut self, counters: FallbackCounters) -> Self {
        self.counters = counters;
        self
    }

    /// Writes "Circuit breaker open, executing fallback" at most once per
    /// `interval` and reason, plus the summary lines described on the type;
    /// `Duration::ZERO` writes it for every execution.
    #[must_use]
    pub fn log_every(mut self, interval: Duration) -> Self {
        self.log = self.log.every(interval);
        self
    }

    /// Times the log limit on `clock` instead of the system clock (share
    /// the cache's clock; a manual clock in tests).
    #[must_use]
    pub fn log_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.log = self.log.clock(clock);
        self
    }

    /// The log limit's interval.
    pub fn log_interval(&self) -> Duration {
        self.log.interval()
    }

    /// The chain's name, as logged.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fallbacks' names, in order.
    pub fn step_names(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.name()).collect()
    }

    /// The counters this chain records into.
    pub fn counters(&self) -> &FallbackCounters {
        &self.counters
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> FallbackStats {
        self.counters.snapshot()
    }

    /// Tries each fallback in order; the first answer wins.
    ///
    /// # Errors
    /// The last fallback's [`Declined`] when all decline, or
    /// [`Declined::NoFallback`] for an empty chain.
    pub async fn execute(
        &self,
        request: &Req,
        reason: &FallbackReason,
    ) -> Result<Served<Resp>, Declined> {
        self.counters.execution();
        self.log_execution(reason);
        let mut last = Declined::NoFallback;
        for step in &self.steps {
            match step.fallback(request, reason).await {
                Ok(served) => {
                    self.counters.served(&served.provenance);
                    tracing::debug!(chain = %self.name, fallback = step.name(), source = served.provenance.label(), "fallback answered");
                    return Ok(served);
                }
                Err(declined) => {
                    if declined.is_cache_miss() {
                        self.counters.cache_miss();
                    }
                    tracing::debug!(chain = %self.name, fallback = step.name(), %declined, "fallback declined");
                    last = declined;
                }
            }
        }
        self.counters.decline();
        Err(last)
    }

    fn log_execution(&self, reason: &FallbackReason) {
        let retry_after_ms = reason
            .retry_after()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        match self.log.judge(reason.label()) {
            Verdict::Quiet => {}
            Verdict::Full => tracing::info!(
                chain = %self.name,
                reason = reason.label(),
                retry_after_ms,
                detail = %reason,
                fallbacks = self.steps.len(),
                "Circuit breaker open, executing fallback"
            ),
            Verdict::Summary { executions, over } => tracing::info!(
                chain = %self.name,
                reason = reason.label(),
                retry_after_ms,
                detail = %reason,
                fallbacks = self.steps.len(),
                executions,
                over_ms = u64::try_from(over.as_millis()).unwrap_or(u64::MAX),
                "Circuit breaker open, executing fallback: {executions} more in the last {} s",
                over.as_secs()
            ),
        }
    }
}

impl<Req: ?Sized, Resp> Clone for FallbackChain<Req, Resp> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            steps: self.steps.clone(),
            counters: self.counters.clone(),
            log: self.log.clone(),
        }
    }
}

impl<Req: ?Sized, Resp> fmt::Debug for FallbackChain<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.steps.iter().map(|s| s.name()).collect();
        f.debug_struct("FallbackChain")
            .field("name", &self.name)
            .field("steps", &names)
            .field("stats", &self.counters.snapshot())
            .field("log_interval", &self.log.interval())
            .finish()
    }
}
