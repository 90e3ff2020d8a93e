// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl debugfs`: every file of the driver's debugfs directory, aligned for reading or
//! as JSON.

use super::{CmdResult, Failure, Output};
use crate::json::{self, Ordered};
use novax_uapi::Error;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// A file's content as JSON: a number or a string for a one-line file, an object for
/// `key: value` lines (numbers where they are numbers), the lines for anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A decimal number.
    Number(u64),
    /// Any other one-line value (or an empty file, as "").
    Text(String),
    /// `key: value` lines, in the file's order.
    Fields(Ordered<Value>),
    /// Lines of free text.
    Lines(Vec<String>),
    /// A file that could not be read, or a directory: `{"error": "..."}`.
    Error {
        /// Why.
        error: String,
    },
}

/// A one-line value: a number if it is one.
fn scalar(s: &str) -> Value {
    let s = s.trim();
    match s.parse() {
        Ok(n) => Value::Number(n),
        Err(_) => Value::Text(s.to_string()),
    }
}

/// Parses a file's content as [`format_file`] reads it.
pub fn parse_file(content: &str) -> Value {
    let lines: Vec<&str> = content.lines().collect();
    match lines.as_slice() {
        [] => return Value::Text(String::new()),
        [line] if !line.contains(": ") => return scalar(line),
        _ => {}
    }
    let fields: Option<Ordered<Value>> = lines
        .iter()
        .map(|l| l.split_once(": ").map(|(k, v)| (k.to_string(), scalar(v))))
        .collect::<Option<Vec<_>>>()
        .map(Ordered);
    fields.map_or_else(
        || Value::Lines(lines.iter().map(|l| l.to_string()).collect()),
        Value::Fields,
    )
}

/// The `--json` report: `{"dir": "...", "files": {"chip": {...}, "poll_mode": "napi", ...}}`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The directory read.
    pub dir: String,
    /// Every file by name, in name order.
    pub files: Ordered<Value>,
}

/// Formats one file. A one-line value prints as `name: value`; `key: value` lines print under
/// the file's name with the values aligned; anything else is printed as it is, indented.
pub fn format_file(name: &str, content: &str) -> String {
    let lines: Vec<&str> = content.lines().collect();
    if let [line] = lines.as_slice() {
        if !line.contains(": ") {
            return format!("{name}: {line}\n");
        }
    }
    if lines.is_empty() {
        return format!("{name}: (empty)\n");
    }
    let width = lines
        .iter()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, _)| k.len() + 1)
        .max()
        .unwrap_or(0);
    let mut s = format!("{name}:\n");
    for l in lines {
        match l.split_once(": ") {
            Some((k, v)) => s.push_str(&format!("  {:width$} {}\n", format!("{k}:"), v.trim())),
            None => s.push_str(&format!("  {l}\n")),
        }
    }
    s
}

/// A directory entry's name, and its content or why there is none.
pub type Entry = (String, Result<String, String>);

/// Reads `dir`: every entry in name order.
pub fn read_dir(dir: &Path) -> Result<Vec<Entry>, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Failure::Lib(Error::sys(
            format!("{} (is debugfs mounted, and are you root?)", dir.display()),
            e,
        ))
    })?;
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let files = names.into_iter().map(|name| {
        let path = dir.join(&name);
        let content = if path.is_dir() {
            Err("directory".to_string())
        } else {
            std::fs::read(&path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| format!("unreadable: {e}"))
        };
        (name, content)
    });
    Ok(files.collect())
}

/// Dumps every file of `dir`, in name order.
pub fn dump(dir: &Path, output: Output, out: &mut impl Write) -> CmdResult {
    let files = read_dir(dir)?;
    if output == Output::Json {
        let files = files.into_iter().map(|(name, content)| {
            let value = match content {
                Ok(c) => parse_file(&c),
                Err(error) => Value::Error { error },
            };
            (name, value)
        });
        let report = Report {
            dir: dir.display().to_string(),
            files: files.collect(),
        };
        return Ok(json::write(out, &report)?);
    }
    for (name, content) in files {
        match content {
            Ok(c) => out.write_all(format_file(&name, &c).as_bytes())?,
            Err(why) => writeln!(out, "{name}: ({why})")?,
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn one_line_values() {
        assert_eq!(
            format_file("gsp_fw_version", "570.144.0\n"),
            "gsp_fw_version: 570.144.0\n"
        );
        assert_eq!(format_file("poll_budget", "64\n"), "poll_budget: 64\n");
        assert_eq!(format_file("x", ""), "x: (empty)\n");
    }

    #[test]
    fn key_value_files_align() {
        let chip = "chipset: AD102 (0x192)\narchitecture: Ada (0x19)\nrevision: a1\n";
        assert_eq!(
            format_file("chip", chip),
            "chip:\n  chipset:      AD102 (0x192)\n  architecture: Ada (0x19)\n  revision:     a1\n"
        );
        // A single key: value line still gets the block form.
        assert_eq!(format_file("k", "a: 1\n"), "k:\n  a: 1\n");
    }

    #[test]
    fn mixed_lines_are_kept() {
        assert_eq!(
            format_file("m", "free text\nkey: v\n"),
            "m:\n  free text\n  key: v\n"
        );
    }

    /// A debugfs-like directory, removed on drop.
    pub struct TempDir(pub std::path::PathBuf);

    impl TempDir {
        pub fn new(tag: &str, files: &[(&str, &str)]) -> Self {
            // Tests run in parallel threads of one process: each directory gets its own number.
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("novaxctl-{tag}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            for (name, content) in files {
                std::fs::write(dir.join(name), content).unwrap();
            }
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn sample() -> TempDir {
        TempDir::new(
            "dump",
            &[
                ("poll_mode", "napi\n"),
                ("gsp_stats", "init_done: 1\nevents: 12\n"),
            ],
        )
    }

    #[test]
    fn dumps_a_directory() {
        let dir = sample();
        let mut out = Vec::new();
        dump(&dir.0, Output::Text, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "gsp_stats:\n  init_done: 1\n  events:    12\npoll_mode: napi\nsub: (directory)\n"
        );
    }

    #[test]
    fn dumps_a_directory_as_json() {
        let dir = sample();
        let mut out = Vec::new();
        dump(&dir.0, Output::Json, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "dir": dir.0.display().to_string(),
                "files": {
                    "gsp_stats": {"init_done": 1, "events": 12},
                    "poll_mode": "napi",
                    "sub": {"error": "directory"}
                }
            })
        );
    }

    #[test]
    fn file_values() {
        assert_eq!(parse_file("64\n"), Value::Number(64));
        assert_eq!(parse_file("570.144.0\n"), Value::Text("570.144.0".into()));
        assert_eq!(parse_file(""), Value::Text(String::new()));
        let chip = parse_file("chipset: AD102 (0x192)\nrevision: a1\nn: 3\n");
        assert_eq!(
            serde_json::to_value(chip).unwrap(),
            serde_json::json!({"chipset": "AD102 (0x192)", "revision": "a1", "n": 3})
        );
        assert_eq!(
            parse_file("free text\nkey: v\n"),
            Value::Lines(vec!["free text".into(), "key: v".into()])
        );
    }

    #[test]
    fn missing_directory_names_itself() {
        let e = dump(
            Path::new("/nonexistent/novax"),
            Output::Text,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/novax (is debugfs mounted, and are you root?): \
             No such file or directory (os error 2)"
        );
    }
}
