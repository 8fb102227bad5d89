//! Plays the scripted phases on the backend at the right moments.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::backend::EmbeddedBackend;
use crate::record::Recorder;
use crate::scale::Settings;
use crate::scenario::{Phase, Timeline};

/// How a phase is put into effect.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    /// The embedded backend changes its own behaviour.
    Embedded(Arc<EmbeddedBackend>),
    /// An external reference backend, through its `/_faults` API.
    FaultApi {
        http: reqwest::Client,
        base_url: String,
        request_timeout: Duration,
        retry_after_secs: u64,
    },
    /// Nothing can be changed (an external backend without the API).
    Nothing,
}

impl Stage {
    /// Puts `phase` into effect.
    pub(crate) async fn enter(&self, phase: Phase) {
        match self {
            Self::Embedded(backend) => backend.set_phase(phase).await,
            Self::FaultApi {
                http,
                base_url,
                request_timeout,
                retry_after_secs,
            } => {
                let url = format!("{}/_faults", base_url.trim_end_matches('/'));
                let sent = match fault_config(phase, *request_timeout, *retry_after_secs) {
                    None => http.delete(&url).send().await,
                    Some(body) => {
                        let bytes = serde_json::to_vec(&body).unwrap_or_default();
                        http.post(&url)
                            .header(CONTENT_TYPE, "application/json")
                            .body(bytes)
                            .send()
                            .await
                    }
                };
                match sent {
                    Ok(response) if response.status().is_success() => {}
                    Ok(response) => {
                        tracing::warn!(status = %response.status(), phase = phase.label(), "The fault API refused a phase")
                    }
                    Err(error) => {
                        tracing::warn!(%error, phase = phase.label(), "The fault API could not be reached")
                    }
                }
            }
            Self::Nothing => {}
        }
        tracing::info!(
            phase = phase.label(),
            description = phase.description(),
            "Backend phase"
        );
    }

    /// Whether `base_url` has the reference backend's fault API.
    pub(crate) async fn has_fault_api(http: &reqwest::Client, base_url: &str) -> bool {
        let url = format!("{}/_faults", base_url.trim_end_matches('/'));
        http.get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

/// The reference backend's `FaultConfig` closest to each phase (`None`:
/// clear the faults). It cannot stop listening, so the refused half of the
/// outage drops every connection instead.
fn fault_config(phase: Phase, timeout: Duration, retry_after_secs: u64) -> Option<Value> {
    let ms = |share: f64| u64::try_from(timeout.mul_f64(share).as_millis()).unwrap_or(u64::MAX);
    match phase {
        Phase::Healthy | Phase::Recovered => None,
        Phase::Degraded => {
            Some(json!({ "error_status": 500, "error_rate": 0.2, "latency_ms": ms(0.5) }))
        }
        Phase::OutageRefused => Some(json!({ "drop_connection": true })),
        Phase::OutageUnavailable => {
            Some(json!({ "error_status": 503, "retry_after": retry_after_secs }))
        }
        Phase::Recovering => {
            Some(json!({ "error_status": 500, "error_rate": 0.1, "latency_ms": ms(0.15) }))
        }
    }
}

/// Enters each phase of `timeline` when its time comes.
pub(crate) async fn direct(stage: Stage, timeline: Arc<Timeline>, recorder: Arc<Recorder>) {
    for span in timeline.spans() {
        let start = Duration::from_secs_f64(span.start_s);
        let wait = start.saturating_sub(recorder.elapsed());
        tokio::time::sleep(wait).await;
        stage.enter(span.phase).await;
    }
}

/// The settings the fault API needs.
pub(crate) fn fault_api(http: reqwest::Client, base_url: String, settings: &Settings) -> Stage {
    Stage::FaultApi {
        http,
        base_url,
        request_timeout: settings.request_timeout,
        retry_after_secs: settings.retry_after_secs,
    }
}
