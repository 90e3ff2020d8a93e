// SPDX-License-Identifier: GPL-2.0

//! Memory-mapped IO.
//!
//! An [`Io`] is a mapped region of device memory of a known size. Accesses are bounds-checked:
//! at compile time when the region's minimum size `SIZE` is a constant and the offset is a
//! constant (`read32`, `write32`, ...: an offset that does not fit fails the build), at run time
//! otherwise (`try_read32`, ...: `EINVAL` for an offset outside the mapping or misaligned). So a
//! driver never reaches outside a BAR, whatever a register definition or a device says.
//!
//! Bus abstractions create the mappings (e.g. `pci::Bar`) and hand out `&Io`.

use crate::{bindings, build_assert, error::code::EINVAL, error::Result, ffi::c_void};

/// The raw description of a mapping: its address and size.
///
/// # Invariants
///
/// `addr` is the start of an MMIO mapping of at least `maxsize` bytes, and `maxsize >= SIZE`.
pub struct IoRaw<const SIZE: usize = 0> {
    addr: usize,
    maxsize: usize,
}

impl<const SIZE: usize> IoRaw<SIZE> {
    /// Describes the mapping at `addr` of `maxsize` bytes; fails if it is smaller than `SIZE`.
    ///
    /// # Safety
    ///
    /// `addr` must be the start of an MMIO mapping of at least `maxsize` bytes that stays valid
    /// for as long as the returned value (and any [`Io`] made from it) is used.
    pub unsafe fn new(addr: usize, maxsize: usize) -> Result<Self> {
        if maxsize < SIZE || addr == 0 {
            return Err(EINVAL);
        }
        // INVARIANT: Guaranteed by the caller and checked above.
        Ok(Self { addr, maxsize })
    }

    /// The start address of the mapping.
    pub fn addr(&self) -> usize {
        self.addr
    }

    /// The size of the mapping in bytes.
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }
}

/// A mapped IO region with bounds-checked accessors.
///
/// `SIZE` is a minimum size known at compile time, used to check constant offsets at compile
/// time; the real size may be larger and is checked at run time by the `try_` accessors.
///
/// # Invariants
///
/// The wrapped [`IoRaw`] describes a valid mapping for the lifetime of the `Io`.
#[repr(transparent)]
pub struct Io<const SIZE: usize = 0>(IoRaw<SIZE>);

macro_rules! io_accessors {
    ($(($read:ident, $try_read:ident, $write:ident, $try_write:ident, $ty:ty,
        $c_read:ident, $c_write:ident)),* $(,)?) => {
        $(
            #[doc = concat!("Reads a `", stringify!($ty), "` at a constant `offset`, checked at compile time.")]
            #[inline]
            pub fn $read(&self, offset: usize) -> $ty {
                build_assert!(Self::offset_valid::<$ty>(offset, SIZE));
                // SAFETY: `offset` is aligned and inside the mapping (checked above, `SIZE` is
                // at most the mapping's size by the type invariant).
                unsafe { bindings::$c_read(self.io_addr(offset)) }
            }

            #[doc = concat!("Reads a `", stringify!($ty), "` at `offset`, checked at run time.")]
            #[inline]
            pub fn $try_read(&self, offset: usize) -> Result<$ty> {
                if !Self::offset_valid::<$ty>(offset, self.0.maxsize) {
                    return Err(EINVAL);
                }
                // SAFETY: `offset` is aligned and inside the mapping (checked above).
                Ok(unsafe { bindings::$c_read(self.io_addr(offset)) })
            }

            #[doc = concat!("Writes a `", stringify!($ty), "` at a constant `offset`, checked at compile time.")]
            #[inline]
            pub fn $write(&self, value: $ty, offset: usize) {
                build_assert!(Self::offset_valid::<$ty>(offset, SIZE));
                // SAFETY: `offset` is aligned and inside the mapping (checked above).
                unsafe { bindings::$c_write(value, self.io_addr(offset)) }
            }

            #[doc = concat!("Writes a `", stringify!($ty), "` at `offset`, checked at run time.")]
            #[inline]
            pub fn $try_write(&self, value: $ty, offset: usize) -> Result {
                if !Self::offset_valid::<$ty>(offset, self.0.maxsize) {
                    return Err(EINVAL);
                }
                // SAFETY: `offset` is aligned and inside the mapping (checked above).
                unsafe { bindings::$c_write(value, self.io_addr(offset)) };
                Ok(())
            }
        )*
    };
}

impl<const SIZE: usize> Io<SIZE> {
    /// Converts a raw mapping description into an `Io`.
    ///
    /// # Safety
    ///
    /// `raw` must describe a valid mapping for as long as the returned reference is used.
    pub unsafe fn from_raw(raw: &IoRaw<SIZE>) -> &Self {
        // SAFETY: `Io` is a transparent wrapper of `IoRaw`; validity is guaranteed by the caller.
        unsafe { &*core::ptr::from_ref(raw).cast::<Self>() }
    }

    /// The size of the mapping in bytes.
    pub fn maxsize(&self) -> usize {
        self.0.maxsize
    }

    /// Whether an access of type `U` at `offset` is aligned and fits in `size` bytes.
    #[inline]
    pub const fn offset_valid<U>(offset: usize, size: usize) -> bool {
        let len = core::mem::size_of::<U>();
        if offset % len != 0 {
            return false;
        }
        match offset.checked_add(len) {
            Some(end) => end <= size,
            None => false,
        }
    }

    fn io_addr(&self, offset: usize) -> *mut c_void {
        // The result is only dereferenced by the accessors after their bounds checks.
        (self.0.addr + offset) as *mut c_void
    }

    fn range_valid(&self, offset: usize, len: usize) -> bool {
        matches!(offset.checked_add(len), Some(end) if end <= self.0.maxsize)
    }

    io_accessors!(
        (read8, try_read8, write8, try_write8, u8, readb, writeb),
        (read16, try_read16, write16, try_write16, u16, readw, writew),
        (read32, try_read32, write32, try_write32, u32, readl, writel),
        (read64, try_read64, write64, try_write64, u64, readq, writeq),
    );

    /// Copies `buf.len()` bytes starting at `offset` out of the region.
    pub fn try_copy_from(&self, offset: usize, buf: &mut [u8]) -> Result {
        if !self.range_valid(offset, buf.len()) {
            return Err(EINVAL);
        }
        // SAFETY: The source range is inside the mapping (checked above) and `buf` is valid for
        // writes of its length.
        unsafe {
            bindings::memcpy_fromio(buf.as_mut_ptr().cast(), self.io_addr(offset), buf.len())
        };
        Ok(())
    }

    /// Copies `buf` into the region starting at `offset`.
    pub fn try_copy_to(&self, offset: usize, buf: &[u8]) -> Result {
        if !self.range_valid(offset, buf.len()) {
            return Err(EINVAL);
        }
        // SAFETY: The destination range is inside the mapping (checked above) and `buf` is valid
        // for reads of its length.
        unsafe { bindings::memcpy_toio(self.io_addr(offset), buf.as_ptr().cast(), buf.len()) };
        Ok(())
    }

    /// Fills `len` bytes starting at `offset` with `value`.
    pub fn try_fill(&self, offset: usize, value: u8, len: usize) -> Result {
        if !self.range_valid(offset, len) {
            return Err(EINVAL);
        }
        // SAFETY: The range is inside the mapping (checked above).
        unsafe { bindings::memset_io(self.io_addr(offset), value.into(), len) };
        Ok(())
    }
}
