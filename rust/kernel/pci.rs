// SPDX-License-Identifier: GPL-2.0

//! PCI devices and drivers.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)
//!
//! A PCI driver implements [`Driver`]: an ID table mapping matched devices to driver-defined
//! information, a `probe` that returns the driver's pin-initialised per-device data, and
//! optionally `unbind`. The data is dropped when the device is unbound, which releases everything
//! the driver acquired in `probe` ([`Bar`] mappings, [`IrqVectors`], interrupt registrations, the
//! [`EnabledDevice`] guard) in the order the driver declared it.
//!
//! The device contexts are upstream's ([`device::DeviceContext`]): `probe` and `unbind` receive
//! `&Device<Core>` (the device lock is held: enabling the device and bus mastering need it),
//! which dereferences to `Device<Bound>` (mapping BARs, allocating interrupt vectors), which
//! dereferences to `Device` (what is valid at any time, e.g. through an `ARef<Device>`).

use crate::{
    bindings,
    device::{self, Bound, Core, DeviceContext, Normal},
    device_id, driver,
    error::{from_result, to_result, Result},
    ffi::{c_int, c_void},
    io::{Io, IoRaw},
    prelude::*,
    str::CStr,
    types::{ARef, AlwaysRefCounted, ForeignOwnable, Opaque},
    ThisModule,
};
use core::{marker::PhantomData, ops::Deref, ptr::NonNull};

/// Matches any vendor, device, subvendor or subdevice: `PCI_ANY_ID`.
pub const ANY_ID: u32 = !0;

/// One entry of a PCI ID table: which devices a driver binds to.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct DeviceId(bindings::pci_device_id);

impl DeviceId {
    const fn raw(vendor: u32, device: u32, class: u32, class_mask: u32) -> Self {
        Self(bindings::pci_device_id {
            vendor,
            device,
            subvendor: ANY_ID,
            subdevice: ANY_ID,
            class,
            class_mask,
            driver_data: 0,
            override_only: 0,
        })
    }

    /// Matches the device `device` of vendor `vendor` (either may be [`ANY_ID`]).
    pub const fn from_id(vendor: u32, device: u32) -> Self {
        Self::raw(vendor, device, 0, 0)
    }

    /// Matches every device of `vendor` whose class code, masked with `class_mask`, is `class`
    /// (class codes are `class << 16 | subclass << 8 | prog_if`).
    pub const fn from_class(vendor: u32, class: u32, class_mask: u32) -> Self {
        Self::raw(vendor, ANY_ID, class, class_mask)
    }
}

// SAFETY: `DeviceId` is a transparent wrapper of `pci_device_id`; a zeroed entry ends a PCI ID
// table, and the PCI core does not match on `driver_data` (a `kernel_ulong_t`).
unsafe impl device_id::RawDeviceId for DeviceId {
    type RawType = bindings::pci_device_id;
    const DRIVER_DATA_OFFSET: usize = core::mem::offset_of!(bindings::pci_device_id, driver_data);
}

/// A PCI ID table of `N` entries, each with driver information of type `U` (see
/// [`device_id::IdArray`]): the PCI core hands the matched entry to `probe`, which receives the
/// entry's information.
pub type IdArray<U, const N: usize> = device_id::IdArray<DeviceId, U, N>;

/// A PCI ID table of any length, for [`Driver::ID_TABLE`].
pub type IdTable<U> = &'static dyn device_id::IdTable<DeviceId, U>;

impl<U: 'static, const N: usize> IdArray<U, N> {
    /// Builds a table from `ids` and their information `info` (same order).
    pub const fn new(ids: [DeviceId; N], info: [U; N]) -> Self {
        let mut raw = [DeviceId::raw(0, 0, 0, 0).0; N];
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

/// A PCI driver.
pub trait Driver: Send + Sync + Sized + 'static {
    /// Driver information attached to each ID table entry.
    type IdInfo: 'static;

    /// The devices this driver binds to.
    const ID_TABLE: IdTable<Self::IdInfo>;

    /// Binds the driver to `dev`, a device that matched the entry with information `info`.
    ///
    /// A device bound through `driver_override` need not match any entry: the PCI core then hands
    /// over a placeholder ID whose `driver_data` is 0, so `info` is that of the first entry, and
    /// `probe` has to check the device itself if that matters.
    ///
    /// Returns the driver's per-device data, which lives until the device is unbound.
    fn probe(dev: &Device<Core>, info: &'static Self::IdInfo) -> impl PinInit<Self, Error>;

    /// Called when the device is being unbound, before the per-device data `this` is dropped
    /// (and before the driver core releases the device's managed resources).
    fn unbind(_dev: &Device<Core>, _this: Pin<&Self>) {}
}

/// Connects a [`Driver`] to the C `struct pci_driver`.
pub struct Adapter<T: Driver>(PhantomData<T>);

// SAFETY: `register` leaves the driver registered on success and nothing registered on failure;
// `unregister` undoes it.
unsafe impl<T: Driver> driver::RegistrationOps for Adapter<T> {
    type RegType = bindings::pci_driver;

    unsafe fn register(
        reg: &Opaque<Self::RegType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        let pdrv = reg.get();
        // SAFETY: `pdrv` is valid for writes and zeroed (guaranteed by the caller).
        unsafe {
            (*pdrv).name = name.as_char_ptr();
            (*pdrv).probe = Some(Self::probe_callback);
            (*pdrv).remove = Some(Self::remove_callback);
            (*pdrv).id_table = T::ID_TABLE.as_ptr();
        }
        // SAFETY: `pdrv` is filled in and stays pinned until `unregister` (caller guarantee).
        to_result(unsafe {
            bindings::__pci_register_driver(pdrv, module.as_ptr(), name.as_char_ptr())
        })
    }

    unsafe fn unregister(reg: &Opaque<Self::RegType>) {
        // SAFETY: `reg` was registered (caller guarantee).
        unsafe { bindings::pci_unregister_driver(reg.get()) }
    }
}

impl<T: Driver> Adapter<T> {
    extern "C" fn probe_callback(
        pdev: *mut bindings::pci_dev,
        id: *const bindings::pci_device_id,
    ) -> c_int {
        // SAFETY: The PCI core calls `probe` with a valid device, holding its lock, that stays
        // bound to us until `remove`; `Device<Core>` is a transparent wrapper of `pci_dev`.
        let dev = unsafe { &*pdev.cast::<Device<Core>>() };
        // SAFETY: `id` points to the entry of our ID table that matched.
        let id = unsafe { &*id };
        from_result(|| {
            let info = T::ID_TABLE.info_of(id).ok_or(EINVAL)?;
            let data = KBox::pin_init(T::probe(dev, info), GFP_KERNEL)?;
            // SAFETY: `pdev` is valid; the pointer is taken back in `remove_callback`.
            unsafe { bindings::pci_set_drvdata(pdev, data.into_foreign().cast_mut()) };
            Ok(0)
        })
    }

    extern "C" fn remove_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: The PCI core calls `remove` with the device we were bound to, holding its
        // lock.
        let dev = unsafe { &*pdev.cast::<Device<Core>>() };
        // SAFETY: `probe_callback` stored the driver data here and nothing else changed it.
        let ptr = unsafe { bindings::pci_get_drvdata(pdev) };
        // SAFETY: `ptr` came from `into_foreign` in `probe_callback` and is taken back only here.
        let data = unsafe { Pin::<KBox<T>>::from_foreign(ptr) };
        T::unbind(dev, data.as_ref());
        drop(data);
    }
}

/// Declares a kernel module that registers a PCI driver.
///
/// # Examples
///
/// ```ignore
/// kernel::module_pci_driver! {
///     type: MyDriver,
///     name: "my_pci_driver",
///     author: "Me",
///     description: "My PCI driver",
///     license: "GPL",
/// }
/// ```
#[macro_export]
macro_rules! module_pci_driver {
    (type: $type:ty, name: $name:tt, $($f:tt)*) => {
        $crate::module_driver!($crate::pci::Adapter<$type>, name: $name, $($f)*);
    };
}

/// A PCI device.
///
/// `Ctx` says what the holder may do (see [`device::DeviceContext`]): [`Core`] (given to
/// `probe` and `unbind`) what needs the device lock, [`Bound`] what needs a bound driver,
/// [`Normal`] (any `ARef<Device>`) only what is valid at any time.
///
/// # Invariants
///
/// The wrapped `pci_dev` is valid; with `Ctx = Bound` a driver is bound to it for as long as
/// the reference exists, with `Ctx = Core` also its device lock is held.
#[repr(transparent)]
pub struct Device<Ctx: DeviceContext = Normal>(Opaque<bindings::pci_dev>, PhantomData<Ctx>);

impl<Ctx: DeviceContext> Device<Ctx> {
    fn as_raw(&self) -> *mut bindings::pci_dev {
        self.0.get()
    }

    /// The vendor ID.
    pub fn vendor_id(&self) -> u16 {
        // SAFETY: `as_raw` is valid by the type invariant; the field is constant after probe.
        unsafe { (*self.as_raw()).vendor }
    }

    /// The device ID.
    pub fn device_id(&self) -> u16 {
        // SAFETY: As above.
        unsafe { (*self.as_raw()).device }
    }

    /// The revision ID.
    pub fn revision_id(&self) -> u8 {
        // SAFETY: As above.
        unsafe { (*self.as_raw()).revision }
    }

    /// The class code, `class << 16 | subclass << 8 | prog_if`.
    pub fn class(&self) -> u32 {
        // SAFETY: As above.
        unsafe { (*self.as_raw()).class }
    }

    /// The size of BAR `bar` in bytes (0 if it is not implemented).
    pub fn resource_len(&self, bar: u32) -> Result<u64> {
        if bar > 5 {
            return Err(EINVAL);
        }
        let bar = c_int::try_from(bar)?;
        // SAFETY: `as_raw` is valid; `bar` is a valid BAR number.
        Ok(unsafe { bindings::pci_resource_len(self.as_raw(), bar) })
    }
}

impl Device<Core> {
    /// Enables the device's memory decoding; disabled again when the guard is dropped.
    pub fn enable_device_mem(&self) -> Result<EnabledDevice> {
        // SAFETY: `as_raw` is valid, the driver is bound and the device lock held.
        to_result(unsafe { bindings::pci_enable_device_mem(self.as_raw()) })?;
        let bound: &Device<Bound> = self;
        Ok(EnabledDevice(bound.into()))
    }

    /// Enables bus mastering (DMA and MSI delivery).
    pub fn set_master(&self) {
        // SAFETY: `as_raw` is valid, the driver is bound and the device lock held.
        unsafe { bindings::pci_set_master(self.as_raw()) };
    }
}

// SAFETY: `Device` is a transparent wrapper whose contexts differ only in a `PhantomData`, and
// the `Core` context implies `Bound` (type invariant).
crate::impl_device_context_deref!(unsafe { Device });

impl Device<Bound> {
    /// Requests and maps BAR `bar`, which must be at least `SIZE` bytes.
    pub fn iomap_region_sized<const SIZE: usize>(
        &self,
        bar: u32,
        name: &'static CStr,
    ) -> Result<Bar<SIZE>> {
        Bar::new(self, bar, name)
    }

    /// Allocates between `min` and `max` interrupt vectors of the given types.
    pub fn alloc_irq_vectors(&self, min: u32, max: u32, types: IrqTypes) -> Result<IrqVectors> {
        // SAFETY: `as_raw` is valid and the driver is bound.
        let ret = unsafe { bindings::pci_alloc_irq_vectors(self.as_raw(), min, max, types.0) };
        let count = u32::try_from(ret).map_err(|_| Error::from_errno(ret))?;
        Ok(IrqVectors {
            dev: self.into(),
            count,
        })
    }
}

impl AsRef<device::Device<Bound>> for Device<Bound> {
    fn as_ref(&self) -> &device::Device<Bound> {
        // SAFETY: `as_raw` is valid, so is its embedded `struct device`, to which a driver is
        // bound while `self` lives (type invariant).
        unsafe { device::Device::as_ctx_ref(core::ptr::addr_of_mut!((*self.as_raw()).dev)) }
    }
}

impl<Ctx: DeviceContext> AsRef<device::Device> for Device<Ctx> {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `as_raw` is valid, so is its embedded `struct device`, which lives as long as
        // `self`.
        unsafe { device::Device::as_ref(core::ptr::addr_of_mut!((*self.as_raw()).dev)) }
    }
}

impl From<&Device<Bound>> for ARef<Device> {
    fn from(dev: &Device<Bound>) -> Self {
        // SAFETY: `Device<Bound>` and `Device` have the same layout; the new reference is counted.
        let dev = unsafe { &*core::ptr::from_ref(dev).cast::<Device>() };
        dev.into()
    }
}

// SAFETY: `pci_dev_get`/`pci_dev_put` keep the device alive.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: A shared reference means the count is non-zero.
        unsafe { bindings::pci_dev_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference.
        unsafe { bindings::pci_dev_put(obj.cast().as_ptr()) }
    }
}

// SAFETY: `pci_dev` may be used from any thread; its mutable state is locked by the PCI core.
unsafe impl<Ctx: DeviceContext> Send for Device<Ctx> {}
// SAFETY: As above.
unsafe impl<Ctx: DeviceContext> Sync for Device<Ctx> {}

/// Keeps a device's memory decoding enabled: `pci_disable_device` on drop.
pub struct EnabledDevice(ARef<Device>);

impl Drop for EnabledDevice {
    fn drop(&mut self) {
        // SAFETY: The device was enabled by `enable_device_mem`.
        unsafe { bindings::pci_disable_device(self.0.as_raw()) };
    }
}

/// Interrupt types for [`Device::alloc_irq_vectors`].
#[derive(Clone, Copy)]
pub struct IrqTypes(u32);

impl IrqTypes {
    /// Legacy INTx.
    pub const INTX: Self = Self(bindings::PCI_IRQ_INTX);
    /// MSI.
    pub const MSI: Self = Self(bindings::PCI_IRQ_MSI);
    /// MSI-X.
    pub const MSIX: Self = Self(bindings::PCI_IRQ_MSIX);
    /// Any of them, MSI-X preferred.
    pub const ALL: Self =
        Self(bindings::PCI_IRQ_INTX | bindings::PCI_IRQ_MSI | bindings::PCI_IRQ_MSIX);
}

/// Allocated interrupt vectors of a device: freed on drop.
///
/// Drop interrupt registrations using these vectors before the `IrqVectors`.
pub struct IrqVectors {
    dev: ARef<Device>,
    count: u32,
}

impl IrqVectors {
    /// How many vectors were allocated.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The Linux interrupt number of vector `index`.
    pub fn irq(&self, index: u32) -> Result<u32> {
        if index >= self.count {
            return Err(EINVAL);
        }
        // SAFETY: The device is valid and `index` is an allocated vector.
        let ret = unsafe { bindings::pci_irq_vector(self.dev.as_raw(), index) };
        u32::try_from(ret).map_err(|_| Error::from_errno(ret))
    }
}

impl Drop for IrqVectors {
    fn drop(&mut self) {
        // SAFETY: The vectors were allocated by `alloc_irq_vectors`.
        unsafe { bindings::pci_free_irq_vectors(self.dev.as_raw()) };
    }
}

/// A requested and mapped PCI BAR, at least `SIZE` bytes: unmapped and released on drop.
///
/// Dereferences to [`Io`] for bounds-checked register access.
///
/// # Invariants
///
/// `io` describes the live mapping of BAR `bar` of `dev`, whose region is requested.
pub struct Bar<const SIZE: usize = 0> {
    dev: ARef<Device>,
    io: IoRaw<SIZE>,
    bar: c_int,
}

impl<const SIZE: usize> Bar<SIZE> {
    fn new(dev: &Device<Bound>, bar: u32, name: &'static CStr) -> Result<Self> {
        let len = dev.resource_len(bar)?;
        let bar = c_int::try_from(bar)?;
        let pdev = dev.as_raw();
        // SAFETY: `pdev` is valid and bound; `name` lives forever.
        to_result(unsafe { bindings::pci_request_region(pdev, bar, name.as_char_ptr()) })?;
        // SAFETY: The region is ours now; map all of it.
        let addr = unsafe { bindings::pci_iomap(pdev, bar, 0) };
        if addr.is_null() {
            // SAFETY: Requested above.
            unsafe { bindings::pci_release_region(pdev, bar) };
            return Err(ENOMEM);
        }
        let release = |e| {
            // SAFETY: Mapped and requested above.
            unsafe {
                bindings::pci_iounmap(pdev, addr);
                bindings::pci_release_region(pdev, bar);
            }
            e
        };
        let maxsize = usize::try_from(len).map_err(|_| release(EINVAL))?;
        // SAFETY: `addr` maps all `maxsize` bytes of the BAR until `drop`.
        let io = unsafe { IoRaw::new(addr as usize, maxsize) }.map_err(release)?;
        // INVARIANT: Mapped and requested above.
        Ok(Self {
            dev: dev.into(),
            io,
            bar,
        })
    }
}

impl<const SIZE: usize> Deref for Bar<SIZE> {
    type Target = Io<SIZE>;

    fn deref(&self) -> &Io<SIZE> {
        // SAFETY: The mapping is valid while `self` exists (type invariant).
        unsafe { Io::from_raw(&self.io) }
    }
}

impl<const SIZE: usize> Drop for Bar<SIZE> {
    fn drop(&mut self) {
        let pdev = self.dev.as_raw();
        // SAFETY: By the type invariant the BAR is mapped at `addr` and its region requested.
        unsafe {
            bindings::pci_iounmap(pdev, self.io.addr() as *mut c_void);
            bindings::pci_release_region(pdev, self.bar);
        }
    }
}

// SAFETY: MMIO may be accessed from any thread.
unsafe impl<const SIZE: usize> Send for Bar<SIZE> {}
// SAFETY: The accessors take `&self` and MMIO accesses are atomic per access.
unsafe impl<const SIZE: usize> Sync for Bar<SIZE> {}

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! KUnit suite `rust_pci`: ID table construction.
    use super::*;
    use crate::{c_str, kunit_suite::Test};

    static TABLE: IdArray<u32, 2> = IdArray::new(
        [
            DeviceId::from_id(0x10de, 0x2684),
            DeviceId::from_class(0x10de, 0x03_0000, 0xff_0000),
        ],
        [7, 9],
    );

    fn id_table(test: &Test) {
        let t: IdTable<u32> = &TABLE;
        let ids = t.ids();
        test.expect_eq(ids.len(), 2, c_str!("two entries"));
        test.expect_eq(ids[0].device, 0x2684, c_str!("device id"));
        test.expect_eq(
            ids[1].device,
            ANY_ID,
            c_str!("class entry matches any device"),
        );
        test.expect_eq(ids[1].class_mask, 0xff_0000, c_str!("class mask"));
        test.expect_eq(ids[1].driver_data, 1, c_str!("driver_data is the index"));
        test.expect_eq(
            t.info_of(&ids[0]).copied(),
            Some(7),
            c_str!("info of entry 0"),
        );
        test.expect_eq(
            t.info_of(&ids[1]).copied(),
            Some(9),
            c_str!("info by driver_data"),
        );
        test.expect_eq(t.info(1).copied(), Some(9), c_str!("info by index"));
        let mut foreign = ids[1];
        foreign.driver_data = 2;
        test.expect_eq(
            t.info_of(&foreign),
            None,
            c_str!("out-of-range index: None"),
        );
        let whole = core::ptr::from_ref(&TABLE).cast::<bindings::pci_device_id>();
        test.expect(whole == t.as_ptr(), c_str!("the entries start the table"));
        test.expect_eq(
            TABLE.raw_ids().size(),
            3 * core::mem::size_of::<bindings::pci_device_id>(),
            c_str!("raw table: two entries and the terminator"),
        );
        // SAFETY: `as_ptr` is valid for the entries and the sentinel that follows them.
        let after = unsafe { &*t.as_ptr().add(2) };
        test.expect(
            after.vendor == 0
                && after.device == 0
                && after.class_mask == 0
                && after.driver_data == 0,
            c_str!("zeroed sentinel follows the entries"),
        );
    }

    crate::kunit_suite!(rust_pci, [id_table]);
}
