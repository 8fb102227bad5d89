//! How a thread fared with the scheduler: CPU time it got, and time it
//! spent runnable but waiting for a core (someone else's load).

use std::time::Duration;

/// CPU time of the current thread.
#[cfg(target_os = "linux")]
pub(super) fn thread_cpu() -> Option<Duration> {
    use rustix::time::{ClockId, clock_gettime};
    let ts = clock_gettime(ClockId::ThreadCPUTime);
    Some(Duration::new(
        u64::try_from(ts.tv_sec).ok()?,
        u32::try_from(ts.tv_nsec).ok()?,
    ))
}

/// Run-queue statistics of one thread, cumulative since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Queued {
    /// Time spent runnable but waiting for a core.
    pub(super) waited: Duration,
    /// Times the thread was put on a core.
    pub(super) slices: u64,
}

impl Queued {
    pub(super) fn since(self, earlier: Self) -> Self {
        Self {
            waited: self.waited.saturating_sub(earlier.waited),
            slices: self.slices.saturating_sub(earlier.slices),
        }
    }
}

/// This thread's run-queue statistics (`/proc/thread-self/schedstat`).
#[cfg(target_os = "linux")]
pub(super) fn queued() -> Option<Queued> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    parse(&stat)
}

fn parse(schedstat: &str) -> Option<Queued> {
    let mut fields = schedstat.split_whitespace().skip(1);
    let waited = Duration::from_nanos(fields.next()?.parse().ok()?);
    let slices = fields.next()?.parse().ok()?;
    Some(Queued { waited, slices })
}

#[cfg(not(target_os = "linux"))]
pub(super) fn thread_cpu() -> Option<Duration> {
    None
}

#[cfg(not(target_os = "linux"))]
pub(super) fn queued() -> Option<Queued> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_gives_the_wait_and_the_slices() {
        let q = parse("459562352 61550061 479\n").unwrap();
        assert_eq!(
            q,
            Queued {
                waited: Duration::from_nanos(61_550_061),
                slices: 479
            }
        );
        assert_eq!(
            q.since(Queued {
                waited: Duration::from_nanos(1_550_061),
                slices: 79
            })
            .slices,
            400
        );
        assert_eq!(parse("garbage"), None);
    }
}
