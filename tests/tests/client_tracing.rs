//! fastapi-client's tracing output. Alone in its binary: `tracing` caches
//! per-callsite interest process-wide, so a test that installs a
//! thread-local subscriber must not share the process with tests that hit
//! the same callsites without one.

use std::time::Duration;

use fastapi_client::ApiKey;
use serde_json::json;
use tests::backend::Backend;
use tests::client_fixtures::{LogCapture, client_for, tech_request};

#[test]
fn slow_requests_are_logged_in_a_span_with_the_request_id_and_no_secret() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let backend = Backend::start().await;
        let client = client_for(&backend, |c| {
            c.slow_request_threshold = Duration::from_secs(1);
            c.api_key = Some(ApiKey::new("sk-never-logged"));
        });
        backend
            .set_faults(json!({"latency_ms": 1_500, "count": 1}))
            .await;
        client.match_kols(&tech_request("slow-log")).await.unwrap();
        client.health_check().await.unwrap();
    });
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("Slow request detected"))
        .unwrap_or_else(|| panic!("no slow-request warning in:\n{text}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("kol_request{request_id=match-kols-"),
        "{line}"
    );
    assert!(
        line.contains("duration_ms=") && line.contains("circuit_state=\"closed\""),
        "{line}"
    );
    assert_eq!(text.matches("Slow request detected").count(), 1, "{text}");
    assert!(
        !text.contains("sk-never-logged"),
        "the API key leaked into the logs:\n{text}"
    );
}
