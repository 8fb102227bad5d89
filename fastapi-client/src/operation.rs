//! The backend's three operations and how each one rides the funnel.

use std::future::Future;

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::fallback::{Fallbacks, Trigger};
use crate::validate::ValidationError;
use crate::{
    HealthResponse, MatchKolsRequest, MatchKolsResponse, OptimizeBudgetRequest,
    OptimizeBudgetResponse,
};

/// One of the backend's endpoints: what a per-endpoint breaker
/// ([`ClientConfig::endpoint_circuit`](crate::ClientConfig::endpoint_circuit))
/// guards, and the request-ID prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /api/v1/kols/match` ([`Client::match_kols`](crate::Client::match_kols)).
    MatchKols,
    /// `POST /api/v1/budget/optimize` ([`Client::optimize_budget`](crate::Client::optimize_budget)).
    OptimizeBudget,
    /// `GET /health` ([`Client::health_check`](crate::Client::health_check)).
    HealthCheck,
}

impl Operation {
    /// Every operation, in this order.
    pub const ALL: [Operation; 3] = [Self::MatchKols, Self::OptimizeBudget, Self::HealthCheck];

    /// The request-ID prefix and tracing name: `match-kols`,
    /// `optimize-budget`, `health-check`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MatchKols => "match-kols",
            Self::OptimizeBudget => "optimize-budget",
            Self::HealthCheck => "health-check",
        }
    }

    /// The path, relative to the base URL (so a base with a path prefix
    /// keeps it): `api/v1/kols/match`, `api/v1/budget/optimize`, `health`.
    pub const fn path(self) -> &'static str {
        match self {
            Self::MatchKols => "api/v1/kols/match",
            Self::OptimizeBudget => "api/v1/budget/optimize",
            Self::HealthCheck => "health",
        }
    }

    pub(crate) fn method(self) -> Method {
        match self {
            Self::MatchKols | Self::OptimizeBudget => Method::POST,
            Self::HealthCheck => Method::GET,
        }
    }
}

/// What the funnel needs to know about a request type.
pub(crate) trait Endpoint: Sync {
    type Response: DeserializeOwned + Send;
    const OPERATION: Operation;

    fn validate(&self) -> Result<(), ValidationError>;

    /// The JSON body, if the operation has one.
    fn body(&self) -> Result<Option<Vec<u8>>, ValidationError>;

    /// A fallback answer, if one is configured and willing.
    fn fall_back(
        &self,
        fallbacks: &Fallbacks,
        trigger: &Trigger,
    ) -> impl Future<Output = Option<Self::Response>> + Send;

    /// Feeds a live answer to the fallbacks (the last-good cache).
    fn remember(&self, fallbacks: &Fallbacks, response: &Self::Response);
}

/// `value` as JSON, written into a buffer sized up front by `size_hint`
/// (a little over the usual encoding), so that encoding a body costs one
/// allocation instead of a series of regrowths.
fn json(
    value: &impl serde::Serialize,
    size_hint: usize,
) -> Result<Option<Vec<u8>>, ValidationError> {
    let mut body = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut body, value)
        .map_err(|e| ValidationError::new("body", format!("cannot be encoded as JSON: {e}")))?;
    Ok(Some(body))
}

/// Room for a list of strings as JSON: each quoted, with a comma.
fn strings_len(items: &[String]) -> usize {
    items.iter().map(|s| s.len() + 3).sum()
}

/// The fixed text and numbers of a request body, generously.
const BODY_BASE: usize = 256;

impl Endpoint for MatchKolsRequest {
    type Response = MatchKolsResponse;
    const OPERATION: Operation = Operation::MatchKols;

    fn validate(&self) -> Result<(), ValidationError> {
        MatchKolsRequest::validate(self)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, ValidationError> {
        let platforms = self.platforms.as_ref().map_or(0, |p| 16 + 12 * p.len());
        let hint = BODY_BASE + self.campaign_id.len() + strings_len(&self.categories) + platforms;
        json(self, hint)
    }

    async fn fall_back(
        &self,
        fallbacks: &Fallbacks,
        trigger: &Trigger,
    ) -> Option<MatchKolsResponse> {
        fallbacks.match_kols(self, trigger).await
    }

    fn remember(&self, fallbacks: &Fallbacks, response: &MatchKolsResponse) {
        fallbacks.remember_matches(self, response);
    }
}

impl Endpoint for OptimizeBudgetRequest {
    type Response = OptimizeBudgetResponse;
    const OPERATION: Operation = Operation::OptimizeBudget;

    fn validate(&self) -> Result<(), ValidationError> {
        OptimizeBudgetRequest::validate(self)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, ValidationError> {
        json(
            self,
            BODY_BASE + self.campaign_id.len() + strings_len(&self.kol_ids),
        )
    }

    async fn fall_back(
        &self,
        fallbacks: &Fallbacks,
        trigger: &Trigger,
    ) -> Option<OptimizeBudgetResponse> {
        fallbacks.optimize_budget(self, trigger).await
    }

    fn remember(&self, _: &Fallbacks, _: &OptimizeBudgetResponse) {}
}

/// `GET /health` has no request body and no fallback: a health check must
/// tell the truth.
#[derive(Debug)]
pub(crate) struct HealthProbe;

impl Endpoint for HealthProbe {
    type Response = HealthResponse;
    const OPERATION: Operation = Operation::HealthCheck;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, ValidationError> {
        Ok(None)
    }

    async fn fall_back(&self, _: &Fallbacks, _: &Trigger) -> Option<HealthResponse> {
        None
    }

    fn remember(&self, _: &Fallbacks, _: &HealthResponse) {}
}
