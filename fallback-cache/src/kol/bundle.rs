//! Everything a KOL client needs for degraded answers, in one value.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{BudgetResponse, ConservativeBudget, EmptyMatch, MatchResponse, ScoreBook};
use crate::budget::{ConservativePlanner, Ratio};
use crate::{
    CacheFallback, CacheKey, CanonicalKey, Declined, Error, FallbackChain, FallbackCounters,
    FallbackReason, FallbackStats, Refresh, ResponseCache, Served,
};

/// Most KOLs whose last score is remembered.
const MAX_SCORED_KOLS: u64 = 100_000;

/// The longest a confirmed answer's scores go without renewal.
const MAX_SCORE_RENEWAL: Duration = Duration::from_secs(1);

/// The match cache, the score book and the two default chains, counting
/// into one set of [`FallbackCounters`]. Clones share everything.
///
/// * matching: [`CacheFallback`] ([`crate::kind::CACHE`]), then
///   [`EmptyMatch`] ([`crate::kind::EMPTY`]);
/// * budgets: [`ConservativeBudget`] weighted by the score book
///   ([`crate::kind::CONSERVATIVE`]).
///
/// Every answer either chain serves is marked with its provenance
/// ([`MatchResponse::mark`], [`BudgetResponse::mark`]), replaced chains
/// included.
pub struct KolFallbacks<M: MatchResponse, B: BudgetResponse> {
    matches: ResponseCache<CanonicalKey, M>,
    scores: ScoreBook,
    match_chain: FallbackChain<M::Request, M>,
    budget_chain: FallbackChain<B::Request, B>,
    counters: FallbackCounters,
    score_renewal: Duration,
}

impl<M: MatchResponse, B: BudgetResponse> KolFallbacks<M, B> {
    /// Fallbacks over `matches`; conservative budgets allocate `ratio`. The
    /// score book shares the cache's clock and staleness.
    ///
    /// # Errors
    /// Never with a valid cache; [`Error::InvalidConfig`] is reserved for
    /// score-book settings derived from it.
    pub fn new(matches: ResponseCache<CanonicalKey, M>, ratio: Ratio) -> Result<Self, Error> {
        let scores = ScoreBook::with(
            MAX_SCORED_KOLS,
            matches.staleness(),
            matches.clock().clone(),
        )?;
        let counters = FallbackCounters::new();
        let match_chain = FallbackChain::new("match-kols")
            .with_counters(counters.clone())
            .log_clock(Arc::clone(matches.clock()))
            .then(CacheFallback::new(matches.clone()))
            .then(EmptyMatch::<M>::new());
        let budget_chain = FallbackChain::new("optimize-budget")
            .with_counters(counters.clone())
            .log_clock(Arc::clone(matches.clock()))
            .then(
                ConservativeBudget::<B>::new(ConservativePlanner::new(ratio))
                    .with_scores(scores.clone()),
            );
        let score_renewal = (matches.staleness().fresh_for / 60).min(MAX_SCORE_RENEWAL);
        Ok(Self {
            matches,
            scores,
            match_chain,
            budget_chain,
            counters,
            score_renewal,
        })
    }

    /// Writes "Circuit breaker open, executing fallback" at most once per
    /// `interval` and reason on both chains (default
    /// [`DEFAULT_LOG_INTERVAL`](crate::DEFAULT_LOG_INTERVAL), 10 s;
    /// `Duration::ZERO` logs every use). See [`FallbackChain`].
    #[must_use]
    pub fn log_every(mut self, interval: Duration) -> Self {
        self.match_chain = self.match_chain.log_every(interval);
        self.budget_chain = self.budget_chain.log_every(interval);
        self
    }

    /// Replaces the match chain (it is made to count into the shared
    /// counters). Build it from [`match_cache`](Self::match_cache) to keep
    /// serving cached answers.
    #[must_use]
    pub fn with_match_chain(mut self, chain: FallbackChain<M::Request, M>) -> Self {
        self.match_chain = chain.with_counters(self.counters.clone());
        self
    }

    /// Replaces the budget chain, as [`with_match_chain`](Self::with_match_chain).
    #[must_use]
    pub fn with_budget_chain(mut self, chain: FallbackChain<B::Request, B>) -> Self {
        self.budget_chain = chain.with_counters(self.counters.clone());
        self
    }

    /// Remembers a live match response as last-good, and its KOLs' scores,
    /// all at age zero. Called after every live success, so the unchanged
    /// case is cheap: a response giving the same answer as the cached one
    /// ([`MatchResponse::same_answer`]) only renews its time in place
    /// ([`ResponseCache::refresh_keyed`]), and its scores, already known,
    /// are renewed at most once per [`score_renewal`](Self::score_renewal)
    /// (so a score's age may lag its answer's by that much); only a new or
    /// changed answer is copied. Nothing is allocated in the unchanged case.
    pub fn record_match(&self, request: &M::Request, response: &M) {
        let mut refresh = Refresh::Stored;
        request.with_cache_key(&mut |key| {
            refresh = self.matches.refresh_keyed(
                key,
                |k: &str| CanonicalKey::from(k),
                response,
                |cached, live| live.same_answer(cached),
                self.score_renewal,
            );
        });
        // The scores of an answer confirmed less than a renewal period
        // ago were renewed then: renewing them on every live success would
        // cost a lookup per KOL for no gain.
        if refresh == (Refresh::Confirmed { due: false }) {
            return;
        }
        for (kol_id, score) in response.kol_scores() {
            self.scores.record(kol_id, score);
        }
    }

    /// How often the scores of an answer confirmed again and again are
    /// renewed: a sixtieth of the cache's fresh window, at most one second.
    pub fn score_renewal(&self) -> Duration {
        self.score_renewal
    }

    /// Runs the match chain: cached last-good, else empty. Whatever
    /// fallback answered, the answer is marked with its provenance
    /// ([`MatchResponse::mark`]) before it is returned, so a replaced chain
    /// cannot hand out an unmarked cached answer.
    ///
    /// # Errors
    /// [`Declined`] only if a replaced chain declines.
    pub async fn match_fallback(
        &self,
        request: &M::Request,
        reason: &FallbackReason,
    ) -> Result<Served<M>, Declined> {
        let mut served = self.match_chain.execute(request, reason).await?;
        served.response.mark(&served.provenance);
        Ok(served)
    }

    /// Runs the budget chain: the conservative plan, marked like
    /// [`match_fallback`](Self::match_fallback)'s answers
    /// ([`BudgetResponse::mark`]).
    ///
    /// # Errors
    /// [`Declined::NotApplicable`] for a budget the planner rejects.
    pub async fn budget_fallback(
        &self,
        request: &B::Request,
        reason: &FallbackReason,
    ) -> Result<Served<B>, Declined> {
        let mut served = self.budget_chain.execute(request, reason).await?;
        served.response.mark(&served.provenance);
        Ok(served)
    }

    /// Fallback use across both chains.
    pub fn stats(&self) -> FallbackStats {
        self.counters.snapshot()
    }

    /// The shared counters.
    pub fn counters(&self) -> &FallbackCounters {
        &self.counters
    }

    /// The last-good match responses.
    pub fn match_cache(&self) -> &ResponseCache<CanonicalKey, M> {
        &self.matches
    }

    /// The last known scores.
    pub fn scores(&self) -> &ScoreBook {
        &self.scores
    }

    /// The match chain.
    pub fn match_chain(&self) -> &FallbackChain<M::Request, M> {
        &self.match_chain
    }

    /// The budget chain.
    pub fn budget_chain(&self) -> &FallbackChain<B::Request, B> {
        &self.budget_chain
    }
}

#[cfg(feature = "persist")]
impl<M, B> KolFallbacks<M, B>
where
    M: MatchResponse + serde::Serialize + serde::de::DeserializeOwned,
    B: BudgetResponse,
{
    /// Saves the match cache (scores are rebuilt from it on load).
    ///
    /// # Errors
    /// As [`ResponseCache::save`].
    pub fn save(&self, path: &std::path::Path) -> Result<crate::SaveReport, Error> {
        self.matches.save(path)
    }

    /// Loads the match cache and re-learns scores from what was loaded.
    ///
    /// # Errors
    /// As [`ResponseCache::load`]; on error nothing is loaded.
    pub fn load(&self, path: &std::path::Path) -> Result<crate::LoadReport, Error> {
        let report = self.matches.load(path)?;
        for (_, hit) in self.matches.entries() {
            for (kol_id, score) in hit.value.kol_scores() {
                if self.scores.score(kol_id).is_none() {
                    self.scores.record_with_age(kol_id, score, hit.age);
                }
            }
        }
        Ok(report)
    }
}

impl<M: MatchResponse, B: BudgetResponse> Clone for KolFallbacks<M, B> {
    fn clone(&self) -> Self {
        Self {
            matches: self.matches.clone(),
            scores: self.scores.clone(),
            match_chain: self.match_chain.clone(),
            budget_chain: self.budget_chain.clone(),
            counters: self.counters.clone(),
            score_renewal: self.score_renewal,
        }
    }
}

impl<M: MatchResponse, B: BudgetResponse> fmt::Debug for KolFallbacks<M, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KolFallbacks")
            .field("matches", &self.matches)
            .field("scores", &self.scores)
            .field("match_chain", &self.match_chain)
            .field("budget_chain", &self.budget_chain)
            .finish()
    }
}
