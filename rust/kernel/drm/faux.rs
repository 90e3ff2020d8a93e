// SPDX-License-Identifier: GPL-2.0

//! A bus-less parent device for DRM devices without hardware.
//!
//! A DRM device needs a parent `struct device`. Tests and self-tests that have no hardware use a
//! [`FauxParent`]: a root device (`root_device_register()`), `/sys/devices/<name>`.
//!
//! C header: [`include/linux/device.h`](srctree/include/linux/device.h)

use crate::{
    bindings, device,
    error::{from_err_ptr, to_result},
    prelude::*,
    str::CStr,
    ThisModule,
};
use core::ptr::NonNull;

/// A root device to parent DRM devices that have no hardware.
///
/// Dropping it unregisters the device. Drop every [`Registration`](crate::drm::Registration)
/// on it first, as their device nodes are children of it; DRM devices (registered or not) may
/// outlive it, as they hold a reference on it.
///
/// # Examples
///
/// ```
/// use kernel::{c_str, drm::faux::FauxParent};
/// # // SAFETY: NULL is `THIS_MODULE` of built-in code.
/// # static THIS_MODULE: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
///
/// let parent = FauxParent::new(c_str!("drm_faux_doctest"), &THIS_MODULE)?;
/// let _dev: &kernel::device::Device = parent.device();
/// # Ok::<(), Error>(())
/// ```
///
/// # Invariants
///
/// `dev` is a root device registered by [`FauxParent::new`], unregistered on drop.
pub struct FauxParent {
    dev: NonNull<bindings::device>,
}

impl FauxParent {
    /// Registers a root device named `name` (which must be unique among root devices), owned by
    /// `module`.
    pub fn new(name: &CStr, module: &'static ThisModule) -> Result<Self> {
        // SAFETY: `name` is a valid C string, copied by the callee; `module` is this module.
        let dev = from_err_ptr(unsafe {
            bindings::__root_device_register(name.as_char_ptr(), module.as_ptr())
        })?;
        // INVARIANT: Just registered.
        let this = Self {
            dev: NonNull::new(dev).ok_or(ENOMEM)?,
        };
        // SAFETY: The device is valid and not yet in use.
        to_result(unsafe { bindings::drm_faux_dma_mask(this.dev.as_ptr()) })?;
        Ok(this)
    }

    /// The device.
    pub fn device(&self) -> &device::Device {
        // SAFETY: By the type invariant the device is registered, and stays valid while `self`
        // is borrowed.
        unsafe { device::Device::as_ref(self.dev.as_ptr()) }
    }
}

impl Drop for FauxParent {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the device is registered by us.
        unsafe { bindings::root_device_unregister(self.dev.as_ptr()) };
    }
}

// SAFETY: The device may be used and unregistered from any thread.
unsafe impl Send for FauxParent {}

// SAFETY: `&FauxParent` only gives out `&device::Device`, which is `Sync`.
unsafe impl Sync for FauxParent {}
