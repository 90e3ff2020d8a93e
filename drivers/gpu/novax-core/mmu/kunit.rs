// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `novax_core_mmu`: the GMMU v2 encoding against hand-computed values, and the
//! page-table tree against a walker written here from the format (not from the writer).
//!
//! The tables live in a pool of plain pages with made-up bus addresses, so no device is needed;
//! the pool can fail allocations on demand and knows which pages are in use, so a walk into a
//! freed table, a leaked table and the no-partial-effect rule are all visible.

use super::format::{self, DirLevel, PageSize, PteFlags};
use super::pt::{PageTables, TableAlloc, TablePage};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use kernel::{c_str, kunit_suite::Test, prelude::*, sync::Arc};

/// Pages in a pool.
const POOL: usize = 96;
/// The made-up bus address of the pool's first page.
const POOL_BASE: u64 = 0x80_0000_0000;

/// Table pages for the tests.
struct Pool {
    words: KVec<AtomicU64>,
    used: KVec<AtomicBool>,
    /// Allocations left before they fail (`usize::MAX`: never).
    budget: AtomicUsize,
    /// Set by a read of anything but a live table page: a walk that followed an entry the tree
    /// should have cleared.
    dangling: AtomicBool,
}

impl Pool {
    fn new() -> Result<Arc<Self>> {
        let mut words = KVec::with_capacity(POOL * 512, GFP_KERNEL)?;
        for _ in 0..POOL * 512 {
            words.push(AtomicU64::new(0), GFP_KERNEL)?;
        }
        let mut used = KVec::with_capacity(POOL, GFP_KERNEL)?;
        for _ in 0..POOL {
            used.push(AtomicBool::new(false), GFP_KERNEL)?;
        }
        Ok(Arc::new(
            Self {
                words,
                used,
                budget: AtomicUsize::new(usize::MAX),
                dangling: AtomicBool::new(false),
            },
            GFP_KERNEL,
        )?)
    }

    fn in_use(&self) -> usize {
        self.used.iter().filter(|u| u.load(Relaxed)).count()
    }

    /// The word at `index` of the live table page at `addr`; `None`, and `dangling` set, for
    /// anything else.
    fn read(&self, addr: u64, index: usize) -> Option<u64> {
        let page = addr
            .checked_sub(POOL_BASE)
            .and_then(|o| usize::try_from(o / 4096).ok())
            .filter(|&p| addr % 4096 == 0 && p < POOL && index < 512 && self.used[p].load(Relaxed));
        let Some(page) = page else {
            self.dangling.store(true, Relaxed);
            return None;
        };
        Some(self.words[page * 512 + index].load(Relaxed))
    }

    /// Fails `test` if any walk so far read a page that was not a live table.
    fn check_no_dangling(&self, test: &Test) {
        test.expect(
            !self.dangling.load(Relaxed),
            c_str!("no walk into a freed or unknown table"),
        );
    }
}

struct PoolPage {
    pool: Arc<Pool>,
    index: usize,
}

impl TablePage for PoolPage {
    fn bus_addr(&self) -> u64 {
        POOL_BASE + 4096 * u64::try_from(self.index).unwrap_or(0)
    }
    fn read(&self, index: usize) -> u64 {
        self.pool.words[self.index * 512 + index].load(Relaxed)
    }
    fn write(&self, index: usize, val: u64) {
        self.pool.words[self.index * 512 + index].store(val, Relaxed)
    }
}

impl Drop for PoolPage {
    fn drop(&mut self) {
        self.pool.used[self.index].store(false, Relaxed);
    }
}

struct PoolAlloc(Arc<Pool>);

impl TableAlloc for PoolAlloc {
    type Page = PoolPage;
    fn alloc(&self) -> Result<PoolPage> {
        let pool = &self.0;
        if pool.budget.load(Relaxed) == 0 {
            return Err(ENOMEM);
        }
        let _ = pool
            .budget
            .fetch_update(Relaxed, Relaxed, |b| b.checked_sub(1));
        let index = (0..POOL)
            .find(|&i| {
                pool.used[i]
                    .compare_exchange(false, true, Relaxed, Relaxed)
                    .is_ok()
            })
            .ok_or(ENOMEM)?;
        for w in &pool.words[index * 512..(index + 1) * 512] {
            w.store(0, Relaxed);
        }
        Ok(PoolPage {
            pool: pool.clone(),
            index,
        })
    }
}

/// A translation: the page's bus address plus the offset, its size, read-only.
type Walked = Option<(u64, u64, bool)>;

/// The GPU's walk, from the format's field table: `None` for a fault (including a walk into a
/// page that is not a live table, which no correct tree allows).
fn walk(pool: &Pool, pdb: u64, va: u64) -> Walked {
    let addr = |e: u64| ((e >> 8) & ((1 << 46) - 1)) << 12;
    let mut table = pdb;
    for (shift, mask) in [(47, 0x3), (38, 0x1ff), (29, 0x1ff)] {
        let e = pool.read(table, usize::try_from((va >> shift) & mask).ok()?)?;
        if (e >> 1) & 3 == 0 {
            return None;
        }
        table = addr(e);
    }
    let slot = usize::try_from((va >> 21) & 0xff).ok()?;
    let big = pool.read(table, 2 * slot)?;
    let small = pool.read(table, 2 * slot + 1)?;
    if (big >> 1) & 3 != 0 {
        let lpt = ((big >> 4) & ((1 << 50) - 1)) << 8;
        let pte = pool.read(lpt, usize::try_from((va >> 16) & 0x1f).ok()?)?;
        if pte & 1 != 0 {
            return Some((addr(pte) + (va & 0xffff), 64 << 10, pte & (1 << 6) != 0));
        }
    }
    if (small >> 1) & 3 != 0 {
        let pte = pool.read(addr(small), usize::try_from((va >> 12) & 0x1ff).ok()?)?;
        if pte & 1 != 0 {
            return Some((addr(pte) + (va & 0xfff), 4 << 10, pte & (1 << 6) != 0));
        }
    }
    None
}

const RW: PteFlags = PteFlags {
    read_only: false,
    non_coherent: false,
};
const RO: PteFlags = PteFlags {
    read_only: true,
    non_coherent: false,
};

/// Prepares and maps `size` bytes at `va` to consecutive bus addresses from `pa`.
fn bind(
    t: &mut PageTables<PoolAlloc>,
    va: u64,
    size: u64,
    page: PageSize,
    pa: u64,
    f: PteFlags,
) -> Result {
    t.prepare(va, size, page)?;
    let step = page.bytes();
    let mut addrs = (0..size / step).map(|i| pa + i * step);
    t.map(va, size, page, f, &mut addrs)
}

/// Clears and prunes `size` bytes at `va`, and frees the unlinked tables at once (a test has
/// no TLB to wait for); returns how many there were.
fn unbind(t: &mut PageTables<PoolAlloc>, va: u64, size: u64) -> Result<usize> {
    t.clear(va, size)?;
    Ok(t.prune(va, size).pages())
}

fn setup(test: &Test) -> Option<(Arc<Pool>, PageTables<PoolAlloc>)> {
    let pool = match Pool::new() {
        Ok(p) => p,
        Err(e) => {
            test.fail(format_args!("pool: {e:?}"));
            return None;
        }
    };
    match PageTables::new(PoolAlloc(pool.clone())) {
        Ok(t) => Some((pool, t)),
        Err(e) => {
            test.fail(format_args!("page tables: {e:?}"));
            None
        }
    }
}

/// Entries as the format's field table spells them, worked out by hand.
fn encodings(test: &Test) {
    test.expect_eq(format::pde(0x0020_3000), 0x0002_0304, c_str!("pde"));
    test.expect_eq(
        format::pde0_small(0x0020_3000),
        0x0002_0304,
        c_str!("pde0 small"),
    );
    // 0x200100 in 256-byte units is 0x2001, at bit 4; aperture 2 at 2:1.
    test.expect_eq(format::pde0_big(0x20_0100), 0x0002_0014, c_str!("pde0 big"));
    // Kind 6 at 63:56, 0x12345 at 53:8, read-only at 6, aperture 2, valid.
    test.expect_eq(
        format::pte(0x1234_5000, RO),
        0x0600_0000_0123_4545,
        c_str!("pte ro"),
    );
    let nc = PteFlags {
        read_only: false,
        non_coherent: true,
    };
    test.expect_eq(
        format::pte(0x1000, nc),
        0x0600_0000_0000_0107,
        c_str!("pte nc"),
    );
    test.expect_eq(DirLevel::Pde3.index(3 << 47), 3, c_str!("pde3 index"));
    test.expect_eq(
        DirLevel::Pde2.index(0x1ff << 38),
        0x1ff,
        c_str!("pde2 index"),
    );
    test.expect_eq(DirLevel::Pde1.index(1 << 29), 1, c_str!("pde1 index"));
    test.expect_eq(DirLevel::Pde0.index(0x1f_ffff), 0, c_str!("pde0 index low"));
    test.expect_eq(
        DirLevel::Pde0.index(0x1fe0_0000),
        0xff,
        c_str!("pde0 index high"),
    );
    test.expect_eq(PageSize::Big.index(0x1f_0000), 31, c_str!("lpt index"));
    test.expect_eq(PageSize::Small.index(0x1f_f000), 511, c_str!("pt index"));
    test.expect_eq(format::pde0_word(5, PageSize::Big), 10, c_str!("big word"));
    test.expect_eq(
        format::pde0_word(5, PageSize::Small),
        11,
        c_str!("small word"),
    );
}

/// Map, translate, unmap: five tables for one range, one (the root) after; unlinked tables
/// stay allocated until dropped.
fn map_and_unmap(test: &Test) {
    let Some((pool, mut t)) = setup(test) else {
        return;
    };
    let va = 0x1_0000_0000;
    if let Err(e) = bind(&mut t, va, 16 << 12, PageSize::Small, 0x4000_0000, RW) {
        test.fail(format_args!("bind: {e:?}"));
        return;
    }
    test.expect_eq(t.pages(), 5, c_str!("root, PDE2, PDE1, PDE0, PT"));
    for i in 0..16u64 {
        let got = walk(&pool, t.pdb(), va + i * 4096 + 0x123);
        test.expect_eq(
            got,
            Some((0x4000_0000 + i * 4096 + 0x123, 4096, false)),
            c_str!("page"),
        );
    }
    test.expect_eq(
        walk(&pool, t.pdb(), va + (16 << 12)),
        None,
        c_str!("after the range"),
    );
    test.expect_eq(t.clear(va, 16 << 12), Ok(()), c_str!("clear"));
    let gone = t.prune(va, 16 << 12);
    test.expect_eq(t.pages(), 1, c_str!("only the root left"));
    test.expect_eq(gone.pages(), 4, c_str!("four tables unlinked"));
    test.expect_eq(pool.in_use(), 5, c_str!("unlinked tables not freed yet"));
    test.expect_eq(walk(&pool, t.pdb(), va), None, c_str!("unmapped"));
    drop(gone);
    test.expect_eq(pool.in_use(), 1, c_str!("freed once dropped"));
    // The root no longer links what was freed: the walk stops there.
    test.expect_eq(
        walk(&pool, t.pdb(), va),
        None,
        c_str!("unmapped after the free"),
    );
    drop(t);
    test.expect_eq(pool.in_use(), 0, c_str!("all freed with the tree"));
    pool.check_no_dangling(test);
}

/// 64 KiB pages, small pages over part of them, and a map over a map.
fn big_pages_and_replacement(test: &Test) {
    let Some((pool, mut t)) = setup(test) else {
        return;
    };
    let va = 0x20_0000;
    if bind(&mut t, va, 2 << 20, PageSize::Big, 0x1000_0000, RO).is_err() {
        test.fail(format_args!("big bind"));
        return;
    }
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x1_2345),
        Some((0x1001_2345, 64 << 10, true)),
        c_str!("big"),
    );
    // Small pages over the second 64 KiB: that big page goes, the others stay.
    if bind(
        &mut t,
        va + 0x1_0000,
        0x1_0000,
        PageSize::Small,
        0x2000_0000,
        RW,
    )
    .is_err()
    {
        test.fail(format_args!("small bind"));
        return;
    }
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x1_0010),
        Some((0x2000_0010, 4096, false)),
        c_str!("small over big"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x2_0010),
        Some((0x1002_0010, 64 << 10, true)),
        c_str!("next big"),
    );
    // A map over a map replaces it.
    if bind(
        &mut t,
        va + 0x1_0000,
        0x1000,
        PageSize::Small,
        0x3000_0000,
        RW,
    )
    .is_err()
    {
        test.fail(format_args!("rebind"));
        return;
    }
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x1_0008),
        Some((0x3000_0008, 4096, false)),
        c_str!("replaced"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x1_1008),
        Some((0x2000_1008, 4096, false)),
        c_str!("neighbour"),
    );
    // Unmapping the whole range leaves nothing mapped and only the root.
    test.expect_eq(
        unbind(&mut t, va, 2 << 20),
        Ok(5),
        c_str!("PDE2, PDE1, PDE0, LPT, PT"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), va + 0x2_0010),
        None,
        c_str!("unmapped"),
    );
    test.expect_eq(t.pages(), 1, c_str!("root only"));
    test.expect_eq(pool.in_use(), 1, c_str!("tables freed"));
    pool.check_no_dangling(test);
}

/// Ranges across a 2 MiB boundary need two page tables: a bind over both works, and a map
/// over a range only half prepared writes nothing.
fn across_tables(test: &Test) {
    let Some((pool, mut t)) = setup(test) else {
        return;
    };
    let s = PageSize::Small;
    if let Err(e) = bind(&mut t, 0x1f_f000, 0x2000, s, 0x7000_0000, RW) {
        return test.fail(format_args!("bind across: {e:?}"));
    }
    test.expect_eq(
        walk(&pool, t.pdb(), 0x1f_f004),
        Some((0x7000_0004, 4096, false)),
        c_str!("first"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), 0x20_0004),
        Some((0x7000_1004, 4096, false)),
        c_str!("second"),
    );
    test.expect_eq(t.pages(), 6, c_str!("root, PDE2, PDE1, PDE0, two PTs"));
    // Prepared: only the first of the two chunks.
    test.expect_eq(
        t.prepare(0x3f_f000, 0x1000, s),
        Ok(()),
        c_str!("half prepare"),
    );
    let mut addrs = [0x7100_0000u64, 0x7100_1000].into_iter();
    test.expect_eq(
        t.map(0x3f_f000, 0x2000, s, RW, &mut addrs),
        Err(EINVAL),
        c_str!("half map"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), 0x3f_f000),
        None,
        c_str!("nothing written"),
    );
    test.expect_eq(
        unbind(&mut t, 0, 8 << 20).map(|_| t.pages()),
        Ok(1),
        c_str!("root only"),
    );
    test.expect_eq(pool.in_use(), 1, c_str!("tables freed"));
    pool.check_no_dangling(test);
}

/// Bad ranges and unprepared maps are `EINVAL` and write nothing; a failed prepare leaves the
/// existing mappings as they were.
fn errors_change_nothing(test: &Test) {
    let Some((pool, mut t)) = setup(test) else {
        return;
    };
    let s = PageSize::Small;
    for (va, size) in [
        (0x1001, 0x1000),
        (0x1000, 0),
        (0x1000, 0x1001),
        (1 << 49, 0x1000),
        (!0xfff_u64, 0x2000),
    ] {
        test.expect_eq(t.prepare(va, size, s), Err(EINVAL), c_str!("bad range"));
    }
    test.expect_eq(
        t.prepare(0x8000, 0x1_0000, PageSize::Big),
        Err(EINVAL),
        c_str!("big misaligned"),
    );
    let mut none = core::iter::empty();
    test.expect_eq(
        t.map(0x1000, 0x1000, s, RW, &mut none),
        Err(EINVAL),
        c_str!("unprepared"),
    );
    test.expect_eq(t.pages(), 1, c_str!("nothing made"));
    if bind(&mut t, 0x1000, 0x1000, s, 0x5000_0000, RW).is_err() {
        test.fail(format_args!("bind"));
        return;
    }
    let pages = t.pages();
    // A range over two 2 MiB chunks far away needs new directories: fail the third allocation.
    pool.budget.store(2, Relaxed);
    test.expect_eq(
        t.prepare(0x7f_ffe0_0000, 4 << 20, s),
        Err(ENOMEM),
        c_str!("enomem"),
    );
    pool.budget.store(usize::MAX, Relaxed);
    test.expect_eq(
        walk(&pool, t.pdb(), 0x1008),
        Some((0x5000_0008, 4096, false)),
        c_str!("kept"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), 0x7f_ffe0_0000),
        None,
        c_str!("nothing new mapped"),
    );
    let _ = t.prune(0x7f_ffe0_0000, 4 << 20);
    test.expect_eq(t.pages(), pages, c_str!("half-made tables pruned"));
    // Addresses running out mid-range: the range is left unmapped.
    let _ = t.prepare(0x10_0000, 0x4000, s);
    let mut two = [0x6000_0000u64, 0x6000_1000].into_iter();
    test.expect_eq(
        t.map(0x10_0000, 0x4000, s, RW, &mut two),
        Err(EINVAL),
        c_str!("short"),
    );
    test.expect_eq(
        walk(&pool, t.pdb(), 0x10_0000),
        None,
        c_str!("short range unmapped"),
    );
}

/// xorshift64*, seeded.
fn next(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Chunks of the random test: 2 MiB each, spread over the VA space.
const CHUNKS: [u64; 4] = [0x0, 0x1_0020_0000, 0x7f_ffe0_0000, 0x1_ffff_ffe0_0000];

/// 400 random binds and unbinds of 4 KiB and 64 KiB pages in four 2 MiB ranges, then every
/// page of them against a reference; unbinding everything leaves only the root.
fn random_against_reference(test: &Test) {
    let Some((pool, mut t)) = setup(test) else {
        return;
    };
    let mut rng = 0x6e6f_7661_786d_6d75u64;
    // The reference: for each 4 KiB page of the chunks, its expected translation.
    let mut reference = match KVec::from_elem(None, CHUNKS.len() * 512, GFP_KERNEL) {
        Ok(v) => v,
        Err(_) => return test.fail(format_args!("reference")),
    };
    for _ in 0..400 {
        let c = usize::try_from(next(&mut rng) % 4).unwrap_or(0);
        let page = if next(&mut rng) % 3 == 0 {
            PageSize::Big
        } else {
            PageSize::Small
        };
        let per = page.bytes() / 4096;
        let pages = (2 << 20) / page.bytes();
        let first = next(&mut rng) % pages;
        let count = 1 + next(&mut rng) % core::cmp::min(8, pages - first);
        let va = CHUNKS[c] + first * page.bytes();
        let size = count * page.bytes();
        let base = c * 512 + usize::try_from(first * per).unwrap_or(0);
        let n = usize::try_from(count * per).unwrap_or(0);
        // A big page the range touches goes entirely, whatever the operation: a 64 KiB page
        // cannot stay partly mapped (the VM above remaps what it keeps of it in 4 KiB pages).
        for r in &mut reference[(base & !15)..((base + n + 15) & !15)] {
            if matches!(r, Some((_, sz, _)) if *sz == 64 << 10) {
                *r = None;
            }
        }
        if next(&mut rng) % 4 == 0 {
            if let Err(e) = unbind(&mut t, va, size) {
                return test.fail(format_args!("unbind {va:#x}+{size:#x}: {e:?}"));
            }
            for r in &mut reference[base..base + n] {
                *r = None;
            }
        } else {
            let pa = (next(&mut rng) % 0x10_0000) * (64 << 10);
            let ro = next(&mut rng) % 2 == 0;
            if let Err(e) = bind(&mut t, va, size, page, pa, if ro { RO } else { RW }) {
                return test.fail(format_args!("bind {va:#x}+{size:#x}: {e:?}"));
            }
            let _ = t.prune(va, size);
            for (i, r) in reference[base..base + n].iter_mut().enumerate() {
                let off = 4096 * u64::try_from(i).unwrap_or(0);
                *r = Some((pa + off, page.bytes(), ro));
            }
        }
    }
    let mut bad = 0;
    for (c, &chunk) in CHUNKS.iter().enumerate() {
        for p in 0..512u64 {
            let va = chunk + p * 4096 + 0x10;
            let want = reference[c * 512 + usize::try_from(p).unwrap_or(0)]
                .map(|(pa, sz, ro)| (pa + 0x10, sz, ro));
            let got = walk(&pool, t.pdb(), va);
            if got != want {
                if bad < 5 {
                    test.fail(format_args!("{va:#x}: {got:x?}, expected {want:x?}"));
                }
                bad += 1;
            }
        }
    }
    test.expect_eq(bad, 0, c_str!("pages that differ"));
    for &chunk in &CHUNKS {
        let _ = unbind(&mut t, chunk, 2 << 20);
        // The tables are freed now: a walk must stop at a cleared entry, not reach them.
        test.expect_eq(walk(&pool, t.pdb(), chunk), None, c_str!("unmapped chunk"));
    }
    test.expect_eq(t.pages(), 1, c_str!("root only at the end"));
    test.expect_eq(pool.in_use(), 1, c_str!("no table leaked"));
    pool.check_no_dangling(test);
}

kernel::kunit_suite!(
    novax_core_mmu,
    [
        encodings,
        map_and_unmap,
        big_pages_and_replacement,
        across_tables,
        errors_change_nothing,
        random_against_reference
    ]
);
