// SPDX-License-Identifier: GPL-2.0

//! The core side of the core↔DRM interface: the GSP as the provider of [`CoreOps`].
//!
//! [`kernel::interface`] builds the `extern "C"` table from this implementation; every call
//! arrives here with the GSP borrowed from the export, which outlives all handles.

use crate::{
    gsp::Gsp,
    iface::{CoreExport, CoreProvider, GpuInfo, PollMode, PtOp, Snapshot, VmInfo},
    mmu::{pages::PageCache, vmm::Vmm},
    rm,
};
use kernel::{
    device::Device,
    interface::{Slice, SliceMut},
    prelude::*,
    sync::Arc,
    types::ARef,
};

/// What the export shares: the GSP and the device's GPU VA spaces, which go with the export
/// (at unbind, while the device is still bound).
#[pin_data]
pub(crate) struct Core {
    gsp: Arc<Gsp>,
    #[pin]
    vmm: Vmm,
}

impl CoreProvider for Core {
    fn echo(&self, payload: Slice<'_, u8>, mut returned: SliceMut<'_, u8>) -> Result<u64> {
        self.gsp.echo(&payload, &mut returned)
    }

    fn snapshot(&self, out: &mut Snapshot) {
        self.gsp.snapshot(out);
        (out.vm_spaces, out.vm_table_pages) = self.vmm.totals();
        out.vm_cached_pages = self.vmm.cached_pages();
        let tlb = self.vmm.tlb_stats();
        out.tlb_invalidates = tlb.invalidates;
        out.tlb_invalidates_skipped = tlb.skipped;
        out.tlb_invalidate_errors = tlb.errors;
    }

    fn budget(&self) -> u32 {
        self.gsp.budget()
    }

    fn set_budget(&self, budget: u32) -> Result {
        self.gsp.set_budget_value(budget)
    }

    fn mode(&self) -> u32 {
        self.gsp.mode().into()
    }

    fn set_mode(&self, mode: u32) -> Result {
        self.gsp.set_mode(PollMode::try_from(mode)?);
        Ok(())
    }

    fn timeout_ms(&self) -> u32 {
        self.gsp.timeout_ms()
    }

    fn set_timeout_ms(&self, ms: u32) -> Result {
        self.gsp.set_timeout_ms(ms)
    }

    fn vm_create(&self) -> Result<u32> {
        self.vmm.create()
    }

    fn vm_destroy(&self, id: u32) {
        self.vmm.destroy(id)
    }

    fn vm_update(&self, id: u32, ops: Slice<'_, PtOp>, addrs: Slice<'_, u64>) -> Result {
        self.vmm.update(id, &ops, &addrs)
    }

    fn vm_info(&self, id: u32, out: &mut VmInfo) -> Result {
        let info = self.vmm.info(id)?;
        out.pdb = info.pdb;
        out.table_pages = info.pages;
        out.rm_vaspace = info.rm_vaspace;
        Ok(())
    }

    fn skip_invalidate(&self) -> u32 {
        self.vmm.skip_invalidate().into()
    }

    fn set_skip_invalidate(&self, skip: u32) -> Result {
        match skip {
            0 | 1 => {
                self.vmm.set_skip_invalidate(skip == 1);
                Ok(())
            }
            _ => Err(EINVAL),
        }
    }
}

/// Exports `gsp` and the VA spaces of `dev` (which stays bound while the export lives: the
/// core drops it at unbind) with the GPU's static information.
pub(crate) fn new(gsp: Arc<Gsp>, dev: ARef<Device>, info: GpuInfo) -> Result<KBox<CoreExport>> {
    let client = Arc::new(rm::Client::new(gsp.clone())?, GFP_KERNEL)?;
    // SAFETY: The cache goes to the VA spaces of the export, whose device stays bound while
    // it lives (see above); nothing else takes a reference to the cache or its pages.
    let cache = unsafe { PageCache::new(dev.clone())? };
    let regs = gsp.clone();
    let core = Arc::pin_init(
        pin_init!(Core {
            gsp,
            vmm <- Vmm::new(dev, regs, client, cache),
        }),
        GFP_KERNEL,
    )?;
    Ok(KBox::new(CoreExport::new::<Core>(core, info)?, GFP_KERNEL)?)
}
