// SPDX-License-Identifier: MIT OR Apache-2.0

//! A small random number generator for echo cookies (no need for a crate: the cookies only have
//! to differ from one another and from run to run).

/// SplitMix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator, good enough to make
/// cookies that a driver cannot pass by echoing a stale or constant value.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed` (for reproducible tests).
    #[cfg(test)]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator seeded from the kernel's random pool (or the clock if that fails).
    pub fn from_entropy() -> Self {
        let mut seed = [0u8; 8];
        // SAFETY: `seed` is writable for its length.
        let n = unsafe { libc::getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
        if n == seed.len() as isize {
            return Self(u64::from_ne_bytes(seed));
        }
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self(t ^ u64::from(std::process::id()) << 32)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // The first outputs for seed 0 given by the SplitMix64 reference implementation.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn no_repeats_in_a_run() {
        let mut r = SplitMix64::from_entropy();
        let mut v: Vec<u64> = (0..10_000).map(|_| r.next_u64()).collect();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 10_000);
    }
}
