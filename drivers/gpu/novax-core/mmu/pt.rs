// SPDX-License-Identifier: GPL-2.0

//! A GPU VA space's page tables: a tree of 4 KiB table pages in memory the GPU reads, written
//! in the GMMU v2 format ([`super::format`]).
//!
//! Allocation and writing are separate steps, because the callers cannot always allocate: a
//! bind prepares every table its range needs ([`PageTables::prepare`], which may fail with
//! `ENOMEM` and then changes nothing the GPU sees), and only then writes entries
//! ([`PageTables::map`], [`PageTables::clear`]), which never allocate and never fail for a
//! prepared range. Tables left empty are unlinked by [`PageTables::prune`], which hands them
//! back instead of freeing them: the GPU may still hold them in its TLB until the caller has
//! invalidated it, and only then may the pages be reused.
//!
//! Each node counts its valid entries (PTEs in a page table, linked tables in a directory), so
//! pruning knows which tables are empty without reading them back. A prepared table holds no
//! valid entry until it is mapped, so a prune of an overlapping range between the two undoes
//! the preparation: callers keep prepare, map and prune of a VA space under one lock, in that
//! order.
//!
//! # Invariants
//!
//! - A node's table page holds, at each index, the entry for the child or page recorded there
//!   (or an invalid entry where there is none), and `used` is the number of valid ones.
//! - `pages` is the number of table pages in the tree, the root included.

use super::format::{self, DirLevel, PageSize, PteFlags, PTE_INVALID, VA_BITS};
use kernel::prelude::*;

/// A zeroed 4 KiB table page the GPU can read, at a bus address.
pub(crate) trait TablePage {
    /// Its bus address (4 KiB-aligned).
    fn bus_addr(&self) -> u64;
    /// Reads the 64-bit entry at `index` (< 512).
    fn read(&self, index: usize) -> u64;
    /// Writes the 64-bit entry at `index` (< 512).
    fn write(&self, index: usize, val: u64);
}

/// Where table pages come from (DMA-coherent memory in the driver, plain memory in KUnit).
pub(crate) trait TableAlloc {
    /// The page type.
    type Page: TablePage;
    /// A zeroed table page.
    fn alloc(&self) -> Result<Self::Page>;
}

/// A table and the tables it links.
struct Node<P> {
    page: P,
    /// For PDE3..PDE1 one per entry; for PDE0 two per entry (the LPT at `2 * i`, the PT at
    /// `2 * i + 1`, as the entry's two words); none for a page table.
    children: KVec<Option<KBox<Node<P>>>>,
    used: usize,
}

impl<P: TablePage> Node<P> {
    fn new<A: TableAlloc<Page = P>>(alloc: &A, children: usize) -> Result<Self> {
        let page = alloc.alloc()?;
        let mut v = KVec::with_capacity(children, GFP_KERNEL)?;
        for _ in 0..children {
            v.push(None, GFP_KERNEL)?;
        }
        Ok(Self {
            page,
            children: v,
            used: 0,
        })
    }
}

/// Tables unlinked by [`PageTables::prune`]: free them (drop) once the TLB is invalidated.
pub(crate) struct Unlinked<P> {
    nodes: KVec<KBox<Node<P>>>,
}

impl<P> Unlinked<P> {
    /// How many table pages.
    pub(crate) fn pages(&self) -> usize {
        self.nodes.iter().map(|n| count(n)).sum()
    }
}

fn count<P>(n: &Node<P>) -> usize {
    1 + n.children.iter().flatten().map(|c| count(c)).sum::<usize>()
}

/// A VA space's page tables.
pub(crate) struct PageTables<A: TableAlloc> {
    alloc: A,
    root: Node<A::Page>,
    pages: usize,
}

/// Checks that `va..va + size` is a non-empty range of whole `page`s within the 49-bit VA.
fn check_range(va: u64, size: u64, page: PageSize) -> Result<u64> {
    let end = va.checked_add(size).ok_or(EINVAL)?;
    if size == 0 || va % page.bytes() != 0 || size % page.bytes() != 0 || end > 1 << VA_BITS {
        return Err(EINVAL);
    }
    Ok(end)
}

impl<A: TableAlloc> PageTables<A> {
    /// An empty VA space: only the root (PDE3) table.
    pub(crate) fn new(alloc: A) -> Result<Self> {
        let root = Node::new(&alloc, DirLevel::Pde3.slots())?;
        // INVARIANT: one table page, zeroed: no valid entries.
        Ok(Self {
            alloc,
            root,
            pages: 1,
        })
    }

    /// The bus address of the root table: the page directory base the GPU walks from.
    pub(crate) fn pdb(&self) -> u64 {
        self.root.page.bus_addr()
    }

    /// Table pages in the tree, the root included.
    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    /// Makes every table that mapping `va..va + size` with `page`s needs. On `ENOMEM` the
    /// tables made so far stay linked but hold no valid PTE (the GPU sees no change);
    /// [`Self::prune`] unlinks them.
    pub(crate) fn prepare(&mut self, va: u64, size: u64, page: PageSize) -> Result {
        let end = check_range(va, size, page)?;
        let mut chunk = va;
        while chunk < end {
            self.table(chunk, page, true)?;
            chunk = (chunk | (DirLevel::Pde0.span() - 1)) + 1;
        }
        Ok(())
    }

    /// The page table of `page`s that covers `va`, made (with its directories) if `create`.
    fn table(
        &mut self,
        va: u64,
        page: PageSize,
        create: bool,
    ) -> Result<Option<&mut Node<A::Page>>> {
        let Self { alloc, root, pages } = self;
        let mut node = root;
        let mut level = DirLevel::Pde3;
        loop {
            // A table's child slots are its entries' words (two per PDE0 entry), so the slot
            // is also where the entry goes; a page table links nothing.
            let (slot, children) = match level.next() {
                Some(next) => (level.index(va), next.slots()),
                None => (format::pde0_word(level.index(va), page), 0),
            };
            if node.children[slot].is_none() {
                if !create {
                    return Ok(None);
                }
                let child = KBox::new(Node::new(alloc, children)?, GFP_KERNEL)?;
                let addr = child.page.bus_addr();
                let entry = match level.next() {
                    Some(_) => format::pde(addr),
                    None if page == PageSize::Big => format::pde0_big(addr),
                    None => format::pde0_small(addr),
                };
                node.children[slot] = Some(child);
                node.page.write(slot, entry);
                // INVARIANT: the entry names the new child; one more valid entry, one more page.
                node.used += 1;
                *pages += 1;
            }
            let Some(child) = node.children[slot].as_deref_mut() else {
                return Err(EINVAL);
            };
            match level.next() {
                Some(next) => {
                    node = child;
                    level = next;
                }
                None => return Ok(Some(child)),
            }
        }
    }

    /// Writes PTEs for `va..va + size` in `page`s, the page at `va + i * page` at the bus
    /// address `addrs` yields `i`th, after clearing whatever either page size mapped there (so
    /// a VA has at most one PTE). A 64 KiB page the range only partly covers is cleared whole:
    /// the caller remaps what it keeps of it in 4 KiB pages. The range must have been prepared
    /// for `page`: `EINVAL` if not, with nothing written. `EINVAL` too, with the range left
    /// cleared, if `addrs` runs out or yields an address not aligned to `page` or beyond what a
    /// PTE holds (2^58); addresses beyond the range's pages are not taken.
    pub(crate) fn map(
        &mut self,
        va: u64,
        size: u64,
        page: PageSize,
        flags: PteFlags,
        addrs: &mut dyn Iterator<Item = u64>,
    ) -> Result {
        let end = check_range(va, size, page)?;
        let mut chunk = va;
        while chunk < end {
            if self.table(chunk, page, false)?.is_none() {
                return Err(EINVAL);
            }
            chunk = (chunk | (DirLevel::Pde0.span() - 1)) + 1;
        }
        self.clear(va, size)?;
        let mut at = va;
        while at < end {
            let Some(addr) = addrs.next().filter(|&a| format::pte_addr_ok(a, page)) else {
                self.clear(va, size)?;
                return Err(EINVAL);
            };
            let Some(pt) = self.table(at, page, false)? else {
                return Err(EINVAL);
            };
            let i = page.index(at);
            pt.page.write(i, format::pte(addr, flags));
            // INVARIANT: the range was cleared, so this entry was invalid before.
            pt.used += 1;
            at += page.bytes();
        }
        Ok(())
    }

    /// Writes invalid PTEs over `va..va + size` (whole 4 KiB pages within the 49-bit VA, else
    /// `EINVAL` and nothing cleared), in both page sizes. Never allocates; tables left empty
    /// stay linked until [`Self::prune`].
    pub(crate) fn clear(&mut self, va: u64, size: u64) -> Result {
        let end = check_range(va, size, PageSize::Small)?;
        for page in [PageSize::Small, PageSize::Big] {
            let mut at = va & !(page.bytes() - 1);
            while at < end {
                // A big page only partly in the range is cleared too: it cannot stay half
                // mapped.
                if let Ok(Some(pt)) = self.table(at, page, false) {
                    let i = page.index(at);
                    if pt.page.read(i) & 1 != 0 {
                        pt.page.write(i, PTE_INVALID);
                        // INVARIANT: one valid entry fewer.
                        pt.used -= 1;
                    }
                }
                at += page.bytes();
            }
        }
        Ok(())
    }

    /// Unlinks every empty table under `va..va + size` (tables with no valid entry, then
    /// directories with no table left), the root excepted, and returns them: drop them once the
    /// GPU's TLB no longer holds their entries.
    pub(crate) fn prune(&mut self, va: u64, size: u64) -> Unlinked<A::Page> {
        let mut out = Unlinked { nodes: KVec::new() };
        if size == 0 {
            return out;
        }
        let end = va.saturating_add(size).min(1 << VA_BITS);
        let removed = prune_node(&mut self.root, DirLevel::Pde3, 0, va, end, &mut out);
        // INVARIANT: `removed` pages left the tree.
        self.pages -= removed;
        out
    }
}

/// Prunes the children of `node` (a directory at `level` whose first VA is `base`) that
/// overlap `va..end`; returns how many table pages left the tree.
fn prune_node<P: TablePage>(
    node: &mut Node<P>,
    level: DirLevel,
    base: u64,
    va: u64,
    end: u64,
    out: &mut Unlinked<P>,
) -> usize {
    let mut removed = 0;
    let span = level.span();
    for i in 0..level.entries() {
        let lo = base + span * u64::try_from(i).unwrap_or(0);
        if lo >= end || lo + span <= va {
            continue;
        }
        let slots: &[usize] = match level.next() {
            Some(_) => &[i],
            None => &[2 * i, 2 * i + 1],
        };
        for &slot in slots {
            let Some(child) = node.children[slot].as_deref_mut() else {
                continue;
            };
            if let Some(next) = level.next() {
                removed += prune_node(child, next, lo, va, end, out);
            }
            if child.used != 0 {
                continue;
            }
            // Room to defer the free first; without it the empty table stays linked (the GPU
            // sees no mapping through it) and a later prune retries.
            if out.nodes.reserve(1, GFP_KERNEL).is_err() {
                continue;
            }
            // Unlink before handing it back, so the GPU never walks into a freed table.
            node.page.write(slot, 0);
            if let Some(child) = node.children[slot].take() {
                // Within the reserved capacity: cannot fail (the table would be freed, not
                // leaked, if it did).
                let _ = out.nodes.push(child, GFP_KERNEL);
                // INVARIANT: the entry is invalid and the child gone.
                node.used -= 1;
                removed += 1;
            }
        }
    }
    removed
}
