// SPDX-License-Identifier: MIT OR Apache-2.0

//! The command line, declared with clap's derive: clap writes `--help`, accepts `--device` and
//! `--json` anywhere, and names the bad argument in its errors (exit status 2). The value
//! parsers say what a size, a handle or a count is.

use crate::units::{parse_number, parse_size};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Inspect and exercise a novax GPU: driver info, buffer objects, GSP echo, debugfs.
#[derive(Parser, Debug)]
#[command(
    name = "novaxctl",
    version,
    after_help = "SIZE: bytes, decimal or 0x hex, with an optional K/M/G (or KiB/MiB/GiB) suffix."
)]
pub struct Cli {
    /// The render node (default: the first one driven by novax)
    #[arg(long, global = true, value_name = "PATH")]
    pub device: Option<PathBuf>,
    /// Print JSON instead of text (info, echo, debugfs)
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Driver version and every GETPARAM value
    Info,
    /// Buffer objects
    #[command(subcommand)]
    Bo(Bo),
    /// N echo RPCs with random cookies, with latencies
    Echo {
        /// Number of echo RPCs
        #[arg(short = 'n', value_name = "N", default_value = "100", value_parser = parse_count)]
        count: u32,
    },
    /// Dump the driver's debugfs files, or watch its counters
    Debugfs(Debugfs),
    /// The clients' GPU VA spaces: page directory, page-table pages, mappings
    Vm {
        /// Only this client (its fdinfo drm-client-id)
        #[arg(long, value_name = "ID", conflicts_with = "map")]
        client: Option<u64>,
        /// First make this process's own VA space with an object of SIZE bytes mapped, and
        /// show only that
        #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
        map: Option<u64>,
    },
}

/// `bo create|info`.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Bo {
    /// Create a buffer object, show it, map it twice and check that a pattern written through
    /// one mapping reads back through the other
    Create {
        /// Size in bytes
        #[arg(value_parser = parse_size_arg)]
        size: u64,
    },
    /// GEM_INFO on HANDLE; handles belong to one open file, so --create makes buffer objects
    /// in this process first
    Info {
        /// The handle to query
        #[arg(value_parser = parse_handle)]
        handle: u32,
        /// Create a buffer object of SIZE bytes first (repeatable)
        #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
        create: Vec<u64>,
    },
}

/// `debugfs [--dir PATH] [--watch [--interval SECS] [--count N]]`.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct Debugfs {
    /// The debugfs directory (default: the device's)
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Redraw the GSP and poller counters, like top, until Ctrl-C
    #[arg(long)]
    pub watch: bool,
    /// Seconds between refreshes
    #[arg(long, value_name = "SECS", default_value = "1", requires = "watch",
          value_parser = parse_interval)]
    pub interval: Duration,
    /// Stop after N refreshes
    #[arg(long, value_name = "N", requires = "watch", value_parser = parse_count)]
    pub count: Option<u32>,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    parse_size(s).ok_or_else(|| "not a size (e.g. 4096, 0x1000, 4K, 1MiB)".into())
}

fn parse_handle(s: &str) -> Result<u32, String> {
    parse_number(s)
        .and_then(|h| u32::try_from(h).ok())
        .ok_or_else(|| "not a 32-bit handle (decimal or 0x hex)".into())
}

fn parse_count(s: &str) -> Result<u32, String> {
    parse_number(s)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| "not a count in 1..=4294967295".into())
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|&t| t >= 0.01)
        .and_then(|t| Duration::try_from_secs_f64(t).ok())
        .ok_or_else(|| "not a number of seconds >= 0.01".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn p(s: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("novaxctl").chain(s.split_whitespace()))
    }

    fn cmd(s: &str) -> Command {
        p(s).unwrap().command
    }

    fn debugfs(dir: Option<&str>) -> Command {
        Command::Debugfs(Debugfs {
            dir: dir.map(PathBuf::from),
            watch: false,
            interval: Duration::from_secs(1),
            count: None,
        })
    }

    #[test]
    fn commands() {
        assert_eq!(cmd("info"), Command::Info);
        assert_eq!(cmd("bo create 4k"), Command::Bo(Bo::Create { size: 4096 }));
        assert_eq!(
            cmd("bo info 3"),
            Command::Bo(Bo::Info {
                handle: 3,
                create: vec![]
            })
        );
        assert_eq!(cmd("echo"), Command::Echo { count: 100 });
        assert_eq!(cmd("echo -n 5000"), Command::Echo { count: 5000 });
        assert_eq!(cmd("echo -n=7"), Command::Echo { count: 7 });
        assert_eq!(cmd("echo -n 0x10"), Command::Echo { count: 16 });
        assert_eq!(cmd("debugfs"), debugfs(None));
        assert_eq!(cmd("debugfs --dir /tmp/x"), debugfs(Some("/tmp/x")));
        for help in ["help", "echo --help", "-h", "help echo"] {
            assert_eq!(
                p(help).unwrap_err().kind(),
                ErrorKind::DisplayHelp,
                "{help}"
            );
        }
        assert_eq!(p("-V").unwrap_err().kind(), ErrorKind::DisplayVersion);
    }

    #[test]
    fn bo_info_with_creates() {
        assert_eq!(
            cmd("bo info 2 --create 4096 --create=1M"),
            Command::Bo(Bo::Info {
                handle: 2,
                create: vec![4096, 1 << 20]
            })
        );
    }

    #[test]
    fn global_options_anywhere() {
        let a = p("--device /dev/dri/renderD129 info").unwrap();
        assert_eq!(a.device, Some("/dev/dri/renderD129".into()));
        assert!(!a.json);
        let a = p("echo -n 3 --device=/dev/x --json").unwrap();
        assert_eq!(a.device, Some("/dev/x".into()));
        assert_eq!(a.command, Command::Echo { count: 3 });
        assert!(a.json);
        assert!(p("--json debugfs").unwrap().json);
    }

    #[test]
    fn watch_options() {
        let Command::Debugfs(d) = cmd("debugfs --watch --interval 0.5 --count 3") else {
            panic!()
        };
        assert!(d.watch);
        assert_eq!(d.interval, Duration::from_millis(500));
        assert_eq!(d.count, Some(3));
        let Command::Debugfs(d) = cmd("debugfs --watch") else {
            panic!()
        };
        assert_eq!((d.interval, d.count), (Duration::from_secs(1), None));
    }

    /// The error's kind, and that its message names `arg`.
    fn error(args: &str, kind: ErrorKind, arg: &str) {
        let e = p(args).unwrap_err();
        assert_eq!(e.kind(), kind, "{args}: {e}");
        assert!(e.to_string().contains(arg), "{args}: {e}");
    }

    #[test]
    fn errors() {
        use ErrorKind::*;
        // No command: the help, as a usage error (exit status 2).
        error("", DisplayHelpOnMissingArgumentOrSubcommand, "Usage");
        error("frob", InvalidSubcommand, "'frob'");
        error("info extra", UnknownArgument, "'extra'");
        error("bo create", MissingRequiredArgument, "<SIZE>");
        error("bo create 12Q", ValueValidation, "'12Q' for '<SIZE>'");
        error("bo info 0x100000000", ValueValidation, "<HANDLE>");
        error("echo -n 0", ValueValidation, "'-n <N>'");
        error("echo -n", InvalidValue, "-n");
        error("info --frob", UnknownArgument, "--frob");
        error("info -n 3", UnknownArgument, "-n");
        error("--device", InvalidValue, "--device");
        error("debugfs --interval 2", MissingRequiredArgument, "--watch");
        error(
            "debugfs --watch --interval 0",
            ValueValidation,
            "--interval",
        );
        error("debugfs --watch --count 0", ValueValidation, "--count");
    }
}
