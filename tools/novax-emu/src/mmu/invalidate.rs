// SPDX-License-Identifier: MIT OR Apache-2.0

//! The MMU invalidate block of TU102 and later (BAR0 0xb830a0..0xb830b0), which is how a driver
//! makes the GPU forget cached translations after it changed page tables.
//!
//! The sequence (nouveau's `tu102_vmm_flush`, open-gpu-kernel-modules' `dev_vm.h`): the page
//! directory's address >> 12 into `PDB` (`ADDR` 31:4, `APERTURE` 1:1) and `UPPER_PDB` (19:0),
//! then the scope with `TRIGGER` into `INVALIDATE`, then poll until `TRIGGER` reads 0. Stores to
//! the shared register window do not trap, so the emulator looks at `INVALIDATE` whenever it
//! runs (on every doorbell, which the driver rings after the trigger, and every millisecond):
//! it drops the cached translations, then clears `TRIGGER`, so a driver that saw it clear knows
//! the TLB holds nothing older than the tables.

use super::Tlb;
use crate::mem::Mem;
use crate::regs::{
    MMU_INVALIDATE, MMU_INVALIDATE_ALL_PDB, MMU_INVALIDATE_PDB, MMU_INVALIDATE_TRIGGER,
    MMU_INVALIDATE_UPPER_PDB,
};

/// What an invalidate dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every translation of the page directory at this address.
    Pdb(u64),
    /// Every translation (`ALL_PDB`).
    All,
}

/// The page directory named by `PDB` and `UPPER_PDB` (its aperture is not checked: the
/// emulated GPU has system memory only, and a wrong aperture only means nothing is dropped).
pub fn pdb<M: Mem + ?Sized>(mem: &M) -> u64 {
    let lo = u64::from(mem.load_u32(MMU_INVALIDATE_PDB) >> 4);
    let hi = u64::from(mem.load_u32(MMU_INVALIDATE_UPPER_PDB) & 0xf_ffff);
    (hi << 28 | lo) << 12
}

/// Carries out a pending invalidate, if the driver triggered one: drops what its scope names
/// from `tlb`, then clears `TRIGGER` (keeping the other bits, as a read-back shows them).
pub fn service<M: Mem + ?Sized>(mem: &mut M, tlb: &mut Tlb) -> Option<Scope> {
    let cmd = mem.load_u32(MMU_INVALIDATE);
    if cmd & MMU_INVALIDATE_TRIGGER == 0 {
        return None;
    }
    let scope = if cmd & MMU_INVALIDATE_ALL_PDB != 0 {
        tlb.invalidate_all();
        Scope::All
    } else {
        let pdb = pdb(mem);
        tlb.invalidate(pdb);
        Scope::Pdb(pdb)
    };
    mem.store_u32(MMU_INVALIDATE, cmd & !MMU_INVALIDATE_TRIGGER);
    Some(scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;
    use crate::regs::{MMU_INVALIDATE_ALL_VA, MMU_INVALIDATE_PDB_SYS, SHM_SIZE};

    fn trigger(m: &mut VecMem, pdb: u64, all: bool) {
        let page = pdb >> 12;
        let lo = u32::try_from(page & 0xfff_ffff).unwrap() << 4 | MMU_INVALIDATE_PDB_SYS;
        m.store_u32(MMU_INVALIDATE_PDB, lo);
        m.store_u32(MMU_INVALIDATE_UPPER_PDB, u32::try_from(page >> 28).unwrap());
        let scope = if all { MMU_INVALIDATE_ALL_PDB } else { 0 };
        m.store_u32(
            MMU_INVALIDATE,
            MMU_INVALIDATE_TRIGGER | MMU_INVALIDATE_ALL_VA | scope,
        );
    }

    #[test]
    fn decodes_the_pdb_as_nouveau_writes_it() {
        let mut m = VecMem::new(SHM_SIZE);
        // nouveau: `addr >> 8` into PDB (ADDR 31:4 = addr >> 12), 0 into UPPER_PDB.
        m.store_u32(MMU_INVALIDATE_PDB, 0x1234_5000 >> 8);
        assert_eq!(pdb(&m), 0x1234_5000);
        // Beyond 40 bits, the upper part.
        trigger(&mut m, 0x7f_1234_5678_9000, false);
        assert_eq!(pdb(&m), 0x7f_1234_5678_9000);
    }

    #[test]
    fn nothing_without_the_trigger_and_the_trigger_clears() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut tlb = Tlb::new();
        assert_eq!(service(&mut m, &mut tlb), None);
        trigger(&mut m, 0x40_0000, false);
        assert_eq!(service(&mut m, &mut tlb), Some(Scope::Pdb(0x40_0000)));
        assert_eq!(m.load_u32(MMU_INVALIDATE), MMU_INVALIDATE_ALL_VA);
        assert_eq!(service(&mut m, &mut tlb), None);
        trigger(&mut m, 0x40_0000, true);
        assert_eq!(service(&mut m, &mut tlb), Some(Scope::All));
        assert_eq!(m.load_u32(MMU_INVALIDATE) & MMU_INVALIDATE_TRIGGER, 0);
    }
}
