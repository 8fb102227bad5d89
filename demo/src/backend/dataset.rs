//! A synthetic KOL dataset, generated from the seed.
//!
//! Same shape and value ranges as the reference backend's committed
//! `kols.json` (docs/backend-contract.md, "Dataset"), smaller, and made
//! from the run's seed instead of a file, so the demo needs nothing on disk.

use crate::seed::Rng;

/// The dataset's size: enough for realistic candidate pools per category.
pub(crate) const KOL_COUNT: usize = 240;

/// The category vocabulary, as in the reference dataset.
pub(crate) const CATEGORIES: [&str; 12] = [
    "fashion",
    "beauty",
    "tech",
    "gaming",
    "fitness",
    "food",
    "travel",
    "finance",
    "parenting",
    "music",
    "sports",
    "lifestyle",
];

/// Categories creators plausibly combine with each primary one.
const NEIGHBOURS: [&[&str]; 12] = [
    &["beauty", "lifestyle", "travel", "music"],
    &["fashion", "lifestyle", "fitness"],
    &["gaming", "finance", "lifestyle"],
    &["tech", "music", "sports"],
    &["sports", "food", "lifestyle", "beauty"],
    &["travel", "lifestyle", "parenting", "fitness"],
    &["food", "lifestyle", "fashion"],
    &["tech", "lifestyle", "parenting"],
    &["lifestyle", "food", "finance"],
    &["fashion", "lifestyle", "gaming"],
    &["fitness", "gaming", "lifestyle"],
    &["fashion", "travel", "food", "beauty"],
];

/// (platform, share of creators, typical engagement rate, USD per 1000 followers)
const PLATFORMS: [(&str, f64, f64, f64); 4] = [
    ("instagram", 0.35, 0.035, 10.0),
    ("tiktok", 0.30, 0.060, 8.0),
    ("youtube", 0.20, 0.030, 20.0),
    ("twitter", 0.15, 0.015, 5.0),
];

const GIVEN_NAMES: [&str; 24] = [
    "Ada", "Bao", "Carmen", "Dev", "Elena", "Femi", "Greta", "Hiro", "Ivy", "Joaquin", "Kaia",
    "Liam", "Mina", "Nico", "Oona", "Pavel", "Quinn", "Rosa", "Soren", "Talia", "Umar", "Vera",
    "Wren", "Zane",
];
const FAMILY_NAMES: [&str; 20] = [
    "Abara",
    "Berg",
    "Castillo",
    "Dahl",
    "Endo",
    "Ferreira",
    "Gupta",
    "Holm",
    "Iqbal",
    "Jovanovic",
    "Keller",
    "Lindqvist",
    "Murphy",
    "Nair",
    "Ortega",
    "Park",
    "Quist",
    "Reyes",
    "Sato",
    "Varga",
];

/// One creator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kol {
    pub(crate) kol_id: String,
    pub(crate) name: String,
    pub(crate) platform: &'static str,
    pub(crate) followers: u64,
    pub(crate) engagement_rate: f64,
    pub(crate) categories: Vec<&'static str>,
    pub(crate) cost_per_post: f64,
    pub(crate) conversion_rate: f64,
}

/// All creators, sorted by id.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub(crate) kols: Vec<Kol>,
}

impl Dataset {
    /// The dataset for `seed`.
    pub(crate) fn generate(seed: u64) -> Self {
        let mut rng = Rng::new(seed, 0xDA7A);
        let names = unique_names(&mut rng);
        let kols = (0..KOL_COUNT)
            .map(|i| generate_kol(&mut rng, i, names[i].clone()))
            .collect();
        Self { kols }
    }

    /// The creator with this id.
    pub(crate) fn get(&self, kol_id: &str) -> Option<&Kol> {
        // Ids are kol-0001.. in order, so the number is the index.
        let index: usize = kol_id.strip_prefix("kol-")?.parse().ok()?;
        self.kols
            .get(index.checked_sub(1)?)
            .filter(|k| k.kol_id == kol_id)
    }
}

fn unique_names(rng: &mut Rng) -> Vec<String> {
    let mut all: Vec<String> = GIVEN_NAMES
        .iter()
        .flat_map(|g| FAMILY_NAMES.iter().map(move |f| format!("{g} {f}")))
        .collect();
    // Fisher-Yates, so names are unique and their order depends on the seed.
    for i in (1..all.len()).rev() {
        let j = rng.index(i + 1);
        all.swap(i, j);
    }
    all.truncate(KOL_COUNT);
    all
}

fn generate_kol(rng: &mut Rng, index: usize, name: String) -> Kol {
    let point = rng.unit();
    let mut acc = 0.0;
    let &(platform, _, base_er, cpm) = PLATFORMS
        .iter()
        .find(|(_, share, _, _)| {
            acc += share;
            point < acc
        })
        .unwrap_or(&PLATFORMS[3]);
    // Skewed log-uniform: most creators are small, a few are huge (2k..16M).
    let log_followers = 3.3 + 3.9 * rng.unit().powf(1.6);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let followers = 10f64.powf(log_followers).round() as u64;
    #[allow(clippy::cast_precision_loss)]
    let size_penalty = (followers as f64 / 10_000.0).powf(-0.15);
    let engagement_rate =
        round_to(base_er * size_penalty * rng.range(0.6, 1.4), 4).clamp(0.002, 0.25);
    let primary = rng.index(CATEGORIES.len());
    let mut categories = vec![CATEGORIES[primary]];
    let extra = usize::from(rng.chance(0.6)) + usize::from(rng.chance(0.3));
    for _ in 0..extra {
        let candidate = *rng.pick(NEIGHBOURS[primary]);
        if !categories.contains(&candidate) {
            categories.push(candidate);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let raw_cost =
        followers as f64 / 1000.0 * cpm * (engagement_rate / base_er).sqrt() * rng.range(0.8, 1.25);
    Kol {
        kol_id: format!("kol-{:04}", index + 1),
        name,
        platform,
        followers,
        engagement_rate,
        categories,
        cost_per_post: round_to(raw_cost.max(50.0), 2),
        conversion_rate: round_to(rng.range(0.005, 0.05), 4),
    }
}

/// Rounds to `digits` decimals, half away from zero.
pub(crate) fn round_to(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_dataset() {
        let a = Dataset::generate(42);
        let b = Dataset::generate(42);
        let c = Dataset::generate(43);
        assert_eq!(a.kols, b.kols);
        assert_ne!(a.kols, c.kols);
    }

    #[test]
    fn values_stay_in_the_contract_ranges() {
        let data = Dataset::generate(7);
        assert_eq!(data.kols.len(), KOL_COUNT);
        let mut names: Vec<&str> = data.kols.iter().map(|k| k.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KOL_COUNT, "names are unique");
        for (i, kol) in data.kols.iter().enumerate() {
            assert_eq!(kol.kol_id, format!("kol-{:04}", i + 1));
            assert!((0.002..=0.25).contains(&kol.engagement_rate));
            assert!((1..=3).contains(&kol.categories.len()));
            assert!(kol.cost_per_post >= 50.0);
            assert!(kol.followers >= 1_000);
            assert_eq!(data.get(&kol.kol_id), Some(kol));
        }
        assert_eq!(data.get("kol-9999"), None);
        assert_eq!(data.get("nope"), None);
        assert_eq!(data.get("kol-0000"), None);
    }
}
