// SPDX-License-Identifier: MIT OR Apache-2.0

//! The walker against a reference model: a page-table writer built from the format's field
//! table (independently of the walker), random maps and unmaps of 4 KiB and 64 KiB pages, and a
//! map of what each page should translate to.

use super::*;
use crate::mem::VecMem;
use std::collections::HashMap;

/// RAM for the tests: tables are allocated from 1 MiB up, pages point anywhere.
const RAM: usize = 32 << 20;

use crate::test_rng::Rng;

/// The format's fields, written out by hand from the table in the module docs.
fn pde(table: u64) -> u64 {
    (table >> 12) << 8 | 2 << 1
}
fn dual_big(lpt: u64) -> u64 {
    (lpt >> 8) << 4 | 2 << 1
}
fn dual_small(pt: u64) -> u64 {
    (pt >> 12) << 8 | 2 << 1
}
fn pte(pa: u64, ro: bool) -> u64 {
    (pa >> 12) << 8 | 2 << 1 | 1 | u64::from(ro) << 6 | 0x06 << 56
}

/// Page tables in a [`VecMem`], written like a driver would.
struct Tables {
    ram: GuestRam<VecMem>,
    pdb: u64,
    next: u64,
    /// Table addresses by (level, index path), so each table is made once.
    made: HashMap<(u8, u64), u64>,
}

impl Tables {
    fn new() -> Self {
        let mut t = Self {
            ram: GuestRam::pc(VecMem::new(RAM)),
            pdb: 0,
            next: 1 << 20,
            made: HashMap::new(),
        };
        t.pdb = t.alloc(32);
        t
    }

    fn alloc(&mut self, size: u64) -> u64 {
        // Each table aligned to its size: big-page tables (256 bytes) are packed sixteen to a
        // page, so most are not 4 KiB-aligned, as the dual PDE's 53:4 field allows.
        let a = self.next.next_multiple_of(size);
        self.next = a + size;
        a
    }

    /// The table at `level` for `va`, made (and linked from its parent) if missing.
    fn table(&mut self, level: u8, va: u64) -> u64 {
        let (parent, slot, key) = match level {
            2 => (self.pdb, (va >> 47) & 3, va >> 47),
            1 => (self.table(2, va), (va >> 38) & 0x1ff, va >> 38),
            0 => (self.table(1, va), (va >> 29) & 0x1ff, va >> 29),
            _ => unreachable!(),
        };
        if let Some(&t) = self.made.get(&(level, key)) {
            return t;
        }
        let t = self.alloc(4096);
        self.ram.store_u64(parent + slot * 8, pde(t)).unwrap();
        self.made.insert((level, key), t);
        t
    }

    /// The PT (big or small) for `va`, made and linked from its PDE0 half if missing.
    fn pt(&mut self, va: u64, big: bool) -> u64 {
        let key = va >> 21;
        let kind = if big { 10 } else { 11 };
        if let Some(&t) = self.made.get(&(kind, key)) {
            return t;
        }
        let pd0 = self.table(0, va);
        let slot = pd0 + ((va >> 21) & 0xff) * 16;
        let t = self.alloc(if big { 256 } else { 4096 });
        if big {
            self.ram.store_u64(slot, dual_big(t)).unwrap();
        } else {
            self.ram.store_u64(slot + 8, dual_small(t)).unwrap();
        }
        self.made.insert((kind, key), t);
        t
    }

    fn pte_slot(&mut self, va: u64, big: bool) -> u64 {
        let pt = self.pt(va, big);
        if big {
            pt + ((va >> 16) & 0x1f) * 8
        } else {
            pt + ((va >> 12) & 0x1ff) * 8
        }
    }

    fn map(&mut self, va: u64, pa: u64, big: bool, ro: bool) {
        let slot = self.pte_slot(va, big);
        self.ram.store_u64(slot, pte(pa, ro)).unwrap();
    }

    fn unmap(&mut self, va: u64, big: bool) {
        let slot = self.pte_slot(va, big);
        self.ram.store_u64(slot, 0).unwrap();
    }
}

#[test]
fn entries_match_hand_computed_values() {
    // 0x12345000 in coherent system memory, read-only, kind 6: address 0x12345 at bit 8.
    assert_eq!(pte(0x1234_5000, true), 0x0600_0000_0123_4545);
    assert_eq!(pde(0x0020_3000), 0x0002_0304);
    // A big-page table at 0x200100 (256-byte aligned): 0x2001 at bit 4.
    assert_eq!(dual_big(0x20_0100), 0x2_0014);
    let mut t = Tables::new();
    t.map(0x1_0000_3000, 0x0123_4000, false, true);
    assert_eq!(
        walk(&t.ram, t.pdb, 0x1_0000_3abc),
        Ok(Translation {
            pa: 0x0123_4abc,
            page_size: SMALL_PAGE,
            read_only: true,
            non_coherent: false,
            kind: 6,
        })
    );
}

#[test]
fn random_maps_agree_with_the_reference() {
    let mut rng = Rng(0x6d6d_7577_616c_6b21);
    let mut t = Tables::new();
    // Reference: (page VA, size) -> (PA of the page, read-only). Both sizes are mixed in the
    // same 2 MiB ranges, where big PTEs shadow small ones.
    let mut reference: HashMap<(u64, u64), (u64, bool)> = HashMap::new();
    let ranges: Vec<u64> = (0..64).map(|_| (rng.next() % (1 << 28)) << 21).collect();
    for _ in 0..3000 {
        let range = ranges[(rng.next() % 64) as usize];
        let big = rng.next().is_multiple_of(3);
        let size = if big { BIG_PAGE } else { SMALL_PAGE };
        let va = range + (rng.next() % ((2 << 20) / size)) * size;
        let pa = (rng.next() % (RAM as u64 / size)) * size;
        let ro = rng.next().is_multiple_of(4);
        if rng.next().is_multiple_of(5) {
            t.unmap(va, big);
            reference.remove(&(va, size));
        } else {
            t.map(va, pa, big, ro);
            reference.insert((va, size), (pa, ro));
        }
    }
    // What the reference says `va` translates to: a valid big page shadows the small pages in
    // it; an unmapped big page falls through to them.
    let expect = |va: u64| -> Option<(u64, u64, bool)> {
        let big = va & !(BIG_PAGE - 1);
        if let Some(&(pa, ro)) = reference.get(&(big, BIG_PAGE)) {
            return Some((pa + (va - big), BIG_PAGE, ro));
        }
        let small = va & !(SMALL_PAGE - 1);
        reference
            .get(&(small, SMALL_PAGE))
            .map(|&(pa, ro)| (pa + (va - small), SMALL_PAGE, ro))
    };
    let mapped: Vec<u64> = reference.keys().map(|k| k.0).collect();
    let (mut hits, mut faults) = (0, 0);
    for i in 0..100_000 {
        let va = match i % 3 {
            // Inside a mapped page, in a mapped 2 MiB range, anywhere in the 49 bits.
            0 => mapped[(rng.next() % mapped.len() as u64) as usize] + rng.next() % SMALL_PAGE,
            1 => ranges[(rng.next() % 64) as usize] + rng.next() % (2 << 20),
            _ => rng.next() % (1 << VA_BITS),
        };
        let got = walk(&t.ram, t.pdb, va);
        match expect(va) {
            Some((pa, size, ro)) => {
                let tr = got.unwrap_or_else(|f| panic!("{va:#x}: {f:?}, expected {pa:#x}"));
                assert_eq!(
                    (tr.pa, tr.page_size, tr.read_only),
                    (pa, size, ro),
                    "{va:#x}"
                );
                hits += 1;
            }
            None => {
                assert!(got.is_err(), "{va:#x} unmapped, walked to {got:?}");
                faults += 1;
            }
        }
    }
    assert!(
        hits > 30_000 && faults > 30_000,
        "{hits} hits, {faults} faults"
    );
}

#[test]
fn faults_name_the_level_and_reason() {
    let mut t = Tables::new();
    let f = |t: &Tables, va| walk(&t.ram, t.pdb, va).map(|_| ()).unwrap_err();
    assert_eq!(f(&t, 1 << 49).reason, FaultReason::VaRange);
    let e = f(&t, 0x4000);
    assert_eq!((e.level, e.reason), (Level::Pde3, FaultReason::InvalidPde));
    t.map(0x20_0000, 0x30_0000, false, false);
    // Same PDE0 slot, other page: the small PT says invalid.
    let e = f(&t, 0x20_1000);
    assert_eq!((e.level, e.reason), (Level::Pte, FaultReason::InvalidPte));
    // Next 2 MiB: the PDE0 entry names no table.
    let e = f(&t, 0x40_0000);
    assert_eq!((e.level, e.reason), (Level::Pde0, FaultReason::InvalidPde));
    // A PTE in video memory (aperture 0), and a PDE with IS_PTE.
    let slot = t.pte_slot(0x20_2000, false);
    t.ram.store_u64(slot, (0x40_0000 >> 12) << 8 | 1).unwrap();
    assert_eq!(f(&t, 0x20_2000).reason, FaultReason::Aperture);
    let (pd1, pd0) = (t.table(1, 0), t.table(0, 0));
    t.ram.store_u64(pd1, pde(pd0) | 1).unwrap();
    assert_eq!(f(&t, 0x20_0000).reason, FaultReason::HugePage);
    // A PDE pointing outside RAM.
    t.ram.store_u64(pd1, pde(1 << 40)).unwrap();
    let e = f(&t, 0x20_0000);
    assert_eq!((e.level, e.reason), (Level::Pde0, FaultReason::NotRam));
    // A PDB outside RAM.
    assert_eq!(
        walk(&t.ram, RAM as u64, 0).unwrap_err().reason,
        FaultReason::NotRam
    );
}

#[test]
fn big_pages_shadow_small_ones_and_fall_through_when_invalid() {
    let mut t = Tables::new();
    t.map(0x60_0000, 0x10_0000, false, false);
    t.map(0x60_0000, 0x80_0000, true, false);
    let tr = walk(&t.ram, t.pdb, 0x60_0010).unwrap();
    assert_eq!((tr.pa, tr.page_size), (0x80_0010, BIG_PAGE));
    t.unmap(0x60_0000, true);
    let tr = walk(&t.ram, t.pdb, 0x60_0010).unwrap();
    assert_eq!((tr.pa, tr.page_size), (0x10_0010, SMALL_PAGE));
    // Inside the big page but outside the small one: invalid now.
    assert_eq!(
        walk(&t.ram, t.pdb, 0x60_1000).unwrap_err().reason,
        FaultReason::InvalidPte
    );
}

#[test]
fn the_tlb_keeps_stale_translations_until_invalidated() {
    let mut t = Tables::new();
    let mut tlb = Tlb::new();
    t.map(0x1000, 0x50_0000, false, false);
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x1004, false).unwrap().pa,
        0x50_0004
    );
    t.map(0x1000, 0x60_0000, false, true);
    // Stale, until the invalidate: the old page, and writable.
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x1008, true).unwrap().pa,
        0x50_0008
    );
    // Another VA space's invalidate leaves it alone.
    tlb.invalidate(t.pdb + 0x1000);
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x1008, false).unwrap().pa,
        0x50_0008
    );
    tlb.invalidate(t.pdb);
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x1008, false).unwrap().pa,
        0x60_0008
    );
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x1008, true)
            .unwrap_err()
            .reason,
        FaultReason::ReadOnly
    );
    // Faults are not cached: mapping the page makes it work without an invalidate.
    assert!(tlb.translate(&t.ram, t.pdb, 0x3000, false).is_err());
    t.map(0x3000, 0x70_0000, false, false);
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x3000, false).unwrap().pa,
        0x70_0000
    );
    // Capacity: the oldest entry goes first.
    for i in 0..TLB_ENTRIES as u64 {
        t.map(0x100_0000 + i * SMALL_PAGE, 0x10_0000, false, false);
        tlb.translate(&t.ram, t.pdb, 0x100_0000 + i * SMALL_PAGE, false)
            .unwrap();
    }
    t.map(0x3000, 0x71_0000, false, false);
    assert_eq!(
        tlb.translate(&t.ram, t.pdb, 0x3000, false).unwrap().pa,
        0x71_0000
    );
    tlb.invalidate_all();
    let (hits, misses) = tlb.counts();
    assert!(hits >= 3 && misses >= TLB_ENTRIES as u64, "{hits} {misses}");
}

#[test]
fn guest_values_cannot_reach_outside_ram() {
    let mut t = Tables::new();
    // A PDB whose entries' addresses overflow: not RAM, and no arithmetic panic.
    for va in [0, 3 << 47] {
        let e = walk(&t.ram, u64::MAX - 7, va).unwrap_err();
        assert_eq!((e.level, e.reason), (Level::Pde3, FaultReason::NotRam));
    }
    // A PTE naming a page outside RAM, or just past its end in either size (a big page's
    // address is taken 64 KiB-aligned, so one at the last 4 KiB is the last 64 KiB, in RAM).
    t.map(0x5000, 1 << 40, false, false);
    assert_eq!(
        walk(&t.ram, t.pdb, 0x5000).unwrap_err().reason,
        FaultReason::NotRam
    );
    t.map(0x6000, RAM as u64, false, false);
    assert_eq!(
        walk(&t.ram, t.pdb, 0x6000).unwrap_err().reason,
        FaultReason::NotRam
    );
    t.map(0x10_0000, RAM as u64, true, false);
    assert_eq!(
        walk(&t.ram, t.pdb, 0x10_0000).unwrap_err().reason,
        FaultReason::NotRam
    );
    t.map(0x10_0000, RAM as u64 - BIG_PAGE, true, false);
    assert!(walk(&t.ram, t.pdb, 0x10_ffff).is_ok());
}

#[test]
fn apertures_and_the_privileged_invalid_big_pte() {
    let mut t = Tables::new();
    // Non-coherent system memory (aperture 3) translates, flagged; peer (1) is a fault.
    let slot = t.pte_slot(0x7000, false);
    t.ram
        .store_u64(slot, (0x30_0000 >> 12) << 8 | 3 << 1 | 1)
        .unwrap();
    let tr = walk(&t.ram, t.pdb, 0x7010).unwrap();
    assert!(tr.non_coherent && !tr.read_only);
    assert_eq!(tr.pa, 0x30_0010);
    t.ram
        .store_u64(slot, (0x30_0000 >> 12) << 8 | 1 << 1 | 1)
        .unwrap();
    assert_eq!(
        walk(&t.ram, t.pdb, 0x7010).unwrap_err().reason,
        FaultReason::Aperture
    );
    // Small page mapped, big PTE invalid: falls through; invalid with PRIVILEGE: it does not.
    t.map(0x7000, 0x40_0000, false, false);
    t.unmap(0x0, true);
    assert_eq!(walk(&t.ram, t.pdb, 0x7000).unwrap().pa, 0x40_0000);
    let big = t.pte_slot(0x0, true);
    t.ram.store_u64(big, 1 << 5).unwrap();
    let e = walk(&t.ram, t.pdb, 0x7000).unwrap_err();
    assert_eq!((e.level, e.reason), (Level::Pte, FaultReason::InvalidPte));
}

#[test]
fn probe_translates_and_reads_a_batch() {
    use crate::control::probe;
    use crate::regs::{CTRL_DATA, PROBE_IN, PROBE_OUT, SHM_SIZE};
    let mut t = Tables::new();
    let (va, pa) = (0x1234_5678_0000u64, 0x80_0000u64);
    t.map(va, pa, false, false);
    t.map(va + 0x1_0000, pa + 0x10_0000, true, true);
    t.ram.store_u64(pa + 0x10, 0xdead_beef).unwrap();
    t.ram
        .store_u64(pa + 0x10_0000 + 0x2340, 0x0bad_cafe << 32)
        .unwrap();
    // Mapped beyond RAM: the walk faults.
    t.map(va + 0x2_0000, 1 << 40, false, false);
    let mut m = VecMem::new(SHM_SIZE);
    m.store_u64(CTRL_DATA, t.pdb);
    let vas = [va + 0x10, va + 0x1_2344, va + 0x3_0000, va + 0x2_0000];
    for (i, v) in vas.iter().enumerate() {
        m.store_u64(CTRL_DATA + PROBE_IN + 8 * i, *v);
    }
    let mut tlb = Tlb::new();
    assert_eq!(probe(&mut m, Some(&t.ram), &mut tlb, vas.len()), 0);
    let out = |i: usize, w: usize| m.load_u32(CTRL_DATA + PROBE_OUT + 16 * i + 4 * w);
    assert_eq!(
        (out(0, 0), out(0, 2), out(0, 3)),
        (0, 0xdead_beef, 0x80_0010)
    );
    assert_eq!(out(0, 1) >> 16, 4);
    assert_eq!((out(1, 0), out(1, 2)), (0, 0x0bad_cafe));
    assert_eq!(out(1, 1) & 1, 1, "read-only");
    assert_eq!(out(1, 1) >> 16, 64);
    assert_ne!(out(2, 0), 0, "unmapped: a fault code");
    assert_eq!(
        out(2, 0),
        walk(&t.ram, t.pdb, va + 0x3_0000).unwrap_err().code()
    );
    assert_eq!(
        out(3, 0),
        4 | 6 << 8,
        "a page outside RAM faults (PTE, not RAM)"
    );
    // No guest RAM: ENODEV.
    assert_eq!(
        probe::<_, VecMem>(&mut m, None, &mut tlb, 1),
        crate::regs::ENODEV
    );
    // Through the TLB: a PTE changed without an invalidate still reads the old page.
    t.map(va, pa + 0x20_0000, false, false);
    let pa_of_0 = |m: &mut VecMem, tlb: &mut Tlb| {
        assert_eq!(probe(m, Some(&t.ram), tlb, 1), 0);
        m.load_u32(CTRL_DATA + PROBE_OUT + 12)
    };
    assert_eq!(
        pa_of_0(&mut m, &mut tlb),
        0x80_0010,
        "stale until invalidated"
    );
    tlb.invalidate(t.pdb);
    assert_eq!(pa_of_0(&mut m, &mut tlb), 0xa0_0010);
}
