// SPDX-License-Identifier: MIT OR Apache-2.0

//! A shared, readable and writable mapping of a file, unmapped on drop.
//!
//! rustix makes the calls; this type only ties the mapping's lifetime to a Rust value, so that
//! the raw pointer it hands out is valid for as long as the value lives.

use rustix::mm::{mmap, munmap, MapFlags, ProtFlags};
use std::io;
use std::os::fd::BorrowedFd;
use std::ptr::NonNull;

/// A `MAP_SHARED` read-write mapping.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    /// Maps the first `len` bytes of `fd` shared.
    pub fn shared(fd: BorrowedFd<'_>, len: usize) -> io::Result<Self> {
        let flags = ProtFlags::READ | ProtFlags::WRITE;
        // SAFETY: a new mapping at an address the kernel chooses; it aliases no Rust object.
        let p = unsafe { mmap(std::ptr::null_mut(), len, flags, MapFlags::SHARED, fd, 0)? };
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap gave NULL"))?;
        Ok(Self { ptr, len })
    }

    /// The start of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Its length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned; nothing refers to it any more.
        let _ = unsafe { munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
