// SPDX-License-Identifier: MIT OR Apache-2.0

//! Names for chip codes and the formatting of every GETPARAM value.
//!
//! The tables follow `Documentation/gpu/novax-gsp.rst` ("Real registers in the window").

use crate::units::format_size;
use novax_uapi::Param;

/// Known chipsets: `architecture << 4 | implementation` and the marketing-free chip name.
const CHIPSETS: &[(u64, &str)] = &[
    (0x162, "TU102"),
    (0x164, "TU104"),
    (0x166, "TU106"),
    (0x167, "TU117"),
    (0x168, "TU116"),
    (0x170, "GA100"),
    (0x172, "GA102"),
    (0x173, "GA103"),
    (0x174, "GA104"),
    (0x176, "GA106"),
    (0x177, "GA107"),
    (0x180, "GH100"),
    (0x192, "AD102"),
    (0x193, "AD103"),
    (0x194, "AD104"),
    (0x196, "AD106"),
    (0x197, "AD107"),
    (0x1a0, "GB100"),
    (0x1a2, "GB102"),
    (0x1b2, "GB202"),
    (0x1b3, "GB203"),
    (0x1b5, "GB205"),
    (0x1b6, "GB206"),
    (0x1b7, "GB207"),
];

/// The chip name of a chipset code, e.g. `AD102` for 0x192.
pub fn chipset_name(chipset: u64) -> Option<&'static str> {
    CHIPSETS.iter().find(|c| c.0 == chipset).map(|c| c.1)
}

/// The architecture name of an architecture code, e.g. `Ada` for 0x19.
pub fn architecture_name(arch: u64) -> Option<&'static str> {
    Some(match arch {
        0x16 => "Turing",
        0x17 => "Ampere",
        0x18 => "Hopper",
        0x19 => "Ada",
        0x1a | 0x1b => "Blackwell",
        _ => return None,
    })
}

/// `NAME (0xCODE)`, or `unknown (0xCODE)`.
fn named(name: Option<&str>, code: u64) -> String {
    format!("{} ({code:#x})", name.unwrap_or("unknown"))
}

/// A revision `major << 4 | minor` as NVIDIA writes it: 0xa1 -> `a1`.
pub fn format_revision(rev: u64) -> String {
    format!("{:x}{:x}", rev >> 4, rev & 0xf)
}

/// A firmware version `major << 32 | minor << 16 | patch`: -> `570.144.0`.
pub fn format_fw_version(v: u64) -> String {
    format!("{}.{}.{}", v >> 32, (v >> 16) & 0xffff, v & 0xffff)
}

/// A size: `256 MiB (268435456 bytes)`.
fn format_bytes(v: u64) -> String {
    format!("{} ({v} bytes)", format_size(v))
}

/// The label `info` prints for a parameter.
pub fn param_label(p: Param) -> &'static str {
    match p {
        Param::Chipset => "chipset",
        Param::Architecture => "architecture",
        Param::Revision => "revision",
        Param::VramBarSize => "VRAM BAR size",
        Param::VramSize => "VRAM size",
        Param::GspFwVersion => "GSP firmware",
        Param::VaBits => "VA bits",
        Param::VmKernelMinSize => "VM kernel min",
        Param::VmBindOpsMax => "bind ops max",
        Param::ExecPushMax => "EXEC push max",
        Param::CopyClass => "copy class",
        Param::SyncsMax => "syncs max",
        Param::PageSizes => "page sizes",
    }
}

/// A parameter's value for humans. Exhaustive on purpose: a parameter added to the UAPI header
/// does not compile until it has a format here.
pub fn format_param(p: Param, v: u64) -> String {
    match p {
        Param::Chipset => named(chipset_name(v), v),
        Param::Architecture => named(architecture_name(v), v),
        Param::Revision => format_revision(v),
        Param::VramBarSize | Param::VramSize => format_bytes(v),
        Param::GspFwVersion => format_fw_version(v),
        Param::VaBits | Param::VmBindOpsMax | Param::ExecPushMax | Param::SyncsMax => v.to_string(),
        Param::VmKernelMinSize => format_bytes(v),
        Param::CopyClass => format!("{v:#06x}"),
        Param::PageSizes => format_page_sizes(v),
    }
}

/// A bit mask of page sizes: `4 KiB, 64 KiB (0x11000)`.
fn format_page_sizes(v: u64) -> String {
    let sizes: Vec<String> = (0..64)
        .filter(|b| v >> b & 1 == 1)
        .map(|b| format_size(1 << b))
        .collect();
    format!("{} ({v:#x})", sizes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_emulated_chip() {
        assert_eq!(format_param(Param::Chipset, 0x192), "AD102 (0x192)");
        assert_eq!(format_param(Param::Architecture, 0x19), "Ada (0x19)");
        assert_eq!(format_param(Param::Revision, 0xa1), "a1");
        assert_eq!(
            format_param(Param::VramBarSize, 256 << 20),
            "256 MiB (268435456 bytes)"
        );
        assert_eq!(
            format_param(Param::VramSize, 24 << 30),
            "24 GiB (25769803776 bytes)"
        );
        assert_eq!(
            format_param(Param::GspFwVersion, 570 << 32 | 144 << 16),
            "570.144.0"
        );
        assert_eq!(
            format_param(Param::PageSizes, 1 << 12 | 1 << 16),
            "4 KiB, 64 KiB (0x11000)"
        );
        assert_eq!(format_param(Param::CopyClass, 0xc7b5), "0xc7b5");
    }

    #[test]
    fn unknown_codes() {
        assert_eq!(format_param(Param::Chipset, 0x140), "unknown (0x140)");
        assert_eq!(format_param(Param::Architecture, 0x14), "unknown (0x14)");
    }

    #[test]
    fn chip_names_agree_with_architectures() {
        for &(code, name) in CHIPSETS {
            let arch = architecture_name(code >> 4).expect("chip of a known architecture");
            let letter = name.chars().next().unwrap();
            // TU Turing, GA Ampere, GH Hopper, AD Ada, GB Blackwell.
            let expect = match arch {
                "Turing" | "Ampere" | "Hopper" | "Blackwell" => 'G',
                "Ada" => 'A',
                _ => unreachable!(),
            };
            assert!(
                letter == expect || (arch == "Turing" && letter == 'T'),
                "{name}"
            );
        }
        assert_eq!(chipset_name(0x1b7), Some("GB207"));
    }

    #[test]
    fn every_param_has_a_label() {
        let labels: Vec<_> = Param::ALL.iter().map(|&p| param_label(p)).collect();
        for (i, l) in labels.iter().enumerate() {
            assert!(!labels[i + 1..].contains(l), "duplicate label {l}");
        }
    }

    #[test]
    fn revisions_and_versions() {
        assert_eq!(format_revision(0x00), "00");
        assert_eq!(format_revision(0xb2), "b2");
        assert_eq!(format_fw_version(535 << 32 | 113 << 16 | 1), "535.113.1");
    }
}
