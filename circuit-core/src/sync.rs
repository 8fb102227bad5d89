//! Every atomic, lock and shared cell the breaker uses comes through here,
//! so that the loom tests (`--cfg loom`) model-check the real code.

use std::sync::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Locks, ignoring poisoning. The breaker computes everything that runs
/// user code (clock, backoff, trip policy) before it changes any state, so
/// a panic there leaves the guarded data as it was.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Between a `SeqCst` access and the next one on the same thread, where
/// the algorithm needs the total order of `SeqCst` accesses (the armed
/// window, see `CircuitBreaker::rearm`). The accesses give that order
/// themselves, so outside loom this is nothing; loom models the total order
/// of `SeqCst` fences but not of `SeqCst` accesses, so under loom it is a
/// fence, which gives loom the same order to check.
#[inline(always)]
pub(crate) fn seq_cst_point() {
    #[cfg(loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// A shared value swapped whole: readers never lock and never see half of
/// it (`arc-swap`). Under loom, a mutex around an `Arc`, which loom can
/// model.
#[cfg(not(loom))]
pub(crate) struct SwapCell<T>(arc_swap::ArcSwap<T>);

#[cfg(not(loom))]
impl<T> SwapCell<T> {
    pub(crate) fn new(value: Arc<T>) -> Self {
        Self(arc_swap::ArcSwap::new(value))
    }

    /// The current value.
    #[inline]
    pub(crate) fn load(&self) -> Arc<T> {
        self.0.load_full()
    }

    /// A cheap borrow of the current value, for a short read.
    #[inline]
    pub(crate) fn peek(&self) -> arc_swap::Guard<Arc<T>> {
        self.0.load()
    }

    /// Replaces the value; returns the old one.
    pub(crate) fn swap(&self, value: Arc<T>) -> Arc<T> {
        self.0.swap(value)
    }
}

#[cfg(loom)]
pub(crate) struct SwapCell<T>(Mutex<Arc<T>>);

#[cfg(loom)]
impl<T> SwapCell<T> {
    pub(crate) fn new(value: Arc<T>) -> Self {
        Self(Mutex::new(value))
    }

    pub(crate) fn load(&self) -> Arc<T> {
        Arc::clone(&lock(&self.0))
    }

    pub(crate) fn peek(&self) -> Arc<T> {
        self.load()
    }

    pub(crate) fn swap(&self, value: Arc<T>) -> Arc<T> {
        std::mem::replace(&mut *lock(&self.0), value)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for SwapCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

/// A value set at most once, then read without a lock. Under loom it is
/// set from the start (loom cannot model `OnceLock`), so loom checks the
/// code that uses it, not the lazy allocation.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub(crate) struct Once<T>(std::sync::OnceLock<T>);

#[cfg(not(loom))]
impl<T> Once<T> {
    pub(crate) fn new_eager(_make: impl FnOnce() -> T) -> Self {
        Self(std::sync::OnceLock::new())
    }

    #[inline]
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.get()
    }

    pub(crate) fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(make)
    }
}

#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Once<T>(T);

#[cfg(loom)]
impl<T> Once<T> {
    pub(crate) fn new_eager(make: impl FnOnce() -> T) -> Self {
        Self(make())
    }

    pub(crate) fn get(&self) -> Option<&T> {
        Some(&self.0)
    }

    pub(crate) fn get_or_init(&self, _make: impl FnOnce() -> T) -> &T {
        &self.0
    }
}

/// This thread's counter stripe, in `0..stripes`: threads are dealt stripes
/// round-robin on first use, so two busy threads never share one.
#[cfg(not(loom))]
#[inline]
pub(crate) fn stripe_index(stripes: usize) -> usize {
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;

    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    INDEX.with(|index| {
        let mut i = index.get();
        if i == usize::MAX {
            i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            index.set(i);
        }
        i % stripes
    })
}

/// Under loom, stripes follow loom's deterministic thread ids.
#[cfg(loom)]
pub(crate) fn stripe_index(stripes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", loom::thread::current().id()).hash(&mut hasher);
    (hasher.finish() as usize) % stripes
}
