//! The one thing a guard needs from a runtime: a sleep, to bound a
//! fallback.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

/// A boxed sleep, as a [`Timer`] returns it.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Sleeps on your runtime, so that this crate needs none.
///
/// Any `Fn(Duration) -> impl Future<Output = ()>` is a timer: pass
/// `tokio::time::sleep`, `async_io::Timer::after` wrapped in a closure that
/// drops its output, or your own.
///
/// ```
/// use fallback_cache::Timer;
/// use std::time::Duration;
///
/// fn takes(_: impl Timer) {}
/// takes(tokio::time::sleep);
/// takes(|wait: Duration| async move { let _ = wait; /* a test's fake sleep */ });
/// ```
pub trait Timer: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

impl<F, Fut> Timer for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(self(duration))
    }
}

/// `work`'s output, or `None` if `deadline` completes first. `work` is
/// polled first, so an answer ready at the deadline still wins; dropping
/// `work` on `None` cancels it.
pub(super) async fn before<T>(work: impl Future<Output = T>, deadline: Sleep) -> Option<T> {
    let mut work = pin!(work);
    let mut deadline = deadline;
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        deadline.as_mut().poll(cx).map(|()| None)
    })
    .await
}
