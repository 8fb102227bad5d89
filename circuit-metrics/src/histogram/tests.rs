use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::MAX_RELATIVE_ERROR;

/// A small deterministic generator (xorshift64*), so the accuracy tests
/// see the same latencies on every run.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-uniform between 10 µs and 10 s: six decades, like real latencies.
    fn latency(&mut self) -> Duration {
        Duration::from_secs_f64(1e-5 * 10f64.powf(6.0 * self.next_f64()))
    }

    /// Log-uniform between 60 µs and 60 s: the compact layout's range.
    fn compact_latency(&mut self) -> Duration {
        Duration::from_secs_f64(6e-5 * 10f64.powf(6.0 * self.next_f64()))
    }
}

fn recorded(n: usize, seed: u64) -> (LatencyHistogram, Vec<Duration>) {
    let mut rng = Rng(seed);
    let h = LatencyHistogram::new();
    let values: Vec<Duration> = (0..n).map(|_| rng.latency()).collect();
    for v in &values {
        h.record(*v);
    }
    (h, values)
}

#[test]
fn quantiles_are_within_the_documented_error() {
    let (h, mut values) = recorded(20_000, 0x9e37_79b9_7f4a_7c15);
    values.sort();
    let snap = h.snapshot();
    for q in [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
        let rank = ((q * values.len() as f64).ceil() as usize).max(1);
        let truth = values[rank - 1].as_secs_f64();
        let estimate = snap.quantile(q).unwrap().as_secs_f64();
        let error = (estimate - truth).abs() / truth;
        assert!(
            error <= MAX_RELATIVE_ERROR,
            "q={q}: {estimate} vs {truth} ({error:.4})"
        );
    }
}

#[test]
fn counts_at_two_digit_bounds_are_exact() {
    let (h, values) = recorded(20_000, 42);
    let bounds: Vec<Duration> = [
        0.000_5, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5,
    ]
    .iter()
    .map(|s| Duration::from_secs_f64(*s))
    .collect();
    let counts = h.snapshot().counts_at(&bounds);
    let mut expected = vec![0u64; bounds.len() + 1];
    for v in &values {
        expected[bounds.partition_point(|b| b < v)] += 1;
    }
    assert_eq!(counts, expected);
    assert_eq!(counts.iter().sum::<u64>(), values.len() as u64);
}

#[test]
fn a_value_on_a_bound_counts_at_that_bound() {
    let h = LatencyHistogram::new();
    h.record(Duration::from_millis(5));
    h.record(Duration::from_nanos(5_000_001));
    let counts = h
        .snapshot()
        .counts_at(&[Duration::from_millis(5), Duration::from_millis(10)]);
    assert_eq!(counts, vec![1, 1, 0]);
}

#[test]
fn off_grid_bounds_err_by_at_most_one_bucket() {
    // 3.33 ms is not an edge: the bucket (3.3 ms, 3.4 ms] is counted above it.
    let h = LatencyHistogram::new();
    h.record(Duration::from_micros(3_320));
    h.record(Duration::from_micros(3_299));
    let counts = h.snapshot().counts_at(&[Duration::from_micros(3_330)]);
    assert_eq!(counts, vec![1, 1]);
}

#[test]
fn sum_is_kept_to_the_microsecond() {
    let (h, values) = recorded(5_000, 7);
    let truth: Duration = values.iter().sum();
    let sum = h.snapshot().sum();
    let diff = sum.abs_diff(truth);
    assert!(
        diff <= Duration::from_nanos(500) * values.len() as u32,
        "{sum:?} vs {truth:?}"
    );
    assert_eq!(h.snapshot().count(), 5_000);
}

#[test]
fn extremes_are_counted() {
    let h = LatencyHistogram::new();
    h.record(Duration::ZERO);
    h.record(Duration::from_secs(5_000));
    h.record(Duration::MAX);
    let snap = h.snapshot();
    assert_eq!(snap.count(), 3);
    assert_eq!(snap.quantile(0.0), Some(Duration::from_nanos(500)));
    assert_eq!(snap.counts_at(&[Duration::from_secs(1000)]), vec![1, 2]);
    assert_eq!(LatencyHistogram::new().snapshot().quantile(0.5), None);
}

#[test]
fn since_gives_the_calls_in_between() {
    let h = LatencyHistogram::new();
    h.record(Duration::from_millis(1));
    let first = h.snapshot();
    h.record(Duration::from_millis(1));
    h.record(Duration::from_millis(20));
    let delta = h.snapshot().since(&first);
    assert_eq!(delta.count(), 2);
    assert_eq!(delta.sum(), Duration::from_millis(21));
    assert_eq!(delta.counts_at(&[Duration::from_millis(1)]), vec![1, 1]);
    assert_eq!(first.since(&h.snapshot()).count(), 0);
}

#[test]
fn concurrent_records_are_all_counted() {
    let h = Arc::new(LatencyHistogram::new());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let h = Arc::clone(&h);
            std::thread::spawn(move || {
                for i in 0..10_000u64 {
                    h.record(Duration::from_micros(100 + (i + t) % 50));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let snap = h.snapshot();
    assert_eq!(snap.count(), 40_000);
    assert_eq!(
        snap.counts_at(&[Duration::from_micros(100), Duration::from_micros(150)]),
        vec![800, 39_200, 0]
    );
}

#[test]
fn merge_adds_counts_bucket_by_bucket() {
    let (a, b) = (LatencyHistogram::new(), LatencyHistogram::new());
    a.record(Duration::from_millis(1));
    a.record(Duration::from_millis(30));
    b.record(Duration::from_millis(30));
    b.record(Duration::from_secs(2));
    let mut total = a.snapshot();
    total.merge(&b.snapshot());
    assert_eq!(total.count(), 4);
    assert_eq!(total.sum(), Duration::from_millis(2061));
    let bounds = [
        Duration::from_millis(1),
        Duration::from_millis(30),
        Duration::from_secs(2),
    ];
    assert_eq!(total.counts_at(&bounds), vec![1, 2, 1, 0]);
}

fn compact_recorded(values: &[Duration]) -> CompactHistogram {
    let h = CompactHistogram::new();
    for v in values {
        h.record(*v);
    }
    h
}

#[test]
fn compact_quantiles_are_within_the_documented_error() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut values: Vec<Duration> = (0..20_000).map(|_| rng.compact_latency()).collect();
    let snap = compact_recorded(&values).snapshot();
    assert_eq!(snap.max_relative_error(), crate::COMPACT_MAX_RELATIVE_ERROR);
    values.sort();
    let mut worst: f64 = 0.0;
    for q in [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
        let rank = ((q * values.len() as f64).ceil() as usize).max(1);
        let truth = values[rank - 1].as_secs_f64();
        let estimate = snap.quantile(q).unwrap().as_secs_f64();
        let error = (estimate - truth).abs() / truth;
        worst = worst.max(error);
        assert!(
            error <= crate::COMPACT_MAX_RELATIVE_ERROR,
            "q={q}: {estimate} vs {truth} ({error:.4})"
        );
    }
    // Coarser than the fine layout, as documented, not by accident.
    assert!(worst > MAX_RELATIVE_ERROR, "{worst}");
}

#[test]
fn compact_counts_at_the_default_bounds_are_exact() {
    let (_, values) = recorded(20_000, 42);
    let snap = compact_recorded(&values).snapshot();
    let bounds: Vec<Duration> = crate::DEFAULT_LATENCY_BOUNDS
        .iter()
        .map(|s| Duration::from_secs_f64(*s))
        .collect();
    let mut expected = vec![0u64; bounds.len() + 1];
    for v in &values {
        expected[bounds.partition_point(|b| b < v)] += 1;
    }
    assert_eq!(snap.counts_at(&bounds), expected);
    assert_eq!(snap.count(), 20_000);
    let truth: Duration = values.iter().sum();
    assert!(snap.sum().abs_diff(truth) <= Duration::from_nanos(500) * 20_000);
}

#[test]
fn compact_buckets_are_the_documented_edges() {
    let h = CompactHistogram::new();
    h.record(Duration::ZERO);
    h.record(Duration::from_micros(50));
    h.record(Duration::from_micros(51));
    h.record(Duration::from_millis(3));
    h.record(Duration::from_secs(121));
    let buckets: Vec<_> = h.snapshot().buckets().collect();
    let us = Duration::from_micros;
    assert_eq!(
        buckets,
        [
            (Duration::ZERO, us(50), 2),
            (us(50), us(75), 1),
            (us(2_500), us(3_500), 1),
            (Duration::from_secs(120), Duration::from_nanos(u64::MAX), 1),
        ]
    );
    assert_eq!(h.snapshot().quantile(1.0), Some(Duration::from_secs(120)));
}

#[test]
fn fine_and_compact_snapshots_meet_in_the_compact_layout() {
    let values: Vec<Duration> = [1, 3, 30, 700, 2_000]
        .iter()
        .map(|&ms| Duration::from_millis(ms))
        .collect();
    let (fine, compact) = (LatencyHistogram::new(), compact_recorded(&values[..2]));
    for v in &values[2..] {
        fine.record(*v);
    }
    let mut total = fine.snapshot();
    total.merge(&compact.snapshot());
    assert_eq!(total, compact_recorded(&values).snapshot());

    let mut from_empty = HistogramSnapshot::default();
    from_empty.merge(&compact.snapshot());
    assert_eq!(from_empty, compact.snapshot());
    let delta = compact.snapshot().since(&HistogramSnapshot::default());
    assert_eq!(delta, compact.snapshot());
}

#[test]
fn compact_concurrent_records_are_all_counted() {
    let h = Arc::new(CompactHistogram::new());
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let h = Arc::clone(&h);
            s.spawn(move || {
                for i in 0..10_000u64 {
                    h.record(Duration::from_micros(100 + (i + t) % 50));
                }
            });
        }
    });
    let snap = h.snapshot();
    assert_eq!(snap.count(), 40_000);
    assert_eq!(
        snap.counts_at(&[Duration::from_micros(100), Duration::from_micros(150)]),
        vec![800, 39_200, 0]
    );
}
