// SPDX-License-Identifier: GPL-2.0

//! Page-table pages in DMA-coherent memory, and the cache of freed ones.
//!
//! A 4 KiB bind into an empty 2 MiB range makes four table pages (PDE2, PDE1, PDE0, PT) and its
//! unbind frees them again; `dma_alloc_coherent` and `dma_free_coherent` then cost more than the
//! rest of the bind. As nouveau keeps a page-table cache (`nvkm_mmu_ptc`), a device keeps up to
//! [`CACHE_PAGES`] freed table pages and zeroes one when it is reused. The cache is the
//! device's, like the spaces: it goes with them at unbind.

use super::pt::{TableAlloc, TablePage};
use kernel::{
    device::Device,
    dma::CoherentAllocation,
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    types::ARef,
};

/// Entries in a table page.
pub(crate) const ENTRIES: usize = 512;

/// The most freed table pages a device keeps.
pub(crate) const CACHE_PAGES: usize = 64;

/// Freed table pages of a device, kept for reuse.
///
/// # Invariants
///
/// `dev` is bound while the value lives: the cache belongs to the device's VA spaces (the
/// `Vmm` and the pages it hands out), which live in the core's export, dropped at unbind
/// before the driver is released. `free` has [`CACHE_PAGES`] slots.
#[pin_data]
pub(crate) struct PageCache {
    dev: ARef<Device>,
    #[pin]
    free: Mutex<KVec<Option<CoherentAllocation<u64>>>>,
}

impl PageCache {
    /// An empty cache for `dev`.
    ///
    /// # Safety
    ///
    /// `dev` must stay bound while the cache lives: the cache and the pages it hands out (each
    /// holds a reference to it) must be dropped before the device's driver is released.
    pub(crate) unsafe fn new(dev: ARef<Device>) -> Result<Arc<Self>> {
        let mut free = KVec::with_capacity(CACHE_PAGES, GFP_KERNEL)?;
        for _ in 0..CACHE_PAGES {
            free.push(None, GFP_KERNEL)?;
        }
        // INVARIANT: `CACHE_PAGES` slots; the caller keeps `dev` bound (safety requirement).
        Arc::pin_init(
            pin_init!(Self {
                dev,
                free <- new_mutex!(free, "novax_core::PageCache::free"),
            }),
            GFP_KERNEL,
        )
    }

    /// Freed pages held.
    pub(crate) fn cached(&self) -> usize {
        self.free.lock().iter().flatten().count()
    }

    /// Keeps `mem` for reuse, or frees it if the cache is full.
    fn put(&self, mem: CoherentAllocation<u64>) {
        let mut free = self.free.lock();
        if let Some(slot) = free.iter_mut().find(|s| s.is_none()) {
            *slot = Some(mem);
        }
    }

    /// A freed page, if the cache holds one.
    fn take(&self) -> Option<CoherentAllocation<u64>> {
        self.free.lock().iter_mut().find_map(Option::take)
    }
}

/// A table page; back to its cache when dropped.
pub(crate) struct CoherentPage {
    /// `Some` until dropped.
    mem: Option<CoherentAllocation<u64>>,
    cache: Arc<PageCache>,
}

impl CoherentPage {
    fn mem(&self) -> Option<&CoherentAllocation<u64>> {
        self.mem.as_ref()
    }
}

impl TablePage for CoherentPage {
    fn bus_addr(&self) -> u64 {
        self.mem().map_or(0, CoherentAllocation::dma_handle)
    }

    fn read(&self, index: usize) -> u64 {
        self.mem().and_then(|m| m.read(index)).unwrap_or(0)
    }

    fn write(&self, index: usize, val: u64) {
        // `index < 512` by the trait's contract, so this cannot fail.
        if let Some(m) = self.mem() {
            let _ = m.write(index, val);
        }
    }
}

impl Drop for CoherentPage {
    fn drop(&mut self) {
        if let Some(mem) = self.mem.take() {
            self.cache.put(mem);
        }
    }
}

/// Table pages from the cache, or newly allocated.
pub(crate) struct DmaTables {
    cache: Arc<PageCache>,
}

impl DmaTables {
    /// Table pages from `cache`.
    pub(crate) fn new(cache: Arc<PageCache>) -> Self {
        Self { cache }
    }
}

impl TableAlloc for DmaTables {
    type Page = CoherentPage;

    fn alloc(&self) -> Result<CoherentPage> {
        let reused = self.cache.take();
        let mem = match reused {
            Some(mem) => {
                // Invalid PTEs and PDEs, as a new page has.
                for i in 0..ENTRIES {
                    mem.write(i, 0)?;
                }
                mem
            }
            // SAFETY: By the type invariant of `PageCache` its device is bound while the cache
            // lives, which `self.cache` keeps it doing across this call.
            None => unsafe {
                CoherentAllocation::alloc_coherent_on(&self.cache.dev, ENTRIES, GFP_KERNEL)?
            },
        };
        Ok(CoherentPage {
            mem: Some(mem),
            cache: self.cache.clone(),
        })
    }
}
