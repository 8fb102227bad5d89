//! Looking up one host's breaker among 100: circuit-core's `Registry`
//! against the `RwLock` and `Mutex` maps users would write themselves; and
//! among 100 000, where the registry's keys spread over 4096 shards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use circuit_core::{CircuitBreaker, Config, Registry};

use crate::error::Error;
use crate::scenarios::hot_path::{Pending, of_call};
use crate::subjects::{Id, Role};
use crate::timing::Plan;

const HOSTS: usize = 100;
const MANY_HOSTS: usize = 100_000;
const KEY: &str = "https://host-42.example.com:443";

fn host(i: usize) -> String {
    format!("https://host-{i}.example.com:443")
}

/// A registry holding `hosts` breakers, bounded at `max`.
fn filled(hosts: usize, max: usize) -> Result<Arc<Registry<String>>, Error> {
    let registry: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .config(Config::default())
            .max_breakers(max)
            .build()
            .map_err(|e| Error::setup("registry", e))?,
    );
    for i in 0..hosts {
        let _ = registry.get(&host(i));
    }
    Ok(registry)
}

pub(super) fn prepare(plan: &Plan) -> Result<Vec<Pending>, Error> {
    let registry = filled(HOSTS, HOSTS * 2)?;
    let many = filled(MANY_HOSTS, MANY_HOSTS)?;
    let map: HashMap<String, Arc<CircuitBreaker>> = registry.entries().into_iter().collect();
    let rw = Arc::new(RwLock::new(map.clone()));
    let mutex = Arc::new(Mutex::new(map));

    let get = {
        let registry = Arc::clone(&registry);
        move || registry.get(KEY).name().len() > 1
    };
    let get_among_many = move || many.get(KEY).name().len() > 1;
    let call = {
        let registry = Arc::clone(&registry);
        move || match registry.get(KEY).try_acquire() {
            Ok(permit) => {
                permit.record_success();
                true
            }
            Err(_) => false,
        }
    };
    let read_locked = move || {
        let map = rw.read().unwrap_or_else(PoisonError::into_inner);
        map.get(KEY).map(Arc::clone).is_some()
    };
    let locked = move || {
        let map = mutex.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(KEY).map(Arc::clone).is_some()
    };
    Ok(vec![
        of_call(
            Id::new("circuit-core Registry", "get, existing key", Role::Ours),
            plan,
            get,
        ),
        of_call(
            Id::new(
                "circuit-core Registry",
                "get, existing key among 100 000",
                Role::Baseline,
            ),
            plan,
            get_among_many,
        ),
        of_call(
            Id::new(
                "circuit-core Registry",
                "get + one successful call",
                Role::Baseline,
            ),
            plan,
            call,
        ),
        of_call(
            Id::new("std RwLock<HashMap>", "read + Arc clone", Role::Baseline),
            plan,
            read_locked,
        ),
        of_call(
            Id::new("std Mutex<HashMap>", "lock + Arc clone", Role::Baseline),
            plan,
            locked,
        ),
    ])
}
