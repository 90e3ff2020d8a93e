// SPDX-License-Identifier: MIT OR Apache-2.0

//! CPU mappings of buffer objects.
//!
//! A buffer object's pages are shared: another mapping, another process (through PRIME) or the
//! device may change them at any time. So a [`Mapping`] never hands out `&[u8]` (which promises
//! that the bytes do not change while borrowed); it copies in and out with volatile accesses,
//! which the compiler must perform exactly as written.

use crate::error::{Error, Result};
use rustix::mm::{mmap, munmap, MapFlags, ProtFlags};
use std::os::fd::BorrowedFd;
use std::ptr::NonNull;

/// What a mapping allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `PROT_READ`.
    ReadOnly,
    /// `PROT_READ | PROT_WRITE`.
    ReadWrite,
}

/// A shared mapping of (part of) a buffer object, unmapped on drop.
///
/// The mapping stays valid after the buffer object's handle is closed and after the DRM file is
/// closed: the kernel keeps the object alive while it is mapped.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    access: Access,
}

// SAFETY: the mapping is plain shared memory; every access is a volatile copy, so sharing or
// moving it between threads is no different from sharing it between processes.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` at `offset` with `MAP_SHARED`.
    pub fn new(fd: BorrowedFd<'_>, offset: u64, len: usize, access: Access) -> Result<Self> {
        let prot = match access {
            Access::ReadOnly => ProtFlags::READ,
            Access::ReadWrite => ProtFlags::READ | ProtFlags::WRITE,
        };
        // SAFETY: a new mapping chosen by the kernel; it overlaps nothing we own.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                prot,
                MapFlags::SHARED,
                fd,
                offset,
            )
        }
        .map_err(|e| Error::sys(format!("mmap {len} bytes at offset {offset:#x}"), e))?;
        Ok(Self {
            ptr: NonNull::new(ptr.cast()).expect("mmap returned NULL"),
            len,
            access,
        })
    }

    /// The mapping's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never, for a mapping the kernel accepted).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The mapping's access.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The start address, for callers that hand the mapping to other code.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    fn check(&self, offset: usize, len: usize) {
        let end = offset.checked_add(len).expect("range overflows");
        assert!(
            end <= self.len,
            "range {offset}..{end} outside a mapping of {}",
            self.len
        );
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`. Panics if out of range.
    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        self.check(offset, buf.len());
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: in range (checked) of a live readable mapping.
            *b = unsafe { self.ptr.as_ptr().add(offset + i).read_volatile() };
        }
    }

    /// Copies `data` to `offset`. Panics if out of range or if the mapping is read-only.
    pub fn write(&self, offset: usize, data: &[u8]) {
        assert_eq!(
            self.access,
            Access::ReadWrite,
            "write to a read-only mapping"
        );
        self.check(offset, data.len());
        for (i, b) in data.iter().enumerate() {
            // SAFETY: in range (checked) of a live writable mapping (checked).
            unsafe { self.ptr.as_ptr().add(offset + i).write_volatile(*b) };
        }
    }

    /// Fills the whole mapping with `f(offset)` for each 8-byte word (the last word may be
    /// partial). Word-sized so that large objects fill at a useful speed.
    pub fn fill_with(&self, mut f: impl FnMut(usize) -> u64) {
        assert_eq!(
            self.access,
            Access::ReadWrite,
            "write to a read-only mapping"
        );
        let mut off = 0;
        while off < self.len {
            let word = f(off).to_le_bytes();
            let n = (self.len - off).min(8);
            if n == 8 {
                // SAFETY: page-aligned mapping, `off` is a multiple of 8 and in range.
                unsafe {
                    self.ptr
                        .as_ptr()
                        .add(off)
                        .cast::<u64>()
                        .write_volatile(u64::from_le_bytes(word))
                };
            } else {
                self.write(off, &word[..n]);
            }
            off += 8;
        }
    }

    /// Checks the whole mapping against `f(offset)` per 8-byte word; returns the offset of the
    /// first word that differs.
    pub fn find_mismatch(&self, mut f: impl FnMut(usize) -> u64) -> Option<usize> {
        let mut off = 0;
        while off < self.len {
            let want = f(off).to_le_bytes();
            let n = (self.len - off).min(8);
            let mut got = [0u8; 8];
            if n == 8 {
                // SAFETY: page-aligned mapping, `off` is a multiple of 8 and in range.
                let w = unsafe { self.ptr.as_ptr().add(off).cast::<u64>().read_volatile() };
                got = w.to_le_bytes();
            } else {
                self.read(off, &mut got[..n]);
            }
            if got[..n] != want[..n] {
                return Some(off);
            }
            off += 8;
        }
        None
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: we own the mapping; nothing refers to it once we are dropped.
        let _ = unsafe { munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// A memfd stands in for a DRM file: the mapping code is the same.
    fn memfd(len: usize) -> std::fs::File {
        let fd = rustix::fs::memfd_create(c"novax-test", rustix::fs::MemfdFlags::CLOEXEC);
        let f = std::fs::File::from(fd.unwrap());
        f.set_len(len as u64).unwrap();
        f
    }

    #[test]
    fn two_mappings_see_each_other() {
        let f = memfd(8192 + 4);
        let a = Mapping::new(f.as_fd(), 0, 8192 + 4, Access::ReadWrite).unwrap();
        let b = Mapping::new(f.as_fd(), 0, 8192 + 4, Access::ReadOnly).unwrap();
        a.fill_with(|off| off as u64 ^ 0x5a5a);
        assert_eq!(b.find_mismatch(|off| off as u64 ^ 0x5a5a), None);
        a.write(100, b"novax");
        let mut buf = [0u8; 5];
        b.read(100, &mut buf);
        assert_eq!(&buf, b"novax");
        assert_eq!(b.find_mismatch(|off| off as u64), Some(0));
    }

    #[test]
    #[should_panic(expected = "read-only")]
    fn write_to_read_only_panics() {
        let f = memfd(4096);
        let m = Mapping::new(f.as_fd(), 0, 4096, Access::ReadOnly).unwrap();
        m.write(0, b"x");
    }

    #[test]
    #[should_panic(expected = "outside a mapping")]
    fn out_of_range_panics() {
        let f = memfd(4096);
        let m = Mapping::new(f.as_fd(), 0, 4096, Access::ReadWrite).unwrap();
        m.write(4095, b"xy");
    }

    #[test]
    fn bad_offset_is_an_error() {
        let f = memfd(4096);
        let e = Mapping::new(f.as_fd(), 1, 4096, Access::ReadOnly).unwrap_err();
        assert_eq!(
            e.raw_os_error(),
            Some(rustix::io::Errno::INVAL.raw_os_error())
        );
        assert!(
            e.to_string().starts_with("mmap 4096 bytes at offset 0x1: "),
            "{e}"
        );
    }
}
