//! Cross-crate and real-server tests live in `tests/tests/`; this library
//! holds only what they share.

#![forbid(unsafe_code)]

pub mod backend;
pub mod browser;
pub mod client_fixtures;
pub mod openapi;
pub mod share;
