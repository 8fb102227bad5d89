//! `seatbelt` 0.11.0 (`breaker` feature): a `layered` service; state
//! behind a `std::sync::Mutex`, time from a `tick::Clock`.

use std::sync::OnceLock;
use std::time::Duration;

use layered::{Execute, Service, Stack};
use seatbelt::breaker::{Breaker as SeatbeltBreaker, BreakerLayer, HalfOpenMode};
use seatbelt::typestates::Set;
use seatbelt::{RecoveryInfo, ResilienceContext};
use tick::Clock;

use super::{Backend, Cycling, Fail, Id, OPEN_FOR, Role, Subject, backend};
use crate::error::Error;
use crate::poll::block_on;

/// Defaults: 10 % over 30 s after 100 calls, 5 s open, progressive
/// half-open.
#[derive(Debug)]
pub(crate) struct Default;

type Out = Result<(), Fail>;
type Breaker = SeatbeltBreaker<bool, Out, Execute<Backend>>;
type Layer = BreakerLayer<bool, Out, Set, Set>;

/// The production clock, `Clock::new_tokio()`, made once and shared by
/// every breaker as an application would. It spawns a timer driver on the
/// runtime it is made in; the breakers only read time from it, so that
/// runtime is never driven.
fn clock() -> Result<Clock, Error> {
    static CLOCK: OnceLock<Option<(tokio::runtime::Runtime, Clock)>> = OnceLock::new();
    CLOCK
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            let clock = {
                let _entered = runtime.enter();
                Clock::new_tokio()
            };
            Some((runtime, clock))
        })
        .as_ref()
        .map(|(_, clock)| clock.clone())
        .ok_or_else(|| Error::setup("seatbelt", "no tokio runtime for its clock"))
}

fn layer(name: &str) -> Result<Layer, Error> {
    let context = ResilienceContext::<bool, Out>::new(clock()?);
    Ok(SeatbeltBreaker::layer(name.to_owned(), &context)
        .recovery_with(|out: &Out, _| match out {
            Ok(()) => RecoveryInfo::never(),
            Err(_) => RecoveryInfo::retry(),
        })
        .rejected_input_error(|_, _| Fail::Rejected))
}

fn service(layer: Layer) -> Breaker {
    (layer, Execute::new(backend as Backend)).into_service()
}

impl Subject for Default {
    type Breaker = Breaker;

    fn id(&self) -> Id {
        Id::new("seatbelt 0.11.0", "breaker, default", Role::Peer)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        Ok(service(layer("bench")?))
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        block_on(breaker.execute(ok)) != Err(Fail::Rejected)
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        Ok(service(layer("bench")?.break_duration(OPEN_FOR)))
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let layer = layer("bench")?
            .min_throughput(5)
            .failure_threshold(0.5)
            .break_duration(Duration::ZERO)
            .half_open_mode(HalfOpenMode::quick());
        Ok(Some(Cycling {
            breaker: service(layer),
            failures: 5,
            successes: 1,
        }))
    }

    fn named(&self, name: &str) -> Result<Self::Breaker, Error> {
        Ok(service(layer(name)?))
    }
}
