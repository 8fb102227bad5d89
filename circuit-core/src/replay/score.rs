//! What a replay is worth: detection, calls into the incident, and the
//! cost outside incidents.

use std::fmt;
use std::time::Duration;

use super::{Run, Trace};
use crate::State;

/// How the breaker met one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// It tripped (CLOSED → OPEN) this long after the incident began.
    After(Duration),
    /// It was not CLOSED when the incident began (open since an earlier
    /// trip): nothing to detect.
    AlreadyOpen,
    /// It never tripped during the incident.
    Missed,
}

impl Detection {
    /// The delay, if it tripped.
    pub fn delay(self) -> Option<Duration> {
        match self {
            Self::After(delay) => Some(delay),
            Self::AlreadyOpen | Self::Missed => None,
        }
    }
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::After(delay) => write!(f, "{:.1} s", delay.as_secs_f64()),
            Self::AlreadyOpen => f.write_str("open already"),
            Self::Missed => f.write_str("missed"),
        }
    }
}

/// The figures of one replay.
///
/// * A *trip* is a CLOSED → OPEN transition (a failed half-open probe
///   reopening the breaker is not a new trip).
/// * A trip is *false* when it happens outside every incident and outside
///   the `monitor_window` after one (a window that still holds an
///   incident's calls is late, not wrong).
/// * *Open while healthy* is the time spent not CLOSED (open, half-open or
///   forced) outside incidents, until the end of the trace: a false trip's
///   open period, and the time it takes to close after an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// For each incident, how it was detected.
    pub detections: Vec<Detection>,
    /// For each incident, the calls the breaker admitted that started in
    /// it (probes included).
    pub calls_into_incidents: Vec<u64>,
    /// Trips outside incidents.
    pub false_trips: u64,
    /// Time not CLOSED outside incidents.
    pub open_while_healthy: Duration,
}

impl Run {
    /// Scores this run against the trace it replayed.
    pub fn score(&self, trace: &Trace) -> Score {
        let trips: Vec<Duration> = self
            .changes
            .iter()
            .filter(|c| c.from == State::Closed && c.to == State::Open)
            .map(|c| c.at)
            .collect();
        let detections = trace
            .incidents()
            .iter()
            .map(|incident| {
                if self.state_at(incident.start) != State::Closed {
                    return Detection::AlreadyOpen;
                }
                trips
                    .iter()
                    .find(|t| incident.contains(t))
                    .map_or(Detection::Missed, |t| Detection::After(*t - incident.start))
            })
            .collect();
        let calls_into_incidents = trace
            .incidents()
            .iter()
            .map(|incident| {
                trace
                    .calls()
                    .iter()
                    .zip(&self.admitted)
                    .filter(|(call, admitted)| **admitted && incident.contains(&call.at))
                    .count() as u64
            })
            .collect();
        let grace = self.config.monitor_window;
        let false_trips = trips
            .iter()
            .filter(|t| {
                !trace
                    .incidents()
                    .iter()
                    .any(|i| i.start <= **t && **t < i.end.saturating_add(grace))
            })
            .count() as u64;
        Score {
            detections,
            calls_into_incidents,
            false_trips,
            open_while_healthy: self.not_closed_outside(trace),
        }
    }

    /// The state just before `at`.
    fn state_at(&self, at: Duration) -> State {
        self.changes
            .iter()
            .take_while(|c| c.at < at)
            .last()
            .map_or(State::Closed, |c| c.to)
    }

    /// Time spent not CLOSED outside the trace's incidents.
    fn not_closed_outside(&self, trace: &Trace) -> Duration {
        let mut total = Duration::ZERO;
        let mut since = None;
        let mut stretch = |from: Duration, to: Duration| {
            total += healthy_part(trace, from, to);
        };
        for change in &self.changes {
            match (since, change.to) {
                (None, to) if to != State::Closed => since = Some(change.at),
                (Some(from), State::Closed) => {
                    stretch(from, change.at);
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(from) = since {
            stretch(from, trace.end().max(from));
        }
        total
    }
}

/// The part of `from..to` outside every incident.
fn healthy_part(trace: &Trace, from: Duration, to: Duration) -> Duration {
    let inside: Duration = trace
        .incidents()
        .iter()
        .map(|i| {
            let start = i.start.max(from);
            let end = i.end.min(to);
            end.saturating_sub(start)
        })
        .sum();
    to.saturating_sub(from).saturating_sub(inside)
}
