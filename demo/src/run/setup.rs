//! Everything a run needs before the first planner starts.

use std::sync::Arc;

use circuit_core::AdaptivePolicy;
use circuit_metrics::LatencyRecorder;
use fastapi_client::fallback_cache::ResponseCache;
use fastapi_client::fallback_cache::budget::Ratio;
use fastapi_client::{Client, ClientConfig, ClientFallbacks, FallbackConfig};

use crate::backend::EmbeddedBackend;
use crate::director::{self, Stage};
use crate::record::{BREAKERS, Recorder, TransitionRecorder};
use crate::scale::Settings;
use crate::{DemoError, Options};

/// The backend a run talks to and how its phases are played.
#[derive(Debug)]
pub(super) struct Backend {
    pub(super) stage: Stage,
    pub(super) url: String,
    /// `scripted`, `fault-api` or `none`.
    pub(super) faults: &'static str,
}

/// The embedded backend, or the `--backend-url` one with its fault API
/// when it has one.
pub(super) async fn backend(
    options: &Options,
    settings: &Settings,
    http: &reqwest::Client,
) -> Result<Backend, DemoError> {
    let Some(url) = &options.backend_url else {
        let embedded = EmbeddedBackend::start(
            options.seed,
            settings.request_timeout,
            settings.retry_after_secs,
        )
        .map_err(DemoError::Backend)?;
        let url = embedded.url();
        let faults = if options.no_faults {
            "none"
        } else {
            "scripted"
        };
        return Ok(Backend {
            stage: Stage::Embedded(Arc::new(embedded)),
            url,
            faults,
        });
    };
    let url = url.trim_end_matches('/').to_owned();
    if options.no_faults {
        return Ok(Backend {
            stage: Stage::Nothing,
            url,
            faults: "none",
        });
    }
    if Stage::has_fault_api(http, &url).await {
        let stage = director::fault_api(http.clone(), url.clone(), settings);
        return Ok(Backend {
            stage,
            url,
            faults: "fault-api",
        });
    }
    tracing::warn!(
        %url,
        "The backend has no /_faults API (start it with KOL_BACKEND_FAULTS=1): running without faults"
    );
    Ok(Backend {
        stage: Stage::Nothing,
        url,
        faults: "none",
    })
}

/// The two clients, in [`BREAKERS`] order, each with its breaker's
/// latency recorder.
pub(super) fn clients(
    url: &str,
    settings: &Settings,
    http: &reqwest::Client,
    recorder: &Arc<Recorder>,
) -> Result<[(Client, LatencyRecorder); 2], DemoError> {
    let fallbacks = fallbacks(settings)?;
    let build = |index: usize| -> Result<(Client, LatencyRecorder), DemoError> {
        let latency = LatencyRecorder::new();
        let mut config = ClientConfig::new(url);
        config.breaker_name = BREAKERS[index].to_owned();
        config.circuit = settings.circuit.clone();
        config.request_timeout = settings.request_timeout;
        config.slow_request_threshold = settings.slow_request;
        // Both health features: a probe asks /health before its real
        // request, and while open the client polls /health to probe early.
        config.probe_health_first = true;
        config.health_check_interval = Some(settings.health_interval);
        config.health_check_timeout = settings.health_timeout;
        config.fallback = FallbackConfig {
            custom: Some(fallbacks.clone()),
            ..FallbackConfig::default()
        };
        let mut client = Client::builder(config)
            .http_client(http.clone())
            .listener(TransitionRecorder(Arc::clone(recorder)))
            .listener(latency.clone());
        if let Some(settings) = &settings.adaptive {
            let policy =
                AdaptivePolicy::new(settings.clone()).map_err(|e| DemoError::InvalidOption {
                    option: "policy",
                    reason: e.to_string(),
                })?;
            let policy = Arc::new(policy);
            recorder.learning(index, Arc::clone(&policy));
            client = client.trip_policy(policy);
        }
        Ok((client.build()?, latency))
    };
    Ok([build(0)?, build(1)?])
}

/// One bundle of fallbacks for both clients, so the conservative budget
/// can weigh KOLs by the scores the matcher last saw.
fn fallbacks(settings: &Settings) -> Result<ClientFallbacks, DemoError> {
    let cache = ResponseCache::builder()
        .max_entries(10_000)
        .fresh_for(settings.cache_fresh)
        .stale_if_error(settings.cache_stale)
        .build()
        .map_err(DemoError::Fallback)?;
    ClientFallbacks::new(cache, Ratio::DEFAULT).map_err(DemoError::Fallback)
}

/// `title | backend | dashboard`: the board shows one part per line.
pub(super) fn header(
    options: &Options,
    backend: &Backend,
    dashboard: Option<&str>,
    settings: &Settings,
) -> String {
    let mut header = format!(
        "KOL demo: seed {}, {} planners, time scale {} | backend {} (faults: {})",
        options.seed,
        options.planners,
        settings.describe().time_scale,
        backend.url,
        backend.faults,
    );
    if let Some(dashboard) = dashboard {
        header.push_str(&format!(
            " | dashboard at {dashboard}, Prometheus metrics at {dashboard}metrics"
        ));
    }
    header
}
