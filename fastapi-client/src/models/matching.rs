//! `POST /api/v1/kols/match`: find the KOLs that fit a campaign.

use serde::{Deserialize, Serialize};

use fallback_cache::Provenance;

use super::Platform;
use crate::validate::{Check, ValidationError};

/// The backend's default for [`MatchKolsRequest::limit`].
pub const DEFAULT_MATCH_LIMIT: u32 = 10;

/// Asks the backend for the KOLs that best fit a campaign.
///
/// Fields the backend defaults may be omitted on the wire; here they hold
/// the default values ([`MatchKolsRequest::new`] fills them in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchKolsRequest {
    /// The campaign (1 to 64 characters).
    pub campaign_id: String,
    /// Content categories wanted (1 to 10).
    pub categories: Vec<String>,
    /// Platforms to search; `None` (the default) searches all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<Platform>>,
    /// Fewest followers a KOL may have (default 0).
    #[serde(default)]
    pub min_followers: u64,
    /// Most followers a KOL may have; `None` for no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_followers: Option<u64>,
    /// Lowest engagement rate accepted, in `[0, 1]` (default 0).
    #[serde(default)]
    pub min_engagement_rate: f64,
    /// The campaign budget; greater than zero, at most
    /// [`MAX_AMOUNT`](crate::MAX_AMOUNT).
    pub budget: f64,
    /// How many matches to return, 1 to 100 (default 10).
    #[serde(default = "default_limit")]
    pub limit: u32,
}

const fn default_limit() -> u32 {
    DEFAULT_MATCH_LIMIT
}

impl MatchKolsRequest {
    /// A request with the backend's defaults for every optional field.
    pub fn new(
        campaign_id: impl Into<String>,
        categories: impl IntoIterator<Item = impl Into<String>>,
        budget: f64,
    ) -> Self {
        Self {
            campaign_id: campaign_id.into(),
            categories: categories.into_iter().map(Into::into).collect(),
            platforms: None,
            min_followers: 0,
            max_followers: None,
            min_engagement_rate: 0.0,
            budget,
            limit: DEFAULT_MATCH_LIMIT,
        }
    }

    /// Checks the contract's rules; the client calls this before sending.
    ///
    /// The rules are exactly the backend's, no stricter: an empty or
    /// repeated `platforms` list, or a `max_followers` below
    /// `min_followers`, is legal (it just matches nobody).
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        Check::campaign_id(&self.campaign_id)?;
        Check::items("categories", &self.categories, 1, 10)?;
        if let Some(platforms) = &self.platforms {
            Check::platforms("platforms", platforms)?;
        }
        Check::unit_interval("min_engagement_rate", self.min_engagement_rate)?;
        Check::amount("budget", self.budget)?;
        Check::range("limit", self.limit, 1, 100)?;
        Ok(())
    }
}

/// One KOL that fits the campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KolMatch {
    /// The KOL's id (what budget optimisation takes).
    pub kol_id: String,
    /// Display name.
    pub name: String,
    /// Where the KOL publishes.
    pub platform: Platform,
    /// Audience size.
    pub followers: u64,
    /// Interactions per follower, in `[0, 1]`.
    pub engagement_rate: f64,
    /// The KOL's content categories.
    pub categories: Vec<String>,
    /// Fit for the campaign, in `[0, 1]`; matches come best first.
    pub score: f64,
    /// What working with this KOL is expected to cost.
    pub estimated_cost: f64,
}

/// How a match list was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchMeta {
    /// The backend's algorithm, or the client's fallback (`fallback-cache`,
    /// `fallback-empty`).
    pub algorithm_used: String,
    /// How sure the producer is of the result, in `[0, 1]`. A cached
    /// answer's confidence is scaled down by its age (see [`Provenance`]).
    pub confidence: f64,
    /// Time the backend spent, in milliseconds.
    pub processing_time_ms: f64,
    /// Where the answer came from: [`Provenance::Live`] for an answer
    /// decoded from the backend, [`Provenance::Cache`] (with its age) or
    /// [`Provenance::Fallback`] for one the client's fallbacks gave. Not
    /// on the wire.
    #[serde(skip)]
    pub provenance: Provenance,
}

/// The KOLs that fit, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchKolsResponse {
    /// At most `limit` matches, sorted by score, descending.
    pub matches: Vec<KolMatch>,
    /// KOLs that passed the filters before the limit was applied.
    pub total_candidates: u64,
    /// How the list was produced.
    pub meta: MatchMeta,
}
