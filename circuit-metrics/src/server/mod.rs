//! The crate's HTTP server (feature `http`): hyper 1 on a tokio runtime
//! of its own thread, serving Prometheus `/metrics` and the dashboard.

mod body;
mod routes;

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

// The dashboard's endpoints answer with the same helpers.
#[cfg_attr(not(feature = "dashboard"), allow(unused_imports))]
pub(crate) use body::{Body, full, text};
use routes::Routes;
#[cfg(feature = "dashboard")]
pub(crate) use routes::{is_read, method_not_allowed};

use crate::Error;

/// Where [`MetricsServer::builder`] listens unless told otherwise: loopback
/// only, on the port OpenTelemetry's Prometheus exporter uses by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9464";

/// How long a client may take to send a request's head. A client that
/// sends half a request and stalls only holds its own connection, and
/// loses it after this long.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once (page views, event streams, scrapes); more
/// are closed as soon as they are accepted, so a flood cannot exhaust the
/// process's file descriptors.
pub const MAX_CONNECTIONS: usize = 512;

/// An HTTP server for Prometheus `/metrics` (feature `prometheus`) and the
/// breaker dashboard (feature `dashboard`), on one port.
///
/// hyper serves every connection as its own task on a tokio runtime that
/// runs on the server's own thread, so a program needs no runtime of its
/// own, and one stalled client never holds up another (a request head must
/// arrive within [`HEADER_READ_TIMEOUT`]). Dropping the server (or
/// [`shutdown`](Self::shutdown)) closes the socket and every connection,
/// event streams included, and waits for the thread to end.
///
/// `GET` and `HEAD` are served; other methods get `405` (the dashboard's
/// control actions are `POST`). When bound to a loopback address, requests
/// whose `Host` names anything but a loopback address or `localhost` get
/// `421`, so a web page elsewhere cannot read the endpoints by DNS
/// rebinding.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Sets up a [`MetricsServer`]; see [`MetricsServer::builder`].
#[must_use]
pub struct ServerBuilder {
    addrs: io::Result<Vec<SocketAddr>>,
    #[cfg(feature = "prometheus")]
    prometheus: Option<crate::PrometheusExporter>,
    #[cfg(feature = "dashboard")]
    dashboard: Option<crate::dashboard::Dashboard>,
}

impl MetricsServer {
    /// A server on [`DEFAULT_ADDR`] serving nothing yet: add
    /// [`prometheus`](ServerBuilder::prometheus) and/or
    /// [`dashboard`](ServerBuilder::dashboard), then
    /// [`start`](ServerBuilder::start).
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            addrs: DEFAULT_ADDR.to_socket_addrs().map(Iterator::collect),
            #[cfg(feature = "prometheus")]
            prometheus: None,
            #[cfg(feature = "dashboard")]
            dashboard: None,
        }
    }

    /// The address it listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<address>/`, the dashboard's page when one is served.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops serving, closes every connection and waits for the thread to
    /// end.
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
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

impl ServerBuilder {
    /// Listens on `addr` instead of [`DEFAULT_ADDR`]; the first address it
    /// resolves to that can be bound is used. `0.0.0.0` serves every
    /// interface: put the dashboard's control actions behind a token (they
    /// always need one) and think twice.
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> Self {
        self.addrs = addr.to_socket_addrs().map(Iterator::collect);
        self
    }

    /// Serves `GET /metrics` from `exporter`: the Prometheus text format,
    /// or OpenMetrics when `Accept` asks for `application/openmetrics-text`.
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self, exporter: crate::PrometheusExporter) -> Self {
        self.prometheus = Some(exporter);
        self
    }

    /// Serves the dashboard: `/`, `/api/breakers`, `/api/events` and, if
    /// enabled, the control actions.
    #[cfg(feature = "dashboard")]
    pub fn dashboard(mut self, dashboard: crate::dashboard::Dashboard) -> Self {
        self.dashboard = Some(dashboard);
        self
    }

    /// Binds the address and starts serving on a thread of its own.
    ///
    /// # Errors
    /// [`Error::Setup`] if the address does not resolve or cannot be bound,
    /// or the thread or its runtime cannot start.
    pub fn start(self) -> Result<MetricsServer, Error> {
        let setup = |e: io::Error| Error::setup("http server", e);
        let addrs = self.addrs.map_err(setup)?;
        let listener = std::net::TcpListener::bind(&addrs[..]).map_err(setup)?;
        listener.set_nonblocking(true).map_err(setup)?;
        let addr = listener.local_addr().map_err(setup)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(setup)?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener).map_err(setup)?
        };
        let routes = Arc::new(Routes {
            loopback: addr.ip().is_loopback(),
            #[cfg(feature = "prometheus")]
            prometheus: self.prometheus,
            #[cfg(feature = "dashboard")]
            dashboard: self.dashboard.map(|d| d.serving()),
        });
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("circuit-metrics-http".into())
            .spawn(move || runtime.block_on(serve(listener, routes, stopped)))
            .map_err(setup)?;
        Ok(MetricsServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ServerBuilder");
        s.field("addrs", &self.addrs);
        #[cfg(feature = "prometheus")]
        s.field("prometheus", &self.prometheus.is_some());
        #[cfg(feature = "dashboard")]
        s.field("dashboard", &self.dashboard);
        s.finish()
    }
}

/// Accepts until told to stop; then returning drops the runtime's tasks,
/// which closes every connection.
async fn serve(listener: TcpListener, routes: Arc<Routes>, mut stop: oneshot::Receiver<()>) {
    routes.start_background();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors or a connection reset before it
                // was accepted: pause rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let routes = Arc::clone(&routes);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let routes = Arc::clone(&routes);
                async move { Ok::<_, std::convert::Infallible>(routes.handle(request, peer).await) }
            });
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .title_case_headers(true)
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests;
