// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl debugfs`: every file of the driver's debugfs directory, aligned for reading.

use super::{CmdResult, Failure};
use novax_uapi::Error;
use std::io::Write;
use std::path::Path;

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

/// Dumps every file of `dir`, in name order.
pub fn dump(dir: &Path, out: &mut impl Write) -> CmdResult {
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
    for name in names {
        let path = dir.join(&name);
        if path.is_dir() {
            writeln!(out, "{name}: (directory)")?;
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                out.write_all(format_file(&name, &String::from_utf8_lossy(&bytes)).as_bytes())?
            }
            Err(e) => writeln!(out, "{name}: (unreadable: {e})")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn dumps_a_directory() {
        let dir = std::env::temp_dir().join(format!("novaxctl-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("poll_mode"), "napi\n").unwrap();
        std::fs::write(dir.join("gsp_stats"), "init_done: 1\nevents: 12\n").unwrap();
        let mut out = Vec::new();
        dump(&dir, &mut out).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "gsp_stats:\n  init_done: 1\n  events:    12\npoll_mode: napi\nsub: (directory)\n"
        );
    }

    #[test]
    fn missing_directory_names_itself() {
        let e = dump(Path::new("/nonexistent/novax"), &mut Vec::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/novax (is debugfs mounted, and are you root?): \
             No such file or directory (os error 2)"
        );
    }
}
