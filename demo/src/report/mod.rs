//! The run's report: what `report.json` holds and the summary printed at
//! the end are both this.

mod build;
mod series;
pub(crate) mod stats;
mod summary;

use std::collections::BTreeMap;

use circuit_core::State;
use fastapi_client::{ClientStats, HealthStats};
use serde::{Deserialize, Serialize};

pub(crate) use self::build::{Inputs, build};
pub use self::series::{Band, BreakerSeries, Series};
use crate::backend::BackendStats;
use crate::record::Transition;
use crate::scale::ConfigReport;
use crate::scenario::{Phase, PhaseSpan};

/// Format version of `report.json`.
pub const REPORT_VERSION: u32 = 1;

/// Everything a run found out; written to `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The `--seed`.
    pub seed: u64,
    /// The `--duration`, in seconds.
    pub duration_s: f64,
    /// How long the run really took, in seconds.
    pub elapsed_s: f64,
    /// Which backend the planners talked to.
    pub backend: BackendInfo,
    /// The breaker and client settings, next to the production defaults.
    pub config: ConfigReport,
    /// The scripted phases.
    pub phases: Vec<PhaseSpan>,
    /// One entry per breaker.
    pub breakers: Vec<BreakerReport>,
    /// Every call of the run, by answer.
    pub answers: AnswerCounts,
    /// The calls of each phase.
    pub by_phase: Vec<PhaseReport>,
    /// The calls made while the backend was down (none with `--no-faults`).
    pub outage: Option<OutageReport>,
    /// Latency as the planners saw it, every call.
    pub latency: LatencySummary,
    /// The clients' own health checks, both breakers together: before
    /// probes (real requests kept off an unhealthy backend) and while open
    /// (early probes).
    pub health: HealthStats,
    /// The time series the chart is drawn from.
    pub series: Series,
    /// Where metrics were published.
    pub metrics: MetricsInfo,
    /// The files written.
    pub files: Files,
}

/// Which backend a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// `embedded` or `external`.
    pub kind: String,
    /// Its base URL.
    pub url: String,
    /// How faults were made: `scripted` (embedded), `fault-api` (an
    /// external backend's `/_faults`), or `none`.
    pub faults: String,
    /// The embedded backend's own counts.
    pub stats: Option<BackendStats>,
}

/// How calls were answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCounts {
    /// All calls.
    pub total: u64,
    /// Live answers from the backend.
    pub live: u64,
    /// Cached last-good match answers.
    pub cache: u64,
    /// Empty match answers.
    pub empty: u64,
    /// Conservative budget allocations.
    pub conservative: u64,
    /// Errors returned to the planner.
    pub failed: u64,
    /// ... of which timeouts.
    pub timeout: u64,
    /// ... connection refused.
    pub refused: u64,
    /// ... connection cut mid-exchange.
    pub cut: u64,
    /// ... 5xx or 429.
    pub server_error: u64,
    /// ... rejected by the open breaker with no fallback.
    pub rejected: u64,
    /// ... anything else.
    pub other: u64,
    /// Answered without sending anything (fallbacks and rejections).
    pub failed_fast: u64,
    /// Sent to the backend.
    pub sent: u64,
}

/// One breaker's story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerReport {
    /// Its name.
    pub name: String,
    /// Every state change, in order.
    pub transitions: Vec<Transition>,
    /// Every time it opened (from CLOSED or after a failed probe).
    pub openings: Vec<Opening>,
    /// Whether it opened while the backend was down.
    pub opened_during_outage: bool,
    /// When it closed for good after the outage, in seconds since the start.
    pub closed_after_outage_s: Option<f64>,
    /// From the backend coming back to the breaker closing, in seconds.
    pub time_to_recover_s: Option<f64>,
    /// Seconds spent OPEN or HALF_OPEN.
    pub time_not_closed_s: f64,
    /// Its state when the run ended.
    pub final_state: State,
    /// Its calls, by answer.
    pub answers: AnswerCounts,
    /// The client's own statistics (with the breaker's metrics inside).
    pub client: ClientStats,
    /// With `--policy adaptive`: what the breaker's policy learned.
    #[serde(default)]
    pub learned: Option<Learned>,
}

/// What an adaptive policy learned over the run (`--policy adaptive`); the
/// thresholds it gave are in the breaker's metrics
/// (`client.circuit_breaker.thresholds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    /// Whether the learned thresholds were in force at the end.
    pub ready: bool,
    /// Seconds of learning: closed, with full traffic, within thresholds.
    pub learned_for_s: f64,
    /// Calls the learned normal rests on.
    pub calls: u64,
    /// The backend's normal failure rate.
    pub failure_rate: f64,
    /// The normal p99 of successful calls, in milliseconds.
    pub latency_p99_ms: Option<f64>,
    /// Window buckets not learned from: an incident.
    pub buckets_past_threshold: u64,
    /// Window buckets not learned from: open, half-open or ramping.
    pub buckets_not_steady: u64,
    /// The policy's own account, in one line.
    pub summary: String,
}

impl Learned {
    pub(crate) fn of(baseline: &circuit_core::Baseline) -> Self {
        Self {
            ready: baseline.ready,
            learned_for_s: baseline.learned_for.as_secs_f64(),
            calls: baseline.calls,
            failure_rate: baseline.failure_rate,
            latency_p99_ms: baseline.latency_p99.map(|d| d.as_secs_f64() * 1000.0),
            buckets_past_threshold: baseline.buckets_past_threshold,
            buckets_not_steady: baseline.buckets_not_steady,
            summary: baseline.to_string(),
        }
    }
}

/// One opening of a breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    /// Seconds since the start.
    pub at_s: f64,
    /// The phase it happened in.
    pub phase: Phase,
    /// The breaker's reason.
    pub reason: String,
    /// How long it was to stay open, in milliseconds.
    pub open_for_ms: Option<f64>,
    /// The failures it saw just before, by kind.
    pub recent_failures: BTreeMap<String, u64>,
}

/// The calls that started in one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    /// The phase and when it ran.
    pub span: PhaseSpan,
    /// Its calls, by answer.
    pub answers: AnswerCounts,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// The longest any call waited, milliseconds.
    pub max_ms: f64,
}

/// The calls made while the backend was down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutageReport {
    /// When it went down, seconds since the start.
    pub start_s: f64,
    /// When it came back.
    pub end_s: f64,
    /// Calls started in between, by answer.
    pub answers: AnswerCounts,
    /// The longest a call waited on the dead backend, milliseconds.
    pub max_wait_ms: f64,
    /// The clients' request timeout, milliseconds.
    pub request_timeout_ms: f64,
    /// Calls that waited longer than the timeout (should be none).
    pub waited_past_timeout: u64,
    /// The slowest answer among those that failed fast, milliseconds.
    pub failed_fast_max_ms: f64,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

/// Where metrics went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsInfo {
    /// The Prometheus endpoint, while the run lasted.
    pub prometheus_url: Option<String>,
    /// Sample lines in the last scrape of it, taken just before the end.
    pub scraped_samples: usize,
    /// The OTLP endpoint, when `OTEL_EXPORTER_OTLP_ENDPOINT` was set.
    pub otlp_endpoint: Option<String>,
}

/// The files a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Files {
    /// `report.json`.
    pub report: String,
    /// `timeline.svg`.
    pub svg: String,
    /// The tracing log, when written to a file.
    pub log: Option<String>,
}

impl Report {
    /// The report of the breaker called `name`.
    pub fn breaker(&self, name: &str) -> Option<&BreakerReport> {
        self.breakers.iter().find(|b| b.name == name)
    }

    /// The human summary printed at the end of a run.
    pub fn summary(&self) -> String {
        summary::render(self)
    }
}
