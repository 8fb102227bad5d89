//! In-flight tracking, so that `close()` can wait for the last call.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use std::time::Duration;

use tokio::sync::Notify;

use crate::ClientError;

#[derive(Debug, Default)]
pub(crate) struct Lifecycle {
    closed: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// One call in flight; dropping it (finished or cancelled) lets `close`
/// go on once it was the last.
#[derive(Debug)]
pub(crate) struct InFlight<'a>(&'a Lifecycle);

impl Lifecycle {
    /// Registers a call, unless the client is closed.
    ///
    /// Counting first and checking second (both `SeqCst`) means that a call
    /// either sees `closed` and backs out, or is counted before `close`
    /// reads the count: no call slips past a finished `close`.
    pub(crate) fn enter(&self) -> Result<InFlight<'_>, ClientError> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self);
        if self.closed.load(Ordering::SeqCst) {
            return Err(ClientError::Closed);
        }
        Ok(guard)
    }

    /// Marks the client closed: every later [`enter`](Self::enter) fails.
    pub(crate) fn refuse_new(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Refuses new calls and waits until none is in flight, for at most
    /// `deadline`; then returns how many are still in flight.
    pub(crate) async fn close(&self, deadline: Duration) -> Result<(), usize> {
        self.refuse_new();
        tokio::time::timeout(deadline, self.idle())
            .await
            .map_err(|_| self.in_flight())
    }

    async fn idle(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            // Registered before the count is read, so a last call finishing
            // in between still wakes us.
            idle.as_mut().enable();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn close_waits_for_calls_in_flight_and_refuses_new_ones() {
        let lifecycle = Arc::new(Lifecycle::default());
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (entered, has_entered) = tokio::sync::oneshot::channel::<()>();
        let call = {
            let lifecycle = Arc::clone(&lifecycle);
            tokio::spawn(async move {
                let _guard = lifecycle.enter().unwrap();
                entered.send(()).unwrap();
                released.await.unwrap();
            })
        };
        has_entered.await.unwrap();
        let closing = {
            let lifecycle = Arc::clone(&lifecycle);
            tokio::spawn(async move { lifecycle.close(Duration::from_secs(60)).await })
        };
        tokio::task::yield_now().await;
        assert!(!closing.is_finished());
        assert!(matches!(lifecycle.enter(), Err(ClientError::Closed)));
        assert_eq!(lifecycle.in_flight(), 1);

        release.send(()).unwrap();
        call.await.unwrap();
        assert_eq!(closing.await.unwrap(), Ok(()));
        assert_eq!(lifecycle.in_flight(), 0);
        assert!(lifecycle.is_closed());
        // Closing again returns at once.
        assert_eq!(lifecycle.close(Duration::ZERO).await, Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn close_gives_up_at_its_deadline_and_says_how_many_are_left() {
        let lifecycle = Lifecycle::default();
        let stuck = lifecycle.enter().unwrap();
        let left = lifecycle.close(Duration::from_secs(5)).await;
        assert_eq!(left, Err(1));
        assert!(lifecycle.is_closed());
        drop(stuck);
        assert_eq!(lifecycle.close(Duration::from_secs(5)).await, Ok(()));
    }
}
