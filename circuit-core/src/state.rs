//! Circuit states and their packing into one atomic word.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a circuit breaker.
///
/// `Display` and serde give the seed design's strings: `closed`, `open`,
/// `half-open`, `forced-open`, `forced-closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    /// Healthy: calls pass, outcomes are counted.
    #[serde(rename = "closed")]
    Closed,
    /// Tripped: calls are rejected until the open period has passed.
    #[serde(rename = "open")]
    Open,
    /// Testing: a bounded number of probes pass.
    #[serde(rename = "half-open")]
    HalfOpen,
    /// Held open by an operator: every call is rejected until reset.
    #[serde(rename = "forced-open")]
    ForcedOpen,
    /// Held closed by an operator: every call passes and is counted; never trips.
    #[serde(rename = "forced-closed")]
    ForcedClosed,
}

impl State {
    /// The state's string, as [`Display`](fmt::Display) prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half-open",
            Self::ForcedOpen => "forced-open",
            Self::ForcedClosed => "forced-closed",
        }
    }

    /// All states, in a fixed order (useful for one-series-per-state metrics).
    pub const ALL: [State; 5] = [
        Self::Closed,
        Self::Open,
        Self::HalfOpen,
        Self::ForcedOpen,
        Self::ForcedClosed,
    ];

    /// Whether calls pass without restriction (CLOSED or FORCED_CLOSED).
    pub const fn admits_all(self) -> bool {
        matches!(self, Self::Closed | Self::ForcedClosed)
    }

    const fn code(self) -> u64 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
            Self::ForcedOpen => 3,
            Self::ForcedClosed => 4,
        }
    }

    const fn from_code(code: u64) -> Self {
        match code {
            0 => Self::Closed,
            1 => Self::Open,
            2 => Self::HalfOpen,
            3 => Self::ForcedOpen,
            _ => Self::ForcedClosed,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `state == "open"` reads naturally in alerts and tests.
impl PartialEq<str> for State {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for State {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::str::FromStr for State {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// A string that names no [`State`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown circuit state `{0}` (expected closed, open, half-open, forced-open or forced-closed)"
)]
pub struct UnknownState(String);

/// State, two flags and the epoch packed in one `u64`: the low 3 bits hold
/// the state, bit 3 says the window is armed (the next success must be
/// judged under the lock, see `may_trip_on_success`), bit 4 says a recovery
/// ramp is running, the rest is the epoch, which grows by one on every
/// transition. An outcome whose permit carries an older epoch is stale.
///
/// The word is only written under the breaker's cold lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed(pub(crate) u64);

const STATE_BITS: u64 = 0b111;
const ARMED: u64 = 1 << 3;
const RAMPING: u64 = 1 << 4;
const EPOCH_SHIFT: u32 = 5;

impl Packed {
    pub(crate) const fn new(state: State, epoch: u64) -> Self {
        Self((epoch << EPOCH_SHIFT) | state.code())
    }

    #[inline]
    pub(crate) const fn state(self) -> State {
        State::from_code(self.0 & STATE_BITS)
    }

    #[inline]
    pub(crate) const fn epoch(self) -> u64 {
        self.0 >> EPOCH_SHIFT
    }

    /// The low 32 bits of the epoch: the tag that counters and the failure
    /// run carry. A permit would need to be held across 2^32 transitions
    /// for its tag to match again.
    #[inline]
    pub(crate) const fn tag(self) -> u32 {
        epoch_tag(self.epoch())
    }

    /// Whether every call is admitted without the lock: CLOSED or
    /// FORCED_CLOSED, and no recovery ramp running.
    #[inline]
    pub(crate) const fn admits_all(self) -> bool {
        self.0 & RAMPING == 0 && self.state().admits_all()
    }

    #[inline]
    pub(crate) const fn armed(self) -> bool {
        self.0 & ARMED != 0
    }

    #[inline]
    pub(crate) const fn ramping(self) -> bool {
        self.0 & RAMPING != 0
    }

    pub(crate) const fn with_armed(self, armed: bool) -> Self {
        if armed {
            Self(self.0 | ARMED)
        } else {
            Self(self.0 & !ARMED)
        }
    }

    pub(crate) const fn with_ramping(self, ramping: bool) -> Self {
        if ramping {
            Self(self.0 | RAMPING)
        } else {
            Self(self.0 & !RAMPING)
        }
    }

    /// The word after a transition to `to`: next epoch, flags cleared.
    pub(crate) const fn next(self, to: State) -> Self {
        Self::new(to, self.epoch().wrapping_add(1))
    }
}

/// The tag of an epoch (see [`Packed::tag`]).
#[inline]
pub(crate) const fn epoch_tag(epoch: u64) -> u32 {
    epoch as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for state in State::ALL {
            assert_eq!(state.to_string().parse::<State>().unwrap(), state);
            assert_eq!(
                serde_json::to_string(&state).unwrap(),
                format!("\"{state}\"")
            );
        }
        assert_eq!(State::HalfOpen.to_string(), "half-open");
        assert!("half_open".parse::<State>().is_err());
        assert_eq!(State::ForcedOpen, "forced-open");
        assert!(State::Closed != *"open");
    }

    #[test]
    fn packing_keeps_state_epoch_and_flags() {
        for state in State::ALL {
            let p = Packed::new(state, 12345);
            assert_eq!((p.state(), p.epoch()), (state, 12345));
            assert_eq!(p.next(State::Open).epoch(), 12346);
            let flagged = p.with_armed(true).with_ramping(true);
            assert_eq!((flagged.state(), flagged.epoch()), (state, 12345));
            assert!(flagged.armed() && flagged.ramping());
            assert!(!flagged.admits_all());
            assert_eq!(flagged.with_armed(false).with_ramping(false), p);
            let next = flagged.next(State::Closed);
            assert!(!next.armed() && !next.ramping());
        }
        assert!(Packed::new(State::ForcedClosed, 1).admits_all());
        assert!(!Packed::new(State::HalfOpen, 1).admits_all());
        assert_eq!(Packed::new(State::Closed, (1 << 32) + 7).tag(), 7);
    }
}
