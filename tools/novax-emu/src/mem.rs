// SPDX-License-Identifier: MIT OR Apache-2.0

//! The memory the GPU model works on, as a trait.
//!
//! The GPU model (`gsp`, `queue`, `control`) never touches the shared mapping directly: it goes
//! through [`Mem`]. The real implementation ([`crate::shm::Shm`]) uses atomic accesses because the
//! guest writes the same memory concurrently; [`VecMem`] is a plain buffer so that the queue
//! format and the firmware behaviour can be unit-tested without a mapping, a socket or a guest.
//!
//! Offsets passed to a [`Mem`] are computed by the emulator from validated values, never taken
//! from the guest as is. An out-of-range access is therefore a bug of the emulator: it reads as
//! all-ones (like a PCI read that nobody answers) and writes are dropped, with a debug assertion
//! so that the unit tests catch it.

/// Byte-addressed memory with 32/64-bit little-endian word access.
///
/// Word loads have acquire and word stores release semantics in the shared-memory
/// implementation, so storing a write pointer after the data it covers publishes that data, and
/// loading a pointer before reading the data it covers sees that data.
pub trait Mem {
    /// Size in bytes.
    fn size(&self) -> usize;
    /// Loads the u32 at `off` (4-byte aligned).
    fn load_u32(&self, off: usize) -> u32;
    /// Stores `val` at `off` (4-byte aligned).
    fn store_u32(&mut self, off: usize, val: u32);
    /// Sets `bits` in the u32 at `off` atomically (the guest may clear bits concurrently).
    fn or_u32(&mut self, off: usize, bits: u32);
    /// Loads the u64 at `off` (8-byte aligned).
    fn load_u64(&self, off: usize) -> u64;
    /// Stores `val` at `off` (8-byte aligned).
    fn store_u64(&mut self, off: usize, val: u64);
    /// Copies `buf.len()` bytes starting at `off` into `buf`.
    fn read(&self, off: usize, buf: &mut [u8]);
    /// Copies `data` to `off`.
    fn write(&mut self, off: usize, data: &[u8]);
    /// Sets `len` bytes starting at `off` to `byte`.
    fn fill(&mut self, off: usize, len: usize, byte: u8);
}

/// A boxed memory is a memory: the GPU model holds the guest's RAM as `Box<dyn Mem>`, a
/// shared mapping in the emulator and a vector in tests.
impl<T: Mem + ?Sized> Mem for Box<T> {
    fn size(&self) -> usize {
        (**self).size()
    }
    fn load_u32(&self, off: usize) -> u32 {
        (**self).load_u32(off)
    }
    fn store_u32(&mut self, off: usize, val: u32) {
        (**self).store_u32(off, val)
    }
    fn or_u32(&mut self, off: usize, bits: u32) {
        (**self).or_u32(off, bits)
    }
    fn load_u64(&self, off: usize) -> u64 {
        (**self).load_u64(off)
    }
    fn store_u64(&mut self, off: usize, val: u64) {
        (**self).store_u64(off, val)
    }
    fn read(&self, off: usize, buf: &mut [u8]) {
        (**self).read(off, buf)
    }
    fn write(&mut self, off: usize, data: &[u8]) {
        (**self).write(off, data)
    }
    fn fill(&mut self, off: usize, len: usize, byte: u8) {
        (**self).fill(off, len, byte)
    }
}

/// Whether `off..off + len` lies within `size` bytes.
pub fn in_bounds(size: usize, off: usize, len: usize) -> bool {
    off.checked_add(len).is_some_and(|end| end <= size)
}

/// A [`Mem`] in an ordinary vector, for tests.
#[derive(Clone, Debug)]
pub struct VecMem(pub Vec<u8>);

impl VecMem {
    /// A zeroed memory of `size` bytes.
    pub fn new(size: usize) -> Self {
        Self(vec![0; size])
    }

    fn check(&self, off: usize, len: usize) -> bool {
        let ok = in_bounds(self.0.len(), off, len);
        debug_assert!(ok, "access {off:#x}+{len} outside {:#x}", self.0.len());
        ok
    }
}

impl Mem for VecMem {
    fn size(&self) -> usize {
        self.0.len()
    }

    fn load_u32(&self, off: usize) -> u32 {
        let mut b = [0xff; 4];
        self.read(off, &mut b);
        u32::from_le_bytes(b)
    }

    fn store_u32(&mut self, off: usize, val: u32) {
        self.write(off, &val.to_le_bytes());
    }

    fn or_u32(&mut self, off: usize, bits: u32) {
        let v = self.load_u32(off);
        self.store_u32(off, v | bits);
    }

    fn load_u64(&self, off: usize) -> u64 {
        let mut b = [0xff; 8];
        self.read(off, &mut b);
        u64::from_le_bytes(b)
    }

    fn store_u64(&mut self, off: usize, val: u64) {
        self.write(off, &val.to_le_bytes());
    }

    fn read(&self, off: usize, buf: &mut [u8]) {
        if self.check(off, buf.len()) {
            buf.copy_from_slice(&self.0[off..off + buf.len()]);
        } else {
            buf.fill(0xff);
        }
    }

    fn write(&mut self, off: usize, data: &[u8]) {
        if self.check(off, data.len()) {
            self.0[off..off + data.len()].copy_from_slice(data);
        }
    }

    fn fill(&mut self, off: usize, len: usize, byte: u8) {
        if self.check(off, len) {
            self.0[off..off + len].fill(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_little_endian() {
        let mut m = VecMem::new(16);
        m.store_u32(4, 0x1122_3344);
        assert_eq!(&m.0[4..8], &[0x44, 0x33, 0x22, 0x11]);
        m.store_u64(8, 0x0102_0304_0506_0708);
        assert_eq!(m.load_u64(8), 0x0102_0304_0506_0708);
        assert_eq!(m.0[8], 0x08);
        m.or_u32(4, 0x8000_0000);
        assert_eq!(m.load_u32(4), 0x9122_3344);
    }

    #[test]
    fn bounds() {
        assert!(in_bounds(16, 12, 4));
        assert!(!in_bounds(16, 13, 4));
        assert!(!in_bounds(16, usize::MAX, 2));
        assert!(in_bounds(16, 16, 0));
    }
}
