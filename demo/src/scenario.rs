//! The scripted incident: which phase the backend is in at each moment.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One stage of the incident the demo plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Every request answered promptly.
    Healthy,
    /// A share of 500s and slow answers, some slower than the client's
    /// timeout: below the trip thresholds, so the breaker stays closed.
    Degraded,
    /// The backend stops listening: connections are refused.
    OutageRefused,
    /// The backend listens again but answers every API request with 503
    /// and `Retry-After`.
    OutageUnavailable,
    /// Mostly healthy, a few 500s and some extra latency.
    Recovering,
    /// Healthy again.
    Recovered,
}

impl Phase {
    /// A short label for views and charts.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::OutageRefused => "outage: refused",
            Self::OutageUnavailable => "outage: 503",
            Self::Recovering => "recovering",
            Self::Recovered => "healthy again",
        }
    }

    /// What the backend does in this phase.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Healthy => "backend healthy",
            Self::Degraded => "a share of 500s and slow responses, some past the client timeout",
            Self::OutageRefused => "backend stopped listening: connection refused",
            Self::OutageUnavailable => "backend back on its port, answering 503 with Retry-After",
            Self::Recovering => "mostly healthy: a few 500s and extra latency",
            Self::Recovered => "backend healthy again",
        }
    }

    /// Whether the backend is down (refusing or answering 503 to all).
    pub const fn is_outage(self) -> bool {
        matches!(self, Self::OutageRefused | Self::OutageUnavailable)
    }
}

/// A phase and when it runs, relative to the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseSpan {
    /// The phase.
    pub phase: Phase,
    /// Start, in seconds since the run began.
    pub start_s: f64,
    /// End, in seconds since the run began.
    pub end_s: f64,
}

/// The phases of one run, back to back from 0 to the run's duration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline {
    spans: Vec<PhaseSpan>,
}

/// Where each scripted phase ends, as a share of the run.
const SCRIPT: [(Phase, f64); 6] = [
    (Phase::Healthy, 0.20),
    (Phase::Degraded, 0.40),
    (Phase::OutageRefused, 0.55),
    (Phase::OutageUnavailable, 0.65),
    (Phase::Recovering, 0.80),
    (Phase::Recovered, 1.00),
];

impl Timeline {
    /// The incident, scaled to `duration`.
    pub(crate) fn scripted(duration: Duration) -> Self {
        let total = duration.as_secs_f64();
        let mut start = 0.0;
        let spans = SCRIPT
            .iter()
            .map(|&(phase, end_share)| {
                let end = total * end_share;
                let span = PhaseSpan {
                    phase,
                    start_s: start,
                    end_s: end,
                };
                start = end;
                span
            })
            .collect();
        Self { spans }
    }

    /// No incident: healthy from start to end (`--no-faults`).
    pub(crate) fn calm(duration: Duration) -> Self {
        let span = PhaseSpan {
            phase: Phase::Healthy,
            start_s: 0.0,
            end_s: duration.as_secs_f64(),
        };
        Self { spans: vec![span] }
    }

    /// The phases in order.
    pub(crate) fn spans(&self) -> &[PhaseSpan] {
        &self.spans
    }

    /// The phase running `elapsed` into the run (the last one after the
    /// end).
    pub(crate) fn phase_at(&self, elapsed: Duration) -> Phase {
        let t = elapsed.as_secs_f64();
        self.spans
            .iter()
            .find(|span| t < span.end_s)
            .or(self.spans.last())
            .map_or(Phase::Healthy, |span| span.phase)
    }

    /// When the backend went down and when it came back, if it did.
    pub(crate) fn outage(&self) -> Option<(f64, f64)> {
        let mut down = self.spans.iter().filter(|span| span.phase.is_outage());
        let first = down.next()?;
        let end = down.next_back().map_or(first.end_s, |span| span.end_s);
        Some((first.start_s, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_phases_cover_the_run_in_order() {
        let timeline = Timeline::scripted(Duration::from_secs(60));
        let spans = timeline.spans();
        assert_eq!(spans.len(), 6);
        assert_eq!(spans[0].start_s, 0.0);
        assert!((spans[5].end_s - 60.0).abs() < 1e-9);
        for pair in spans.windows(2) {
            assert_eq!(pair[0].end_s, pair[1].start_s);
            assert!(pair[0].start_s < pair[0].end_s);
        }
    }

    #[test]
    fn phase_at_follows_the_script() {
        let timeline = Timeline::scripted(Duration::from_secs(60));
        assert_eq!(timeline.phase_at(Duration::from_secs(1)), Phase::Healthy);
        assert_eq!(timeline.phase_at(Duration::from_secs(13)), Phase::Degraded);
        assert_eq!(
            timeline.phase_at(Duration::from_secs(25)),
            Phase::OutageRefused
        );
        assert_eq!(
            timeline.phase_at(Duration::from_secs(34)),
            Phase::OutageUnavailable
        );
        assert_eq!(
            timeline.phase_at(Duration::from_secs(40)),
            Phase::Recovering
        );
        assert_eq!(timeline.phase_at(Duration::from_secs(59)), Phase::Recovered);
        assert_eq!(
            timeline.phase_at(Duration::from_secs(600)),
            Phase::Recovered
        );
        assert_eq!(timeline.outage(), Some((24.0, 39.0)));
    }

    #[test]
    fn calm_timeline_has_no_outage() {
        let timeline = Timeline::calm(Duration::from_secs(20));
        assert_eq!(timeline.phase_at(Duration::from_secs(19)), Phase::Healthy);
        assert_eq!(timeline.outage(), None);
    }
}
