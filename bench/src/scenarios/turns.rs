//! Sequential requests over loopback HTTP, several ways of sending taking
//! turns in blocks so that drift on a shared machine hits them alike.

use std::time::Instant;

use serde::Serialize;

use crate::alloc::{Allocs, PerUnit, Span};
use crate::error::Error;
use crate::timing::{median_sorted, quantile_sorted};

/// Requests per turn of one variant.
const BLOCK: usize = 50;
/// Requests each variant makes before measuring (connections, caches).
pub(crate) const WARMUP: usize = 200;

/// Several ways of sending the same request.
pub(crate) trait Variants {
    /// How many there are.
    fn count(&self) -> usize;

    /// Sends the request the `variant`-th way and reads the answer.
    async fn send(&self, variant: usize) -> Result<(), Error>;
}

/// One way of sending, measured.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LatencyRow {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    pub(crate) requests: usize,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) mean_us: f64,
    /// Per request, client and server together (the server's share is the
    /// same for every variant).
    pub(crate) allocs: PerUnit,
}

/// What one variant measured.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    latencies_ns: Vec<f64>,
    allocs: Allocs,
}

impl Tally {
    pub(crate) fn row(mut self, name: &'static str, what: &'static str) -> LatencyRow {
        self.latencies_ns.sort_by(f64::total_cmp);
        let n = self.latencies_ns.len();
        LatencyRow {
            name,
            what,
            requests: n,
            p50_us: median_sorted(&self.latencies_ns) / 1e3,
            p99_us: quantile_sorted(&self.latencies_ns, 0.99) / 1e3,
            mean_us: self.latencies_ns.iter().sum::<f64>() / n.max(1) as f64 / 1e3,
            allocs: self.allocs.per(n as u64),
        }
    }
}

/// `requests` requests per variant after a warm-up, in turns of blocks.
pub(crate) async fn compare(
    variants: &impl Variants,
    requests: usize,
) -> Result<Vec<Tally>, Error> {
    let count = variants.count();
    for variant in 0..count {
        for _ in 0..WARMUP {
            variants.send(variant).await?;
        }
    }
    let mut tallies: Vec<Tally> = (0..count).map(|_| Tally::default()).collect();
    for turn in 0..requests.div_ceil(BLOCK) {
        for k in 0..count {
            let variant = (turn + k) % count;
            let tally = &mut tallies[variant];
            let span = Span::start();
            for _ in 0..BLOCK {
                let start = Instant::now();
                variants.send(variant).await?;
                tally.latencies_ns.push(start.elapsed().as_nanos() as f64);
            }
            tally.allocs = tally.allocs.plus(span.stop());
        }
    }
    Ok(tallies)
}
