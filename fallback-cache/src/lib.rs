//! Fallbacks for when the backend is down: cached last-good KOL matches and conservative budget allocations.
//!
//! This crate is being built (see the project's issue tracker); it has no
//! public items yet.

#![forbid(unsafe_code)]
