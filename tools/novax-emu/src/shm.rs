// SPDX-License-Identifier: MIT OR Apache-2.0

//! The shared memory region (BAR2): a memfd mapped shared, with bounds-checked atomic
//! accessors.
//!
//! The guest writes this memory while the emulator reads it, so plain Rust loads and stores
//! would be data races. Every access goes through an atomic of the access's width instead:
//! words with acquire loads and release stores (the ring protocol's pointer handshakes rely on
//! that ordering), bytes of message bodies with relaxed atomics (their ordering comes from the
//! pointer that covers them). On x86 these compile to ordinary moves.

use crate::mapping::Mapping;
use crate::mem::{in_bounds, Mem};
use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

/// The shared memory: the memfd (sent to clients) and our mapping of it.
pub struct Shm {
    map: Mapping,
    fd: OwnedFd,
}

impl Shm {
    /// A zeroed shared memory of `size` bytes.
    pub fn new(size: usize) -> io::Result<Self> {
        let fd = memfd_create(c"novax-emu", MemfdFlags::CLOEXEC)?;
        ftruncate(&fd, size as u64)?;
        let map = Mapping::shared(fd.as_fd(), size)?;
        Ok(Self { map, fd })
    }

    /// Maps all of an existing file shared, e.g. the file behind QEMU's RAM
    /// (`memory-backend-file,share=on`): what either side writes the other sees.
    pub fn open_file(path: &std::path::Path) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("file too large to map"))?;
        if len == 0 {
            return Err(io::Error::other(format!("{} is empty", path.display())));
        }
        let fd = OwnedFd::from(file);
        let map = Mapping::shared(fd.as_fd(), len)?;
        Ok(Self { map, fd })
    }

    /// The memfd, to pass to clients.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn check(&self, off: usize, len: usize, align: usize) -> bool {
        let ok = in_bounds(self.map.len(), off, len) && off.is_multiple_of(align);
        debug_assert!(ok, "shm access {off:#x}+{len} out of bounds or misaligned");
        ok
    }

    fn u8_at(&self, off: usize) -> &AtomicU8 {
        // SAFETY: callers checked `off` is within the mapping, which lives as long as `self`.
        // The memory is only ever accessed atomically by this process.
        unsafe { AtomicU8::from_ptr(self.map.as_ptr().add(off)) }
    }

    fn u32_at(&self, off: usize) -> &AtomicU32 {
        // SAFETY: as for `u8_at`, and callers checked 4-byte alignment (the mapping is
        // page-aligned).
        unsafe { AtomicU32::from_ptr(self.map.as_ptr().add(off).cast()) }
    }

    fn u64_at(&self, off: usize) -> &AtomicU64 {
        // SAFETY: as for `u8_at`, and callers checked 8-byte alignment.
        unsafe { AtomicU64::from_ptr(self.map.as_ptr().add(off).cast()) }
    }
}

impl Mem for Shm {
    fn size(&self) -> usize {
        self.map.len()
    }

    fn load_u32(&self, off: usize) -> u32 {
        if !self.check(off, 4, 4) {
            return u32::MAX;
        }
        self.u32_at(off).load(Ordering::Acquire)
    }

    fn store_u32(&mut self, off: usize, val: u32) {
        if self.check(off, 4, 4) {
            self.u32_at(off).store(val, Ordering::Release);
        }
    }

    fn or_u32(&mut self, off: usize, bits: u32) {
        if self.check(off, 4, 4) {
            self.u32_at(off).fetch_or(bits, Ordering::AcqRel);
        }
    }

    fn load_u64(&self, off: usize) -> u64 {
        if !self.check(off, 8, 8) {
            return u64::MAX;
        }
        self.u64_at(off).load(Ordering::Acquire)
    }

    fn store_u64(&mut self, off: usize, val: u64) {
        if self.check(off, 8, 8) {
            self.u64_at(off).store(val, Ordering::Release);
        }
    }

    fn read(&self, off: usize, buf: &mut [u8]) {
        if !self.check(off, buf.len(), 1) {
            buf.fill(0xff);
            return;
        }
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.u8_at(off + i).load(Ordering::Relaxed);
        }
    }

    fn write(&mut self, off: usize, data: &[u8]) {
        if self.check(off, data.len(), 1) {
            for (i, &b) in data.iter().enumerate() {
                self.u8_at(off + i).store(b, Ordering::Relaxed);
            }
        }
    }

    fn fill(&mut self, off: usize, len: usize, byte: u8) {
        if !self.check(off, len, 1) {
            return;
        }
        if off.is_multiple_of(8) && len.is_multiple_of(8) {
            // Word at a time: resetting the whole 4 MiB region stays cheap.
            let word = u64::from_ne_bytes([byte; 8]);
            for i in (0..len).step_by(8) {
                self.u64_at(off + i).store(word, Ordering::Relaxed);
            }
        } else {
            for i in 0..len {
                self.u8_at(off + i).store(byte, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_see_each_other_through_a_second_mapping() {
        let mut shm = Shm::new(1 << 16).unwrap();
        let other = Mapping::shared(shm.fd(), 1 << 16).unwrap();
        shm.store_u32(0x100, 0xdead_beef);
        shm.store_u64(0x108, 0x0102_0304_0506_0708);
        shm.write(0x200, b"hello");
        // SAFETY: within the 64 KiB mapping; nothing else runs.
        unsafe {
            assert_eq!(
                other.as_ptr().add(0x100).cast::<u32>().read_volatile(),
                0xdead_beef
            );
            assert_eq!(other.as_ptr().add(0x108).read_volatile(), 0x08);
            assert_eq!(other.as_ptr().add(0x204).read_volatile(), b'o');
            other.as_ptr().add(0x300).cast::<u32>().write_volatile(77);
        }
        assert_eq!(shm.load_u32(0x300), 77);
        let mut b = [0u8; 5];
        shm.read(0x200, &mut b);
        assert_eq!(&b, b"hello");
        shm.or_u32(0x300, 0x100);
        assert_eq!(shm.load_u32(0x300), 0x14d);
        shm.fill(0x200, 5, 0);
        shm.read(0x200, &mut b);
        assert_eq!(b, [0; 5]);
        assert_eq!(shm.size(), 1 << 16);
        assert_eq!(rustix::fs::fstat(shm.fd()).unwrap().st_size, 1 << 16);
    }
}
