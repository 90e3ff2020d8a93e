// SPDX-License-Identifier: GPL-2.0

//! Per-open-file state: the file's GPU VA space, once VM_INIT made it. GEM handles live in the
//! DRM core's per-file table.

use crate::{drv::NovaxDrm, vm::SharedVm};
use kernel::{
    drm::{self, file::DriverFile},
    new_mutex,
    prelude::*,
    sync::Mutex,
};

/// An open novax file.
#[pin_data(PinnedDrop)]
pub(crate) struct NovaxFile {
    /// The VA space; `None` until VM_INIT.
    #[pin]
    pub(crate) vm: Mutex<Option<SharedVm>>,
}

impl DriverFile for NovaxFile {
    type Driver = NovaxDrm;

    fn open(_dev: &drm::Device<NovaxDrm>) -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(NovaxFile {
                vm <- new_mutex!(None, "novax::NovaxFile::vm"),
            }),
            GFP_KERNEL,
        )
    }
}

#[pinned_drop]
impl PinnedDrop for NovaxFile {
    fn drop(self: Pin<&mut Self>) {
        // Out of the device's list first, so that the last reference (ours) frees the VM:
        // its VA space, then its pins.
        if let Some(vm) = self.vm.lock().take() {
            let dev = crate::vm::device(&vm.lock());
            dev.data().unregister_vm(&vm);
        }
    }
}
