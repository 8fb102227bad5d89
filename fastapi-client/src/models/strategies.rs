//! Property-test strategies for the models, shared by their tests and the
//! fuzz harness.

use proptest::prelude::*;

use super::{KolMatch, Platform};

/// Any match with finite numbers, its platform drawn from `platform`.
pub(crate) fn kol_match(
    platform: impl Strategy<Value = Platform>,
) -> impl Strategy<Value = KolMatch> {
    (
        "[a-z0-9-]{1,12}",
        ".{0,20}",
        platform,
        any::<u64>(),
        0.0..1.0f64,
        prop::collection::vec("[a-z]{1,8}", 0..4),
        0.0..=1.0f64,
        0.0..1e9f64,
    )
        .prop_map(
            |(
                kol_id,
                name,
                platform,
                followers,
                engagement_rate,
                categories,
                score,
                estimated_cost,
            )| KolMatch {
                kol_id,
                name,
                platform,
                followers,
                engagement_rate,
                categories,
                score,
                estimated_cost,
            },
        )
}
