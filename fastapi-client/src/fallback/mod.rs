//! Degraded answers, from the `fallback-cache` crate, wired to this
//! client's models.
//!
//! By default, while the breaker is open, `match_kols` answers with the
//! last-good response to the same (canonical) request, marked
//! `fallback-cache` (its confidence scaled down by its age), or with an
//! empty list marked `fallback-empty`; and `optimize_budget` with the
//! conservative allocation marked `fallback-conservative` (confidence
//! 0.5). Every answer says where it came from in `meta.provenance`
//! ([`Provenance`](fallback_cache::Provenance)): live, cache with its age,
//! or the fallback's kind; a custom chain's answers are marked too. A failure while the breaker is
//! closed is returned as an error unless [`FallbackMode::WhenOpenOrFailed`]
//! is chosen. Live match answers refresh the cache (and the last known
//! scores the conservative plan weighs KOLs by).

mod key_memo;
mod models;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::Clock;
use fallback_cache::budget::Ratio;
use fallback_cache::kol::KolFallbacks;
use fallback_cache::{CanonicalKey, FallbackReason, FallbackStats, ResponseCache};

use crate::{
    ClientError, MatchKolsRequest, MatchKolsResponse, OptimizeBudgetRequest, OptimizeBudgetResponse,
};

/// The fallback bundle for this client's models: the last-good match
/// cache, last known scores, and the two chains.
pub type ClientFallbacks = KolFallbacks<MatchKolsResponse, OptimizeBudgetResponse>;

/// Default [`FallbackConfig::cache_max_bytes`]: 64 MiB.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// When fallbacks answer instead of an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FallbackMode {
    /// Never: every problem is an error.
    Disabled,
    /// While the breaker refuses calls (OPEN, FORCED_OPEN, or HALF_OPEN
    /// with every probe slot taken). The default.
    #[default]
    WhenOpen,
    /// As `WhenOpen`, and also after a call that failed or timed out (not
    /// after the caller's own 4xx or an invalid request).
    WhenOpenOrFailed,
}

impl FallbackMode {
    pub(crate) fn on_open(self) -> bool {
        matches!(self, Self::WhenOpen | Self::WhenOpenOrFailed)
    }

    pub(crate) fn on_failure(self) -> bool {
        self == Self::WhenOpenOrFailed
    }
}

/// Fallback settings, part of [`ClientConfig`](crate::ClientConfig).
///
/// Replacing the match chain (here: the cache, then a house list, never
/// an empty answer) while keeping the built-in budget fallback. Every
/// answer a chain serves is marked with its provenance by the bundle, so
/// the cache step needs no marking of its own:
///
/// ```
/// use fastapi_client::fallback_cache::budget::Ratio;
/// use fastapi_client::fallback_cache::kol::KolFallbacks;
/// use fastapi_client::fallback_cache::{CacheFallback, FallbackChain, FallbackReason, ResponseCache, Served, from_fn};
/// use fastapi_client::{Client, ClientConfig, MatchKolsRequest, MatchKolsResponse, MatchMeta, Provenance};
///
/// let cache = ResponseCache::builder().max_entries(1_000).build().unwrap();
/// let house_list = from_fn("house-list", |_: &MatchKolsRequest, _: &FallbackReason| {
///     let meta = MatchMeta {
///         algorithm_used: "house-list".into(),
///         confidence: 0.2,
///         processing_time_ms: 0.0,
///         provenance: Provenance::fallback("house-list"),
///     };
///     let answer = MatchKolsResponse { matches: Vec::new(), total_candidates: 0, meta };
///     Ok(Served::new(answer, Provenance::fallback("house-list")))
/// });
/// let chain = FallbackChain::new("match-kols")
///     .then(CacheFallback::new(cache.clone()))
///     .then(house_list);
/// let bundle = KolFallbacks::new(cache, Ratio::new(0.5).unwrap()).unwrap().with_match_chain(chain);
///
/// let mut config = ClientConfig::new("http://127.0.0.1:8000");
/// config.fallback.custom = Some(bundle);
/// let client = Client::new(config).unwrap();
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// client.circuit_breaker().force_open();
/// let answer = rt.block_on(client.match_kols(&MatchKolsRequest::new("c", ["tech"], 10.0))).unwrap();
/// assert_eq!(answer.meta.algorithm_used, "house-list");
/// assert_eq!(answer.meta.provenance, Provenance::fallback("house-list"));
/// ```
#[derive(Clone)]
pub struct FallbackConfig {
    /// When fallbacks answer (default [`FallbackMode::WhenOpen`]).
    pub mode: FallbackMode,
    /// Most last-good match responses kept (default 10 000).
    pub cache_max_entries: u64,
    /// Most bytes the last-good match responses may take, as estimated
    /// from their strings and lists (default 64 MiB). Both bounds hold: a
    /// few huge answers cannot take more than this, many small ones no
    /// more than `cache_max_entries`.
    pub cache_max_bytes: u64,
    /// How long a cached answer counts as fresh (default 60 s).
    pub cache_fresh_for: Duration,
    /// How long past freshness a cached answer may still stand in for the
    /// backend (default 1 h); older ones are never served.
    pub cache_stale_if_error: Duration,
    /// Share of the budget the conservative plan allocates, in (0, 1]
    /// (default 0.8).
    pub conservative_ratio: f64,
    /// Your own bundle (custom chains, a shared cache), used instead of
    /// one built from the settings above.
    pub custom: Option<ClientFallbacks>,
    /// With the `persist` feature: a file the match cache is loaded from
    /// when the client is built (a missing, corrupt or truncated file is
    /// logged and ignored) and saved to when it closes.
    #[cfg(feature = "persist")]
    pub cache_file: Option<std::path::PathBuf>,
}

impl Default for FallbackConfig {
    fn default() -> Self {
        Self {
            mode: FallbackMode::default(),
            cache_max_entries: 10_000,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            cache_fresh_for: Duration::from_secs(60),
            cache_stale_if_error: Duration::from_secs(3600),
            conservative_ratio: 0.8,
            custom: None,
            #[cfg(feature = "persist")]
            cache_file: None,
        }
    }
}

impl fmt::Debug for FallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("FallbackConfig");
        s.field("mode", &self.mode)
            .field("cache_max_entries", &self.cache_max_entries)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("cache_fresh_for", &self.cache_fresh_for)
            .field("cache_stale_if_error", &self.cache_stale_if_error)
            .field("conservative_ratio", &self.conservative_ratio)
            .field("custom", &self.custom.is_some());
        #[cfg(feature = "persist")]
        s.field("cache_file", &self.cache_file);
        s.finish()
    }
}

/// Builds the bundle a client uses from its settings.
pub(crate) fn build(
    config: &FallbackConfig,
    clock: Option<Arc<dyn Clock>>,
) -> Result<ClientFallbacks, ClientError> {
    if let Some(custom) = &config.custom {
        return Ok(custom.clone());
    }
    let invalid = |field: &'static str, e: fallback_cache::Error| ClientError::InvalidConfig {
        field,
        reason: e.to_string(),
    };
    let ratio = Ratio::new(config.conservative_ratio)
        .map_err(|e| invalid("fallback.conservative_ratio", e))?;
    let mut cache = ResponseCache::builder()
        .max_entries(config.cache_max_entries)
        .max_bytes(
            config.cache_max_bytes,
            |key: &CanonicalKey, value: &MatchKolsResponse| {
                key.as_str().len() + models::approx_bytes(value)
            },
        )
        .fresh_for(config.cache_fresh_for)
        .stale_if_error(config.cache_stale_if_error);
    if let Some(clock) = clock {
        cache = cache.clock(clock);
    }
    let cache = cache.build().map_err(|e| invalid("fallback.cache", e))?;
    let bundle = KolFallbacks::new(cache, ratio).map_err(|e| invalid("fallback.cache", e))?;
    #[cfg(feature = "persist")]
    if let Some(path) = &config.cache_file {
        match bundle.load(path) {
            Ok(report) => {
                tracing::info!(path = %path.display(), loaded = report.loaded, "Loaded fallback cache")
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "Ignoring unreadable fallback cache file")
            }
        }
    }
    Ok(bundle)
}

/// The fallbacks as the funnel uses them.
#[derive(Debug, Clone)]
pub(crate) struct Fallbacks(pub(crate) ClientFallbacks);

/// Why a fallback is asked.
pub(crate) type Trigger = FallbackReason;

impl Fallbacks {
    pub(crate) async fn match_kols(
        &self,
        request: &MatchKolsRequest,
        trigger: &Trigger,
    ) -> Option<MatchKolsResponse> {
        self.0
            .match_fallback(request, trigger)
            .await
            .ok()
            .map(|served| served.response)
    }

    pub(crate) async fn optimize_budget(
        &self,
        request: &OptimizeBudgetRequest,
        trigger: &Trigger,
    ) -> Option<OptimizeBudgetResponse> {
        self.0
            .budget_fallback(request, trigger)
            .await
            .ok()
            .map(|served| served.response)
    }

    pub(crate) fn remember_matches(
        &self,
        request: &MatchKolsRequest,
        response: &MatchKolsResponse,
    ) {
        self.0.record_match(request, response);
    }

    pub(crate) fn counts(&self) -> FallbackStats {
        self.0.stats()
    }
}

/// The reason handed to fallbacks for a call that was made and failed.
pub(crate) fn reason_for(error: &ClientError) -> Trigger {
    match error {
        ClientError::Timeout { timeout, .. } => FallbackReason::Timeout { after: *timeout },
        other => FallbackReason::Failure {
            description: other.to_string(),
        },
    }
}
