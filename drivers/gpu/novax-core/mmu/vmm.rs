// SPDX-License-Identifier: GPL-2.0

//! The GPU VA spaces of a device: page tables in DMA-coherent memory, named by small ids
//! across the core↔DRM interface.
//!
//! The DRM driver decides what is mapped where (per client, from VM_BIND) and hands the core
//! the bus addresses of the pages; the core owns what the hardware and the firmware see: the
//! table pages (coherent memory of the PCI device, [`super::pages`]), each space's RM object
//! ([`crate::rm::VaSpace`]) and the TLB invalidates ([`super::tlb`]).
//! The spaces belong to the core's export and go with it, which the core drops at unbind
//! before its device is released; so no table page outlives the binding, however long clients
//! keep their files open.
//!
//! One lock covers the tables of every space of the device: a bind's prepare, write and prune
//! must not interleave with another's on the same space ([`super::pt`]), and binds are short
//! (their one wait on the GPU is the TLB invalidate, tens of microseconds). The RPCs that make
//! and free a space's RM object take milliseconds, so they run outside it, with the space's
//! slot marked busy; the invalidate registers have a lock of their own.

use super::{
    format::{self, PageSize, PteFlags, VA_BITS},
    pages::{DmaTables, PageCache},
    pt::PageTables,
    tlb,
};
use crate::{
    gsp::Gsp,
    iface::{PtOp, PT_OP_CLEAR, PT_OP_MAP},
    rm,
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use kernel::{
    dev_err, dev_warn,
    device::Device,
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    types::ARef,
};

/// The most VA spaces a device has at once (one per open DRM file that called VM_INIT).
pub(crate) const MAX_SPACES: usize = 4096;

/// The page size of a page shift.
fn page_size(shift: u32) -> Result<PageSize> {
    match shift {
        12 => Ok(PageSize::Small),
        16 => Ok(PageSize::Big),
        _ => Err(EINVAL),
    }
}

/// Checks that `va..va + size` is a non-empty range of whole `page`s in the VA space.
fn check_range(va: u64, size: u64, page: PageSize) -> Result {
    let end = va.checked_add(size).ok_or(EINVAL)?;
    if size == 0 || va % page.bytes() != 0 || size % page.bytes() != 0 || end > 1 << VA_BITS {
        return Err(EINVAL);
    }
    Ok(())
}

/// A VA space: RM's object for it and its page tables (dropped in that order).
struct Space {
    rm: rm::VaSpace,
    tables: PageTables<DmaTables>,
}

/// A slot of the spaces table; its index is the space's id.
enum Slot {
    Free,
    /// Being made or torn down (RPCs in flight): the id and the RM handle are not reused yet.
    Busy,
    Live(Space),
}

/// What [`Vmm::info`] reports of a VA space.
#[derive(Clone, Copy, Default)]
pub(crate) struct SpaceInfo {
    /// The page directory base (the root table's bus address).
    pub(crate) pdb: u64,
    /// Table pages, the root included.
    pub(crate) pages: u64,
    /// The RM object's handle.
    pub(crate) rm_vaspace: u32,
}

/// The VA spaces of a device.
///
/// # Invariants
///
/// `dev` is bound while the value lives (see [`PageCache`]).
#[pin_data]
pub(crate) struct Vmm {
    dev: ARef<Device>,
    /// The GPU's registers, for the TLB invalidate.
    gsp: Arc<Gsp>,
    #[pin]
    spaces: Mutex<KVec<Slot>>,
    /// Serialises the invalidate sequence, which uses one set of registers.
    #[pin]
    tlb_lock: Mutex<()>,
    /// The RM client the spaces' `FERMI_VASPACE_A` objects belong to.
    rm: Arc<rm::Client>,
    /// Where the spaces' table pages come from.
    cache: Arc<PageCache>,
    /// Debug knob: skip the TLB invalidate, to show that the GPU keeps stale translations
    /// without it (the emulated GPU's TLB is flushed by nothing else).
    skip_invalidate: AtomicBool,
    invalidates: AtomicU64,
    invalidates_skipped: AtomicU64,
    invalidate_errors: AtomicU64,
}

/// TLB invalidate counters, for debugfs.
#[derive(Clone, Copy, Default)]
pub(crate) struct TlbStats {
    /// Invalidates the GPU completed.
    pub(crate) invalidates: u64,
    /// Invalidates the debug knob skipped.
    pub(crate) skipped: u64,
    /// Invalidates that failed (the GPU did not answer within 2 s, or was gone).
    pub(crate) errors: u64,
}

impl Vmm {
    /// No VA spaces yet, for `dev`, which must stay bound while the value lives; `gsp`'s
    /// registers carry the TLB invalidates, RM objects of `rm` stand for the spaces.
    pub(crate) fn new(
        dev: ARef<Device>,
        gsp: Arc<Gsp>,
        rm: Arc<rm::Client>,
        cache: Arc<PageCache>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            dev,
            gsp,
            spaces <- new_mutex!(KVec::new(), "novax_core::Vmm::spaces"),
            tlb_lock <- new_mutex!((), "novax_core::Vmm::tlb_lock"),
            rm,
            cache,
            skip_invalidate: AtomicBool::new(false),
            invalidates: AtomicU64::new(0),
            invalidates_skipped: AtomicU64::new(0),
            invalidate_errors: AtomicU64::new(0),
        })
    }

    /// Creates an empty VA space (its root table and its `FERMI_VASPACE_A` in RM); returns its
    /// id. `ENOSPC` beyond [`MAX_SPACES`], `ENOMEM`, or the errno of an RM error.
    pub(crate) fn create(&self) -> Result<u32> {
        let (index, id) = {
            let mut spaces = self.spaces.lock();
            let index = match spaces.iter().position(|s| matches!(s, Slot::Free)) {
                Some(i) => i,
                None if spaces.len() < MAX_SPACES => {
                    spaces.push(Slot::Free, GFP_KERNEL)?;
                    spaces.len() - 1
                }
                None => return Err(ENOSPC),
            };
            let id = u32::try_from(index)?;
            spaces[index] = Slot::Busy;
            (index, id)
        };
        let made = PageTables::new(DmaTables::new(self.cache.clone())).and_then(|tables| {
            let rm = rm::VaSpace::new(&self.rm, tables.pdb(), rm::VaSpace::handle_for(id))?;
            Ok(Space { rm, tables })
        });
        let mut spaces = self.spaces.lock();
        match made {
            Ok(space) => {
                spaces[index] = Slot::Live(space);
                Ok(id)
            }
            Err(e) => {
                spaces[index] = Slot::Free;
                Err(e)
            }
        }
    }

    /// Frees VA space `id` and its tables (nothing if there is no such space).
    pub(crate) fn destroy(&self, id: u32) {
        let Some(index) = usize::try_from(id).ok() else {
            return;
        };
        let space = {
            let mut spaces = self.spaces.lock();
            match spaces.get_mut(index) {
                Some(slot @ Slot::Live(_)) => core::mem::replace(slot, Slot::Busy),
                _ => return,
            }
        };
        if let Slot::Live(Space { rm, tables }) = space {
            // RM first forgets the space, then the TLB its translations, then the tables go.
            drop(rm);
            self.invalidate(tables.pdb());
            drop(tables);
        }
        if let Some(slot) = self.spaces.lock().get_mut(index) {
            *slot = Slot::Free;
        }
    }

    /// Runs `f` on VA space `id`; `ENOENT` if there is none.
    fn with<R>(&self, id: u32, f: impl FnOnce(&mut Space) -> Result<R>) -> Result<R> {
        let mut spaces = self.spaces.lock();
        match usize::try_from(id).ok().and_then(|i| spaces.get_mut(i)) {
            Some(Slot::Live(space)) => f(space),
            _ => Err(ENOENT),
        }
    }

    /// Applies `ops` to VA space `id`, all or nothing (see `CoreOps::vm_update`).
    pub(crate) fn update(&self, id: u32, ops: &[PtOp], addrs: &[u64]) -> Result {
        // Check every op before touching the tables.
        for op in ops {
            match op.kind {
                PT_OP_MAP => {
                    let page = page_size(op.page_shift)?;
                    let n = op.size / page.bytes();
                    let first = usize::try_from(op.first_addr)?;
                    let n = usize::try_from(n)?;
                    let end = first.checked_add(n).ok_or(EINVAL)?;
                    let pages = addrs.get(first..end).ok_or(EINVAL)?;
                    if !pages.iter().all(|&a| format::pte_addr_ok(a, page)) {
                        return Err(EINVAL);
                    }
                    check_range(op.va, op.size, page)?;
                }
                PT_OP_CLEAR => check_range(op.va, op.size, PageSize::Small)?,
                _ => return Err(EINVAL),
            }
            if op.pad != 0 || op.read_only > 1 {
                return Err(EINVAL);
            }
        }
        self.with(id, |space| {
            let t = &mut space.tables;
            // Make every table first: on `ENOMEM` the new tables hold no valid entry, and the
            // prune below unlinks them again, so the GPU sees no change.
            for op in ops.iter().filter(|op| op.kind == PT_OP_MAP) {
                if let Err(e) = t.prepare(op.va, op.size, page_size(op.page_shift)?) {
                    self.prune(t, ops);
                    return Err(e);
                }
            }
            let mut res = Ok(());
            for op in ops {
                let r = if op.kind == PT_OP_MAP {
                    let first = usize::try_from(op.first_addr)?;
                    let flags = PteFlags {
                        read_only: op.read_only != 0,
                        non_coherent: false,
                    };
                    let page = page_size(op.page_shift)?;
                    t.map(
                        op.va,
                        op.size,
                        page,
                        flags,
                        &mut addrs[first..].iter().copied(),
                    )
                } else {
                    t.clear(op.va, op.size)
                };
                // Checked and prepared above: an error here is a bug in the tables.
                if r.is_err() && res.is_ok() {
                    res = r;
                }
            }
            self.prune(t, ops);
            res
        })
    }

    /// Unlinks the tables `ops` left empty, invalidates the TLB (for the entries written
    /// before and the links just cut), then frees the unlinked pages.
    fn prune(&self, t: &mut PageTables<DmaTables>, ops: &[PtOp]) {
        let Ok(mut unlinked) = KVec::with_capacity(ops.len(), GFP_KERNEL) else {
            // No room to gather them: invalidate after each prune, before its pages go.
            for op in ops {
                let u = t.prune(op.va, op.size);
                self.invalidate(t.pdb());
                drop(u);
            }
            return;
        };
        for op in ops {
            let u = t.prune(op.va, op.size);
            // At most `ops.len()` pushes into that capacity: no allocation, so no failure (which
            // would drop `u`, freeing its pages before the invalidate).
            let _ = unlinked.push(u, GFP_KERNEL);
        }
        self.invalidate(t.pdb());
        drop(unlinked);
    }

    /// The page directory base and size of VA space `id`.
    pub(crate) fn info(&self, id: u32) -> Result<SpaceInfo> {
        self.with(id, |s| {
            Ok(SpaceInfo {
                pdb: s.tables.pdb(),
                pages: u64::try_from(s.tables.pages())?,
                rm_vaspace: s.rm.handle(),
            })
        })
    }

    /// Freed table pages kept for reuse.
    pub(crate) fn cached_pages(&self) -> u64 {
        self.cache.cached().try_into().unwrap_or(u64::MAX)
    }

    /// (VA spaces, table pages of all of them).
    pub(crate) fn totals(&self) -> (u64, u64) {
        let spaces = self.spaces.lock();
        let live = spaces.iter().filter_map(|s| match s {
            Slot::Live(space) => Some(space),
            _ => None,
        });
        let pages: usize = live.clone().map(|s| s.tables.pages()).sum();
        let n = live.count();
        (
            n.try_into().unwrap_or(u64::MAX),
            pages.try_into().unwrap_or(u64::MAX),
        )
    }

    /// Makes the GPU forget cached translations of the space rooted at `pdb`, before the
    /// table pages a change released are freed ([`tlb::invalidate`]).
    ///
    /// A GPU that does not answer is logged and counted; the change stands (as nouveau does):
    /// there is nothing better to do with a GPU that no longer invalidates. Once the device is
    /// unbound the GPU is halted and reads no tables.
    fn invalidate(&self, pdb: u64) {
        if self.skip_invalidate.load(Relaxed) {
            self.invalidates_skipped.fetch_add(1, Relaxed);
            return;
        }
        let _regs = self.tlb_lock.lock();
        match tlb::invalidate(&self.gsp, pdb) {
            Ok(()) => {
                self.invalidates.fetch_add(1, Relaxed);
            }
            Err(e) => {
                self.invalidate_errors.fetch_add(1, Relaxed);
                if e != ENODEV {
                    dev_err!(&*self.dev, "TLB invalidate of {:#x} failed: {:?}\n", pdb, e);
                }
            }
        }
    }

    /// Sets the debug knob that skips TLB invalidates.
    pub(crate) fn set_skip_invalidate(&self, skip: bool) {
        if skip && !self.skip_invalidate.swap(skip, Relaxed) {
            dev_warn!(
                &*self.dev,
                "debug: TLB invalidates skipped from now on; the GPU may use stale translations\n"
            );
        }
        self.skip_invalidate.store(skip, Relaxed);
    }

    /// Whether TLB invalidates are skipped.
    pub(crate) fn skip_invalidate(&self) -> bool {
        self.skip_invalidate.load(Relaxed)
    }

    /// The TLB invalidate counters.
    pub(crate) fn tlb_stats(&self) -> TlbStats {
        TlbStats {
            invalidates: self.invalidates.load(Relaxed),
            skipped: self.invalidates_skipped.load(Relaxed),
            errors: self.invalidate_errors.load(Relaxed),
        }
    }
}
