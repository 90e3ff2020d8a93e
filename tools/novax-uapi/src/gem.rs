// SPDX-License-Identifier: MIT OR Apache-2.0

//! GEM buffer objects: create, query, close, map and share through PRIME.
//!
//! Create and query are novax ioctls; close and PRIME are drm-rs's calls.

use crate::device::Device;
use crate::error::{Error, Result};
use crate::flags::{GemCreateFlags, PrimeFlags};
use crate::ioctl;
use crate::mmap::{Access, Mapping};
use crate::sys;
use drm::control::Device as _;
use rustix::io::Errno;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// What `DRM_IOCTL_NOVAX_GEM_INFO` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemInfo {
    /// The object's size in bytes.
    pub size: u64,
    /// The offset to pass to `mmap()` on the DRM file.
    pub mmap_offset: u64,
}

/// A buffer object handle of a [`Device`], closed on drop.
///
/// Handles are per open file: the number means nothing to another file or process. Objects are
/// shared with [`Bo::export`] and [`Device::prime_import`].
#[derive(Debug)]
pub struct Bo<'d> {
    dev: &'d Device,
    handle: u32,
    size: u64,
}

/// drm-rs's handle type for a raw handle; 0 is never a handle (EINVAL, as the kernel says).
fn drm_handle(handle: u32) -> std::io::Result<drm::buffer::Handle> {
    drm::control::from_u32(handle).ok_or_else(|| Errno::INVAL.into())
}

impl Device {
    /// `DRM_IOCTL_NOVAX_GEM_CREATE` with no flags. The size is rounded up to the page size.
    pub fn gem_create(&self, size: u64) -> Result<Bo<'_>> {
        self.gem_create_with_flags(size, GemCreateFlags::empty())
    }

    /// `DRM_IOCTL_NOVAX_GEM_CREATE`.
    pub fn gem_create_with_flags(&self, size: u64, flags: GemCreateFlags) -> Result<Bo<'_>> {
        let mut arg = sys::drm_novax_gem_create {
            handle: 0,
            flags: flags.bits(),
            size,
        };
        ioctl::call(self.as_fd(), &ioctl::GEM_CREATE, &mut arg)?;
        Ok(Bo {
            dev: self,
            handle: arg.handle,
            size: arg.size,
        })
    }

    /// `DRM_IOCTL_NOVAX_GEM_INFO` on a raw handle.
    pub fn gem_info(&self, handle: u32) -> Result<GemInfo> {
        let mut arg = sys::drm_novax_gem_info {
            handle,
            ..Default::default()
        };
        ioctl::call(self.as_fd(), &ioctl::GEM_INFO, &mut arg)?;
        Ok(GemInfo {
            size: arg.size,
            mmap_offset: arg.mmap_offset,
        })
    }

    /// `DRM_IOCTL_GEM_CLOSE` on a raw handle. Handle 0 is never valid (EINVAL).
    pub fn gem_close(&self, handle: u32) -> Result<()> {
        drm_handle(handle)
            .and_then(|h| self.close_buffer(h))
            .map_err(|e| Error::ioctl("GEM_CLOSE", e))
    }

    /// Takes ownership of a raw handle (e.g. from [`Device::prime_import`]): the returned
    /// [`Bo`] closes it on drop.
    pub fn bo_from_handle(&self, handle: u32) -> Result<Bo<'_>> {
        let info = self.gem_info(handle)?;
        Ok(Bo {
            dev: self,
            handle,
            size: info.size,
        })
    }

    /// Maps `len` bytes of this file at `offset` (an object's `mmap_offset`).
    pub fn mmap(&self, offset: u64, len: usize, access: Access) -> Result<Mapping> {
        Mapping::new(self.as_fd(), offset, len, access)
    }

    /// `DRM_IOCTL_PRIME_HANDLE_TO_FD`: a dma-buf file descriptor for the object.
    pub fn prime_export(&self, handle: u32, flags: PrimeFlags) -> Result<OwnedFd> {
        drm_handle(handle)
            .and_then(|h| self.buffer_to_prime_fd(h, flags.bits()))
            .map_err(|e| Error::ioctl("PRIME_HANDLE_TO_FD", e))
    }

    /// `DRM_IOCTL_PRIME_FD_TO_HANDLE`: a handle in this file for the dma-buf `fd`.
    ///
    /// Importing an object this file already has a handle for returns that same handle, so
    /// the raw number is returned; [`Device::bo_from_handle`] takes ownership when wanted.
    pub fn prime_import(&self, fd: BorrowedFd<'_>) -> Result<u32> {
        let handle = self
            .prime_fd_to_buffer(fd)
            .map_err(|e| Error::ioctl("PRIME_FD_TO_HANDLE", e))?;
        Ok(handle.into())
    }
}

impl Bo<'_> {
    /// The handle in the device's file.
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The size in bytes, as rounded up by the kernel.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `DRM_IOCTL_NOVAX_GEM_INFO`.
    pub fn info(&self) -> Result<GemInfo> {
        self.dev.gem_info(self.handle)
    }

    /// Maps the whole object read-write.
    pub fn mmap(&self) -> Result<Mapping> {
        self.mmap_with(Access::ReadWrite)
    }

    /// Maps the whole object.
    pub fn mmap_with(&self, access: Access) -> Result<Mapping> {
        let info = self.info()?;
        let len = usize::try_from(info.size)
            .map_err(|_| Error::sys(format!("mmap {} bytes", info.size), Errno::OVERFLOW))?;
        self.dev.mmap(info.mmap_offset, len, access)
    }

    /// Exports the object as a dma-buf (`PRIME_HANDLE_TO_FD`).
    pub fn export(&self, flags: PrimeFlags) -> Result<OwnedFd> {
        self.dev.prime_export(self.handle, flags)
    }

    /// Closes the handle, reporting the error that drop would ignore.
    pub fn close(self) -> Result<()> {
        let dev = self.dev;
        dev.gem_close(self.into_handle())
    }

    /// Gives up ownership: the handle stays open until closed by number or with the file.
    pub fn into_handle(self) -> u32 {
        let h = self.handle;
        std::mem::forget(self);
        h
    }
}

impl Drop for Bo<'_> {
    fn drop(&mut self) {
        // Nothing to do with an error here; `close()` reports it.
        let _ = self.dev.gem_close(self.handle);
    }
}
