//! The metrics snapshot, with the seed design's field names.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::State;

/// A point-in-time snapshot of one breaker.
///
/// Field names and JSON names are the seed design's (`name`, `state`,
/// `total_requests`, …, `current_backoff`); the fields after
/// `current_backoff` are additions. As in the seed design's Go encoding,
/// `last_state_change` is an RFC 3339 timestamp and `current_backoff` an
/// integer number of nanoseconds.
///
/// Counting rules: `total_requests` counts every admitted call that has
/// finished, whatever its outcome (success, failure, timeout, ignored or
/// cancelled); rejected calls are counted only in `total_rejected`.
/// `total_failures` includes timeouts and reclaimed half-open probes.
/// `success_rate` and `failure_rate` are over judged calls (successes and
/// failures) of the breaker's lifetime; with none yet they are 1 and 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The breaker's name.
    pub name: String,
    /// Its state.
    pub state: State,
    /// Admitted calls that finished, whatever the outcome.
    pub total_requests: u64,
    /// Successful calls.
    pub total_successes: u64,
    /// Failed calls, timeouts and reclaimed probes included.
    pub total_failures: u64,
    /// `total_successes / (total_successes + total_failures)`; 1 with none.
    pub success_rate: f64,
    /// `total_failures / (total_successes + total_failures)`; 0 with none.
    pub failure_rate: f64,
    /// The current run of failures (reset by any success).
    pub consecutive_failures: u32,
    /// The current run of successes (reset by any failure). In HALF_OPEN,
    /// the probes that succeeded so far.
    pub consecutive_successes: u32,
    /// Times the breaker tripped open (forced opens not included).
    pub circuit_open_count: u64,
    /// Calls recorded as timeouts.
    pub timeout_count: u64,
    /// When the state last changed (creation time if it never did).
    #[serde(with = "rfc3339")]
    pub last_state_change: SystemTime,
    /// The backoff part of the current (or last) open period:
    /// `open period = recovery_timeout + current_backoff`. Zero once closed
    /// and any recovery ramp has completed.
    #[serde(with = "duration_nanos")]
    pub current_backoff: Duration,
    /// Calls rejected without running.
    pub total_rejected: u64,
    /// Calls slower than `slow_call_threshold`.
    pub total_slow: u64,
    /// Admitted calls whose permit was dropped without an outcome.
    pub total_cancelled: u64,
    /// Calls recorded as ignored (neutral).
    pub total_ignored: u64,
    /// Entries into HALF_OPEN.
    pub recovery_attempts: u64,
    /// Consecutive trips since the breaker was last CLOSED (`k` in the
    /// backoff formula); zero while closed, once any recovery ramp has
    /// completed (a trip during a ramp counts as the next one).
    pub consecutive_trips: u32,
    /// While OPEN: time until a probe will be allowed.
    #[serde(with = "option_duration_nanos")]
    pub retry_after: Option<Duration>,
    /// The share of calls admitted now: below 1 during a recovery ramp
    /// ([`Config::recovery_ramp`](crate::Config::recovery_ramp)), 1.0
    /// otherwise.
    #[serde(default = "full_share")]
    pub admitted_share: f64,
    /// The sliding window's totals now.
    pub window: WindowMetrics,
}

fn full_share() -> f64 {
    1.0
}

/// The sliding window's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowMetrics {
    /// Judged calls (successes and failures) in the window.
    pub calls: u64,
    /// Failures in the window.
    pub failures: u64,
    /// Slow calls in the window.
    pub slow_calls: u64,
    /// `failures / calls` (0 with no calls).
    pub failure_rate: f64,
    /// `slow_calls / calls` (0 with no calls).
    pub slow_call_rate: f64,
}

/// Serde for `Duration` as integer nanoseconds (Go's `time.Duration` JSON).
pub(crate) mod duration_nanos {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(crate::clock::duration_to_nanos(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_nanos)
    }
}

/// `Option<Duration>` as integer nanoseconds or null.
pub(crate) mod option_duration_nanos {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(crate::clock::duration_to_nanos).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|n| n.map(Duration::from_nanos))
    }
}

/// `SystemTime` as an RFC 3339 string with nanoseconds; times outside
/// 1970..=9999 are clamped.
pub(crate) mod rfc3339 {
    use super::*;
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};

    /// The last instant RFC 3339 can write (9999-12-31T23:59:59.999999999Z).
    const LATEST: Duration = Duration::new(253_402_300_799, 999_999_999);

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        // A custom clock may report any wall time; clamp it into what the
        // format can say rather than fail (or panic) mid-serialisation.
        let since_epoch = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .min(LATEST);
        s.collect_str(&humantime::format_rfc3339_nanos(
            SystemTime::UNIX_EPOCH + since_epoch,
        ))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text).map_err(D::Error::custom)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[derive(Serialize)]
        struct Stamp(#[serde(with = "super")] SystemTime);

        #[test]
        fn out_of_range_wall_times_are_clamped_not_panics() {
            let before = SystemTime::UNIX_EPOCH - Duration::from_secs(10);
            assert_eq!(
                serde_json::to_string(&Stamp(before)).unwrap(),
                "\"1970-01-01T00:00:00.000000000Z\""
            );
            let after = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000_000_000);
            assert_eq!(
                serde_json::to_string(&Stamp(after)).unwrap(),
                "\"9999-12-31T23:59:59.999999999Z\""
            );
        }
    }
}
