//! The demo behind `cargo xtask demo`: an outage, survived, on an embedded
//! KOL backend.
//!
//! A run starts a KOL backend inside the process (the contract of
//! `docs/backend-contract.md`, on a free 127.0.0.1 port, with a synthetic
//! dataset made from the seed), and plays a scripted incident on it:
//! healthy, degraded (500s and slow answers), an outage (connection
//! refused, then 503 with `Retry-After`), recovering, healthy again.
//! Meanwhile campaign planners keep matching KOLs and optimising budgets
//! through `fastapi-client`, one breaker per endpoint, with the production
//! breaker defaults compressed in time. A live view shows the breakers;
//! Prometheus metrics are served; at the end a [`Report`] says what
//! happened and `timeline.svg` draws it.
//!
//! ```
//! use std::time::Duration;
//!
//! let options = demo::Options { duration: Duration::from_secs(20), seed: 7, ..demo::Options::default() };
//! assert!(options.validate().is_ok());
//! assert!(options.out_dir().ends_with("target/demo"));
//! // `demo::run(options).await` plays the incident and returns the report.
//! let too_short = demo::Options { duration: Duration::from_secs(2), ..options };
//! assert!(matches!(too_short.validate(), Err(demo::DemoError::InvalidOption { option: "duration", .. })));
//! ```
//!
//! Decisions where the issue is silent (time scale, phase shares, what
//! counts as failing fast) are written down in `demo/README-excerpt.md`.

#![forbid(unsafe_code)]

mod backend;
mod chart;
mod director;
mod error;
mod live;
mod options;
mod record;
mod report;
mod run;
mod scale;
mod scenario;
mod seed;
mod telemetry;
mod workload;

pub use backend::BackendStats;
pub use error::DemoError;
pub use live::ViewMode;
pub use options::{MAX_DURATION, MIN_DURATION, Options, PolicyChoice};
pub use record::Transition;
pub use report::{
    AnswerCounts, BackendInfo, Band, BreakerReport, BreakerSeries, Files, LatencySummary, Learned,
    MetricsInfo, Opening, OutageReport, PhaseReport, REPORT_VERSION, Report, Series,
};
pub use run::{run, run_until};
pub use scale::{ConfigReport, SettingRow};
pub use scenario::{Phase, PhaseSpan};
