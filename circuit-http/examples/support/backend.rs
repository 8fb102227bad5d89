//! A KOL backend on a free loopback port that answers `GET /kols` with 200,
//! or with 503 and `Retry-After: 2` once told to fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

/// A running backend; it stops with the program.
pub(crate) struct Backend {
    /// `http://127.0.0.1:PORT/kols`.
    pub(crate) url: String,
    failing: Arc<AtomicBool>,
}

impl Backend {
    pub(crate) async fn start() -> std::io::Result<Self> {
        let failing = Arc::new(AtomicBool::new(false));
        let app = Router::new()
            .route("/kols", get(kols))
            .with_state(Arc::clone(&failing));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/kols", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url, failing })
    }

    /// From now on, fail (or not).
    pub(crate) fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

async fn kols(
    State(failing): State<Arc<AtomicBool>>,
) -> (StatusCode, [(&'static str, &'static str); 1], &'static str) {
    if failing.load(Ordering::SeqCst) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "2")],
            "down for maintenance",
        )
    } else {
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"[{"kol_id":"kol-0017"}]"#,
        )
    }
}
