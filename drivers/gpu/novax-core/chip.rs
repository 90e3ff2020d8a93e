// SPDX-License-Identifier: GPL-2.0

//! Chip identification: chipset, architecture and revision from NV_PMC_BOOT_0/BOOT_42.
//!
//! As on real hardware (and as nova-core does): BOOT_0 first, whose architecture field tells the
//! chips older than Fermi, which have no BOOT_42 (and no GSP); every later chip is identified by
//! BOOT_42, whose layout differs from BOOT_0's and which has room for the architectures BOOT_0
//! will run out of. [`Spec::decode`] is the whole decision, on raw values, so that KUnit checks
//! it on a table of real chips' registers (`chip_kunit.rs`).

use crate::regs::{NV_PMC_BOOT_0, NV_PMC_BOOT_42};
use core::fmt;
use kernel::{io::Io, prelude::*};

/// GPU architectures with a GSP (Turing and later).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Architecture {
    Turing,
    Ampere,
    Hopper,
    Ada,
    BlackwellGB10x,
    BlackwellGB20x,
}

impl Architecture {
    /// The architecture code.
    pub(crate) fn code(self) -> u32 {
        match self {
            Self::Turing => 0x16,
            Self::Ampere => 0x17,
            Self::Hopper => 0x18,
            Self::Ada => 0x19,
            Self::BlackwellGB10x => 0x1a,
            Self::BlackwellGB20x => 0x1b,
        }
    }

    /// The architecture's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Turing => "Turing",
            Self::Ampere => "Ampere",
            Self::Hopper => "Hopper",
            Self::Ada => "Ada",
            Self::BlackwellGB10x | Self::BlackwellGB20x => "Blackwell",
        }
    }
}

macro_rules! chipsets {
    ($($name:ident = $code:literal, $arch:ident;)*) => {
        /// Supported chipsets.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub(crate) enum Chipset { $($name,)* }

        impl Chipset {
            /// The chipset from its code, `architecture << 4 | implementation`.
            pub(crate) fn from_code(code: u32) -> Option<Self> {
                match code {
                    $($code => Some(Self::$name),)*
                    _ => None,
                }
            }

            /// The chipset code.
            pub(crate) fn code(self) -> u32 {
                match self { $(Self::$name => $code,)* }
            }

            /// The chipset's name, e.g. "AD102".
            pub(crate) fn name(self) -> &'static str {
                match self { $(Self::$name => stringify!($name),)* }
            }

            /// The chipset's architecture.
            pub(crate) fn arch(self) -> Architecture {
                match self { $(Self::$name => Architecture::$arch,)* }
            }
        }
    };
}

chipsets! {
    TU102 = 0x162, Turing;
    TU104 = 0x164, Turing;
    TU106 = 0x166, Turing;
    TU117 = 0x167, Turing;
    TU116 = 0x168, Turing;
    GA100 = 0x170, Ampere;
    GA102 = 0x172, Ampere;
    GA103 = 0x173, Ampere;
    GA104 = 0x174, Ampere;
    GA106 = 0x176, Ampere;
    GA107 = 0x177, Ampere;
    GH100 = 0x180, Hopper;
    AD102 = 0x192, Ada;
    AD103 = 0x193, Ada;
    AD104 = 0x194, Ada;
    AD106 = 0x196, Ada;
    AD107 = 0x197, Ada;
    GB100 = 0x1a0, BlackwellGB10x;
    GB102 = 0x1a2, BlackwellGB10x;
    GB202 = 0x1b2, BlackwellGB20x;
    GB203 = 0x1b3, BlackwellGB20x;
    GB205 = 0x1b5, BlackwellGB20x;
    GB206 = 0x1b6, BlackwellGB20x;
    GB207 = 0x1b7, BlackwellGB20x;
}

/// A chip revision, e.g. a1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Revision {
    pub(crate) major: u32,
    pub(crate) minor: u32,
}

impl Revision {
    /// `major << 4 | minor`, as reported to userspace.
    pub(crate) fn code(self) -> u32 {
        (self.major << 4) | self.minor
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}{:x}", self.major, self.minor)
    }
}

/// The identified chip.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    pub(crate) chipset: Chipset,
    pub(crate) revision: Revision,
    /// The raw NV_PMC_BOOT_0.
    pub(crate) boot0: u32,
    /// The raw NV_PMC_BOOT_42, which identified the chip.
    pub(crate) boot42: u32,
}

/// Why a chip was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// BOOT_0 (or BOOT_42) reads all ones: the device is not responding.
    NotResponding,
    /// Older than Fermi (BOOT_0's architecture below 0xc): no BOOT_42, no GSP.
    PreFermi { boot0: u32 },
    /// Fermi to Volta: an architecture without GSP (older than Turing).
    PreTuring { architecture: u32, chipset: u32 },
    /// BOOT_42 contradicts BOOT_0: BOOT_0 says Fermi or later, BOOT_42 says older (it reads
    /// 0, say). Not a chip to guess about.
    Inconsistent { boot0: u32, boot42: u32 },
    /// A chipset we do not know.
    Unknown { architecture: u32, chipset: u32 },
}

/// BOOT_0's architecture of Fermi (GF100), the first with BOOT_42.
const ARCH_FERMI: u32 = 0xc;
/// The first architecture with a GSP: Turing.
const ARCH_TURING: u32 = 0x16;

impl Spec {
    /// Identifies the chip behind `io` (BAR0 or the emulated register window). BOOT_42 is read
    /// only if BOOT_0 says the chip has one.
    pub(crate) fn identify<const SIZE: usize>(io: &Io<SIZE>) -> Result<Self, Refusal> {
        let boot0 = NV_PMC_BOOT_0::read(io).raw();
        let boot42 = if Self::has_boot42(boot0) {
            NV_PMC_BOOT_42::read(io).raw()
        } else {
            0
        };
        Self::decode(boot0, boot42)
    }

    /// Whether a chip with this BOOT_0 has BOOT_42: it responds and is Fermi or later.
    fn has_boot42(boot0: u32) -> bool {
        let b = NV_PMC_BOOT_0::from_raw(boot0);
        boot0 != u32::MAX && (b.architecture_1() != 0 || b.architecture_0() >= ARCH_FERMI)
    }

    /// Identifies a chip from its raw BOOT_0 and BOOT_42 (ignored before Fermi).
    pub(crate) fn decode(boot0: u32, boot42: u32) -> Result<Self, Refusal> {
        if boot0 == u32::MAX {
            return Err(Refusal::NotResponding);
        }
        if !Self::has_boot42(boot0) {
            return Err(Refusal::PreFermi { boot0 });
        }
        if boot42 == u32::MAX {
            return Err(Refusal::NotResponding);
        }
        let b = NV_PMC_BOOT_42::from_raw(boot42);
        let architecture = b.architecture();
        let chipset = (architecture << 4) | b.implementation();
        if architecture < ARCH_FERMI {
            return Err(Refusal::Inconsistent { boot0, boot42 });
        }
        if architecture < ARCH_TURING {
            return Err(Refusal::PreTuring {
                architecture,
                chipset,
            });
        }
        let chipset_enum = Chipset::from_code(chipset).ok_or(Refusal::Unknown {
            architecture,
            chipset,
        })?;
        Ok(Self {
            chipset: chipset_enum,
            revision: Revision {
                major: b.major_revision(),
                minor: b.minor_revision(),
            },
            boot0,
            boot42,
        })
    }
}
