//! A runtime-agnostic circuit breaker: no tokio, no I/O, no thread spawned.
//! It works from sync code and from any async executor.
//!
//! ```
//! use circuit_core::{CallError, CircuitBreaker, Config, State};
//!
//! # fn main() -> Result<(), circuit_core::ConfigError> {
//! let cb = CircuitBreaker::builder("kol-matcher")
//!     .config(Config { max_failures: 3, ..Config::default() })
//!     .build()?;
//!
//! // Explicit permits, from sync or async code alike.
//! for _ in 0..3 {
//!     let permit = cb.try_acquire().expect("closed breakers admit");
//!     permit.record_failure();
//! }
//! assert_eq!(cb.state(), State::Open);
//!
//! // Wrapped calls: rejected at once while open.
//! let result = pollster::block_on(cb.call(|| async { Ok::<_, std::io::Error>("matched") }));
//! let Err(CallError::Rejected(rejected)) = result else { panic!("should be rejected") };
//! assert!(rejected.retry_after() <= cb.config().recovery_timeout);
//! assert_eq!(cb.metrics().circuit_open_count, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # The rules
//!
//! * **CLOSED → OPEN** when, after any judged outcome (success, failure or
//!   timeout) of the current CLOSED epoch, either trigger fires:
//!   `consecutive_failures >= max_failures`, or over the sliding
//!   `monitor_window`, `calls >= min_requests && failure_rate >=
//!   failure_threshold`; with `slow_call_rate_threshold = Some(r)`, also
//!   `calls >= min_requests && slow_rate >= r`. Thresholds are inclusive.
//!   So a success that brings the window to `min_requests` at a failure
//!   rate at or above the threshold trips the breaker at that success;
//!   ignored and cancelled outcomes never count. A call is slow when it
//!   took longer than `slow_call_threshold`; slow calls are always counted.
//!   The decision is a [`TripPolicy`] you can replace.
//! * **The window** is a ring of 10 time buckets: O(1) memory at any call
//!   rate. It covers between `monitor_window - width` and `monitor_window`
//!   of history (`width = monitor_window / 10`, 6 s by default); calls older
//!   than `monitor_window` never count.
//! * **OPEN** rejects at once with [`Rejected`], whose
//!   [`reason`](Rejected::reason) says why and whose
//!   [`retry_after`](Rejected::retry_after) says when a probe will be
//!   allowed. Rejections are counted apart from failures. The open period
//!   of the k-th consecutive trip is `recovery_timeout + backoff(k)`, with
//!   `backoff(1) = 0` and `backoff(k) = min(max_backoff, base_backoff *
//!   2^(k-2))` ([`ExponentialBackoff`]; replaceable through [`Backoff`]). A
//!   failure's [`Permit::set_retry_after`] hint lengthens the open period it
//!   starts to at least that long, up to `max_retry_after`.
//! * **OPEN → HALF_OPEN** on the first [`try_acquire`] after the open
//!   period; that caller is the first probe.
//!   [`allow_probe_now`](CircuitBreaker::allow_probe_now) ends an open
//!   period early (an active health check saw the backend come back).
//! * **HALF_OPEN** admits at most `max_requests` probes at once. Any failed
//!   probe reopens (k + 1); `max_requests` successful probes close the
//!   breaker with a fresh window. A probe that holds its permit longer than
//!   `half_open_probe_timeout` is reclaimed at the next [`try_acquire`] and
//!   counted once, as a timeout, so a leaked permit cannot wedge the
//!   breaker.
//! * **Gradual recovery** (off by default): with `recovery_ramp` set, the
//!   breaker that closes after its probes admits a share of calls growing
//!   from `recovery_ramp_floor` to 100 % over the ramp; the others get
//!   [`RejectReason::Ramping`]. k resets to 0 when the ramp completes, so
//!   a service that relapses during it keeps backing off.
//! * **Permits** dropped without an outcome count as cancelled and free
//!   their slot, unless held longer than `abandoned_after` (a caller gave
//!   up on a hung call): then they count as a timeout. Outcomes belong to
//!   the epoch their permit was admitted in: one that arrives after a
//!   transition counts in the lifetime totals but touches nothing of the
//!   newer epoch (its window, its failure run, its transitions). Outcomes
//!   are success, failure, timeout (a failure also counted in
//!   `timeout_count`) and ignored (neutral); a [`Classifier`] maps a call's
//!   `Result` to one.
//! * **Manual control**: [`reset`] (CLOSED, fresh window, no backoff),
//!   [`force_open`] (rejects until reset or forced closed),
//!   [`force_closed`] (admits all, keeps counting, never trips).
//! * **Live reconfiguration**: [`reconfigure`] swaps in a validated
//!   [`Config`] atomically, keeping the state, totals, history and backoff
//!   step.
//!
//! # Chains
//! A [`Chain`] asks several breakers to admit one call together, all or
//! none: a host-level breaker above per-endpoint breakers, or a handler
//! that calls service A then B and must not call A while B is open.
//!
//! # Extension points
//! Small object-safe traits, each with a default that costs nothing when
//! unused: [`Clock`] ([`SystemClock`]; `ManualClock` with the `test-util`
//! feature), [`EventListener`], [`TripPolicy`], [`Backoff`] and
//! [`Classifier`]. The clock, backoff and trip policy run under the
//! breaker's internal lock: they must be quick and must not call back into
//! the breaker; if one panics, the breaker is left as it was. Listeners run
//! after the lock is released; one panicking listener does not stop the
//! others.
//!
//! # Cost
//! CLOSED admission and a fast success take no lock and allocate nothing:
//! a few atomic loads, two coarse clock reads (one if the caller hands in
//! the latency), one compare-and-swap on the calling thread's counter. The
//! first success after a bucket rotation, a close or a reconfiguration,
//! and every success while one could trip the breaker, takes one short
//! internal lock; so do failures, slow calls, half-open probes, the recovery
//! ramp and transitions.
//!
//! # Features
//! * `tracing` (default): a `warn` event "Circuit breaker state changed"
//!   with `from_state`, `to_state`, `total_failures`, `success_rate`,
//!   `reason` and `epoch` on every transition, and an `info` event "Circuit
//!   breaker reconfigured" naming the changed fields.
//! * `test-util`: [`ManualClock`].
//!
//! [`try_acquire`]: CircuitBreaker::try_acquire
//! [`reset`]: CircuitBreaker::reset
//! [`force_open`]: CircuitBreaker::force_open
//! [`force_closed`]: CircuitBreaker::force_closed
//! [`reconfigure`]: CircuitBreaker::reconfigure
//! [`ManualClock`]: https://docs.rs/circuit-core/latest/circuit_core/struct.ManualClock.html

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backoff;
mod breaker;
mod call;
mod chain;
mod clock;
mod config;
mod counters;
mod error;
mod listener;
mod metrics;
mod notify;
mod permit;
mod policy;
mod ramp;
mod state;
mod sync;
mod window;

pub use backoff::{Backoff, ConstantBackoff, ExponentialBackoff, Jittered};
pub use breaker::{Builder, CircuitBreaker, HISTORY_CAPACITY};
pub use call::{Classifier, DefaultClassifier};
pub use chain::{Chain, ChainPermit, ChainRejected};
#[cfg(any(test, feature = "test-util"))]
pub use clock::ManualClock;
pub use clock::{Clock, SystemClock};
pub use config::{Config, ConfigError, MAX_HALF_OPEN_REQUESTS, MIN_MONITOR_WINDOW};
pub use error::{CallError, RejectReason, Rejected};
pub use listener::{EventListener, StateChange, TransitionReason, TransitionRecord};
pub use metrics::{Metrics, WindowMetrics};
pub use permit::{Outcome, OwnedPermit, Permit};
pub use policy::{DefaultTripPolicy, TripPolicy, TripReason, WindowSnapshot};
pub use state::{State, UnknownState};

#[cfg(test)]
mod tests;
