//! Property test: random operation sequences against a plain reference
//! model of the rules. The model keeps every call with its time and
//! recounts the window from scratch, so it shares no code with the ring;
//! it judges the trip rules after every judged outcome (rule 1), and runs
//! its own copy of the recovery ramp's admission rule.

use std::time::Duration;

use proptest::prelude::*;

use crate::*;

const MS: u64 = 1_000_000;
const WINDOW: u64 = 10_000 * MS;
const BUCKET: u64 = WINDOW / 10;

#[derive(Debug, Clone)]
enum Op {
    Advance(u64),
    Acquire,
    Record(usize, Outcome),
    /// Records with a handed-in latency (ms), which dates the outcome at
    /// acquire time + latency, but never past the clock's now.
    RecordAfter(usize, Outcome, u64),
    Reset,
    ForceOpen,
    ForceClosed,
    /// New thresholds (the window's length stays).
    Reconfigure(u32, u32, f64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..2_500).prop_map(|ms| Op::Advance(ms * MS)),
        5 => Just(Op::Acquire),
        8 => (any::<usize>(), prop_oneof![
            4 => Just(Outcome::Success),
            4 => Just(Outcome::Failure),
            1 => Just(Outcome::Timeout),
            1 => Just(Outcome::Ignored),
            1 => Just(Outcome::Cancelled),
        ]).prop_map(|(i, o)| Op::Record(i, o)),
        2 => (any::<usize>(), prop_oneof![Just(Outcome::Success), Just(Outcome::Failure), Just(Outcome::Ignored)], 0u64..3_000)
            .prop_map(|(i, o, ms)| Op::RecordAfter(i, o, ms)),
        1 => Just(Op::Reset),
        1 => Just(Op::ForceOpen),
        1 => Just(Op::ForceClosed),
        1 => (1u32..6, 1u32..7, prop_oneof![Just(0.0), Just(0.34), Just(0.5), Just(1.0)])
            .prop_map(|(f, m, t)| Op::Reconfigure(f, m, t)),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        (1u32..6, 1u32..7),
        prop_oneof![Just(0.0), Just(0.34), Just(0.5), Just(1.0)],
        1u32..4,
        any::<bool>(),
        1u64..4,
        prop_oneof![Just(0), Just(3_000), Just(6_000)],
        prop_oneof![Just(0.0), Just(0.1), Just(0.5)],
        prop_oneof![Just(None), Just(Some(1_500)), Just(Some(4_000))],
    )
        .prop_map(
            |(
                (max_failures, min_requests),
                failure_threshold,
                max_requests,
                slow_trigger,
                recovery,
                ramp_ms,
                ramp_floor,
                abandoned_ms,
            )| Config {
                max_failures,
                min_requests,
                failure_threshold,
                max_requests,
                slow_call_rate_threshold: slow_trigger.then_some(0.5),
                monitor_window: Duration::from_nanos(WINDOW),
                recovery_timeout: Duration::from_secs(recovery),
                base_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(1000),
                slow_call_threshold: Duration::from_millis(800),
                half_open_probe_timeout: Duration::from_secs(2),
                recovery_ramp: Duration::from_millis(ramp_ms),
                recovery_ramp_floor: ramp_floor,
                abandoned_after: abandoned_ms.map(Duration::from_millis),
                ..Config::default()
            },
        )
}

#[derive(Debug, Clone, Copy)]
struct Call {
    /// The bucket it counts in: its own, or the ring's latest if it was
    /// dated behind that (the ring never goes back).
    bucket: u64,
    failed: bool,
    slow: bool,
}

#[derive(Debug, Clone, Copy)]
struct ModelPermit {
    epoch: u64,
    start: u64,
    probe: Option<u64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Totals {
    successes: u64,
    failures: u64,
    timeouts: u64,
    slow: u64,
    ignored: u64,
    cancelled: u64,
    rejected: u64,
}

/// The ramp rule, written out again: credit accrues by the share, a call
/// passes when the credit reaches one and at most `ceil(share × n)` of the
/// first `n` calls pass.
#[derive(Debug, Clone, Copy)]
struct ModelRamp {
    start: u64,
    end: u64,
    floor: f64,
    credit: f64,
    seen: u64,
    admitted: u64,
}

impl ModelRamp {
    fn share(&self, now: u64) -> f64 {
        if now >= self.end {
            1.0
        } else {
            // The same floating-point operations as the breaker's, so that
            // both make the same decisions at the edges.
            let elapsed = (now - self.start) as f64;
            let length = (self.end - self.start) as f64;
            (self.floor + (1.0 - self.floor) * elapsed / length).clamp(0.0, 1.0)
        }
    }

    fn admit(&mut self, now: u64) -> bool {
        let share = self.share(now);
        self.seen += 1;
        self.credit += share;
        if self.credit >= 1.0 && (self.admitted + 1) as f64 <= (share * self.seen as f64).ceil() {
            self.credit -= 1.0;
            self.admitted += 1;
            true
        } else {
            self.credit = self.credit.min(1.0);
            false
        }
    }
}

#[derive(Debug)]
struct Model {
    config: Config,
    now: u64,
    state: State,
    epoch: u64,
    calls: Vec<Call>,
    /// The latest bucket any counted outcome (or reset) was dated in.
    latest: u64,
    consecutive: u32,
    trips: u32,
    backoff: u64,
    open_until: u64,
    probes: Vec<(u64, u64)>,
    reclaimed: Vec<u64>,
    probe_successes: u32,
    next_probe: u64,
    ramp: Option<ModelRamp>,
    totals: Totals,
    open_count: u64,
    recovery_attempts: u64,
}

impl Model {
    fn new(config: Config) -> Self {
        Self {
            config,
            now: 0,
            state: State::Closed,
            epoch: 0,
            calls: Vec::new(),
            latest: 0,
            consecutive: 0,
            trips: 0,
            backoff: 0,
            open_until: 0,
            probes: Vec::new(),
            reclaimed: Vec::new(),
            probe_successes: 0,
            next_probe: 0,
            ramp: None,
            totals: Totals::default(),
            open_count: 0,
            recovery_attempts: 0,
        }
    }

    fn nanos(d: Duration) -> u64 {
        d.as_nanos() as u64
    }

    /// `(calls, failures, slow)` in the window now.
    fn window(&self) -> (u64, u64, u64) {
        self.window_at(self.now)
    }

    /// `(calls, failures, slow)` in the window at `at` (the latest bucket
    /// started, if later: the window never goes back).
    fn window_at(&self, at: u64) -> (u64, u64, u64) {
        let newest = (at / BUCKET).max(self.latest);
        let oldest = (newest + 1).saturating_sub(10);
        let live = self.calls.iter().filter(|c| c.bucket >= oldest);
        live.fold((0, 0, 0), |(n, f, s), c| {
            (n + 1, f + u64::from(c.failed), s + u64::from(c.slow))
        })
    }

    fn go(&mut self, to: State) {
        self.go_at(to, self.now, false);
    }

    /// A transition caused by an outcome dated `at`.
    fn go_at(&mut self, to: State, at: u64, by_probes: bool) {
        self.epoch += 1;
        self.probes.clear();
        self.ramp = None;
        match to {
            State::Open => {
                self.trips += 1;
                self.backoff = if self.trips == 1 {
                    0
                } else {
                    ((100 * MS) << (self.trips - 2).min(20)).min(1000 * MS)
                };
                self.open_until = at + Self::nanos(self.config.recovery_timeout) + self.backoff;
                self.open_count += 1;
            }
            State::HalfOpen => {
                self.probe_successes = 0;
                self.recovery_attempts += 1;
            }
            State::Closed => {
                self.calls.clear();
                self.latest = self.latest.max(at / BUCKET);
                self.consecutive = 0;
                let ramp = Self::nanos(self.config.recovery_ramp);
                if by_probes && ramp > 0 {
                    self.ramp = Some(ModelRamp {
                        start: at,
                        end: at + ramp,
                        floor: self.config.recovery_ramp_floor,
                        credit: 1.0 - self.config.recovery_ramp_floor,
                        seen: 0,
                        admitted: 0,
                    });
                } else {
                    self.trips = 0;
                    self.backoff = 0;
                }
            }
            State::ForcedOpen | State::ForcedClosed => {}
        }
        self.state = to;
    }

    fn acquire(&mut self) -> Result<ModelPermit, (State, u64)> {
        let admitted = self.try_admit();
        if admitted.is_err() {
            self.totals.rejected += 1;
        }
        admitted
    }

    fn try_admit(&mut self) -> Result<ModelPermit, (State, u64)> {
        let now = self.now;
        let closed = ModelPermit {
            epoch: self.epoch,
            start: now,
            probe: None,
        };
        match self.state {
            State::Closed => match &mut self.ramp {
                Some(ramp) if now < ramp.end => {
                    if ramp.admit(now) {
                        Ok(closed)
                    } else {
                        Err((State::Closed, 0))
                    }
                }
                Some(_) => {
                    self.ramp = None;
                    self.trips = 0;
                    self.backoff = 0;
                    Ok(closed)
                }
                None => Ok(closed),
            },
            State::ForcedClosed => Ok(closed),
            State::ForcedOpen => Err((State::ForcedOpen, u64::MAX)),
            State::Open if now < self.open_until => Err((State::Open, self.open_until - now)),
            State::Open => {
                self.go(State::HalfOpen);
                Ok(self.admit_probe())
            }
            State::HalfOpen => {
                let timeout = Self::nanos(self.config.half_open_probe_timeout);
                let expired: Vec<u64> = self
                    .probes
                    .iter()
                    .filter(|p| now - p.1 > timeout)
                    .map(|p| p.0)
                    .collect();
                if !expired.is_empty() {
                    for ticket in expired {
                        self.totals.failures += 1;
                        self.totals.timeouts += 1;
                        self.consecutive += 1;
                        self.reclaimed.push(ticket);
                    }
                    self.go(State::Open);
                    return Err((State::Open, self.open_until - now));
                }
                if self.probes.len() < self.config.max_requests as usize {
                    return Ok(self.admit_probe());
                }
                let oldest = self.probes.iter().map(|p| p.1).min().unwrap();
                Err((State::HalfOpen, oldest + timeout + 1 - now))
            }
        }
    }

    fn admit_probe(&mut self) -> ModelPermit {
        self.next_probe += 1;
        self.probes.push((self.next_probe, self.now));
        ModelPermit {
            epoch: self.epoch,
            start: self.now,
            probe: Some(self.next_probe),
        }
    }

    fn count(&mut self, outcome: Outcome, slow: bool) {
        let t = &mut self.totals;
        match outcome {
            Outcome::Success => t.successes += 1,
            Outcome::Failure => t.failures += 1,
            Outcome::Timeout => {
                t.failures += 1;
                t.timeouts += 1;
            }
            Outcome::Ignored => t.ignored += 1,
            Outcome::Cancelled => t.cancelled += 1,
        }
        t.slow += u64::from(slow);
    }

    /// `latency`: handed in (ns), else measured on the clock.
    fn record(&mut self, permit: ModelPermit, outcome: Outcome, latency: Option<u64>) {
        let latency = latency.unwrap_or(self.now - permit.start);
        // Dated acquire time + latency, but never past the clock's now.
        let at = (permit.start + latency).min(self.now);
        let held = at - permit.start;
        let abandoned = self
            .config
            .abandoned_after
            .is_some_and(|d| held > Self::nanos(d));
        let outcome = if outcome == Outcome::Cancelled && abandoned {
            Outcome::Timeout
        } else {
            outcome
        };
        let judged = matches!(
            outcome,
            Outcome::Success | Outcome::Failure | Outcome::Timeout
        );
        let slow = judged && latency > Self::nanos(self.config.slow_call_threshold);
        let current = permit.epoch == self.epoch;
        if let Some(ticket) = permit.probe {
            let Some(i) = self
                .probes
                .iter()
                .position(|p| p.0 == ticket)
                .filter(|_| current)
            else {
                // A reclaimed probe already counted once, as a timeout.
                if let Some(r) = self.reclaimed.iter().position(|t| *t == ticket) {
                    self.reclaimed.remove(r);
                } else {
                    self.count(outcome, slow);
                }
                return;
            };
            self.count(outcome, slow);
            self.probes.swap_remove(i);
            self.latest = self.latest.max(at / BUCKET);
            if judged {
                self.calls.push(Call {
                    bucket: self.latest,
                    failed: outcome != Outcome::Success,
                    slow,
                });
            }
            match outcome {
                Outcome::Success => {
                    self.consecutive = 0;
                    self.probe_successes += 1;
                    if self.probe_successes >= self.config.max_requests {
                        self.go_at(State::Closed, at, true);
                    }
                }
                Outcome::Failure | Outcome::Timeout => {
                    self.consecutive += 1;
                    self.go_at(State::Open, at, false);
                }
                Outcome::Ignored | Outcome::Cancelled => {}
            }
            return;
        }
        self.count(outcome, slow);
        if !judged || !current {
            return;
        }
        let failed = outcome != Outcome::Success;
        self.latest = self.latest.max(at / BUCKET);
        self.calls.push(Call {
            bucket: self.latest,
            failed,
            slow,
        });
        self.consecutive = if failed { self.consecutive + 1 } else { 0 };
        // Rule 1: every judged outcome, success included, judged on the
        // window at its date.
        if self.state == State::Closed && self.should_trip(at) {
            self.go_at(State::Open, at, false);
        }
    }

    /// The trip rules, written out again on purpose.
    fn should_trip(&self, at: u64) -> bool {
        let c = &self.config;
        if self.consecutive >= c.max_failures {
            return true;
        }
        let (calls, failures, slow) = self.window_at(at);
        if calls < u64::from(c.min_requests) {
            return false;
        }
        failures as f64 / calls as f64 >= c.failure_threshold
            || c.slow_call_rate_threshold
                .is_some_and(|r| slow as f64 / calls as f64 >= r)
    }

    fn manual(&mut self, to: State) {
        if to == State::Closed || self.state != to {
            self.go(to);
        }
    }

    fn ramp_over(&self) -> bool {
        self.ramp.is_some_and(|r| self.now >= r.end)
    }
}

fn check(cb: &CircuitBreaker, model: &Model) -> Result<(), TestCaseError> {
    let m = cb.metrics();
    prop_assert_eq!(m.state, model.state);
    let t = model.totals;
    prop_assert_eq!(
        (
            m.total_successes,
            m.total_failures,
            m.timeout_count,
            m.total_slow
        ),
        (t.successes, t.failures, t.timeouts, t.slow)
    );
    prop_assert_eq!(
        (m.total_ignored, m.total_cancelled, m.total_rejected),
        (t.ignored, t.cancelled, t.rejected)
    );
    prop_assert_eq!(m.consecutive_failures, model.consecutive);
    let (trips, backoff) = if model.ramp_over() {
        (0, 0)
    } else {
        (model.trips, model.backoff)
    };
    prop_assert_eq!(m.consecutive_trips, trips);
    prop_assert_eq!(m.current_backoff, Duration::from_nanos(backoff));
    prop_assert_eq!(
        (m.circuit_open_count, m.recovery_attempts),
        (model.open_count, model.recovery_attempts)
    );
    let share = model.ramp.map_or(1.0, |r| r.share(model.now));
    prop_assert_eq!(m.admitted_share, share);
    if matches!(model.state, State::Closed | State::ForcedClosed) {
        let (calls, failures, slow) = model.window();
        prop_assert_eq!(
            (m.window.calls, m.window.failures, m.window.slow_calls),
            (calls, failures, slow)
        );
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400)
}

proptest! {
    // 400 cases by default; `PROPTEST_CASES=N` runs more.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn breaker_agrees_with_the_reference_model(config in config(), ops in prop::collection::vec(op(), 1..250)) {
        let clock = ManualClock::new();
        let cb = CircuitBreaker::builder("model").config(config.clone()).clock(clock.clone()).build().unwrap();
        let mut model = Model::new(config);
        let mut held: Vec<(Permit<'_>, ModelPermit)> = Vec::new();
        for op in ops {
            match op {
                Op::Advance(nanos) => {
                    clock.advance(Duration::from_nanos(nanos));
                    model.now += nanos;
                }
                Op::Acquire => match (cb.try_acquire(), model.acquire()) {
                    (Ok(permit), Ok(expected)) => {
                        prop_assert_eq!(permit.is_probe(), expected.probe.is_some());
                        held.push((permit, expected));
                    }
                    (Err(rejected), Err((state, retry))) => {
                        prop_assert_eq!(rejected.state(), state);
                        let expected = if retry == u64::MAX { Duration::MAX } else { Duration::from_nanos(retry) };
                        prop_assert_eq!(rejected.retry_after(), expected);
                    }
                    (got, want) => prop_assert!(false, "admission differs: breaker {:?}, model {:?}", got.map(|_| ()), want.map(|_| ())),
                },
                Op::Record(i, outcome) if !held.is_empty() => {
                    let (permit, expected) = held.swap_remove(i % held.len());
                    permit.record(outcome);
                    model.record(expected, outcome, None);
                }
                Op::RecordAfter(i, outcome, ms) if !held.is_empty() => {
                    let (mut permit, expected) = held.swap_remove(i % held.len());
                    permit.set_latency(Duration::from_millis(ms));
                    permit.record(outcome);
                    model.record(expected, outcome, Some(ms * MS));
                }
                Op::Record(..) | Op::RecordAfter(..) => {}
                Op::Reset => {
                    cb.reset();
                    model.manual(State::Closed);
                }
                Op::ForceOpen => {
                    cb.force_open();
                    model.manual(State::ForcedOpen);
                }
                Op::ForceClosed => {
                    cb.force_closed();
                    model.manual(State::ForcedClosed);
                }
                Op::Reconfigure(max_failures, min_requests, failure_threshold) => {
                    let config = Config { max_failures, min_requests, failure_threshold, ..model.config.clone() };
                    cb.reconfigure(config.clone()).unwrap();
                    model.config = config;
                }
            }
            check(&cb, &model)?;
        }
    }
}
