//! Headless Chromium (Debian's `chromium` and `chromium-driver`, installed
//! by `cargo xtask test`) driven through WebDriver with fantoccini: one
//! browser, started by the test on a free loopback port and stopped by it.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The browser binary: `$KOL_CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("KOL_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// The WebDriver server: `$KOL_CHROMEDRIVER`, else Debian's.
fn chromedriver() -> PathBuf {
    std::env::var_os("KOL_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from)
}

/// A headless Chromium session; [`close`](Self::close) it at the end (drop
/// stops chromedriver, which ends the browser, if a test panics first).
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    client: Option<Client>,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver and one Chromium session, with a fresh profile
    /// and every background connection to the outside turned off (the
    /// machine has no network but the package registries).
    ///
    /// # Panics
    /// When Chromium or chromedriver is missing (run `cargo xtask test`,
    /// which installs them) or does not start.
    pub async fn start() -> Self {
        for binary in [chromium(), chromedriver()] {
            assert!(
                binary.exists(),
                "{} is missing: run `cargo xtask test`, which installs Debian's chromium and chromium-driver",
                binary.display()
            );
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromedriver: {e}"));
        let profile = std::env::temp_dir().join(format!(
            "kol-chromium-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        let mut browser = Self {
            driver,
            client: None,
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let options = json!({
            "binary": chromium(),
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", browser.profile.display()),
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
        browser.client = Some(client);
        browser
    }

    /// The WebDriver session.
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until close")
    }

    /// Ends the session (the browser quits) and stops chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `probe` every 50 ms until it gives `Some`, for at most `limit`.
///
/// # Panics
/// With `what` when `limit` passes first.
pub async fn until<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
