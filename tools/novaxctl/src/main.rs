// SPDX-License-Identifier: MIT OR Apache-2.0

//! novaxctl: inspect and exercise a novax GPU from userspace.
//!
//! Exit status: 0 on success, 1 if the driver failed a request or answered wrongly (the message
//! names the ioctl and errno), 2 on a usage error (clap's message names the bad argument).

mod chip;
mod cli;
mod cmd;
mod json;
mod units;

use clap::Parser;
use cli::{Bo, Cli, Command};
use cmd::{CmdResult, Failure, Output};
use std::io::Write;
use std::process::ExitCode;

fn run(cli: &Cli, out: &mut impl Write) -> CmdResult {
    let device = cli.device.as_deref();
    let output = if cli.json { Output::Json } else { Output::Text };
    match &cli.command {
        Command::Info => cmd::info::run(&cmd::open(device)?, output, out),
        Command::Bo(_) if cli.json => Err(Failure::Check(
            "--json: bo has no JSON output (info, echo and debugfs do)".into(),
        )),
        Command::Bo(Bo::Create { size }) => cmd::bo::create(&cmd::open(device)?, *size, out),
        Command::Bo(Bo::Info { handle, create }) => {
            cmd::bo::info(&cmd::open(device)?, *handle, create, out)
        }
        Command::Echo { count } => cmd::echo::run(&cmd::open(device)?, *count, output, out),
        Command::Vm { .. } if cli.json => Err(Failure::Check(
            "--json: vm has no JSON output (info, echo and debugfs do)".into(),
        )),
        Command::Vm { client, map } => cmd::vm::run(&cmd::open(device)?, *client, *map, out),
        Command::Debugfs(args) => {
            let dir = match &args.dir {
                Some(dir) => dir.clone(),
                None => cmd::open(device)?.debugfs_dir()?,
            };
            if args.watch {
                cmd::watch::run(&dir, args, output, out)
            } else {
                cmd::debugfs::dump(&dir, output, out)
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = run(&cli, &mut out).and_then(|()| Ok(out.flush()?));
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("novaxctl: {e}");
            ExitCode::FAILURE
        }
    }
}
