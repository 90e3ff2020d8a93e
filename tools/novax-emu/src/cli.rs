// SPDX-License-Identifier: MIT OR Apache-2.0

//! The command line, declared with clap's derive: clap writes `--help` and names the bad
//! argument in its errors; the value parsers here say what a chip, a size or a count is.

use crate::chip::{self, Chip};
use crate::regs::SHM_SIZE;
use clap::Parser;
use std::path::PathBuf;

/// Serves QEMU's ivshmem-doorbell device as an emulated NVIDIA GPU for the novax driver.
#[derive(Parser, Debug)]
#[command(
    name = "novax-emu",
    version,
    after_help = "QEMU: -chardev socket,path=PATH,id=gpu -device ivshmem-doorbell,chardev=gpu,vectors=2"
)]
pub struct Cli {
    /// Listening socket for QEMU's ivshmem chardev
    #[arg(long, value_name = "PATH", required_unless_present = "list_chips")]
    socket: Option<PathBuf>,
    /// Append a human-readable log to FILE
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Chip to emulate (see --list-chips), or a chipset code such as 0x192 [default: ad102]
    #[arg(long, value_name = "NAME", value_parser = parse_chip)]
    chipset: Option<Chip>,
    /// Raw NV_PMC_BOOT_0 value (overrides --chipset; BOOT_42 follows as on a real chip), e.g.
    /// 0x050000a1 for a pre-Turing chip the driver must refuse
    #[arg(long, value_name = "VALUE", value_parser = parse_u32)]
    boot0: Option<u32>,
    /// Raw NV_PMC_BOOT_42 value (with --boot0 or --chipset: overrides the BOOT_42 the chip
    /// has), e.g. 0 on a Turing BOOT_0 for an inconsistent chip the driver must refuse
    #[arg(long, value_name = "VALUE", value_parser = parse_u32)]
    boot42: Option<u32>,
    /// Shared memory size, a power of two >= 32M
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_shm_size)]
    shm_size: usize,
    /// Interrupt vectors, as QEMU's vectors= (1..=64)
    #[arg(long, value_name = "N", default_value = "2", value_parser = parse_vectors)]
    vectors: usize,
    /// NOVAX_EMU_TICK events per second after start
    #[arg(long, value_name = "N", default_value = "0", value_parser = parse_u32)]
    event_rate: u32,
    /// The file behind the guest's RAM (QEMU `-object memory-backend-file,mem-path=FILE,
    /// share=on -machine pc,memory-backend=...`), which the GPU reaches by guest-physical
    /// address
    #[arg(long, value_name = "FILE")]
    guest_ram: Option<PathBuf>,
    /// Log every command, and log to stderr too
    #[arg(short, long)]
    verbose: bool,
    /// Print the known chips and exit
    #[arg(long)]
    list_chips: bool,
}

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Socket path.
    pub socket: PathBuf,
    /// Log file.
    pub log: Option<PathBuf>,
    /// The emulated chip.
    pub chip: Chip,
    /// Shared memory size.
    pub shm_size: usize,
    /// Interrupt vectors per peer.
    pub vectors: usize,
    /// Initial periodic event rate.
    pub event_rate: u32,
    /// The guest RAM backend file, if the GPU may reach guest memory.
    pub guest_ram: Option<PathBuf>,
    /// Verbose logging.
    pub verbose: bool,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the emulator.
    Run(Config),
    /// Print the chip table.
    ListChips,
}

impl Cli {
    /// The action the parsed arguments ask for.
    pub fn action(self) -> Action {
        let Some(socket) = self.socket.filter(|_| !self.list_chips) else {
            return Action::ListChips;
        };
        let chip = match self.boot0 {
            Some(b) => Chip::from_boot0(b),
            None => self.chipset.unwrap_or_else(Chip::default_chip),
        };
        let chip = match self.boot42 {
            Some(b42) => Chip::from_ids(chip.boot0, b42),
            None => chip,
        };
        Action::Run(Config {
            socket,
            log: self.log,
            chip,
            shm_size: self.shm_size,
            vectors: self.vectors,
            event_rate: self.event_rate,
            guest_ram: self.guest_ram,
            verbose: self.verbose,
        })
    }
}

/// Parses a number: decimal or 0x-hexadecimal.
pub fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Parses a size with an optional K/M/G suffix (powers of 1024).
pub fn parse_size(s: &str) -> Option<usize> {
    let (num, shift) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 10),
        b'm' | b'M' => (&s[..s.len() - 1], 20),
        b'g' | b'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n = usize::try_from(parse_u64(num)?).ok()?;
    n.checked_mul(1usize << shift)
}

fn parse_u32(s: &str) -> Result<u32, String> {
    parse_u64(s)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| "not a 32-bit number (decimal or 0x hex)".into())
}

fn parse_vectors(s: &str) -> Result<usize, String> {
    match parse_u64(s) {
        Some(n @ 1..=64) => Ok(n as usize),
        _ => Err("not a number in 1..=64".into()),
    }
}

fn parse_shm_size(s: &str) -> Result<usize, String> {
    match parse_size(s) {
        Some(n) if n >= SHM_SIZE && n.is_power_of_two() => Ok(n),
        _ => Err("must be a power of two >= 32M".into()),
    }
}

fn parse_chip(s: &str) -> Result<Chip, String> {
    if let Some(info) = chip::by_name(s) {
        return Ok(Chip::known(info));
    }
    let code = parse_u64(s)
        .and_then(|c| u32::try_from(c).ok())
        .filter(|&c| c <= 0x3ff)
        .ok_or("neither a known chip (see --list-chips) nor a chipset code up to 0x3ff")?;
    Ok(match chip::by_chipset(code) {
        Some(info) => Chip::known(info),
        None => Chip::from_boot0(chip::encode_boot0(code, chip::MAJOR_REV, chip::MINOR_REV)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Action, clap::Error> {
        let argv = std::iter::once("novax-emu").chain(args.iter().copied());
        Cli::try_parse_from(argv).map(Cli::action)
    }

    fn run(args: &[&str]) -> Result<Config, clap::Error> {
        match parse(args)? {
            Action::Run(c) => Ok(c),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = run(&["--socket", "/tmp/s"]).unwrap();
        assert_eq!(c.socket, PathBuf::from("/tmp/s"));
        assert_eq!(c.chip.boot0, 0x1920_00a1);
        assert_eq!(c.shm_size, 32 << 20);
        assert_eq!(c.vectors, 2);
        assert_eq!(c.event_rate, 0);
        assert!(!c.verbose);
        assert!(c.log.is_none());
        assert!(c.guest_ram.is_none());
    }

    #[test]
    fn options() {
        let c = run(&[
            "--socket=/s",
            "--chipset",
            "GA102",
            "--shm-size",
            "64M",
            "--vectors=4",
            "--event-rate",
            "100",
            "--verbose",
            "--log",
            "/l",
            "--guest-ram",
            "/dev/shm/ram",
        ])
        .unwrap();
        assert_eq!(c.chip.boot0, 0x1720_00a1);
        assert_eq!(c.chip.name, "GA102");
        assert_eq!(c.shm_size, 64 << 20);
        assert_eq!(c.vectors, 4);
        assert_eq!(c.event_rate, 100);
        assert!(c.verbose);
        assert_eq!(c.log, Some(PathBuf::from("/l")));
        assert_eq!(c.guest_ram, Some(PathBuf::from("/dev/shm/ram")));
        assert!(run(&["--socket", "s", "-v"]).unwrap().verbose);
        assert_eq!(
            run(&["--socket", "s", "--vectors", "0x10"])
                .unwrap()
                .vectors,
            16
        );
        let chip = |name| run(&["--socket", "s", "--chipset", name]).unwrap().chip;
        assert_eq!(chip("nv50").boot0, 0x0500_00a1);
        assert_eq!(chip("0x1b2").name, "GB202");
        assert_eq!(chip("0x2a3").name, "chipset 0x2a3");
        let c = run(&[
            "--socket",
            "s",
            "--chipset",
            "gb202",
            "--boot0",
            "0x132000a1",
        ])
        .unwrap();
        assert_eq!(c.chip.boot0, 0x1320_00a1);
        assert_eq!(c.chip.name, "GP102");
    }

    /// The error's kind, and that its message names `arg`.
    fn error(args: &[&str], kind: ErrorKind, arg: &str) {
        let e = parse(args).unwrap_err();
        assert_eq!(e.kind(), kind, "{args:?}: {e}");
        assert!(e.to_string().contains(arg), "{args:?}: {e}");
    }

    #[test]
    fn errors() {
        error(&[], ErrorKind::MissingRequiredArgument, "--socket");
        error(&["--socket"], ErrorKind::InvalidValue, "--socket");
        let bad = ErrorKind::ValueValidation;
        error(&["--socket", "s", "--chipset", "rtx"], bad, "--chipset");
        error(&["--socket", "s", "--chipset", "0x400"], bad, "--chipset");
        error(&["--socket", "s", "--shm-size", "2M"], bad, "--shm-size");
        error(&["--socket", "s", "--shm-size", "5M"], bad, "--shm-size");
        error(&["--socket", "s", "--vectors", "0"], bad, "--vectors");
        error(&["--socket", "s", "--vectors", "65"], bad, "--vectors");
        error(&["--socket", "s", "--boot0", "0x100000000"], bad, "--boot0");
        error(
            &["--socket", "s", "--event-rate", "-1"],
            ErrorKind::UnknownArgument,
            "-1",
        );
        let unknown = ErrorKind::UnknownArgument;
        error(&["--socket", "s", "--frobnicate"], unknown, "--frobnicate");
        error(&["--help"], ErrorKind::DisplayHelp, "--list-chips");
    }

    #[test]
    fn list_chips_needs_no_socket() {
        assert_eq!(parse(&["--list-chips"]).unwrap(), Action::ListChips);
        assert_eq!(
            parse(&["--socket", "s", "--list-chips"]).unwrap(),
            Action::ListChips
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4M"), Some(4 << 20));
        assert_eq!(parse_size("4096k"), Some(4 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("0x400000"), Some(4 << 20));
        assert_eq!(parse_size("M"), None);
        assert_eq!(parse_size(""), None);
    }
}
