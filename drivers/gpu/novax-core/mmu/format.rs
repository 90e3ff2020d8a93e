// SPDX-License-Identifier: GPL-2.0

//! The GMMU version 2 page-table format (Pascal and later; Turing to Ada use it), as the GPU
//! reads it.
//!
//! Facts from open-gpu-doc's `dev_mmu.ref` and open-gpu-kernel-modules' `dev_mmu.h` (gp100),
//! the level split from nouveau's `vmmgp100.c`. A 49-bit VA is resolved by five levels:
//!
//! | level | VA bits | entries | entry size |
//! |-------|---------|---------|------------|
//! | PDE3  | 48:47   | 4       | 8 bytes    |
//! | PDE2  | 46:38   | 512     | 8 bytes    |
//! | PDE1  | 37:29   | 512     | 8 bytes    |
//! | PDE0  | 28:21   | 256     | 16 (dual)  |
//! | PT    | 20:12   | 512     | 8 (4 KiB pages)  |
//! | LPT   | 20:16   | 32      | 8 (64 KiB pages) |
//!
//! Only system-memory apertures are written: the emulated GPU has no video memory yet.

/// VA bits the format resolves.
pub(crate) const VA_BITS: u32 = 49;

/// `APERTURE` (PDE 2:1, PTE 2:1): system memory, coherent (snooped).
const APERTURE_SYS_COHERENT: u64 = 2;
/// `APERTURE`: system memory, non-coherent.
const APERTURE_SYS_NON_COHERENT: u64 = 3;
/// `ADDRESS_SYS` (53:8), in 4 KiB units: 46 bits.
const ADDR_MASK: u64 = (1 << 46) - 1;
/// The dual PDE's `ADDRESS_BIG_SYS` (53:4), in 256-byte units: 50 bits.
const BIG_ADDR_MASK: u64 = (1 << 50) - 1;
/// `KIND` 63:56: generic memory (pitch).
pub(crate) const KIND_GENERIC: u8 = 0x06;

/// The two page sizes of a PDE0 slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageSize {
    /// 4 KiB, in the small-page table (PT).
    Small,
    /// 64 KiB, in the big-page table (LPT).
    Big,
}

impl PageSize {
    /// Bytes.
    pub(crate) const fn bytes(self) -> u64 {
        match self {
            Self::Small => 4 << 10,
            Self::Big => 64 << 10,
        }
    }

    /// The index of `va` in its page table.
    pub(crate) fn index(self, va: u64) -> usize {
        let (shift, mask) = match self {
            Self::Small => (12, 0x1ff),
            Self::Big => (16, 0x1f),
        };
        // Masked to 9 bits at most: always fits.
        usize::try_from((va >> shift) & mask).unwrap_or(0)
    }
}

/// A directory level, from the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirLevel {
    /// The root: VA 48:47.
    Pde3,
    /// VA 46:38.
    Pde2,
    /// VA 37:29.
    Pde1,
    /// VA 28:21: the dual entries naming a PT and an LPT.
    Pde0,
}

impl DirLevel {
    /// The index of `va` at this level.
    pub(crate) fn index(self, va: u64) -> usize {
        let (shift, mask) = match self {
            Self::Pde3 => (47, 0x3),
            Self::Pde2 => (38, 0x1ff),
            Self::Pde1 => (29, 0x1ff),
            Self::Pde0 => (21, 0xff),
        };
        usize::try_from((va >> shift) & mask).unwrap_or(0)
    }

    /// Entries at this level.
    pub(crate) const fn entries(self) -> usize {
        match self {
            Self::Pde3 => 4,
            Self::Pde2 | Self::Pde1 => 512,
            Self::Pde0 => 256,
        }
    }

    /// The tables a table at this level links: one per entry, two per PDE0 entry (the LPT and
    /// the PT, at the entry's two words, [`pde0_word`]).
    pub(crate) const fn slots(self) -> usize {
        match self {
            Self::Pde0 => 2 * Self::Pde0.entries(),
            _ => self.entries(),
        }
    }

    /// The level below, `None` below PDE0 (page tables).
    pub(crate) const fn next(self) -> Option<Self> {
        match self {
            Self::Pde3 => Some(Self::Pde2),
            Self::Pde2 => Some(Self::Pde1),
            Self::Pde1 => Some(Self::Pde0),
            Self::Pde0 => None,
        }
    }

    /// Bytes of VA one entry covers.
    pub(crate) const fn span(self) -> u64 {
        match self {
            Self::Pde3 => 1 << 47,
            Self::Pde2 => 1 << 38,
            Self::Pde1 => 1 << 29,
            Self::Pde0 => 1 << 21,
        }
    }
}

/// A PDE3/PDE2/PDE1 naming the table at bus address `table` (4 KiB-aligned) in coherent
/// system memory: `APERTURE` 2:1, `ADDRESS_SYS` 53:8.
pub(crate) fn pde(table: u64) -> u64 {
    ((table >> 12) & ADDR_MASK) << 8 | APERTURE_SYS_COHERENT << 1
}

/// The first word of a dual PDE0: the LPT at `lpt` (256-byte aligned), `APERTURE_BIG` 2:1,
/// `ADDRESS_BIG_SYS` 53:4 in 256-byte units.
pub(crate) fn pde0_big(lpt: u64) -> u64 {
    ((lpt >> 8) & BIG_ADDR_MASK) << 4 | APERTURE_SYS_COHERENT << 1
}

/// The second word of a dual PDE0: the PT at `pt` (4 KiB-aligned), `APERTURE_SMALL` 66:65 and
/// `ADDRESS_SMALL_SYS` 117:72 of the entry, which are a PDE's 2:1 and 53:8 in this word.
pub(crate) fn pde0_small(pt: u64) -> u64 {
    pde(pt)
}

/// The word of a PDE0 entry that names the table of `size`: the big half first.
pub(crate) const fn pde0_word(slot: usize, size: PageSize) -> usize {
    match size {
        PageSize::Big => 2 * slot,
        PageSize::Small => 2 * slot + 1,
    }
}

/// What a PTE grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PteFlags {
    /// `READ_ONLY` 6.
    pub(crate) read_only: bool,
    /// System memory the GPU must not snoop (`APERTURE` 3) rather than coherent (2).
    pub(crate) non_coherent: bool,
}

/// A valid PTE for the page at bus address `addr`: `VALID` 0, `APERTURE` 2:1, `READ_ONLY` 6,
/// `ADDRESS_SYS` 53:8, `KIND` 63:56 generic.
pub(crate) fn pte(addr: u64, flags: PteFlags) -> u64 {
    let aperture = if flags.non_coherent {
        APERTURE_SYS_NON_COHERENT
    } else {
        APERTURE_SYS_COHERENT
    };
    u64::from(KIND_GENERIC) << 56
        | ((addr >> 12) & ADDR_MASK) << 8
        | u64::from(flags.read_only) << 6
        | aperture << 1
        | 1
}

/// Whether a PTE can name a page of `size` at bus address `addr`: aligned to the page and
/// within `ADDRESS_SYS` (46 bits of 4 KiB units: below 2^58).
pub(crate) fn pte_addr_ok(addr: u64, size: PageSize) -> bool {
    addr % size.bytes() == 0 && addr >> 58 == 0
}

/// An invalid PTE: the GPU faults on it (and, in a dual PDE0's LPT, falls through to the PT).
pub(crate) const PTE_INVALID: u64 = 0;
