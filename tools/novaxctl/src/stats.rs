// SPDX-License-Identifier: MIT OR Apache-2.0

//! Latency summaries.

/// min/p50/p99/max/mean of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Smallest sample.
    pub min: u64,
    /// Median (nearest rank).
    pub p50: u64,
    /// 99th percentile (nearest rank).
    pub p99: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean, rounded down.
    pub mean: u64,
}

/// The nearest-rank percentile `p` (0 < p <= 100) of sorted, non-empty `s`: the smallest
/// sample that at least p% of the samples do not exceed.
fn percentile(s: &[u64], p: u64) -> u64 {
    let rank = (p as usize * s.len()).div_ceil(100).max(1);
    s[rank - 1]
}

/// Summarises `samples`; `None` if there are none.
pub fn summarize(samples: &[u64]) -> Option<Summary> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    let sum: u128 = s.iter().map(|&x| u128::from(x)).sum();
    Some(Summary {
        min: s[0],
        p50: percentile(&s, 50),
        p99: percentile(&s, 99),
        max: s[s.len() - 1],
        mean: (sum / s.len() as u128) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty() {
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn one_sample() {
        let s = summarize(&[7]).unwrap();
        assert_eq!((s.min, s.p50, s.p99, s.max, s.mean), (7, 7, 7, 7, 7));
    }

    #[test]
    fn hundred_samples() {
        let v: Vec<u64> = (1..=100).rev().collect();
        let s = summarize(&v).unwrap();
        assert_eq!((s.min, s.p50, s.p99, s.max), (1, 50, 99, 100));
        assert_eq!(s.mean, 50); // 50.5 rounded down
    }

    #[test]
    fn outlier_shows_in_p99_only_with_enough_samples() {
        let mut v = vec![10; 1000];
        v[0] = 1_000_000;
        let s = summarize(&v).unwrap();
        assert_eq!((s.p50, s.p99, s.max), (10, 10, 1_000_000));
        let s = summarize(&v[..50]).unwrap();
        assert_eq!(s.p99, 1_000_000);
    }

    #[test]
    fn no_overflow() {
        let s = summarize(&[u64::MAX, u64::MAX]).unwrap();
        assert_eq!(s.mean, u64::MAX);
    }
}
