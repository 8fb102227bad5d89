//! The reference FastAPI backend (`tests/fastapi_backend/`), run under
//! uvicorn on a free loopback port for the duration of a test.
//!
//! The interpreter comes from the virtualenv that `cargo xtask test`
//! provisions: `$KOL_TEST_PYTHON`, else
//! `<workspace>/target/xtask/venv/bin/python`. Without either, starting a
//! backend fails the test with a message saying how to provision; it never
//! skips silently.
//!
//! The process is killed when the [`Backend`] is dropped. Its output goes
//! to `<workspace>/target/test-logs/backend-<port>-<pid>-<n>.log`, whose
//! tail is shown if the backend fails to come up; the log is removed when
//! the test passes and kept when it fails.
//!
//! [`Backend::under_test`] is what the contract and round-trip suites use:
//! with `$KOL_BACKEND_URL` set (`cargo xtask test --backend-url URL`) it is
//! the backend already running there, which the tests only read from:
//! they never change its faults, and they skip, saying so, whatever needs
//! to ([`Backend::skip_unless_faults`]).

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

/// How long a backend may take to answer `/health` after it is spawned.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

static LOG_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The environment variable naming a running backend to test against.
pub const BACKEND_URL_ENV: &str = "KOL_BACKEND_URL";

/// A running backend. Dropping it kills the process (of one this test
/// started).
#[derive(Debug)]
pub struct Backend {
    child: Option<Child>,
    /// `Some(url)` for a backend this test did not start.
    external: Option<String>,
    port: u16,
    faults: bool,
    log_path: PathBuf,
    log_port: Option<u16>,
    control: reqwest::Client,
}

/// One request as the backend saw it (`GET /_faults/requests`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeenRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/api/v1/kols/match`.
    pub path: String,
    /// Lower-cased header names and their values.
    pub headers: std::collections::BTreeMap<String, String>,
    /// The `X-Request-ID` header.
    pub x_request_id: Option<String>,
    /// The `X-Circuit-State` header.
    pub x_circuit_state: Option<String>,
    /// Whether an `Authorization` header came.
    pub authorization_present: bool,
    /// The fault injected into this request, if any.
    pub fault: Option<String>,
}

#[derive(Deserialize)]
struct RequestLog {
    requests: Vec<SeenRequest>,
}

/// The workspace root: `$KOL_WORKSPACE_ROOT`, else the parent of this
/// crate's folder.
pub fn workspace_root() -> PathBuf {
    match std::env::var_os("KOL_WORKSPACE_ROOT") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    }
}

/// The provisioned Python interpreter.
///
/// # Panics
/// When neither `$KOL_TEST_PYTHON` nor the default virtualenv exists.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("KOL_TEST_PYTHON") {
        let python = PathBuf::from(python);
        assert!(
            python.exists(),
            "KOL_TEST_PYTHON={} does not exist: run `cargo xtask test` to provision the test virtualenv",
            python.display()
        );
        return python;
    }
    let python = workspace_root().join("target/xtask/venv/bin/python");
    assert!(
        python.exists(),
        "no Python test virtualenv at {}: run `cargo xtask test` to provision it (python3 -m venv + pip install -r tests/**/requirements*.txt)",
        python.display()
    );
    python
}

impl Backend {
    /// Starts a backend with the fault-control API (`KOL_BACKEND_FAULTS=1`).
    ///
    /// # Panics
    /// If it cannot be provisioned or does not come up in time.
    pub async fn start() -> Self {
        Self::start_with_faults(true).await
    }

    /// Starts a backend, with or without the fault-control API.
    ///
    /// # Panics
    /// If it cannot be provisioned or does not come up in time.
    pub async fn start_with_faults(faults: bool) -> Self {
        let control = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("control client");
        let mut backend = Self {
            child: None,
            external: None,
            port: free_port(),
            faults,
            log_path: PathBuf::new(),
            log_port: None,
            control,
        };
        // The free port could be taken between our probe and uvicorn's bind;
        // then pick another.
        for _ in 0..3 {
            match backend.spawn_and_wait().await {
                Ok(()) => return backend,
                Err(log) if log.contains("address already in use") => backend.port = free_port(),
                Err(log) => panic!("{log}"),
            }
        }
        panic!("no free port for the backend after 3 tries")
    }

    /// The backend at `$KOL_BACKEND_URL` when it is set, else a reference
    /// backend with the fault API, started for this test.
    ///
    /// # Panics
    /// If the external one does not answer `GET /health`, or the reference
    /// one cannot be started.
    pub async fn under_test() -> Self {
        match std::env::var(BACKEND_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::external(url.trim()).await,
            _ => Self::start().await,
        }
    }

    async fn external(url: &str) -> Self {
        let url = url.trim_end_matches('/').to_owned();
        let control = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("control client");
        let health = control.get(format!("{url}/health")).send().await;
        assert!(
            health.as_ref().is_ok_and(|r| r.status().is_success()),
            "{BACKEND_URL_ENV}={url}: GET /health failed ({health:?}); is the backend running?"
        );
        Self {
            child: None,
            external: Some(url),
            port: 0,
            faults: false,
            log_path: PathBuf::new(),
            log_port: None,
            control,
        }
    }

    /// Whether this is a backend the test did not start
    /// (`$KOL_BACKEND_URL`).
    pub fn is_external(&self) -> bool {
        self.external.is_some()
    }

    /// Whether faults can be injected: only into a reference backend this
    /// test started with the fault API. An external backend is only read
    /// from, even if it has one.
    pub fn can_inject_faults(&self) -> bool {
        self.faults && !self.is_external()
    }

    /// Whether the backend keeps the fault API's request log
    /// (`GET /_faults/requests`, a read).
    pub async fn has_request_log(&self) -> bool {
        if !self.is_external() {
            return self.faults;
        }
        self.control
            .get(self.url("/_faults/requests"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// `false`, after printing why `what` is skipped, when faults cannot
    /// be injected; `true` otherwise.
    pub fn skip_unless_faults(&self, what: &str) -> bool {
        if self.can_inject_faults() {
            return true;
        }
        eprintln!(
            "SKIPPED {what}: it injects faults, and the backend at {} is external ({BACKEND_URL_ENV}): it is only read from",
            self.base_url()
        );
        false
    }

    /// `false`, after printing why `what` is skipped, when the backend
    /// keeps no request log; `true` otherwise.
    pub async fn skip_unless_request_log(&self, what: &str) -> bool {
        if self.has_request_log().await {
            return true;
        }
        eprintln!(
            "SKIPPED {what}: it reads the requests the backend saw, and the backend at {} has no fault API (GET /_faults/requests)",
            self.base_url()
        );
        false
    }

    /// `http://127.0.0.1:<port>`, or the external backend's URL.
    pub fn base_url(&self) -> String {
        match &self.external {
            Some(url) => url.clone(),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The port it listens on (kept across [`restart`](Self::restart)).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the process (SIGKILL: no graceful shutdown) and waits for it.
    pub fn kill(&mut self) {
        self.assert_may_inject("kill");
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the backend again on the same port, after a [`kill`](Self::kill).
    ///
    /// # Panics
    /// If it does not come up in time.
    pub async fn restart(&mut self) {
        self.assert_may_inject("restart");
        self.kill();
        if let Err(log) = self.spawn_and_wait().await {
            panic!("{log}");
        }
    }

    /// Sets the fault configuration (`POST /_faults`), e.g.
    /// `json!({"error_status": 500})`.
    ///
    /// # Panics
    /// If the backend refuses it.
    pub async fn set_faults(&self, config: Value) {
        self.assert_may_inject("set_faults");
        let response = self
            .control
            .post(self.url("/_faults"))
            .json(&config)
            .send()
            .await
            .expect("POST /_faults");
        let status = response.status();
        assert!(
            status.is_success(),
            "POST /_faults {config} -> {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Removes any fault configuration.
    ///
    /// # Panics
    /// If the backend refuses.
    pub async fn clear_faults(&self) {
        self.assert_may_inject("clear_faults");
        let response = self
            .control
            .delete(self.url("/_faults"))
            .send()
            .await
            .expect("DELETE /_faults");
        assert!(
            response.status().is_success(),
            "DELETE /_faults -> {}",
            response.status()
        );
    }

    /// The API requests the backend saw since it (re)started, oldest first
    /// (up to its log's capacity); the startup health probes are left out.
    ///
    /// # Panics
    /// If the log cannot be read.
    pub async fn requests(&self) -> Vec<SeenRequest> {
        let response = self
            .control
            .get(self.url("/_faults/requests"))
            .send()
            .await
            .expect("GET /_faults/requests");
        assert!(
            response.status().is_success(),
            "GET /_faults/requests -> {}",
            response.status()
        );
        response
            .json::<RequestLog>()
            .await
            .expect("request log")
            .requests
    }

    /// The paths of [`requests`](Self::requests), in order.
    ///
    /// # Panics
    /// If the log cannot be read.
    pub async fn paths(&self) -> Vec<String> {
        self.requests().await.into_iter().map(|r| r.path).collect()
    }

    /// Empties the request log.
    ///
    /// # Panics
    /// If the backend refuses.
    pub async fn clear_requests(&self) {
        self.assert_may_inject("clear_requests");
        let response = self
            .control
            .delete(self.url("/_faults/requests"))
            .send()
            .await
            .expect("DELETE /_faults/requests");
        assert!(
            response.status().is_success(),
            "DELETE /_faults/requests -> {}",
            response.status()
        );
    }

    /// `GET <path>` as JSON, bypassing any client under test.
    ///
    /// # Panics
    /// If the request fails or the body is not JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.control.get(self.url(path)).send().await.expect("GET");
        assert!(
            response.status().is_success(),
            "GET {path} -> {}",
            response.status()
        );
        response.json().await.expect("JSON body")
    }

    /// `POST <path>` with a raw JSON body, bypassing any client under test:
    /// the status and the JSON body (`Null` if not JSON).
    ///
    /// # Panics
    /// If the request fails.
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .control
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Writes go only to a backend this test started.
    fn assert_may_inject(&self, what: &str) {
        assert!(
            !self.is_external(),
            "{what}: an external backend is only read from (guard with skip_unless_faults)"
        );
    }

    async fn spawn_and_wait(&mut self) -> Result<(), String> {
        let root = workspace_root();
        let logs = root.join("target/test-logs");
        std::fs::create_dir_all(&logs).expect("create target/test-logs");
        // One log per port, appended to across restarts; a retry on
        // another port (after a clash) leaves the failed attempt's log.
        if self.log_port != Some(self.port) {
            let n = LOG_SEQ.fetch_add(1, Ordering::Relaxed);
            self.log_path = logs.join(format!(
                "backend-{}-{}-{n}.log",
                self.port,
                std::process::id()
            ));
            self.log_port = Some(self.port);
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("open backend log");
        let mut command = Command::new(python());
        command
            .args(["-m", "uvicorn", "app:app", "--app-dir"])
            .arg(root.join("tests/fastapi_backend"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--log-level",
                "warning",
            ])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        if self.faults {
            command.env("KOL_BACKEND_FAULTS", "1");
        } else {
            command.env_remove("KOL_BACKEND_FAULTS");
        }
        self.child = Some(
            command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start uvicorn: {e}")),
        );
        self.wait_healthy().await
    }

    async fn wait_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("probe client");
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "backend exited during startup ({status}):\n{}",
                        self.log_tail()
                    ));
                }
            }
            if let Ok(response) = probe.get(self.url("/health")).send().await {
                if response.status().is_success() {
                    // Tests look at their own requests only, not the probes.
                    if self.faults {
                        self.clear_requests().await;
                    }
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(format!(
                    "backend not healthy within {STARTUP_DEADLINE:?}:\n{}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if self.is_external() {
            return;
        }
        self.kill();
        // Logs of passing tests are noise; a failing test's log stays.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log_path);
        }
    }
}

/// A port that was free a moment ago. The listener is dropped before
/// uvicorn binds, so another process could take it in between; on this
/// loopback-only test machine that window is harmless in practice, and a
/// clash shows up as a startup failure with uvicorn's message.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}
