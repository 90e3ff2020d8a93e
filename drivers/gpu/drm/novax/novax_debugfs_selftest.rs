// SPDX-License-Identifier: GPL-2.0

//! A test module for the Rust debugfs abstraction (`kernel::debugfs`).
//!
//! It creates `/sys/kernel/debug/novax_debugfs_selftest/` with:
//!
//! - `answer`: an owned read-only file, reading `42`;
//! - `counter`: an owned read-write file of an `AtomicU32`;
//! - `limit`: a read-write callback file of a `u32` that accepts values up to 1000 only;
//! - `stats/`: a [`Scope`] over one `Stats` object, with `hits` (read-write), `scale`
//!   (read-only), `summary` (a read callback of both) and `bump` (a write-only callback adding
//!   `n * scale` to `hits`).
//!
//! `guest/tests/15-debugfs-selftest.sh` reads and writes them, and unloads the module with files
//! still open.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::{
    c_str,
    debugfs::{Dir, File, Scope},
    prelude::*,
};

module! {
    type: DebugfsSelftest,
    name: "novax_debugfs_selftest",
    author: "novax developers",
    description: "novax: Rust debugfs abstraction self-test",
    license: "GPL",
}

/// The largest value `limit` accepts.
const LIMIT_MAX: u32 = 1000;

/// The object the `stats` scope shows.
struct Stats {
    hits: AtomicU64,
    scale: u32,
}

struct DebugfsSelftest {
    _answer: Pin<KBox<File<u32>>>,
    _counter: Pin<KBox<File<AtomicU32>>>,
    _limit: Pin<KBox<File<AtomicU32>>>,
    _stats: Pin<KBox<Scope<Stats>>>,
    _dir: Dir,
}

/// Shows `limit`.
fn show_limit(v: &AtomicU32, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    writeln!(f, "{}", v.load(Ordering::Relaxed))
}

/// Stores a new `limit`: a decimal number up to [`LIMIT_MAX`].
fn store_limit(v: &AtomicU32, s: &str) -> Result {
    let n: u32 = s.trim().parse().map_err(|_| EINVAL)?;
    if n > LIMIT_MAX {
        return Err(EINVAL);
    }
    v.store(n, Ordering::Relaxed);
    Ok(())
}

impl kernel::Module for DebugfsSelftest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c_str!("novax_debugfs_selftest"));
        let answer = KBox::pin_init(dir.read_only_file(c_str!("answer"), 42u32), GFP_KERNEL)?;
        let counter = KBox::pin_init(
            dir.read_write_file(c_str!("counter"), AtomicU32::new(0)),
            GFP_KERNEL,
        )?;
        let limit = KBox::pin_init(
            dir.read_write_callback_file(
                c_str!("limit"),
                AtomicU32::new(100),
                show_limit,
                store_limit,
            ),
            GFP_KERNEL,
        )?;
        let stats = Stats {
            hits: AtomicU64::new(0),
            scale: 3,
        };
        let stats = KBox::pin_init::<core::convert::Infallible>(
            dir.scope(stats, c_str!("stats"), |s, d| {
                d.read_write_file(c_str!("hits"), &s.hits);
                d.read_only_file(c_str!("scale"), &s.scale);
                d.read_callback_file(c_str!("summary"), s, |s, f| {
                    writeln!(
                        f,
                        "hits={} scale={}",
                        s.hits.load(Ordering::Relaxed),
                        s.scale
                    )
                });
                d.write_callback_file(c_str!("bump"), s, |s, text| {
                    let n: u64 = text.trim().parse().map_err(|_| EINVAL)?;
                    let add = n.checked_mul(u64::from(s.scale)).ok_or(EINVAL)?;
                    s.hits.fetch_add(add, Ordering::Relaxed);
                    Ok(())
                });
            }),
            GFP_KERNEL,
        )?;
        pr_info!(
            "loaded: debugfs directory {}\n",
            if dir.is_present() {
                "created"
            } else {
                "absent"
            }
        );
        Ok(Self {
            _answer: answer,
            _counter: counter,
            _limit: limit,
            _stats: stats,
            _dir: dir,
        })
    }
}

impl Drop for DebugfsSelftest {
    fn drop(&mut self) {
        pr_info!("unloading: removing the debugfs files\n");
    }
}
