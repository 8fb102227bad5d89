//! The demo's story, checked from what it reports: run in-process, short
//! and without a terminal, against its embedded backend.
//!
//! The run takes the 24 s it is asked for; everything it says about the
//! incident comes from `report.json` and `timeline.svg`, as a reader of the
//! README would see it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use circuit_core::State;
use demo::{DemoError, Options, Phase, Report, ViewMode};

/// Long enough for every phase to get calls and for the breakers to close
/// again in the last fifth of the run.
const DURATION: Duration = Duration::from_secs(24);

fn out_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_trips_serves_fallbacks_and_recovers() {
    let out = out_dir("demo-story");
    let options = Options {
        duration: DURATION,
        seed: 42,
        view: ViewMode::Plain,
        out: Some(out.clone()),
        ..Options::default()
    };
    let report = demo::run(options).await.expect("the demo runs to the end");

    assert_eq!(report.backend.kind, "embedded");
    assert_eq!(report.backend.faults, "scripted");
    let (outage_start, outage_end) = {
        let o = report
            .outage
            .as_ref()
            .expect("a scripted run has an outage");
        (o.start_s, o.end_s)
    };
    for breaker in &report.breakers {
        let name = &breaker.name;
        let first = breaker
            .openings
            .first()
            .unwrap_or_else(|| panic!("{name} never opened"));
        assert!(
            breaker.opened_during_outage,
            "{name} first opened at {:.1}s, outside the outage",
            first.at_s
        );
        assert!(
            first.at_s >= outage_start && first.at_s <= outage_end,
            "{name} opened at {:.1}s",
            first.at_s
        );
        assert!(
            first.phase.is_outage(),
            "{name} opened in {:?}",
            first.phase
        );
        assert!(
            first.reason.starts_with("tripped"),
            "{name}: {}",
            first.reason
        );
        assert!(
            !first.recent_failures.is_empty(),
            "{name}: the failures that tripped it are listed"
        );
        let closed = breaker
            .closed_after_outage_s
            .unwrap_or_else(|| panic!("{name} did not close again"));
        assert!(
            closed > outage_end,
            "{name} closed at {closed:.1}s, before the backend was back"
        );
        assert_eq!(breaker.final_state, State::Closed, "{name} ends closed");
        assert!(
            breaker.transitions.iter().any(|t| t.to == State::HalfOpen),
            "{name} probed half-open"
        );
        assert_eq!(
            breaker.client.total_requests, breaker.answers.total,
            "{name}: client stats match the calls"
        );
    }

    let answers = &report.answers;
    assert!(answers.live > 0, "live answers: {answers:?}");
    assert!(answers.cache > 0, "cached answers: {answers:?}");
    assert!(answers.empty > 0, "empty answers: {answers:?}");
    assert!(
        answers.conservative > 0,
        "conservative answers: {answers:?}"
    );

    let outage = report.outage.as_ref().expect("outage report");
    assert_eq!(
        outage.waited_past_timeout, 0,
        "no call waited on the dead backend past the timeout"
    );
    assert!(
        outage.max_wait_ms <= outage.request_timeout_ms,
        "longest wait {} ms, timeout {} ms",
        outage.max_wait_ms,
        outage.request_timeout_ms
    );
    assert!(
        outage.answers.failed_fast > outage.answers.sent,
        "most outage calls failed fast: {:?}",
        outage.answers
    );

    // Both health features worked during the outage: probes that found the
    // backend down kept their real requests back, and the clients polled
    // /health while open.
    let health = report.health;
    assert!(
        health.probes_held_back > 0 && health.probes_held_back <= health.probe_checks,
        "{health:?}"
    );
    assert!(health.active_checks > 0, "{health:?}");
    assert_eq!(
        health.probes_held_back,
        report
            .breakers
            .iter()
            .map(|b| b.client.health.probes_held_back)
            .sum::<u64>()
    );
    assert!(
        report.summary().contains(&format!(
            "so {} real requests were never sent",
            health.probes_held_back
        )),
        "{}",
        report.summary()
    );

    let healthy_again = report
        .by_phase
        .iter()
        .find(|p| p.span.phase == Phase::Recovered)
        .expect("last phase");
    assert!(
        healthy_again.answers.live > 0,
        "live answers after recovery: {:?}",
        healthy_again.answers
    );
    assert!(
        report.metrics.prometheus_url.is_some() && report.metrics.scraped_samples > 0,
        "{:?}",
        report.metrics
    );

    check_report_file(&out, &report);
    check_svg(&out);
}

/// `report.json` is the report the run returned.
fn check_report_file(out: &Path, report: &Report) {
    let bytes = std::fs::read(out.join("report.json")).expect("report.json is written");
    let on_disk: Report = serde_json::from_slice(&bytes).expect("report.json parses as a Report");
    assert_eq!(on_disk.seed, report.seed);
    assert_eq!(on_disk.answers, report.answers);
    assert_eq!(on_disk.breakers.len(), report.breakers.len());
    assert_eq!(on_disk.series.t_s.len(), report.series.t_s.len());
}

/// `timeline.svg` is well-formed SVG with every series and legend the
/// README promises.
fn check_svg(out: &Path) {
    let text = std::fs::read_to_string(out.join("timeline.svg")).expect("timeline.svg is written");
    let doc = roxmltree::Document::parse(&text).expect("timeline.svg is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for expected in [
        "Backend phase and breaker state",
        "closed",
        "open",
        "half-open",
        "degraded",
        "outage: refused",
        "outage: 503",
        "recovering",
        "kol-match failure rate",
        "kol-budget failure rate",
        "kol-match p50",
        "kol-match p99",
        "kol-budget p50",
        "kol-budget p99",
        "kol-match fallback share",
        "kol-budget fallback share",
    ] {
        assert!(
            labels.contains(&expected),
            "timeline.svg lacks `{expected}`; it has {labels:?}"
        );
    }
    assert!(
        labels.iter().any(|l| l.starts_with("trip threshold")),
        "threshold line labelled"
    );
    assert!(
        labels.iter().any(|l| l.starts_with("request timeout")),
        "timeout line labelled"
    );
    // Each breaker's series are drawn as lines in its own colour.
    for colour in ["#1F77B4", "#9467BD"] {
        let lines = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(colour))
            .filter(|n| {
                n.attribute("points")
                    .is_some_and(|p| p.split_whitespace().count() > 2)
            })
            .count();
        assert!(lines >= 3, "{lines} drawn lines in {colour}");
    }
}

#[tokio::test]
async fn options_outside_the_supported_range_are_refused_before_anything_starts() {
    let out = out_dir("demo-refused");
    let options = Options {
        duration: Duration::from_secs(1),
        out: Some(out.clone()),
        ..Options::default()
    };
    let error = demo::run(options).await.expect_err("a 1 s run is refused");
    assert!(
        matches!(
            error,
            DemoError::InvalidOption {
                option: "duration",
                ..
            }
        ),
        "{error}"
    );
    assert!(!out.join("report.json").exists());
}
