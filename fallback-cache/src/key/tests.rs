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

/// Keys are persisted with the cache, so their text is a format: these are
/// the exact keys the first release wrote.
#[test]
fn key_text_is_stable() {
    let request = KeyBuilder::new("match-kols")
        .text("campaign_id", "c-1")
        .set("categories", ["tech", "beauty", "tech"])
        .set_or(
            "platforms",
            None::<Vec<&str>>,
            ["instagram", "tiktok", "youtube", "twitter"],
        )
        .uint("min_followers", 0)
        .opt_uint("max_followers", None)
        .float("min_engagement_rate", 0.0)
        .float("budget", 1000.0)
        .uint("limit", 10)
        .finish();
    assert_eq!(
        request.as_str(),
        r#""match-kols"{budget=1e3;campaign_id="c-1";categories=["beauty","tech"];limit=10;max_followers=null;min_engagement_rate=0e0;min_followers=0;platforms=["instagram","tiktok","twitter","youtube"]}"#
    );
    let escapes = KeyBuilder::new("op\"x\\")
        .text("t", "a\"b\\c;d=e")
        .set("s", ["a\"", "a#", "a\\", "a", "é", "z", "", "a"])
        .opt_float("f", Some(-0.0))
        .opt_float("g", None)
        .float("n", f64::NAN)
        .float("h", 0.1 + 0.2)
        .opt_uint("u", Some(42))
        .uint("a", 1)
        .uint("a", 2)
        .finish();
    assert_eq!(
        escapes.as_str(),
        r#""op\"x\\"{a=2;f=0e0;g=null;h=3.0000000000000004e-1;n=NaN;s=["","a","a\"","a#","a\\","z","é"];t="a\"b\\c;d=e";u=42}"#
    );
    assert_eq!(KeyBuilder::new("").finish().as_str(), r#"""{}"#);
    let sets = KeyBuilder::new("e")
        .set("empty", Vec::<String>::new())
        .set_or("o", Some(["b", "a"]), ["x"])
        .float("big", 1e300)
        .float("neg", -2.5e-7)
        .finish();
    assert_eq!(
        sets.as_str(),
        r#""e"{big=1e300;empty=[];neg=-2.5e-7;o=["a","b"]}"#
    );
    assert_eq!(canonical_set(["b", "a\"", "a", "b"]), r#"["a","a\"","b"]"#);
    assert_eq!(canonical_f64(123.456), "1.23456e2");
}

#[test]
fn long_keys_grow_past_the_initial_buffer() {
    let items: Vec<String> = (0..200).rev().map(|i| format!("item-{i:03}")).collect();
    let key = KeyBuilder::new("n".repeat(600))
        .set("s", &items)
        .text("t", &"x".repeat(1000))
        .finish();
    let text = key.as_str();
    assert!(text.starts_with(&format!(
        "\"{}\"{{s=[\"item-000\",\"item-001\",",
        "n".repeat(600)
    )));
    assert!(text.ends_with(&format!("\"item-199\"];t=\"{}\"}}", "x".repeat(1000))));
}
