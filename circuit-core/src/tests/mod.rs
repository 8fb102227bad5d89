//! Unit tests of the breaker: the rules one by one, a property test against
//! a plain reference model, a multi-threaded stress test and executors.

mod executors;
mod model;
mod rules;
mod stress;
