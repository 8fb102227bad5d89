//! Section 4: what the client adds to a request, against raw `reqwest`
//! sending the same request to the same loopback backend.
//!
//! Requests go one at a time (latency, not throughput). The variants take
//! turns in blocks so that drift on a shared machine hits them alike.

use std::time::{Duration, Instant};

use fastapi_client::{Client, ClientConfig, MatchKolsRequest, MatchKolsResponse};
use reqwest::header::CONTENT_TYPE;
use serde::Serialize;

use crate::alloc::{PerUnit, Span};
use crate::error::Error;
use crate::scenarios::server::{self, MATCH_PATH};
use crate::scenarios::turns::{self, LatencyRow, Variants};
use crate::timing::median_sorted;

/// The seed design's published client overhead (Go, 1.2 ms requests).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Seed {
    pub(crate) latency_ratio: f64,
    pub(crate) extra_bytes: f64,
    pub(crate) extra_allocs: f64,
    /// The request time its percentage is of.
    pub(crate) request_us: f64,
}

pub(crate) const SEED: Seed = Seed {
    latency_ratio: 1.04,
    extra_bytes: 32.0,
    extra_allocs: 2.0,
    request_us: 1200.0,
};

/// The most the client may add to the fair baseline, raw reqwest with a
/// per-request timeout (issue 12, "Lighter per request").
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Target {
    pub(crate) extra_allocs: f64,
    pub(crate) extra_bytes: f64,
    pub(crate) p50_extra_us: f64,
}

pub(crate) const TARGET: Target = Target {
    extra_allocs: 4.0,
    extra_bytes: 1024.0,
    p50_extra_us: 5.0,
};

/// One way of sending the request.
pub(crate) type ClientRow = LatencyRow;

/// Our client's open-state answer from its last-good cache.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CachedAnswer {
    pub(crate) requests: usize,
    pub(crate) p50_us: f64,
    pub(crate) allocs: PerUnit,
    /// `meta.algorithm_used` of the answers (should be `fallback-cache`).
    pub(crate) served_as: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClientResults {
    pub(crate) rows: Vec<ClientRow>,
    /// The row the client is compared with: raw reqwest with a
    /// per-request timeout, which the client always sets.
    pub(crate) baseline: &'static str,
    /// fastapi-client against the baseline.
    pub(crate) p50_ratio: f64,
    pub(crate) p99_ratio: f64,
    /// p50 difference, µs: what the percentage is made of.
    pub(crate) p50_extra_us: f64,
    pub(crate) extra_allocs: f64,
    pub(crate) extra_bytes: f64,
    pub(crate) seed: Seed,
    pub(crate) target: Target,
    pub(crate) cached_answer: CachedAnswer,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Raw,
    RawWithTimeout,
    Ours,
}

const VARIANTS: [Variant; 3] = [Variant::Raw, Variant::RawWithTimeout, Variant::Ours];

struct Clients {
    http: reqwest::Client,
    url: String,
    ours: Client,
    request: MatchKolsRequest,
    timeout: Duration,
}

impl Clients {
    async fn raw(&self, timeout: Option<Duration>) -> Result<MatchKolsResponse, Error> {
        let fail = |e: &dyn std::fmt::Display| Error::setup("raw reqwest request", e);
        let body = serde_json::to_vec(&self.request)?;
        let mut builder = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let response = builder.send().await.map_err(|e| fail(&e))?;
        if !response.status().is_success() {
            return Err(fail(&response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| fail(&e))?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn send(&self, variant: Variant) -> Result<MatchKolsResponse, Error> {
        match variant {
            Variant::Raw => self.raw(None).await,
            Variant::RawWithTimeout => self.raw(Some(self.timeout)).await,
            Variant::Ours => self
                .ours
                .match_kols(&self.request)
                .await
                .map_err(|e| Error::setup("fastapi-client request", e)),
        }
    }
}

impl Variants for Clients {
    fn count(&self) -> usize {
        VARIANTS.len()
    }

    async fn send(&self, variant: usize) -> Result<(), Error> {
        Clients::send(self, VARIANTS[variant]).await.map(|_| ())
    }
}

/// Answers of our client while its breaker is held open: the funnel, the
/// fallback chain and a cache hit, no HTTP.
async fn cached(clients: &Clients, requests: usize) -> Result<CachedAnswer, Error> {
    let breaker = clients.ours.circuit_breaker();
    breaker.force_open();
    let mut latencies = Vec::with_capacity(requests);
    let mut served_as = String::new();
    let span = Span::start();
    for _ in 0..requests {
        let start = Instant::now();
        let answer = clients.ours.match_kols(&clients.request).await;
        latencies.push(start.elapsed().as_nanos() as f64);
        if let Ok(answer) = answer
            && served_as.is_empty()
        {
            served_as = answer.meta.algorithm_used;
        }
    }
    let allocs = span.stop();
    breaker.reset();
    latencies.sort_by(f64::total_cmp);
    Ok(CachedAnswer {
        requests,
        p50_us: median_sorted(&latencies) / 1e3,
        allocs: allocs.per(requests as u64),
        served_as,
    })
}

/// The backend, a current-thread runtime and the three ways of sending.
fn setup() -> Result<(server::Server, tokio::runtime::Runtime, Clients), Error> {
    let server = server::start()?;
    let base = format!("http://{}", server.addr);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::setup("client runtime", e))?;
    let config = ClientConfig::new(base.clone());
    let clients = Clients {
        http: reqwest::Client::builder()
            .build()
            .map_err(|e| Error::setup("reqwest", e))?,
        url: format!("{base}{MATCH_PATH}"),
        timeout: config.request_timeout,
        ours: Client::new(config).map_err(|e| Error::setup("fastapi-client", e))?,
        request: MatchKolsRequest::new("spring-launch", ["beauty", "fashion"], 20_000.0),
    };
    Ok((server, runtime, clients))
}

/// The names `bench --client-count` takes, by [`VARIANTS`] order.
pub(crate) const COUNT_NAMES: [&str; 3] = ["reqwest", "reqwest-timeout", "fastapi-client"];

/// `bench --client-count NAME`: `requests` requests sent one way only,
/// after the same warm-up as section 4, for instruction counts under
/// callgrind (noise-free where wall time is not). Only [`measured`] is
/// meant to be counted:
///
/// ```sh
/// valgrind --tool=callgrind --separate-threads=yes --collect-atstart=no \
///     --toggle-collect='bench::scenarios::client::measured' \
///     target/release/bench --quick --client-count fastapi-client
/// ```
///
/// The main thread's file then holds the caller's side of `requests`
/// requests (the call, the connection task, the runtime); the backend
/// runs on a thread of its own.
pub(crate) fn count(name: &str, requests: usize) -> Result<(), Error> {
    let Some(index) = COUNT_NAMES.iter().position(|n| *n == name) else {
        return Err(Error::Usage(format!(
            "--client-count takes one of {}",
            COUNT_NAMES.join(", ")
        )));
    };
    let variant = VARIANTS[index];
    let (server, runtime, clients) = setup()?;
    runtime.block_on(async {
        for _ in 0..turns::WARMUP {
            clients.send(variant).await?;
        }
        Ok::<_, Error>(())
    })?;
    measured(&runtime, &clients, variant, requests)?;
    drop(clients);
    drop(server);
    println!("{name}: {requests} requests counted");
    Ok(())
}

/// The requests callgrind counts (never inlined, so that its name stays
/// in the binary for `--toggle-collect`).
#[inline(never)]
fn measured(
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
    variant: Variant,
    requests: usize,
) -> Result<(), Error> {
    runtime.block_on(async {
        for _ in 0..requests {
            clients.send(variant).await?;
        }
        Ok(())
    })
}

pub(crate) fn run(requests: usize) -> Result<ClientResults, Error> {
    let (server, runtime, clients) = setup()?;
    let (tallies, cached_answer) = runtime.block_on(async {
        let tallies = turns::compare(&clients, requests).await?;
        let cached_answer = cached(&clients, requests).await?;
        Ok::<_, Error>((tallies, cached_answer))
    })?;
    drop(clients);
    drop(server);
    let Ok([raw, raw_timeout, ours]) = <[_; 3]>::try_from(tallies) else {
        return Err(Error::setup("client", "one tally per variant"));
    };
    let raw = raw.row("reqwest 0.13", "post, read body, decode");
    let raw_timeout = raw_timeout.row(
        "reqwest 0.13 + timeout",
        "the same with a per-request timeout",
    );
    let ours = ours.row(
        "fastapi-client",
        "breaker, validation, request ID, headers, timeout, stats, span, last-good cache, health",
    );
    // The fair baseline sets a timeout per request, as the client does.
    let baseline = &raw_timeout;
    Ok(ClientResults {
        baseline: baseline.name,
        p50_ratio: ours.p50_us / baseline.p50_us,
        p99_ratio: ours.p99_us / baseline.p99_us,
        p50_extra_us: ours.p50_us - baseline.p50_us,
        extra_allocs: ours.allocs.count - baseline.allocs.count,
        extra_bytes: ours.allocs.bytes - baseline.allocs.bytes,
        seed: SEED,
        target: TARGET,
        cached_answer,
        rows: vec![raw, raw_timeout, ours],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_clients_get_the_match_body_and_ours_falls_back_to_its_cache() {
        let results = super::run(50).unwrap();
        let names: Vec<_> = results.rows.iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            ["reqwest 0.13", "reqwest 0.13 + timeout", "fastapi-client"]
        );
        assert!(results.rows.iter().all(|r| r.requests == 50));
        assert_eq!(results.cached_answer.served_as, "fallback-cache");
    }
}
