// SPDX-License-Identifier: GPL-2.0

//! Shmem-backed GEM objects (`struct drm_gem_shmem_object`) with driver data.
//!
//! C header: [`include/drm/drm_gem_shmem_helper.h`](srctree/include/drm/drm_gem_shmem_helper.h)

use crate::{
    alloc::KBox,
    bindings,
    drm::{self, gem::DriverObject, Driver},
    error::{from_err_ptr, to_result, Result},
    ffi::{c_int, c_uint},
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};
use core::{
    mem::{offset_of, MaybeUninit},
    ops::Deref,
    ptr::{addr_of, addr_of_mut, NonNull},
};

/// The file type of the driver of object data `T`.
type FileOf<T> = <<T as DriverObject>::Driver as Driver>::File;

// `Object<T>` starts with the shmem object, which starts with the GEM object: one pointer is all
// three.
const _: () = assert!(offset_of!(bindings::drm_gem_shmem_object, base) == 0);

/// A shmem-backed GEM object with the driver's data `T`.
///
/// Always reference counted ([`ARef`]). It dereferences to `T`.
///
/// An object holds a reference on its device, so an `ARef<Object<T>>` may be kept anywhere. Do
/// not keep one in the device's own [`Driver::Data`] for good, though: that is a reference cycle
/// and the device is never released (take it out when the device is unplugged instead).
///
/// # Invariants
///
/// - `obj` is a `drm_gem_shmem_object` initialised by [`Object::new`] (or the PRIME import
///   callback) on a device of driver `T::Driver`, with `Self::FUNCS` as its functions; it was
///   allocated with [`KBox`] together with `data`, and is freed by the `free` callback, which
///   drops `data` first;
/// - the object holds a reference on its device (`base.dev`), released after the object;
/// - the reference count is non-zero while a `&Object<T>` exists.
#[repr(C)]
#[pin_data]
pub struct Object<T: DriverObject> {
    #[pin]
    obj: Opaque<bindings::drm_gem_shmem_object>,
    #[pin]
    data: T,
}

impl<T: DriverObject> Object<T> {
    /// The GEM functions of objects with data `T`: the shmem helpers' (as
    /// `drm_gem_shmem_funcs`), except `free`, which drops `T` first.
    const FUNCS: bindings::drm_gem_object_funcs = bindings::drm_gem_object_funcs {
        free: Some(free_callback::<T>),
        print_info: Some(print_info_callback),
        pin: Some(pin_callback),
        unpin: Some(unpin_callback),
        get_sg_table: Some(get_sg_table_callback),
        vmap: Some(vmap_callback),
        vunmap: Some(vunmap_callback),
        mmap: Some(mmap_callback),
        vm_ops: addr_of!(bindings::drm_gem_shmem_vm_ops),
        // SAFETY: All-zeroes is a valid `drm_gem_object_funcs`: the other hooks are NULL, which
        // selects the GEM defaults (e.g. `drm_gem_prime_export()`).
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    /// Creates a shmem GEM object of `size` bytes, rounded up to a multiple of the page size, on
    /// `dev`, with data from [`DriverObject::new`].
    ///
    /// Fails with `EINVAL` if `size` is zero or too large.
    pub fn new(dev: &drm::Device<T::Driver>, size: usize) -> Result<ARef<Self>> {
        Self::create(dev, size, false)
    }

    /// Creates an object; `private` objects have no shmem file (imported dma-bufs).
    fn create(dev: &drm::Device<T::Driver>, size: usize, private: bool) -> Result<ARef<Self>> {
        let page_mask = bindings::PAGE_SIZE - 1;
        if size == 0 {
            return Err(EINVAL);
        }
        let size = size.checked_add(page_mask).ok_or(EINVAL)? & !page_mask;

        let init = try_pin_init!(Self {
            // SAFETY: `slot` is valid for writes; all-zeroes is the state C's `kzalloc()` gives
            // a shmem object before initialisation.
            obj <- Opaque::ffi_init(|slot: *mut bindings::drm_gem_shmem_object| unsafe {
                slot.write_bytes(0, 1);
                (*slot).base.funcs = &Self::FUNCS;
            }),
            data <- T::new(dev, size),
        }? Error);
        let obj = KBox::pin_init(init, GFP_KERNEL)?;
        // SAFETY: The object is not moved: it is only handed to C by address and freed by the
        // `free` callback (or below).
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(obj) });
        // SAFETY: `raw` is valid; `obj` is zeroed with `funcs` set, `size` page aligned.
        let ret = unsafe {
            bindings::drm_gem_shmem_init_lazy(
                dev.as_raw(),
                Opaque::raw_get(addr_of!((*raw).obj)),
                size,
                private,
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: The C side undid its initialisation and left the memory to us; it came from
            // `KBox::into_raw` above. Dropping it drops `data`.
            drop(unsafe { Pin::new_unchecked(KBox::from_raw(raw)) });
            return Err(e);
        }
        // The object's reference on the device, released by the `free` callback.
        core::mem::forget(ARef::<drm::Device<T::Driver>>::from(dev));
        // INVARIANT: Initialised on `dev` with `FUNCS`, holding a device reference; the
        // initialisation's reference is handed to the `ARef`.
        // SAFETY: `raw` is non-NULL and its one reference is ours.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(raw)) })
    }

    /// The raw `struct drm_gem_object`.
    pub(crate) fn as_raw(&self) -> *mut bindings::drm_gem_object {
        // The GEM object is at the start of `obj` (see the assertion above).
        self.obj.get().cast()
    }

    /// The raw `struct drm_gem_shmem_object`.
    fn as_shmem(&self) -> *mut bindings::drm_gem_shmem_object {
        self.obj.get()
    }

    /// The size of the object in bytes, a multiple of the page size.
    pub fn size(&self) -> usize {
        // SAFETY: `size` is set at initialisation and never changes.
        unsafe { (*self.as_raw()).size }
    }

    /// The device the object belongs to.
    pub fn device(&self) -> &drm::Device<T::Driver> {
        // SAFETY: `dev` is set at initialisation to a device of driver `T::Driver`, on which the
        // object holds a reference.
        unsafe { drm::Device::as_ref((*self.as_raw()).dev) }
    }

    /// Creates a handle for the object in `file`, through which userspace names it
    /// (`drm_gem_handle_create()`). The handle keeps the object alive until it is closed with
    /// `DRM_IOCTL_GEM_CLOSE` or the file is closed.
    ///
    /// Fails with `EINVAL` if `file` is open on another device.
    pub fn create_handle(&self, file: &drm::File<FileOf<T>>) -> Result<u32> {
        if file.device().as_raw() != self.device().as_raw() {
            return Err(EINVAL);
        }
        let mut handle: u32 = 0;
        // SAFETY: Both are valid, and on the same device.
        to_result(unsafe {
            bindings::drm_gem_handle_create(file.as_raw(), self.as_raw(), &mut handle)
        })?;
        Ok(handle)
    }

    /// Looks up the object named `handle` in `file` (`drm_gem_object_lookup()`).
    ///
    /// Fails with `ENOENT` if there is no such handle.
    pub fn lookup_handle(file: &drm::File<FileOf<T>>, handle: u32) -> Result<ARef<Self>> {
        // SAFETY: `file` is a valid open file.
        let obj = unsafe { bindings::drm_gem_object_lookup(file.as_raw(), handle) };
        let obj = NonNull::new(obj).ok_or(ENOENT)?;
        // Every GEM object of a device of driver `T::Driver` is an `Object<T>`: the abstractions
        // create them with `Object::new` (also for dumb buffers, through the Rust
        // `dumb_create` callback) or the PRIME import callback; no C helper creates objects
        // (`gem_create_object` is NULL), and a file has handles only for objects of its device.
        // SAFETY: `obj` is a GEM object with a handle in `file`, hence (see above) the GEM object
        // at the start of an `Object<T>`; the lookup took the reference handed to the `ARef`.
        Ok(unsafe { ARef::from_raw(obj.cast::<Self>()) })
    }

    /// Returns the fake offset at which userspace maps the object with `mmap()` on a DRM file
    /// of its device that has a handle for it.
    ///
    /// The offset is created by the first call (objects start without one, so that objects that
    /// are never mapped this way need no space in the device's offset manager) and stays the same
    /// until the object is freed. Fails with `ENOMEM` or `ENOSPC`
    /// if the offset space is exhausted.
    pub fn create_mmap_offset(&self) -> Result<u64> {
        // SAFETY: The object is valid. `drm_gem_create_mmap_offset()` creates the offset under
        // the offset manager's lock, or does nothing if it exists, so concurrent calls agree.
        to_result(unsafe { bindings::drm_gem_create_mmap_offset(self.as_raw()) })?;
        // SAFETY: The offset node is valid and set up.
        Ok(unsafe { bindings::drm_vma_node_offset_addr(addr_of_mut!((*self.as_raw()).vma_node)) })
    }

    /// Whether the object has its fake mmap offset yet, for the tests (the offset is created by
    /// the first [`Object::create_mmap_offset`], not with the object). Racy against a concurrent
    /// `create_mmap_offset`, which the tests do not do.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn has_mmap_offset(&self) -> bool {
        // SAFETY: The object and its offset node are valid. The node's offset reads 0 until
        // `drm_gem_create_mmap_offset()` inserts it: the node starts zeroed and the offset space
        // begins above 0 (`DRM_FILE_PAGE_OFFSET_START`).
        unsafe { bindings::drm_vma_node_offset_addr(addr_of_mut!((*self.as_raw()).vma_node)) != 0 }
    }
}

impl<T: DriverObject> Object<T> {
    /// Pins the object's pages and maps them for DMA by the DRM device's parent (the device
    /// that does the DMA), for as long as the returned [`DmaPages`] lives.
    ///
    /// An imported dma-buf is already pinned and mapped for this device by the attachment the
    /// import made; its table is used as it is. Fails with `ENOMEM` (pages or table), `EINTR`
    /// (a signal while waiting for the object's lock) or the DMA layer's error.
    pub fn dma_pages(&self) -> Result<DmaPages<T>> {
        let shmem = self.as_shmem();
        // SAFETY: `import_attach` is set at import, before the object is shared, and never
        // changes.
        if !unsafe { (*self.as_raw()).import_attach }.is_null() {
            // SAFETY: An imported object's `sgt` is its attachment's mapped table, set at import
            // and freed with the object, on which the `ARef` below holds a reference.
            let sgt = unsafe { (*shmem).sgt };
            if sgt.is_null() {
                return Err(EINVAL);
            }
            // INVARIANT: An imported object's table, not ours.
            return Ok(DmaPages {
                obj: self.into(),
                sgt,
                owned: false,
            });
        }
        // SAFETY: The object is a valid, non-imported shmem object.
        to_result(unsafe { bindings::drm_gem_shmem_pin(shmem) })?;
        // SAFETY: The pages are pinned (just above), so `shmem->pages` is valid and stays so.
        let sgt = match from_err_ptr(unsafe { bindings::drm_gem_shmem_get_sg_table(shmem) }) {
            Ok(sgt) => sgt,
            Err(e) => {
                // SAFETY: Pinned above.
                unsafe { bindings::drm_gem_shmem_unpin(shmem) };
                return Err(e);
            }
        };
        // SAFETY: `dev->dev` is the DRM device's parent, valid while the DRM device is (the
        // object holds a reference on it); `sgt` is a valid, unmapped table.
        let ret = unsafe {
            bindings::dma_map_sgtable(
                (*self.device().as_raw()).dev,
                sgt,
                bindings::dma_data_direction_DMA_BIDIRECTIONAL,
                0,
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: `sgt` was allocated by `drm_prime_pages_to_sg()` and is not mapped; the
            // pages were pinned above.
            unsafe {
                bindings::sg_free_table(sgt);
                bindings::kfree(sgt.cast());
                bindings::drm_gem_shmem_unpin(shmem);
            }
            return Err(e);
        }
        // INVARIANT: Pinned, built and mapped above, owned by the new value.
        Ok(DmaPages {
            obj: self.into(),
            sgt,
            owned: true,
        })
    }
}

/// The pages of an [`Object`], pinned and mapped for DMA by the device's parent: the bus
/// addresses the GPU reaches them at stay valid while this lives, and it keeps the object
/// alive.
///
/// # Invariants
///
/// `sgt` is a table of `obj`'s pages mapped for `obj`'s device's parent. If `owned`, this value
/// pinned the pages once (`drm_gem_shmem_pin()`) and built and mapped `sgt`, which it unmaps,
/// frees and unpins on drop; else `sgt` is the object's imported table, which lives as long as
/// the object.
pub struct DmaPages<T: DriverObject> {
    obj: ARef<Object<T>>,
    sgt: *mut bindings::sg_table,
    owned: bool,
}

impl<T: DriverObject> DmaPages<T> {
    /// The object.
    pub fn object(&self) -> &Object<T> {
        &self.obj
    }

    /// The mapped segments, in the order of the object's pages.
    pub fn segments(&self) -> crate::dma::Segments<'_> {
        // SAFETY: By the type invariant `sgt` is a mapped table that stays mapped while `self`
        // lives.
        unsafe { crate::dma::Segments::new(self.sgt) }
    }
}

impl<T: DriverObject> Drop for DmaPages<T> {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        // SAFETY: By the type invariant this value mapped `sgt` for the device's parent
        // (valid: the object holds the device), built it with `drm_prime_pages_to_sg()` (a
        // `kmalloc()`ed table) and pinned the pages once; each is undone once, here.
        unsafe {
            bindings::dma_unmap_sgtable(
                (*self.obj.device().as_raw()).dev,
                self.sgt,
                bindings::dma_data_direction_DMA_BIDIRECTIONAL,
                0,
            );
            bindings::sg_free_table(self.sgt);
            bindings::kfree(self.sgt.cast());
            bindings::drm_gem_shmem_unpin(self.obj.as_shmem());
        }
    }
}

// SAFETY: The table is only read (for its segments) and freed on drop, from any thread; the
// object is `Send + Sync`.
unsafe impl<T: DriverObject> Send for DmaPages<T> {}

// SAFETY: Shared access only reads the mapped table, which does not change while it lives.
unsafe impl<T: DriverObject> Sync for DmaPages<T> {}

impl<T: DriverObject> Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

// SAFETY: GEM objects are reference counted by `drm_gem_object_get()`/`drm_gem_object_put()`
// and freed (by the `free` callback) only when the count drops to zero.
unsafe impl<T: DriverObject> AlwaysRefCounted for Object<T> {
    fn inc_ref(&self) {
        // SAFETY: The existence of `&self` means the count is non-zero.
        unsafe { bindings::drm_gem_object_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference to release; the GEM object is at the start.
        unsafe { bindings::drm_gem_object_put(obj.as_ptr().cast()) };
    }
}

// SAFETY: The GEM core synchronises the object's state (atomic reference count, locks for
// handles and pages); the C fields Rust reads do not change after initialisation, and `T` is
// `Send + Sync`.
unsafe impl<T: DriverObject> Send for Object<T> {}

// SAFETY: See `Send`.
unsafe impl<T: DriverObject> Sync for Object<T> {}

/// `drm_driver.gem_prime_import_sg_table`: imports a dma-buf of another device as an
/// `Object<T>`, like `drm_gem_shmem_prime_import_sg_table()`.
///
/// # Safety
///
/// Called by the DRM core with a device of driver `T::Driver`, a valid attachment and its
/// mapped scatter-gather table.
pub(crate) unsafe extern "C" fn prime_import_sg_table_callback<T: DriverObject>(
    raw_dev: *mut bindings::drm_device,
    attach: *mut bindings::dma_buf_attachment,
    sgt: *mut bindings::sg_table,
) -> *mut bindings::drm_gem_object {
    // SAFETY: The DRM core holds a reference on the device during the import.
    let dev = unsafe { drm::Device::<T::Driver>::as_ref(raw_dev) };
    // SAFETY: `attach` is a valid attachment.
    let size = unsafe { bindings::drm_prime_import_size(attach) };
    match Object::<T>::create(dev, size, true) {
        Ok(obj) => {
            let obj = ARef::into_raw(obj);
            // SAFETY: The object was just created and is not yet shared; the shmem helpers free
            // `sgt` with the object (`drm_prime_gem_destroy()`).
            unsafe { (*obj.as_ref().as_shmem()).sgt = sgt };
            // SAFETY: `obj` is valid; its reference goes to the caller.
            unsafe { obj.as_ref() }.as_raw()
        }
        Err(e) => e.to_ptr(),
    }
}

/// `drm_gem_object_funcs.free`: drops the driver data, then frees the shmem object (which
/// `kfree()`s the allocation) and releases the object's device reference.
///
/// # Safety
///
/// Called by the GEM core once, when the last reference to an `Object<T>` is dropped.
unsafe extern "C" fn free_callback<T: DriverObject>(obj: *mut bindings::drm_gem_object) {
    let this = obj.cast::<Object<T>>();
    // SAFETY: `obj` is a valid `Object<T>` being freed.
    let dev = unsafe { (*obj).dev };
    // SAFETY: `data` is initialised and never used again; its pinned memory is freed below.
    unsafe { core::ptr::drop_in_place(addr_of_mut!((*this).data)) };
    // SAFETY: The shmem object is valid and unused; it starts the `KBox` allocation (kmalloc
    // memory), which `drm_gem_shmem_free()` frees with `kfree()`.
    unsafe { bindings::drm_gem_shmem_free(obj.cast()) };
    // SAFETY: The object held this reference on its device.
    unsafe { bindings::drm_dev_put(dev) };
}

/// `drm_gem_object_funcs.print_info` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object, `p` a valid printer.
unsafe extern "C" fn print_info_callback(
    p: *mut bindings::drm_printer,
    indent: c_uint,
    obj: *const bindings::drm_gem_object,
) {
    // SAFETY: `obj` starts a shmem object.
    unsafe { bindings::drm_gem_shmem_print_info(obj.cast(), p, indent) };
}

/// `drm_gem_object_funcs.pin` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object whose reservation lock is held.
unsafe extern "C" fn pin_callback(obj: *mut bindings::drm_gem_object) -> c_int {
    // SAFETY: `obj` starts a shmem object; the caller holds the lock.
    unsafe { bindings::drm_gem_shmem_pin_locked(obj.cast()) }
}

/// `drm_gem_object_funcs.unpin` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object whose reservation lock is held.
unsafe extern "C" fn unpin_callback(obj: *mut bindings::drm_gem_object) {
    // SAFETY: `obj` starts a shmem object; the caller holds the lock.
    unsafe { bindings::drm_gem_shmem_unpin_locked(obj.cast()) }
}

/// `drm_gem_object_funcs.get_sg_table` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object.
unsafe extern "C" fn get_sg_table_callback(
    obj: *mut bindings::drm_gem_object,
) -> *mut bindings::sg_table {
    // SAFETY: `obj` starts a shmem object.
    unsafe { bindings::drm_gem_shmem_get_sg_table(obj.cast()) }
}

/// `drm_gem_object_funcs.vmap` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object whose reservation lock is held, `map` valid.
unsafe extern "C" fn vmap_callback(
    obj: *mut bindings::drm_gem_object,
    map: *mut bindings::iosys_map,
) -> c_int {
    // SAFETY: `obj` starts a shmem object; the caller guarantees the rest.
    unsafe { bindings::drm_gem_shmem_vmap(obj.cast(), map) }
}

/// `drm_gem_object_funcs.vunmap` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object whose reservation lock is held, `map` its mapping.
unsafe extern "C" fn vunmap_callback(
    obj: *mut bindings::drm_gem_object,
    map: *mut bindings::iosys_map,
) {
    // SAFETY: `obj` starts a shmem object; the caller guarantees the rest.
    unsafe { bindings::drm_gem_shmem_vunmap(obj.cast(), map) }
}

/// `drm_gem_object_funcs.mmap` of the shmem helpers.
///
/// # Safety
///
/// `obj` is a shmem object, `vma` the mapping being set up.
unsafe extern "C" fn mmap_callback(
    obj: *mut bindings::drm_gem_object,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    // SAFETY: `obj` starts a shmem object; the caller guarantees the rest.
    unsafe { bindings::drm_gem_shmem_mmap(obj.cast(), vma) }
}
