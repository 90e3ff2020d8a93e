// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl info`: the driver's identity and every GETPARAM value.

use super::{CmdResult, Failure};
use crate::chip::{format_param, param_label};
use novax_uapi::{Device, Param, Version};
use std::io::Write;

/// Width of the label column.
const LABEL: usize = 14;

/// Writes the version block.
pub fn write_version(out: &mut impl Write, path: &str, v: &Version) -> std::io::Result<()> {
    writeln!(out, "{:LABEL$} {path}", "device:")?;
    writeln!(
        out,
        "{:LABEL$} {} {}.{}.{}",
        "driver:", v.name, v.major, v.minor, v.patchlevel
    )?;
    writeln!(out, "{:LABEL$} {}", "date:", v.date)?;
    writeln!(out, "{:LABEL$} {}", "description:", v.desc)
}

/// Writes one parameter line: the formatted value, or the error.
pub fn write_param(
    out: &mut impl Write,
    p: Param,
    v: &novax_uapi::Result<u64>,
) -> std::io::Result<()> {
    let label = format!("{}:", param_label(p));
    match v {
        Ok(v) => writeln!(out, "{label:LABEL$} {}", format_param(p, *v)),
        Err(e) => writeln!(out, "{label:LABEL$} error: {e}"),
    }
}

/// Runs `info`. Every parameter is queried even if one fails; the first failure is returned.
pub fn run(dev: &Device, out: &mut impl Write) -> CmdResult {
    let v = dev.version()?;
    write_version(out, &dev.path().display().to_string(), &v)?;
    let mut first_err = None;
    for p in Param::ALL {
        let r = dev.getparam(p);
        write_param(out, p, &r)?;
        if let Err(e) = r {
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), |e| Err(Failure::Lib(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use novax_uapi::Error;

    #[test]
    fn version_block() {
        let v = Version {
            major: 0,
            minor: 1,
            patchlevel: 0,
            name: "novax".into(),
            date: "20260101".into(),
            desc: "NVIDIA GSP GPUs".into(),
        };
        let mut out = Vec::new();
        write_version(&mut out, "/dev/dri/renderD128", &v).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "device:        /dev/dri/renderD128\n\
             driver:        novax 0.1.0\n\
             date:          20260101\n\
             description:   NVIDIA GSP GPUs\n"
        );
    }

    #[test]
    fn param_lines() {
        let mut out = Vec::new();
        write_param(&mut out, Param::Chipset, &Ok(0x192)).unwrap();
        write_param(&mut out, Param::GspFwVersion, &Ok(570 << 32 | 144 << 16)).unwrap();
        let e = Error::ioctl("GETPARAM", std::io::Error::from_raw_os_error(22));
        write_param(&mut out, Param::VramSize, &Err(e)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "chipset:       AD102 (0x192)\n\
             GSP firmware:  570.144.0\n\
             VRAM size:     error: GETPARAM: Invalid argument (os error 22)\n"
        );
    }
}
