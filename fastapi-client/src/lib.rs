//! A typed async client for the KOL-matching FastAPI backend, with a circuit breaker and fallbacks built in.
//!
//! This crate is being built (see the project's issue tracker); it has no
//! public items yet.

#![forbid(unsafe_code)]
