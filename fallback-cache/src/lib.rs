//! Fallbacks for when the backend is down: cached last-good KOL matches and
//! conservative budget allocations, each marked with where it came from.
//!
//! ```
//! use fallback_cache::{
//!     CacheFallback, CacheKey, CanonicalKey, FallbackChain, FallbackReason, KeyBuilder, Provenance,
//!     ResponseCache, Served, from_fn,
//! };
//! use std::time::Duration;
//!
//! struct Query { tags: Vec<String> }
//! impl CacheKey for Query {
//!     fn cache_key(&self) -> CanonicalKey {
//!         KeyBuilder::new("query").set("tags", &self.tags).finish()
//!     }
//! }
//!
//! # fn main() -> Result<(), fallback_cache::Error> {
//! let cache = ResponseCache::<CanonicalKey, String>::builder()
//!     .fresh_for(Duration::from_secs(60))
//!     .stale_if_error(Duration::from_secs(3600))
//!     .build()?;
//! let chain = FallbackChain::new("query")
//!     .then(CacheFallback::new(cache.clone()))
//!     .then(from_fn("default", |_: &Query, _: &FallbackReason| {
//!         Ok(Served::new("nothing yet".to_owned(), Provenance::fallback("default")))
//!     }));
//!
//! // A live success refreshes the cache...
//! let live = Query { tags: vec!["b".into(), "a".into()] };
//! cache.insert(live.cache_key(), "last good".to_owned());
//!
//! // ...so while the circuit is open, the same request (in any order) is answered from it.
//! let reason = FallbackReason::CircuitOpen { retry_after: Duration::from_secs(30) };
//! let same = Query { tags: vec!["a".into(), "b".into(), "a".into()] };
//! let served = pollster::block_on(chain.execute(&same, &reason)).expect("cached");
//! assert_eq!(served.response, "last good");
//! assert_eq!(served.provenance.label(), "fallback-cache");
//!
//! let other = Query { tags: vec!["c".into()] };
//! let served = pollster::block_on(chain.execute(&other, &reason)).expect("default");
//! assert_eq!(served.provenance, Provenance::fallback("default"));
//! assert_eq!((chain.stats().cache_hits, chain.stats().cache_misses), (1, 1));
//! # Ok(())
//! # }
//! ```
//!
//! # Pieces
//! * [`Fallback`]: the object-safe async trait; [`from_fn`] /
//!   [`from_async_fn`] adapt closures; [`FallbackChain`] tries fallbacks in
//!   order, logs each use at `info` ("Circuit breaker open, executing
//!   fallback") and counts it ([`FallbackStats`]).
//! * [`FallbackGuard`]: the seed design's `WithFallback` around any async
//!   call of yours, outside the KOL client: a breaker (or a
//!   [`Chain`](circuit_core::Chain)) and a [`FallbackChain`]; a rejected or
//!   failed call is answered by the fallbacks within a deadline timed by
//!   the [`Timer`] you pass (`tokio::time::sleep`, say: the crate needs no
//!   runtime), and the answer's [`Provenance`] says whether it is live.
//! * [`ResponseCache`]: last-good responses on `moka`, with fresh and
//!   `stale-if-error` windows measured on an injectable
//!   [`Clock`](circuit_core::Clock); keys from [`KeyBuilder`].
//!   [`ResponseCache::refresh`] renews an unchanged entry in place, so
//!   keeping the cache current after each live success costs no copy.
//! * [`budget`]: the conservative planner, exact to the cent.
//! * [`kol`]: the KOL match and budget fallbacks, generic over the client's
//!   models through [`kol::MatchResponse`], [`kol::BudgetRequest`] and
//!   [`kol::BudgetResponse`]; [`kol::KolFallbacks`] wires them.
//!
//! # Staleness
//! With age `a`: fresh while `a < fresh_for`; served only as a fallback
//! while `a < fresh_for + stale_if_error`; never served after. Ages come
//! from the injected clock on every read; moka's own idle expiry (on its
//! own clock, one second past the maximum age) only frees memory.
//!
//! # Features
//! * `persist` (default): `ResponseCache::save` / `ResponseCache::load` to
//!   a versioned JSON file, written atomically; a corrupt or truncated file
//!   is an [`Error`], logged, and loads nothing. Without it the crate needs
//!   no `serde_json`.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapters;
pub mod budget;
mod cache;
mod cache_fallback;
mod chain;
mod error;
mod fallback;
mod guard;
mod key;
pub mod kol;
mod log_limit;
mod provenance;
mod stats;

pub use adapters::{AsyncFnFallback, FnFallback, from_async_fn, from_fn};
pub use cache::{CacheBuilder, Hit, Lookup, Refresh, ResponseCache, Staleness};
#[cfg(feature = "persist")]
pub use cache::{LoadReport, SaveReport};
pub use cache_fallback::CacheFallback;
pub use chain::FallbackChain;
pub use error::Error;
pub use fallback::{Declined, Fallback, FallbackReason, Served};
pub use guard::{
    DEFAULT_FALLBACK_DEADLINE, FallbackGuard, Gate, GuardError, Missed, Record, Rejection, Sleep,
    Timer,
};
pub use key::{CacheKey, CanonicalKey, KeyBuilder, canonical_f64, canonical_set};
pub use log_limit::DEFAULT_LOG_INTERVAL;
pub use provenance::{Freshness, Provenance, kind};
pub use stats::{FallbackCounters, FallbackStats};
