//! [`RedisBackend`]: the [`SharedState`] on Redis (redis-rs 1.x, tokio).
//!
//! Per namespace, under the key prefix (default `kol-circuit`):
//! * channel `<prefix>:<namespace>:news`: every message, live;
//! * key `<prefix>:<namespace>:open:<replica>:<breaker>`: a replica's open
//!   state, the message itself, with a TTL of the open period left. A
//!   close deletes the sender's key only, so another replica's longer
//!   open state stays for starting replicas to read.
//!
//! Each publication is one `MULTI` (`SET … PX` or `DEL`, then `PUBLISH`):
//! stored state and live news never disagree.

use std::fmt;
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncConnectionConfig;
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use tokio::sync::Mutex;

use crate::backend::{SharedState, Stored, Subscription};
use crate::{Change, Message, Namespace, ShareError};

mod config;

pub use config::{DEFAULT_KEY_PREFIX, RedisConfig};

/// How many keys one `SCAN` step asks for.
const SCAN_COUNT: usize = 200;

fn unavailable(error: redis::RedisError) -> ShareError {
    ShareError::Unavailable(error.to_string())
}

/// The Redis store. Holds one multiplexed connection for publishing and
/// reading (opened on first use, opened again after an error); each
/// subscription has a connection of its own.
pub struct RedisBackend {
    client: redis::Client,
    config: RedisConfig,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// A backend for `config`. Connects lazily: building never fails on an
    /// unreachable server.
    ///
    /// With a `rediss://` URL this installs rustls' aws-lc-rs provider as
    /// the process default if none was installed.
    ///
    /// # Errors
    /// [`ShareError::InvalidUrl`] if the TLS settings cannot be used (a
    /// root certificate that is not PEM).
    pub fn new(config: RedisConfig) -> Result<Self, ShareError> {
        let client = Self::client(&config)?;
        Ok(Self {
            client,
            config,
            connection: Mutex::new(None),
        })
    }

    /// [`RedisConfig::new`] then [`new`](Self::new).
    ///
    /// # Errors
    /// As theirs.
    pub fn from_url(url: &str) -> Result<Self, ShareError> {
        Self::new(RedisConfig::new(url)?)
    }

    fn client(config: &RedisConfig) -> Result<redis::Client, ShareError> {
        #[cfg(feature = "tls")]
        if config.is_tls() {
            // Several rustls providers may be compiled in (reqwest brings
            // aws-lc-rs); name one so that rustls never has to guess.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            if let Some(pem) = &config.root_certificate {
                let certificates = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                };
                return redis::Client::build_with_tls(config.info.clone(), certificates)
                    .map_err(|e| ShareError::InvalidUrl(e.to_string()));
            }
        }
        redis::Client::open(config.info.clone()).map_err(|e| ShareError::InvalidUrl(e.to_string()))
    }

    fn channel(&self, namespace: &Namespace) -> String {
        format!("{}:{namespace}:news", self.config.key_prefix)
    }

    fn open_prefix(&self, namespace: &Namespace) -> String {
        format!("{}:{namespace}:open:", self.config.key_prefix)
    }

    fn connection_config(&self) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.config.response_timeout))
            .set_response_timeout(Some(self.config.response_timeout))
    }

    /// Runs `work` on the shared connection, opening it first if needed;
    /// an error drops it so that the next call opens a fresh one.
    async fn with_connection<T>(
        &self,
        work: impl AsyncFnOnce(&mut MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Result<T, ShareError> {
        let mut slot = self.connection.lock().await;
        if slot.is_none() {
            let connection = self
                .client
                .get_multiplexed_async_connection_with_config(&self.connection_config())
                .await
                .map_err(unavailable)?;
            *slot = Some(connection);
        }
        let Some(connection) = slot.as_mut() else {
            return Err(ShareError::Unavailable("no connection".to_owned()));
        };
        let result = work(connection).await;
        if result.is_err() {
            *slot = None;
        }
        result.map_err(unavailable)
    }
}

impl SharedState for RedisBackend {
    type Subscription = RedisSubscription;

    async fn publish(&self, message: &Message) -> Result<(), ShareError> {
        let payload = message.encode();
        let key = format!(
            "{}{}:{}",
            self.open_prefix(&message.namespace),
            message.replica,
            message.breaker
        );
        let mut pipe = redis::pipe();
        pipe.atomic();
        match &message.change {
            Change::Opened { remaining, .. } => {
                let millis = u64::try_from(remaining.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1);
                pipe.cmd("SET")
                    .arg(&key)
                    .arg(&payload)
                    .arg("PX")
                    .arg(millis)
                    .ignore();
            }
            Change::Closed => {
                pipe.cmd("DEL").arg(&key).ignore();
            }
        }
        pipe.cmd("PUBLISH")
            .arg(self.channel(&message.namespace))
            .arg(&payload)
            .ignore();
        self.with_connection(async |c| pipe.query_async::<()>(c).await)
            .await
    }

    async fn subscribe(&self, namespace: &Namespace) -> Result<RedisSubscription, ShareError> {
        let pubsub = self.client.get_async_pubsub().await.map_err(unavailable)?;
        let (mut sink, stream) = pubsub.split();
        sink.subscribe(self.channel(namespace))
            .await
            .map_err(unavailable)?;
        Ok(RedisSubscription { sink, stream })
    }

    async fn open_states(&self, namespace: &Namespace) -> Result<Vec<Stored>, ShareError> {
        let pattern = format!("{}*", self.open_prefix(namespace));
        self.with_connection(async |c| {
            let mut found = Vec::new();
            let mut cursor = 0_u64;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(SCAN_COUNT)
                    .query_async(c)
                    .await?;
                if !keys.is_empty() {
                    let mut pipe = redis::pipe();
                    for key in &keys {
                        pipe.cmd("GET").arg(key).cmd("PTTL").arg(key);
                    }
                    let values: Vec<(Option<Vec<u8>>, i64)> = pipe.query_async(c).await?;
                    found.extend(values.into_iter().filter_map(|(payload, pttl)| {
                        // Expired between SCAN and GET (None, -2), or stored
                        // without a TTL by someone else (-1): not ours.
                        let millis = u64::try_from(pttl).ok().filter(|ms| *ms > 0)?;
                        Some(Stored {
                            payload: payload?,
                            remaining: Duration::from_millis(millis),
                        })
                    }));
                }
                if next == 0 {
                    return Ok(found);
                }
                cursor = next;
            }
        })
        .await
    }
}

/// A Redis pub/sub subscription on a connection of its own.
pub struct RedisSubscription {
    sink: PubSubSink,
    stream: PubSubStream,
}

impl fmt::Debug for RedisSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSubscription").finish_non_exhaustive()
    }
}

impl Subscription for RedisSubscription {
    async fn next(&mut self) -> Option<Vec<u8>> {
        self.stream
            .next()
            .await
            .map(|message| message.get_payload_bytes().to_vec())
    }

    async fn ping(&mut self) -> Result<(), ShareError> {
        self.sink
            .ping::<redis::Value>()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
