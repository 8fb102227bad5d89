//! [`Sharing`]: the listener that collects a replica's trips and
//! recoveries, and the two tasks ([`Running`]) that publish them and apply
//! the peers' news.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::backend::SharedState;
use crate::outbox::{Outbox, ShareListener};
use crate::stats::Counters;
use crate::{Breakers, Namespace, ReplicaId, ShareError, ShareStats};

mod health;
mod publish;
mod receive;

use health::Health;

/// How a replica shares. Build with [`ShareSettings::new`], then change
/// the fields you need.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShareSettings {
    /// The fleet: replicas share only within one namespace.
    pub namespace: Namespace,
    /// This replica, as peers name it ("opened by peer api-7: …").
    pub replica: ReplicaId,
    /// The longest open period a peer may ask for; a longer one is refused
    /// as forged. Default 1 hour.
    pub max_open_period: Duration,
    /// How many breakers may have news waiting to be sent; a further
    /// one's news is dropped and counted. Default 1024.
    pub max_pending: usize,
    /// The first wait before reconnecting to the store. Default 100 ms.
    pub reconnect_min: Duration,
    /// The longest wait between reconnections (the wait doubles from
    /// `reconnect_min`). Default 5 s.
    pub reconnect_max: Duration,
    /// How often an idle subscription is checked with a ping. Default 5 s.
    pub ping_interval: Duration,
    /// How long connecting, subscribing, reading the open states or a ping
    /// may take before the store counts as unreachable. Default 1 s.
    pub connect_timeout: Duration,
}

impl ShareSettings {
    /// The defaults for `namespace` and `replica`.
    pub fn new(namespace: Namespace, replica: ReplicaId) -> Self {
        Self {
            namespace,
            replica,
            max_open_period: Duration::from_secs(3600),
            max_pending: 1024,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            ping_interval: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(1),
        }
    }

    fn validate(&self) -> Result<(), ShareError> {
        let bad = |setting, detail: &str| {
            Err(ShareError::InvalidSetting {
                setting,
                detail: detail.to_owned(),
            })
        };
        let zero = Duration::ZERO;
        if self.max_open_period == zero {
            return bad("max_open_period", "must be above zero");
        }
        if self.max_pending == 0 {
            return bad("max_pending", "must be at least 1");
        }
        if self.reconnect_min == zero || self.reconnect_min > self.reconnect_max {
            return bad(
                "reconnect_min",
                "must be above zero and at most reconnect_max",
            );
        }
        if self.ping_interval == zero {
            return bad("ping_interval", "must be above zero");
        }
        if self.connect_timeout == zero {
            return bad("connect_timeout", "must be above zero");
        }
        Ok(())
    }
}

/// What the listener, the tasks and the handles share.
pub(crate) struct Shared {
    pub(crate) settings: ShareSettings,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) health: Health,
    /// Random per process, so that a restarted replica's sequence numbers
    /// are not taken for old ones.
    pub(crate) instance: u64,
    pub(crate) seq: AtomicU64,
}

fn random_instance() -> u64 {
    // std's RandomState is seeded from the OS; no RNG dependency needed.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// One replica's sharing: give its [`listener`](Self::listener) to the
/// breakers (or the registry), then [`start`](Self::start) it with a store.
///
/// See the [crate documentation](crate) for what is shared and when.
pub struct Sharing {
    shared: Arc<Shared>,
}

impl fmt::Debug for Sharing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sharing")
            .field("namespace", &self.shared.settings.namespace)
            .field("replica", &self.shared.settings.replica)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Sharing {
    /// Sharing with `settings`; nothing runs until [`start`](Self::start).
    ///
    /// # Errors
    /// [`ShareError::InvalidSetting`] for a zero duration or pending bound,
    /// or `reconnect_min` above `reconnect_max`.
    pub fn new(settings: ShareSettings) -> Result<Self, ShareError> {
        settings.validate()?;
        let counters = Arc::new(Counters::default());
        Ok(Self {
            shared: Arc::new(Shared {
                outbox: Arc::new(Outbox::new(settings.max_pending, Arc::clone(&counters))),
                health: Health::new(Arc::clone(&counters)),
                counters,
                settings,
                instance: random_instance(),
                seq: AtomicU64::new(0),
            }),
        })
    }

    /// The listener to give every shared breaker, or the registry, when it
    /// is built. Changes it sees before [`start`](Self::start) are sent
    /// once started.
    pub fn listener(&self) -> ShareListener {
        ShareListener {
            outbox: Arc::clone(&self.shared.outbox),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> ShareStats {
        self.shared.counters.snapshot()
    }

    /// Starts publishing this replica's news to `store` and applying its
    /// peers' news to `breakers`, on two tasks of the current tokio
    /// runtime.
    ///
    /// Returns once the open states stored now were read and applied, so
    /// that a replica starting while its peers know a backend is down
    /// starts with that breaker OPEN; or, if the store cannot be reached
    /// within `connect_timeout`, at once, local-only (the outage is logged
    /// and counted, and the tasks keep reconnecting).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub async fn start<S: SharedState, B: Breakers>(self, store: S, breakers: B) -> Running {
        let store = Arc::new(store);
        let (ready, started) = oneshot::channel();
        let receiver = tokio::spawn(receive::run(
            Arc::clone(&self.shared),
            Arc::clone(&store),
            breakers,
            ready,
        ));
        let publisher = tokio::spawn(publish::run(Arc::clone(&self.shared), store));
        let _ = started.await;
        Running {
            shared: self.shared,
            tasks: [receiver, publisher],
        }
    }
}

/// Sharing at work: two tasks, stopped when this is dropped (or by
/// [`stop`](Self::stop)).
pub struct Running {
    shared: Arc<Shared>,
    tasks: [JoinHandle<()>; 2],
}

impl fmt::Debug for Running {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running")
            .field("namespace", &self.shared.settings.namespace)
            .field("replica", &self.shared.settings.replica)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Running {
    /// The counters so far.
    pub fn stats(&self) -> ShareStats {
        self.shared.counters.snapshot()
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &ShareSettings {
        &self.shared.settings
    }

    /// Stops both tasks. News not sent yet is dropped: peers learn
    /// nothing more from this replica, which is what they would see if it
    /// died.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests;
