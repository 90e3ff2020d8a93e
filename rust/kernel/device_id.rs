// SPDX-License-Identifier: GPL-2.0

//! Device ID tables, generic over the bus.
//!
//! Every bus matches drivers to devices with a table of C ID structs (`pci_device_id`,
//! `auxiliary_device_id`, ...) that ends with an all-zero entry, and hands the matched entry back
//! to the driver's `probe`. Each of these structs has a `driver_data` field that the bus leaves
//! to the driver. [`IdArray`] is such a table, built at compile time, whose entries carry their
//! own index in `driver_data`, so that `probe` finds the driver's information for the entry (any
//! `'static` type, instead of a pointer cast to an integer) with [`IdTable::info`]. The index is
//! also what `new_id` in sysfs accepts as `driver_data` for a dynamic ID. Bus abstractions
//! describe their ID type ([`RawDeviceId`]) and set the indices; the table layout, its
//! terminating entry and the lookup are written once, here.

use crate::bindings;
use core::mem::MaybeUninit;

/// The ID type of a bus: a wrapper of the bus's C ID struct.
///
/// # Safety
///
/// Implementers must be `#[repr(transparent)]` wrappers of [`RawDeviceId::RawType`], a C device ID
/// struct for which:
/// - the all-zero value is valid and ends an ID table of the bus;
/// - there is a `kernel_ulong_t` field at [`RawDeviceId::DRIVER_DATA_OFFSET`] that the bus does
///   not use for matching and hands back unchanged in the matched entry.
pub unsafe trait RawDeviceId: Copy + 'static {
    /// The C ID struct, e.g. `struct pci_device_id`.
    type RawType: Copy + 'static;

    /// The offset of `driver_data` in [`RawDeviceId::RawType`].
    const DRIVER_DATA_OFFSET: usize;
}

/// An ID table of `N` entries of bus ID type `T`, each with driver information of type `U`,
/// followed by the all-zero entry that ends it.
///
/// # Invariants
///
/// The `driver_data` of entry `i` of `ids` is `i`; `sentinel` is all zeroes.
#[repr(C)]
pub struct IdArray<T: RawDeviceId, U: 'static, const N: usize> {
    ids: [T::RawType; N],
    sentinel: MaybeUninit<T::RawType>,
    info: [U; N],
}

impl<T: RawDeviceId, U: 'static, const N: usize> IdArray<T, U, N> {
    /// Builds a table from `ids`, whose entry `i` has `i` as its `driver_data`, and their
    /// information `info` (same order).
    ///
    /// Buses wrap this in a `new` that takes their ID type and sets the indices: writing a field
    /// through a generic offset needs mutable references in `const fn`, which the kernel's
    /// minimum Rust version does not have.
    ///
    /// # Safety
    ///
    /// The `driver_data` of `ids[i]` must be `i`, for every `i`.
    pub const unsafe fn from_indexed(ids: [T::RawType; N], info: [U; N]) -> Self {
        // INVARIANT: The caller guarantees the indices; the sentinel is zeroed.
        Self {
            ids,
            sentinel: MaybeUninit::zeroed(),
            info,
        }
    }

    /// The length-independent reference to the table that drivers put in their `ID_TABLE`.
    pub const fn as_ref(&'static self) -> IdTable<T, U> {
        // INVARIANT: `ids` is followed by the zeroed sentinel (`repr(C)`, same type), and the
        // `driver_data` of each entry is its index in `info`, which has as many elements.
        IdTable {
            ids: &self.ids,
            info: &self.info,
        }
    }
}

/// A reference to an [`IdArray`], independent of its length.
///
/// # Invariants
///
/// `ids` is followed in memory by an all-zero entry, and the `driver_data` of entry `i` is `i`,
/// an index into `info`, which has one element per entry.
pub struct IdTable<T: RawDeviceId, U: 'static> {
    ids: &'static [T::RawType],
    info: &'static [U],
}

impl<T: RawDeviceId, U: 'static> IdTable<T, U> {
    /// The table as the bus expects it: a pointer to the first entry of a zero-terminated array.
    pub fn as_ptr(&self) -> *const T::RawType {
        self.ids.as_ptr()
    }

    /// The entries, without the terminating one.
    pub fn ids(&self) -> &'static [T::RawType] {
        self.ids
    }

    /// The information of entry `id`, an entry the bus matched (or any entry of this table).
    ///
    /// Returns `None` for an entry of another table whose index is out of range. An entry the bus
    /// made up (PCI's placeholder for `driver_override` binds, a `new_id` without driver data)
    /// has index 0 and gets the information of the first entry.
    pub fn info(&self, id: &T::RawType) -> Option<&'static U> {
        // SAFETY: `id` is a valid `T::RawType`, whose `driver_data`, a `kernel_ulong_t`, is at
        // `DRIVER_DATA_OFFSET` (trait safety requirement).
        let index = unsafe {
            core::ptr::from_ref(id)
                .byte_add(T::DRIVER_DATA_OFFSET)
                .cast::<bindings::kernel_ulong_t>()
                .read()
        };
        self.info.get(index)
    }
}
