// SPDX-License-Identifier: GPL-2.0

//! The core side of the core↔DRM interface: the GSP as the provider of [`CoreOps`].
//!
//! [`kernel::interface`] builds the `extern "C"` table from this implementation; every call
//! arrives here with the GSP borrowed from the export, which outlives all handles.

use crate::{
    gsp::Gsp,
    iface::{CoreExport, CoreProvider, GpuInfo, PollMode, Snapshot},
};
use kernel::{
    interface::{Slice, SliceMut},
    prelude::*,
    sync::Arc,
};

impl CoreProvider for Gsp {
    fn echo(&self, payload: Slice<'_, u8>, mut returned: SliceMut<'_, u8>) -> Result<u64> {
        Gsp::echo(self, &payload, &mut returned)
    }

    fn snapshot(&self, out: &mut Snapshot) {
        Gsp::snapshot(self, out)
    }

    fn budget(&self) -> u32 {
        Gsp::budget(self)
    }

    fn set_budget(&self, budget: u32) -> Result {
        self.set_budget_value(budget)
    }

    fn mode(&self) -> u32 {
        Gsp::mode(self).into()
    }

    fn set_mode(&self, mode: u32) -> Result {
        Gsp::set_mode(self, PollMode::try_from(mode)?);
        Ok(())
    }

    fn timeout_ms(&self) -> u32 {
        Gsp::timeout_ms(self)
    }

    fn set_timeout_ms(&self, ms: u32) -> Result {
        Gsp::set_timeout_ms(self, ms)
    }
}

/// Exports `gsp` with the GPU's static information.
pub(crate) fn new(gsp: Arc<Gsp>, info: GpuInfo) -> Result<KBox<CoreExport>> {
    Ok(KBox::new(CoreExport::new::<Gsp>(gsp, info)?, GFP_KERNEL)?)
}
