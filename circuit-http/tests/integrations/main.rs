//! The integrations against real axum servers on loopback ports: the
//! reqwest middleware, the tower layer around a hyper-util client and
//! inside an axum handler, and the layer on a service that is not HTTP.

#[cfg(feature = "reqwest")]
mod reqwest_middleware;
#[cfg(feature = "reqwest")]
mod server;
