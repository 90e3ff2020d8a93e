// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl debugfs --watch`: the GSP and poller counters, redrawn like `top`.
//!
//! Each refresh reads `gsp_stats` and `poller_stats`, clears the terminal (ANSI `ESC[H ESC[2J`)
//! and draws every counter with its rate since the previous refresh. With `--json` each refresh
//! is one JSON line instead, for scripts that sample the counters. It runs until Ctrl-C (the
//! default SIGINT action ends it; nothing needs restoring) or `--count` refreshes.

use super::debugfs::{parse_file, Value};
use super::{CmdResult, Failure, Output};
use crate::cli::Debugfs;
use crate::json::{self, Ordered};
use novax_uapi::Error;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// The files watched.
pub const FILES: [&str; 2] = ["gsp_stats", "poller_stats"];

/// Clears the terminal and homes the cursor.
const CLEAR: &str = "\x1b[H\x1b[2J";

/// The counters of every watched file, in the files' order.
pub type Snapshot = Ordered<Ordered<u64>>;

/// Reads the watched files of `dir`; non-numeric lines are left out.
pub fn read(dir: &Path) -> Result<Snapshot, Failure> {
    let file = |name: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::Lib(Error::sys(format!("read {}", path.display()), e)))?;
        let Value::Fields(fields) = parse_file(&text) else {
            return Ok((name.to_string(), Ordered::default()));
        };
        let counters = fields.0.into_iter().filter_map(|(k, v)| match v {
            Value::Number(n) => Some((k, n)),
            _ => None,
        });
        Ok((name.to_string(), counters.collect()))
    };
    FILES.iter().map(|n| file(n)).collect::<Result<_, _>>()
}

/// One refresh as text: a header, then per file every counter, its total and its rate over
/// `elapsed` since `prev` (`-` on the first refresh, or for a counter that went backwards,
/// as after a driver reload).
pub fn render(header: &str, now: &Snapshot, prev: Option<&Snapshot>, elapsed: Duration) -> String {
    let mut s = format!("{CLEAR}{header}\n");
    let secs = elapsed.as_secs_f64();
    for (file, counters) in &now.0 {
        let _ = writeln!(s, "\n{file:<28} {:>14} {:>12}", "total", "per s");
        let before = prev.and_then(|p| p.0.iter().find(|(f, _)| f == file));
        for (name, v) in &counters.0 {
            let old = before.and_then(|(_, c)| c.0.iter().find(|(n, _)| n == name));
            let rate = match old {
                Some((_, o)) if *v >= *o && secs > 0.0 => format!("{:.1}", (v - o) as f64 / secs),
                _ => "-".to_string(),
            };
            let _ = writeln!(s, "  {name:<26} {v:>14} {rate:>12}");
        }
    }
    s
}

/// One refresh as a JSON line.
#[derive(Debug, Serialize)]
pub struct Sample<'a> {
    /// 1 for the first refresh.
    pub refresh: u32,
    /// Seconds since the first refresh.
    pub elapsed_s: f64,
    /// The counters by file.
    pub counters: &'a Snapshot,
}

/// Runs the watch on `dir`.
pub fn run(dir: &Path, args: &Debugfs, output: Output, out: &mut impl Write) -> CmdResult {
    let start = Instant::now();
    let mut prev: Option<(Snapshot, Instant)> = None;
    for refresh in 1.. {
        let now = read(dir)?;
        let t = Instant::now();
        match output {
            Output::Json => {
                let sample = Sample {
                    refresh,
                    elapsed_s: (t - start).as_secs_f64(),
                    counters: &now,
                };
                json::write_line(out, &sample)?;
            }
            Output::Text => {
                let header = format!(
                    "novaxctl debugfs --watch: {}, every {:?}, refresh {refresh} (Ctrl-C to stop)",
                    dir.display(),
                    args.interval
                );
                let elapsed = prev.as_ref().map_or(Duration::ZERO, |(_, p)| t - *p);
                let frame = render(&header, &now, prev.as_ref().map(|(s, _)| s), elapsed);
                out.write_all(frame.as_bytes())?;
                out.flush()?;
            }
        }
        if args.count.is_some_and(|c| refresh >= c) {
            break;
        }
        prev = Some((now, t));
        std::thread::sleep(args.interval);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(messages: u64, polls: u64) -> Snapshot {
        let file = |name: &str, k: &str, v| {
            let counters = [(k.to_string(), v), ("events".to_string(), 7)];
            (name.to_string(), counters.into_iter().collect())
        };
        [
            file("gsp_stats", "messages_received", messages),
            file("poller_stats", "polls", polls),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn renders_totals_and_rates() {
        let prev = snapshot(100, 50);
        let now = snapshot(120, 40);
        let s = render("head", &now, Some(&prev), Duration::from_secs(2));
        let lines: Vec<&str> = s.lines().collect();
        assert!(s.starts_with("\x1b[H\x1b[2Jhead\n"), "{s:?}");
        let row = |name: &str| {
            let l = lines
                .iter()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap();
            l.split_whitespace().skip(1).collect::<Vec<_>>()
        };
        assert_eq!(row("messages_received"), ["120", "10.0"]);
        assert_eq!(
            row("polls"),
            ["40", "-"],
            "a counter that went back has no rate"
        );
        assert_eq!(row("events"), ["7", "0.0"]);
        let gsp = lines
            .iter()
            .position(|l| l.starts_with("gsp_stats"))
            .unwrap();
        let poller = lines
            .iter()
            .position(|l| l.starts_with("poller_stats"))
            .unwrap();
        assert!(gsp < poller);
        let first = render("head", &now, None, Duration::ZERO);
        assert!(
            first.contains(&format!("{:>14} {:>12}", 120, "-")),
            "{first}"
        );
    }

    #[test]
    fn reads_counters_and_stops_after_count() {
        use super::super::debugfs::tests::TempDir;
        let dir = TempDir::new(
            "watch",
            &[
                ("gsp_stats", "messages_received: 5\nevents: 2\n"),
                ("poller_stats", "interrupts: 9\n"),
            ],
        );
        assert_eq!(
            serde_json::to_value(read(&dir.0).unwrap()).unwrap(),
            serde_json::json!({
                "gsp_stats": {"messages_received": 5, "events": 2},
                "poller_stats": {"interrupts": 9}
            })
        );
        let args = Debugfs {
            dir: None,
            watch: true,
            interval: Duration::from_millis(10),
            count: Some(3),
        };
        let mut out = Vec::new();
        run(&dir.0, &args, Output::Json, &mut out).unwrap();
        let lines: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2]["refresh"], 3);
        assert_eq!(lines[0]["counters"]["poller_stats"]["interrupts"], 9);
        let mut out = Vec::new();
        run(&dir.0, &args, Output::Text, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().matches(CLEAR).count(), 3);
        std::fs::remove_file(dir.0.join("poller_stats")).unwrap();
        let e = read(&dir.0).unwrap_err().to_string();
        assert!(e.starts_with("read ") && e.contains("poller_stats"), "{e}");
    }
}
