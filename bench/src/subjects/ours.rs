//! This workspace's breaker, `circuit-core`, with and without the
//! `circuit-metrics` latency listener.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::LatencyRecorder;

use super::{Cycling, Id, OPEN_FOR, Role, Subject};
use crate::error::Error;

/// `circuit-core`, default config (every trigger on, slow calls counted),
/// with or without `circuit_metrics::LatencyRecorder` attached.
#[derive(Debug)]
pub(crate) struct Ours {
    latency_listener: bool,
}

impl Ours {
    /// The breaker alone.
    pub(crate) const PLAIN: Self = Self {
        latency_listener: false,
    };
    /// With the latency listener.
    pub(crate) const WITH_LATENCY: Self = Self {
        latency_listener: true,
    };
}

/// Default config, the caller handing in the latency it measured (as
/// fastapi-client does): the breaker reads its clock once per call, not
/// twice.
#[derive(Debug)]
pub(crate) struct OursHandedIn;

/// What the handed-in latency is: any value under the slow-call threshold.
const HANDED_IN: Duration = Duration::from_micros(70);

fn build(name: &str, config: Config, latency: bool) -> Result<Arc<CircuitBreaker>, Error> {
    let mut builder = CircuitBreaker::builder(name).config(config);
    if latency {
        builder = builder.listener(LatencyRecorder::new());
    }
    builder
        .build()
        .map(Arc::new)
        .map_err(|e| Error::setup("circuit-core", e))
}

/// Trips after `max_failures` (5) failures, opens for zero time, closes
/// after one probe.
fn cycling_config() -> Config {
    Config {
        recovery_timeout: Duration::ZERO,
        base_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
        max_requests: 1,
        ..Config::default()
    }
}

fn open_config() -> Config {
    Config {
        recovery_timeout: OPEN_FOR,
        ..Config::default()
    }
}

#[inline]
fn call(breaker: &mut Arc<CircuitBreaker>, ok: bool) -> bool {
    match breaker.try_acquire() {
        Ok(permit) if ok => {
            permit.record_success();
            true
        }
        Ok(permit) => {
            permit.record_failure();
            true
        }
        Err(_) => false,
    }
}

impl Subject for Ours {
    type Breaker = Arc<CircuitBreaker>;

    fn id(&self) -> Id {
        let variant = if self.latency_listener {
            "default + latency listener"
        } else {
            "default"
        };
        Id::new("circuit-core", variant, Role::Ours)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        build("bench", Config::default(), self.latency_listener)
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        build("bench", open_config(), self.latency_listener)
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        call(breaker, ok)
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let breaker = build("bench", cycling_config(), self.latency_listener)?;
        Ok(Some(Cycling {
            breaker,
            failures: 5,
            successes: 1,
        }))
    }

    fn named(&self, name: &str) -> Result<Self::Breaker, Error> {
        build(name, Config::default(), self.latency_listener)
    }
}

impl Subject for OursHandedIn {
    type Breaker = Arc<CircuitBreaker>;

    fn id(&self) -> Id {
        Id::new("circuit-core", "default, latency handed in", Role::Ours)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        build("bench", Config::default(), false)
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        build("bench", open_config(), false)
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        match breaker.try_acquire() {
            Ok(mut permit) => {
                permit.set_latency(HANDED_IN);
                if ok {
                    permit.record_success()
                } else {
                    permit.record_failure()
                }
                true
            }
            Err(_) => false,
        }
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        // A handed-in latency stamps the outcome at acquire + latency, which
        // can be ahead of the coarse clock: with a zero open period the
        // probe then waits for the clock's next tick. Cycles are the
        // default row's business.
        Ok(None)
    }

    fn named(&self, name: &str) -> Result<Self::Breaker, Error> {
        build(name, Config::default(), false)
    }

    fn call_variant_only(&self) -> bool {
        true
    }
}
