//! The embedded KOL backend: the contract of docs/backend-contract.md on a
//! loopback port, with the scripted faults of the demo's phases.

mod budget;
mod dataset;
mod faults;
mod matching;
mod request;
mod response;
mod routes;
mod server;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::dataset::Dataset;
use self::faults::{Decision, Profile};
use crate::scenario::Phase;

pub(crate) use self::dataset::CATEGORIES;

/// What the backend did during a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackendStats {
    /// API requests that arrived (faulted or not).
    pub requests: u64,
    /// Requests answered by the real algorithms.
    pub served: u64,
    /// Requests answered with an injected error status.
    pub injected_errors: u64,
    /// Requests held back by injected latency.
    pub delayed: u64,
    /// Open connections cut when the backend stopped listening.
    pub connections_cut: u64,
    /// Whether the port could not be bound again after the outage.
    pub rebind_failed: bool,
}

/// The embedded backend; dropping it stops it.
#[derive(Debug)]
pub(crate) struct EmbeddedBackend {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Orders for the accept loop, numbered so that each can be waited for.
    orders: watch::Sender<Order>,
    /// The number of the last order the accept loop carried out.
    done: watch::Receiver<u64>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// An order to the accept loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Order {
    pub(crate) listening: Listening,
    pub(crate) number: u64,
}

/// What the accept loop should be doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listening {
    /// Accepting connections.
    On,
    /// Port closed, connections cut: the outage.
    Off,
    /// Stop for good.
    Shutdown,
}

/// State shared by the accept loop and every request.
#[derive(Debug)]
pub(crate) struct Shared {
    data: Dataset,
    seed: u64,
    timeout: Duration,
    retry_after_secs: u64,
    phase: Mutex<(Phase, u64)>,
    requests: AtomicU64,
    served: AtomicU64,
    injected_errors: AtomicU64,
    delayed: AtomicU64,
    connections_cut: AtomicU64,
    rebind_failed: AtomicU64,
}

impl EmbeddedBackend {
    /// Starts on a free 127.0.0.1 port, healthy. `timeout` is the client's
    /// request timeout, which the injected latencies are scaled to.
    pub(crate) fn start(
        seed: u64,
        timeout: Duration,
        retry_after_secs: u64,
    ) -> std::io::Result<Self> {
        let listener = server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            data: Dataset::generate(seed),
            seed,
            timeout,
            retry_after_secs,
            phase: Mutex::new((Phase::Healthy, 0)),
            requests: AtomicU64::new(0),
            served: AtomicU64::new(0),
            injected_errors: AtomicU64::new(0),
            delayed: AtomicU64::new(0),
            connections_cut: AtomicU64::new(0),
            rebind_failed: AtomicU64::new(0),
        });
        let (orders, order_receiver) = watch::channel(Order {
            listening: Listening::On,
            number: 0,
        });
        let (done_sender, done) = watch::channel(0);
        let task = tokio::spawn(server::serve(
            listener,
            Arc::clone(&shared),
            order_receiver,
            done_sender,
        ));
        Ok(Self {
            addr,
            shared,
            orders,
            done,
            task: Mutex::new(Some(task)),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches to `phase`: its faults apply from the next request, and
    /// for [`Phase::OutageRefused`] the port is closed and every connection
    /// cut by the time this returns (reopened when the phase is left).
    pub(crate) async fn set_phase(&self, phase: Phase) {
        *self
            .shared
            .phase
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = (phase, 0);
        let listening = if phase == Phase::OutageRefused {
            Listening::Off
        } else {
            Listening::On
        };
        self.order(listening).await;
    }

    /// Sends an order and waits until the accept loop has carried it out
    /// (or has ended).
    async fn order(&self, listening: Listening) {
        let mut number = 0;
        self.orders.send_modify(|order| {
            order.number += 1;
            number = order.number;
            if order.listening != Listening::Shutdown {
                order.listening = listening;
            }
        });
        let mut done = self.done.clone();
        // An error means the loop has ended: nothing left to wait for.
        let _ = done.wait_for(|carried_out| *carried_out >= number).await;
    }

    /// The counts so far.
    pub(crate) fn stats(&self) -> BackendStats {
        let s = &self.shared;
        BackendStats {
            requests: s.requests.load(Ordering::Relaxed),
            served: s.served.load(Ordering::Relaxed),
            injected_errors: s.injected_errors.load(Ordering::Relaxed),
            delayed: s.delayed.load(Ordering::Relaxed),
            connections_cut: s.connections_cut.load(Ordering::Relaxed),
            rebind_failed: s.rebind_failed.load(Ordering::Relaxed) > 0,
        }
    }

    /// Stops listening, cuts every connection and waits for the loop to end.
    pub(crate) async fn shutdown(&self) {
        self.order(Listening::Shutdown).await;
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Shared {
    /// Numbers the request within its phase and decides its fate.
    fn decide(&self) -> Decision {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let (phase, n) = {
            let mut guard = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
            guard.1 += 1;
            *guard
        };
        let decision =
            Profile::of(phase, self.retry_after_secs).decide(self.seed, phase, n, self.timeout);
        if decision.error_status.is_some() {
            self.injected_errors.fetch_add(1, Ordering::Relaxed);
        }
        if !decision.delay.is_zero() {
            self.delayed.fetch_add(1, Ordering::Relaxed);
        }
        decision
    }

    fn count_served(&self) {
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    fn count_dropped(&self, connections: usize) {
        self.connections_cut.fetch_add(
            u64::try_from(connections).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn rebind_failed(&self) {
        self.rebind_failed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
