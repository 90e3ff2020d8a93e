// SPDX-License-Identifier: GPL-2.0

//! Auxiliary bus devices and drivers.
//!
//! C header: [`include/linux/auxiliary_bus.h`](srctree/include/linux/auxiliary_bus.h)
//!
//! The auxiliary bus splits one piece of hardware between drivers: a parent driver (e.g. a GPU's
//! core PCI driver) creates an auxiliary device named `<module>.<name>.<id>` under its own
//! device with a [`Registration`]; a driver matching `<module>.<name>` ([`Driver`]) binds to it.
//!
//! A parent usually has to give the child driver access to its services. The C idiom is to embed
//! the `auxiliary_device` in a larger structure. A [`Registration`] carries such shared data: a
//! `'static` value of a type implementing [`SharedData`], identified by a tag string the child
//! checks, so that a child from another module finds out at run time whether it got what it
//! expects instead of misreading memory.

use crate::{
    bindings,
    device::{self, Bound, Core, DeviceContext, Normal},
    device_id, driver,
    error::{from_result, to_result, Result},
    ffi::{c_char, c_int, c_void},
    prelude::*,
    str::CStr,
    types::{ForeignOwnable, Opaque},
    ThisModule,
};
use core::{marker::PhantomData, ptr::NonNull};

/// The size of an auxiliary device ID's name, `AUXILIARY_NAME_SIZE`.
const NAME_SIZE: usize = 32;

/// One entry of an auxiliary ID table: the `<module>.<name>` of devices to bind to.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct DeviceId(bindings::auxiliary_device_id);

impl DeviceId {
    /// Matches devices named `<modname>.<name>.*` (both given without NUL terminator). Fails
    /// the build if the name is too long.
    pub const fn new(modname: &'static [u8], name: &'static [u8]) -> Self {
        let m = modname;
        let n = name;
        assert!(
            m.len() + 1 + n.len() < NAME_SIZE,
            "auxiliary ID name too long"
        );
        // The `as` casts below reinterpret ASCII bytes as `c_char` in a `const fn`, where
        // `From` is not available.
        let mut raw = [0 as c_char; NAME_SIZE];
        let mut i = 0;
        while i < m.len() {
            raw[i] = m[i] as c_char;
            i += 1;
        }
        raw[i] = b'.' as c_char;
        let mut j = 0;
        while j < n.len() {
            raw[i + 1 + j] = n[j] as c_char;
            j += 1;
        }
        Self(bindings::auxiliary_device_id {
            name: raw,
            driver_data: 0,
        })
    }
}

// SAFETY: `DeviceId` is a transparent wrapper of `auxiliary_device_id`; a zeroed entry (empty
// name) ends an auxiliary ID table, and the bus matches on the name only, not on `driver_data` (a
// `kernel_ulong_t`).
unsafe impl device_id::RawDeviceId for DeviceId {
    type RawType = bindings::auxiliary_device_id;
    const DRIVER_DATA_OFFSET: usize =
        core::mem::offset_of!(bindings::auxiliary_device_id, driver_data);
}

/// An auxiliary ID table of `N` entries with driver information of type `U` (see
/// [`device_id::IdArray`]).
pub type IdArray<U, const N: usize> = device_id::IdArray<DeviceId, U, N>;

/// An auxiliary ID table of any length, for [`Driver::ID_TABLE`].
pub type IdTable<U> = &'static dyn device_id::IdTable<DeviceId, U>;

impl<U: 'static, const N: usize> IdArray<U, N> {
    /// Builds a table from `ids` and their information `info` (same order).
    pub const fn new(ids: [DeviceId; N], info: [U; N]) -> Self {
        let zero = bindings::auxiliary_device_id {
            name: [0; NAME_SIZE],
            driver_data: 0,
        };
        let mut raw = [zero; N];
        let mut i = 0;
        while i < N {
            raw[i] = ids[i].0;
            raw[i].driver_data = i;
            i += 1;
        }
        // SAFETY: Entry `i` has `i` as its `driver_data`.
        unsafe { Self::from_indexed(raw, info) }
    }
}

/// An auxiliary driver.
pub trait Driver: Send + Sync + Sized + 'static {
    /// Driver information attached to each ID table entry.
    type IdInfo: 'static;

    /// The devices this driver binds to.
    const ID_TABLE: IdTable<Self::IdInfo>;

    /// Binds the driver to `adev`; returns the per-device data, which lives until unbind.
    fn probe(adev: &Device<Core>, info: &'static Self::IdInfo) -> impl PinInit<Self, Error>;

    /// Called when the device is being unbound, before the per-device data `this` is dropped
    /// (and before the driver core releases the device's managed resources).
    fn unbind(_adev: &Device<Core>, _this: Pin<&Self>) {}
}

/// Connects a [`Driver`] to the C `struct auxiliary_driver`.
pub struct Adapter<T: Driver>(PhantomData<T>);

// SAFETY: `register` leaves the driver registered on success only; `unregister` undoes it.
unsafe impl<T: Driver> driver::RegistrationOps for Adapter<T> {
    type RegType = bindings::auxiliary_driver;

    unsafe fn register(
        reg: &Opaque<Self::RegType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        let adrv = reg.get();
        // SAFETY: `adrv` is valid for writes and zeroed (caller guarantee). With a NULL `name`
        // the driver is called after the module: `name`.
        unsafe {
            (*adrv).probe = Some(Self::probe_callback);
            (*adrv).remove = Some(Self::remove_callback);
            (*adrv).id_table = T::ID_TABLE.as_ptr();
        }
        // SAFETY: `adrv` is filled in and pinned until `unregister` (caller guarantee).
        to_result(unsafe {
            bindings::__auxiliary_driver_register(adrv, module.as_ptr(), name.as_char_ptr())
        })
    }

    unsafe fn unregister(reg: &Opaque<Self::RegType>) {
        // SAFETY: `reg` was registered (caller guarantee).
        unsafe { bindings::auxiliary_driver_unregister(reg.get()) }
    }
}

impl<T: Driver> Adapter<T> {
    extern "C" fn probe_callback(
        adev: *mut bindings::auxiliary_device,
        id: *const bindings::auxiliary_device_id,
    ) -> c_int {
        // SAFETY: The bus calls `probe` with a valid device bound to us until `remove`, holding
        // its lock.
        let dev = unsafe { &*adev.cast::<Device<Core>>() };
        // SAFETY: `id` is the matching entry of our table.
        let id = unsafe { &*id };
        from_result(|| {
            let info = T::ID_TABLE.info_of(id).ok_or(EINVAL)?;
            let data = KBox::pin_init(T::probe(dev, info), GFP_KERNEL)?;
            // SAFETY: `adev` is valid; taken back in `remove_callback`.
            unsafe { bindings::auxiliary_set_drvdata(adev, data.into_foreign().cast_mut()) };
            Ok(0)
        })
    }

    extern "C" fn remove_callback(adev: *mut bindings::auxiliary_device) {
        // SAFETY: The bus calls `remove` with the device we were bound to, holding its lock.
        let dev = unsafe { &*adev.cast::<Device<Core>>() };
        // SAFETY: `probe_callback` stored the pointer; it is taken back only here.
        let data = unsafe { Pin::<KBox<T>>::from_foreign(bindings::auxiliary_get_drvdata(adev)) };
        T::unbind(dev, data.as_ref());
        drop(data);
    }
}

/// Declares a kernel module that registers an auxiliary driver.
///
/// The driver is named after the module (`name`).
#[macro_export]
macro_rules! module_auxiliary_driver {
    (type: $type:ty, name: $name:tt, $($f:tt)*) => {
        $crate::module_driver!($crate::auxiliary::Adapter<$type>, name: $name, $($f)*);
    };
}

/// Data a parent shares with the driver of its auxiliary device.
///
/// # Safety
///
/// The parent and the child driver may be different modules, each compiled with its own copy of
/// the type. Implementers guarantee that every type sharing a [`SharedData::TAG`] has the same
/// layout (e.g. one `#[repr(C)]` definition compiled into both) and that the tag changes when
/// the layout does.
pub unsafe trait SharedData: Sync + 'static {
    /// Identifies the type and its layout version.
    const TAG: &'static CStr;
}

/// The C auxiliary device and the data shared with its driver.
///
/// # Invariants
///
/// `adev.dev.type_` is [`REGISTRATION_TYPE`] (set before the device is added), which is how
/// [`Device::shared_data`] tells an `AuxWithData` from an `auxiliary_device` created in C.
/// While `data` is not NULL it came from `into_foreign` of the registration's `D`, `tag` is the
/// `'static` `SharedData::TAG` of the type `T` that `D` dereferences to, and `shared` points to
/// that `T`, which lives as long as the foreign `data`.
#[repr(C)]
struct AuxWithData {
    adev: bindings::auxiliary_device,
    tag: *const c_char,
    data: *const c_void,
    shared: *const c_void,
}

/// The device type of every auxiliary device a [`Registration`] creates: a marker, with no name
/// (no `DEVTYPE` in uevents), groups or callbacks, so the devices behave as C-created ones do.
#[repr(transparent)]
struct RegistrationType(bindings::device_type);

// SAFETY: The value is never written; the driver core only reads it.
unsafe impl Sync for RegistrationType {}

static REGISTRATION_TYPE: RegistrationType = RegistrationType(
    // SAFETY: All-zeroes is a valid `device_type` (NULL name, groups and callbacks).
    unsafe { core::mem::zeroed() },
);

/// An auxiliary device, bound by a [`Driver`]. It may have been created by a [`Registration`]
/// or by C code.
///
/// # Invariants
///
/// The wrapped `auxiliary_device` is valid; with `Ctx = Bound` a driver is bound to it, with
/// `Ctx = Core` also its device lock is held.
#[repr(transparent)]
pub struct Device<Ctx: DeviceContext = Normal>(
    Opaque<bindings::auxiliary_device>,
    PhantomData<Ctx>,
);

impl<Ctx: DeviceContext> Device<Ctx> {
    fn as_raw(&self) -> *mut bindings::auxiliary_device {
        self.0.get()
    }

    /// The instance ID (the `<id>` in `<module>.<name>.<id>`).
    pub fn id(&self) -> u32 {
        // SAFETY: Valid by the type invariant; constant after creation.
        unsafe { (*self.as_raw()).id }
    }

    /// The parent device (the device of the driver that created this one).
    pub fn parent(&self) -> &device::Device {
        // SAFETY: A `Registration` always sets a parent, which outlives the child.
        unsafe { device::Device::as_ref((*self.as_raw()).dev.parent) }
    }
}

impl Device<Bound> {
    /// The data the parent shared, if it is of type `D`.
    ///
    /// `ENOENT` if the device was not created by a [`Registration`] (e.g. by C code: it carries
    /// no shared data), `ENODEV` if its registration is going away, `EINVAL` if the data is of
    /// another type. Valid while the driver is bound (the parent unregisters the device,
    /// unbinding the driver, before it drops the data).
    pub fn shared_data<D: SharedData>(&self) -> Result<&D> {
        let adev = self.as_raw();
        // SAFETY: `adev` is valid (type invariant); `type` is set before the device is added and
        // constant afterwards.
        let ty = unsafe { (*adev).dev.type_ };
        if !core::ptr::eq(ty, &REGISTRATION_TYPE.0) {
            return Err(ENOENT);
        }
        // SAFETY: Only a `Registration` gives a device `REGISTRATION_TYPE`, and it allocates
        // such devices as the first field of an `AuxWithData` (type invariant of `AuxWithData`).
        let aux = unsafe { &*adev.cast::<AuxWithData>() };
        if aux.data.is_null() || aux.shared.is_null() || aux.tag.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: `tag` points to a NUL-terminated `'static` string (`SharedData::TAG`).
        let tag = unsafe { CStr::from_char_ptr(aux.tag) };
        if tag.as_bytes() != D::TAG.as_bytes() {
            return Err(EINVAL);
        }
        // SAFETY: The tags match, so `shared` points to a `D` (`SharedData` safety contract and
        // the `AuxWithData` invariant) that lives until the registration drops its data, after
        // this driver is unbound.
        Ok(unsafe { &*aux.shared.cast::<D>() })
    }
}

// SAFETY: `Device` is a transparent wrapper whose contexts differ only in a `PhantomData`, and
// the `Core` context implies `Bound` (type invariant).
crate::impl_device_context_deref!(unsafe { Device });

impl AsRef<device::Device<Bound>> for Device<Bound> {
    fn as_ref(&self) -> &device::Device<Bound> {
        // SAFETY: The embedded `struct device` is valid, and a driver bound to it, while `self`
        // lives (type invariant).
        unsafe { device::Device::as_ctx_ref(core::ptr::addr_of_mut!((*self.as_raw()).dev)) }
    }
}

impl<Ctx: DeviceContext> AsRef<device::Device> for Device<Ctx> {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: The embedded `struct device` is valid as long as `self`.
        unsafe { device::Device::as_ref(core::ptr::addr_of_mut!((*self.as_raw()).dev)) }
    }
}

// SAFETY: The device may be used from any thread; its state is locked by the driver core.
unsafe impl<Ctx: DeviceContext> Send for Device<Ctx> {}
// SAFETY: As above.
unsafe impl<Ctx: DeviceContext> Sync for Device<Ctx> {}

/// An auxiliary device created under a parent: deleted and released on drop.
///
/// Dropping it unbinds the child driver first (`device_del`), then drops the shared data.
///
/// # Invariants
///
/// `aux` points to an initialised and added `AuxWithData` whose `data` came from
/// `D::into_foreign`.
pub struct Registration<D: ForeignOwnable> {
    aux: NonNull<AuxWithData>,
    _d: PhantomData<D>,
}

/// Frees the `AuxWithData` of an auxiliary device created by [`Registration::new`].
///
/// # Safety
///
/// `dev` must be the device of such an auxiliary device, whose last reference is gone.
unsafe extern "C" fn release(dev: *mut bindings::device) {
    // SAFETY: `dev` is embedded in the `auxiliary_device` at the start of an `AuxWithData`
    // allocated by `Registration::new` with `KBox`; this is its last reference.
    let aux = unsafe {
        dev.cast::<u8>()
            .sub(core::mem::offset_of!(bindings::auxiliary_device, dev))
    };
    // SAFETY: As above.
    drop(unsafe { KBox::from_raw(aux.cast::<AuxWithData>()) });
}

impl<D: ForeignOwnable> Registration<D> {
    /// Creates the auxiliary device `<modname>.<name>.<id>` under `parent`, sharing `data` (of
    /// type `T`, identified by `T::TAG`) with the driver that binds to it.
    pub fn new<T: SharedData>(
        parent: &device::Device,
        modname: &'static CStr,
        name: &'static CStr,
        id: u32,
        data: D,
    ) -> Result<Self>
    where
        for<'a> D::Borrowed<'a>: core::ops::Deref<Target = T>,
    {
        // SAFETY: `auxiliary_device` is a C struct for which all-zeroes is valid.
        let adev: bindings::auxiliary_device = unsafe { core::mem::zeroed() };
        let aux = KBox::new(
            AuxWithData {
                adev,
                tag: T::TAG.as_char_ptr(),
                data: core::ptr::null(),
                shared: core::ptr::null(),
            },
            GFP_KERNEL,
        )?;
        let aux = KBox::into_raw(aux);
        // SAFETY: `aux` is a valid, exclusively owned allocation.
        unsafe {
            let adev = core::ptr::addr_of_mut!((*aux).adev);
            (*adev).name = name.as_char_ptr();
            (*adev).id = id;
            (*adev).dev.parent = parent.as_raw();
            (*adev).dev.release = Some(release);
            // INVARIANT: Marks the device as the first field of an `AuxWithData`.
            (*adev).dev.type_ = &REGISTRATION_TYPE.0;
        }
        // SAFETY: `adev` is filled in as `auxiliary_device_init` requires.
        let ret = unsafe { bindings::auxiliary_device_init(core::ptr::addr_of_mut!((*aux).adev)) };
        if let Err(e) = to_result(ret) {
            // SAFETY: `init` failed before `device_initialize`, so `release` will not run: free.
            drop(unsafe { KBox::from_raw(aux) });
            return Err(e);
        }
        // From here on `release` frees `aux` when the last reference goes.
        let foreign = data.into_foreign();
        // The shared `T` is found through the foreign pointer, not assumed to be at it: an
        // `Arc<T>`'s foreign pointer points at its reference count, a `KBox<T>`'s at the `T`.
        // SAFETY: `foreign` came from `into_foreign` just above and is not reclaimed before
        // `from_foreign` in `drop` (or below on failure), so the `T` it owns stays where it is.
        let shared: *const T = &*unsafe { D::borrow(foreign) };
        // SAFETY: `aux` is valid; nobody can see `data` before the device is added.
        // INVARIANT: `data` from `into_foreign`, `shared` the `T` it owns, `tag` its tag.
        unsafe {
            (*aux).data = foreign;
            (*aux).shared = shared.cast();
        }
        // SAFETY: Initialised above.
        let ret = unsafe {
            bindings::__auxiliary_device_add(
                core::ptr::addr_of_mut!((*aux).adev),
                modname.as_char_ptr(),
            )
        };
        if let Err(e) = to_result(ret) {
            // SAFETY: Stored above; the device was never added, so no driver saw it.
            drop(unsafe { D::from_foreign((*aux).data) });
            // SAFETY: Initialised: drops the last reference, `release` frees `aux`.
            unsafe { bindings::auxiliary_device_uninit(core::ptr::addr_of_mut!((*aux).adev)) };
            return Err(e);
        }
        // INVARIANT: Initialised and added above; `data` from `into_foreign`.
        Ok(Self {
            // SAFETY: `aux` came from `KBox::into_raw`, so it is not NULL.
            aux: unsafe { NonNull::new_unchecked(aux) },
            _d: PhantomData,
        })
    }
}

impl<D: ForeignOwnable> Drop for Registration<D> {
    fn drop(&mut self) {
        let aux = self.aux.as_ptr();
        // SAFETY: By the type invariant the device is added. Deleting it unbinds the driver,
        // which therefore no longer uses `data`.
        unsafe { bindings::auxiliary_device_delete(core::ptr::addr_of_mut!((*aux).adev)) };
        // SAFETY: `data` came from `into_foreign`; nobody uses it after the unbind above. Clear
        // the pointer for anyone still holding a device reference.
        unsafe {
            (*aux).shared = core::ptr::null();
            let data = core::mem::take(&mut (*aux).data);
            drop(D::from_foreign(data));
        }
        // SAFETY: Drops our reference; `release` frees `aux` with the last one.
        unsafe { bindings::auxiliary_device_uninit(core::ptr::addr_of_mut!((*aux).adev)) };
    }
}

// SAFETY: The registration only holds a pointer to the device and the foreign data, which may be
// dropped from any thread if `D` may.
unsafe impl<D: ForeignOwnable + Send> Send for Registration<D> {}
// SAFETY: It offers no methods through `&self`.
unsafe impl<D: ForeignOwnable + Send> Sync for Registration<D> {}
