//! Matches KOLs for a campaign, plans its budget, and prints the client's
//! stats.
//!
//! Start the reference backend, then run the example:
//!
//! ```text
//! target/xtask/venv/bin/python -m uvicorn app:app --app-dir tests/fastapi_backend --port 8000
//! cargo run -p fastapi-client --example match_kols -- http://127.0.0.1:8000
//! ```
//!
//! With no backend listening, the breaker opens after a few failures and
//! the answers come from the fallbacks (`fallback-empty`,
//! `fallback-conservative`).

use std::time::Duration;

use fastapi_client::{
    Client, ClientConfig, ClientError, MatchKolsRequest, OptimizeBudgetRequest, Platform,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), ClientError> {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let mut config = ClientConfig::new(base_url);
    config.request_timeout = Duration::from_secs(3);
    config.circuit = circuit_core::Config {
        max_failures: 2,
        ..circuit_core::Config::critical()
    };
    let client = Client::new(config)?;

    match client.health_check().await {
        Ok(health) => println!("backend {} is {}", health.version, health.status),
        Err(error) => println!("health check failed: {error}"),
    }

    let request = MatchKolsRequest {
        platforms: Some(vec![Platform::Instagram, Platform::Tiktok]),
        limit: 5,
        ..MatchKolsRequest::new("spring-launch", ["beauty", "fashion"], 20_000.0)
    };
    // A few rounds, so that with no backend the breaker has time to open.
    let mut kol_ids = Vec::new();
    for round in 1..=3 {
        match client.match_kols(&request).await {
            Ok(found) => {
                println!(
                    "round {round}: {} matches via {}",
                    found.matches.len(),
                    found.meta.algorithm_used
                );
                for kol in &found.matches {
                    println!(
                        "  {:<10} {:<22} {:<9} score {:.3}",
                        kol.kol_id, kol.name, kol.platform, kol.score
                    );
                }
                kol_ids = found.matches.into_iter().map(|m| m.kol_id).collect();
            }
            Err(error) => println!(
                "round {round}: {error} (circuit {})",
                client.circuit_state()
            ),
        }
    }

    if kol_ids.is_empty() {
        kol_ids = vec!["kol-0001".to_owned(), "kol-0002".to_owned()];
    }
    match client
        .optimize_budget(&OptimizeBudgetRequest::new(
            "spring-launch",
            20_000.0,
            kol_ids,
        ))
        .await
    {
        Ok(plan) => {
            println!(
                "budget via {} (confidence {}):",
                plan.meta.algorithm_used, plan.meta.confidence
            );
            for line in &plan.allocation {
                println!(
                    "  #{} {:<10} {:>10.2}  {}",
                    line.priority, line.kol_id, line.allocated_budget, line.reasoning
                );
            }
            println!(
                "  allocated {:.2}, remaining {:.2}",
                plan.summary.total_allocated, plan.summary.remaining_budget
            );
        }
        Err(error) => println!("budget: {error}"),
    }

    let stats = serde_json::to_string_pretty(&client.client_stats()).unwrap_or_default();
    println!("{stats}");
    client.close().await
}
