//! Atomics and the per-thread stripe choice, in one place.

pub(crate) use std::sync::atomic::{AtomicU64, Ordering};

/// This thread's stripe in `0..stripes`: threads are dealt stripes
/// round-robin on first use, so two busy threads do not share one.
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
            i = NEXT.fetch_add(1, Ordering::Relaxed);
            index.set(i);
        }
        i % stripes
    })
}
