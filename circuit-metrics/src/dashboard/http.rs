//! The dashboard's endpoints.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderName, HeaderValue, REFERRER_POLICY,
    WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};

use super::control::Action;
use super::wire::{ControlDone, Refusal};
use super::{Inner, Serving};
use crate::server::{Body, full, is_read, method_not_allowed};

/// The page, compiled in.
const PAGE: &str = include_str!("page.html");

/// The page may run its own inline script and style and talk to this
/// server; nothing else, from anywhere.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// Largest control request body read.
const MAX_CONTROL_BODY: usize = 16 * 1024;

/// Chunks queued per viewer between the event channel and its socket.
const VIEWER_QUEUE: usize = 16;

impl Serving {
    /// The dashboard's answer, or `None` for a path it does not serve.
    pub(crate) async fn handle(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Option<Response<Body>> {
        let inner = &*self.inner;
        let response = match request.uri().path() {
            "/" | "/index.html" => read_only(&request, page),
            "/api/breakers" => read_only(&request, || {
                no_store(full(StatusCode::OK, "application/json", inner.snapshot()))
            }),
            "/api/events" => read_only(&request, || events(inner.events.subscribe())),
            "/api/control" => inner.control(request, peer).await,
            _ => return None,
        };
        Some(response)
    }
}

fn read_only(
    request: &Request<Incoming>,
    answer: impl FnOnce() -> Response<Body>,
) -> Response<Body> {
    if is_read(request.method()) {
        answer()
    } else {
        method_not_allowed("GET, HEAD")
    }
}

fn page() -> Response<Body> {
    let mut response = no_store(full(StatusCode::OK, "text/html; charset=utf-8", PAGE));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn no_store(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A viewer's event stream: a task copies the shared channel into the
/// viewer's queue, and ends when the viewer goes away.
fn events(mut shared: broadcast::Receiver<Bytes>) -> Response<Body> {
    let (queue, chunks) = mpsc::channel(VIEWER_QUEUE);
    tokio::spawn(async move {
        // Ask the browser to reconnect after 1 s if the stream breaks.
        if queue
            .send(Bytes::from_static(b"retry: 1000\n\n"))
            .await
            .is_err()
        {
            return;
        }
        loop {
            let chunk = match shared.recv().await {
                Ok(chunk) => chunk,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    Bytes::from(format!("event: resync\ndata: {{\"missed\":{missed}}}\n\n"))
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if queue.send(chunk).await.is_err() {
                return;
            }
        }
    });
    let mut response = no_store(Response::new(Body::Stream(chunks)));
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    // Tell buffering proxies to pass events through at once.
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// `POST /api/control`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRequest {
    breaker: String,
    action: String,
    /// For `reconfigure`: the config fields to change.
    #[serde(default)]
    config: Option<serde_json::Value>,
}

impl Inner {
    async fn control(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        if request.method() != Method::POST {
            return method_not_allowed("POST");
        }
        let Some(token) = &self.control else {
            tracing::warn!(%peer, "Dashboard control action refused: control is disabled");
            return refuse(
                StatusCode::FORBIDDEN,
                "control actions are disabled on this dashboard",
            );
        };
        if !token.admits(request.headers()) {
            tracing::warn!(%peer, "Dashboard control action refused: missing or wrong token");
            let mut response = refuse(StatusCode::UNAUTHORIZED, "a valid control token is needed");
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
        let body = match Limited::new(request.into_body(), MAX_CONTROL_BODY)
            .collect()
            .await
        {
            Ok(body) => body.to_bytes(),
            Err(e) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("body not read: {e}"),
                );
            }
        };
        let asked: ControlRequest = match serde_json::from_slice(&body) {
            Ok(asked) => asked,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "expected {{\"breaker\": name, \"action\": \"reset\" | \"force-open\" | \"force-closed\" | \"reconfigure\", \"config\": {{fields}}}}: {e}"
                    ),
                );
            }
        };
        let Some(action) = Action::parse(&asked.action) else {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!(
                    "unknown action {:?}; use reset, force-open, force-closed or reconfigure",
                    asked.action
                ),
            );
        };
        let breaker = {
            let board = self.board();
            let named = board.named(&asked.breaker);
            match named.as_slice() {
                [one] => std::sync::Arc::clone(one),
                [] => {
                    return refuse(
                        StatusCode::NOT_FOUND,
                        &format!("no breaker named {:?}", asked.breaker),
                    );
                }
                _ => {
                    return refuse(
                        StatusCode::CONFLICT,
                        &format!(
                            "{} breakers are named {:?}; control needs unique names",
                            named.len(),
                            asked.breaker
                        ),
                    );
                }
            }
        };
        let from = breaker.state();
        let changed = match action.apply(&breaker, asked.config) {
            Ok(changed) => changed,
            Err(why) => {
                tracing::warn!(breaker = %asked.breaker, action = action.as_str(), %peer, %why, "Dashboard control action refused");
                return refuse(StatusCode::BAD_REQUEST, &why);
            }
        };
        let done = ControlDone {
            name: asked.breaker,
            action: action.as_str(),
            from,
            to: breaker.state(),
            changed,
            peer: peer.to_string(),
        };
        tracing::warn!(
            breaker = %done.name,
            action = done.action,
            from_state = %done.from,
            to_state = %done.to,
            changed = %done.changed.join(", "),
            %peer,
            "Dashboard control action"
        );
        self.publish("control", &done);
        let json = serde_json::to_string(&done).unwrap_or_default();
        full(StatusCode::OK, "application/json", json)
    }
}

fn refuse(status: StatusCode, error: &str) -> Response<Body> {
    let json = serde_json::to_string(&Refusal {
        error: error.to_owned(),
    })
    .unwrap_or_default();
    full(status, "application/json", json)
}
