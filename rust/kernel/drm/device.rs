// SPDX-License-Identifier: GPL-2.0

//! DRM devices.
//!
//! C header: [`include/drm/drm_device.h`](srctree/include/drm/drm_device.h)

use crate::{
    alloc::KBox,
    bindings, device,
    drm::{
        driver::{Driver, Features, Vtable},
        kms,
    },
    error::{from_err_ptr, Result},
    ffi::c_int,
    init::PinInit,
    prelude::*,
    types::{ARef, AlwaysRefCounted, ForeignOwnable, Opaque},
};
use core::{marker::PhantomData, ptr::NonNull};

/// A DRM device of driver `T`, with its [`Driver::Data`].
///
/// Always reference counted ([`ARef`]): created by [`Device::new`] (or
/// [`Registration::new`](crate::drm::Registration::new), which also registers it), kept alive by
/// references, by open files and by GEM objects, and released when the last of them is gone. The
/// release drops the driver data.
///
/// # Invariants
///
/// - `dev` is a `struct drm_device` allocated by `drm_dev_alloc()` with
///   `&Vtable::<T>::DRIVER` as its driver, so every callback the DRM core makes on it is one of
///   the abstractions for driver `T`;
/// - its `dev_private` holds a `Pin<KBox<T::Data>>` (converted with
///   [`ForeignOwnable::into_foreign`]) from the end of [`Device::new`] until the release callback,
///   which runs when the reference count drops to zero;
/// - its reference count is non-zero while a `&Device<T>` exists.
#[repr(transparent)]
pub struct Device<T: Driver> {
    dev: Opaque<bindings::drm_device>,
    _p: PhantomData<T>,
}

impl<T: Driver> Device<T> {
    /// Creates an unregistered DRM device with `parent` as its parent and the driver data
    /// initialised by `data`.
    ///
    /// Drivers normally use [`Registration::new`](crate::drm::Registration::new), which also
    /// registers the device; an unregistered device has no device nodes, but GEM objects can be
    /// created on it.
    pub fn new(parent: &device::Device, data: impl PinInit<T::Data, Error>) -> Result<ARef<Self>> {
        // The data is initialised before the device exists, so the release callback always finds
        // initialised data; it is dropped here if the allocation below fails.
        let data = KBox::pin_init(data, GFP_KERNEL)?;
        // SAFETY: `DRIVER` is a valid `drm_driver` in static memory and `parent` a valid device,
        // which the DRM device keeps a reference on.
        let raw = from_err_ptr(unsafe {
            bindings::drm_dev_alloc(&Vtable::<T>::DRIVER, parent.as_raw())
        })?;
        // SAFETY: `raw` is the valid, not yet shared, device just allocated. Nothing reads
        // `dev_private` before the release callback, which can only run once the reference
        // returned below is dropped.
        unsafe { (*raw).dev_private = data.into_foreign().cast_mut() };
        // INVARIANT: The device was allocated with `Vtable::<T>::DRIVER` and holds the data; the
        // allocation's reference is handed to the `ARef`.
        // SAFETY: `raw` is non-NULL (checked by `from_err_ptr`) and we own its only reference.
        let dev: ARef<Self> = unsafe { ARef::from_raw(NonNull::new_unchecked(raw.cast::<Self>())) };
        if T::FEATURES.contains(Features::MODESET) {
            // SAFETY: The device has `DRIVER_MODESET` (from `T::FEATURES`), was just allocated
            // and is not registered. On failure, dropping `dev` releases it.
            unsafe { kms::init(dev.as_raw(), &T::MODE_CONFIG) }?;
        }
        Ok(dev)
    }

    /// The raw `struct drm_device`.
    pub(crate) fn as_raw(&self) -> *mut bindings::drm_device {
        self.dev.get()
    }

    /// Borrows a DRM device of driver `T` from its raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a device created by [`Device::<T>::new`] whose reference count stays
    /// non-zero for `'a`.
    pub(crate) unsafe fn as_ref<'a>(ptr: *mut bindings::drm_device) -> &'a Self {
        // SAFETY: `Device<T>` is a transparent wrapper of `drm_device`; the caller guarantees the
        // invariants.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The driver data.
    pub fn data(&self) -> Pin<&T::Data> {
        // SAFETY: By the type invariants `dev_private` holds the data until the release, which
        // cannot happen while `self` is borrowed.
        unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::borrow((*self.as_raw()).dev_private) }
    }

    /// The parent device, the one given to [`Device::new`].
    pub fn parent(&self) -> &device::Device {
        // SAFETY: `dev->dev` is the parent, on which the DRM device holds a reference until its
        // release, so it lives at least as long as `self` is borrowed.
        unsafe { device::Device::as_ref((*self.as_raw()).dev) }
    }

    /// Enters a section in which the device is known not to be unplugged (`drm_dev_enter()`).
    ///
    /// Returns `None` once the [`Registration`](crate::drm::Registration) has been dropped. While
    /// the guard lives, dropping the registration waits for it, so the driver may use resources
    /// it releases after unplugging (the hardware). Ioctl handlers that do so enter the device
    /// themselves: the DRM core refuses ioctls that start after the unplug, but a handler that
    /// passed its check may run concurrently with the unplug or after it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use kernel::{drm, prelude::*};
    /// fn poke<T: drm::Driver>(dev: &drm::Device<T>) -> Result {
    ///     let _guard = dev.enter().ok_or(ENODEV)?;
    ///     // The device is not unplugged until `_guard` is dropped.
    ///     Ok(())
    /// }
    /// ```
    pub fn enter(&self) -> Option<DeviceEnterGuard<'_, T>> {
        let mut idx: c_int = 0;
        // SAFETY: The device is valid; `idx` is written on success.
        if unsafe { bindings::drm_dev_enter(self.as_raw(), &mut idx) } {
            // INVARIANT: The section was entered with `idx`.
            Some(DeviceEnterGuard {
                dev: self,
                idx,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    /// Whether the device has been unplugged (its registration dropped).
    pub fn is_unplugged(&self) -> bool {
        self.enter().is_none()
    }

    /// The index of the render node, `N` in `/dev/dri/renderDN`, if the device has one (see
    /// [`Features::RENDER`](crate::drm::Features::RENDER)). The node exists while the device is
    /// registered.
    pub fn render_minor_index(&self) -> Option<u32> {
        // SAFETY: `render` is set at allocation and freed only at the release of the device.
        let minor = unsafe { (*self.as_raw()).render };
        if minor.is_null() {
            return None;
        }
        // SAFETY: `minor` is a valid minor of this device, see above.
        u32::try_from(unsafe { (*minor).index }).ok()
    }

    /// The index of the primary node, `N` in `/dev/dri/cardN`.
    pub fn primary_minor_index(&self) -> Option<u32> {
        // SAFETY: As in `render_minor_index`.
        let minor = unsafe { (*self.as_raw()).primary };
        if minor.is_null() {
            return None;
        }
        // SAFETY: As in `render_minor_index`.
        u32::try_from(unsafe { (*minor).index }).ok()
    }

    /// The device's debugfs directory, `/sys/kernel/debug/dri/<parent name>/`.
    ///
    /// # Contract
    ///
    /// The result is NULL or an error pointer when debugfs is unavailable (or another DRM device
    /// of the same parent took the name). Otherwise it is a valid dentry until the device is
    /// unplugged (the [`Registration`](crate::drm::Registration) is dropped) or, if it never was
    /// registered, released; the DRM core then removes the directory with everything in it, and
    /// that happens before [`Driver::Data`] is dropped, so files below it may refer to the data.
    /// Callers must create their files while holding an [`enter`](Device::enter) guard (which
    /// keeps the unplug from removing the directory concurrently) or before registering.
    pub(crate) fn debugfs_root_dentry(&self) -> *mut bindings::dentry {
        // SAFETY: `debugfs_root` is written at allocation and at unregistration/release only;
        // see the contract.
        unsafe { (*self.as_raw()).debugfs_root }
    }
}

/// The release callback of the DRM device (`drm_driver.release`): drops the driver data.
///
/// # Safety
///
/// Called by the DRM core, once, when the last reference to a device created by
/// [`Device::<T>::new`] is dropped.
pub(crate) unsafe extern "C" fn release_callback<T: Driver>(raw: *mut bindings::drm_device) {
    // SAFETY: The device is valid during its release, and no one else accesses it any more.
    let data = unsafe { core::mem::take(&mut (*raw).dev_private) };
    if !data.is_null() {
        // SAFETY: By the type invariants `dev_private` came from `into_foreign` on a
        // `Pin<KBox<T::Data>>` and the borrows of it ended with the last reference.
        drop(unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::from_foreign(data) });
    }
}

// SAFETY: DRM devices are reference counted by `drm_dev_get()`/`drm_dev_put()`, and the device
// (with its data) is released only when the count drops to zero.
unsafe impl<T: Driver> AlwaysRefCounted for Device<T> {
    fn inc_ref(&self) {
        // SAFETY: The existence of `&self` means the count is non-zero.
        unsafe { bindings::drm_dev_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference to release.
        unsafe { bindings::drm_dev_put(obj.as_ptr().cast()) };
    }
}

// SAFETY: A `drm_device` may be used and released from any thread; the driver data is `Send`.
unsafe impl<T: Driver> Send for Device<T> {}

// SAFETY: The DRM core synchronises its own state; the driver data is only shared (`Sync`).
unsafe impl<T: Driver> Sync for Device<T> {}

/// A section in which the device is not unplugged, from [`Device::enter`].
///
/// # Invariants
///
/// The section was entered by `drm_dev_enter()` on `dev` with the SRCU index `idx`, and is left
/// when the guard is dropped, on the same thread.
pub struct DeviceEnterGuard<'a, T: Driver> {
    dev: &'a Device<T>,
    idx: c_int,
    _not_send: PhantomData<*mut ()>,
}

impl<T: Driver> DeviceEnterGuard<'_, T> {
    /// The device.
    pub fn device(&self) -> &Device<T> {
        self.dev
    }
}

impl<T: Driver> Drop for DeviceEnterGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the section was entered with `idx`.
        unsafe { bindings::drm_dev_exit(self.idx) };
    }
}
