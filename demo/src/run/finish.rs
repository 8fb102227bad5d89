//! After the last planner: final numbers, shutdown, report and files.

use std::path::Path;
use std::time::Duration;

use fastapi_client::Client;

use super::setup::Backend;
use crate::director::Stage;
use crate::record::Log;
use crate::report::{self, BackendInfo, Files, Inputs, MetricsInfo, Report};
use crate::scale::Settings;
use crate::scenario::Timeline;
use crate::telemetry::Telemetry;
use crate::{DemoError, Options, chart, workload};

/// What the run leaves behind to report on.
#[derive(Debug)]
pub(super) struct Ending<'a> {
    pub(super) options: &'a Options,
    pub(super) settings: &'a Settings,
    pub(super) timeline: &'a Timeline,
    pub(super) backend: Backend,
    pub(super) clients: [Client; 2],
    pub(super) telemetry: Telemetry,
    pub(super) http: reqwest::Client,
    pub(super) elapsed: Duration,
}

/// Reads the last numbers, shuts everything down, writes `report.json`
/// and `timeline.svg` into `out_dir`.
pub(super) async fn finish(
    ending: Ending<'_>,
    log: &Log,
    out_dir: &Path,
) -> Result<Report, DemoError> {
    let Ending {
        options,
        settings,
        timeline,
        backend,
        clients,
        telemetry,
        http,
        elapsed,
    } = ending;
    let prometheus_url = telemetry.prometheus_url();
    let scraped_samples = match &prometheus_url {
        Some(url) => scrape(&http, url).await,
        None => 0,
    };
    let metrics = MetricsInfo {
        prometheus_url,
        scraped_samples,
        otlp_endpoint: telemetry.otlp_endpoint(),
    };
    let stats = [clients[0].client_stats(), clients[1].client_stats()];
    for client in &clients {
        workload::close(client).await;
    }
    let backend_stats = match &backend.stage {
        Stage::Embedded(embedded) => {
            embedded.shutdown().await;
            Some(embedded.stats())
        }
        _ => None,
    };
    // The metrics server joins its thread and OTLP exports once more: blocking.
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .map_err(|e| DemoError::Task(e.to_string()))?;

    let report_path = out_dir.join("report.json");
    let svg_path = out_dir.join("timeline.svg");
    let kind = if options.backend_url.is_some() {
        "external"
    } else {
        "embedded"
    };
    let report = report::build(Inputs {
        seed: options.seed,
        duration: options.duration,
        elapsed,
        backend: BackendInfo {
            kind: kind.to_owned(),
            url: backend.url,
            faults: backend.faults.to_owned(),
            stats: backend_stats,
        },
        config: settings.describe(),
        timeline,
        log,
        clients: stats,
        request_timeout: settings.request_timeout,
        metrics,
        files: Files {
            report: report_path.display().to_string(),
            svg: svg_path.display().to_string(),
            log: options.log_file.as_ref().map(|p| p.display().to_string()),
        },
    });
    let svg = chart::render(&report).map_err(DemoError::Chart)?;
    write(&svg_path, svg.as_bytes())?;
    let json = serde_json::to_vec_pretty(&report).map_err(DemoError::Encode)?;
    write(&report_path, &json)?;
    Ok(report)
}

/// Scrapes our own `/metrics` as Prometheus would and counts the sample
/// lines: proof in the report that the endpoint served.
async fn scrape(http: &reqwest::Client, url: &str) -> usize {
    let body = match http.get(url).send().await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(error) => {
            tracing::warn!(%url, %error, "Could not scrape our own /metrics");
            String::new()
        }
    };
    body.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count()
}

pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    std::fs::write(path, bytes).map_err(|source| DemoError::Write {
        path: path.to_path_buf(),
        source,
    })
}
