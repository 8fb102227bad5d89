//! A scripted HTTP/1.1 backend on a loopback port for the client's unit
//! tests: `GET /health` answers ok or 503 as told, every other path 200
//! with an empty match list or 500, and each request is counted by path.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Default)]
struct State {
    healthy: AtomicBool,
    seen: Mutex<HashMap<String, usize>>,
}

/// The backend; dropping it stops accepting.
#[derive(Debug)]
pub(super) struct FakeBackend {
    pub(super) url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeBackend {
    /// Starts unhealthy.
    pub(super) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared)));
            }
        });
        Self { url, state, task }
    }

    pub(super) fn set_healthy(&self, healthy: bool) {
        self.state.healthy.store(healthy, Ordering::SeqCst);
    }

    /// Requests seen for `path`.
    pub(super) fn seen(&self, path: &str) -> usize {
        let seen = self.state.seen.lock().expect("lock");
        seen.get(path).copied().unwrap_or(0)
    }
}

impl Drop for FakeBackend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: TcpStream, state: Arc<State>) {
    let mut socket = BufReader::new(socket);
    loop {
        let mut request_line = String::new();
        if socket.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if socket.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if socket.read_exact(&mut body).await.is_err() {
            return;
        }
        *state
            .seen
            .lock()
            .expect("lock")
            .entry(path.clone())
            .or_default() += 1;
        let healthy = state.healthy.load(Ordering::SeqCst);
        let (status, body) = match (path.as_str(), healthy) {
            ("/health", true) => ("200 OK", r#"{"status":"ok","version":"1.0.0"}"#),
            (_, true) => (
                "200 OK",
                r#"{"matches":[],"total_candidates":0,"meta":{"algorithm_used":"weighted-match-v1","confidence":0.0,"processing_time_ms":0.1}}"#,
            ),
            ("/health", false) => ("503 Service Unavailable", r#"{"detail":"down"}"#),
            (_, false) => ("500 Internal Server Error", r#"{"detail":"down"}"#),
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if socket.get_mut().write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}
