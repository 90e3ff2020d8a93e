// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl echo [-n N]`: echo RPCs through the GSP queues, with latencies.

use super::{CmdResult, Failure};
use crate::rng::SplitMix64;
use crate::stats::{summarize, Summary};
use crate::units::format_ns;
use novax_uapi::Device;
use std::io::Write;
use std::time::Instant;

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
pub fn run(dev: &Device, count: u32, out: &mut impl Write) -> CmdResult {
    let mut rng = SplitMix64::from_entropy();
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
    writeln!(out, "{count} echo RPCs, every cookie returned")?;
    if let (Some(r), Some(w)) = (summarize(&rpc), summarize(&wall)) {
        write_summary(out, "driver:", &r)?;
        write_summary(out, "ioctl:", &w)?;
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
}
