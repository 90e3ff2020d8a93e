// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl echo [-n N]`: echo RPCs through the GSP queues, with latencies.
//!
//! Cookies come from rand's `StdRng`, seeded from the OS per run (so a driver cannot pass by
//! echoing a stale or constant value), and seeded from a number in the tests. Latency
//! summaries come from an HDR histogram (hdrhistogram, the latency recorder of wrk2 and
//! tokio's tooling) at 3 significant digits: every figure is within 0.1% of the exact one,
//! below what the two decimals of the text output show for most values.

use super::{CmdResult, Failure, Output};
use crate::json;
use crate::units::format_ns;
use hdrhistogram::Histogram;
use novax_uapi::Device;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::Serialize;
use std::io::Write;
use std::time::Instant;

/// min/p50/p99/max/mean of a set of samples, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Smallest sample.
    pub min: u64,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean, rounded down.
    pub mean: u64,
}

/// Summarises `samples`; `None` if there are none.
pub fn summarize(samples: &[u64]) -> Option<Summary> {
    let mut h = Histogram::<u64>::new(3).expect("3 significant digits are supported");
    for &s in samples {
        h.record(s)
            .expect("an auto-resizing histogram takes any u64");
    }
    (!h.is_empty()).then(|| Summary {
        min: h.min(),
        p50: h.value_at_quantile(0.50),
        p99: h.value_at_quantile(0.99),
        max: h.max(),
        mean: h.mean() as u64,
    })
}

/// The `--json` report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Echo RPCs done, every cookie returned.
    pub count: u32,
    /// The round trips the driver measured.
    pub driver_ns: Summary,
    /// The ioctls' wall-clock time.
    pub ioctl_ns: Summary,
}

/// Writes one latency line.
pub fn write_summary(out: &mut impl Write, what: &str, s: &Summary) -> std::io::Result<()> {
    writeln!(
        out,
        "{what:9} min {}  p50 {}  p99 {}  max {}  mean {}",
        format_ns(s.min),
        format_ns(s.p50),
        format_ns(s.p99),
        format_ns(s.max),
        format_ns(s.mean)
    )
}

/// Runs `count` echo RPCs with random cookies and checks each cookie comes back.
pub fn run(dev: &Device, count: u32, output: Output, out: &mut impl Write) -> CmdResult {
    let mut rng = StdRng::from_os_rng();
    let mut rpc = Vec::with_capacity(count as usize);
    let mut wall = Vec::with_capacity(count as usize);
    for i in 0..count {
        let cookie = rng.next_u64();
        let t = Instant::now();
        let echo = dev
            .gsp_echo(cookie)
            .map_err(|e| Failure::Check(format!("echo {} of {count}: {e}", i + 1)))?;
        wall.push(t.elapsed().as_nanos() as u64);
        if echo.cookie != cookie {
            return Err(Failure::Check(format!(
                "echo {} of {count}: GSP_ECHO returned cookie {:#018x}, sent {cookie:#018x}",
                i + 1,
                echo.cookie
            )));
        }
        if echo.latency_ns == 0 {
            return Err(Failure::Check(format!(
                "echo {} of {count}: GSP_ECHO reported a latency of 0 ns",
                i + 1
            )));
        }
        rpc.push(echo.latency_ns);
    }
    let (Some(driver_ns), Some(ioctl_ns)) = (summarize(&rpc), summarize(&wall)) else {
        unreachable!("count is at least 1");
    };
    match output {
        Output::Json => json::write(
            out,
            &Report {
                count,
                driver_ns,
                ioctl_ns,
            },
        )?,
        Output::Text => {
            writeln!(out, "{count} echo RPCs, every cookie returned")?;
            write_summary(out, "driver:", &driver_ns)?;
            write_summary(out, "ioctl:", &ioctl_ns)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line() {
        let s = summarize(&[1_000, 2_000, 3_000]).unwrap();
        let mut out = Vec::new();
        write_summary(&mut out, "driver:", &s).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "driver:   min 1.00 µs  p50 2.00 µs  p99 3.00 µs  max 3.00 µs  mean 2.00 µs\n"
        );
    }

    #[test]
    fn summaries() {
        assert_eq!(summarize(&[]), None);
        let s = summarize(&[7]).unwrap();
        assert_eq!((s.min, s.p50, s.p99, s.max, s.mean), (7, 7, 7, 7, 7));
        // Below 2048 the histogram is exact.
        let v: Vec<u64> = (1..=100).rev().collect();
        let s = summarize(&v).unwrap();
        assert_eq!((s.min, s.p50, s.p99, s.max, s.mean), (1, 50, 99, 100, 50));
        // An outlier shows in p99 only with few samples.
        let mut v = vec![10; 1000];
        v[0] = 1_000_000;
        let s = summarize(&v).unwrap();
        assert_eq!((s.p50, s.p99), (10, 10));
        assert!(s.max.abs_diff(1_000_000) <= 1_000, "{}", s.max);
        assert!(summarize(&v[..50]).unwrap().p99 >= 999_000);
        // Large values stay within 0.1%.
        let s = summarize(&[123_456_789]).unwrap();
        assert!(s.p50.abs_diff(123_456_789) <= 123_457, "{}", s.p50);
    }

    #[test]
    fn json_report_shape() {
        let s = summarize(&[1_000]).unwrap();
        let r = Report {
            count: 1,
            driver_ns: s,
            ioctl_ns: s,
        };
        let one =
            serde_json::json!({"min": 1000, "p50": 1000, "p99": 1000, "max": 1000, "mean": 1000});
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"count": 1, "driver_ns": one, "ioctl_ns": one})
        );
    }

    #[test]
    fn seeded_cookies_repeat_and_differ() {
        let cookies = |seed| {
            let mut r = StdRng::seed_from_u64(seed);
            (0..10_000).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(cookies(1), cookies(1), "a seed gives one sequence");
        assert_ne!(cookies(1), cookies(2));
        let mut v = cookies(1);
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 10_000, "no cookie repeats in a run");
    }
}
