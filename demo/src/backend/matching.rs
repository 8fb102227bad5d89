//! `weighted-match-v1`: the reference backend's matching algorithm
//! (docs/backend-contract.md, "Matching algorithm").

use std::collections::HashSet;

use super::dataset::{Dataset, Kol, round_to};
use super::response::{KolMatch, MatchMeta, MatchResponse};
use fastapi_client::MatchKolsRequest as MatchRequest;

pub(crate) const ALGORITHM: &str = "weighted-match-v1";

const WEIGHT_CATEGORY: f64 = 0.40;
const WEIGHT_ENGAGEMENT: f64 = 0.25;
const WEIGHT_AUDIENCE: f64 = 0.20;
const WEIGHT_COST: f64 = 0.15;
const ENGAGEMENT_MIDPOINT: f64 = 0.03;
const AUDIENCE_LOG10_MIN: f64 = 3.0;
const AUDIENCE_LOG10_SPAN: f64 = 4.0;

/// Filters, scores and ranks; `processing_time_ms` is the caller's to fill.
pub(crate) fn match_kols(data: &Dataset, request: &MatchRequest) -> MatchResponse {
    let wanted: HashSet<String> = request
        .categories
        .iter()
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    let candidates: Vec<&Kol> = data
        .kols
        .iter()
        .filter(|k| passes(k, request, &wanted))
        .collect();
    let mut ranked: Vec<(f64, &Kol)> = candidates
        .iter()
        .map(|k| (score(&wanted, k, request.budget), *k))
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.kol_id.cmp(&b.1.kol_id))
    });
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    ranked.truncate(limit);
    let confidence = confidence(&ranked, candidates.len(), limit);
    let matches = ranked
        .into_iter()
        .map(|(score, k)| KolMatch {
            kol_id: k.kol_id.clone(),
            name: k.name.clone(),
            platform: k.platform,
            followers: k.followers,
            engagement_rate: k.engagement_rate,
            categories: k.categories.clone(),
            score,
            estimated_cost: k.cost_per_post,
        })
        .collect();
    MatchResponse {
        matches,
        total_candidates: candidates.len(),
        meta: MatchMeta {
            algorithm_used: ALGORITHM,
            confidence,
            processing_time_ms: 0.0,
        },
    }
}

fn passes(kol: &Kol, request: &MatchRequest, wanted: &HashSet<String>) -> bool {
    let platform_ok = request
        .platforms
        .as_ref()
        .is_none_or(|p| p.iter().any(|p| p.as_str() == kol.platform));
    let under_max = request.max_followers.is_none_or(|max| kol.followers <= max);
    platform_ok
        && kol.followers >= request.min_followers
        && under_max
        && kol.engagement_rate >= request.min_engagement_rate
        && kol.categories.iter().any(|c| wanted.contains(*c))
}

#[allow(clippy::cast_precision_loss)]
fn score(wanted: &HashSet<String>, kol: &Kol, budget: f64) -> f64 {
    let overlap = kol
        .categories
        .iter()
        .filter(|c| wanted.contains(**c))
        .count() as f64;
    let category =
        0.5 * overlap / wanted.len() as f64 + 0.5 * overlap / kol.categories.len() as f64;
    let engagement = kol.engagement_rate / (kol.engagement_rate + ENGAGEMENT_MIDPOINT);
    let audience = (((kol.followers as f64).log10() - AUDIENCE_LOG10_MIN) / AUDIENCE_LOG10_SPAN)
        .clamp(0.0, 1.0);
    let cost_ratio = kol.cost_per_post / budget;
    let cost = 1.0 - 0.5 * cost_ratio.min(1.0);
    let blended = WEIGHT_CATEGORY * category
        + WEIGHT_ENGAGEMENT * engagement
        + WEIGHT_AUDIENCE * audience
        + WEIGHT_COST * cost;
    // A KOL one post of whom the budget cannot pay is scaled down by how far out of reach it is.
    let affordability = (1.0 / cost_ratio).min(1.0);
    round_to((blended * affordability).clamp(0.0, 1.0), 4)
}

#[allow(clippy::cast_precision_loss)]
fn confidence(ranked: &[(f64, &Kol)], total_candidates: usize, limit: usize) -> f64 {
    if ranked.is_empty() {
        return 0.0;
    }
    let mean = ranked.iter().map(|(s, _)| s).sum::<f64>() / ranked.len() as f64;
    let depth = (total_candidates as f64 / (3 * limit) as f64).min(1.0);
    round_to((0.5 * mean + 0.5 * depth).clamp(0.0, 1.0), 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(categories: &[&str]) -> MatchRequest {
        MatchRequest::new("c", categories.iter().copied(), 20_000.0)
    }

    #[test]
    fn results_are_sorted_filtered_and_deterministic() {
        let data = Dataset::generate(42);
        let first = match_kols(&data, &request(&[" Tech ", "gaming"]));
        let again = match_kols(&data, &request(&["tech", "gaming"]));
        assert_eq!(first, again);
        assert!(!first.matches.is_empty());
        assert!(first.matches.len() <= 10 && first.total_candidates >= first.matches.len());
        for pair in first.matches.windows(2) {
            assert!(pair[0].score >= pair[1].score);
        }
        for m in &first.matches {
            assert!(m.categories.iter().any(|c| *c == "tech" || *c == "gaming"));
            assert!((0.0..=1.0).contains(&m.score));
        }
        assert!((0.0..=1.0).contains(&first.meta.confidence));
    }

    #[test]
    fn no_candidates_is_an_empty_answer_not_an_error() {
        let data = Dataset::generate(42);
        let mut none = request(&["knitting"]);
        none.platforms = Some(vec![fastapi_client::Platform::Tiktok]);
        let answer = match_kols(&data, &none);
        assert!(answer.matches.is_empty());
        assert_eq!((answer.total_candidates, answer.meta.confidence), (0, 0.0));
    }
}
