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
//!   lists and the framebuffer size range of the driver's [`ModeConfigInfo`]
//!   ([`Driver::MODE_CONFIG`](crate::drm::Driver::MODE_CONFIG));
//! - with [`ModeConfigInfo::NO_FRAMEBUFFERS`] (the default, a 0x0 to 0x0 range) framebuffers
//!   cannot be created: the DRM core refuses every size with `EINVAL` before it would call the
//!   driver, `fb_create` answers `EOPNOTSUPP` should it be reached anyway, and
//!   `DRM_CAP_ADDFB2_MODIFIERS` is 0;
//! - with a real size range, `ADDFB`/`ADDFB2` create framebuffers backed by the file's GEM
//!   objects (the DRM core's GEM framebuffer helper, which checks that each object holds
//!   `offset + pitch × (height − 1) + one line`), linear only: `DRM_CAP_ADDFB2_MODIFIERS` is 1
//!   and a modifier other than `DRM_FORMAT_MOD_LINEAR` fails with `EINVAL`. `GETFB`/`GETFB2`
//!   return handles to the objects (for the master or `CAP_SYS_ADMIN`, as the core decides),
//!   `RMFB` and closing the file remove them;
//! - atomic modesetting is not offered (`DRIVER_ATOMIC` is never set), so the atomic ioctls and
//!   client capability fail with `EOPNOTSUPP` in the core.
//!
//! Userspace that enumerates display devices through KMS (`drm_info`, compositors probing
//! `/dev/dri/card*`) then sees the device and its driver instead of failing on it, and generic
//! KMS clients can allocate their buffers. The KMS ioctls are not allowed on render nodes.
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

/// `DRM_FORMAT_MOD_LINEAR` (`fourcc_mod_code(NONE, 0)`, a function-like macro bindgen skips).
const FORMAT_MOD_LINEAR: u64 = 0;

/// The limits of a mode configuration: the framebuffer sizes the DRM core accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeConfigInfo {
    /// The smallest framebuffer width, in pixels.
    pub min_width: u32,
    /// The smallest framebuffer height, in pixels.
    pub min_height: u32,
    /// The largest framebuffer width, in pixels; 0 with `max_height` 0: no framebuffers.
    pub max_width: u32,
    /// The largest framebuffer height, in pixels.
    pub max_height: u32,
}

impl ModeConfigInfo {
    /// No framebuffers of any size: a 0x0 to 0x0 range.
    pub const NO_FRAMEBUFFERS: Self = Self {
        min_width: 0,
        min_height: 0,
        max_width: 0,
        max_height: 0,
    };

    /// Whether this range admits any framebuffer.
    pub const fn has_framebuffers(&self) -> bool {
        self.max_width != 0
            && self.max_height != 0
            && self.min_width <= self.max_width
            && self.min_height <= self.max_height
    }
}

/// `drm_mode_config_funcs.fb_create` without framebuffers: refuses. It does not look at its
/// arguments.
extern "C" fn fb_create_none(
    _dev: *mut bindings::drm_device,
    _file: *mut bindings::drm_file,
    _cmd: *const bindings::drm_mode_fb_cmd2,
) -> *mut bindings::drm_framebuffer {
    EOPNOTSUPP.to_ptr()
}

/// Accepts the framebuffer layouts the GEM framebuffers support: linear, which is what a
/// request without `DRM_MODE_FB_MODIFIERS` means, or with it and `DRM_FORMAT_MOD_LINEAR`. Other
/// modifiers fail with `EINVAL`.
pub(crate) fn linear_only(flags: u32, modifier: u64) -> Result {
    if flags & bindings::DRM_MODE_FB_MODIFIERS != 0 && modifier != FORMAT_MOD_LINEAR {
        return Err(EINVAL);
    }
    Ok(())
}

/// `drm_mode_config_funcs.fb_create` with framebuffers: a linear framebuffer on the file's GEM
/// objects.
///
/// # Safety
///
/// Called by the DRM core (`drm_internal_framebuffer_create()`) with a valid device, an open
/// file of it and a command the core checked (format, sizes, handles and modifiers per plane).
unsafe extern "C" fn fb_create_gem(
    dev: *mut bindings::drm_device,
    file: *mut bindings::drm_file,
    cmd: *const bindings::drm_mode_fb_cmd2,
) -> *mut bindings::drm_framebuffer {
    // SAFETY: `cmd` is valid for this call. The core checked that the planes' modifiers are
    // all `modifier[0]` and that unused planes have none, so `modifier[0]` decides.
    let (flags, modifier) = unsafe { ((*cmd).flags, (*cmd).modifier[0]) };
    if let Err(e) = linear_only(flags, modifier) {
        return e.to_ptr();
    }
    // SAFETY: As the caller guarantees; the helper looks the handles up in `file` (`ENOENT`),
    // checks the objects' sizes (`EINVAL`) and takes references on them for the framebuffer,
    // which its `destroy` drops.
    unsafe { bindings::drm_gem_fb_create(dev, file, cmd) }
}

/// The mode configuration hooks without framebuffers. `fb_create` is the only one the core
/// calls unconditionally; the atomic hooks are only used by `DRIVER_ATOMIC` devices.
static FUNCS_NONE: bindings::drm_mode_config_funcs = bindings::drm_mode_config_funcs {
    fb_create: Some(fb_create_none),
    // SAFETY: All-zeroes is a valid `drm_mode_config_funcs`: NULL hooks.
    ..unsafe { MaybeUninit::zeroed().assume_init() }
};

/// The mode configuration hooks with GEM-backed linear framebuffers.
static FUNCS_GEM: bindings::drm_mode_config_funcs = bindings::drm_mode_config_funcs {
    fb_create: Some(fb_create_gem),
    // SAFETY: All-zeroes is a valid `drm_mode_config_funcs`: NULL hooks.
    ..unsafe { MaybeUninit::zeroed().assume_init() }
};

/// Initialises the empty mode configuration of `dev` with the limits `info`.
///
/// Fails with `EINVAL` if a limit does not fit the C `int`s.
///
/// # Safety
///
/// `dev` must be a valid `drm_device` with `DRIVER_MODESET` that is not registered yet and whose
/// mode configuration was not initialised before.
pub(crate) unsafe fn init(dev: *mut bindings::drm_device, info: &ModeConfigInfo) -> Result {
    let fbs = info.has_framebuffers();
    let limits = if fbs {
        *info
    } else {
        ModeConfigInfo::NO_FRAMEBUFFERS
    };
    let min_width = i32::try_from(limits.min_width)?;
    let min_height = i32::try_from(limits.min_height)?;
    let max_width = i32::try_from(limits.max_width)?;
    let max_height = i32::try_from(limits.max_height)?;
    // SAFETY: `dev` is valid and not registered, so nothing else uses its mode configuration.
    to_result(unsafe { bindings::drmm_mode_config_init(dev) })?;
    // SAFETY: As above; the hooks live in static memory. Without framebuffers the range is
    // 0x0 to 0x0, which no framebuffer passes, and no framebuffers means no modifiers
    // (`DRM_CAP_ADDFB2_MODIFIERS` reads 0); with them, `fb_create_gem` accepts linear ones.
    unsafe {
        let config = &mut (*dev).mode_config;
        config.funcs = if fbs { &FUNCS_GEM } else { &FUNCS_NONE };
        config.min_width = min_width;
        config.min_height = min_height;
        config.max_width = max_width;
        config.max_height = max_height;
        config.fb_modifiers_not_supported = !fbs;
    }
    Ok(())
}
