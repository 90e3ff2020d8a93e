// SPDX-License-Identifier: MIT OR Apache-2.0

//! The guest's RAM as the GPU sees it: guest-physical addresses (GPAs) mapped onto the file
//! that backs QEMU's RAM.
//!
//! A real GPU reaches system memory by bus address; on QEMU's `pc` machine without a vIOMMU a
//! bus address is a GPA. QEMU puts the RAM backend's first `below_4g` bytes at GPA 0 and the
//! rest at 4 GiB (`hw/i386/pc.c`, `pc_memory_init`; `below_4g` is all of the RAM if there is
//! less than 3.5 GiB, else 3 GiB, `hw/i386/pc_piix.c`), leaving the hole below 4 GiB to PCI.
//!
//! Every GPA comes from the guest (page tables, push buffers, test commands), so every access
//! is checked against that map here, with the length, before the memory is touched: an access
//! outside RAM, or one that crosses from RAM into the hole, is a [`GpaFault`], never an access
//! elsewhere in the file. The memory itself is a [`Mem`], atomic in the real emulator (the guest
//! writes the same pages concurrently) and a vector in tests.

use crate::mem::Mem;

/// 4 GiB, where the RAM above the PCI hole starts.
const FOUR_GIB: u64 = 1 << 32;
/// RAM of 3.5 GiB or more is split at 3 GiB (QEMU `pc`, gigabyte-aligned), less is all below.
const SPLIT_THRESHOLD: u64 = 0xe000_0000;
const SPLIT_LARGE: u64 = 0xc000_0000;

/// An access the GPU cannot make: the range is not entirely guest RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpaFault {
    /// The first GPA of the access.
    pub gpa: u64,
    /// Its length.
    pub len: usize,
}

/// The guest's RAM.
pub struct GuestRam<M: Mem> {
    mem: M,
    below_4g: u64,
}

impl<M: Mem> GuestRam<M> {
    /// The RAM of a QEMU `pc` machine whose whole RAM is `mem`.
    pub fn pc(mem: M) -> Self {
        let size = mem.size() as u64;
        let below_4g = if size >= SPLIT_THRESHOLD {
            SPLIT_LARGE
        } else {
            size
        };
        Self { mem, below_4g }
    }

    /// RAM size in bytes.
    pub fn size(&self) -> u64 {
        self.mem.size() as u64
    }

    /// The bytes below the PCI hole (at GPA 0); the rest is at 4 GiB.
    pub fn below_4g(&self) -> u64 {
        self.below_4g
    }

    /// The file offset of `gpa..gpa + len`, if that range is entirely RAM of one region.
    pub fn offset(&self, gpa: u64, len: usize) -> Option<usize> {
        let len64 = u64::try_from(len).ok()?;
        let end = gpa.checked_add(len64)?;
        let off = if end <= self.below_4g {
            gpa
        } else if gpa >= FOUR_GIB && end - FOUR_GIB <= self.size() - self.below_4g {
            gpa - FOUR_GIB + self.below_4g
        } else {
            return None;
        };
        usize::try_from(off).ok()
    }

    fn check(&self, gpa: u64, len: usize, align: u64) -> Result<usize, GpaFault> {
        match self.offset(gpa, len) {
            Some(off) if gpa.is_multiple_of(align) => Ok(off),
            _ => Err(GpaFault { gpa, len }),
        }
    }

    /// Copies `buf.len()` bytes from `gpa`.
    pub fn read(&self, gpa: u64, buf: &mut [u8]) -> Result<(), GpaFault> {
        let off = self.check(gpa, buf.len(), 1)?;
        self.mem.read(off, buf);
        Ok(())
    }

    /// Copies `data` to `gpa`.
    pub fn write(&mut self, gpa: u64, data: &[u8]) -> Result<(), GpaFault> {
        let off = self.check(gpa, data.len(), 1)?;
        self.mem.write(off, data);
        Ok(())
    }

    /// The little-endian u64 at `gpa` (8-byte aligned, as page-table entries are).
    pub fn load_u64(&self, gpa: u64) -> Result<u64, GpaFault> {
        let off = self.check(gpa, 8, 8)?;
        Ok(self.mem.load_u64(off))
    }

    /// Stores `val` at `gpa` (8-byte aligned).
    pub fn store_u64(&mut self, gpa: u64, val: u64) -> Result<(), GpaFault> {
        let off = self.check(gpa, 8, 8)?;
        self.mem.store_u64(off, val);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;

    /// A memory that reports `size` bytes but holds none: for the address arithmetic of RAM
    /// sizes no test should allocate. Any access would be a bug of the test.
    struct Hollow(usize);

    impl Mem for Hollow {
        fn size(&self) -> usize {
            self.0
        }
        fn load_u32(&self, _: usize) -> u32 {
            unreachable!()
        }
        fn store_u32(&mut self, _: usize, _: u32) {
            unreachable!()
        }
        fn or_u32(&mut self, _: usize, _: u32) {
            unreachable!()
        }
        fn load_u64(&self, _: usize) -> u64 {
            unreachable!()
        }
        fn store_u64(&mut self, _: usize, _: u64) {
            unreachable!()
        }
        fn read(&self, _: usize, _: &mut [u8]) {
            unreachable!()
        }
        fn write(&mut self, _: usize, _: &[u8]) {
            unreachable!()
        }
        fn fill(&mut self, _: usize, _: usize, _: u8) {
            unreachable!()
        }
    }

    #[test]
    fn small_ram_is_all_below_4g() {
        let r = GuestRam::pc(Hollow(2 << 30));
        assert_eq!(r.below_4g(), 2 << 30);
        assert_eq!(r.offset(0, 4096), Some(0));
        assert_eq!(r.offset((2 << 30) - 8, 8), Some((2 << 30) - 8));
        // The last byte, one past it, and a range that runs past the end.
        assert_eq!(r.offset((2 << 30) - 1, 1), Some((2 << 30) - 1));
        assert_eq!(r.offset(2 << 30, 1), None);
        assert_eq!(r.offset((2 << 30) - 4, 8), None);
        // Nothing at 4 GiB: there is no RAM above.
        assert_eq!(r.offset(FOUR_GIB, 1), None);
    }

    #[test]
    fn large_ram_is_split_at_3_gib() {
        let r = GuestRam::pc(Hollow(6 << 30));
        assert_eq!(r.below_4g(), 3 << 30);
        assert_eq!(r.offset((3 << 30) - 4096, 4096), Some((3 << 30) - 4096));
        // The PCI hole, and a range from RAM into it.
        assert_eq!(r.offset(3 << 30, 1), None);
        assert_eq!(r.offset((3 << 30) - 4, 8), None);
        assert_eq!(r.offset(FOUR_GIB - 1, 1), None);
        // Above 4 GiB: file offset 3 GiB onwards, up to the end of the 6 GiB.
        assert_eq!(r.offset(FOUR_GIB, 8), Some(3 << 30));
        assert_eq!(r.offset(FOUR_GIB + (3 << 30) - 1, 1), Some((6 << 30) - 1));
        assert_eq!(r.offset(FOUR_GIB + (3 << 30), 1), None);
        // 3.5 GiB exactly is split; just under it is not.
        assert_eq!(GuestRam::pc(Hollow(0xe000_0000)).below_4g(), 3 << 30);
        assert_eq!(GuestRam::pc(Hollow(0xdfff_f000)).below_4g(), 0xdfff_f000);
    }

    #[test]
    fn wrapping_and_huge_lengths_fault() {
        let r = GuestRam::pc(Hollow(1 << 30));
        assert_eq!(r.offset(u64::MAX - 3, 8), None);
        assert_eq!(r.offset(0, usize::MAX), None);
        assert_eq!(r.offset(u64::MAX, 0), None);
    }

    #[test]
    fn accesses_reach_the_right_bytes_and_faults_touch_nothing() {
        let mut r = GuestRam::pc(VecMem::new(1 << 16));
        r.write(0x1000, b"novax").unwrap();
        let mut b = [0; 5];
        r.read(0x1000, &mut b).unwrap();
        assert_eq!(&b, b"novax");
        r.store_u64(0x2008, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(r.load_u64(0x2008), Ok(0x1122_3344_5566_7788));
        assert_eq!(r.mem.0[0x2008], 0x88);
        let before = r.mem.0.clone();
        assert_eq!(
            r.write(0xfffe, b"abc"),
            Err(GpaFault {
                gpa: 0xfffe,
                len: 3
            })
        );
        assert!(r.load_u64(0x2004).is_err(), "misaligned");
        assert!(r.store_u64(1 << 16, 1).is_err());
        assert_eq!(r.mem.0, before);
    }
}
