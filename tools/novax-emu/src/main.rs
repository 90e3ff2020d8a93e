// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novax-emu`: parse the command line, start logging, bind the socket, report readiness on
//! stdout and serve until SIGINT/SIGTERM.

use clap::Parser;
use novax_emu::cli::{Action, Cli, Config};
use novax_emu::server::Server;
use novax_emu::signals::Termination;
use novax_emu::{chip, log, log_info};
use std::io::{self, Write};
use std::process::ExitCode;

fn run(cfg: Config) -> io::Result<()> {
    // Block the signals before anything else, so a SIGTERM right after "listening" is a clean
    // exit and not a kill.
    let signals = Termination::new()?;
    log::init(cfg.log.as_deref(), cfg.verbose)?;
    let mut server = Server::bind(&cfg, signals)?;
    log_info!(
        "listening on {}: {} (BOOT_0 {:#010x}), shm {} KiB, {} vectors, event rate {}/s",
        cfg.socket.display(),
        cfg.chip.name,
        cfg.chip.boot0,
        cfg.shm_size >> 10,
        cfg.vectors,
        cfg.event_rate
    );
    let mut out = io::stdout().lock();
    writeln!(out, "novax-emu: listening on {}", cfg.socket.display())?;
    out.flush()?;
    drop(out);
    server.run()
}

fn main() -> ExitCode {
    // Usage errors exit with status 2, --help and --version with 0 (clap's convention).
    match Cli::parse().action() {
        Action::ListChips => {
            for c in chip::CHIPS {
                let gsp = if chip::has_gsp(c.chipset) {
                    ""
                } else {
                    "  (no GSP)"
                };
                println!(
                    "{:6} chipset {:#05x} BOOT_0 {:#010x} BOOT_42 {:#010x} VRAM {:3} GiB{gsp}",
                    c.name,
                    c.chipset,
                    chip::encode_boot0(c.chipset, chip::MAJOR_REV, chip::MINOR_REV),
                    chip::encode_boot42(c.chipset, chip::MAJOR_REV, chip::MINOR_REV),
                    c.vram_size >> 30
                );
            }
        }
        Action::Run(cfg) => {
            if let Err(e) = run(cfg) {
                eprintln!("novax-emu: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
