// SPDX-License-Identifier: MIT OR Apache-2.0

//! The subcommands. Each writes to `out` so that the output formats can be tested; those with
//! a `--json` form build a serde report and print it as text or as JSON.

pub mod bo;
pub mod debugfs;
pub mod echo;
pub mod info;
pub mod vm;
pub mod watch;

use novax_uapi::Device;
use std::fmt;
use std::path::Path;

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// For people: the aligned text of before `--json` existed.
    Text,
    /// For scripts: JSON (`--json`).
    Json,
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// A call into the driver failed; the message names the ioctl and errno.
    Lib(novax_uapi::Error),
    /// The driver answered, but not what it should have.
    Check(String),
    /// Writing the output failed.
    Output(std::io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Lib(e) => write!(f, "{e}"),
            Failure::Check(s) => write!(f, "{s}"),
            Failure::Output(e) => write!(f, "writing output: {e}"),
        }
    }
}

impl From<novax_uapi::Error> for Failure {
    fn from(e: novax_uapi::Error) -> Self {
        Failure::Lib(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

/// A command's result.
pub type CmdResult = Result<(), Failure>;

/// Opens `path`, or the first novax render node.
pub fn open(path: Option<&Path>) -> Result<Device, Failure> {
    Ok(match path {
        Some(p) => Device::open_path(p)?,
        None => Device::open()?,
    })
}
