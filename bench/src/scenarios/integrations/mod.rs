//! Section 6: where users put breakers. What the tower layer and the
//! reqwest middleware add to a request over the same stack without them,
//! what a registry lookup costs against the maps users would write, and
//! what a registry of 10 000 and 100 000 breakers holds.

pub(crate) mod fleet;
mod in_process;
mod loopback;
mod registry;

use serde::Serialize;

use crate::cli::Budget;
use crate::scenarios::hot_path::{self, CallRow};
use crate::scenarios::turns::LatencyRow;

#[derive(Debug, Serialize)]
pub(crate) struct IntegrationResults {
    /// A tower service that answers at once, bare and behind the layer.
    #[serde(serialize_with = "crate::report::measured")]
    pub(crate) tower: Result<Vec<CallRow>, String>,
    /// Looking up one host's breaker among 100.
    #[serde(serialize_with = "crate::report::measured")]
    pub(crate) registry: Result<Vec<CallRow>, String>,
    /// hyper-util and reqwest-middleware over loopback HTTP, bare and with
    /// the breaker, or why they could not run.
    #[serde(serialize_with = "crate::report::measured")]
    pub(crate) loopback: Result<Vec<LatencyRow>, String>,
    /// Registries of 10 000 and 100 000 breakers: heap per breaker.
    #[serde(serialize_with = "crate::report::measured")]
    pub(crate) fleet: Result<Vec<fleet::FleetRow>, String>,
}

impl IntegrationResults {
    /// Before the section has run.
    pub(crate) fn not_run() -> Self {
        Self {
            tower: Err("not run".to_owned()),
            registry: Err("not run".to_owned()),
            loopback: Err("not run".to_owned()),
            fleet: Err("not run".to_owned()),
        }
    }
}

pub(crate) fn run(budget: &Budget) -> IntegrationResults {
    let plan = budget.plan();
    eprintln!("  tower layer, in process: {} rounds", budget.reps);
    let tower = in_process::prepare(&plan)
        .map(|rows| hot_path::run_all(budget.reps, rows))
        .map_err(|e| e.to_string());
    let (registry, fleet) = registries(budget);
    eprintln!("  layer and middleware over loopback HTTP");
    let loopback = loopback::run(budget.requests).map_err(|e| e.to_string());
    IntegrationResults {
        tower,
        registry,
        loopback,
        fleet,
    }
}

/// The registry's part of the section (6b and 6d), also what
/// `bench --registry` runs alone.
pub(crate) fn registries(
    budget: &Budget,
) -> (
    Result<Vec<CallRow>, String>,
    Result<Vec<fleet::FleetRow>, String>,
) {
    let plan = budget.plan();
    eprintln!("  registry lookups: {} rounds", budget.reps);
    let lookups = registry::prepare(&plan)
        .map(|rows| hot_path::run_all(budget.reps, rows))
        .map_err(|e| e.to_string());
    eprintln!("  registries of 10 000 and 100 000 breakers");
    let fleet = fleet::run().map_err(|e| e.to_string());
    (lookups, fleet)
}
