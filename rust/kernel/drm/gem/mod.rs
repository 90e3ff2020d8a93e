// SPDX-License-Identifier: GPL-2.0

//! DRM GEM buffer objects.
//!
//! Every GEM object of a device of a Rust driver is an [`Object`]: a shmem-backed object
//! (`struct drm_gem_shmem_object`) carrying the driver's [`DriverObject`] data. They are created
//! by [`Object::new`] or by PRIME import, handed to userspace as handles
//! ([`Object::create_handle`]), found again by handle ([`Object::lookup_handle`]) and mapped with
//! `mmap()` on the DRM file at [`Object::create_mmap_offset`]. The generic PRIME helpers export
//! them as dma-bufs. Dumb buffers ([`Object::create_dumb`]) are such objects too.
//!
//! C headers: [`include/drm/drm_gem.h`](srctree/include/drm/drm_gem.h),
//! [`include/drm/drm_gem_shmem_helper.h`](srctree/include/drm/drm_gem_shmem_helper.h)

mod dumb;
mod shmem;

pub(crate) use dumb::dumb_create_callback;
pub use dumb::{DumbArgs, DumbBuffer, LinearLayout};
pub(crate) use shmem::prime_import_sg_table_callback;
pub use shmem::{DmaPages, Object};

use crate::{drm, error::Error, init::PinInit};

/// The driver's data in its GEM objects.
pub trait DriverObject: Send + Sync + Sized + 'static {
    /// The driver.
    type Driver: drm::Driver<Object = Self>;

    /// Initialises the data of a new object of `size` bytes (a multiple of the page size) on
    /// `dev`, created by [`Object::new`] or imported from a dma-buf.
    fn new(dev: &drm::Device<Self::Driver>, size: usize) -> impl PinInit<Self, Error>;
}
