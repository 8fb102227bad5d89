//! The real-time breaker dashboard (feature `dashboard`), served by
//! [`MetricsServer`].
//!
//! * `/`: one self-contained page (HTML, CSS and JavaScript compiled into
//!   the crate; it loads nothing from elsewhere).
//! * `/api/breakers`: a JSON snapshot of every breaker, with five minutes
//!   of history and the last transitions.
//! * `/api/events`: server-sent events: `transition`, `rejections` and
//!   `breakers` as they are seen, `control` when an operator acts, and a
//!   `tick` with every breaker's numbers each second.
//! * `POST /api/control`: reset, force open, force closed; only with a
//!   [`ControlToken`] given at start, otherwise refused.
//!
//! `docs/dashboard.md` describes the page, the JSON and the security
//! model.

mod board;
mod control;
mod http;
mod set;
mod wire;

use std::fmt;
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use hyper::body::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio::time::MissedTickBehavior;

pub use control::{ControlToken, MIN_TOKEN_LEN};
pub use set::{BreakerSet, Listing};

use crate::{Error, MetricsServer};
use board::{Board, Found, SWEEPS_PER_TICK};

/// How often the dashboard reads its breakers: state changes and
/// rejection bursts reach the page within this long.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(250);

/// Events buffered for a viewer that reads slowly; one that falls further
/// behind gets a `resync` event and reloads the snapshot.
const EVENT_BUFFER: usize = 256;

/// A dashboard over a [`BreakerSet`], read-only unless
/// [`with_control`](Self::with_control) gives it a token.
///
/// ```no_run
/// use std::sync::Arc;
/// use circuit_core::CircuitBreaker;
/// use circuit_metrics::dashboard::{ControlToken, Dashboard};
/// use circuit_metrics::{BreakerSource, Collector, MetricsServer, PrometheusExporter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let collector = Arc::new(Collector::new());
/// let breaker = Arc::new(CircuitBreaker::builder("kol-matcher").build()?);
/// collector.register(BreakerSource::new(breaker));
///
/// let token = ControlToken::new(std::env::var("DASHBOARD_TOKEN")?)?;
/// let server = MetricsServer::builder() // 127.0.0.1:9464 unless told otherwise
///     .prometheus(PrometheusExporter::new(Arc::clone(&collector)))
///     .dashboard(Dashboard::new(collector).with_control(token))
///     .start()?;
/// println!("dashboard: {}", server.url());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Dashboard {
    set: Arc<dyn BreakerSet>,
    control: Option<ControlToken>,
}

impl Dashboard {
    /// A read-only dashboard of `set` (a [`Collector`](crate::Collector),
    /// a list of breakers, a registry).
    pub fn new(set: impl BreakerSet + 'static) -> Self {
        Self {
            set: Arc::new(set),
            control: None,
        }
    }

    /// Enables the control actions for clients that present `token`.
    #[must_use]
    pub fn with_control(mut self, token: ControlToken) -> Self {
        self.control = Some(token);
        self
    }

    /// Serves the dashboard alone on `addr`; see
    /// [`MetricsServer::builder`] to serve `/metrics` beside it.
    ///
    /// # Errors
    /// [`Error::Setup`] if the address cannot be bound.
    pub fn serve(self, addr: impl ToSocketAddrs) -> Result<MetricsServer, Error> {
        MetricsServer::builder().bind(addr).dashboard(self).start()
    }

    /// What one server needs: a fresh board and event channel.
    pub(crate) fn serving(self) -> Serving {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Serving {
            inner: Arc::new(Inner {
                set: self.set,
                control: self.control,
                board: Mutex::new(Board::default()),
                events,
                sequence: AtomicU64::new(0),
            }),
        }
    }
}

impl fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dashboard")
            .field("set", &self.set)
            .field("control", &self.control.is_some())
            .finish()
    }
}

/// A dashboard being served: its board, its watcher and its viewers.
#[derive(Clone)]
pub(crate) struct Serving {
    inner: Arc<Inner>,
}

struct Inner {
    set: Arc<dyn BreakerSet>,
    control: Option<ControlToken>,
    board: Mutex<Board>,
    events: broadcast::Sender<Bytes>,
    sequence: AtomicU64,
}

impl Serving {
    /// Sweeps the breakers every [`SWEEP_INTERVAL`] on the current
    /// runtime, until the runtime stops.
    pub(crate) fn start_watching(&self) {
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_INTERVAL);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                inner.sweep();
            }
        });
    }
}

impl Inner {
    fn board(&self) -> MutexGuard<'_, Board> {
        // The board is rebuilt from the breakers on every sweep, so one
        // left half-updated by a panic heals by itself.
        self.board.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sweep(&self) {
        let now = SystemTime::now();
        let mut board = self.board();
        for found in board.sweep(&*self.set, now) {
            match found {
                Found::Transition(t) => self.publish("transition", &t),
                Found::Rejections(r) => self.publish("rejections", &r),
                Found::Membership(m) => self.publish("breakers", &m),
                Found::Reconfigured(r) => self.publish("reconfigured", &r),
                Found::Tick if self.events.receiver_count() > 0 => {
                    let tick = wire::Tick {
                        t_ms: wire::unix_millis(now),
                        breakers: board.lives().collect(),
                        hidden: board.hidden(),
                    };
                    self.publish("tick", &tick);
                }
                Found::Tick => {}
            }
        }
    }

    /// Sends an event to every viewer (none is fine).
    fn publish(&self, event: &str, data: &impl Serialize) {
        let Ok(json) = serde_json::to_string(data) else {
            return;
        };
        let id = self.sequence.fetch_add(1, Ordering::Relaxed);
        let _ = self.events.send(Bytes::from(format!(
            "id: {id}\nevent: {event}\ndata: {json}\n\n"
        )));
    }

    fn snapshot(&self) -> String {
        let board = self.board();
        let views = board.views();
        let snapshot = wire::Snapshot {
            generated_ms: wire::unix_millis(SystemTime::now()),
            control: self.control.is_some(),
            tick_ms: wire::millis(SWEEP_INTERVAL) * SWEEPS_PER_TICK,
            history_seconds: board::HISTORY_SECONDS,
            breakers: views
                .into_iter()
                .map(|(live, config, transitions, history)| wire::BreakerView {
                    live,
                    thresholds: wire::Thresholds::of(&config),
                    config,
                    transitions,
                    history,
                })
                .collect(),
            hidden: board.hidden(),
        };
        serde_json::to_string(&snapshot).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests;
