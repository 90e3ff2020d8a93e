// SPDX-License-Identifier: GPL-2.0

//! DRM drivers: the [`Driver`] trait and the registration of a device.
//!
//! From a type implementing [`Driver`] the abstractions build, at compile time, the
//! `struct drm_driver` and the `struct file_operations` the DRM core uses for the device. Both are
//! constants in read-only memory; the hooks the abstractions provide always point to generic Rust
//! callbacks that dispatch to the driver's types, and optional hooks the driver does not
//! implement (see [`Driver`]) stay NULL.
//!
//! C header: [`include/drm/drm_drv.h`](srctree/include/drm/drm_drv.h)

use crate::{
    bindings, debugfs, device,
    drm::{self, file::DriverFile, gem::DriverObject, ioctl},
    error::{to_result, Result},
    ffi::{c_char, c_int},
    init::PinInit,
    prelude::*,
    str::CStr,
    types::ARef,
    ThisModule,
};
use core::{fmt, marker::PhantomData, mem::MaybeUninit};

/// Identification of a DRM driver, reported to userspace by `DRM_IOCTL_VERSION`.
///
/// # Examples
///
/// ```
/// use kernel::{c_str, drm::DriverInfo};
///
/// const INFO: DriverInfo = DriverInfo {
///     major: 0,
///     minor: 1,
///     patchlevel: 0,
///     name: c_str!("example"),
///     desc: c_str!("An example DRM driver"),
///     date: c_str!("20260101"),
/// };
/// assert_eq!(INFO.name.to_str(), Ok("example"));
/// ```
#[derive(Clone, Copy)]
pub struct DriverInfo {
    /// Major version number.
    pub major: c_int,
    /// Minor version number.
    pub minor: c_int,
    /// Patch level.
    pub patchlevel: c_int,
    /// Driver name, e.g. `"nouveau"`: what `drmGetVersion()` and `drm_info` show.
    pub name: &'static CStr,
    /// A one-line description of the driver.
    pub desc: &'static CStr,
    /// The driver date, `YYYYMMDD`.
    pub date: &'static CStr,
}

/// DRM driver features (`enum drm_driver_feature`), combined with [`Features::with`].
///
/// `DRIVER_GEM` is always set: the abstractions give every driver GEM objects. Features that
/// need abstractions this module does not have (atomic modesetting, compute accelerators) are
/// not offered, and [`Features::MODESET`] gives a mode configuration without outputs.
///
/// # Examples
///
/// ```
/// use kernel::drm::Features;
///
/// let f = Features::RENDER.with(Features::SYNCOBJ);
/// assert!(f.contains(Features::RENDER));
/// assert!(!f.contains(Features::SYNCOBJ_TIMELINE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Features(u32);

impl Features {
    /// No optional feature.
    pub const NONE: Features = Features(0);
    /// The device has a render node, `/dev/dri/renderD*` (`DRIVER_RENDER`).
    pub const RENDER: Features = Features(bindings::drm_driver_feature_DRIVER_RENDER);
    /// The driver supports DRM sync objects (`DRIVER_SYNCOBJ`).
    pub const SYNCOBJ: Features = Features(bindings::drm_driver_feature_DRIVER_SYNCOBJ);
    /// The driver supports timeline sync objects (`DRIVER_SYNCOBJ_TIMELINE`).
    pub const SYNCOBJ_TIMELINE: Features =
        Features(bindings::drm_driver_feature_DRIVER_SYNCOBJ_TIMELINE);
    /// The driver uses the GPU VA manager (`DRIVER_GEM_GPUVA`).
    pub const GEM_GPUVA: Features = Features(bindings::drm_driver_feature_DRIVER_GEM_GPUVA);
    /// The device has a mode configuration (`DRIVER_MODESET`), so its primary node answers the
    /// KMS ioctls. It has no CRTCs, planes, encoders or connectors: see [`drm::kms`].
    pub const MODESET: Features = Features(bindings::drm_driver_feature_DRIVER_MODESET);

    /// The union of `self` and `other`.
    pub const fn with(self, other: Features) -> Features {
        Features(self.0 | other.0)
    }

    /// Whether every feature in `other` is in `self`.
    pub const fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// The `drm_driver.driver_features` bits: these features plus `DRIVER_GEM`.
    pub const fn bits(self) -> u32 {
        self.0 | bindings::drm_driver_feature_DRIVER_GEM
    }
}

/// A DRM driver.
///
/// The implementing type is only a name for the driver: everything it needs at run time lives in
/// the associated types. Optional hooks (`#[vtable]`): when the implementation does not define
/// one, the matching `drm_driver` hook is NULL (see `HAS_*`).
///
/// # Examples
///
/// A minimal render driver with one ioctl; the parent `device` would be the one the driver's
/// bus driver bound to.
///
/// ```no_run
/// use kernel::{
///     c_str, device,
///     drm::{self, file::DriverFile, gem, ioctl},
///     prelude::*,
///     uapi,
/// };
/// # // SAFETY: NULL is `THIS_MODULE` of built-in code.
/// # static THIS_MODULE: ThisModule = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
///
/// struct MyDriver;
///
/// #[pin_data]
/// struct MyData {
///     chipset: u64,
/// }
///
/// struct MyFile;
///
/// impl DriverFile for MyFile {
///     type Driver = MyDriver;
///
///     fn open(_dev: &drm::Device<MyDriver>) -> Result<Pin<KBox<Self>>> {
///         Ok(KBox::pin(MyFile, GFP_KERNEL)?)
///     }
/// }
///
/// struct MyObject;
///
/// impl gem::DriverObject for MyObject {
///     type Driver = MyDriver;
///
///     fn new(_dev: &drm::Device<MyDriver>, _size: usize) -> impl PinInit<Self, Error> {
///         MyObject
///     }
/// }
///
/// // The ioctl of an upstream UAPI (msm's first), as a stand-in for the driver's own.
/// fn get_param(
///     dev: &drm::Device<MyDriver>,
///     args: &mut uapi::drm_msm_param,
///     _file: &drm::File<MyFile>,
/// ) -> Result {
///     match args.param {
///         uapi::MSM_PARAM_CHIP_ID => args.value = dev.data().chipset,
///         _ => return Err(EINVAL),
///     }
///     Ok(())
/// }
///
/// #[vtable]
/// impl drm::Driver for MyDriver {
///     type Data = MyData;
///     type File = MyFile;
///     type Object = MyObject;
///
///     const INFO: drm::DriverInfo = drm::DriverInfo {
///         major: 0,
///         minor: 1,
///         patchlevel: 0,
///         name: c_str!("mydrv"),
///         desc: c_str!("An example"),
///         date: c_str!("20260101"),
///     };
///     const MODULE: &'static ThisModule = &THIS_MODULE;
///
///     kernel::declare_drm_ioctls! {
///         (MSM_GET_PARAM, drm_msm_param, ioctl::RENDER_ALLOW, get_param),
///     }
/// }
///
/// fn probe(parent: &device::Device) -> Result<drm::Registration<MyDriver>> {
///     let reg = drm::Registration::new(parent, try_pin_init!(MyData { chipset: 0x192 }))?;
///     pr_info!("render node {:?}\n", reg.device().render_minor_index());
///     Ok(reg)
/// }
/// ```
#[vtable]
pub trait Driver: Sized + 'static {
    /// The per-device data, pin-initialised when the device is created and dropped when the
    /// device is released: after the [`Registration`] is gone, the last open file is closed and
    /// the last reference is dropped.
    type Data: Send + Sync + 'static;

    /// The per-open-file data.
    type File: DriverFile<Driver = Self>;

    /// The data of the driver's GEM objects.
    type Object: DriverObject<Driver = Self>;

    /// Driver identification.
    const INFO: DriverInfo;

    /// The module the driver is in, normally `&THIS_MODULE`: open DRM files hold a reference on
    /// it, so the module cannot be unloaded while one is open.
    const MODULE: &'static ThisModule;

    /// Optional features: [`Features::RENDER`] gives the device a render node.
    const FEATURES: Features = Features::RENDER;

    /// The driver ioctls, declared with [`declare_drm_ioctls!`](crate::declare_drm_ioctls).
    const IOCTLS: &'static [ioctl::Descriptor] = &[];

    /// The limits of the mode configuration of a [`Features::MODESET`] device: the framebuffer
    /// sizes `ADDFB`/`ADDFB2` accept. The default admits no framebuffers (see [`drm::kms`]).
    const MODE_CONFIG: drm::kms::ModeConfigInfo = drm::kms::ModeConfigInfo::NO_FRAMEBUFFERS;

    /// Creates a dumb buffer for `DRM_IOCTL_MODE_CREATE_DUMB` on the primary node
    /// (`drm_driver.dumb_create`; see [`drm::gem::DumbArgs`]), usually with
    /// [`gem::Object::create_dumb`](drm::gem::Object::create_dumb). Without it, the DRM core
    /// answers `ENOSYS` and `DRM_CAP_DUMB_BUFFER` reads 0.
    fn dumb_create(
        _dev: &drm::Device<Self>,
        _file: &drm::File<Self::File>,
        _args: &drm::gem::DumbArgs,
    ) -> Result<drm::gem::DumbBuffer> {
        crate::build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Prints driver-specific `key:\tvalue` lines into `/proc/<pid>/fdinfo/<fd>` of an open DRM
    /// file, after the generic `drm-driver` and `drm-client-id` lines (`drm_driver.show_fdinfo`).
    fn show_fdinfo(
        _dev: &drm::Device<Self>,
        _file: &drm::File<Self::File>,
        _p: &mut FdInfoPrinter<'_>,
    ) {
        crate::build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The output of [`Driver::show_fdinfo`]: a `struct drm_printer` writing into the fdinfo file.
///
/// Use it with `write!`/`writeln!`.
///
/// # Invariants
///
/// `ptr` is a valid `drm_printer` for the lifetime `'a`.
pub struct FdInfoPrinter<'a> {
    ptr: *mut bindings::drm_printer,
    _p: PhantomData<&'a mut bindings::drm_printer>,
}

impl fmt::Write for FdInfoPrinter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for chunk in s.as_bytes().chunks(4096) {
            let len = c_int::try_from(chunk.len()).map_err(|_| fmt::Error)?;
            // SAFETY: By the type invariant `ptr` is a valid printer; the format consumes exactly
            // an `int` length and a pointer to that many bytes, which `chunk` provides.
            unsafe {
                bindings::drm_printf(
                    self.ptr,
                    c"%.*s".as_ptr().cast::<c_char>(),
                    len,
                    chunk.as_ptr(),
                )
            };
        }
        Ok(())
    }
}

/// `drm_driver.show_fdinfo` for drivers that implement [`Driver::show_fdinfo`].
///
/// # Safety
///
/// Called by the DRM core with a valid printer and an open file of a device of driver `T`.
unsafe extern "C" fn show_fdinfo_callback<T: Driver>(
    p: *mut bindings::drm_printer,
    file: *mut bindings::drm_file,
) {
    // SAFETY: `file` is an open file of a device of driver `T`, valid for this call.
    let file = unsafe { drm::File::<T::File>::as_ref(file) };
    // INVARIANT: `p` is valid for this call, which outlives the printer.
    let mut printer = FdInfoPrinter {
        ptr: p,
        _p: PhantomData,
    };
    T::show_fdinfo(file.device(), file, &mut printer);
}

/// The constant C tables of driver `T`.
pub(crate) struct Vtable<T: Driver>(PhantomData<T>);

impl<T: Driver> Vtable<T> {
    /// `struct file_operations` of the DRM files, as `DEFINE_DRM_GEM_FOPS` builds them, with the
    /// driver's module as owner.
    pub(crate) const FOPS: bindings::file_operations = bindings::file_operations {
        owner: T::MODULE.as_ptr(),
        open: Some(bindings::drm_open),
        release: Some(bindings::drm_release),
        unlocked_ioctl: Some(bindings::drm_ioctl),
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: Some(bindings::drm_compat_ioctl),
        poll: Some(bindings::drm_poll),
        read: Some(bindings::drm_read),
        llseek: Some(bindings::noop_llseek),
        mmap: Some(bindings::drm_gem_mmap),
        show_fdinfo: Some(bindings::drm_show_fdinfo),
        fop_flags: bindings::FOP_UNSIGNED_OFFSET,
        // SAFETY: All-zeroes is a valid `file_operations`: NULL hooks, no flags.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    /// `struct drm_driver` of driver `T`.
    pub(crate) const DRIVER: bindings::drm_driver = bindings::drm_driver {
        open: Some(drm::file::open_callback::<T::File>),
        postclose: Some(drm::file::postclose_callback::<T::File>),
        release: Some(drm::device::release_callback::<T>),
        gem_prime_import_sg_table: Some(drm::gem::prime_import_sg_table_callback::<T::Object>),
        show_fdinfo: if T::HAS_SHOW_FDINFO {
            Some(show_fdinfo_callback::<T>)
        } else {
            None
        },
        dumb_create: if T::HAS_DUMB_CREATE {
            Some(drm::gem::dumb_create_callback::<T>)
        } else {
            None
        },
        major: T::INFO.major,
        minor: T::INFO.minor,
        patchlevel: T::INFO.patchlevel,
        name: T::INFO.name.as_char_ptr().cast_mut(),
        desc: T::INFO.desc.as_char_ptr().cast_mut(),
        date: T::INFO.date.as_char_ptr().cast_mut(),
        driver_features: T::FEATURES.bits(),
        ioctls: ioctl::table_ptr(T::IOCTLS),
        num_ioctls: ioctl::table_len(T::IOCTLS),
        fops: &Self::FOPS,
        // SAFETY: All-zeroes is a valid `drm_driver`: NULL hooks and strings, no ioctls.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };
}

/// The registration of a DRM device: its device nodes exist while this lives.
///
/// Dropping it unplugs the device (`drm_dev_unplug()`): the nodes go away, new opens fail, ioctls
/// that start afterwards fail with `ENODEV`, and once the drop returns no
/// [`Device::enter`](drm::Device::enter) section is running and none will start, so the driver
/// may then release what such sections use (the hardware). An ioctl handler that was already
/// past the DRM core's unplug check may still run, or start, after the drop: handlers use the
/// hardware only inside [`Device::enter`](drm::Device::enter). Files that are still open keep
/// the [`drm::Device`] and its [`Driver::Data`] alive until they are closed.
///
/// A registration may carry debugfs content of type `D` (see [`Registration::new_with_debugfs`]),
/// which is dropped before the device is unplugged: the DRM core removes the device's debugfs
/// directory, with anything left in it, when the device is unregistered.
///
/// The drop waits for every [`Device::enter`](drm::Device::enter) section to end, so it must not
/// happen inside one (for example in an ioctl handler that has entered the device): it would
/// wait for itself. Dropping it from the driver's unbind path, a work item or a file's `postclose` (the
/// drop of [`DriverFile`] data) is fine.
///
/// # Invariants
///
/// `dev` was registered with `drm_dev_register()` by [`Registration::new`] and is unplugged only
/// when `self` is dropped. `debugfs` (and `debugfs_dir`) live in `dev`'s debugfs directory.
pub struct Registration<T: Driver, D: Send + Sync = ()> {
    debugfs: Option<D>,
    debugfs_dir: Option<debugfs::Dir>,
    dev: ARef<drm::Device<T>>,
}

impl<T: Driver> Registration<T> {
    /// Creates a DRM device with `parent` as its parent, its [`Driver::Data`] initialised by
    /// `data`, and registers it (`drm_dev_register()`).
    ///
    /// A device is created and registered in one step so that it can be registered only once.
    pub fn new(parent: &device::Device, data: impl PinInit<T::Data, Error>) -> Result<Self> {
        let dev = drm::Device::<T>::new(parent, data)?;
        // SAFETY: `dev` is a valid DRM device that was never registered.
        to_result(unsafe { bindings::drm_dev_register(dev.as_raw(), 0) })?;
        // INVARIANT: Just registered; no debugfs content.
        Ok(Self {
            debugfs: None,
            debugfs_dir: None,
            dev,
        })
    }
}

impl<T: Driver, D: Send + Sync> Registration<T, D> {
    /// Like [`Registration::new`], and then `debugfs` makes debugfs content in the device's
    /// debugfs directory (`/sys/kernel/debug/dri/<minor>/`, for every minor of the device): the
    /// files, directories or [`debugfs::Scope`]s it returns as `D` are kept by the registration
    /// and dropped before the device is unplugged.
    ///
    /// If debugfs is not available the directory is inert, and so is what is made in it.
    pub fn new_with_debugfs(
        parent: &device::Device,
        data: impl PinInit<T::Data, Error>,
        debugfs: impl FnOnce(&debugfs::Dir, &drm::Device<T>) -> Result<D>,
    ) -> Result<Self> {
        let dev = drm::Device::<T>::new(parent, data)?;
        // SAFETY: `dev` is a valid DRM device that was never registered.
        to_result(unsafe { bindings::drm_dev_register(dev.as_raw(), 0) })?;
        // SAFETY: The device's debugfs directory lives until the device is unregistered, which
        // happens in `drop` after `debugfs` and `dir` (and everything made in it) are dropped.
        let dir = unsafe { debugfs::Dir::borrow_c_dir(dev.debugfs_root_dentry()) };
        let made = match debugfs(&dir, &dev) {
            Ok(made) => made,
            Err(e) => {
                drop(dir);
                // SAFETY: Registered above, unplugged once.
                unsafe { bindings::drm_dev_unplug(dev.as_raw()) };
                return Err(e);
            }
        };
        // INVARIANT: Registered above; the debugfs content lives in its directory.
        Ok(Self {
            debugfs: Some(made),
            debugfs_dir: Some(dir),
            dev,
        })
    }

    /// The registered device.
    pub fn device(&self) -> &ARef<drm::Device<T>> {
        &self.dev
    }
}

impl<T: Driver, D: Send + Sync> Drop for Registration<T, D> {
    fn drop(&mut self) {
        // Remove our debugfs content while the device's directory still exists.
        drop(self.debugfs.take());
        drop(self.debugfs_dir.take());
        // SAFETY: By the type invariant the device is registered and not yet unplugged.
        unsafe { bindings::drm_dev_unplug(self.dev.as_raw()) };
    }
}
