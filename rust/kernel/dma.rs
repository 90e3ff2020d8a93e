// SPDX-License-Identifier: GPL-2.0

//! Direct memory access: a device's DMA mask, coherent allocations, and the DMA segments of a
//! mapped scatter-gather table.
//!
//! C header: [`include/linux/dma-mapping.h`](srctree/include/linux/dma-mapping.h)
//!
//! A device reaches memory at *bus addresses* (`dma_addr_t`), which the DMA layer hands out and
//! which are not CPU physical addresses in general (an IOMMU may sit between). Coherent
//! allocations are memory both the CPU and the device see without cache maintenance, the kind
//! GPU page tables and rings need. The shape follows upstream Rust-for-Linux's `kernel::dma`
//! (`CoherentAllocation`, `DmaMask`), written for Linux 6.12.

use crate::{
    alloc::Flags,
    bindings,
    device::{Bound, Device},
    error::{code::*, to_result, Result},
    transmute::{AsBytes, FromBytes},
    types::ARef,
};
use core::{marker::PhantomData, ptr::NonNull};

/// A DMA mask: the device can address `0..2^bits`.
///
/// # Invariants
///
/// `bits` is in `1..=64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaMask {
    bits: u32,
}

impl DmaMask {
    /// A mask of `bits` address bits (`DMA_BIT_MASK(bits)`); `EINVAL` unless in `1..=64`.
    pub const fn try_new(bits: u32) -> Result<Self> {
        if bits == 0 || bits > 64 {
            return Err(EINVAL);
        }
        // INVARIANT: Checked just above.
        Ok(Self { bits })
    }

    /// The mask's value.
    pub const fn value(self) -> u64 {
        if self.bits == 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        }
    }
}

/// Sets the streaming and the coherent DMA mask of `dev` (`dma_set_mask_and_coherent()`).
///
/// Fails with `EIO` if the platform cannot address that much for the device.
pub fn set_mask_and_coherent(dev: &Device<Bound>, mask: DmaMask) -> Result {
    // SAFETY: `dev` is a valid, bound device; its driver owns its DMA configuration.
    to_result(unsafe { bindings::dma_set_mask_and_coherent(dev.as_raw(), mask.value()) })
}

/// `count` elements of `T` in coherent memory of a device, zeroed, at a bus address.
///
/// The device may read and write the memory at any time, so the CPU side reaches it only by
/// volatile reads and writes of whole elements ([`Self::read`], [`Self::write`]), never by
/// references. Dropping the allocation frees it: the driver must have stopped the device from
/// using it first, and must drop it before its device is unbound (keep it under the driver's
/// `Devres`-managed state, as the DMA API requires).
///
/// # Invariants
///
/// `cpu_addr` is the kernel address of `count * size_of::<T>()` bytes that
/// `dma_alloc_attrs()` returned for `dev` with the bus address `dma_handle`; `count > 0`.
pub struct CoherentAllocation<T: AsBytes + FromBytes> {
    dev: ARef<Device>,
    dma_handle: bindings::dma_addr_t,
    count: usize,
    cpu_addr: NonNull<T>,
    _t: PhantomData<T>,
}

impl<T: AsBytes + FromBytes> CoherentAllocation<T> {
    /// Allocates `count` zeroed elements for `dev` (`dma_alloc_coherent()`); `EINVAL` for a
    /// `count` of zero or one whose size overflows, `ENOMEM` if the memory is not there.
    pub fn alloc_coherent(dev: &Device<Bound>, count: usize, gfp: Flags) -> Result<Self> {
        // SAFETY: `dev` is bound (its context says so); the documented requirement to drop
        // the allocation before the unbind is the caller's.
        unsafe { Self::alloc_coherent_on(dev, count, gfp) }
    }

    /// As [`Self::alloc_coherent`], for a device the caller knows to be bound without a
    /// `Device<Bound>` at hand (e.g. an object the driver drops in its unbind path).
    ///
    /// # Safety
    ///
    /// A driver is bound to `dev` during the call.
    pub unsafe fn alloc_coherent_on(dev: &Device, count: usize, gfp: Flags) -> Result<Self> {
        let size = core::mem::size_of::<T>()
            .checked_mul(count)
            .filter(|&s| s > 0)
            .ok_or(EINVAL)?;
        let mut dma_handle: bindings::dma_addr_t = 0;
        // SAFETY: `dev` is a valid device, bound (the caller guarantees it); `dma_handle` is a
        // valid place for the bus address. `dma_alloc_attrs()` zeroes the memory.
        let cpu = unsafe {
            bindings::dma_alloc_attrs(dev.as_raw(), size, &mut dma_handle, gfp.as_raw(), 0)
        };
        let cpu_addr = NonNull::new(cpu.cast::<T>()).ok_or(ENOMEM)?;
        // INVARIANT: Just allocated, `count` elements for `dev` at `dma_handle`.
        Ok(Self {
            dev: dev.into(),
            dma_handle,
            count,
            cpu_addr,
            _t: PhantomData,
        })
    }

    /// The bus address of the first element.
    pub fn dma_handle(&self) -> u64 {
        self.dma_handle
    }

    /// The number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Reads element `index`; `None` beyond the allocation.
    pub fn read(&self, index: usize) -> Option<T> {
        if index >= self.count {
            return None;
        }
        // SAFETY: `index < count`, so the element is within the allocation (type invariant);
        // any bit pattern is a valid `T` (`FromBytes`). The device may write it concurrently,
        // hence a volatile read.
        Some(unsafe { self.cpu_addr.as_ptr().add(index).read_volatile() })
    }

    /// Writes element `index`; `EINVAL` beyond the allocation.
    pub fn write(&self, index: usize, value: T) -> Result {
        if index >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: `index < count`, so the element is within the allocation (type invariant).
        // No reference to the memory exists (only volatile accesses are made), so writing
        // through `&self` aliases nothing.
        unsafe { self.cpu_addr.as_ptr().add(index).write_volatile(value) };
        Ok(())
    }
}

impl<T: AsBytes + FromBytes> Drop for CoherentAllocation<T> {
    fn drop(&mut self) {
        let size = self.count * core::mem::size_of::<T>();
        // SAFETY: By the type invariant the memory was allocated for `dev` with this size and
        // bus address, and it is freed once, here.
        unsafe {
            bindings::dma_free_attrs(
                self.dev.as_raw(),
                size,
                self.cpu_addr.as_ptr().cast(),
                self.dma_handle,
                0,
            )
        };
    }
}

// SAFETY: The allocation is plain memory owned by this value, reached only by volatile element
// accesses; `T` is plain data (`AsBytes + FromBytes`).
unsafe impl<T: AsBytes + FromBytes + Send> Send for CoherentAllocation<T> {}

// SAFETY: Shared access only makes whole-element volatile reads and writes, which the device
// makes as well; callers order them with their own locks.
unsafe impl<T: AsBytes + FromBytes + Sync> Sync for CoherentAllocation<T> {}

/// One contiguous DMA segment of a mapped scatter-gather table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Its bus address.
    pub addr: u64,
    /// Its length in bytes.
    pub len: u64,
}

/// The DMA segments of a scatter-gather table mapped for a device.
///
/// # Invariants
///
/// `sg` is NULL or an entry among the first `left` mapped entries of a table that stays mapped
/// for `'a`.
pub struct Segments<'a> {
    sg: *mut bindings::scatterlist,
    left: u32,
    _table: PhantomData<&'a bindings::sg_table>,
}

impl<'a> Segments<'a> {
    /// The mapped segments of `sgt`.
    ///
    /// # Safety
    ///
    /// `sgt` is a valid table mapped for DMA (`dma_map_sgtable()`) that stays valid and mapped
    /// for `'a`.
    pub unsafe fn new(sgt: *const bindings::sg_table) -> Self {
        // SAFETY: The caller guarantees that `sgt` is valid.
        let (sg, left) = unsafe { ((*sgt).sgl, (*sgt).nents) };
        // INVARIANT: The first `nents` entries are the mapped ones.
        Self {
            sg: if left == 0 { core::ptr::null_mut() } else { sg },
            left,
            _table: PhantomData,
        }
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        if self.sg.is_null() || self.left == 0 {
            return None;
        }
        // SAFETY: By the type invariant `sg` is a mapped entry of a live table.
        let seg = unsafe {
            Segment {
                addr: bindings::sg_dma_address(self.sg),
                len: bindings::sg_dma_len(self.sg).into(),
            }
        };
        self.left -= 1;
        // INVARIANT: `sg_next()` moves to the next entry (NULL after the last one), and
        // `left` counts the mapped entries from there.
        self.sg = if self.left == 0 {
            core::ptr::null_mut()
        } else {
            // SAFETY: `sg` is a valid entry of the table.
            unsafe { bindings::sg_next(self.sg) }
        };
        Some(seg)
    }
}
