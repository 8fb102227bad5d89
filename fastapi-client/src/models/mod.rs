//! The wire contract's requests and responses.
//!
//! Every model is `Serialize + Deserialize + Debug + Clone + PartialEq`.
//! Responses ignore fields they do not know, so a backend that adds fields
//! does not break older clients; the contract test in the `tests` crate
//! keeps the models and the backend's OpenAPI schema in step.

mod budget;
mod enums;
mod health;
mod matching;

pub use budget::{
    BudgetAllocation, BudgetSummary, OptimizationMeta, OptimizeBudgetRequest,
    OptimizeBudgetResponse,
};
pub use enums::{Objective, Platform};
pub use health::HealthResponse;
pub use matching::{DEFAULT_MATCH_LIMIT, KolMatch, MatchKolsRequest, MatchKolsResponse, MatchMeta};

#[cfg(test)]
pub(crate) mod strategies;
#[cfg(test)]
mod tests;
