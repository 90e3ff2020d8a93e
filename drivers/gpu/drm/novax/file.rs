// SPDX-License-Identifier: GPL-2.0

//! Per-open-file state.

use crate::drv::NovaxDrm;
use kernel::{
    drm::{self, file::DriverFile},
    prelude::*,
};

/// An open novax file. GEM handles live in the DRM core's per-file table; nothing else is
/// per-file yet.
pub(crate) struct NovaxFile;

impl DriverFile for NovaxFile {
    type Driver = NovaxDrm;

    fn open(_dev: &drm::Device<NovaxDrm>) -> Result<Pin<KBox<Self>>> {
        Ok(KBox::pin(NovaxFile, GFP_KERNEL)?)
    }
}
