//! The integrations against real axum servers on loopback ports: the
//! reqwest middleware, the tower layer around a hyper-util client and
//! inside an axum handler, and the layer on a service that is not HTTP.

#[cfg(feature = "tower")]
mod axum_handler;
#[cfg(feature = "tower")]
mod plain_service;
#[cfg(feature = "reqwest")]
mod reqwest_middleware;
#[cfg(any(feature = "tower", feature = "reqwest"))]
mod server;
#[cfg(feature = "tower")]
mod tower_client;
