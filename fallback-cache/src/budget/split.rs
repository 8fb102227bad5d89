//! Splitting whole cents, exactly and deterministically.

/// `pool` over `n` shares: `pool / n` each, the first `pool % n` one more.
pub(crate) fn even(pool: u64, n: usize) -> Vec<u64> {
    let Ok(n64) = u64::try_from(n) else {
        return vec![0; n];
    };
    if n64 == 0 {
        return Vec::new();
    }
    let (base, extra) = (pool / n64, pool % n64);
    (0..n64).map(|i| base + u64::from(i < extra)).collect()
}

/// `pool` in proportion to `weights` by the largest-remainder method:
/// floor shares first, then one cent each to the largest remainders, ties
/// to the lower index. All-zero weights split evenly.
pub(crate) fn weighted(pool: u64, weights: &[u64]) -> Vec<u64> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return even(pool, weights.len());
    }
    let pool128 = u128::from(pool);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let exact = pool128 * u128::from(w);
        // Each share is at most `pool`, so it fits.
        shares.push(u64::try_from(exact / total).unwrap_or(pool));
        remainders.push((exact % total, i));
    }
    let handed: u64 = shares.iter().sum();
    let left = usize::try_from(pool - handed).unwrap_or(usize::MAX);
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(left) {
        shares[i] += 1;
    }
    shares
}
