// SPDX-License-Identifier: MIT OR Apache-2.0

//! The GPU's MMU: GMMU version 2 page tables (Pascal and later, the format Turing to Ada use),
//! walked in guest RAM from a page-directory base, with a small TLB.
//!
//! The format (open-gpu-doc `dev_mmu.ref`, open-gpu-kernel-modules `dev_mmu.h` of gp100; the
//! level split of nouveau's `vmmgp100.c`): a 49-bit VA resolved by five levels,
//!
//! | level | VA bits | entries | entry | table      |
//! |-------|---------|---------|-------|------------|
//! | PDE3  | 48:47   | 4       | 8 B   | 32 B       |
//! | PDE2  | 46:38   | 512     | 8 B   | 4 KiB      |
//! | PDE1  | 37:29   | 512     | 8 B   | 4 KiB      |
//! | PDE0  | 28:21   | 256     | 16 B  | 4 KiB      |
//! | PT    | 20:12   | 512     | 8 B   | 4 KiB      | small (4 KiB) pages
//! | LPT   | 20:16   | 32      | 8 B   | 256 B      | big (64 KiB) pages
//!
//! PDE: `IS_PTE` 0 (a huge page; not supported here, so a fault), `APERTURE` 2:1 (0 invalid,
//! 1 video, 2 system coherent, 3 system non-coherent), `VOL` 3, `ADDRESS_SYS` 53:8 (the
//! address in 4 KiB units). PDE0 is dual: the big-page table's half in bits 63:0
//! (`ADDRESS_BIG_SYS` 53:4, in 256-byte units, as an LPT is 256-byte aligned), the small-page
//! table's in 127:64 (`APERTURE_SMALL` 66:65, `VOL_SMALL` 67, `ADDRESS_SMALL_SYS` 117:72, in
//! 4 KiB units). PTE: `VALID` 0, `APERTURE` 2:1 (0 video, 1 peer, 2 system coherent, 3 system
//! non-coherent), `VOL` 3, `PRIVILEGE` 5, `READ_ONLY` 6, `ATOMIC_DISABLE` 7, `ADDRESS_SYS` 53:8
//! (4 KiB units), `KIND` 63:56.
//!
//! Where a PDE0 names both tables, a valid big PTE translates and an invalid one falls through
//! to the small PT (as nouveau relies on when it mixes page sizes in one 2 MiB range), unless
//! the invalid big PTE has `PRIVILEGE` set, which tells the MMU to ignore the small PTEs
//! (nouveau's `gp100_vmm_lpt_invalid`). Sparse entries (invalid with `VOL`) are not modelled.
//!
//! The emulated GPU has no video memory yet, so only the system apertures resolve; video and
//! peer are faults, as are tables or pages outside guest RAM. The TLB caches translations
//! until an invalidate: a driver that changes a PTE and forgets to invalidate keeps getting
//! the old translation, as on hardware.

use crate::guest_ram::GuestRam;
use crate::mem::Mem;
use std::collections::VecDeque;

pub mod invalidate;

/// VA bits.
pub const VA_BITS: u32 = 49;
/// A small page.
pub const SMALL_PAGE: u64 = 4 << 10;
/// A big page.
pub const BIG_PAGE: u64 = 64 << 10;

/// Aperture of a PDE.
const PDE_APERTURE_INVALID: u64 = 0;
const PDE_APERTURE_VIDEO: u64 = 1;
/// Aperture of a PTE.
const PTE_APERTURE_VIDEO: u64 = 0;
const PTE_APERTURE_PEER: u64 = 1;
const PTE_APERTURE_SYS_COH: u64 = 2;
/// PTE `PRIVILEGE` 5 (in an invalid LPT entry: do not fall through to the small PTEs).
const PTE_PRIVILEGE: u64 = 1 << 5;
/// `ADDRESS_SYS` 53:8 (46 bits).
const ADDR_MASK: u64 = (1 << 46) - 1;
/// `ADDRESS_BIG_SYS` 53:4 (50 bits).
const BIG_ADDR_MASK: u64 = (1 << 50) - 1;

/// A page-table level, for faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// VA 48:47.
    Pde3,
    /// VA 46:38.
    Pde2,
    /// VA 37:29.
    Pde1,
    /// VA 28:21, dual.
    Pde0,
    /// The page tables.
    Pte,
}

/// Why a translation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultReason {
    /// The VA has bits above [`VA_BITS`].
    VaRange,
    /// A PDE is invalid (aperture 0), or a PDE0 names no table for the page.
    InvalidPde,
    /// The PTE (both, for a dual PDE0) is not valid.
    InvalidPte,
    /// A PDE marked as a huge-page PTE (not supported).
    HugePage,
    /// A table or the page is in video or peer memory, which this GPU does not have.
    Aperture,
    /// A table or the page is not in guest RAM.
    NotRam,
    /// A write to a read-only page.
    ReadOnly,
}

/// A failed translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The VA.
    pub va: u64,
    /// Where the walk stopped.
    pub level: Level,
    /// Why.
    pub reason: FaultReason,
}

impl Fault {
    /// As the test-control block reports it: the level in 7:0 (0 PDE3 .. 4 PTE), the reason in
    /// 15:8 (1 VA range, 2 invalid PDE, 3 invalid PTE, 4 huge page, 5 aperture, 6 not RAM,
    /// 7 read-only).
    pub fn code(&self) -> u32 {
        let level = match self.level {
            Level::Pde3 => 0,
            Level::Pde2 => 1,
            Level::Pde1 => 2,
            Level::Pde0 => 3,
            Level::Pte => 4,
        };
        let reason = match self.reason {
            FaultReason::VaRange => 1,
            FaultReason::InvalidPde => 2,
            FaultReason::InvalidPte => 3,
            FaultReason::HugePage => 4,
            FaultReason::Aperture => 5,
            FaultReason::NotRam => 6,
            FaultReason::ReadOnly => 7,
        };
        level | reason << 8
    }
}

/// A translation of one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address of the VA (not of its page).
    pub pa: u64,
    /// [`SMALL_PAGE`] or [`BIG_PAGE`].
    pub page_size: u64,
    /// `READ_ONLY`.
    pub read_only: bool,
    /// Non-coherent system memory (`APERTURE` 3) rather than coherent (2).
    pub non_coherent: bool,
    /// `KIND`.
    pub kind: u8,
}

/// The page-table entry at `base + index * size`, which must be in RAM and aligned. `base`
/// comes from the guest (a PDB or a PDE), so the sum may overflow: that is not RAM either.
fn entry<M: Mem>(ram: &GuestRam<M>, base: u64, index: u64, size: u64) -> Result<u64, FaultReason> {
    let gpa = index
        .checked_mul(size)
        .and_then(|o| base.checked_add(o))
        .ok_or(FaultReason::NotRam)?;
    ram.load_u64(gpa).map_err(|_| FaultReason::NotRam)
}

/// A non-dual PDE's table address.
fn pde_table(pde: u64) -> Result<u64, FaultReason> {
    if pde & 1 != 0 {
        return Err(FaultReason::HugePage);
    }
    match (pde >> 1) & 3 {
        PDE_APERTURE_INVALID => Err(FaultReason::InvalidPde),
        PDE_APERTURE_VIDEO => Err(FaultReason::Aperture),
        _ => Ok(((pde >> 8) & ADDR_MASK) << 12),
    }
}

/// The walk, uncached.
pub fn walk<M: Mem>(ram: &GuestRam<M>, pdb: u64, va: u64) -> Result<Translation, Fault> {
    let fault = |level, reason| Fault { va, level, reason };
    if va >> VA_BITS != 0 {
        return Err(fault(Level::Pde3, FaultReason::VaRange));
    }
    let mut table = pdb;
    for (level, shift, bits) in [
        (Level::Pde3, 47, 2),
        (Level::Pde2, 38, 9),
        (Level::Pde1, 29, 9),
    ] {
        let index = (va >> shift) & ((1 << bits) - 1);
        let pde = entry(ram, table, index, 8).map_err(|r| fault(level, r))?;
        table = pde_table(pde).map_err(|r| fault(level, r))?;
    }
    let index = (va >> 21) & 0xff;
    let big = entry(ram, table, index * 2, 8).map_err(|r| fault(Level::Pde0, r))?;
    let small = entry(ram, table, index * 2 + 1, 8).map_err(|r| fault(Level::Pde0, r))?;
    if big & 1 != 0 {
        return Err(fault(Level::Pde0, FaultReason::HugePage));
    }
    // The big half's aperture is at 2:1 and its address at 53:4 (256-byte units); the small
    // half's (66:65 and 117:72 of the entry) at 2:1 and 53:8 (4 KiB units) of its second word.
    let halves = [
        (
            big,
            ((big >> 4) & BIG_ADDR_MASK) << 8,
            (va >> 16) & 0x1f,
            BIG_PAGE,
        ),
        (
            small,
            ((small >> 8) & ADDR_MASK) << 12,
            (va >> 12) & 0x1ff,
            SMALL_PAGE,
        ),
    ];
    let mut named = false;
    for (half, table, index, size) in halves {
        match (half >> 1) & 3 {
            PDE_APERTURE_INVALID => continue,
            PDE_APERTURE_VIDEO => return Err(fault(Level::Pde0, FaultReason::Aperture)),
            _ => named = true,
        }
        let pte = entry(ram, table, index, 8).map_err(|r| fault(Level::Pte, r))?;
        if pte & 1 != 0 {
            return page(ram, pte, va, size).map_err(|r| fault(Level::Pte, r));
        }
        // An invalid big PTE with PRIVILEGE set tells the MMU not to look at the small PTEs
        // (nouveau's `gp100_vmm_lpt_invalid`); without it the walk falls through to them.
        if size == BIG_PAGE && pte & PTE_PRIVILEGE != 0 {
            return Err(fault(Level::Pte, FaultReason::InvalidPte));
        }
    }
    Err(if named {
        fault(Level::Pte, FaultReason::InvalidPte)
    } else {
        fault(Level::Pde0, FaultReason::InvalidPde)
    })
}

/// A valid PTE's translation of `va`; the whole page must be guest RAM.
fn page<M: Mem>(
    ram: &GuestRam<M>,
    pte: u64,
    va: u64,
    size: u64,
) -> Result<Translation, FaultReason> {
    let aperture = (pte >> 1) & 3;
    if aperture == PTE_APERTURE_VIDEO || aperture == PTE_APERTURE_PEER {
        return Err(FaultReason::Aperture);
    }
    // A big page's address is 64 KiB-aligned by the format's use; its low bits, if a driver
    // set them, are ignored as the hardware ignores them.
    let base = (((pte >> 8) & ADDR_MASK) << 12) & !(size - 1);
    if ram
        .offset(base, usize::try_from(size).unwrap_or(usize::MAX))
        .is_none()
    {
        return Err(FaultReason::NotRam);
    }
    Ok(Translation {
        pa: base | (va & (size - 1)),
        page_size: size,
        read_only: pte & (1 << 6) != 0,
        non_coherent: aperture != PTE_APERTURE_SYS_COH,
        kind: (pte >> 56) as u8,
    })
}

/// TLB entries.
pub const TLB_ENTRIES: usize = 64;

/// A TLB of [`TLB_ENTRIES`] page translations, oldest replaced first.
#[derive(Debug, Default)]
pub struct Tlb {
    entries: VecDeque<(u64, u64, Translation)>,
    hits: u64,
    misses: u64,
}

impl Tlb {
    /// An empty TLB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates `va` in the VA space rooted at `pdb`, from the TLB or by a walk (whose
    /// result is cached; faults are not). `write` checks `READ_ONLY`.
    pub fn translate<M: Mem>(
        &mut self,
        ram: &GuestRam<M>,
        pdb: u64,
        va: u64,
        write: bool,
    ) -> Result<Translation, Fault> {
        let cached = self
            .entries
            .iter()
            .find(|(p, page_va, t)| *p == pdb && *page_va == va & !(t.page_size - 1));
        let t = match cached {
            Some(&(_, page_va, t)) => {
                self.hits += 1;
                Translation {
                    pa: (t.pa & !(t.page_size - 1)) | (va - page_va),
                    ..t
                }
            }
            None => {
                self.misses += 1;
                let t = walk(ram, pdb, va)?;
                if self.entries.len() == TLB_ENTRIES {
                    self.entries.pop_front();
                }
                self.entries.push_back((pdb, va & !(t.page_size - 1), t));
                t
            }
        };
        if write && t.read_only {
            return Err(Fault {
                va,
                level: Level::Pte,
                reason: FaultReason::ReadOnly,
            });
        }
        Ok(t)
    }

    /// Drops every translation of the VA space rooted at `pdb`.
    pub fn invalidate(&mut self, pdb: u64) {
        self.entries.retain(|(p, _, _)| *p != pdb);
    }

    /// Drops everything.
    pub fn invalidate_all(&mut self) {
        self.entries.clear();
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}

#[cfg(test)]
mod tests;
