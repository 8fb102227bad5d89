//! Chains try fallbacks in order, log each use and count it.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fallback_cache::{
    Declined, Fallback, FallbackChain, FallbackReason, FallbackStats, Provenance, Served,
    from_async_fn, from_fn,
};
use pollster::block_on;

type Chain = FallbackChain<String, String>;

fn answer(
    label: &'static str,
) -> impl Fn(&String, &FallbackReason) -> Result<Served<String>, Declined> {
    move |q: &String, _: &FallbackReason| {
        Ok(Served::new(
            format!("{label}:{q}"),
            Provenance::fallback(label),
        ))
    }
}

fn open() -> FallbackReason {
    FallbackReason::CircuitOpen {
        retry_after: Duration::from_millis(1500),
    }
}

#[test]
fn first_answer_wins_in_order() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let step = |name: &'static str, answers: bool| {
        let calls = Arc::clone(&calls);
        from_fn(name, move |q: &String, _: &FallbackReason| {
            calls.lock().unwrap().push(name);
            if answers {
                Ok(Served::new(
                    format!("{name}:{q}"),
                    Provenance::fallback(name),
                ))
            } else {
                Err(Declined::Miss)
            }
        })
    };
    let chain = Chain::new("t")
        .then(step("first", false))
        .then(step("second", true))
        .then(step("third", true));
    let served = block_on(chain.execute(&"q".to_owned(), &open())).unwrap();
    assert_eq!(served.response, "second:q");
    assert_eq!(*calls.lock().unwrap(), ["first", "second"]);
    assert_eq!(chain.step_names(), ["first", "second", "third"]);
    assert_eq!(
        chain.stats(),
        FallbackStats {
            executions: 1,
            cache_misses: 1,
            fallback_serves: 1,
            ..FallbackStats::default()
        }
    );
}

#[test]
fn all_declining_returns_the_last_reason() {
    let chain = Chain::new("t")
        .then(from_fn("miss", |_: &String, _: &FallbackReason| {
            Err(Declined::Miss)
        }))
        .then(from_fn("na", |_: &String, _: &FallbackReason| {
            Err(Declined::NotApplicable("nope".into()))
        }));
    let declined = block_on(chain.execute(&"q".to_owned(), &open())).unwrap_err();
    assert_eq!(declined, Declined::NotApplicable("nope".into()));
    assert_eq!(chain.stats().declines, 1);

    let empty = Chain::new("empty");
    assert_eq!(
        block_on(empty.execute(&"q".to_owned(), &open())).unwrap_err(),
        Declined::NoFallback
    );
    assert_eq!(
        empty.stats(),
        FallbackStats {
            executions: 1,
            declines: 1,
            ..FallbackStats::default()
        }
    );
}

#[test]
fn fallbacks_see_the_reason() {
    let chain = Chain::new("t").then(from_fn("why", |_: &String, reason: &FallbackReason| {
        Ok(Served::new(
            format!("{}:{:?}", reason.label(), reason.retry_after()),
            Provenance::fallback("why"),
        ))
    }));
    let q = "q".to_owned();
    assert_eq!(
        block_on(chain.execute(&q, &open())).unwrap().response,
        "circuit_open:Some(1.5s)"
    );
    let failure = FallbackReason::Failure {
        description: "HTTP 503".into(),
    };
    assert_eq!(
        block_on(chain.execute(&q, &failure)).unwrap().response,
        "failure:None"
    );
    assert_eq!(failure.to_string(), "call failed: HTTP 503");
}

#[test]
fn async_closures_shared_fallbacks_and_clones() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let async_step = from_async_fn("async", move |q: &String, _: &FallbackReason| {
        let q = q.clone();
        let hits = Arc::clone(&counted);
        async move {
            hits.fetch_add(1, Ordering::Relaxed);
            Ok(Served::new(q, Provenance::fallback("async")))
        }
    });
    let shared: Arc<dyn Fallback<String, String>> = Arc::new(async_step);
    let chain = Chain::new("t")
        .then_arc(Arc::clone(&shared))
        .then(from_fn("unused", answer("unused")));
    let clone = chain.clone();
    block_on(chain.execute(&"a".to_owned(), &open())).unwrap();
    let served = block_on(clone.execute(&"b".to_owned(), &open())).unwrap();
    assert_eq!(
        (served.response.as_str(), served.provenance.label()),
        ("b", "async")
    );
    assert_eq!(hits.load(Ordering::Relaxed), 2);
    assert_eq!(chain.stats().executions, 2, "clones share counters");
    assert_eq!(shared.name(), "async");
    let debug = format!("{chain:?}");
    assert!(
        debug.contains("async") && debug.contains("unused"),
        "{debug}"
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn each_use_logs_the_seed_message_with_fields() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let chain = Chain::new("match-kols").then(from_fn("default", answer("default")));
    tracing::subscriber::with_default(subscriber, || {
        block_on(chain.execute(&"q".to_owned(), &open())).unwrap();
        block_on(chain.execute(
            &"q".to_owned(),
            &FallbackReason::Timeout {
                after: Duration::from_secs(10),
            },
        ))
        .unwrap();
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Circuit breaker open, executing fallback"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("INFO") && lines[0].contains("chain=match-kols"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("reason=\"circuit_open\"") && lines[0].contains("retry_after_ms=1500"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("reason=\"timeout\"") && !lines[1].contains("retry_after_ms"),
        "{}",
        lines[1]
    );
}

#[test]
fn an_outage_logs_one_line_then_one_summary_per_interval() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let clock = circuit_core::ManualClock::new();
    let chain = Chain::new("match-kols")
        .then(from_fn("default", answer("default")))
        .log_clock(Arc::new(clock.clone()));
    assert_eq!(chain.log_interval(), fallback_cache::DEFAULT_LOG_INTERVAL);
    tracing::subscriber::with_default(subscriber, || {
        // 1 000 rejected calls a second for 25 s.
        for _ in 0..25 {
            for _ in 0..1_000 {
                block_on(chain.execute(&"q".to_owned(), &open())).unwrap();
            }
            clock.advance(Duration::from_secs(1));
        }
    });
    assert_eq!(
        chain.stats().executions,
        25_000,
        "every use is still counted"
    );
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Circuit breaker open, executing fallback"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(!lines[0].contains("more in the last"), "{}", lines[0]);
    for summary in &lines[1..] {
        assert!(
            summary
                .contains("Circuit breaker open, executing fallback: 10000 more in the last 10 s")
                && summary.contains("executions=10000")
                && summary.contains("reason=\"circuit_open\""),
            "{summary}"
        );
    }
}

#[test]
fn a_zero_interval_logs_every_use() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let chain = Chain::new("match-kols")
        .then(from_fn("default", answer("default")))
        .log_every(Duration::ZERO);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..5 {
            block_on(chain.execute(&"q".to_owned(), &open())).unwrap();
        }
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches("executing fallback").count(), 5, "{text}");
}

#[test]
fn transitions_resets_and_reconfigurations_are_never_suppressed() {
    use circuit_core::{CircuitBreaker, Config};

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let clock = circuit_core::ManualClock::new();
    let breaker = CircuitBreaker::builder("kol-matcher")
        .config(Config {
            max_failures: 1,
            ..Config::default()
        })
        .clock(clock.clone())
        .build()
        .unwrap();
    let chain = Chain::new("match-kols")
        .then(from_fn("default", answer("default")))
        .log_clock(Arc::new(clock.clone()));
    let transitions = tracing::subscriber::with_default(subscriber, || {
        for round in 0..5u32 {
            breaker.try_acquire().unwrap().record_failure();
            for _ in 0..500 {
                let rejected = breaker.try_acquire().unwrap_err();
                let reason = FallbackReason::CircuitOpen {
                    retry_after: rejected.retry_after(),
                };
                block_on(chain.execute(&"q".to_owned(), &reason)).unwrap();
            }
            breaker.reset();
            let mut config = (*breaker.config()).clone();
            config.min_requests = 11 + round;
            breaker.reconfigure(config).unwrap();
        }
        breaker.transitions().len()
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_eq!(transitions, 10, "a trip and a reset per round");
    assert_eq!(
        text.matches("Circuit breaker state changed").count(),
        10,
        "{text}"
    );
    assert_eq!(
        text.matches("Circuit breaker reconfigured").count(),
        5,
        "{text}"
    );
    assert_eq!(text.matches("executing fallback").count(), 1, "{text}");
}
