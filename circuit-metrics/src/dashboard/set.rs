//! What the dashboard shows: a set of named breakers.

use std::fmt;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, State};

use crate::{BreakerSource, Collector, RegistrySource};

/// The breakers a dashboard shows and controls, read afresh about four
/// times a second so that breakers added or removed later appear and
/// disappear by themselves.
///
/// A [`Collector`] is one: every registered [`BreakerSource`], and the
/// keys of every registered [`RegistrySource`] (other sources are
/// skipped). So is a [`RegistrySource`] alone, and a fixed list
/// (`Vec<BreakerSource>` or `Vec<Arc<CircuitBreaker>>`). Names should be
/// unique: control actions refuse a name that two breakers share.
pub trait BreakerSet: Send + Sync + fmt::Debug {
    /// The breakers in the set now, in the order to list them when they
    /// are equally healthy.
    fn breakers(&self) -> Vec<BreakerSource>;

    /// The breakers to list now, and how many the set leaves out to stay
    /// under a bound (a [`RegistrySource`]'s
    /// [`max_keys`](RegistrySource::max_keys)). The default lists every
    /// breaker of [`breakers`](Self::breakers); a bounded set implements
    /// this one too, so that one reading gives both.
    fn listing(&self) -> Listing {
        Listing::new(self.breakers())
    }
}

/// What a [`BreakerSet`] lists at one reading.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Listing {
    /// The breakers to show.
    pub breakers: Vec<BreakerSource>,
    /// Breakers of the set that are not in `breakers`: past a bound.
    pub hidden: usize,
    /// Of the `hidden` ones, those that are not CLOSED.
    pub hidden_not_closed: usize,
}

impl Listing {
    /// Every breaker of the set, none left out.
    pub fn new(breakers: Vec<BreakerSource>) -> Self {
        Self {
            breakers,
            hidden: 0,
            hidden_not_closed: 0,
        }
    }

    /// Adds `other`'s breakers and counts after this one's.
    fn append(&mut self, mut other: Listing) {
        self.breakers.append(&mut other.breakers);
        self.hidden += other.hidden;
        self.hidden_not_closed += other.hidden_not_closed;
    }
}

impl BreakerSet for Collector {
    fn breakers(&self) -> Vec<BreakerSource> {
        self.listing().breakers
    }

    fn listing(&self) -> Listing {
        let mut listing = Listing::default();
        for source in self.sources() {
            if let Some(breaker) = source.as_breaker() {
                listing.breakers.push(breaker.clone());
            } else if let Some(registry) = source.as_registry() {
                listing.append(registry.listing());
            }
        }
        listing
    }
}

/// The keys the bound lets through, worst first, then the overflow
/// breaker once the registry has used it; each card is named by its
/// breaker's name, which the registry derives from the key.
impl BreakerSet for RegistrySource {
    fn breakers(&self) -> Vec<BreakerSource> {
        self.listing().breakers
    }

    fn listing(&self) -> Listing {
        let selection = self.select();
        let hidden = selection.hidden;
        Listing {
            breakers: selection
                .shown
                .into_iter()
                .map(|(breaker, _)| breaker)
                .chain(selection.overflow)
                .map(BreakerSource::new)
                .collect(),
            hidden: hidden.iter().sum(),
            hidden_not_closed: State::ALL
                .iter()
                .zip(hidden)
                .filter(|(state, _)| **state != State::Closed)
                .map(|(_, count)| count)
                .sum(),
        }
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

    fn listing(&self) -> Listing {
        (**self).listing()
    }
}
