//! Command-line options (also what a test hands to [`crate::run`]).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::DemoError;
use crate::live::ViewMode;

/// Shortest run that still shows every phase.
pub const MIN_DURATION: Duration = Duration::from_secs(10);
/// Longest run.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// An outage, survived: a KOL backend fails and recovers while campaign
/// planners keep working through fastapi-client's circuit breakers and
/// fallbacks.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "demo", version)]
pub struct Options {
    /// How long the scenario runs: seconds (`30`) or a duration (`90s`, `2m`).
    #[arg(long, default_value = "60", value_parser = parse_duration)]
    pub duration: Duration,

    /// Seed for the dataset, the campaigns, the planners and the faults.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Run against this backend (e.g. tests/fastapi_backend under uvicorn)
    /// instead of the embedded one. Faults are driven through its
    /// `/_faults` API when it has one (`KOL_BACKEND_FAULTS=1`).
    #[arg(long, value_name = "URL")]
    pub backend_url: Option<String>,

    /// Keep the backend healthy for the whole run.
    #[arg(long)]
    pub no_faults: bool,

    /// Where report.json, timeline.svg and demo.log go
    /// (default: `<workspace>/target/demo`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// How progress is shown.
    #[arg(long, value_enum, default_value_t = ViewMode::Auto)]
    pub view: ViewMode,

    /// Concurrent campaign planners.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub planners: u16,

    /// Address of the breaker dashboard and the Prometheus `/metrics`
    /// endpoint (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub metrics_addr: String,

    /// Serve neither the dashboard nor Prometheus metrics.
    #[arg(long)]
    pub no_metrics: bool,

    /// How the breakers decide to open: the config's thresholds, or an
    /// adaptive policy that learns the backend's normal while it is healthy
    /// (the summary says what it learned).
    #[arg(long, value_enum, default_value_t = PolicyChoice::Default)]
    pub policy: PolicyChoice,

    /// The tracing log file, recorded in the report (set by the binary).
    #[arg(skip)]
    pub log_file: Option<PathBuf>,
}

/// The breakers' trip policy (`--policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PolicyChoice {
    /// The config's thresholds (`circuit_core::DefaultTripPolicy`).
    #[default]
    Default,
    /// `circuit_core::AdaptivePolicy`, its durations scaled to the run.
    Adaptive,
}

impl Default for Options {
    /// The command line's defaults.
    fn default() -> Self {
        Self::parse_from(["demo"])
    }
}

impl Options {
    /// The output folder: `--out`, else `<workspace>/target/demo`.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            crate_dir
                .parent()
                .map_or_else(|| crate_dir.clone(), PathBuf::from)
                .join("target")
                .join("demo")
        })
    }

    /// Checks what clap cannot.
    ///
    /// # Errors
    /// [`DemoError::InvalidOption`] naming the option.
    pub fn validate(&self) -> Result<(), DemoError> {
        if !(MIN_DURATION..=MAX_DURATION).contains(&self.duration) {
            return Err(DemoError::InvalidOption {
                option: "duration",
                reason: format!(
                    "must be between {MIN_DURATION:?} and {MAX_DURATION:?}, got {:?}",
                    self.duration
                ),
            });
        }
        if let Some(url) = &self.backend_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(DemoError::InvalidOption {
                    option: "backend-url",
                    reason: format!("`{url}` is not an http(s) URL"),
                });
            }
        }
        Ok(())
    }
}

/// `30` is seconds; anything else goes through humantime (`90s`, `1m30s`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_issue() {
        let o = Options::default();
        assert_eq!(o.duration, Duration::from_secs(60));
        assert_eq!(
            (o.seed, o.no_faults, o.backend_url.as_deref()),
            (42, false, None)
        );
        assert!(o.out_dir().ends_with("target/demo"));
        assert!(o.validate().is_ok());
    }

    #[test]
    fn durations_take_seconds_or_humantime() {
        let o = Options::parse_from(["demo", "--duration", "30", "--seed", "7", "--no-faults"]);
        assert_eq!(
            (o.duration, o.seed, o.no_faults),
            (Duration::from_secs(30), 7, true)
        );
        let o = Options::parse_from(["demo", "--duration", "2m", "--policy", "adaptive"]);
        assert_eq!(o.duration, Duration::from_secs(120));
        assert_eq!(o.policy, PolicyChoice::Adaptive);
        assert_eq!(Options::default().policy, PolicyChoice::Default);
        assert!(Options::try_parse_from(["demo", "--policy", "smart"]).is_err());
        assert!(Options::try_parse_from(["demo", "--duration", "soon"]).is_err());
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let short = Options {
            duration: Duration::from_secs(3),
            ..Options::default()
        };
        assert!(matches!(
            short.validate(),
            Err(DemoError::InvalidOption {
                option: "duration",
                ..
            })
        ));
        let url = Options {
            backend_url: Some("localhost:8000".into()),
            ..Options::default()
        };
        assert!(matches!(
            url.validate(),
            Err(DemoError::InvalidOption {
                option: "backend-url",
                ..
            })
        ));
        assert!(Options::try_parse_from(["demo", "--planners", "0"]).is_err());
    }
}
