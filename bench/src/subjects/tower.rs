//! `tower-resilience-circuitbreaker` 0.14.0: a tower middleware; state
//! behind a `tokio::sync::Mutex`, each call a boxed future.

use std::cell::Cell;
use std::future::poll_fn;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::Runtime;

use tower::util::{ServiceFn, service_fn};
use tower::{Layer, Service};
use tower_resilience_circuitbreaker::{
    CircuitBreaker, CircuitBreakerConfigBuilder, CircuitBreakerError, CircuitBreakerLayer,
    DefaultClassifier, SlidingWindowType,
};

use super::{Backend, Cycling, Id, OPEN_FOR, Role, Subject, backend};
use crate::error::Error;
use crate::poll::block_on;

/// The library's defaults: count-based window of 100 calls, 50 %, 30 s.
#[derive(Debug)]
pub(crate) struct Count;

/// A time-based window. It keeps one record per call in a queue for the
/// window's length, so the window is 1 s here: with 60 s, a tight loop
/// would queue every call of the last minute (gigabytes at these rates).
#[derive(Debug)]
pub(crate) struct Time;

type Breaker = CircuitBreaker<ServiceFn<Backend>, DefaultClassifier>;

fn build(
    what: &str,
    config: CircuitBreakerConfigBuilder<DefaultClassifier>,
) -> Result<Breaker, Error> {
    let layer = config.build().map_err(|e| Error::setup(what, e))?;
    Ok(layer.layer(service_fn(backend as Backend)))
}

fn time_window(
    config: CircuitBreakerConfigBuilder<DefaultClassifier>,
) -> CircuitBreakerConfigBuilder<DefaultClassifier> {
    config
        .sliding_window_type(SlidingWindowType::TimeBased)
        .sliding_window_duration(Duration::from_secs(1))
}

/// Trips after 5 failures, opens for zero time, closes after one probe.
fn cycling(
    config: CircuitBreakerConfigBuilder<DefaultClassifier>,
) -> CircuitBreakerConfigBuilder<DefaultClassifier> {
    config
        .minimum_number_of_calls(5)
        .wait_duration_in_open(Duration::ZERO)
        .permitted_calls_in_half_open(1)
}

/// The library sleeps on a tokio timer when its lock is contended (1 ms)
/// or, with backpressure, while open: it needs a tokio runtime with a
/// timer. One runtime, whose idle worker drives the timer, is entered once
/// per calling thread; calls still complete by polling in place.
fn enter_runtime() {
    static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();
    thread_local! {
        static ENTERED: Cell<bool> = const { Cell::new(false) };
    }
    ENTERED.with(|entered| {
        if entered.get() {
            return;
        }
        entered.set(true);
        let runtime = RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_time()
                .build()
                .ok()
        });
        if let Some(runtime) = runtime {
            // Stays entered for the thread's life; bench threads are ours.
            std::mem::forget(runtime.enter());
        }
    });
}

#[inline]
fn call(breaker: &mut Breaker, ok: bool) -> bool {
    enter_runtime();
    block_on(async {
        if poll_fn(|cx| breaker.poll_ready(cx)).await.is_err() {
            return false;
        }
        !matches!(
            breaker.call(ok).await,
            Err(CircuitBreakerError::OpenCircuit)
        )
    })
}

impl Subject for Count {
    type Breaker = Breaker;

    fn id(&self) -> Id {
        Id::new(
            "tower-resilience-circuitbreaker 0.14.0",
            "count window",
            Role::Peer,
        )
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        build("tower-resilience (count)", CircuitBreakerLayer::builder())
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        build(
            "tower-resilience (count)",
            CircuitBreakerLayer::builder().wait_duration_in_open(OPEN_FOR),
        )
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        call(breaker, ok)
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let config = cycling(CircuitBreakerLayer::builder().sliding_window_size(5));
        let breaker = build("tower-resilience (count)", config)?;
        Ok(Some(Cycling {
            breaker,
            failures: 5,
            successes: 1,
        }))
    }

    fn named(&self, name: &str) -> Result<Self::Breaker, Error> {
        build(
            "tower-resilience (count)",
            CircuitBreakerLayer::builder().name(name),
        )
    }
}

impl Subject for Time {
    type Breaker = Breaker;

    fn id(&self) -> Id {
        Id::new(
            "tower-resilience-circuitbreaker 0.14.0",
            "time window (1 s)",
            Role::Peer,
        )
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        build(
            "tower-resilience (time)",
            time_window(CircuitBreakerLayer::builder()),
        )
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        build(
            "tower-resilience (time)",
            time_window(CircuitBreakerLayer::builder()).wait_duration_in_open(OPEN_FOR),
        )
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        call(breaker, ok)
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let breaker = build(
            "tower-resilience (time)",
            cycling(time_window(CircuitBreakerLayer::builder())),
        )?;
        Ok(Some(Cycling {
            breaker,
            failures: 5,
            successes: 1,
        }))
    }

    fn named(&self, name: &str) -> Result<Self::Breaker, Error> {
        build(
            "tower-resilience (time)",
            time_window(CircuitBreakerLayer::builder()).name(name),
        )
    }
}
