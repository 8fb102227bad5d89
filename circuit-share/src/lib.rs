//! Replicas share what their circuit breakers learned, through a shared
//! store (Redis), without ever putting the store on the call path.
//!
//! A service runs as N replicas, each with its own breaker for the same
//! backend. Alone, a dead backend takes N × `max_failures` calls (and N
//! times the probes) before the fleet stops calling it, and a replica that
//! just started hammers a backend every other replica knows is down. With
//! sharing, breakers with the same name in the same [`Namespace`] share
//! their trips:
//!
//! * **A trip is published.** When a breaker opens by its own evidence (a
//!   trip, a failed probe), its replica publishes the name, the *remaining*
//!   open period (a duration, so clocks need not agree), the reason, the
//!   epoch and its [`ReplicaId`]. Peers move to OPEN for that period with
//!   the reason `opened by peer <replica>: <reason>`
//!   ([`CircuitBreaker::open_for`](circuit_core::CircuitBreaker::open_for));
//!   an OPEN peer keeps the later end, a FORCED one is left alone. A
//!   peer-opened breaker never publishes that opening (no echo).
//! * **A recovery is published.** When a breaker closes because its probes
//!   succeeded, peers that are OPEN may probe at once
//!   ([`allow_probe_now`](circuit_core::CircuitBreaker::allow_probe_now)).
//!   Each still closes only on its own probes' successes: one replica's
//!   good probe says little about the route from another, and a wrong
//!   close costs a burst of failures while a wrong probe costs one call.
//! * **A starting replica reads the open states** (stored with a TTL of the
//!   open period left) before [`Sharing::start`] returns, so it starts OPEN
//!   for a backend its peers know is down.
//!
//! Never on the call path: the [`ShareListener`] only stores a transition's
//! news in a per-breaker slot (the newest wins, bounded) and wakes a tokio
//! task that publishes it; another task applies peers' news. A store that
//! is down or slow leaves every breaker working on local evidence: the
//! outage is logged once, counted ([`ShareStats`]), and reconnected with
//! backoff. Received messages are checked ([`Message::decode`]: size,
//! shape, version, namespace, bounds); one that fails can open nothing and
//! is counted as forged.
//!
//! docs/sharing.md has the design, the Redis layout and the measurements.
//!
//! # Example
//! Two replicas in one process, through the in-memory store (swap in
//! [`RedisBackend::from_url`] for a fleet):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use circuit_core::{Config, Registry, State};
//! use circuit_share::{MemoryStore, Namespace, ReplicaId, ShareSettings, Sharing};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let mut replicas = Vec::new();
//! for id in ["api-1", "api-2"] {
//!     let sharing = Sharing::new(ShareSettings::new(
//!         Namespace::new("kol-prod")?,
//!         ReplicaId::new(id)?,
//!     ))?;
//!     let registry: Arc<Registry<String>> = Arc::new(
//!         Registry::builder()
//!             .config(Config { max_failures: 2, ..Config::default() })
//!             .listener(sharing.listener())
//!             .build()?,
//!     );
//!     let running = sharing.start(store.clone(), Arc::clone(&registry)).await;
//!     replicas.push((registry, running));
//! }
//!
//! // api-1's breaker for the KOL backend trips…
//! let kol = replicas[0].0.get("kol-backend");
//! for _ in 0..2 {
//!     kol.try_acquire()?.record_failure();
//! }
//! // …and api-2's opens without a single call of its own.
//! let peer = replicas[1].0.get("kol-backend");
//! while peer.state() != State::Open {
//!     tokio::time::sleep(Duration::from_millis(1)).await;
//! }
//! let reason = peer.transitions().last().map(|t| t.reason.to_string());
//! assert!(reason.unwrap_or_default().starts_with("opened by peer api-1: tripped"));
//! assert_eq!(replicas[1].1.stats().applied, 1);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod backend;
mod breakers;
mod driver;
mod error;
mod id;
mod memory;
mod message;
mod outbox;
#[cfg(feature = "redis")]
mod redis;
mod stats;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use backend::{SharedState, Stored, Subscription};
pub use breakers::Breakers;
pub use driver::{Running, ShareSettings, Sharing};
pub use error::ShareError;
pub use id::{MAX_ID_BYTES, Namespace, ReplicaId};
pub use memory::{MemoryStore, MemorySubscription};
pub use message::{
    Change, MAX_BREAKER_NAME_BYTES, MAX_MESSAGE_BYTES, MAX_REASON_BYTES, Message, MessageError,
    WIRE_VERSION,
};
pub use outbox::ShareListener;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_KEY_PREFIX, RedisBackend, RedisConfig, RedisSubscription};
pub use stats::ShareStats;
