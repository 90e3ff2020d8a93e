// SPDX-License-Identifier: GPL-2.0

//! DRM subsystem abstractions.
//!
//! A DRM driver implements [`Driver`], naming its per-device data, its per-open-file data
//! ([`file::DriverFile`]) and its GEM object data ([`gem::DriverObject`]), and declares its
//! ioctls with [`declare_drm_ioctls!`](crate::declare_drm_ioctls). The abstractions turn that
//! into a constant `struct drm_driver` and `struct file_operations`, create the
//! [`Device`] with the driver data pin-initialised in place and register it with a
//! [`Registration`], whose drop unplugs the device: after that new ioctls fail and no
//! [`Device::enter`] section (in which drivers use the hardware) runs any more, while open files
//! keep the device and its data alive until they are closed.
//!
//! GEM objects are shmem-backed ([`gem::Object`]), with the generic helpers for mmap and PRIME.
//! Modesetting is limited to an empty mode configuration ([`kms`]).
//!
//! C headers: [`include/drm/drm_drv.h`](srctree/include/drm/drm_drv.h),
//! [`include/drm/drm_device.h`](srctree/include/drm/drm_device.h),
//! [`include/drm/drm_file.h`](srctree/include/drm/drm_file.h),
//! [`include/drm/drm_gem.h`](srctree/include/drm/drm_gem.h),
//! [`include/drm/drm_gem_shmem_helper.h`](srctree/include/drm/drm_gem_shmem_helper.h),
//! [`include/drm/drm_ioctl.h`](srctree/include/drm/drm_ioctl.h),
//! [`include/drm/drm_mode_config.h`](srctree/include/drm/drm_mode_config.h)

pub mod device;
pub mod driver;
pub mod faux;
pub mod file;
pub mod gem;
pub mod ioctl;
pub mod kms;

#[cfg(CONFIG_KUNIT)]
mod tests;

pub use device::Device;
pub use driver::{Driver, DriverInfo, Features, Registration};
pub use file::File;
