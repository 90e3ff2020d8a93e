// SPDX-License-Identifier: MIT OR Apache-2.0

//! novaxctl: inspect and exercise a novax GPU from userspace.
//!
//! Exit status: 0 on success, 1 if the driver failed a request or answered wrongly (the message
//! names the ioctl and errno), 2 on a usage error.

mod args;
mod chip;
mod cmd;
mod rng;
mod stats;
mod units;

use args::{Args, Command, USAGE};
use cmd::{CmdResult, Failure};
use std::io::Write;
use std::process::ExitCode;

fn run(args: &Args, out: &mut impl Write) -> CmdResult {
    let device = args.device.as_deref();
    match &args.command {
        Command::Help => Ok(out.write_all(USAGE.as_bytes())?),
        Command::Version => Ok(writeln!(out, "novaxctl {}", env!("CARGO_PKG_VERSION"))?),
        Command::Info => cmd::info::run(&cmd::open(device)?, out),
        Command::BoCreate { size } => cmd::bo::create(&cmd::open(device)?, *size, out),
        Command::BoInfo { handle, create } => {
            cmd::bo::info(&cmd::open(device)?, *handle, create, out)
        }
        Command::Echo { count } => cmd::echo::run(&cmd::open(device)?, *count, out),
        Command::Debugfs { dir: Some(dir) } => cmd::debugfs::dump(dir, out),
        Command::Debugfs { dir: None } => {
            let dev = cmd::open(device)?;
            cmd::debugfs::dump(&dev.debugfs_dir().map_err(Failure::Lib)?, out)
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let args = match args::parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("novaxctl: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = run(&args, &mut out).and_then(|()| Ok(out.flush()?));
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("novaxctl: {e}");
            ExitCode::FAILURE
        }
    }
}
