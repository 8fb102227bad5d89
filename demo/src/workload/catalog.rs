//! The campaigns the planners work on, generated from the seed.
//!
//! A few campaigns are "popular": planners come back to them over and over
//! (weekly re-planning), so their last-good matches are in the cache when
//! the backend goes down. The long tail is asked rarely; during an outage
//! a tail campaign nobody asked before gets the empty fallback.

use fastapi_client::{MatchKolsRequest, Objective, Platform};

use crate::backend::CATEGORIES;
use crate::seed::Rng;

/// Campaigns planners return to.
pub(crate) const POPULAR: usize = 6;
/// Campaigns asked about once in a while.
pub(crate) const LONG_TAIL: usize = 80;
/// Share of picks that go to a popular campaign.
pub(crate) const POPULAR_SHARE: f64 = 0.7;

const SEASONS: [&str; 8] = [
    "spring",
    "summer",
    "autumn",
    "winter",
    "holiday",
    "launch",
    "flash",
    "evergreen",
];
const PRODUCTS: [&str; 10] = [
    "sneakers",
    "skincare",
    "headphones",
    "protein",
    "coffee",
    "budget-app",
    "console",
    "stroller",
    "ebike",
    "vinyl",
];

/// One campaign: its match brief and what the planner does with the result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Campaign {
    pub(crate) brief: MatchKolsRequest,
    pub(crate) objective: Objective,
}

/// All campaigns for `seed`: the popular ones first.
pub(crate) fn campaigns(seed: u64) -> Vec<Campaign> {
    let mut rng = Rng::new(seed, 0xCA4B);
    (0..POPULAR + LONG_TAIL)
        .map(|i| campaign(&mut rng, i))
        .collect()
}

/// Picks the next campaign a planner works on.
pub(crate) fn pick<'a>(rng: &mut Rng, campaigns: &'a [Campaign]) -> &'a Campaign {
    let (popular, tail) = campaigns.split_at(POPULAR.min(campaigns.len()));
    if tail.is_empty() || rng.chance(POPULAR_SHARE) {
        rng.pick(popular)
    } else {
        rng.pick(tail)
    }
}

fn campaign(rng: &mut Rng, index: usize) -> Campaign {
    let id = format!(
        "{}-{}-{:02}",
        rng.pick(&SEASONS),
        rng.pick(&PRODUCTS),
        index + 1
    );
    let mut categories = vec![*rng.pick(&CATEGORIES)];
    if rng.chance(0.5) {
        let second = *rng.pick(&CATEGORIES);
        if !categories.contains(&second) {
            categories.push(second);
        }
    }
    let budget = (rng.range(4_000.0, 60_000.0) / 500.0).round() * 500.0;
    let mut brief = MatchKolsRequest::new(id, categories, budget);
    if rng.chance(0.4) {
        let first = rng.pick(&Platform::ALL).clone();
        let second = rng.pick(&Platform::ALL).clone();
        let mut platforms = vec![first.clone()];
        if second != first {
            platforms.push(second);
        }
        brief.platforms = Some(platforms);
    }
    if rng.chance(0.3) {
        brief.min_followers = 10_000;
    }
    brief.limit = if rng.chance(0.25) { 20 } else { 10 };
    Campaign {
        brief,
        objective: *rng.pick(&Objective::ALL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns_are_valid_distinct_and_repeatable() {
        let all = campaigns(42);
        assert_eq!(all, campaigns(42));
        assert_eq!(all.len(), POPULAR + LONG_TAIL);
        let mut ids: Vec<&str> = all.iter().map(|c| c.brief.campaign_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for c in &all {
            assert!(c.brief.validate().is_ok(), "{c:?}");
        }
    }

    #[test]
    fn popular_campaigns_get_most_picks() {
        let all = campaigns(1);
        let mut rng = Rng::new(1, 9);
        let popular = (0..1000).filter(|_| {
            let c = pick(&mut rng, &all);
            all[..POPULAR].contains(c)
        });
        let n = popular.count();
        assert!((600..800).contains(&n), "{n}");
    }
}
