//! An axum server on a free loopback port that answers `GET /work` the way
//! the test tells it to: a status, a `Retry-After`, a delay.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
struct Script {
    status: StatusCode,
    retry_after: Option<&'static str>,
    delay: Duration,
}

#[derive(Debug, Clone)]
struct Control {
    script: Arc<Mutex<Script>>,
    hits: Arc<AtomicUsize>,
}

async fn work(State(control): State<Control>) -> Response {
    control.hits.fetch_add(1, Ordering::SeqCst);
    let script = control
        .script
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if !script.delay.is_zero() {
        tokio::time::sleep(script.delay).await;
    }
    let mut response = (script.status, "kol scores").into_response();
    if let Some(wait) = script.retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static(wait));
    }
    response
}

/// A running server; dropping it stops it.
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) addr: SocketAddr,
    control: Control,
    task: JoinHandle<()>,
}

impl Backend {
    pub(crate) async fn start() -> Self {
        let control = Control {
            script: Arc::new(Mutex::new(Script {
                status: StatusCode::OK,
                retry_after: None,
                delay: Duration::ZERO,
            })),
            hits: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route("/work", get(work))
            .with_state(control.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            control,
            task,
        }
    }

    /// `http://127.0.0.1:PORT/work`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/work", self.addr)
    }

    /// `http://127.0.0.1:PORT`: the breaker key of this server.
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn script(&self, change: impl FnOnce(&mut Script)) {
        change(
            &mut self
                .control
                .script
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Answers every request with `status` from now on.
    pub(crate) fn answer(&self, status: u16) {
        self.script(|s| {
            s.status = StatusCode::from_u16(status).unwrap();
            s.retry_after = None;
        });
    }

    /// Answers with `status` and this `Retry-After`.
    pub(crate) fn answer_with_retry_after(&self, status: u16, retry_after: &'static str) {
        self.script(|s| {
            s.status = StatusCode::from_u16(status).unwrap();
            s.retry_after = Some(retry_after);
        });
    }

    /// Waits this long before answering.
    pub(crate) fn delay(&self, delay: Duration) {
        self.script(|s| s.delay = delay);
    }

    /// Requests that reached the server.
    pub(crate) fn hits(&self) -> usize {
        self.control.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}
