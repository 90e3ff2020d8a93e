// SPDX-License-Identifier: GPL-2.0

//! GEM buffer objects: shmem-backed, with pin-initialised driver data.

use crate::drv::NovaxDrm;
use kernel::{
    drm::{self, gem},
    prelude::*,
};

/// Driver data of a novax buffer object. Objects have no GPU mapping yet (no VRAM or VM
/// management on the emulated GPU), so there is nothing beyond the shmem pages.
pub(crate) struct NovaxObject;

impl gem::DriverObject for NovaxObject {
    type Driver = NovaxDrm;

    fn new(_dev: &drm::Device<NovaxDrm>, _size: usize) -> impl PinInit<Self, Error> {
        NovaxObject
    }
}

/// A novax buffer object.
pub(crate) type Object = gem::Object<NovaxObject>;
