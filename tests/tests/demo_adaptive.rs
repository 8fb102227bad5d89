//! The demo with `--policy adaptive`, in-process: each breaker's policy
//! learns the backend's normal in the healthy phase, and the report and
//! summary say what it learned.

use std::path::Path;
use std::time::Duration;

use demo::{Options, PolicyChoice, ViewMode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adaptive_demo_reports_what_it_learned() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-adaptive");
    let options = Options {
        duration: Duration::from_secs(24),
        seed: 7,
        view: ViewMode::Quiet,
        out: Some(out.clone()),
        policy: PolicyChoice::Adaptive,
        no_metrics: true,
        ..Options::default()
    };
    let report = demo::run(options).await.expect("the demo runs to the end");
    let policy = report
        .config
        .rows
        .iter()
        .find(|r| r.name == "trip policy")
        .expect("the policy is reported");
    assert_eq!(policy.demo, "adaptive");
    for breaker in &report.breakers {
        let name = &breaker.name;
        let learned = breaker
            .learned
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: nothing learned reported"));
        assert!(learned.ready, "{name}: {}", learned.summary);
        // The embedded backend fails nothing while healthy and answers far
        // within the timeout: what was learned is that, not the incident
        // (its 500s, and its answers slower than the timeout).
        assert!(learned.failure_rate < 0.05, "{name}: {}", learned.summary);
        let timeout_ms = report.config.request_timeout_ms;
        assert!(
            learned
                .latency_p99_ms
                .is_some_and(|p99| p99 < timeout_ms / 2.0),
            "{name}: {} (timeout {timeout_ms} ms)",
            learned.summary
        );
        assert!(learned.summary.starts_with("normal failure rate"));
        let thresholds = &breaker.client.circuit_breaker.thresholds;
        assert!(thresholds.learned, "{name}: {thresholds:?}");
        assert!(thresholds.failure_rate < 0.6, "{name}: {thresholds:?}");
        // It opened in the incident, and ended closed.
        assert!(!breaker.openings.is_empty(), "{name} never opened");
        assert_eq!(breaker.final_state, circuit_core::State::Closed);
    }
    let svg = std::fs::read_to_string(out.join("timeline.svg")).expect("timeline.svg");
    assert!(svg.contains("kol-match learned"), "learned threshold drawn");
    assert!(svg.contains("config threshold 60%"));
}
