//! A minimal `/metrics` endpoint on a std `TcpListener`, for programs that
//! run no HTTP server of their own.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{OPENMETRICS_CONTENT_TYPE, PrometheusExporter, TEXT_CONTENT_TYPE};
use crate::Error;

/// Longest request head read; anything longer gets `431`.
const MAX_HEAD: usize = 8 * 1024;
/// How long one client may take to send its request or read the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `GET /metrics` (and `HEAD`) from one background thread.
///
/// Requests are answered one at a time with `Connection: close`, which is
/// all a Prometheus server scraping every few seconds needs; a client that
/// stalls holds the thread for at most 5 s. The body is the Prometheus text
/// format, or OpenMetrics when the `Accept` header asks for
/// `application/openmetrics-text`. Other paths get `404`, other methods
/// `405`. Dropping the server (or [`shutdown`](Self::shutdown)) stops the
/// thread and closes the socket.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    pub(super) fn start(
        exporter: PrometheusExporter,
        addr: impl ToSocketAddrs,
    ) -> Result<Self, Error> {
        let listener = TcpListener::bind(addr).map_err(|e| Error::setup("prometheus server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::setup("prometheus server", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("circuit-metrics-http".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if thread_stop.load(Ordering::Acquire) {
                        break;
                    }
                    // A failed accept or client only affects that client.
                    if let Ok(stream) = stream {
                        let _ = answer(&exporter, stream);
                    }
                }
            })
            .map_err(|e| Error::setup("prometheus server", e))?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the thread to end.
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the blocking accept with a connection of our own.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port())
            }
            _ => self.addr,
        };
        let _ = TcpStream::connect_timeout(&wake, IO_TIMEOUT);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

impl fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// What the request asked for, as far as this server cares.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Metrics { head_only: bool, openmetrics: bool },
    NotFound,
    MethodNotAllowed,
    Bad,
    TooLarge,
}

fn answer(exporter: &PrometheusExporter, mut stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let request = match read_head(&mut stream)? {
        Some(head) => parse(&head),
        None => Request::TooLarge,
    };
    let (status, content_type, body, head_only) = match request {
        Request::Metrics {
            head_only,
            openmetrics,
        } => {
            let encoded = if openmetrics {
                exporter.encode_openmetrics()
            } else {
                exporter.encode_text()
            };
            match encoded {
                Ok(body) => {
                    let content_type = if openmetrics {
                        OPENMETRICS_CONTENT_TYPE
                    } else {
                        TEXT_CONTENT_TYPE
                    };
                    ("200 OK", content_type, body, head_only)
                }
                Err(e) => (
                    "500 Internal Server Error",
                    "text/plain",
                    format!("{e}\n"),
                    head_only,
                ),
            }
        }
        Request::NotFound => (
            "404 Not Found",
            "text/plain",
            "metrics are at /metrics\n".into(),
            false,
        ),
        Request::MethodNotAllowed => (
            "405 Method Not Allowed",
            "text/plain",
            "use GET\n".into(),
            false,
        ),
        Request::Bad => (
            "400 Bad Request",
            "text/plain",
            "bad request\n".into(),
            false,
        ),
        Request::TooLarge => (
            "431 Request Header Fields Too Large",
            "text/plain",
            "request too large\n".into(),
            false,
        ),
    };
    let allow = if status.starts_with("405") {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

/// Reads up to the blank line ending the head; `None` if it is too long.
fn read_head(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(Some(head));
        }
        head.extend_from_slice(&chunk[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

fn parse(head: &[u8]) -> Request {
    let Ok(text) = std::str::from_utf8(head) else {
        return Request::Bad;
    };
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Request::Bad;
    };
    if !version.starts_with("HTTP/1.") || parts.next().is_some() {
        return Request::Bad;
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Request::MethodNotAllowed,
    };
    let path = target.split('?').next().unwrap_or_default();
    if path != "/metrics" {
        return Request::NotFound;
    }
    let openmetrics = lines
        .filter_map(|line| line.split_once(':'))
        .any(|(name, value)| {
            name.eq_ignore_ascii_case("accept") && value.contains("application/openmetrics-text")
        });
    Request::Metrics {
        head_only,
        openmetrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_strictly() {
        let metrics = |head_only, openmetrics| Request::Metrics {
            head_only,
            openmetrics,
        };
        assert_eq!(
            parse(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            metrics(false, false)
        );
        assert_eq!(
            parse(b"HEAD /metrics?x=1 HTTP/1.0\r\n\r\n"),
            metrics(true, false)
        );
        assert_eq!(
            parse(b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n"),
            metrics(false, true)
        );
        assert_eq!(parse(b"GET / HTTP/1.1\r\n\r\n"), Request::NotFound);
        assert_eq!(
            parse(b"POST /metrics HTTP/1.1\r\n\r\n"),
            Request::MethodNotAllowed
        );
        assert_eq!(parse(b"GET /metrics\r\n\r\n"), Request::Bad);
        assert_eq!(parse(b"GET /metrics SPDY/3\r\n\r\n"), Request::Bad);
        assert_eq!(parse(b"\xff\xfe"), Request::Bad);
        assert_eq!(parse(b""), Request::Bad);
    }

    #[test]
    fn oversized_heads_are_refused() {
        let mut endless = io::repeat(b'a');
        assert_eq!(read_head(&mut endless).unwrap(), None);
        let mut short: &[u8] = b"GET /metrics HTTP/1.1\r\n\r\nbody";
        assert!(read_head(&mut short).unwrap().is_some());
    }
}
