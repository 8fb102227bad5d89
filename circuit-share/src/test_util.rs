//! [`RedisServer`]: Debian's `redis-server` on a free loopback port, in a
//! temporary folder, with no persistence, killed when dropped. For tests
//! and benchmarks (`cargo xtask test` installs the package).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a started server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// `redis-server` on `PATH`, if installed.
pub fn redis_server_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// TLS files for a server started with TLS (PEM).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// The CA that signed it.
    pub ca: PathBuf,
}

/// How to start the server.
#[derive(Debug, Clone, Default)]
pub struct RedisOptions {
    /// `requirepass`: the default user's password.
    pub password: Option<String>,
    /// ACL `user` directives, e.g. `"kol on >secret ~* &* +@all"`.
    pub users: Vec<String>,
    /// Serve TLS only (`tls-port`, client certificates not required).
    pub tls: Option<TlsFiles>,
}

/// A running `redis-server`, killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    binary: PathBuf,
    options: RedisOptions,
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn temp_dir() -> Result<PathBuf, String> {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "kol-redis-{}-{nanos}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

impl RedisServer {
    /// A plain server (no password, no TLS).
    ///
    /// # Errors
    /// If `redis-server` is not installed or does not come up.
    pub fn start() -> Result<Self, String> {
        Self::start_with(RedisOptions::default())
    }

    /// A server with `options`.
    ///
    /// # Errors
    /// If `redis-server` is not installed or does not come up.
    pub fn start_with(options: RedisOptions) -> Result<Self, String> {
        let binary = redis_server_binary().ok_or_else(|| {
            "redis-server is not installed (Debian package `redis-server`, listed in \
             tests/peers/apt-packages.txt; `cargo xtask test` installs it)"
                .to_owned()
        })?;
        let mut server = Self {
            child: None,
            port: free_port()?,
            dir: temp_dir()?,
            binary,
            options,
        };
        server.launch()?;
        Ok(server)
    }

    fn launch(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.log_path()).map_err(|e| format!("log file: {e}"))?;
        let err = log.try_clone().map_err(|e| format!("log file: {e}"))?;
        let mut command = Command::new(&self.binary);
        command
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir);
        match &self.options.tls {
            Some(tls) => {
                command.args(["--port", "0", "--tls-port", &self.port.to_string()]);
                command.arg("--tls-cert-file").arg(&tls.cert);
                command.arg("--tls-key-file").arg(&tls.key);
                command.arg("--tls-ca-cert-file").arg(&tls.ca);
                command.args(["--tls-auth-clients", "no"]);
            }
            None => {
                command.args(["--port", &self.port.to_string()]);
            }
        }
        if let Some(password) = &self.options.password {
            command.args(["--requirepass", password]);
        }
        for user in &self.options.users {
            // One config line: each word its own argument (a quoted
            // one would be read as a single user name).
            command.arg("--user").args(user.split_whitespace());
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "redis-server exited ({status}):\n{}",
                    self.log_tail()
                ));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "redis-server did not listen within 10 s:\n{}",
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The port it listens on (the TLS port with TLS).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>` (`rediss://localhost:<port>` with TLS,
    /// the name a test certificate is issued for).
    pub fn url(&self) -> String {
        if self.options.tls.is_some() {
            format!("rediss://localhost:{}", self.port)
        } else {
            format!("redis://127.0.0.1:{}", self.port)
        }
    }

    /// Its temporary folder (removed on drop).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    /// The end of its log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let start = text.len().saturating_sub(2_000);
        text.get(start..).unwrap_or(&text).to_owned()
    }

    /// Kills it (an outage: connections drop, nothing is saved).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    ///
    /// # Errors
    /// If it does not come up (e.g. the port was taken meanwhile).
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.launch()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// When `breaker` last entered OPEN, by the wall clock: what the sharing
/// tests and bench section 8 time propagation with (one machine, one
/// clock).
pub fn opened_at(breaker: &circuit_core::CircuitBreaker) -> Option<std::time::SystemTime> {
    breaker
        .transitions()
        .iter()
        .rev()
        .find(|t| t.to == circuit_core::State::Open)
        .map(|t| t.wall_time)
}
