//! Chains of breakers: all-or-nothing admission, one outcome per link.

use super::*;

fn named(name: &str, clock: &ManualClock, config: Config) -> CircuitBreaker {
    CircuitBreaker::builder(name)
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn one_failure_opens() -> Config {
    Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    }
}

#[test]
fn a_rejecting_link_admits_none_and_says_which() {
    let clock = ManualClock::new();
    let a = named("a", &clock, Config::default());
    let b = named("b", &clock, one_failure_opens());
    b.try_acquire().unwrap().record_failure();
    clock.advance(10 * SEC);
    let chain = Chain::new([&a, &b]);
    let rejected = chain.try_acquire().unwrap_err();
    assert_eq!(rejected.link(), 1);
    assert_eq!(rejected.rejected().reason(), RejectReason::Open);
    assert_eq!(rejected.retry_after(), 20 * SEC);
    assert!(rejected.to_string().starts_with("link 1 of the chain: "));
    // `a`'s permit was released as cancelled: no success, no failure.
    let m = a.metrics();
    assert_eq!(
        (m.total_successes, m.total_failures, m.total_cancelled),
        (0, 0, 1)
    );
}

#[test]
fn a_probe_slot_taken_before_a_rejecting_link_is_freed() {
    let clock = ManualClock::new();
    let host = named("host", &clock, one_failure_opens());
    let endpoint = named("endpoint", &clock, Config::default());
    host.try_acquire().unwrap().record_failure();
    clock.advance(30 * SEC);
    endpoint.force_open();
    let chain = Chain::new([&host, &endpoint]);
    // The host admits its only probe, the endpoint rejects...
    assert_eq!(chain.try_acquire().unwrap_err().link(), 1);
    assert_eq!(host.state(), State::HalfOpen);
    // ...and the probe slot is free again for the next caller.
    let probe = host.try_acquire().unwrap();
    assert!(probe.is_probe());
    probe.record_success();
    assert_eq!(host.state(), State::Closed);
}

#[test]
fn one_outcome_for_every_link_or_one_per_link() {
    let clock = ManualClock::new();
    let host = named("host", &clock, Config::default());
    let endpoint = named("endpoint", &clock, Config::default());
    let chain = Chain::new([&host, &endpoint]);
    chain.try_acquire().unwrap().record_success();
    chain.try_acquire().unwrap().record_failure();
    chain
        .try_acquire()
        .unwrap()
        .record_each([Outcome::Success, Outcome::Failure]);
    // A shorter list cancels the rest.
    chain.try_acquire().unwrap().record_each([Outcome::Timeout]);
    drop(chain.try_acquire().unwrap());
    let (h, e) = (host.metrics(), endpoint.metrics());
    assert_eq!(
        (
            h.total_successes,
            h.total_failures,
            h.timeout_count,
            h.total_cancelled
        ),
        (2, 2, 1, 1)
    );
    assert_eq!(
        (e.total_successes, e.total_failures, e.total_cancelled),
        (1, 2, 2)
    );
}

#[test]
fn latency_and_retry_after_reach_every_link() {
    let clock = ManualClock::new();
    let links: Vec<Arc<CircuitBreaker>> = (0..5)
        .map(|i| Arc::new(named(&format!("link-{i}"), &clock, one_failure_opens())))
        .collect();
    let chain = Chain::new(links.clone());
    assert_eq!(chain.len(), 5);
    let mut permit = chain.try_acquire().unwrap();
    permit.set_latency(Duration::from_secs(6));
    permit.set_retry_after(Duration::from_secs(90));
    permit
        .link_mut(4)
        .unwrap()
        .set_retry_after(Duration::from_secs(120));
    permit.record_failure();
    for (i, link) in links.iter().enumerate() {
        let m = link.metrics();
        assert_eq!(m.total_slow, 1, "link {i}");
        let open_for = if i == 4 { 120 } else { 90 };
        assert_eq!(
            m.retry_after,
            Some(Duration::from_secs(open_for)),
            "link {i}"
        );
    }
}

/// A handler that calls service A and then B must not call A while B's
/// breaker is open: the chain `[a, b]` asks both first.
#[test]
fn a_handler_does_not_call_a_while_b_is_open() {
    let clock = ManualClock::new();
    let (a, b) = (
        named("kol-scorer", &clock, Config::default()),
        named("budget-optimizer", &clock, one_failure_opens()),
    );
    let chain = Chain::new([&a, &b]);
    let mut calls_to_a = 0;
    let mut handle = |b_up: bool| -> Result<(), ChainRejected> {
        let permit = chain.try_acquire()?;
        calls_to_a += 1;
        let b_outcome = if b_up {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        permit.record_each([Outcome::Success, b_outcome]);
        Ok(())
    };
    handle(true).unwrap();
    handle(false).unwrap();
    for _ in 0..10 {
        assert_eq!(handle(true).unwrap_err().link(), 1);
    }
    assert_eq!(calls_to_a, 2, "A was not called while B was open");
    assert_eq!(a.state(), State::Closed);
}

/// A host-level breaker above per-endpoint breakers: one endpoint's 5xx
/// trips only that endpoint; a dead host trips the host, which fails every
/// endpoint at once.
#[test]
fn a_host_breaker_above_endpoint_breakers() {
    let clock = ManualClock::new();
    let config = Config {
        max_failures: 3,
        ..Config::default()
    };
    let host = Arc::new(named("kol-backend", &clock, config.clone()));
    let matcher = Arc::new(named("match", &clock, config.clone()));
    let budget = Arc::new(named("budget", &clock, config));
    let match_chain = Chain::new([Arc::clone(&host), Arc::clone(&matcher)]);
    let budget_chain = Chain::new([Arc::clone(&host), Arc::clone(&budget)]);
    // The budget endpoint answers 500: the host answered, the endpoint failed.
    for _ in 0..3 {
        budget_chain
            .try_acquire()
            .unwrap()
            .record_each([Outcome::Success, Outcome::Failure]);
        match_chain.try_acquire().unwrap().record_success();
    }
    assert_eq!(budget_chain.try_acquire().unwrap_err().link(), 1);
    assert!(match_chain.try_acquire().is_ok());
    // The host dies: connection errors count on both levels.
    for _ in 0..3 {
        match_chain.try_acquire().unwrap().record_failure();
    }
    assert_eq!(host.state(), State::Open);
    assert_eq!(match_chain.try_acquire().unwrap_err().link(), 0);
    assert_eq!(budget_chain.try_acquire().unwrap_err().link(), 0);
}

/// Past four links the permits live on the heap: outcomes still reach
/// every link in order, a shorter list cancels the rest, and a rejection
/// at the last link releases the inline and the heap permits alike.
#[test]
fn links_past_the_inline_four_keep_their_order() {
    let clock = ManualClock::new();
    let links: Vec<CircuitBreaker> = (0..6)
        .map(|i| named(&format!("link-{i}"), &clock, one_failure_opens()))
        .collect();
    let chain = Chain::new(links.iter());
    chain.try_acquire().unwrap().record_each([
        Outcome::Success,
        Outcome::Success,
        Outcome::Success,
        Outcome::Success,
        Outcome::Ignored,
    ]);
    let counts: Vec<(u64, u64, u64)> = links
        .iter()
        .map(|b| {
            let m = b.metrics();
            (m.total_successes, m.total_ignored, m.total_cancelled)
        })
        .collect();
    assert_eq!(
        counts,
        [
            (1, 0, 0),
            (1, 0, 0),
            (1, 0, 0),
            (1, 0, 0),
            (0, 1, 0),
            (0, 0, 1)
        ]
    );

    links[5].force_open();
    let rejected = chain.try_acquire().unwrap_err();
    assert_eq!(rejected.link(), 5);
    for (i, link) in links.iter().take(5).enumerate() {
        assert_eq!(link.metrics().total_cancelled, 1, "link {i}");
    }
}
