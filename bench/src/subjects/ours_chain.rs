//! `circuit_core::Chain`: a host-level breaker above an endpoint breaker,
//! both in the default config, asked together for every call.

use std::sync::Arc;

use circuit_core::{Chain, CircuitBreaker, Config};

use super::{Cycling, Id, OPEN_FOR, Role, Subject};
use crate::error::Error;

/// Two default breakers in a chain (host, then endpoint).
#[derive(Debug)]
pub(crate) struct OursChain;

type Links = Arc<Chain<Arc<CircuitBreaker>>>;

fn chain(config: &Config) -> Result<Links, Error> {
    let link = |name: &str| {
        CircuitBreaker::builder(name)
            .config(config.clone())
            .build()
            .map(Arc::new)
            .map_err(|e| Error::setup("circuit-core", e))
    };
    Ok(Arc::new(Chain::new([link("host")?, link("endpoint")?])))
}

impl Subject for OursChain {
    type Breaker = Links;

    fn id(&self) -> Id {
        Id::new("circuit-core", "2-link chain (host + endpoint)", Role::Ours)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        chain(&Config::default())
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        chain(&Config {
            recovery_timeout: OPEN_FOR,
            ..Config::default()
        })
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        match breaker.try_acquire() {
            Ok(permit) if ok => {
                permit.record_success();
                true
            }
            Ok(permit) => {
                permit.record_failure();
                true
            }
            Err(_) => false,
        }
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        // Two breakers cycling together repeat the single breaker's row.
        Ok(None)
    }

    fn named(&self, _name: &str) -> Result<Self::Breaker, Error> {
        self.closed()
    }

    fn call_variant_only(&self) -> bool {
        true
    }
}
