// SPDX-License-Identifier: MIT OR Apache-2.0

//! The command line.
//!
//! Hand-written rather than a dependency: a dozen options, each `--name VALUE` or
//! `--name=VALUE`, with errors that name the option.

use crate::chip::{self, Chip};
use crate::regs::SHM_SIZE;
use std::path::PathBuf;

/// Usage text.
pub const USAGE: &str = "\
usage: novax-emu --socket PATH [options]

Serves QEMU's ivshmem-doorbell device as an emulated NVIDIA GPU for the novax driver.
QEMU: -chardev socket,path=PATH,id=gpu -device ivshmem-doorbell,chardev=gpu,vectors=2

options:
  --socket PATH       listening socket for QEMU's ivshmem chardev (required)
  --log FILE          append a human-readable log to FILE
  --chipset NAME      chip to emulate (default ad102); known: see --list-chips;
                      also a chipset code such as 0x192
  --boot0 VALUE       raw NV_PMC_BOOT_0/BOOT_42 value (overrides --chipset), e.g.
                      0x050000a1 for a pre-Turing chip the driver must refuse
  --shm-size SIZE     shared memory size, a power of two >= 4M (default 4M)
  --vectors N         interrupt vectors, as QEMU's vectors= (default 2)
  --event-rate N      NOVAX_EMU_TICK events per second after start (default 0)
  --verbose           log every command, and log to stderr too
  --list-chips        print the known chips and exit
  --help              this text";

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
    /// Verbose logging.
    pub verbose: bool,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the emulator.
    Run(Config),
    /// Print usage.
    Help,
    /// Print the chip table.
    ListChips,
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

fn parse_chip(s: &str) -> Option<Chip> {
    if let Some(info) = chip::by_name(s) {
        return Some(Chip::known(info));
    }
    let code = u32::try_from(parse_u64(s)?).ok()?;
    if code > 0x3ff {
        return None;
    }
    Some(match chip::by_chipset(code) {
        Some(info) => Chip::known(info),
        None => Chip::from_boot0(chip::encode_boot0(code, chip::MAJOR_REV, chip::MINOR_REV)),
    })
}

/// Parses the arguments (without the program name).
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Action, String> {
    let mut socket = None;
    let mut log = None;
    let mut chip = None;
    let mut boot0 = None;
    let mut shm_size = SHM_SIZE;
    let mut vectors = 2;
    let mut event_rate = 0;
    let mut verbose = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        let bad = |v: &str| format!("{name}: bad value '{v}'");
        match name.as_str() {
            "--socket" => socket = Some(PathBuf::from(value("a path")?)),
            "--log" => log = Some(PathBuf::from(value("a path")?)),
            "--chipset" => {
                let v = value("a chip name")?;
                chip = Some(parse_chip(&v).ok_or_else(|| bad(&v))?);
            }
            "--boot0" => {
                let v = value("a value")?;
                let b = parse_u64(&v)
                    .and_then(|b| u32::try_from(b).ok())
                    .ok_or_else(|| bad(&v))?;
                boot0 = Some(b);
            }
            "--shm-size" => {
                let v = value("a size")?;
                let s = parse_size(&v).ok_or_else(|| bad(&v))?;
                if s < SHM_SIZE || !s.is_power_of_two() {
                    return Err(format!("--shm-size: must be a power of two >= 4M, not {v}"));
                }
                shm_size = s;
            }
            "--vectors" => {
                let v = value("a number")?;
                vectors = parse_u64(&v)
                    .filter(|&n| (1..=64).contains(&n))
                    .ok_or_else(|| bad(&v))? as usize;
            }
            "--event-rate" => {
                let v = value("a number")?;
                event_rate = parse_u64(&v)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad(&v))?;
            }
            "--verbose" | "-v" => verbose = true,
            "--list-chips" => return Ok(Action::ListChips),
            "--help" | "-h" => return Ok(Action::Help),
            _ => return Err(format!("unknown argument '{arg}'")),
        }
    }
    let socket = socket.ok_or("--socket is required")?;
    let chip = match boot0 {
        Some(b) => Chip::from_boot0(b),
        None => chip.unwrap_or_else(Chip::default_chip),
    };
    Ok(Action::Run(Config {
        socket,
        log,
        chip,
        shm_size,
        vectors,
        event_rate,
        verbose,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Action::Run(c) => Ok(c),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = run(&["--socket", "/tmp/s"]).unwrap();
        assert_eq!(c.socket, PathBuf::from("/tmp/s"));
        assert_eq!(c.chip.boot0, 0x1920_00a1);
        assert_eq!(c.shm_size, 4 << 20);
        assert_eq!(c.vectors, 2);
        assert_eq!(c.event_rate, 0);
        assert!(!c.verbose);
        assert!(c.log.is_none());
    }

    #[test]
    fn options() {
        let c = run(&[
            "--socket=/s",
            "--chipset",
            "GA102",
            "--shm-size",
            "8M",
            "--vectors=4",
            "--event-rate",
            "100",
            "--verbose",
            "--log",
            "/l",
        ])
        .unwrap();
        assert_eq!(c.chip.boot0, 0x1720_00a1);
        assert_eq!(c.chip.name, "GA102");
        assert_eq!(c.shm_size, 8 << 20);
        assert_eq!(c.vectors, 4);
        assert_eq!(c.event_rate, 100);
        assert!(c.verbose);
        assert_eq!(c.log, Some(PathBuf::from("/l")));
        assert_eq!(
            run(&["--socket", "s", "--chipset", "nv50"])
                .unwrap()
                .chip
                .boot0,
            0x0500_00a1
        );
        assert_eq!(
            run(&["--socket", "s", "--chipset", "0x1b2"])
                .unwrap()
                .chip
                .name,
            "GB202"
        );
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

    #[test]
    fn errors() {
        assert!(run(&[]).is_err());
        assert!(run(&["--socket"]).is_err());
        assert!(run(&["--socket", "s", "--chipset", "rtx"]).is_err());
        assert!(run(&["--socket", "s", "--shm-size", "2M"]).is_err());
        assert!(run(&["--socket", "s", "--shm-size", "5M"]).is_err());
        assert!(run(&["--socket", "s", "--vectors", "0"]).is_err());
        assert!(run(&["--socket", "s", "--boot0", "0x100000000"]).is_err());
        assert!(run(&["--socket", "s", "--frobnicate"]).is_err());
        assert_eq!(parse(["--help".to_string()]), Ok(Action::Help));
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
