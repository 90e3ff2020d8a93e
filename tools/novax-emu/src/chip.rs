// SPDX-License-Identifier: MIT OR Apache-2.0

//! Which GPU the emulator pretends to be: the chipset table, the NV_PMC_BOOT_0 encoding and the
//! `novax_emu_static_info` reply.
//!
//! The driver identifies the chip as real hardware asks to be identified: BOOT_0 first, to tell
//! chips older than Fermi (which have no BOOT_42), then BOOT_42, whose layout differs from
//! BOOT_0's. It refuses chips without a GSP (older than Turing), so the table also holds a few
//! pre-Turing chips to test that refusal; `--boot0`/`--boot42` (and the `SET_CHIP_ID` test
//! command) can set any raw values on top.

use crate::regs::STATIC_INFO_SIZE;

/// Revision the emulator reports: a1.
pub const MAJOR_REV: u32 = 0xa;
/// Minor revision: a**1**.
pub const MINOR_REV: u32 = 0x1;
/// BAR1 aperture reported for every chip (no resizable BAR).
pub const VRAM_BAR_SIZE: u64 = 256 << 20;
/// BAR0 size: 16 MiB.
pub const REG_BAR_SIZE: u64 = 16 << 20;
/// Firmware version reported: 570.144.0.
pub const FW_VERSION: (u64, u64, u64) = (570, 144, 0);
/// Firmware version string.
pub const FW_VERSION_STR: &str = "570.144";
/// Lowest architecture with a GSP (Turing).
pub const FIRST_GSP_ARCH: u32 = 0x16;
/// Lowest architecture with NV_PMC_BOOT_42 (Fermi); older chips read 0 there.
pub const FIRST_BOOT42_ARCH: u32 = 0xc;

const GIB: u64 = 1 << 30;

/// A known chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipInfo {
    /// Name, e.g. "AD102".
    pub name: &'static str,
    /// Chipset code: `architecture << 4 | implementation`.
    pub chipset: u32,
    /// VRAM of a typical board with this chip.
    pub vram_size: u64,
}

const fn chip(name: &'static str, chipset: u32, vram_gib: u64) -> ChipInfo {
    ChipInfo {
        name,
        chipset,
        vram_size: vram_gib * GIB,
    }
}

/// The chips the emulator knows: the contract's list, plus pre-Turing ones (no GSP).
pub const CHIPS: &[ChipInfo] = &[
    chip("NV50", 0x050, 1),
    chip("GP102", 0x132, 11),
    chip("GV100", 0x140, 16),
    chip("TU102", 0x162, 11),
    chip("TU104", 0x164, 8),
    chip("TU106", 0x166, 8),
    chip("TU117", 0x167, 4),
    chip("TU116", 0x168, 6),
    chip("GA100", 0x170, 40),
    chip("GA102", 0x172, 24),
    chip("GA103", 0x173, 16),
    chip("GA104", 0x174, 8),
    chip("GA106", 0x176, 12),
    chip("GA107", 0x177, 4),
    chip("GH100", 0x180, 80),
    chip("AD102", 0x192, 24),
    chip("AD103", 0x193, 16),
    chip("AD104", 0x194, 12),
    chip("AD106", 0x196, 8),
    chip("AD107", 0x197, 8),
    chip("GB100", 0x1a0, 96),
    chip("GB102", 0x1a2, 96),
    chip("GB202", 0x1b2, 32),
    chip("GB203", 0x1b3, 16),
    chip("GB205", 0x1b5, 12),
    chip("GB206", 0x1b6, 8),
    chip("GB207", 0x1b7, 8),
];

/// The chip by name (case-insensitive), e.g. "ad102".
pub fn by_name(name: &str) -> Option<&'static ChipInfo> {
    CHIPS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// The chip by chipset code.
pub fn by_chipset(chipset: u32) -> Option<&'static ChipInfo> {
    CHIPS.iter().find(|c| c.chipset == chipset)
}

/// BOOT_0 for `chipset` at revision `major`.`minor`.
///
/// Fields: minor_revision 3:0, major_revision 7:4, architecture_1 8 (the architecture's bit 5),
/// implementation 23:20, architecture_0 28:24 (its bits 4:0).
pub fn encode_boot0(chipset: u32, major: u32, minor: u32) -> u32 {
    let arch = (chipset >> 4) & 0x3f;
    let imp = chipset & 0xf;
    (arch & 0x1f) << 24 | imp << 20 | (arch >> 5) << 8 | (major & 0xf) << 4 | (minor & 0xf)
}

/// BOOT_42 for `chipset` at revision `major`.`minor`, 0 for chips older than Fermi.
///
/// Fields: minor_revision 15:12, major_revision 19:16, implementation 23:20, architecture
/// 29:24 (all six bits).
pub fn encode_boot42(chipset: u32, major: u32, minor: u32) -> u32 {
    let arch = (chipset >> 4) & 0x3f;
    if arch < FIRST_BOOT42_ARCH {
        return 0;
    }
    arch << 24 | (chipset & 0xf) << 20 | (major & 0xf) << 16 | (minor & 0xf) << 12
}

/// The chipset code in a BOOT_42 value.
pub fn decode_chipset42(boot42: u32) -> u32 {
    ((boot42 >> 24) & 0x3f) << 4 | (boot42 >> 20) & 0xf
}

/// The chipset code in a BOOT_0 value.
pub fn decode_chipset(boot0: u32) -> u32 {
    let arch = (boot0 >> 24) & 0x1f | ((boot0 >> 8) & 1) << 5;
    arch << 4 | (boot0 >> 20) & 0xf
}

/// Whether `chipset` has a GSP (Turing or newer).
pub fn has_gsp(chipset: u32) -> bool {
    chipset >> 4 >= FIRST_GSP_ARCH
}

/// The emulated chip: what the registers and `NOVAX_EMU_STATIC_INFO` report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    /// BOOT_0.
    pub boot0: u32,
    /// BOOT_42 (0 for chips older than Fermi).
    pub boot42: u32,
    /// Name for `gpu_name`, e.g. "AD102".
    pub name: String,
    /// VRAM size.
    pub vram_size: u64,
}

impl Chip {
    /// A known chip at revision a1.
    pub fn known(info: &ChipInfo) -> Self {
        Self {
            boot0: encode_boot0(info.chipset, MAJOR_REV, MINOR_REV),
            boot42: encode_boot42(info.chipset, MAJOR_REV, MINOR_REV),
            name: info.name.to_string(),
            vram_size: info.vram_size,
        }
    }

    /// Whatever a raw BOOT_0 value says, with the BOOT_42 a real chip of that chipset and
    /// revision has; unknown chipsets get a generic name and 8 GiB.
    pub fn from_boot0(boot0: u32) -> Self {
        let chipset = decode_chipset(boot0);
        let boot42 = encode_boot42(chipset, (boot0 >> 4) & 0xf, boot0 & 0xf);
        Self::from_ids(boot0, boot42)
    }

    /// Whatever raw BOOT_0 and BOOT_42 values say: the chip is named after BOOT_42's chipset
    /// where BOOT_0 says the chip has BOOT_42 (as the driver reads them), else after BOOT_0's.
    pub fn from_ids(boot0: u32, boot42: u32) -> Self {
        let chipset = if decode_chipset(boot0) >> 4 >= FIRST_BOOT42_ARCH {
            decode_chipset42(boot42)
        } else {
            decode_chipset(boot0)
        };
        match by_chipset(chipset) {
            Some(info) => Self {
                boot0,
                boot42,
                ..Self::known(info)
            },
            None => Self {
                boot0,
                boot42,
                name: format!("chipset {chipset:#x}"),
                vram_size: 8 * GIB,
            },
        }
    }

    /// The default: AD102.
    pub fn default_chip() -> Self {
        Self::known(by_name("AD102").expect("AD102 is in the table"))
    }

    /// The `novax_emu_static_info` reply payload (128 bytes).
    pub fn static_info(&self) -> Vec<u8> {
        let mut b = vec![0u8; STATIC_INFO_SIZE];
        b[0..4].copy_from_slice(&self.boot0.to_le_bytes());
        b[4..8].copy_from_slice(&self.boot42.to_le_bytes());
        b[8..16].copy_from_slice(&self.vram_size.to_le_bytes());
        b[16..24].copy_from_slice(&VRAM_BAR_SIZE.to_le_bytes());
        b[24..32].copy_from_slice(&REG_BAR_SIZE.to_le_bytes());
        let (major, minor, patch) = FW_VERSION;
        let fw = major << 32 | minor << 16 | patch;
        b[32..40].copy_from_slice(&fw.to_le_bytes());
        put_cstr(
            &mut b[40..104],
            &format!("NVIDIA {} (novax emulated)", self.name),
        );
        put_cstr(&mut b[104..128], FW_VERSION_STR);
        b
    }
}

/// Copies `s` into `dst` NUL-terminated, truncated to fit.
fn put_cstr(dst: &mut [u8], s: &str) {
    let n = s.len().min(dst.len().saturating_sub(1));
    dst[..n].copy_from_slice(&s.as_bytes()[..n]);
    dst[n..].fill(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot0_examples() {
        // The contract's example: AD102 rev a1.
        assert_eq!(encode_boot0(0x192, 0xa, 1), 0x1920_00a1);
        assert_eq!(Chip::default_chip().boot0, 0x1920_00a1);
        assert_eq!(encode_boot0(0x162, 0xa, 1), 0x1620_00a1);
        assert_eq!(encode_boot0(0x1b2, 0xa, 1), 0x1b20_00a1);
        // An architecture with bit 5 set puts it in architecture_1 (bit 8).
        assert_eq!(encode_boot0(0x2a3, 0xa, 1), 0x0a30_01a1);
        assert_eq!(decode_chipset(0x0a30_01a1), 0x2a3);
    }

    #[test]
    fn boot42_examples() {
        // BOOT_42's own layout: architecture 29:24, implementation 23:20, revision 19:12.
        assert_eq!(encode_boot42(0x192, 0xa, 1), 0x192a_1000);
        assert_eq!(encode_boot42(0x162, 0xa, 1), 0x162a_1000);
        assert_eq!(encode_boot42(0x1b7, 0xb, 2), 0x1b7b_2000);
        assert_eq!(decode_chipset42(0x1b7b_2000), 0x1b7);
        // Pascal has BOOT_42; NV50 (pre-Fermi) does not.
        assert_eq!(encode_boot42(0x132, 0xa, 1), 0x132a_1000);
        assert_eq!(encode_boot42(0x050, 0xa, 1), 0);
        let c = Chip::from_boot0(0x1620_00a1);
        assert_eq!((c.boot42, c.name.as_str()), (0x162a_1000, "TU102"));
        // BOOT_42 names the chip when BOOT_0 says there is one.
        let c = Chip::from_ids(0x1920_00a1, 0x172a_1000);
        assert_eq!(c.name, "GA102");
        assert_eq!(Chip::from_ids(0x0500_00a1, 0x192a_1000).name, "NV50");
        assert_eq!(Chip::from_ids(0x1920_00a1, 0).name, "chipset 0x0");
    }

    #[test]
    fn table_round_trips_and_gsp_cutoff() {
        for c in CHIPS {
            let boot0 = encode_boot0(c.chipset, MAJOR_REV, MINOR_REV);
            assert_eq!(decode_chipset(boot0), c.chipset, "{}", c.name);
            assert_eq!(Chip::from_boot0(boot0), Chip::known(c));
            let gsp = !matches!(c.name, "NV50" | "GP102" | "GV100");
            assert_eq!(has_gsp(c.chipset), gsp, "{}", c.name);
        }
        assert_eq!(by_name("ga102").unwrap().chipset, 0x172);
        assert!(by_name("xx999").is_none());
        let unknown = Chip::from_boot0(0x0880_00a1);
        assert_eq!(unknown.name, "chipset 0x88");
    }

    #[test]
    fn static_info_layout() {
        let b = Chip::default_chip().static_info();
        assert_eq!(b.len(), 128);
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        assert_eq!(u32_at(0), 0x1920_00a1);
        assert_eq!(u32_at(4), 0x192a_1000);
        assert_eq!(u64_at(8), 24 << 30);
        assert_eq!(u64_at(16), 256 << 20);
        assert_eq!(u64_at(24), 16 << 20);
        assert_eq!(u64_at(32), 570 << 32 | 144 << 16);
        let name = b"NVIDIA AD102 (novax emulated)\0";
        assert_eq!(&b[40..40 + name.len()], name);
        assert!(b[40 + name.len()..104].iter().all(|&x| x == 0));
        assert_eq!(&b[104..112], b"570.144\0");
    }

    #[test]
    fn cstr_truncates() {
        let mut d = [0xffu8; 4];
        put_cstr(&mut d, "abcdef");
        assert_eq!(&d, b"abc\0");
    }
}
