// SPDX-License-Identifier: GPL-2.0

//! DRM files: the per-open state of a DRM device node.
//!
//! C header: [`include/drm/drm_file.h`](srctree/include/drm/drm_file.h)

use crate::{
    alloc::KBox,
    bindings,
    drm::{self, Driver},
    error::Result,
    ffi::c_int,
    prelude::*,
    types::{ForeignOwnable, Opaque},
};
use core::marker::PhantomData;

/// The driver's per-open-file data.
///
/// Created by [`DriverFile::open`] each time a node of the device is opened, dropped when that
/// file is closed (which may be after the device was unplugged).
pub trait DriverFile: Send + Sync + Sized + 'static {
    /// The driver.
    type Driver: Driver<File = Self>;

    /// Creates the data of a new open file of `dev`. An error fails the `open()`.
    ///
    /// Runs inside [`Device::enter`](drm::Device::enter): never after the device is unplugged.
    fn open(dev: &drm::Device<Self::Driver>) -> Result<Pin<KBox<Self>>>;
}

/// An open DRM file (`struct drm_file`) of a device of driver `T::Driver`, holding `T`.
///
/// # Invariants
///
/// `file` is an open file of a [`drm::Device`] of driver `T::Driver` whose `driver_priv` holds a
/// `Pin<KBox<T>>` (converted with [`ForeignOwnable::into_foreign`]) from the `open` callback until
/// the `postclose` callback.
#[repr(transparent)]
pub struct File<T: DriverFile> {
    file: Opaque<bindings::drm_file>,
    _p: PhantomData<T>,
}

impl<T: DriverFile> File<T> {
    /// Borrows an open file from its raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be an open file of a device of driver `T::Driver`, past the `open` callback and
    /// not yet at the `postclose` callback, for `'a`.
    pub(crate) unsafe fn as_ref<'a>(ptr: *mut bindings::drm_file) -> &'a Self {
        // SAFETY: `File<T>` is a transparent wrapper of `drm_file`; the caller guarantees the
        // invariants.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw `struct drm_file`.
    pub(crate) fn as_raw(&self) -> *mut bindings::drm_file {
        self.file.get()
    }

    /// The driver's data of this file.
    pub fn inner(&self) -> Pin<&T> {
        // SAFETY: By the type invariants `driver_priv` holds the data until `postclose`, which
        // cannot run while the file is borrowed.
        unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow((*self.as_raw()).driver_priv) }
    }

    /// The file's client id, unique on the system, as `drm-client-id` in its fdinfo.
    pub fn client_id(&self) -> u64 {
        // SAFETY: `client_id` is set before `open` and never changes.
        unsafe { (*self.as_raw()).client_id }
    }

    /// The device this file is open on.
    pub fn device(&self) -> &drm::Device<T::Driver> {
        // SAFETY: `minor` is set before `open` and stays valid while the file is open; the file
        // holds a reference on the minor's device, which is of driver `T::Driver` by the type
        // invariants.
        unsafe { drm::Device::as_ref((*(*self.as_raw()).minor).dev) }
    }
}

/// `drm_driver.open`: creates the driver's file data.
///
/// # Safety
///
/// Called by the DRM core with a device of driver `T::Driver` and a file being opened on it.
pub(crate) unsafe extern "C" fn open_callback<T: DriverFile>(
    raw_dev: *mut bindings::drm_device,
    raw_file: *mut bindings::drm_file,
) -> c_int {
    // SAFETY: The DRM core holds a reference on the device during `open`.
    let dev = unsafe { drm::Device::<T::Driver>::as_ref(raw_dev) };
    let Some(_guard) = dev.enter() else {
        return ENODEV.to_errno();
    };
    match T::open(dev) {
        Ok(data) => {
            // INVARIANT: `driver_priv` now holds the file's data, until `postclose`.
            // SAFETY: The file is being opened and not yet visible to anything else.
            unsafe { (*raw_file).driver_priv = data.into_foreign().cast_mut() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `drm_driver.postclose`: drops the driver's file data.
///
/// # Safety
///
/// Called by the DRM core once per file whose `open` callback succeeded, when it is closed.
pub(crate) unsafe extern "C" fn postclose_callback<T: DriverFile>(
    _raw_dev: *mut bindings::drm_device,
    raw_file: *mut bindings::drm_file,
) {
    // SAFETY: The file is being closed: nothing else uses it any more.
    let data = unsafe { core::mem::take(&mut (*raw_file).driver_priv) };
    if !data.is_null() {
        // SAFETY: `open_callback` stored a `Pin<KBox<T>>` there; no borrow of it is left.
        drop(unsafe { <Pin<KBox<T>> as ForeignOwnable>::from_foreign(data) });
    }
}
