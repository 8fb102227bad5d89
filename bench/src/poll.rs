//! Driving futures without a runtime.
//!
//! Peers built on `tower` or `layered` only expose async calls. Every
//! future they return for a closed or open breaker completes on its first
//! poll (or, under contention, once another thread releases a lock), so
//! polling in place with a no-op waker measures the breaker and not an
//! executor's scheduling.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` until it is ready, spinning between polls.
#[inline]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::hint::spin_loop();
    }
}
