// SPDX-License-Identifier: GPL-2.0

//! Device ID tables, generic over the bus.
//!
//! Every bus matches drivers to devices with a table of C ID structs (`pci_device_id`,
//! `auxiliary_device_id`, ...) that ends with an all-zero entry, and hands the matched entry back
//! to the driver's `probe`. Each of these structs has a `driver_data` field that the bus leaves
//! to the driver. [`IdArray`] is such a table, built at compile time, whose entries carry their
//! own index in `driver_data`, so that `probe` finds the driver's information for the entry (any
//! `'static` type, instead of a pointer cast to an integer) with [`IdTable::info_of`]. The index is
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

/// The entries of an ID table followed by the all-zero entry that ends it, laid out as the bus
/// (and modpost, see [`module_device_table!`](crate::module_device_table!)) reads them.
///
/// # Invariants
///
/// `sentinel` is all zeroes.
#[repr(C)]
pub struct RawIdArray<T: RawDeviceId, const N: usize> {
    ids: [T::RawType; N],
    sentinel: MaybeUninit<T::RawType>,
}

impl<T: RawDeviceId, const N: usize> RawIdArray<T, N> {
    /// The size of the table in bytes, the terminating entry included.
    pub const fn size(&self) -> usize {
        core::mem::size_of::<Self>()
    }
}

/// An ID table of `N` entries of bus ID type `T`, each with driver information of type `U`:
/// the storage behind a driver's [`IdTable`].
///
/// # Invariants
///
/// The `driver_data` of entry `i` of `raw_ids` is `i`.
#[repr(C)]
pub struct IdArray<T: RawDeviceId, U: 'static, const N: usize> {
    raw_ids: RawIdArray<T, N>,
    id_infos: [U; N],
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
            raw_ids: RawIdArray {
                ids,
                sentinel: MaybeUninit::zeroed(),
            },
            id_infos: info,
        }
    }

    /// The entries and the terminating entry, e.g. for
    /// [`module_device_table!`](crate::module_device_table!).
    pub const fn raw_ids(&self) -> &RawIdArray<T, N> {
        &self.raw_ids
    }
}

/// A device ID table of any length, as a bus driver's `ID_TABLE` refers to it
/// (`&'static dyn IdTable<..>`), implemented by [`IdArray`].
pub trait IdTable<T: RawDeviceId, U> {
    /// The table as the bus expects it: a pointer to the first entry of a zero-terminated array,
    /// valid for reads of every entry and of the terminating one.
    fn as_ptr(&self) -> *const T::RawType;

    /// The entries, without the terminating one.
    fn ids(&self) -> &[T::RawType];

    /// The information of entry `index`, `None` if there is no such entry.
    fn info(&self, index: usize) -> Option<&U>;

    /// The information of entry `id`, an entry the bus matched (or any entry of this table),
    /// found by its `driver_data`.
    ///
    /// Returns `None` for an entry of another table whose index is out of range. An entry the bus
    /// made up (PCI's placeholder for `driver_override` binds, a `new_id` without driver data)
    /// has index 0 and gets the information of the first entry.
    fn info_of(&self, id: &T::RawType) -> Option<&U> {
        // SAFETY: `id` is a valid `T::RawType`, whose `driver_data`, a `kernel_ulong_t`, is at
        // `DRIVER_DATA_OFFSET` (trait safety requirement).
        let index = unsafe {
            core::ptr::from_ref(id)
                .byte_add(T::DRIVER_DATA_OFFSET)
                .cast::<bindings::kernel_ulong_t>()
                .read()
        };
        self.info(index)
    }
}

impl<T: RawDeviceId, U: 'static, const N: usize> IdTable<T, U> for IdArray<T, U, N> {
    fn as_ptr(&self) -> *const T::RawType {
        // Derived from the whole `RawIdArray`, so that the pointer may be used for the sentinel
        // too: one derived from `ids` would cover the entries only.
        core::ptr::from_ref(&self.raw_ids).cast::<T::RawType>()
    }

    fn ids(&self) -> &[T::RawType] {
        &self.raw_ids.ids
    }

    fn info(&self, index: usize) -> Option<&U> {
        self.id_infos.get(index)
    }
}

/// Exports an ID table to modpost, which turns its entries into the module's aliases (`modinfo`
/// shows them as `alias:`; `depmod` puts them in `modules.alias`), so that `modprobe` of a
/// device's modalias loads the module. As C's `MODULE_DEVICE_TABLE()`, it does nothing for
/// built-in code.
///
/// `$table_type` is the bus's modpost name (`"pci"`, `"auxiliary"`), `$module_table_name` the
/// name of the exported copy, `$table_name` an [`IdArray`] constant. The symbol follows the
/// naming modpost of Linux 6.12 looks for, `__mod_<type>__<identifier>_device_table`.
#[macro_export]
macro_rules! module_device_table {
    ($table_type:literal, $module_table_name:ident, $table_name:ident) => {
        /// The ID table, as modpost reads it from the module object.
        #[cfg(MODULE)]
        #[used]
        #[rustfmt::skip]
        #[export_name = concat!("__mod_", $table_type, "__", stringify!($table_name), "_device_table")]
        static $module_table_name: [::core::mem::MaybeUninit<u8>; $table_name.raw_ids().size()] =
            // SAFETY: The source is `size()` bytes long, and `MaybeUninit<u8>` may hold any byte,
            // padding included.
            unsafe { ::core::mem::transmute_copy($table_name.raw_ids()) };
    };
}
