//! Section 7: adaptive thresholds on replayed incidents.
//!
//! Each scenario of `circuit_core::replay` is generated for [`SEEDS`]
//! seeds and replayed through three policies: the seed design's defaults,
//! a static config tuned by hand for the scenario, and the adaptive policy
//! with its defaults over the scenario's user config. Replays run on a
//! manual clock, so the figures are exact and the same on every machine:
//! docs/adaptive.md quotes them, and a test keeps the two in step.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::replay::{Detection, Scenario, Score, replay};
use circuit_core::{AdaptivePolicy, Config, DefaultTripPolicy, TripPolicy};
use serde::Serialize;

use crate::error::Error;

/// Seeds per scenario: 1 to 10.
pub(crate) const SEEDS: u64 = 10;

/// The policies compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Policy {
    /// `DefaultTripPolicy` with `Config::default()`.
    SeedDefaults,
    /// `DefaultTripPolicy` with the scenario's hand-tuned config.
    HandTuned,
    /// `AdaptivePolicy::default()` over the scenario's user config.
    Adaptive,
    /// `AdaptivePolicy::default()` over the hand-tuned config (for (b),
    /// whose user config trips before the policy can learn).
    AdaptiveOverHandTuned,
}

impl Policy {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::SeedDefaults => "seed defaults",
            Self::HandTuned => "hand-tuned static",
            Self::Adaptive => "adaptive defaults",
            Self::AdaptiveOverHandTuned => "adaptive over hand-tuned",
        }
    }

    /// The config a scenario replays this policy with.
    pub(crate) fn config(self, scenario: Scenario) -> Config {
        match self {
            Self::SeedDefaults => Config::default(),
            Self::HandTuned | Self::AdaptiveOverHandTuned => scenario.hand_tuned(),
            Self::Adaptive => scenario.user_config(),
        }
    }

    fn trip_policy(self) -> Arc<dyn TripPolicy> {
        match self {
            Self::SeedDefaults | Self::HandTuned => Arc::new(DefaultTripPolicy),
            Self::Adaptive | Self::AdaptiveOverHandTuned => Arc::new(AdaptivePolicy::default()),
        }
    }

    /// The policies a scenario is measured with.
    pub(crate) fn for_scenario(scenario: Scenario) -> Vec<Policy> {
        let mut policies = vec![Self::SeedDefaults, Self::HandTuned, Self::Adaptive];
        if scenario == Scenario::NoisyDependency {
            policies.push(Self::AdaptiveOverHandTuned);
        }
        policies
    }
}

/// One policy on one scenario, over every seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ReplayRow {
    pub(crate) scenario: char,
    pub(crate) policy: Policy,
    pub(crate) config: String,
    /// Runs that tripped during the incident.
    pub(crate) detected: u64,
    /// The median delay over all runs, a run that never tripped in the
    /// incident counting as never (`None`: the median run never did).
    pub(crate) median_delay: Option<Duration>,
    pub(crate) missed: u64,
    pub(crate) open_already: u64,
    /// Means over the runs.
    pub(crate) calls_into_incident: f64,
    pub(crate) open_while_healthy: Duration,
    /// Summed over the runs.
    pub(crate) false_trips: u64,
}

/// Every row, scenario by scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct AdaptiveResults {
    pub(crate) seeds: u64,
    pub(crate) rows: Vec<ReplayRow>,
}

/// Replays every scenario, seed and policy.
///
/// # Errors
/// A config that breaks a rule (none of the built-in ones does).
pub(crate) fn run() -> Result<AdaptiveResults, Error> {
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        let traces: Vec<_> = (1..=SEEDS).map(|seed| scenario.trace(seed)).collect();
        for policy in Policy::for_scenario(scenario) {
            let config = policy.config(scenario);
            let scores = traces
                .iter()
                .map(|trace| {
                    replay(trace, config.clone(), policy.trip_policy())
                        .map(|run| run.score(trace))
                        .map_err(|e| Error::setup(format!("replay ({})", scenario.letter()), e))
                })
                .collect::<Result<Vec<Score>, Error>>()?;
            rows.push(row(scenario, policy, &config, &scores));
        }
    }
    Ok(AdaptiveResults { seeds: SEEDS, rows })
}

fn row(scenario: Scenario, policy: Policy, config: &Config, scores: &[Score]) -> ReplayRow {
    let runs = scores.len().max(1) as f64;
    let mut delays: Vec<Duration> = Vec::new();
    let (mut missed, mut open_already) = (0, 0);
    for score in scores {
        match score.detections[0] {
            Detection::After(delay) => delays.push(delay),
            Detection::Missed => missed += 1,
            Detection::AlreadyOpen => open_already += 1,
        }
    }
    let detected = delays.len() as u64;
    let median_delay = median(delays, scores.len());
    let open: Duration = scores.iter().map(|s| s.open_while_healthy).sum();
    ReplayRow {
        scenario: scenario.letter(),
        policy,
        config: describe(config),
        detected,
        median_delay,
        missed,
        open_already,
        calls_into_incident: scores
            .iter()
            .map(|s| s.calls_into_incidents[0] as f64)
            .sum::<f64>()
            / runs,
        open_while_healthy: open.div_f64(runs),
        false_trips: scores.iter().map(|s| s.false_trips).sum(),
    }
}

/// The median of `runs` runs of which those in `delays` tripped (the
/// others never did, and sort last).
fn median(mut delays: Vec<Duration>, runs: usize) -> Option<Duration> {
    delays.sort();
    let at = |i: usize| delays.get(i).copied();
    if runs == 0 {
        return None;
    }
    if runs % 2 == 1 {
        at(runs / 2)
    } else {
        Some((at(runs / 2 - 1)? + at(runs / 2)?) / 2)
    }
}

/// The config's fields that differ from the default, as `name value`.
pub(crate) fn describe(config: &Config) -> String {
    let d = Config::default();
    let mut parts = Vec::new();
    if config.max_failures != d.max_failures {
        parts.push(format!("max_failures {}", config.max_failures));
    }
    if config.failure_threshold != d.failure_threshold {
        parts.push(format!("failure_threshold {}", config.failure_threshold));
    }
    if config.min_requests != d.min_requests {
        parts.push(format!("min_requests {}", config.min_requests));
    }
    if config.max_requests != d.max_requests {
        parts.push(format!("max_requests {}", config.max_requests));
    }
    if config.monitor_window != d.monitor_window {
        parts.push(format!("monitor_window {:?}", config.monitor_window));
    }
    if config.slow_call_threshold != d.slow_call_threshold {
        parts.push(format!(
            "slow_call_threshold {:?}",
            config.slow_call_threshold
        ));
    }
    if config.slow_call_rate_threshold != d.slow_call_rate_threshold {
        let rate = config
            .slow_call_rate_threshold
            .map_or("none".to_owned(), |r| r.to_string());
        parts.push(format!("slow_call_rate_threshold {rate}"));
    }
    let rest = config.changed_fields(&d).len() - parts.len();
    if rest > 0 {
        parts.push(format!("{rest} more"));
    }
    if parts.is_empty() {
        "default".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_that_never_tripped_count_as_never() {
        let s = Duration::from_secs;
        assert_eq!(median(vec![s(3), s(1), s(2)], 3), Some(s(2)));
        assert_eq!(median(vec![s(1), s(3)], 4), None);
        assert_eq!(median(vec![s(1), s(3), s(5)], 4), Some(s(4)));
        assert_eq!(median(vec![s(1)], 3), None);
        assert_eq!(median(vec![], 0), None);
    }

    #[test]
    fn configs_are_described_by_what_differs() {
        assert_eq!(describe(&Config::default()), "default");
        assert_eq!(
            describe(&Scenario::LowTraffic.hand_tuned()),
            "max_failures 4, failure_threshold 0.25, monitor_window 180s"
        );
        assert_eq!(
            describe(&Config {
                recovery_timeout: Duration::from_secs(1),
                ..Config::default()
            }),
            "1 more"
        );
    }
}
