use super::*;

fn kols(
    categories: &[&str],
    platforms: Option<&[&str]>,
    min_followers: u64,
    budget: f64,
) -> CanonicalKey {
    const ALL: [&str; 4] = ["instagram", "tiktok", "youtube", "twitter"];
    KeyBuilder::new("match-kols")
        .text("campaign_id", "c-1")
        .set("categories", categories)
        .set_or("platforms", platforms, ALL)
        .uint("min_followers", min_followers)
        .opt_uint("max_followers", None)
        .float("budget", budget)
        .finish()
}

#[test]
fn order_duplicates_and_defaults_do_not_change_the_key() {
    let base = kols(&["tech", "beauty"], None, 0, 500.0);
    assert_eq!(base, kols(&["beauty", "tech", "tech"], None, 0, 500.0));
    assert_eq!(
        base,
        kols(
            &["beauty", "tech"],
            Some(&["twitter", "youtube", "tiktok", "instagram"]),
            0,
            500.0
        )
    );
    assert_eq!(base, kols(&["beauty", "tech"], None, 0, 5e2));
}

#[test]
fn different_meaning_gives_a_different_key() {
    let base = kols(&["tech", "beauty"], None, 0, 500.0);
    assert_ne!(base, kols(&["tech"], None, 0, 500.0));
    assert_ne!(base, kols(&["tech", "beauty"], Some(&["tiktok"]), 0, 500.0));
    assert_ne!(base, kols(&["tech", "beauty"], None, 1, 500.0));
    assert_ne!(base, kols(&["tech", "beauty"], None, 0, 500.01));
    assert_ne!(base, kols(&["Tech", "beauty"], None, 0, 500.0));
}

#[test]
fn field_order_does_not_matter_but_namespace_does() {
    let a = KeyBuilder::new("op").uint("a", 1).text("b", "x").finish();
    let b = KeyBuilder::new("op").text("b", "x").uint("a", 1).finish();
    assert_eq!(a, b);
    assert_ne!(
        a,
        KeyBuilder::new("other")
            .uint("a", 1)
            .text("b", "x")
            .finish()
    );
}

#[test]
fn text_cannot_imitate_separators() {
    let a = KeyBuilder::new("op").set("s", ["a\",\"b"]).finish();
    let b = KeyBuilder::new("op").set("s", ["a", "b"]).finish();
    assert_ne!(a, b);
    let c = KeyBuilder::new("op").text("x", "1;y=2").finish();
    let d = KeyBuilder::new("op").text("x", "1").text("y", "2").finish();
    assert_ne!(c, d);
}

#[test]
fn floats_are_normalised() {
    assert_eq!(canonical_f64(-0.0), canonical_f64(0.0));
    assert_eq!(canonical_f64(f64::NAN), canonical_f64(-f64::NAN));
    assert_eq!(canonical_f64(0.1 + 0.2), "3.0000000000000004e-1");
    assert_eq!(canonical_f64(1000.0), "1e3");
    let none = KeyBuilder::new("op").opt_float("m", None).finish();
    assert_ne!(
        none,
        KeyBuilder::new("op").opt_float("m", Some(0.0)).finish()
    );
}

#[test]
fn keys_round_trip_through_serde() {
    let key = kols(&["a"], None, 3, 1.5);
    let json = serde_json::to_string(&key).unwrap();
    assert_eq!(serde_json::from_str::<CanonicalKey>(&json).unwrap(), key);
    assert_eq!(key.to_string(), key.as_str());
}
