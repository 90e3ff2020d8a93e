// SPDX-License-Identifier: MIT OR Apache-2.0

//! `novaxctl info`: the driver's identity and every GETPARAM value, as text or as JSON.

use super::{CmdResult, Failure, Output};
use crate::chip::{format_param, param_label};
use crate::json::{self, Ordered};
use novax_uapi::{Device, Param, Version};
use serde::Serialize;
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

/// The `--json` report: `{"device", "driver": {...}, "params": {"chipset": {...}, ...}}`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The render node's path.
    pub device: String,
    /// What DRM_IOCTL_VERSION says.
    pub driver: Driver,
    /// Every GETPARAM value by its header name in lower case, in the header's order.
    pub params: Ordered<ParamValue>,
}

/// The driver's identity.
#[derive(Debug, Serialize)]
pub struct Driver {
    /// e.g. `novax`.
    pub name: String,
    /// `major.minor.patchlevel`.
    pub version: String,
    /// Driver date.
    pub date: String,
    /// Driver description.
    pub description: String,
}

/// One parameter: its raw value and the text `info` prints for it, or the error.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// GETPARAM answered.
    Value {
        /// The raw value.
        value: u64,
        /// For people, e.g. `AD102 (0x192)`.
        text: String,
    },
    /// GETPARAM failed.
    Error {
        /// The error message.
        error: String,
    },
}

impl Report {
    /// The report of `v` and the parameter values `params`.
    pub fn new(device: &str, v: &Version, params: &[(Param, novax_uapi::Result<u64>)]) -> Self {
        let params = params.iter().map(|(p, r)| {
            let value = match r {
                Ok(v) => ParamValue::Value {
                    value: *v,
                    text: format_param(*p, *v),
                },
                Err(e) => ParamValue::Error {
                    error: e.to_string(),
                },
            };
            (p.uapi_name().to_ascii_lowercase(), value)
        });
        Self {
            device: device.to_string(),
            driver: Driver {
                name: v.name.clone(),
                version: format!("{}.{}.{}", v.major, v.minor, v.patchlevel),
                date: v.date.clone(),
                description: v.desc.clone(),
            },
            params: params.collect(),
        }
    }
}

/// Runs `info`. Every parameter is queried even if one fails; the first failure is returned.
pub fn run(dev: &Device, output: Output, out: &mut impl Write) -> CmdResult {
    let v = dev.version()?;
    let path = dev.path().display().to_string();
    let params: Vec<_> = Param::ALL
        .into_iter()
        .map(|p| (p, dev.getparam(p)))
        .collect();
    match output {
        Output::Json => json::write(out, &Report::new(&path, &v, &params))?,
        Output::Text => {
            write_version(out, &path, &v)?;
            for (p, r) in &params {
                write_param(out, *p, r)?;
            }
        }
    }
    let first_err = params.into_iter().find_map(|(_, r)| r.err());
    first_err.map_or(Ok(()), |e| Err(Failure::Lib(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use novax_uapi::Error;

    fn version() -> Version {
        Version {
            major: 0,
            minor: 1,
            patchlevel: 0,
            name: "novax".into(),
            date: "20260101".into(),
            desc: "NVIDIA GSP GPUs".into(),
        }
    }

    #[test]
    fn version_block() {
        let mut out = Vec::new();
        write_version(&mut out, "/dev/dri/renderD128", &version()).unwrap();
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

    #[test]
    fn json_report_shape() {
        let e = Error::ioctl("GETPARAM", std::io::Error::from_raw_os_error(22));
        let params = [(Param::Chipset, Ok(0x192)), (Param::VramSize, Err(e))];
        let r = Report::new("/dev/dri/renderD128", &version(), &params);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "device": "/dev/dri/renderD128",
                "driver": {
                    "name": "novax",
                    "version": "0.1.0",
                    "date": "20260101",
                    "description": "NVIDIA GSP GPUs"
                },
                "params": {
                    "chipset": {"value": 0x192, "text": "AD102 (0x192)"},
                    "vram_size": {"error": "GETPARAM: Invalid argument (os error 22)"}
                }
            })
        );
        // In the header's order, as the text output.
        let s = serde_json::to_string(&r).unwrap();
        assert!(s.find("chipset").unwrap() < s.find("vram_size").unwrap());
    }
}
