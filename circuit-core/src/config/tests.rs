use super::*;

#[test]
fn defaults_and_presets_are_valid_and_match_the_seed_design() {
    let d = Config::default();
    assert_eq!(
        (
            d.max_failures,
            d.failure_threshold,
            d.max_requests,
            d.min_requests
        ),
        (5, 0.6, 10, 10)
    );
    assert_eq!(d.recovery_timeout, Duration::from_secs(30));
    assert_eq!(d.monitor_window, Duration::from_secs(60));
    assert_eq!(
        (d.base_backoff, d.max_backoff),
        (Duration::from_secs(1), Duration::from_secs(30))
    );
    assert_eq!(d.slow_call_threshold, Duration::from_secs(5));
    assert_eq!(d.slow_call_rate_threshold, None);
    assert_eq!(d.half_open_probe_timeout, Duration::from_secs(30));
    assert_eq!(
        (d.recovery_ramp, d.recovery_ramp_floor),
        (Duration::ZERO, 0.1)
    );
    assert_eq!(d.abandoned_after, Some(Duration::from_secs(30)));
    assert_eq!(d.max_retry_after, Duration::from_secs(300));
    assert_eq!(
        (d.recovery_ramp, d.recovery_ramp_floor),
        (Duration::ZERO, 0.1)
    );
    assert_eq!(d.abandoned_after, Some(Duration::from_secs(30)));
    assert_eq!(d.max_retry_after, Duration::from_secs(300));
    let c = Config::critical();
    assert_eq!(
        (c.max_failures, c.failure_threshold, c.max_requests),
        (3, 0.5, 5)
    );
    assert_eq!(
        (c.recovery_timeout, c.monitor_window),
        (Duration::from_secs(15), Duration::from_secs(30))
    );
    assert_eq!(
        (c.base_backoff, c.max_backoff),
        (Duration::from_secs(2), Duration::from_secs(60))
    );
    assert_eq!(
        (
            Config::background_jobs().max_failures,
            Config::background_jobs().failure_threshold
        ),
        (10, 0.7)
    );
    assert_eq!(
        (
            Config::high_traffic().max_failures,
            Config::high_traffic().failure_threshold
        ),
        (5, 0.6)
    );
    assert_eq!(
        (
            Config::real_time().recovery_timeout,
            Config::real_time().max_requests
        ),
        (Duration::from_secs(15), 3)
    );
    for preset in [
        d,
        c,
        Config::background_jobs(),
        Config::high_traffic(),
        Config::real_time(),
    ] {
        preset.validate().unwrap();
    }
}

#[test]
fn each_broken_rule_names_its_field() {
    let cases: Vec<(Config, &str)> = vec![
        (
            Config {
                failure_threshold: f64::NAN,
                ..Config::default()
            },
            "failure_threshold",
        ),
        (
            Config {
                failure_threshold: 1.01,
                ..Config::default()
            },
            "failure_threshold",
        ),
        (
            Config {
                failure_threshold: -0.1,
                ..Config::default()
            },
            "failure_threshold",
        ),
        (
            Config {
                slow_call_rate_threshold: Some(f64::INFINITY),
                ..Config::default()
            },
            "slow_call_rate_threshold",
        ),
        (
            Config {
                max_failures: 0,
                ..Config::default()
            },
            "max_failures",
        ),
        (
            Config {
                max_requests: 0,
                ..Config::default()
            },
            "max_requests",
        ),
        (
            Config {
                max_requests: MAX_HALF_OPEN_REQUESTS + 1,
                ..Config::default()
            },
            "max_requests",
        ),
        (
            Config {
                min_requests: 0,
                ..Config::default()
            },
            "min_requests",
        ),
        (
            Config {
                monitor_window: Duration::ZERO,
                ..Config::default()
            },
            "monitor_window",
        ),
        (
            Config {
                monitor_window: Duration::from_millis(9),
                ..Config::default()
            },
            "monitor_window",
        ),
        (
            Config {
                recovery_ramp_floor: 1.5,
                ..Config::default()
            },
            "recovery_ramp_floor",
        ),
        (
            Config {
                abandoned_after: Some(Duration::ZERO),
                ..Config::default()
            },
            "abandoned_after",
        ),
        (
            Config {
                max_retry_after: Duration::MAX,
                ..Config::default()
            },
            "max_retry_after",
        ),
        (
            Config {
                half_open_probe_timeout: Duration::ZERO,
                ..Config::default()
            },
            "half_open_probe_timeout",
        ),
        (
            Config {
                base_backoff: Duration::from_secs(31),
                ..Config::default()
            },
            "base_backoff",
        ),
        (
            Config {
                recovery_timeout: Duration::MAX,
                ..Config::default()
            },
            "recovery_timeout",
        ),
    ];
    for (config, field) in cases {
        let err = config.validate().unwrap_err();
        assert_eq!(err.field(), field, "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
    // Boundaries are inclusive.
    Config {
        failure_threshold: 0.0,
        slow_call_rate_threshold: Some(1.0),
        ..Config::default()
    }
    .validate()
    .unwrap();
    Config {
        monitor_window: MIN_MONITOR_WINDOW,
        abandoned_after: None,
        ..Config::default()
    }
    .validate()
    .unwrap();
}

#[test]
fn presets_document_their_recovery_ramps() {
    assert_eq!(
        Config::high_traffic().recovery_ramp,
        Duration::from_secs(30)
    );
    assert_eq!(Config::critical().recovery_ramp, Duration::from_secs(60));
    assert_eq!(Config::background_jobs().recovery_ramp, Duration::ZERO);
    let rt = Config::real_time();
    assert_eq!(
        (rt.recovery_ramp, rt.recovery_ramp_floor),
        (Duration::from_secs(10), 0.25)
    );
}

#[test]
fn serde_reads_human_durations_and_round_trips() {
    let text = r#"{
        "max_failures": 3,
        "recovery_timeout": "1m 30s",
        "monitor_window": "45s",
        "slow_call_threshold": "250ms",
        "slow_call_rate_threshold": 0.4,
        "abandoned_after": null
    }"#;
    let c: Config = serde_json::from_str(text).unwrap();
    assert_eq!(c.max_failures, 3);
    assert_eq!(c.recovery_timeout, Duration::from_secs(90));
    assert_eq!(c.monitor_window, Duration::from_secs(45));
    assert_eq!(c.slow_call_threshold, Duration::from_millis(250));
    assert_eq!(c.slow_call_rate_threshold, Some(0.4));
    assert_eq!(c.abandoned_after, None);
    // Missing fields keep their defaults.
    assert_eq!(c.max_requests, Config::default().max_requests);
    for preset in [
        Config::default(),
        Config::critical(),
        Config::real_time(),
        c,
    ] {
        let json = serde_json::to_string(&preset).unwrap();
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, preset, "{json}");
    }
    let json = serde_json::to_value(Config::default()).unwrap();
    assert_eq!(json["recovery_timeout"], "30s");
    assert_eq!(json["max_retry_after"], "5m");
}

#[test]
fn every_bad_file_names_its_field() {
    let cases = [
        (
            r#"{"failure_threshold": 1.5}"#,
            "failure_threshold",
            "must be within [0, 1]",
        ),
        (
            r#"{"recovery_timeout": "soon"}"#,
            "recovery_timeout",
            "is not a duration",
        ),
        (
            r#"{"recovery_timeout": 30}"#,
            "recovery_timeout",
            "invalid type",
        ),
        (r#"{"max_failures": -1}"#, "max_failures", "invalid value"),
        (
            r#"{"max_failure": 3}"#,
            "max_failure",
            "is not a config field",
        ),
        (
            r#"{"min_requests": 1, "min_requests": 2}"#,
            "min_requests",
            "is given twice",
        ),
        (
            r#"{"monitor_window": "1ms"}"#,
            "monitor_window",
            "must be at least 10ms",
        ),
    ];
    for (text, field, rule) in cases {
        let err = serde_json::from_str::<Config>(text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("`{field}` ")) && err.contains(rule),
            "{text}: {err}"
        );
    }
}

#[test]
fn changed_fields_sees_every_field() {
    let base = Config::default();
    let json = serde_json::to_value(&base).unwrap();
    let changed = Config {
        max_failures: 6,
        failure_threshold: 0.5,
        recovery_timeout: Duration::from_secs(31),
        monitor_window: Duration::from_secs(61),
        max_requests: 9,
        base_backoff: Duration::from_secs(2),
        max_backoff: Duration::from_secs(31),
        min_requests: 9,
        slow_call_threshold: Duration::from_secs(6),
        slow_call_rate_threshold: Some(0.5),
        half_open_probe_timeout: Duration::from_secs(31),
        recovery_ramp: Duration::from_secs(1),
        recovery_ramp_floor: 0.2,
        abandoned_after: None,
        max_retry_after: Duration::from_secs(1),
    };
    let mut names = base.changed_fields(&changed);
    names.sort_unstable();
    let mut expected: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert!(base.changed_fields(&base.clone()).is_empty());
}
