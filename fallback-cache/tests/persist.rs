//! Saving and loading the cache: round trips, and bad files that are
//! reported, never loaded, never a panic.
#![cfg(feature = "persist")]

mod common;

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::ManualClock;
use common::{BudgetRequestModel, BudgetResponseModel, MatchRequest, MatchResponseModel};
use fallback_cache::budget::Ratio;
use fallback_cache::kol::KolFallbacks;
use fallback_cache::{
    CacheKey, CanonicalKey, Error, FallbackReason, Freshness, LoadReport, ResponseCache, kind,
};

const FRESH: Duration = Duration::from_secs(60);
const STALE: Duration = Duration::from_secs(600);

fn cache(clock: &ManualClock) -> ResponseCache<CanonicalKey, MatchResponseModel> {
    ResponseCache::builder()
        .fresh_for(FRESH)
        .stale_if_error(STALE)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

fn key(campaign: &str) -> CanonicalKey {
    MatchRequest::new(campaign, &["tech"]).cache_key()
}

fn filled(clock: &ManualClock) -> ResponseCache<CanonicalKey, MatchResponseModel> {
    let cache = cache(clock);
    cache.insert(key("a"), MatchResponseModel::seeded(1));
    clock.advance(Duration::from_secs(30));
    cache.insert(key("b"), MatchResponseModel::seeded(2));
    cache
}

#[test]
fn round_trip_keeps_values_and_ages_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let clock = ManualClock::new();
    let saved = filled(&clock).save(&path).unwrap();
    assert_eq!(saved.entries, 2);

    // "Restart" 40 s later: ages carry over through wall time.
    clock.advance(Duration::from_secs(40));
    let restarted = cache(&clock);
    let report = restarted.load(&path).unwrap();
    assert_eq!(
        report,
        LoadReport {
            file_found: true,
            loaded: 2,
            expired: 0,
            superseded: 0
        }
    );
    let a = restarted.stale_if_error(&key("a")).unwrap();
    assert_eq!(
        (
            *a.value == MatchResponseModel::seeded(1),
            a.age,
            a.freshness
        ),
        (true, Duration::from_secs(70), Freshness::Stale)
    );
    let b = restarted.fresh(&key("b")).unwrap();
    assert_eq!(
        (*b.value == MatchResponseModel::seeded(2), b.age),
        (true, Duration::from_secs(40))
    );

    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["cache.json"], "no temporary files left behind");
}

#[test]
fn expired_and_superseded_entries_are_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let clock = ManualClock::new();
    filled(&clock).save(&path).unwrap();
    clock.advance(FRESH + STALE - Duration::from_secs(10));

    let restarted = cache(&clock);
    restarted.insert(key("b"), MatchResponseModel::seeded(99));
    let report = restarted.load(&path).unwrap();
    assert_eq!(
        report,
        LoadReport {
            file_found: true,
            loaded: 0,
            expired: 1,
            superseded: 1
        }
    );
    assert_eq!(
        restarted.fresh(&key("b")).unwrap().value.total_candidates,
        99
    );
    assert!(restarted.stale_if_error(&key("a")).is_none());
}

#[test]
fn a_missing_file_is_a_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let report = cache(&ManualClock::new())
        .load(&dir.path().join("none.json"))
        .unwrap();
    assert_eq!(report, LoadReport::default());
}

fn load_err(contents: &[u8]) -> (Error, ResponseCache<CanonicalKey, MatchResponseModel>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    fs::write(&path, contents).unwrap();
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert(key("kept"), MatchResponseModel::seeded(5));
    let error = cache.load(&path).unwrap_err();
    (error, cache)
}

#[test]
fn corrupt_files_are_reported_and_ignored() {
    for garbage in [
        &b"not json at all"[..],
        b"",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b"{\"format\": 7}",
    ] {
        let (error, cache) = load_err(garbage);
        assert!(matches!(error, Error::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("corrupt or truncated"));
        assert!(
            cache.fresh(&key("kept")).is_some(),
            "a bad file leaves the cache as it was"
        );
        cache.run_pending_tasks();
        assert_eq!(cache.entry_count(), 1);
    }
}

#[test]
fn truncated_files_are_reported_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    filled(&ManualClock::new()).save(&path).unwrap();
    let full = fs::read(&path).unwrap();
    for cut in [1, full.len() / 3, full.len() / 2, full.len() - 1] {
        let (error, _) = load_err(&full[..cut]);
        assert!(
            matches!(error, Error::Corrupt { .. }),
            "cut at {cut}: {error}"
        );
    }
}

#[test]
fn wrong_shapes_and_versions_are_rejected() {
    let (error, _) = load_err(br#"{"format":"fallback-cache","version":2,"entries":[]}"#);
    assert!(
        matches!(
            error,
            Error::UnsupportedFormat {
                version: 2,
                expected: 1,
                ..
            }
        ),
        "{error}"
    );
    let (error, _) = load_err(br#"{"format":"something-else","version":1}"#);
    assert!(matches!(error, Error::UnsupportedFormat { .. }), "{error}");
    let wrong_value = br#"{"format":"fallback-cache","version":1,"saved_at_unix_nanos":0,
        "entries":[{"key":"k","age_nanos":0,"value":{"unexpected":true}}]}"#;
    let (error, cache) = load_err(wrong_value);
    assert!(matches!(error, Error::Corrupt { .. }), "{error}");
    assert!(cache.stale_if_error(&key("kept")).is_some());
}

/// A value whose serialisation can be made to fail midway through a save.
#[derive(Debug, serde::Deserialize)]
struct Flaky(bool);

impl serde::Serialize for Flaky {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 {
            Err(serde::ser::Error::custom("refusing to serialise"))
        } else {
            s.serialize_bool(false)
        }
    }
}

#[test]
fn failed_saves_are_io_errors_and_keep_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let error = filled(&ManualClock::new())
        .save(&dir.path().join("missing-dir").join("cache.json"))
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");

    let path = dir.path().join("flaky.json");
    let cache = ResponseCache::<String, Flaky>::builder().build().unwrap();
    cache.insert("ok".into(), Flaky(false));
    cache.save(&path).unwrap();
    let before = fs::read(&path).unwrap();
    cache.insert("bad".into(), Flaky(true));
    let error = cache.save(&path).unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "a failed save leaves the old file whole"
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "and no temporary file"
    );

    let error = cache.load(dir.path()).unwrap_err();
    assert!(
        matches!(error, Error::Io { .. }),
        "reading a directory: {error}"
    );
}

#[test]
fn concurrent_saves_leave_one_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let clock = ManualClock::new();
    let cache = filled(&clock);
    std::thread::scope(|s| {
        for i in 0..8 {
            let (cache, path) = (cache.clone(), path.clone());
            s.spawn(move || {
                cache.insert(key(&format!("t{i}")), MatchResponseModel::seeded(i));
                cache.save(&path).unwrap();
            });
        }
    });
    let report = self::cache(&clock).load(&path).unwrap();
    assert!(report.loaded >= 2, "{report:?}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn kol_fallbacks_serve_last_good_results_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kol.json");
    let clock = ManualClock::new();
    let before =
        KolFallbacks::<MatchResponseModel, BudgetResponseModel>::new(cache(&clock), Ratio::DEFAULT)
            .unwrap();
    let request = MatchRequest::new("c-1", &["tech"]);
    let mut live = MatchResponseModel::seeded(3);
    live.matches[0].score = 0.75;
    live.matches[1].score = 0.25;
    before.record_match(&request, &live);
    before.save(&path).unwrap();

    let after =
        KolFallbacks::<MatchResponseModel, BudgetResponseModel>::new(cache(&clock), Ratio::DEFAULT)
            .unwrap();
    after.load(&path).unwrap();
    let reason = FallbackReason::CircuitOpen {
        retry_after: Duration::from_secs(30),
    };
    let served = pollster::block_on(after.match_fallback(&request, &reason)).unwrap();
    assert_eq!(served.response.meta.algorithm_used, kind::CACHE);
    assert_eq!(served.response.matches, live.matches);

    let budget = BudgetRequestModel {
        campaign_id: "c-1".into(),
        total_budget: 100.0,
        kol_ids: vec!["kol-3-0".into(), "kol-3-1".into()],
        max_per_kol: None,
    };
    let response = pollster::block_on(after.budget_fallback(&budget, &reason))
        .unwrap()
        .response;
    let amounts: Vec<f64> = response
        .allocation
        .iter()
        .map(|a| a.allocated_budget)
        .collect();
    assert_eq!(
        amounts,
        [60.0, 20.0],
        "scores were re-learned from the loaded cache"
    );
}

#[test]
fn refreshed_entries_round_trip_with_the_age_of_their_last_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let clock = ManualClock::new();
    let live = cache(&clock);
    live.refresh(&key("a"), &MatchResponseModel::seeded(1));
    clock.advance(Duration::from_secs(50));
    assert_eq!(
        live.refresh(&key("a"), &MatchResponseModel::seeded(1)),
        fallback_cache::Refresh::Confirmed { due: true }
    );
    clock.advance(Duration::from_secs(20));
    live.save(&path).unwrap();

    let restarted = cache(&clock);
    assert_eq!(restarted.load(&path).unwrap().loaded, 1);
    let loaded = restarted.fresh(&key("a")).unwrap();
    assert_eq!(loaded.age, Duration::from_secs(20));
    // A loaded entry carries an inherited age, so the next live success
    // replaces it rather than renewing it in place; either way its age is zero.
    assert_eq!(
        restarted.refresh(&key("a"), &MatchResponseModel::seeded(1)),
        fallback_cache::Refresh::Stored
    );
    assert_eq!(restarted.fresh(&key("a")).unwrap().age, Duration::ZERO);
}

/// A file as the first release wrote it (format version 1, keys from the
/// original key builder) still loads and is found by today's keys.
#[test]
fn files_written_by_the_first_release_still_load() {
    use circuit_core::Clock as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let clock = ManualClock::new();
    let saved_at = clock
        .wall_now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let value = serde_json::to_string(&MatchResponseModel::seeded(3)).unwrap();
    let key = r#""match-kols"{budget=1e3;campaign_id="a";categories=["tech"];limit=10;max_followers=null;min_engagement_rate=0e0;min_followers=0;platforms=["instagram","tiktok","twitter","youtube"]}"#;
    let file = format!(
        r#"{{"format":"fallback-cache","version":1,"saved_at_unix_nanos":{saved_at},"entries":[{{"key":{},"age_nanos":5000000000,"value":{value}}}]}}"#,
        serde_json::to_string(key).unwrap()
    );
    fs::write(&path, file).unwrap();

    let restarted = cache(&clock);
    assert_eq!(restarted.load(&path).unwrap().loaded, 1);
    let hit = restarted.fresh(&self::key("a")).unwrap();
    assert_eq!(
        (*hit.value == MatchResponseModel::seeded(3), hit.age),
        (true, Duration::from_secs(5))
    );
}

#[cfg(unix)]
#[test]
fn a_planted_symlink_is_never_written_through() {
    use std::os::unix::fs::symlink;

    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    let path = dir.path().join("cache.json");
    // Symlinks at the target and at every name the old predictable scheme
    // (`<name>.tmp.<pid>.<n>`) would have used.
    symlink(&victim, &path).unwrap();
    for n in 0..64 {
        let temp = dir
            .path()
            .join(format!("cache.json.tmp.{}.{n}", std::process::id()));
        symlink(&victim, temp).unwrap();
    }
    let clock = ManualClock::new();
    filled(&clock).save(&path).unwrap();

    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    let saved = fs::symlink_metadata(&path).unwrap();
    assert!(saved.file_type().is_file(), "the link itself was replaced");
    assert_eq!(cache(&clock).load(&path).unwrap().loaded, 2);
}

#[cfg(unix)]
#[test]
fn a_new_file_is_private_and_a_replaced_one_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let cache = filled(&ManualClock::new());
    cache.save(&path).unwrap();
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    cache.save(&path).unwrap();
    assert_eq!(
        mode(&path),
        0o640,
        "a save does not reset the owner's choice"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}
