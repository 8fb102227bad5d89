//! The loopback backend: a hyper HTTP/1.1 server on 127.0.0.1, on its own
//! thread and runtime, answering `POST /api/v1/kols/match` with a
//! realistic match body. It is the same for every client measured.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use fastapi_client::{KolMatch, MatchKolsResponse, MatchMeta, Platform};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::error::Error;

/// The path the client's `match_kols` posts to.
pub(crate) const MATCH_PATH: &str = "/api/v1/kols/match";

/// A running backend; dropping it stops it.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A 10-match answer shaped like the reference backend's (see
/// docs/backend-contract.md): about 3 KB of JSON.
pub(crate) fn match_body() -> MatchKolsResponse {
    let platforms = [
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Youtube,
        Platform::Twitter,
    ];
    let categories = ["beauty", "fashion", "lifestyle", "travel"];
    let matches = (0..10u32)
        .map(|i| KolMatch {
            kol_id: format!("kol-{:04}", 17 + i * 31),
            name: format!("Creator {}", 17 + i * 31),
            platform: platforms[i as usize % platforms.len()].clone(),
            followers: 12_000 + u64::from(i) * 48_250,
            engagement_rate: 0.021 + f64::from(i) * 0.0037,
            categories: categories[..1 + i as usize % 3]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            score: 0.9412 - f64::from(i) * 0.0371,
            estimated_cost: 850.0 + f64::from(i) * 412.5,
        })
        .collect();
    MatchKolsResponse {
        matches,
        total_candidates: 137,
        meta: MatchMeta {
            algorithm_used: "weighted-match-v1".to_owned(),
            confidence: 0.8127,
            processing_time_ms: 1.734,
            provenance: fastapi_client::Provenance::Live,
        },
    }
}

async fn handle(
    request: Request<Incoming>,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let matched = request.method() == Method::POST && request.uri().path() == MATCH_PATH;
    // Read the request body as a real backend would.
    let _ = request.into_body().collect().await;
    let response = if matched {
        Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(body))
    } else {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new()))
    };
    Ok(response.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

async fn serve(listener: TcpListener, body: Bytes, mut stop: oneshot::Receiver<()>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, body.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Starts the backend on an ephemeral loopback port.
pub(crate) fn start() -> Result<Server, Error> {
    let body = Bytes::from(serde_json::to_vec(&match_body())?);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::setup("loopback server", e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::setup("loopback server", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::setup("loopback server", e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::setup("loopback server", e))?;
    let (stop, stopped) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("loopback-backend".into())
        .spawn(move || {
            runtime.block_on(async move {
                if let Ok(listener) = TcpListener::from_std(listener) {
                    serve(listener, body, stopped).await;
                }
            });
        })
        .map_err(|e| Error::setup("loopback server", e))?;
    Ok(Server {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}
