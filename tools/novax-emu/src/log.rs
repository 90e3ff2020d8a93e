// SPDX-License-Identifier: MIT OR Apache-2.0

//! The emulator's log: human-readable lines with a timestamp, flushed one by one.
//!
//! A single process-wide logger keeps the firmware model free of logging plumbing: everything
//! can log with [`log_info!`](crate::log_info) and [`log_debug!`](crate::log_debug). Info
//! lines (client connect/disconnect, boot, halt, faults, counts) go to the `--log` file; with
//! `--verbose` they also go to stderr, together with debug lines (every command and rejection).
//! Before [`init`] (as in the unit tests) nothing is written.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

struct Logger {
    file: Option<File>,
    verbose: bool,
    start: Instant,
}

static LOGGER: OnceLock<Mutex<Logger>> = OnceLock::new();

/// Starts logging to `file` (appending), and to stderr if `verbose`.
pub fn init(file: Option<&Path>, verbose: bool) -> io::Result<()> {
    let file = match file {
        Some(p) => Some(File::options().create(true).append(true).open(p)?),
        None => None,
    };
    let _ = LOGGER.set(Mutex::new(Logger {
        file,
        verbose,
        start: Instant::now(),
    }));
    Ok(())
}

/// Whether debug lines are written.
pub fn verbose() -> bool {
    LOGGER
        .get()
        .and_then(|l| l.lock().ok().map(|l| l.verbose))
        .unwrap_or(false)
}

/// Writes one line; `debug` lines only in verbose mode.
pub fn write(debug: bool, args: fmt::Arguments<'_>) {
    let Some(logger) = LOGGER.get() else {
        return;
    };
    let Ok(mut l) = logger.lock() else {
        return;
    };
    if debug && !l.verbose {
        return;
    }
    let t = l.start.elapsed();
    let line = format!(
        "[{:>5}.{:06}] novax-emu: {}\n",
        t.as_secs(),
        t.subsec_micros(),
        args
    );
    if let Some(f) = l.file.as_mut() {
        // A full disk must not stop the GPU.
        let _ = f.write_all(line.as_bytes()).and_then(|()| f.flush());
    }
    if l.verbose {
        let _ = io::stderr().write_all(line.as_bytes());
    }
}

/// Logs an info line (`format!` syntax).
#[macro_export]
macro_rules! log_info {
    ($($t:tt)*) => { $crate::log::write(false, format_args!($($t)*)) };
}

/// Logs a debug line (`format!` syntax), written only with `--verbose`.
#[macro_export]
macro_rules! log_debug {
    ($($t:tt)*) => { $crate::log::write(true, format_args!($($t)*)) };
}
