//! Every atomic and lock the breaker uses comes through here, so that the
//! loom tests (`--cfg loom`) model-check the real code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Locks, ignoring poisoning: the guarded data is only ever written by
/// breaker code that does not panic, and a panicking listener runs outside
/// the lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
