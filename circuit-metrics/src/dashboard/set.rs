//! What the dashboard shows: a set of named breakers.

use std::fmt;
use std::sync::Arc;

use circuit_core::CircuitBreaker;

use crate::{BreakerSource, Collector};

/// The breakers a dashboard shows and controls, read afresh about four
/// times a second so that breakers added or removed later appear and
/// disappear by themselves.
///
/// A [`Collector`] is one: every registered [`BreakerSource`] (other
/// sources are skipped). So is a fixed list (`Vec<BreakerSource>` or
/// `Vec<Arc<CircuitBreaker>>`). A registry of breakers per key implements
/// it by listing its breakers. Names should be unique: control actions
/// refuse a name that two breakers share.
pub trait BreakerSet: Send + Sync + fmt::Debug {
    /// The breakers in the set now, in the order to list them when they
    /// are equally healthy.
    fn breakers(&self) -> Vec<BreakerSource>;
}

impl BreakerSet for Collector {
    fn breakers(&self) -> Vec<BreakerSource> {
        self.breaker_sources()
    }
}

impl BreakerSet for Vec<BreakerSource> {
    fn breakers(&self) -> Vec<BreakerSource> {
        self.clone()
    }
}

impl BreakerSet for Vec<Arc<CircuitBreaker>> {
    fn breakers(&self) -> Vec<BreakerSource> {
        self.iter()
            .map(|b| BreakerSource::new(Arc::clone(b)))
            .collect()
    }
}

impl<S: BreakerSet + ?Sized> BreakerSet for Arc<S> {
    fn breakers(&self) -> Vec<BreakerSource> {
        (**self).breakers()
    }
}
