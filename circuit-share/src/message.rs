//! [`Message`]: what one replica tells the others, its wire form (versioned
//! JSON) and the checks a received one must pass before it may touch a
//! breaker.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Namespace, ReplicaId};

/// The wire format's version; a message with another is refused.
pub const WIRE_VERSION: u32 = 1;
/// The largest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// The longest breaker name accepted, in bytes.
pub const MAX_BREAKER_NAME_BYTES: usize = 256;
/// The longest reason text sent or accepted, in bytes; a longer local
/// reason is cut (at a character boundary, ending in `…`) when sent.
pub const MAX_REASON_BYTES: usize = 512;

/// What changed on the sender's breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It opened, by its own evidence (a trip, a failed probe), and will
    /// stay open for `remaining` from when the message was sent.
    Opened {
        /// The rest of the open period: a duration, never a point in time,
        /// so that clocks need not agree between replicas.
        remaining: Duration,
        /// The sender's transition reason, e.g. `tripped: 5 consecutive
        /// failures (max 5)`.
        reason: String,
    },
    /// It closed because its half-open probes succeeded.
    Closed,
}

/// One replica's news about one breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The fleet.
    pub namespace: Namespace,
    /// The sender.
    pub replica: ReplicaId,
    /// Random per sender process: a replica restarted under the same id
    /// starts a new sequence.
    pub instance: u64,
    /// Increases with every message a sender process sends.
    pub seq: u64,
    /// The breaker's name (breakers with the same name share).
    pub breaker: String,
    /// The sender breaker's epoch after the change
    /// ([`StateChange::epoch`](circuit_core::StateChange::epoch)).
    pub epoch: u64,
    /// What happened.
    pub change: Change,
}

/// Why a received message was refused. Every one is counted as
/// [`ignored_forged`](crate::ShareStats::ignored_forged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("message of {0} bytes is larger than {MAX_MESSAGE_BYTES}")]
    TooLarge(usize),
    /// Not JSON of the expected shape.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A wire version this build does not speak.
    #[error("unsupported message version {0} (this build speaks {WIRE_VERSION})")]
    Version(u32),
    /// From another namespace.
    #[error("message for namespace {0:?}")]
    OtherNamespace(String),
    /// A field out of bounds: an invalid id, a breaker name or reason too
    /// long or with control characters, an open period of zero or above
    /// the configured maximum.
    #[error("invalid {field}: {detail}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum WireState {
    Open,
    Closed,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u32,
    ns: String,
    replica: String,
    instance: u64,
    seq: u64,
    breaker: String,
    epoch: u64,
    state: WireState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_for_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn invalid(field: &'static str, detail: impl Into<String>) -> MessageError {
    MessageError::Invalid {
        field,
        detail: detail.into(),
    }
}

/// Checks a breaker name or reason: bounded, no control characters (they
/// would reach logs and dashboards).
fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), MessageError> {
    if text.len() > max {
        return Err(invalid(
            field,
            format!("{} bytes, at most {max}", text.len()),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(field, "control characters"));
    }
    Ok(())
}

/// `reason` cut to [`MAX_REASON_BYTES`] at a character boundary, control
/// characters shown as spaces: what a local reason becomes on the wire.
pub(crate) fn wire_reason(reason: &str) -> String {
    let clean: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.len() <= MAX_REASON_BYTES {
        return clean;
    }
    let mut end = MAX_REASON_BYTES - '…'.len_utf8();
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &clean[..end])
}

impl Message {
    /// The wire form: one JSON object.
    pub fn encode(&self) -> Vec<u8> {
        let (state, open_for_ms, reason) = match &self.change {
            Change::Opened { remaining, reason } => (
                WireState::Open,
                Some(u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX)),
                Some(reason.clone()),
            ),
            Change::Closed => (WireState::Closed, None, None),
        };
        let wire = Wire {
            v: WIRE_VERSION,
            ns: self.namespace.to_string(),
            replica: self.replica.to_string(),
            instance: self.instance,
            seq: self.seq,
            breaker: self.breaker.clone(),
            epoch: self.epoch,
            state,
            open_for_ms,
            reason,
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Reads and checks a received message: size, shape, version,
    /// namespace, ids, and an open period in `1 ms ..= max_open`.
    ///
    /// # Errors
    /// A [`MessageError`] saying what was wrong; such a message must not
    /// touch any breaker.
    pub fn decode(
        bytes: &[u8],
        namespace: &Namespace,
        max_open: Duration,
    ) -> Result<Self, MessageError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(MessageError::TooLarge(bytes.len()));
        }
        let wire: Wire =
            serde_json::from_slice(bytes).map_err(|e| MessageError::Malformed(e.to_string()))?;
        if wire.v != WIRE_VERSION {
            return Err(MessageError::Version(wire.v));
        }
        if wire.ns != namespace.as_str() {
            return Err(MessageError::OtherNamespace(
                wire.ns.chars().take(crate::id::MAX_ID_BYTES).collect(),
            ));
        }
        let replica =
            ReplicaId::new(wire.replica).map_err(|e| invalid("replica", e.to_string()))?;
        if wire.breaker.is_empty() {
            return Err(invalid("breaker", "empty"));
        }
        check_text("breaker", &wire.breaker, MAX_BREAKER_NAME_BYTES)?;
        let change = match (wire.state, wire.open_for_ms, wire.reason) {
            (WireState::Open, Some(ms), Some(reason)) => {
                let remaining = Duration::from_millis(ms);
                if remaining.is_zero() || remaining > max_open {
                    return Err(invalid(
                        "open_for_ms",
                        format!("{ms} ms, expected 1 ms to {} ms", max_open.as_millis()),
                    ));
                }
                check_text("reason", &reason, MAX_REASON_BYTES)?;
                Change::Opened { remaining, reason }
            }
            (WireState::Open, _, _) => {
                return Err(invalid("open", "needs open_for_ms and reason"));
            }
            (WireState::Closed, None, None) => Change::Closed,
            (WireState::Closed, _, _) => {
                return Err(invalid("closed", "carries no open_for_ms or reason"));
            }
        };
        Ok(Self {
            namespace: namespace.clone(),
            replica,
            instance: wire.instance,
            seq: wire.seq,
            breaker: wire.breaker,
            epoch: wire.epoch,
            change,
        })
    }
}

#[cfg(test)]
mod tests;
