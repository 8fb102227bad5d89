//! `recloser` 1.4.0: lock-free state swaps through `crossbeam-epoch`, a
//! spin-locked ring buffer of outcomes.

use std::sync::Arc;
use std::time::Duration;

use recloser::{Error as RecloserError, Recloser};

use super::{Cycling, Id, OPEN_FOR, Role, Subject};
use crate::error::Error;

/// `Recloser::default()`: 50 % over the last 100 calls, 30 s open, 10
/// half-open calls.
#[derive(Debug)]
pub(crate) struct Default;

impl Subject for Default {
    type Breaker = Arc<Recloser>;

    fn id(&self) -> Id {
        Id::new("recloser 1.4.0", "default", Role::Peer)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        Ok(Arc::new(Recloser::default()))
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        // `Recloser::default()`'s values, but for the open wait.
        Ok(Arc::new(Recloser::custom().open_wait(OPEN_FOR).build()))
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        !matches!(
            breaker.call(|| if ok { Ok(()) } else { Err(()) }),
            Err(RecloserError::Rejected)
        )
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        // The ring must fill before a rate is computed: 5 slots trip on
        // the 6th failure; 1 half-open slot closes on the 2nd success.
        let breaker = Recloser::custom()
            .error_rate(0.5)
            .closed_len(5)
            .half_open_len(1)
            .open_wait(Duration::ZERO)
            .build();
        Ok(Some(Cycling {
            breaker: Arc::new(breaker),
            failures: 6,
            successes: 2,
        }))
    }

    fn named(&self, _name: &str) -> Result<Self::Breaker, Error> {
        self.closed()
    }
}
