// SPDX-License-Identifier: GPL-2.0

//! Dumb buffers: CPU-rendered scanout buffers that generic KMS clients create without knowing
//! the driver (`DRM_IOCTL_MODE_CREATE_DUMB`, `_MAP_DUMB`, `_DESTROY_DUMB`).
//!
//! A driver offers them by implementing [`Driver::dumb_create`](crate::drm::Driver::dumb_create),
//! usually with [`Object::create_dumb`]: a linear buffer in an ordinary GEM object of the driver,
//! so that the buffer is mapped, exported and put into framebuffers like any of its objects. The
//! DRM core validates the request before the driver sees it (non-zero width, height and bpp, no
//! 32-bit overflow of `width × height × bytes per pixel`); `DRM_CAP_DUMB_BUFFER` reads 1 once the
//! hook is set. The mmap offset (`MAP_DUMB`) and the destruction (a handle close) are the DRM
//! core's generic ones.
//!
//! C header: [`include/drm/drm_dumb_buffers.h`](srctree/include/drm/drm_dumb_buffers.h)

use super::{DriverObject, Object};
use crate::{
    bindings,
    drm::{self, Driver},
    error::Result,
    ffi::c_int,
    prelude::*,
};

/// The request of `DRM_IOCTL_MODE_CREATE_DUMB`, as the DRM core validated it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DumbArgs {
    /// Width in pixels, non-zero.
    pub width: u32,
    /// Height in pixels, non-zero.
    pub height: u32,
    /// Bits per pixel, non-zero.
    pub bpp: u32,
    /// Flags; no flag is defined, and userspace passes garbage here, so drivers ignore them.
    pub flags: u32,
}

/// The answer to `DRM_IOCTL_MODE_CREATE_DUMB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DumbBuffer {
    /// The GEM handle of the buffer in the caller's file.
    pub handle: u32,
    /// Bytes from one line to the next.
    pub pitch: u32,
    /// The size of the buffer (its GEM object) in bytes.
    pub size: u64,
}

/// The layout of a linear buffer: its pitch and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearLayout {
    /// Bytes from one line to the next: `width × bpp / 8`, rounded up to the pitch alignment.
    pub pitch: u32,
    /// `pitch × height`, rounded up to the page size.
    pub size: usize,
}

impl LinearLayout {
    /// The layout of a linear `width`×`height` buffer of `bpp` bits per pixel whose lines start
    /// at multiples of `pitch_align` bytes (a power of two).
    ///
    /// `bpp` must be 8, 16 or 32 (the bytes-per-pixel of `C8`, `RGB565`/`XRGB1555` and
    /// `XRGB8888`, the formats generic clients ask dumb buffers for); anything else, a zero
    /// dimension, a `pitch_align` that is not a power of two, or a layout that overflows fails
    /// with `EINVAL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::drm::gem::LinearLayout;
    ///
    /// let l = LinearLayout::new(1920, 1080, 32, 256).unwrap();
    /// assert_eq!((l.pitch, l.size), (7680, 7680 * 1080));
    /// let l = LinearLayout::new(1, 1, 16, 256).unwrap();
    /// assert_eq!((l.pitch, l.size), (256, 4096));
    /// assert_eq!(LinearLayout::new(64, 64, 24, 256), Err(EINVAL));
    /// assert_eq!(LinearLayout::new(u32::MAX, 2, 32, 256), Err(EINVAL));
    /// assert_eq!(LinearLayout::new(64, 64, 32, 3), Err(EINVAL));
    /// ```
    pub fn new(width: u32, height: u32, bpp: u32, pitch_align: u32) -> Result<Self> {
        let cpp = match bpp {
            8 | 16 | 32 => bpp / 8,
            _ => return Err(EINVAL),
        };
        if width == 0 || height == 0 || !pitch_align.is_power_of_two() {
            return Err(EINVAL);
        }
        let line = width.checked_mul(cpp).ok_or(EINVAL)?;
        let pitch = line.checked_add(pitch_align - 1).ok_or(EINVAL)? & !(pitch_align - 1);
        let bytes = u64::from(pitch) * u64::from(height);
        let page = u64::try_from(bindings::PAGE_SIZE)?;
        let size = bytes.checked_add(page - 1).ok_or(EINVAL)? & !(page - 1);
        Ok(Self {
            pitch,
            size: usize::try_from(size)?,
        })
    }
}

impl<T: DriverObject> Object<T> {
    /// Creates a linear dumb buffer for `args` in a new object with a handle in `file`, with lines
    /// aligned to `pitch_align` bytes (see [`LinearLayout::new`] for what fails).
    ///
    /// The handle is the only reference on the object the call leaves behind.
    pub fn create_dumb(
        dev: &drm::Device<T::Driver>,
        file: &drm::File<<T::Driver as Driver>::File>,
        args: &DumbArgs,
        pitch_align: u32,
    ) -> Result<DumbBuffer> {
        let layout = LinearLayout::new(args.width, args.height, args.bpp, pitch_align)?;
        let obj = Self::new(dev, layout.size)?;
        let handle = obj.create_handle(file)?;
        Ok(DumbBuffer {
            handle,
            pitch: layout.pitch,
            size: u64::try_from(obj.size())?,
        })
    }
}

/// `drm_driver.dumb_create` for drivers that implement
/// [`Driver::dumb_create`](crate::drm::Driver::dumb_create).
///
/// # Safety
///
/// Called by the DRM core (`drm_mode_create_dumb()`) with an open file of `dev`, a device of
/// driver `T`, and the validated request, whose outputs the core zeroed.
pub(crate) unsafe extern "C" fn dumb_create_callback<T: Driver>(
    file: *mut bindings::drm_file,
    _dev: *mut bindings::drm_device,
    args: *mut bindings::drm_mode_create_dumb,
) -> c_int {
    // SAFETY: `file` is an open file of a device of driver `T`, valid for this call.
    let file = unsafe { drm::File::<T::File>::as_ref(file) };
    // SAFETY: `args` is valid for this call.
    let req = unsafe {
        DumbArgs {
            width: (*args).width,
            height: (*args).height,
            bpp: (*args).bpp,
            flags: (*args).flags,
        }
    };
    match T::dumb_create(file.device(), file, &req) {
        Ok(buf) => {
            // SAFETY: As above.
            unsafe {
                (*args).handle = buf.handle;
                (*args).pitch = buf.pitch;
                (*args).size = buf.size;
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}
