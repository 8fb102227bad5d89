//! Delivering events to listeners, so that one listener's panic neither
//! stops the others nor, during unwinding, aborts the process.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use crate::EventListener;

/// Calls `f` on every listener, in order; then resumes the first panic, if
/// any (see [`Panics::finish`]).
#[inline]
pub(crate) fn each(listeners: &[Arc<dyn EventListener>], f: impl Fn(&dyn EventListener)) {
    let mut panics = Panics::default();
    panics.each(listeners, f);
    panics.finish();
}

/// The first panic of a series of deliveries.
#[derive(Default)]
pub(crate) struct Panics(Option<Box<dyn Any + Send>>);

impl Panics {
    /// Calls `f` on every listener, in order, catching panics.
    #[inline]
    pub(crate) fn each(
        &mut self,
        listeners: &[Arc<dyn EventListener>],
        f: impl Fn(&dyn EventListener),
    ) {
        for listener in listeners {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(listener.as_ref()))) {
                self.0.get_or_insert(panic);
            }
        }
    }

    /// Resumes the first panic, unless the thread is already unwinding (a
    /// permit dropped by a panic), where a second panic would abort the
    /// process: then it is reported and dropped.
    #[inline]
    pub(crate) fn finish(self) {
        if let Some(panic) = self.0 {
            rethrow(panic);
        }
    }
}

#[cold]
fn rethrow(panic: Box<dyn Any + Send>) {
    if std::thread::panicking() {
        #[cfg(feature = "tracing")]
        tracing::error!(
            panic = panic_message(panic.as_ref()),
            "a circuit breaker event listener panicked while the thread was unwinding; the panic was dropped"
        );
        return;
    }
    resume_unwind(panic);
}

#[cfg(feature = "tracing")]
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}
