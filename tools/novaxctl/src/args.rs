// SPDX-License-Identifier: MIT OR Apache-2.0

//! Command-line parsing. Hand-rolled: the grammar is small, and keeping it in one pure function
//! makes it easy to test.

use crate::units::parse_size;
use std::path::PathBuf;

/// The usage text.
pub const USAGE: &str = "\
usage: novaxctl [--device PATH] COMMAND

Commands:
  info                       driver version and every GETPARAM value
  bo create SIZE             create a buffer object, show it, map it twice and check that a
                             pattern written through one mapping reads back through the other
  bo info HANDLE [--create SIZE]...
                             GEM_INFO on HANDLE; handles belong to one open file, so --create
                             makes buffer objects in this process first
  echo [-n N]                N echo RPCs (default 100) with random cookies, with latencies
  debugfs [--dir PATH]       dump the driver's debugfs files

Options:
  --device PATH              the render node (default: the first one driven by novax)
  -h, --help                 this text
  -V, --version              novaxctl's version

SIZE: bytes, decimal or 0x hex, with an optional K/M/G (or KiB/MiB/GiB) suffix.
";

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print the usage.
    Help,
    /// Print novaxctl's version.
    Version,
    /// `info`.
    Info,
    /// `bo create SIZE`.
    BoCreate {
        /// Requested size in bytes.
        size: u64,
    },
    /// `bo info HANDLE [--create SIZE]...`.
    BoInfo {
        /// The handle to query.
        handle: u32,
        /// Buffer objects to create first.
        create: Vec<u64>,
    },
    /// `echo [-n N]`.
    Echo {
        /// Number of echo RPCs.
        count: u32,
    },
    /// `debugfs [--dir PATH]`.
    Debugfs {
        /// The directory, if not the device's.
        dir: Option<PathBuf>,
    },
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--device PATH`.
    pub device: Option<PathBuf>,
    /// The command.
    pub command: Command,
}

/// Parses a decimal or `0x` hexadecimal unsigned number.
pub fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}

/// Takes the value of option `name` (given as `name VALUE` or `name=VALUE`) from `args[*i]`.
fn option_value(args: &[String], i: &mut usize, name: &str) -> Result<Option<String>, String> {
    let arg = &args[*i];
    if let Some(v) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
        return Ok(Some(v.to_string()));
    }
    if arg != name {
        return Ok(None);
    }
    *i += 1;
    args.get(*i)
        .cloned()
        .map(Some)
        .ok_or_else(|| format!("{name} needs a value"))
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut device = None;
    let mut words = Vec::new();
    let mut opts: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "-h" || a == "--help" {
            return Ok(Args {
                device,
                command: Command::Help,
            });
        } else if a == "-V" || a == "--version" {
            return Ok(Args {
                device,
                command: Command::Version,
            });
        } else if let Some(v) = option_value(args, &mut i, "--device")? {
            device = Some(PathBuf::from(v));
        } else if let Some(v) = option_value(args, &mut i, "--create")? {
            opts.push(("--create".into(), v));
        } else if let Some(v) = option_value(args, &mut i, "--dir")? {
            opts.push(("--dir".into(), v));
        } else if let Some(v) = option_value(args, &mut i, "-n")? {
            opts.push(("-n".into(), v));
        } else if a.starts_with('-') && a.len() > 1 {
            return Err(format!("unknown option {a}"));
        } else {
            words.push(a.to_string());
        }
        i += 1;
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] => return Err("no command given".into()),
        ["help"] => Command::Help,
        ["info"] => Command::Info,
        ["bo", "create", size] => Command::BoCreate {
            size: parse_size(size).ok_or_else(|| format!("bad size {size:?}"))?,
        },
        ["bo", "info", handle] => Command::BoInfo {
            handle: parse_number(handle)
                .and_then(|h| u32::try_from(h).ok())
                .ok_or_else(|| format!("bad handle {handle:?}"))?,
            create: Vec::new(),
        },
        ["echo"] => Command::Echo { count: 100 },
        ["debugfs"] => Command::Debugfs { dir: None },
        ["bo", ..] => return Err("usage: bo create SIZE | bo info HANDLE".into()),
        [cmd, rest @ ..] => {
            // Known commands without arguments were matched above.
            return Err(match rest.first() {
                Some(extra) if ["info", "echo", "debugfs", "help"].contains(cmd) => {
                    format!("{cmd}: unexpected argument {extra:?}")
                }
                _ => format!("unknown command {cmd:?}"),
            });
        }
    };
    let command = apply_options(command, opts)?;
    Ok(Args { device, command })
}

/// Attaches the command-specific options to `command`, rejecting those it does not take.
fn apply_options(mut command: Command, opts: Vec<(String, String)>) -> Result<Command, String> {
    for (name, value) in opts {
        match (&mut command, name.as_str()) {
            (Command::BoInfo { create, .. }, "--create") => {
                create.push(parse_size(&value).ok_or_else(|| format!("bad size {value:?}"))?)
            }
            (Command::Echo { count }, "-n") => {
                *count = parse_number(&value)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("-n: bad count {value:?} (1..=4294967295)"))?
            }
            (Command::Debugfs { dir }, "--dir") => *dir = Some(PathBuf::from(value)),
            _ => return Err(format!("option {name} does not apply to this command")),
        }
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Args, String> {
        let v: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse(&v)
    }

    fn cmd(s: &str) -> Command {
        p(s).unwrap().command
    }

    #[test]
    fn commands() {
        assert_eq!(cmd("info"), Command::Info);
        assert_eq!(cmd("bo create 4k"), Command::BoCreate { size: 4096 });
        assert_eq!(
            cmd("bo info 3"),
            Command::BoInfo {
                handle: 3,
                create: vec![]
            }
        );
        assert_eq!(cmd("echo"), Command::Echo { count: 100 });
        assert_eq!(cmd("echo -n 5000"), Command::Echo { count: 5000 });
        assert_eq!(cmd("echo -n=7"), Command::Echo { count: 7 });
        assert_eq!(cmd("debugfs"), Command::Debugfs { dir: None });
        assert_eq!(
            cmd("debugfs --dir /tmp/x"),
            Command::Debugfs {
                dir: Some("/tmp/x".into())
            }
        );
        assert_eq!(cmd("help"), Command::Help);
        assert_eq!(cmd("echo --help"), Command::Help);
        assert_eq!(cmd("-V"), Command::Version);
    }

    #[test]
    fn bo_info_with_creates() {
        assert_eq!(
            cmd("bo info 2 --create 4096 --create=1M"),
            Command::BoInfo {
                handle: 2,
                create: vec![4096, 1 << 20]
            }
        );
    }

    #[test]
    fn device_option_anywhere() {
        let a = p("--device /dev/dri/renderD129 info").unwrap();
        assert_eq!(a.device, Some("/dev/dri/renderD129".into()));
        let a = p("echo -n 3 --device=/dev/x").unwrap();
        assert_eq!(a.device, Some("/dev/x".into()));
        assert_eq!(a.command, Command::Echo { count: 3 });
    }

    #[test]
    fn errors() {
        assert_eq!(p("").unwrap_err(), "no command given");
        assert_eq!(p("frob").unwrap_err(), "unknown command \"frob\"");
        assert_eq!(
            p("info extra").unwrap_err(),
            "info: unexpected argument \"extra\""
        );
        assert_eq!(
            p("bo create").unwrap_err(),
            "usage: bo create SIZE | bo info HANDLE"
        );
        assert_eq!(p("bo create 12Q").unwrap_err(), "bad size \"12Q\"");
        assert_eq!(
            p("bo info 0x100000000").unwrap_err(),
            "bad handle \"0x100000000\""
        );
        assert!(p("echo -n 0").unwrap_err().starts_with("-n: bad count"));
        assert!(p("echo -n").unwrap_err().contains("needs a value"));
        assert_eq!(p("info --frob").unwrap_err(), "unknown option --frob");
        assert_eq!(
            p("info -n 3").unwrap_err(),
            "option -n does not apply to this command"
        );
        assert!(p("--device").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("42"), Some(42));
        assert_eq!(parse_number("0x2a"), Some(42));
        assert_eq!(parse_number("0XFF"), Some(255));
        assert_eq!(parse_number("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "0x",
            "-1",
            "+1",
            "1e3",
            "18446744073709551616",
            " 1",
            "0xg",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }
}
