//! The breaker and client settings of a run: the production defaults with
//! every duration compressed so that a one-minute incident shows a trip,
//! backoff, half-open probes and recovery.

use std::time::Duration;

use circuit_core::{AdaptiveSettings, Config};
use serde::{Deserialize, Serialize};

use crate::options::PolicyChoice;

/// How long the incident the defaults are tuned for lasts: a run of
/// `--duration D` replays it at `D / PRODUCTION_INCIDENT` speed (1:10 for
/// the default minute).
const PRODUCTION_INCIDENT: Duration = Duration::from_secs(600);

/// Probes a half-open breaker needs: fewer than the production 10, because
/// the demo sends tens of requests a second, not thousands.
const DEMO_HALF_OPEN_PROBES: u32 = 5;

/// Production client defaults (fastapi-client).
const PRODUCTION_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const PRODUCTION_SLOW_REQUEST: Duration = Duration::from_secs(5);
const PRODUCTION_CACHE_FRESH: Duration = Duration::from_secs(60);
const PRODUCTION_CACHE_STALE: Duration = Duration::from_secs(3600);
/// A `Retry-After` a real service might send during an outage.
const PRODUCTION_RETRY_AFTER: Duration = Duration::from_secs(20);
/// How often a production client would poll `/health` while open: a
/// sixth of the open period.
const PRODUCTION_HEALTH_INTERVAL: Duration = Duration::from_secs(5);

/// The settings a run uses.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// `run duration / 600 s`.
    pub(crate) factor: f64,
    /// The breakers' rules.
    pub(crate) circuit: Config,
    /// The clients' per-request limit.
    pub(crate) request_timeout: Duration,
    /// Above this a call logs "Slow request detected".
    pub(crate) slow_request: Duration,
    /// Cached match answers count as fresh this long.
    pub(crate) cache_fresh: Duration,
    /// ... and may stand in for the backend this much longer.
    pub(crate) cache_stale: Duration,
    /// The `Retry-After` the embedded backend sends with its 503s.
    pub(crate) retry_after_secs: u64,
    /// With `--policy adaptive`: the adaptive policy's settings.
    pub(crate) adaptive: Option<AdaptiveSettings>,
    /// How often the clients poll `/health` while their breaker is open.
    pub(crate) health_interval: Duration,
    /// The limit of those polls and of the check before each probe.
    pub(crate) health_timeout: Duration,
}

/// The share of the run the adaptive policy warms up in: inside the
/// healthy first fifth, so it judges the degraded phase by what it learned.
const ADAPTIVE_WARM_UP: f64 = 0.15;
/// Calls it needs learned: the demo sends tens a second, not thousands.
const ADAPTIVE_MIN_CALLS: u32 = 50;

impl Settings {
    /// The production defaults, every duration scaled to `run`, with floors
    /// that keep very short runs meaningful.
    pub(crate) fn for_run(run: Duration) -> Self {
        let factor = run.as_secs_f64() / PRODUCTION_INCIDENT.as_secs_f64();
        let scale =
            |d: Duration, floor_ms: u64| d.mul_f64(factor).max(Duration::from_millis(floor_ms));
        let production = Config::default();
        let circuit = Config {
            recovery_timeout: scale(production.recovery_timeout, 500),
            monitor_window: scale(production.monitor_window, 1_000),
            max_requests: DEMO_HALF_OPEN_PROBES,
            base_backoff: scale(production.base_backoff, 20),
            max_backoff: scale(production.max_backoff, 500),
            slow_call_threshold: scale(production.slow_call_threshold, 200),
            half_open_probe_timeout: scale(production.half_open_probe_timeout, 500),
            ..production
        };
        let retry_after = scale(PRODUCTION_RETRY_AFTER, 1_000);
        Self {
            factor,
            circuit,
            request_timeout: scale(PRODUCTION_REQUEST_TIMEOUT, 500),
            slow_request: scale(PRODUCTION_SLOW_REQUEST, 200),
            cache_fresh: scale(PRODUCTION_CACHE_FRESH, 1_000),
            cache_stale: scale(PRODUCTION_CACHE_STALE, 10_000),
            // Retry-After is whole seconds on the wire.
            retry_after_secs: retry_after.as_secs_f64().round().max(1.0) as u64,
            adaptive: None,
            health_interval: scale(PRODUCTION_HEALTH_INTERVAL, 100),
            health_timeout: scale(fastapi_client::DEFAULT_HEALTH_CHECK_TIMEOUT, 100),
        }
    }

    /// With `--policy adaptive`, the adaptive policy's settings: the
    /// learning horizon scaled like every other duration, a warm-up inside
    /// the healthy phase and fewer calls to learn from.
    pub(crate) fn with_policy(mut self, policy: PolicyChoice, run: Duration) -> Self {
        self.adaptive = (policy == PolicyChoice::Adaptive).then(|| {
            let production = AdaptiveSettings::default();
            AdaptiveSettings {
                learning_horizon: production
                    .learning_horizon
                    .mul_f64(self.factor)
                    .max(Duration::from_secs(10)),
                warm_up: run.mul_f64(ADAPTIVE_WARM_UP),
                min_calls: ADAPTIVE_MIN_CALLS,
                ..production
            }
        });
        self
    }

    /// The settings next to the production defaults, for the report.
    pub(crate) fn describe(&self) -> ConfigReport {
        let production = Config::default();
        let c = &self.circuit;
        let row = |name: &str, demo: Duration, prod: Duration| SettingRow {
            name: name.to_owned(),
            demo: format_duration(demo),
            production: format_duration(prod),
        };
        let count = |name: &str, demo: String, prod: String| SettingRow {
            name: name.to_owned(),
            demo,
            production: prod,
        };
        ConfigReport {
            time_scale: format!("1:{:.0}", 1.0 / self.factor),
            factor: self.factor,
            request_timeout_ms: millis(self.request_timeout),
            rows: vec![
                count(
                    "max_failures",
                    c.max_failures.to_string(),
                    production.max_failures.to_string(),
                ),
                count(
                    "failure_threshold",
                    percent(c.failure_threshold),
                    percent(production.failure_threshold),
                ),
                count(
                    "min_requests",
                    c.min_requests.to_string(),
                    production.min_requests.to_string(),
                ),
                row(
                    "recovery_timeout",
                    c.recovery_timeout,
                    production.recovery_timeout,
                ),
                row(
                    "monitor_window",
                    c.monitor_window,
                    production.monitor_window,
                ),
                count(
                    "max_requests (half-open probes)",
                    c.max_requests.to_string(),
                    production.max_requests.to_string(),
                ),
                row("base_backoff", c.base_backoff, production.base_backoff),
                row("max_backoff", c.max_backoff, production.max_backoff),
                row(
                    "slow_call_threshold",
                    c.slow_call_threshold,
                    production.slow_call_threshold,
                ),
                row(
                    "half_open_probe_timeout",
                    c.half_open_probe_timeout,
                    production.half_open_probe_timeout,
                ),
                row(
                    "request_timeout",
                    self.request_timeout,
                    PRODUCTION_REQUEST_TIMEOUT,
                ),
                row(
                    "slow_request_threshold",
                    self.slow_request,
                    PRODUCTION_SLOW_REQUEST,
                ),
                row("cache fresh_for", self.cache_fresh, PRODUCTION_CACHE_FRESH),
                row(
                    "cache stale_if_error",
                    self.cache_stale,
                    PRODUCTION_CACHE_STALE,
                ),
                row(
                    "backend Retry-After",
                    Duration::from_secs(self.retry_after_secs),
                    PRODUCTION_RETRY_AFTER,
                ),
                row(
                    "health_check_interval",
                    self.health_interval,
                    PRODUCTION_HEALTH_INTERVAL,
                ),
                row(
                    "health_check_timeout",
                    self.health_timeout,
                    fastapi_client::DEFAULT_HEALTH_CHECK_TIMEOUT,
                ),
            ]
            .into_iter()
            .chain(self.adaptive_rows())
            .collect(),
        }
    }

    /// The trip policy, and the adaptive policy's settings if it is on.
    fn adaptive_rows(&self) -> Vec<SettingRow> {
        let row = |name: &str, demo: String, production: String| SettingRow {
            name: name.to_owned(),
            demo,
            production,
        };
        let Some(a) = &self.adaptive else {
            return vec![row("trip policy", "default".into(), "default".into())];
        };
        let p = AdaptiveSettings::default();
        vec![
            row("trip policy", "adaptive".into(), "adaptive".into()),
            row(
                "learning_horizon",
                format_duration(a.learning_horizon),
                format_duration(p.learning_horizon),
            ),
            row(
                "warm_up",
                format_duration(a.warm_up),
                format_duration(p.warm_up),
            ),
            row(
                "min_calls",
                a.min_calls.to_string(),
                p.min_calls.to_string(),
            ),
        ]
    }
}

/// The configuration of a run and how it maps to production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigReport {
    /// `1:N`: one demo second stands for N production seconds.
    pub time_scale: String,
    /// `run duration / 600 s`.
    pub factor: f64,
    /// The clients' request timeout, in milliseconds.
    pub request_timeout_ms: f64,
    /// Each setting, demo value next to the production default.
    pub rows: Vec<SettingRow>,
}

/// One setting in the demo and in production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingRow {
    /// The setting's name.
    pub name: String,
    /// Its value in this run.
    pub demo: String,
    /// The production default.
    pub production: String,
}

pub(crate) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `1.5s`, `300ms`: short and exact enough for a table.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        let secs = format!("{:.2}", ms / 1000.0);
        format!("{}s", secs.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format!("{ms:.0}ms")
    }
}

fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_is_production_at_one_tenth() {
        let s = Settings::for_run(Duration::from_secs(60));
        assert_eq!(s.circuit.recovery_timeout, Duration::from_secs(3));
        assert_eq!(s.circuit.monitor_window, Duration::from_secs(6));
        assert_eq!(s.circuit.max_backoff, Duration::from_secs(3));
        assert_eq!(s.circuit.max_failures, Config::default().max_failures);
        assert_eq!(s.request_timeout, Duration::from_secs(1));
        assert_eq!(s.retry_after_secs, 2);
        assert!(s.circuit.validate().is_ok());
        assert_eq!(s.describe().time_scale, "1:10");
    }

    #[test]
    fn short_runs_keep_their_floors_and_stay_valid() {
        let s = Settings::for_run(Duration::from_secs(10));
        assert_eq!(s.request_timeout, Duration::from_millis(500));
        assert_eq!(s.circuit.recovery_timeout, Duration::from_millis(500));
        assert_eq!(s.retry_after_secs, 1);
        assert!(s.circuit.validate().is_ok());
    }

    #[test]
    fn the_adaptive_policy_learns_within_the_healthy_phase() {
        let run = Duration::from_secs(60);
        let s = Settings::for_run(run).with_policy(PolicyChoice::Adaptive, run);
        let a = s.adaptive.as_ref().unwrap();
        assert_eq!(a.learning_horizon, Duration::from_secs(180));
        assert_eq!(a.warm_up, Duration::from_secs(9));
        assert!(a.validate().is_ok());
        let rows = s.describe().rows;
        assert!(
            rows.iter()
                .any(|r| r.name == "warm_up" && r.production == "300s")
        );
        let plain = Settings::for_run(run).with_policy(PolicyChoice::Default, run);
        assert!(plain.adaptive.is_none());
    }

    #[test]
    fn durations_print_compactly() {
        assert_eq!(format_duration(Duration::from_secs(3)), "3s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }
}
