//! The embedded backend over real loopback sockets: the contract's
//! answers, the scripted faults, and an outage that really refuses.

use std::time::Duration;

use serde_json::{Value, json};

use super::EmbeddedBackend;
use crate::scenario::Phase;

const TIMEOUT: Duration = Duration::from_secs(1);

async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Option<String>, Value) {
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the backend answers");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = serde_json::from_str(&response.text().await.expect("a body")).expect("a JSON body");
    (status, retry_after, body)
}

#[tokio::test]
async fn it_answers_the_contract() {
    let backend = EmbeddedBackend::start(42, TIMEOUT, 2).expect("binds a loopback port");
    let url = backend.url();
    let http = reqwest::Client::new();

    let health = http
        .get(format!("{url}/health"))
        .send()
        .await
        .expect("health answers");
    assert_eq!(health.status().as_u16(), 200);
    let health: Value = serde_json::from_str(&health.text().await.expect("body")).expect("json");
    assert_eq!(health, json!({"status": "ok", "version": "1.0.0"}));

    let brief = json!({"campaign_id": "c", "categories": ["tech", "gaming"], "budget": 20000});
    let (status, _, matched) = post(&http, format!("{url}/api/v1/kols/match"), brief).await;
    assert_eq!(status, 200);
    assert_eq!(matched["meta"]["algorithm_used"], "weighted-match-v1");
    let ids: Vec<&str> = matched["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter_map(|m| m["kol_id"].as_str())
        .collect();
    assert!(!ids.is_empty());

    let plan = json!({"campaign_id": "c", "total_budget": 5000.5, "kol_ids": ids});
    let (status, _, plan) = post(&http, format!("{url}/api/v1/budget/optimize"), plan).await;
    assert_eq!(status, 200);
    let allocated = plan["summary"]["total_allocated"]
        .as_f64()
        .expect("a number");
    let remaining = plan["summary"]["remaining_budget"]
        .as_f64()
        .expect("a number");
    assert_eq!(allocated + remaining, 5000.5);

    let (status, _, invalid) = post(
        &http,
        format!("{url}/api/v1/kols/match"),
        json!({"campaign_id": "c"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(invalid["detail"][0]["type"], "missing");

    let unknown = json!({"campaign_id": "c", "total_budget": 10, "kol_ids": ["kol-9999", "x"]});
    let (status, _, body) = post(&http, format!("{url}/api/v1/budget/optimize"), unknown).await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "unknown kol_id: kol-9999, x"}))
    );

    let (status, _, body) = post(&http, format!("{url}/nowhere"), json!({})).await;
    assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
    let wrong_method = http
        .get(format!("{url}/api/v1/kols/match"))
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong_method.status().as_u16(), 405);
    backend.shutdown().await;
}

#[tokio::test]
async fn the_outage_refuses_connections_then_answers_503_with_retry_after() {
    let backend = EmbeddedBackend::start(42, TIMEOUT, 2).expect("binds a loopback port");
    let url = backend.url();
    let http = reqwest::Client::new();
    assert!(http.get(format!("{url}/health")).send().await.is_ok());

    backend.set_phase(Phase::OutageRefused).await;
    let refused = http
        .get(format!("{url}/health"))
        .send()
        .await
        .expect_err("the port is closed");
    assert!(refused.is_connect(), "{refused:?}");

    backend.set_phase(Phase::OutageUnavailable).await;
    let brief = json!({"campaign_id": "c", "categories": ["tech"], "budget": 100});
    let (status, retry_after, body) = post(&http, format!("{url}/api/v1/kols/match"), brief).await;
    assert_eq!((status, retry_after.as_deref()), (503, Some("2")));
    assert_eq!(body, json!({"detail": "injected fault: HTTP 503"}));

    backend.set_phase(Phase::Recovered).await;
    let healthy = http
        .get(format!("{url}/health"))
        .send()
        .await
        .expect("healthy again");
    assert_eq!(healthy.status().as_u16(), 200);
    let stats = backend.stats();
    assert_eq!(stats.injected_errors, 1);
    assert!(!stats.rebind_failed);
    backend.shutdown().await;
    assert!(
        http.get(format!("{url}/health")).send().await.is_err(),
        "stopped for good"
    );
}

#[tokio::test]
async fn degraded_fails_a_fifth_of_requests() {
    let backend = EmbeddedBackend::start(7, Duration::from_millis(20), 1).expect("binds");
    let url = backend.url();
    let http = reqwest::Client::new();
    backend.set_phase(Phase::Degraded).await;
    let mut errors = 0;
    for _ in 0..20 {
        let status = http
            .get(format!("{url}/health"))
            .send()
            .await
            .expect("answers")
            .status();
        if status.as_u16() == 500 {
            errors += 1;
        }
    }
    assert_eq!(errors, 4, "every fifth request of the phase fails");
    backend.shutdown().await;
}
