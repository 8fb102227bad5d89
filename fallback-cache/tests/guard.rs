//! `FallbackGuard`: the seed's `WithFallback` around a call of the user's
//! own. Time is tokio's paused clock, so the hanging fallback's deadline
//! passes without anyone sleeping.

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use circuit_core::{Chain, CircuitBreaker, Config, ManualClock, Outcome, RejectReason, State};
use fallback_cache::{
    Declined, FallbackChain, FallbackGuard, FallbackReason, GuardError, Missed, Provenance, Served,
    from_async_fn, from_fn,
};

type Scores = FallbackChain<str, f64>;

fn breaker(max_failures: u32) -> Arc<CircuitBreaker> {
    let config = Config {
        max_failures,
        ..Config::default()
    };
    Arc::new(
        CircuitBreaker::builder("kol-scores")
            .config(config)
            .build()
            .unwrap(),
    )
}

/// A fallback answering 0.5 and keeping every reason it was asked with.
fn neutral(seen: &Arc<Mutex<Vec<FallbackReason>>>) -> Scores {
    let seen = Arc::clone(seen);
    FallbackChain::new("kol-scores").then(from_fn(
        "neutral",
        move |_: &str, reason: &FallbackReason| {
            seen.lock().unwrap().push(reason.clone());
            Ok(Served::new(0.5, Provenance::fallback("neutral-score")))
        },
    ))
}

#[tokio::test]
async fn a_live_answer_is_live_and_asks_no_fallback() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cb = breaker(1);
    let guard = FallbackGuard::new(Arc::clone(&cb), neutral(&seen), tokio::time::sleep);
    let served = guard
        .call("kol-7", || async { Ok::<_, String>(0.83) })
        .await
        .unwrap();
    assert_eq!(served, Served::live(0.83));
    assert!(!served.provenance.is_degraded());
    assert_eq!(cb.metrics().total_successes, 1);
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(guard.fallbacks().stats().executions, 0);
}

#[tokio::test]
async fn a_failed_call_is_answered_by_the_fallback_and_counted_on_the_breaker() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cb = breaker(2);
    let guard = FallbackGuard::new(Arc::clone(&cb), neutral(&seen), tokio::time::sleep);
    let served = guard
        .call("kol-7", || async {
            Err::<f64, _>("503 from the score service")
        })
        .await
        .unwrap();
    assert_eq!(served.response, 0.5);
    assert_eq!(served.provenance, Provenance::fallback("neutral-score"));
    assert_eq!(
        *seen.lock().unwrap(),
        [FallbackReason::Failure {
            description: "503 from the score service".into()
        }]
    );
    assert_eq!(cb.metrics().total_failures, 1);
    let stats = guard.fallbacks().stats();
    assert_eq!((stats.executions, stats.fallback_serves), (1, 1));
}

#[tokio::test]
async fn a_rejected_call_is_not_made_and_is_answered_by_the_fallback() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cb = breaker(1);
    let guard = FallbackGuard::new(Arc::clone(&cb), neutral(&seen), tokio::time::sleep);
    // One failure trips it.
    let _ = guard
        .call("kol-7", || async { Err::<f64, _>("refused") })
        .await;
    assert_eq!(cb.state(), State::Open);

    let made = AtomicUsize::new(0);
    let served = guard
        .call("kol-7", || async {
            made.fetch_add(1, Ordering::Relaxed);
            Ok::<_, String>(0.9)
        })
        .await
        .unwrap();
    assert_eq!(
        made.load(Ordering::Relaxed),
        0,
        "an open breaker lets nothing through"
    );
    assert_eq!(served.provenance.label(), "neutral-score");
    let reasons = seen.lock().unwrap();
    assert!(
        matches!(reasons[1], FallbackReason::CircuitOpen { retry_after } if retry_after > Duration::ZERO),
        "{reasons:?}"
    );
    assert_eq!(cb.metrics().total_rejected, 1);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_fallback_cannot_hang_the_call() {
    let cb = breaker(5);
    let hangs: Scores = FallbackChain::new("kol-scores").then(from_async_fn(
        "hangs",
        |_: &str, _: &FallbackReason| async { pending::<Result<Served<f64>, Declined>>().await },
    ));
    let guard = FallbackGuard::new(Arc::clone(&cb), hangs, tokio::time::sleep)
        .deadline(Duration::from_millis(250));
    let started = tokio::time::Instant::now();
    let call = guard.call("kol-7", || async { Err::<f64, _>("503".to_owned()) });
    // Without the guard's deadline this would wait forever: fail instead.
    let error = tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the guard ends the call at its deadline")
        .unwrap_err();
    // Paused time moves only to the deadline's timer: the call ended there.
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    match &error {
        GuardError::FallbackTimedOut { missed, deadline } => {
            assert_eq!(*deadline, Duration::from_millis(250));
            assert_eq!(*missed, Missed::Failed("503".to_owned()));
        }
        other => panic!("expected a missed deadline, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "call failed: 503; the fallback did not answer within 250ms"
    );
    assert_eq!(error.into_error().as_deref(), Some("503"));
    assert_eq!(guard.deadline_misses(), 1);
    // The execution ended: counted as a decline, so the chain's sums hold.
    let stats = guard.fallbacks().stats();
    assert_eq!((stats.executions, stats.declines), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn an_answer_ready_at_the_deadline_still_wins() {
    let cb = breaker(5);
    let slow: Scores = FallbackChain::new("kol-scores").then(from_async_fn(
        "slow",
        |_: &str, _: &FallbackReason| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(Served::new(0.4, Provenance::fallback("slow")))
        },
    ));
    let guard = FallbackGuard::new(Arc::clone(&cb), slow, tokio::time::sleep)
        .deadline(Duration::from_millis(100));
    let served = guard
        .call("kol-7", || async { Err::<f64, _>("503") })
        .await
        .unwrap();
    assert_eq!(served.provenance.label(), "slow");
    assert_eq!(guard.deadline_misses(), 0);
}

#[tokio::test]
async fn the_caller_s_own_mistake_is_returned_and_asks_no_fallback() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cb = breaker(1);
    let guard = FallbackGuard::new(Arc::clone(&cb), neutral(&seen), tokio::time::sleep);
    let unknown_kol = |r: &Result<f64, u16>| match r {
        Err(404) => Outcome::Ignored,
        Err(_) => Outcome::Failure,
        Ok(_) => Outcome::Success,
    };
    let error = guard
        .call_with(&unknown_kol, "kol-0", || async { Err(404) })
        .await
        .unwrap_err();
    assert!(matches!(error, GuardError::Call(404)), "{error:?}");
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().total_ignored, 1);
}

#[tokio::test]
async fn a_timeout_reaches_the_fallback_with_the_call_s_duration() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let clock = ManualClock::new();
    let guard =
        FallbackGuard::new(breaker(5), neutral(&seen), tokio::time::sleep).clock(clock.clone());
    let as_timeout = |r: &Result<f64, &str>| {
        if r.is_ok() {
            Outcome::Success
        } else {
            Outcome::Timeout
        }
    };
    let served = guard
        .call_with(&as_timeout, "kol-7", || async {
            clock.advance(Duration::from_secs(2));
            Err("deadline exceeded")
        })
        .await
        .unwrap();
    assert_eq!(served.response, 0.5);
    assert_eq!(
        *seen.lock().unwrap(),
        [FallbackReason::Timeout {
            after: Duration::from_secs(2)
        }]
    );
    assert_eq!(guard.gate().metrics().timeout_count, 1);
}

#[tokio::test]
async fn when_every_fallback_declines_the_call_s_error_is_kept() {
    let cb = breaker(5);
    let picky: Scores = FallbackChain::new("kol-scores")
        .then(from_fn("picky", |_: &str, _: &FallbackReason| {
            Err(Declined::Miss)
        }));
    let guard = FallbackGuard::new(Arc::clone(&cb), picky, tokio::time::sleep);
    let error = guard
        .call("kol-7", || async { Err::<f64, _>("reset by peer") })
        .await
        .unwrap_err();
    match error {
        GuardError::Declined { missed, declined } => {
            assert_eq!(missed, Missed::Failed("reset by peer"));
            assert_eq!(declined, Declined::Miss);
        }
        other => panic!("expected a decline, got {other:?}"),
    }
}

#[tokio::test]
async fn a_fallback_claiming_to_be_live_is_labelled_a_fallback() {
    let cb = breaker(5);
    let liar: Scores = FallbackChain::new("replica")
        .then(from_fn("replica", |_: &str, _: &FallbackReason| {
            Ok(Served::live(0.7))
        }));
    let guard = FallbackGuard::new(Arc::clone(&cb), liar, tokio::time::sleep);
    let served = guard
        .call("kol-7", || async { Err::<f64, _>("503") })
        .await
        .unwrap();
    assert!(served.provenance.is_degraded());
    assert_eq!(served.provenance, Provenance::fallback("replica"));
}

#[tokio::test]
async fn a_chain_says_which_link_rejected() {
    let host = breaker(5);
    let endpoint = breaker(5);
    endpoint.force_open();
    let guard = FallbackGuard::new(
        Chain::new([Arc::clone(&host), Arc::clone(&endpoint)]),
        FallbackChain::new("kol-scores"),
        tokio::time::sleep,
    );
    let error = guard
        .call("kol-7", || async { Ok::<f64, String>(0.9) })
        .await
        .unwrap_err();
    let rejection = error.rejection().expect("rejected");
    assert_eq!(rejection.link(), Some(1));
    assert_eq!(rejection.rejected().reason(), RejectReason::ForcedOpen);
    assert!(matches!(
        error,
        GuardError::Declined {
            declined: Declined::NoFallback,
            ..
        }
    ));
    // The host's admission is handed back unused: no failure against it.
    assert_eq!(host.metrics().total_failures, 0);
    assert_eq!(host.state(), State::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guarded_call_can_be_spawned() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let guard = Arc::new(FallbackGuard::new(
        breaker(5),
        neutral(&seen),
        tokio::time::sleep,
    ));
    let task = {
        let guard = Arc::clone(&guard);
        tokio::spawn(async move { guard.call("kol-7", || async { Err::<f64, _>("503") }).await })
    };
    assert_eq!(task.await.unwrap().unwrap().response, 0.5);
}
