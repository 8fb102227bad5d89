//! The HTTP side of the embedded backend: routing, faults, JSON bodies.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::Shared;
use super::budget;
use super::matching;
use fastapi_client::{MatchKolsRequest, OptimizeBudgetRequest};

use super::request::{Issue, parse};

/// Largest request body read; the contract's biggest valid body is a few KB.
const MAX_BODY: usize = 1024 * 1024;

const HEALTH: &str = "/health";
const MATCH: &str = "/api/v1/kols/match";
const OPTIMIZE: &str = "/api/v1/budget/optimize";

/// Answers one request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if path == HEALTH || path.starts_with("/api/v1/") {
        let decision = shared.decide();
        if !decision.delay.is_zero() {
            tokio::time::sleep(decision.delay).await;
        }
        if let Some(status) = decision.error_status {
            let mut response = json_response(
                status,
                &json!({ "detail": format!("injected fault: HTTP {status}") }),
            );
            if let Some(secs) = decision.retry_after_secs {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(secs));
            }
            return Ok(response);
        }
    }
    let method = request.method().clone();
    let expected = match path.as_str() {
        HEALTH => Method::GET,
        MATCH | OPTIMIZE => Method::POST,
        _ => return Ok(detail(404, "Not Found")),
    };
    if method != expected {
        return Ok(detail(405, "Method Not Allowed"));
    }
    if path == HEALTH {
        return Ok(json_response(
            200,
            &json!({ "status": "ok", "version": "1.0.0" }),
        ));
    }
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(detail(413, "Request Entity Too Large")),
    };
    shared.count_served();
    Ok(if path == MATCH {
        match_kols(&shared, &body)
    } else {
        optimize_budget(&shared, &body)
    })
}

fn match_kols(shared: &Shared, body: &[u8]) -> Response<Full<Bytes>> {
    let request = match parse::<MatchKolsRequest>(body) {
        Ok(request) => request,
        Err(issues) => return unprocessable(&issues),
    };
    let started = Instant::now();
    let mut answer = matching::match_kols(&shared.data, &request);
    answer.meta.processing_time_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    json_response(200, &answer)
}

fn optimize_budget(shared: &Shared, body: &[u8]) -> Response<Full<Bytes>> {
    let request = match parse::<OptimizeBudgetRequest>(body) {
        Ok(request) => request,
        Err(issues) => return unprocessable(&issues),
    };
    let unknown: Vec<&str> = request
        .kol_ids
        .iter()
        .map(String::as_str)
        .filter(|id| shared.data.get(id).is_none())
        .collect();
    if !unknown.is_empty() {
        return detail(404, &format!("unknown kol_id: {}", unknown.join(", ")));
    }
    let kols: Vec<_> = request
        .kol_ids
        .iter()
        .filter_map(|id| shared.data.get(id))
        .collect();
    json_response(200, &budget::optimize(&kols, &request))
}

fn unprocessable(issues: &[Issue]) -> Response<Full<Bytes>> {
    json_response(422, &json!({ "detail": issues }))
}

fn detail(status: u16, message: &str) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "detail": message }))
}

fn json_response(status: u16, body: &impl Serialize) -> Response<Full<Bytes>> {
    // Serialising these plain structs cannot fail; an empty object would
    // still be valid JSON if it somehow did.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
