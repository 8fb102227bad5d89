//! Why a breaker tripped.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// Why a breaker tripped.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum TripReason {
    /// `consecutive_failures >= max_failures`.
    ConsecutiveFailures {
        /// The run length.
        count: u32,
        /// `max_failures`.
        threshold: u32,
    },
    /// `calls >= min_requests && failure_rate >= failure_threshold`.
    FailureRate {
        /// The window's failure rate.
        rate: f64,
        /// `failure_threshold`.
        threshold: f64,
    },
    /// `calls >= min_requests && slow_rate >= slow_call_rate_threshold`.
    SlowCallRate {
        /// The window's slow-call rate.
        rate: f64,
        /// `slow_call_rate_threshold`.
        threshold: f64,
    },
    /// A custom [`TripPolicy`](super::TripPolicy) said so.
    Custom(Cow<'static, str>),
}

impl fmt::Display for TripReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConsecutiveFailures { count, threshold } => {
                write!(f, "{count} consecutive failures (max {threshold})")
            }
            Self::FailureRate { rate, threshold } => {
                write!(
                    f,
                    "failure rate {:.1}% >= {:.1}%",
                    rate * 100.0,
                    threshold * 100.0
                )
            }
            Self::SlowCallRate { rate, threshold } => {
                write!(
                    f,
                    "slow-call rate {:.1}% >= {:.1}%",
                    rate * 100.0,
                    threshold * 100.0
                )
            }
            Self::Custom(why) => f.write_str(why),
        }
    }
}
