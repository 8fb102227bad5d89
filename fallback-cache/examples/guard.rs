//! A fallback around a call of your own: KOL scores from a flaky service,
//! answered from the last good score (or a neutral one) while it is down.
//!
//! `cargo run -p fallback-cache --example guard`

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};
use fallback_cache::{
    CacheFallback, CacheKey, CanonicalKey, FallbackChain, FallbackGuard, FallbackReason,
    KeyBuilder, Provenance, ResponseCache, Served, from_fn,
};

/// What is asked: one KOL's score; its cache key is the KOL id.
struct Kol(&'static str);

impl CacheKey for Kol {
    fn cache_key(&self) -> CanonicalKey {
        KeyBuilder::new("kol-score").text("kol", self.0).finish()
    }
}

/// The service: answers the first three calls, then fails.
async fn fetch_score(calls: &AtomicU32, kol: &Kol) -> Result<f64, String> {
    match calls.fetch_add(1, Ordering::Relaxed) {
        0..3 => Ok(0.5 + kol.0.len() as f64 / 100.0),
        _ => Err("503 Service Unavailable".to_owned()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config {
        max_failures: 2,
        ..Config::default()
    };
    let breaker = Arc::new(CircuitBreaker::new("kol-scores", config)?);
    let last_good = ResponseCache::<CanonicalKey, f64>::builder().build()?;
    let fallbacks = FallbackChain::new("kol-scores")
        .then(CacheFallback::new(last_good.clone()))
        .then(from_fn("neutral", |_: &Kol, _: &FallbackReason| {
            Ok(Served::new(0.5, Provenance::fallback("neutral-score")))
        }));
    let guard = FallbackGuard::new(breaker, fallbacks, tokio::time::sleep)
        .deadline(Duration::from_millis(200));

    let calls = AtomicU32::new(0);
    for id in ["kol-7", "kol-12", "kol-7", "kol-12", "kol-7", "kol-99"] {
        let kol = Kol(id);
        let served = guard.call(&kol, || fetch_score(&calls, &kol)).await?;
        if served.provenance == Provenance::Live {
            last_good.insert(kol.cache_key(), served.response);
        }
        println!(
            "{id:>6}: {:.2} from {:<14} (breaker {})",
            served.response,
            served.provenance.label(),
            guard.gate().state()
        );
    }
    let stats = guard.fallbacks().stats();
    println!(
        "fallbacks: {} executions, {} from the cache, {} neutral",
        stats.executions, stats.cache_hits, stats.fallback_serves
    );
    Ok(())
}
