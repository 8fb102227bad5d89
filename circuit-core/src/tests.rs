//! Unit tests of the breaker rules.
