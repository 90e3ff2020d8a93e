// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `novax_core_chip`: [`Spec::decode`] on the identification registers of real chips.
//!
//! The values are written out as the hardware reports them (BOOT_0 `0xAAI000RR`, BOOT_42
//! `0xAAIRR000` for architecture AA, implementation I and revision RR, as in NVIDIA's
//! `dev_boot.ref` manuals) rather than computed, so the table checks the register layouts the
//! driver's `regs.rs` declares. It runs when the module loads on a kernel booted with KUnit
//! enabled (`kunit.enable=1`), which the test harness's KUnit boot does.

use crate::chip::{Refusal, Spec};
use kernel::{c_str, kunit_suite::Test};

/// What a chip decodes to: its name, architecture name and revision code.
type Decoded = core::result::Result<(&'static str, &'static str, u32), Refusal>;

/// BOOT_0, BOOT_42 and the expected result.
const CHIPS: &[(u32, u32, Decoded)] = &[
    (0x1620_00a1, 0x162a_1000, Ok(("TU102", "Turing", 0xa1))),
    (0x1640_00a1, 0x164a_1000, Ok(("TU104", "Turing", 0xa1))),
    (0x1660_00a1, 0x166a_1000, Ok(("TU106", "Turing", 0xa1))),
    (0x1670_00a1, 0x167a_1000, Ok(("TU117", "Turing", 0xa1))),
    (0x1680_00a1, 0x168a_1000, Ok(("TU116", "Turing", 0xa1))),
    (0x1700_00a1, 0x170a_1000, Ok(("GA100", "Ampere", 0xa1))),
    (0x1720_00a1, 0x172a_1000, Ok(("GA102", "Ampere", 0xa1))),
    (0x1730_00a1, 0x173a_1000, Ok(("GA103", "Ampere", 0xa1))),
    (0x1740_00a1, 0x174a_1000, Ok(("GA104", "Ampere", 0xa1))),
    (0x1760_00a1, 0x176a_1000, Ok(("GA106", "Ampere", 0xa1))),
    (0x1770_00a1, 0x177a_1000, Ok(("GA107", "Ampere", 0xa1))),
    (0x1800_00a1, 0x180a_1000, Ok(("GH100", "Hopper", 0xa1))),
    (0x1920_00a1, 0x192a_1000, Ok(("AD102", "Ada", 0xa1))),
    (0x1930_00a1, 0x193a_1000, Ok(("AD103", "Ada", 0xa1))),
    (0x1940_00a1, 0x194a_1000, Ok(("AD104", "Ada", 0xa1))),
    (0x1960_00a1, 0x196a_1000, Ok(("AD106", "Ada", 0xa1))),
    (0x1970_00a1, 0x197a_1000, Ok(("AD107", "Ada", 0xa1))),
    (0x1a00_00a1, 0x1a0a_1000, Ok(("GB100", "Blackwell", 0xa1))),
    (0x1a20_00a1, 0x1a2a_1000, Ok(("GB102", "Blackwell", 0xa1))),
    (0x1b20_00b2, 0x1b2b_2000, Ok(("GB202", "Blackwell", 0xb2))),
    (0x1b30_00a1, 0x1b3a_1000, Ok(("GB203", "Blackwell", 0xa1))),
    (0x1b50_00a1, 0x1b5a_1000, Ok(("GB205", "Blackwell", 0xa1))),
    (0x1b60_00a1, 0x1b6a_1000, Ok(("GB206", "Blackwell", 0xa1))),
    (0x1b70_00a1, 0x1b7a_1000, Ok(("GB207", "Blackwell", 0xa1))),
    // BOOT_42 identifies the chip, also when BOOT_0 says another one.
    (0x1920_00a1, 0x172a_1000, Ok(("GA102", "Ampere", 0xa1))),
    // Before Fermi there is no BOOT_42: whatever it reads is not looked at.
    (
        0x0500_00a2,
        0x192a_1000,
        Err(Refusal::PreFermi { boot0: 0x0500_00a2 }),
    ),
    (
        0x0000_0000,
        0x0000_0000,
        Err(Refusal::PreFermi { boot0: 0 }),
    ),
    // Fermi to Volta: BOOT_42, but no GSP.
    (
        0x0c00_00a3,
        0x0c0a_3000,
        Err(Refusal::PreTuring {
            architecture: 0xc,
            chipset: 0xc0,
        }),
    ),
    (
        0x1320_00a1,
        0x132a_1000,
        Err(Refusal::PreTuring {
            architecture: 0x13,
            chipset: 0x132,
        }),
    ),
    (
        0x1400_00a1,
        0x140a_1000,
        Err(Refusal::PreTuring {
            architecture: 0x14,
            chipset: 0x140,
        }),
    ),
    // Off the bus, before or between the two reads.
    (0xffff_ffff, 0xffff_ffff, Err(Refusal::NotResponding)),
    (0x1920_00a1, 0xffff_ffff, Err(Refusal::NotResponding)),
    // Garbage: a BOOT_42 that contradicts BOOT_0.
    (
        0x1920_00a1,
        0,
        Err(Refusal::Inconsistent {
            boot0: 0x1920_00a1,
            boot42: 0,
        }),
    ),
    (
        0x1920_00a1,
        0x050a_1000,
        Err(Refusal::Inconsistent {
            boot0: 0x1920_00a1,
            boot42: 0x050a_1000,
        }),
    ),
    // Unknown chips: an implementation that does not exist, a future architecture, and one with
    // bit 5 set (BOOT_0's architecture_1, BOOT_42's bit 29).
    (
        0x1910_00a1,
        0x191a_1000,
        Err(Refusal::Unknown {
            architecture: 0x19,
            chipset: 0x191,
        }),
    ),
    (
        0x1d00_00a1,
        0x1d0a_1000,
        Err(Refusal::Unknown {
            architecture: 0x1d,
            chipset: 0x1d0,
        }),
    ),
    (
        0x0a30_01a1,
        0x2a3a_1000,
        Err(Refusal::Unknown {
            architecture: 0x2a,
            chipset: 0x2a3,
        }),
    ),
];

fn decode(boot0: u32, boot42: u32) -> Decoded {
    Spec::decode(boot0, boot42)
        .map(|s| (s.chipset.name(), s.chipset.arch().name(), s.revision.code()))
}

/// Every chip of the table decodes as the hardware means it.
fn real_chips(test: &Test) {
    for &(boot0, boot42, expected) in CHIPS {
        let got = decode(boot0, boot42);
        if got != expected {
            test.fail(format_args!(
                "BOOT_0 {boot0:#010x} BOOT_42 {boot42:#010x}: {got:?}, expected {expected:?}"
            ));
        }
    }
}

/// A successful decode keeps both raw registers and reports the chipset code of BOOT_42.
fn raw_values_kept(test: &Test) {
    match Spec::decode(0x1b70_00a1, 0x1b7a_1000) {
        Ok(s) => {
            test.expect_eq(
                (s.boot0, s.boot42),
                (0x1b70_00a1, 0x1b7a_1000),
                c_str!("raw"),
            );
            test.expect_eq(s.chipset.code(), 0x1b7, c_str!("chipset code"));
            test.expect_eq(s.chipset.arch().code(), 0x1b, c_str!("architecture code"));
        }
        Err(e) => test.fail(format_args!("GB207: {e:?}")),
    }
}

kernel::kunit_suite!(novax_core_chip, [real_chips, raw_values_kept]);
