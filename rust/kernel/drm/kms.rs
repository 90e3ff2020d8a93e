// SPDX-License-Identifier: GPL-2.0

//! Modesetting (KMS) without display outputs.
//!
//! These abstractions do not drive display hardware yet: there are no CRTC, plane, encoder or
//! connector abstractions. What they offer is the mode configuration itself, for drivers of
//! devices that have (or will have) a display engine. A driver that sets
//! [`Features::MODESET`](crate::drm::Features::MODESET) gets a `struct drm_mode_config` with no
//! objects in it, so its primary node (`/dev/dri/cardN`) answers the KMS ioctls like a display
//! controller with nothing attached:
//!
//! - `DRM_IOCTL_MODE_GETRESOURCES` and `DRM_IOCTL_MODE_GETPLANERESOURCES` succeed with empty
//!   lists and a framebuffer size range of 0x0 to 0x0, and `DRM_CAP_ADDFB2_MODIFIERS` is 0;
//! - framebuffers cannot be created: the DRM core refuses every size with `EINVAL` before it
//!   would call the driver, and [`fb_create`] answers `EOPNOTSUPP` should it be reached anyway;
//! - atomic modesetting is not offered (`DRIVER_ATOMIC` is never set), so the atomic ioctls and
//!   client capability fail with `EOPNOTSUPP` in the core.
//!
//! Userspace that enumerates display devices through KMS (`drm_info`, compositors probing
//! `/dev/dri/card*`) then sees the device and its driver instead of failing on it. The KMS
//! ioctls are not allowed on render nodes.
//!
//! What else `DRIVER_MODESET` brings, as for any KMS driver: `DRM_IOCTL_GET_CAP` (also on the
//! render node) answers the KMS capabilities instead of `EOPNOTSUPP`; the primary node gets its
//! `controlD<N>` sysfs link; any client of the primary node can create property blobs (freed
//! with the file); and the master can create a lease, even one without objects, whose file is
//! opened like any other (the driver's file `open` runs for it).
//!
//! The configuration is device-managed (`drmm_mode_config_init()`): the DRM core cleans it up
//! when the device is released.
//!
//! C header: [`include/drm/drm_mode_config.h`](srctree/include/drm/drm_mode_config.h)

use crate::{bindings, error::to_result, prelude::*};
use core::mem::MaybeUninit;

/// `drm_mode_config_funcs.fb_create`: there is no scanout, so there are no framebuffers. It does
/// not look at its arguments.
extern "C" fn fb_create(
    _dev: *mut bindings::drm_device,
    _file: *mut bindings::drm_file,
    _cmd: *const bindings::drm_mode_fb_cmd2,
) -> *mut bindings::drm_framebuffer {
    EOPNOTSUPP.to_ptr()
}

/// The mode configuration hooks. `fb_create` is the only one the core calls unconditionally;
/// the atomic hooks are only used by `DRIVER_ATOMIC` devices.
static FUNCS: bindings::drm_mode_config_funcs = bindings::drm_mode_config_funcs {
    fb_create: Some(fb_create),
    // SAFETY: All-zeroes is a valid `drm_mode_config_funcs`: NULL hooks.
    ..unsafe { MaybeUninit::zeroed().assume_init() }
};

/// Initialises the empty mode configuration of `dev`.
///
/// # Safety
///
/// `dev` must be a valid `drm_device` with `DRIVER_MODESET` that is not registered yet and whose
/// mode configuration was not initialised before.
pub(crate) unsafe fn init(dev: *mut bindings::drm_device) -> Result {
    // SAFETY: `dev` is valid and not registered, so nothing else uses its mode configuration.
    to_result(unsafe { bindings::drmm_mode_config_init(dev) })?;
    // SAFETY: As above; `FUNCS` lives in static memory. The size range stays 0x0 to 0x0 (from
    // the zeroed allocation), so no framebuffer size passes the core's checks, and with no
    // framebuffers there are no framebuffer modifiers (`DRM_CAP_ADDFB2_MODIFIERS` reads 0).
    unsafe {
        (*dev).mode_config.funcs = &FUNCS;
        (*dev).mode_config.fb_modifiers_not_supported = true;
    }
    Ok(())
}
