//! Last known KOL scores, for weighting conservative budgets.

use std::time::Duration;

use crate::{Error, ResponseCache, Staleness};

/// Each KOL's last known match score, with the same staleness rules as the
/// response cache: a score older than `fresh_for + stale_if_error` is
/// forgotten. Clones share the scores.
#[derive(Debug, Clone)]
pub struct ScoreBook {
    scores: ResponseCache<String, f64>,
}

impl ScoreBook {
    /// Wraps a cache of scores (bound it by entries: one per KOL).
    pub fn new(scores: ResponseCache<String, f64>) -> Self {
        Self { scores }
    }

    /// A book on `clock`, keeping up to `max_kols` scores for `staleness`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] as for [`ResponseCache`].
    pub fn with(
        max_kols: u64,
        staleness: Staleness,
        clock: std::sync::Arc<dyn circuit_core::Clock>,
    ) -> Result<Self, Error> {
        ResponseCache::builder()
            .max_entries(max_kols)
            .staleness(staleness)
            .clock(clock)
            .build()
            .map(Self::new)
    }

    /// Remembers `score` for `kol_id` at age zero. Scores are clamped to
    /// the contract's range `[0, 1]` (a backend answering 7.5 or -2 cannot
    /// take a whole conservative budget or a negative share), and
    /// non-finite ones are ignored. A KOL whose known score is unchanged
    /// only has its time renewed in place, without allocating
    /// ([`ResponseCache::refresh`]); a new KOL or a changed score is stored
    /// anew.
    pub fn record(&self, kol_id: &str, score: f64) {
        if let Some(score) = in_range(score) {
            self.scores.refresh(kol_id, &score);
        }
    }

    /// Remembers a score that is already `age` old, clamped as
    /// [`record`](Self::record) does.
    pub fn record_with_age(&self, kol_id: &str, score: f64, age: Duration) {
        if let Some(score) = in_range(score) {
            self.scores.insert_with_age(kol_id.to_owned(), score, age);
        }
    }

    /// The last known score, if still within the staleness limit.
    pub fn score(&self, kol_id: &str) -> Option<f64> {
        self.scores.stale_if_error(kol_id).map(|hit| *hit.value)
    }

    /// The underlying cache.
    pub fn cache(&self) -> &ResponseCache<String, f64> {
        &self.scores
    }
}

/// A score as the contract bounds it: `[0, 1]`, or nothing if not a number.
fn in_range(score: f64) -> Option<f64> {
    score.is_finite().then(|| score.clamp(0.0, 1.0))
}
