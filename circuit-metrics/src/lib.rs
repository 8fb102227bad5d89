//! Exporters for circuit breaker metrics: tracing, Prometheus, OpenTelemetry OTLP, StatsD.
//!
//! This crate is being built (see the project's issue tracker); it has no
//! public items yet.

#![forbid(unsafe_code)]
