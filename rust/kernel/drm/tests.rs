// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `rust_drm`: what the DRM abstractions do without hardware or open files.
//!
//! The generated C tables (ioctl descriptors, `drm_driver` hooks, file operations), the lifetime
//! of a DRM device and its data (with and without registration, across unplug), the unplugged
//! ioctl path, the lifetime of GEM objects and their data, and the empty mode configuration.

use crate::{
    bindings, c_str,
    drm::{self, faux::FauxParent, file::DriverFile, gem, ioctl, Driver},
    error::Error,
    init,
    kunit_suite::Test,
    prelude::*,
    types::{ARef, Opaque},
    uapi, ThisModule,
};
use core::{
    fmt::Write,
    ptr::{null, null_mut},
    sync::atomic::{AtomicUsize, Ordering},
};

/// Built-in code has no module.
// SAFETY: NULL is `THIS_MODULE` of built-in code.
static THIS_MODULE: ThisModule = unsafe { ThisModule::from_ptr(null_mut()) };

/// Drops of [`Data`].
static DATA_DROPS: AtomicUsize = AtomicUsize::new(0);
/// Drops of [`Bo`].
static BO_DROPS: AtomicUsize = AtomicUsize::new(0);

fn drops(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

/// Device data with a drop counter.
struct Data {
    value: u32,
}

impl Drop for Data {
    fn drop(&mut self) {
        DATA_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

/// File data (never created: KUnit opens no files).
struct FileData;

/// GEM object data with a drop counter.
struct Bo {
    size: usize,
}

impl Drop for Bo {
    fn drop(&mut self) {
        BO_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

/// The full driver: four ioctls (the first four of an upstream UAPI header the kernel crate's
/// bindings carry, `msm_drm.h`, as a stand-in for any driver's) and `show_fdinfo`.
struct Full;

/// A driver with no ioctls and no optional hooks.
struct Plain;

impl DriverFile for FileData {
    type Driver = Full;

    fn open(_dev: &drm::Device<Full>) -> Result<Pin<KBox<Self>>> {
        Ok(KBox::pin(FileData, GFP_KERNEL)?)
    }
}

impl gem::DriverObject for Bo {
    type Driver = Full;

    fn new(_dev: &drm::Device<Full>, size: usize) -> impl PinInit<Self, Error> {
        Bo { size }
    }
}

/// Declares empty file and GEM object data types `$file` and `$bo` for the test driver `$drv`.
macro_rules! empty_file_and_object {
    ($drv:ty, $file:ident, $bo:ident) => {
        struct $file;

        impl DriverFile for $file {
            type Driver = $drv;

            fn open(_dev: &drm::Device<$drv>) -> Result<Pin<KBox<Self>>> {
                Ok(KBox::pin($file, GFP_KERNEL)?)
            }
        }

        struct $bo;

        impl gem::DriverObject for $bo {
            type Driver = $drv;

            fn new(_dev: &drm::Device<$drv>, _size: usize) -> impl PinInit<Self, Error> {
                $bo
            }
        }
    };
}

empty_file_and_object!(Plain, PlainFile, PlainBo);

fn get_param(
    dev: &drm::Device<Full>,
    args: &mut uapi::drm_msm_param,
    _file: &drm::File<FileData>,
) -> Result {
    args.value = dev.data().value.into();
    Ok(())
}

fn set_param(
    _dev: &drm::Device<Full>,
    _args: &mut uapi::drm_msm_param,
    _file: &drm::File<FileData>,
) -> Result {
    Err(ENOTTY)
}

/// Fails, after writing a handle: the dispatcher copies the argument back also on failure.
fn gem_new(
    _dev: &drm::Device<Full>,
    args: &mut uapi::drm_msm_gem_new,
    _file: &drm::File<FileData>,
) -> Result {
    args.handle = 0x77;
    Err(ENOTTY)
}

fn gem_info(
    _dev: &drm::Device<Full>,
    _args: &mut uapi::drm_msm_gem_info,
    _file: &drm::File<FileData>,
) -> Result {
    Err(ENOTTY)
}

#[vtable]
impl Driver for Full {
    type Data = Data;
    type File = FileData;
    type Object = Bo;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 1,
        minor: 2,
        patchlevel: 3,
        name: c_str!("rust_drm_kunit"),
        desc: c_str!("Rust DRM KUnit driver"),
        date: c_str!("20260101"),
    };
    const MODULE: &'static ThisModule = &THIS_MODULE;
    const FEATURES: drm::Features = drm::Features::RENDER.with(drm::Features::SYNCOBJ);

    crate::declare_drm_ioctls! {
        (MSM_GET_PARAM, drm_msm_param, ioctl::RENDER_ALLOW, get_param),
        (MSM_SET_PARAM, drm_msm_param, 0, set_param),
        (MSM_GEM_NEW, drm_msm_gem_new, ioctl::AUTH | ioctl::RENDER_ALLOW, gem_new),
        (MSM_GEM_INFO, drm_msm_gem_info, ioctl::RENDER_ALLOW, gem_info),
    }

    fn show_fdinfo(
        _dev: &drm::Device<Self>,
        _file: &drm::File<FileData>,
        p: &mut drm::driver::FdInfoPrinter<'_>,
    ) {
        let _ = writeln!(p, "drm-engine-kunit:\t0 ns");
    }
}

#[vtable]
impl Driver for Plain {
    type Data = ();
    type File = PlainFile;
    type Object = PlainBo;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 0,
        minor: 0,
        patchlevel: 0,
        name: c_str!("rust_drm_kunit_plain"),
        desc: c_str!("Rust DRM KUnit driver without options"),
        date: c_str!("20260101"),
    };
    const MODULE: &'static ThisModule = &THIS_MODULE;
    const FEATURES: drm::Features = drm::Features::NONE;
}

/// The ioctl table: request codes from the UAPI header, flags, names and handlers, in order.
fn ioctl_table(test: &Test) {
    let t = Full::IOCTLS;
    test.expect_eq(t.len(), 4, c_str!("number of ioctls"));
    let expected = [
        (
            uapi::RUST_DRM_IOCTL_MSM_GET_PARAM,
            ioctl::RENDER_ALLOW,
            "MSM_GET_PARAM",
        ),
        (uapi::RUST_DRM_IOCTL_MSM_SET_PARAM, 0, "MSM_SET_PARAM"),
        (
            uapi::RUST_DRM_IOCTL_MSM_GEM_NEW,
            ioctl::AUTH | ioctl::RENDER_ALLOW,
            "MSM_GEM_NEW",
        ),
        (
            uapi::RUST_DRM_IOCTL_MSM_GEM_INFO,
            ioctl::RENDER_ALLOW,
            "MSM_GEM_INFO",
        ),
    ];
    for (i, (d, &(cmd, flags, name))) in t.iter().zip(expected.iter()).enumerate() {
        test.expect_eq(d.cmd(), cmd, c_str!("request code"));
        test.expect_eq(d.flags(), flags, c_str!("flags"));
        test.expect_eq(d.name().to_str(), Ok(name), c_str!("name"));
        test.expect(d.has_handler(), c_str!("handler set"));
        test.expect_eq(
            crate::ioctl::_IOC_NR(d.cmd()),
            bindings::DRM_COMMAND_BASE + u32::try_from(i).unwrap_or(u32::MAX),
            c_str!("ioctl number is DRM_COMMAND_BASE + index"),
        );
    }
    // The sizes the request codes encode are the Rust structs' (also checked at compile time).
    test.expect_eq(
        crate::ioctl::_IOC_SIZE(t[2].cmd()),
        core::mem::size_of::<uapi::drm_msm_gem_new>(),
        c_str!("GEM_NEW size"),
    );
    test.expect_eq(
        t[0].cmd(),
        crate::ioctl::_IOWR::<uapi::drm_msm_param>(
            u32::from(bindings::DRM_IOCTL_BASE),
            bindings::DRM_COMMAND_BASE + uapi::DRM_MSM_GET_PARAM,
        ),
        c_str!("GET_PARAM is _IOWR('d', 0x40, struct drm_msm_param)"),
    );
    test.expect_eq(
        t[1].cmd(),
        crate::ioctl::_IOW::<uapi::drm_msm_param>(
            u32::from(bindings::DRM_IOCTL_BASE),
            bindings::DRM_COMMAND_BASE + uapi::DRM_MSM_SET_PARAM,
        ),
        c_str!("SET_PARAM is _IOW('d', 0x41, struct drm_msm_param)"),
    );
    let drv = &drm::driver::Vtable::<Full>::DRIVER;
    test.expect_eq(drv.num_ioctls, 4, c_str!("drm_driver.num_ioctls"));
    test.expect(
        core::ptr::eq(drv.ioctls, t.as_ptr().cast()),
        c_str!("drm_driver.ioctls is the table"),
    );
    let plain = &drm::driver::Vtable::<Plain>::DRIVER;
    test.expect_eq(plain.num_ioctls, 0, c_str!("no ioctls: num_ioctls"));
    test.expect(plain.ioctls.is_null(), c_str!("no ioctls: NULL table"));
}

/// The `drm_driver`: the hooks the abstractions provide are set, optional hooks only when the
/// driver implements them, everything else NULL.
fn driver_hooks(test: &Test) {
    let full = &drm::driver::Vtable::<Full>::DRIVER;
    let plain = &drm::driver::Vtable::<Plain>::DRIVER;
    test.expect(Full::HAS_SHOW_FDINFO, c_str!("Full::HAS_SHOW_FDINFO"));
    test.expect(!Plain::HAS_SHOW_FDINFO, c_str!("!Plain::HAS_SHOW_FDINFO"));
    test.expect(full.show_fdinfo.is_some(), c_str!("Full: show_fdinfo set"));
    test.expect(
        plain.show_fdinfo.is_none(),
        c_str!("Plain: show_fdinfo NULL"),
    );
    for (d, which) in [(full, "Full"), (plain, "Plain")] {
        let ok = d.open.is_some()
            && d.postclose.is_some()
            && d.release.is_some()
            && d.gem_prime_import_sg_table.is_some()
            && !d.fops.is_null();
        test.expect(ok, c_str!("open, postclose, release, import, fops set"));
        let none = d.load.is_none()
            && d.unload.is_none()
            && d.master_set.is_none()
            && d.master_drop.is_none()
            && d.debugfs_init.is_none()
            && d.gem_create_object.is_none()
            && d.prime_handle_to_fd.is_none()
            && d.prime_fd_to_handle.is_none()
            && d.gem_prime_import.is_none()
            && d.dumb_create.is_none()
            && d.dumb_map_offset.is_none()
            && d.fbdev_probe.is_none();
        if !none {
            test.fail(format_args!("{which}: a hook that must be NULL is set"));
        }
    }
    test.expect_eq(
        full.driver_features,
        bindings::drm_driver_feature_DRIVER_GEM
            | bindings::drm_driver_feature_DRIVER_RENDER
            | bindings::drm_driver_feature_DRIVER_SYNCOBJ,
        c_str!("Full: features GEM | RENDER | SYNCOBJ"),
    );
    test.expect_eq(
        plain.driver_features,
        bindings::drm_driver_feature_DRIVER_GEM,
        c_str!("Plain: features GEM"),
    );
    test.expect_eq(
        (full.major, full.minor, full.patchlevel),
        (1, 2, 3),
        c_str!("version"),
    );
    // SAFETY: `name` is the static C string of `Full::INFO`.
    let name = unsafe { crate::str::CStr::from_char_ptr(full.name) };
    test.expect_eq(name.to_str(), Ok("rust_drm_kunit"), c_str!("name"));

    let fops = &drm::driver::Vtable::<Full>::FOPS;
    test.expect(
        fops.owner.is_null(),
        c_str!("fops.owner: built-in, no module"),
    );
    let set = fops.open.is_some()
        && fops.release.is_some()
        && fops.unlocked_ioctl.is_some()
        && fops.poll.is_some()
        && fops.read.is_some()
        && fops.llseek.is_some()
        && fops.mmap.is_some()
        && fops.show_fdinfo.is_some();
    test.expect(set, c_str!("fops: DRM GEM file operations set"));
    test.expect(fops.write.is_none(), c_str!("fops.write NULL"));
    test.expect_eq(
        fops.fop_flags,
        bindings::FOP_UNSIGNED_OFFSET,
        c_str!("fops.fop_flags"),
    );
}

/// A DRM device and its data: the data lives until the last reference is gone, and is dropped
/// exactly once; a failing data initialiser creates no device.
fn device_lifetime(test: &Test) {
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_dev"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    let before = drops(&DATA_DROPS);
    let dev = match drm::Device::<Full>::new(parent.device(), Data { value: 7 }) {
        Ok(dev) => dev,
        Err(e) => {
            test.fail(format_args!("Device::new: {e:?}"));
            return;
        }
    };
    test.expect_eq(dev.data().value, 7, c_str!("data"));
    test.expect(
        core::ptr::eq(dev.parent(), parent.device()),
        c_str!("parent"),
    );
    test.expect(!dev.is_unplugged(), c_str!("not unplugged"));
    test.expect(dev.render_minor_index().is_some(), c_str!("render minor"));
    let dev2: ARef<drm::Device<Full>> = dev.clone();
    drop(dev);
    test.expect_eq(
        drops(&DATA_DROPS),
        before,
        c_str!("data alive with a reference"),
    );
    test.expect_eq(dev2.data().value, 7, c_str!("data through the clone"));
    drop(dev2);
    test.expect_eq(
        drops(&DATA_DROPS),
        before + 1,
        c_str!("data dropped once at release"),
    );

    // SAFETY: The closure does not touch the slot and fails.
    let failing = unsafe { init::pin_init_from_closure(|_slot: *mut Data| Err(ENOMEM)) };
    let r = drm::Device::<Full>::new(parent.device(), failing);
    test.expect(
        matches!(r, Err(e) if e == ENOMEM),
        c_str!("failing init fails"),
    );
    test.expect_eq(
        drops(&DATA_DROPS),
        before + 1,
        c_str!("no drop of uninitialised data"),
    );

    let plain = drm::Device::<Plain>::new(parent.device(), ());
    test.expect(plain.is_ok(), c_str!("plain device"));
    if let Ok(p) = &plain {
        test.expect(
            p.render_minor_index().is_none(),
            c_str!("no render node without RENDER"),
        );
        test.expect(p.primary_minor_index().is_some(), c_str!("primary node"));
    }
}

/// The generated C entry points of the ioctls: the argument is read from the buffer the DRM core
/// passes (which may be unaligned), the handler's result is written back, also when it fails,
/// and errors become negative errnos.
fn ioctl_dispatch(test: &Test) {
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_ioctl"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    let Ok(dev) = drm::Device::<Full>::new(parent.device(), Data { value: 0x1234 }) else {
        test.fail(format_args!("Device::new failed"));
        return;
    };
    // A zeroed `struct drm_file`, not an open file of the device as `File` otherwise guarantees:
    // harmless here, because the two handlers called below never look at their file.
    // SAFETY: All-zero bytes are a valid `drm_file` (integers and null pointers).
    let zeroed = unsafe { core::mem::zeroed::<bindings::drm_file>() };
    let file = match KBox::new(Opaque::new(zeroed), GFP_KERNEL) {
        Ok(file) => file,
        Err(e) => {
            test.fail(format_args!("file: {e:?}"));
            return;
        }
    };
    /// A buffer aligned to 8, so that its offset 1 is misaligned for `u64`.
    #[repr(C, align(8))]
    struct Buf([u8; 1 + core::mem::size_of::<uapi::drm_msm_param>()]);
    // The argument at offset 1 of the buffer: misaligned for its `u64` fields.
    let mut b = Buf([0; 1 + core::mem::size_of::<uapi::drm_msm_param>()]);
    let buf = &mut b.0;
    buf[1..9].copy_from_slice(&1u64.to_ne_bytes());
    buf[9..17].fill(0xaa);
    let call = |index: usize, data: *mut u8| match Full::IOCTLS[index].raw_handler() {
        // SAFETY: The device is of driver `Full`, `file` is a `drm_file` the two handlers called
        // here do not use (see above), and `data` points to an argument of the ioctl's size.
        Some(handler) => unsafe { handler(dev.as_raw(), data.cast(), file.get()) },
        None => i32::MIN,
    };
    let ret = call(0, buf[1..].as_mut_ptr());
    test.expect_eq(ret, 0, c_str!("GET_PARAM handler: 0"));
    let mut value = [0u8; 8];
    value.copy_from_slice(&buf[9..9 + 8]);
    test.expect_eq(
        u64::from_ne_bytes(value),
        0x1234,
        c_str!("GET_PARAM value written back, unaligned"),
    );
    test.expect_eq(buf[0], 0, c_str!("nothing written before the argument"));

    // A failing handler: its errno, negative, and what it wrote copied back.
    buf.fill(0);
    let ret = call(2, buf[1..].as_mut_ptr());
    test.expect_eq(ret, ENOTTY.to_errno(), c_str!("failing handler: -ENOTTY"));
    let handle_at = 1 + core::mem::offset_of!(uapi::drm_msm_gem_new, handle);
    let mut handle = [0u8; 4];
    handle.copy_from_slice(&buf[handle_at..handle_at + 4]);
    test.expect_eq(
        u32::from_ne_bytes(handle),
        0x77,
        c_str!("argument copied back on failure"),
    );
}

/// Registration and unplug: a registered device has its nodes; dropping the registration unplugs
/// it, after which the device cannot be entered (and the DRM core fails ioctls with `ENODEV`,
/// which the IGT and lifetime tests check through real files), while the data lives until the
/// last reference is gone.
fn registration_unplug(test: &Test) {
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_reg"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    let before = drops(&DATA_DROPS);
    let reg = match drm::Registration::<Full>::new(parent.device(), Data { value: 9 }) {
        Ok(reg) => reg,
        Err(e) => {
            test.fail(format_args!("Registration::new: {e:?}"));
            return;
        }
    };
    let dev = reg.device().clone();
    test.expect(dev.render_minor_index().is_some(), c_str!("render node"));
    // SAFETY: The device is registered; reading the flag is what `drm_dev_register()` set.
    test.expect(unsafe { (*dev.as_raw()).registered }, c_str!("registered"));
    {
        let guard = dev.enter();
        test.expect(guard.is_some(), c_str!("enter while registered"));
    }
    drop(reg);
    test.expect(
        dev.is_unplugged(),
        c_str!("unplugged after the registration is dropped"),
    );
    test.expect(dev.enter().is_none(), c_str!("no enter after unplug"));
    test.expect_eq(
        drops(&DATA_DROPS),
        before,
        c_str!("data alive after unplug"),
    );
    test.expect_eq(dev.data().value, 9, c_str!("data readable after unplug"));

    drop(dev);
    test.expect_eq(drops(&DATA_DROPS), before + 1, c_str!("data dropped once"));
}

/// GEM objects: size rounding, mmap offsets (created on first use), reference counting, the data
/// dropped exactly once, and the device kept alive by its objects.
fn gem_lifetime(test: &Test) {
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_gem"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    let data_before = drops(&DATA_DROPS);
    let bo_before = drops(&BO_DROPS);
    let Ok(dev) = drm::Device::<Full>::new(parent.device(), Data { value: 1 }) else {
        test.fail(format_args!("Device::new failed"));
        return;
    };
    let bo = match gem::Object::<Bo>::new(&dev, 5000) {
        Ok(bo) => bo,
        Err(e) => {
            test.fail(format_args!("Object::new: {e:?}"));
            return;
        }
    };
    test.expect_eq(bo.size(), 8192, c_str!("size rounded up to pages"));
    test.expect_eq(
        bo.size,
        8192,
        c_str!("DriverObject::new got the rounded size"),
    );
    test.expect(core::ptr::eq(bo.device(), &*dev), c_str!("device"));
    test.expect(
        !bo.has_mmap_offset(),
        c_str!("no mmap offset before it is asked for"),
    );
    match (bo.create_mmap_offset(), bo.create_mmap_offset()) {
        (Ok(a), Ok(b)) => {
            test.expect(bo.has_mmap_offset(), c_str!("mmap offset created"));
            test.expect(a != 0, c_str!("mmap offset non-zero"));
            test.expect_eq(a % 4096, 0, c_str!("mmap offset page aligned"));
            test.expect_eq(a, b, c_str!("mmap offset stable"));
        }
        _ => test.fail(format_args!("create_mmap_offset failed")),
    }
    let bo2 = bo.clone();
    drop(bo);
    test.expect_eq(
        drops(&BO_DROPS),
        bo_before,
        c_str!("object alive with a reference"),
    );

    test.expect(
        matches!(gem::Object::<Bo>::new(&dev, 0), Err(e) if e == EINVAL),
        c_str!("size 0: EINVAL"),
    );
    test.expect(
        matches!(gem::Object::<Bo>::new(&dev, usize::MAX), Err(e) if e == EINVAL),
        c_str!("size overflow: EINVAL"),
    );
    test.expect_eq(
        drops(&BO_DROPS),
        bo_before,
        c_str!("failed creations drop nothing"),
    );

    // The object keeps the device (and its data) alive.
    drop(dev);
    test.expect_eq(
        drops(&DATA_DROPS),
        data_before,
        c_str!("device alive while objects are"),
    );
    drop(bo2);
    test.expect_eq(
        drops(&BO_DROPS),
        bo_before + 1,
        c_str!("object data dropped once"),
    );
    test.expect_eq(
        drops(&DATA_DROPS),
        data_before + 1,
        c_str!("then the device released"),
    );
}

/// A driver with [`drm::Features::MODESET`]: an empty mode configuration.
struct Kms;

empty_file_and_object!(Kms, KmsFile, KmsBo);

#[vtable]
impl Driver for Kms {
    type Data = ();
    type File = KmsFile;
    type Object = KmsBo;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 1,
        minor: 0,
        patchlevel: 0,
        name: c_str!("rust_drm_kunit_kms"),
        desc: c_str!("KUnit test driver with an empty mode configuration"),
        date: c_str!("20261123"),
    };
    const MODULE: &'static ThisModule = &THIS_MODULE;
    const FEATURES: drm::Features = drm::Features::RENDER.with(drm::Features::MODESET);
}

/// `MODESET`: the device gets an empty, registered mode configuration whose `fb_create` refuses,
/// and a framebuffer size range no request passes; devices without it get none. Registering,
/// unplugging and releasing it (with the managed cleanup) must not warn, which the check of the
/// kernel log after the KUnit boot covers.
fn mode_config(test: &Test) {
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_kms"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    test.expect(
        drm::Features::RENDER.with(drm::Features::MODESET).bits()
            & bindings::drm_driver_feature_DRIVER_MODESET
            != 0,
        c_str!("MODESET bit"),
    );
    let reg = match drm::Registration::<Kms>::new(parent.device(), ()) {
        Ok(reg) => reg,
        Err(e) => {
            test.fail(format_args!("Registration::new: {e:?}"));
            return;
        }
    };
    let dev = reg.device().clone();
    // SAFETY: The device is valid; its mode configuration was set up before registration and is
    // only read here.
    let (funcs, max_w, max_h, no_modifiers, registered) = unsafe {
        let raw = dev.as_raw();
        (
            (*raw).mode_config.funcs,
            (*raw).mode_config.max_width,
            (*raw).mode_config.max_height,
            (*raw).mode_config.fb_modifiers_not_supported,
            (*raw).registered,
        )
    };
    test.expect(no_modifiers, c_str!("no framebuffer modifiers"));
    test.expect(registered, c_str!("registered"));
    test.expect(!funcs.is_null(), c_str!("mode_config.funcs set"));
    test.expect_eq(
        (max_w, max_h),
        (0, 0),
        c_str!("no framebuffer size allowed"),
    );
    let fb_create = if funcs.is_null() {
        None
    } else {
        // SAFETY: `funcs` is non-NULL and points to the static table of `drm::kms`.
        unsafe { (*funcs).fb_create }
    };
    match fb_create {
        Some(f) => {
            // SAFETY: The hook ignores its arguments and returns an error pointer.
            let fb = unsafe { f(dev.as_raw(), null_mut(), null()) };
            test.expect_eq(
                crate::error::from_err_ptr(fb).err(),
                Some(EOPNOTSUPP),
                c_str!("fb_create: EOPNOTSUPP"),
            );
        }
        None => test.fail(format_args!("fb_create is NULL")),
    }
    test.expect(
        dev.primary_minor_index().is_some() && dev.render_minor_index().is_some(),
        c_str!("primary and render nodes"),
    );
    drop(reg);
    test.expect(dev.is_unplugged(), c_str!("unplugged"));
    drop(dev);

    match drm::Device::<Plain>::new(parent.device(), ()) {
        Ok(p) => {
            test.expect(
                // SAFETY: The device is valid and only read.
                unsafe { (*p.as_raw()).mode_config.funcs.is_null() },
                c_str!("no mode configuration without MODESET"),
            );
        }
        Err(e) => test.fail(format_args!("plain device: {e:?}")),
    }
}

/// A driver with [`drm::Features::MODESET`], framebuffer limits and dumb buffers.
struct KmsFb;

empty_file_and_object!(KmsFb, KmsFbFile, KmsFbBo);

#[vtable]
impl Driver for KmsFb {
    type Data = ();
    type File = KmsFbFile;
    type Object = KmsFbBo;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 1,
        minor: 0,
        patchlevel: 0,
        name: c_str!("rust_drm_kunit_kmsfb"),
        desc: c_str!("KUnit test driver with framebuffers"),
        date: c_str!("20261202"),
    };
    const MODULE: &'static ThisModule = &THIS_MODULE;
    const FEATURES: drm::Features = drm::Features::RENDER.with(drm::Features::MODESET);
    const MODE_CONFIG: drm::kms::ModeConfigInfo = drm::kms::ModeConfigInfo {
        min_width: 2,
        min_height: 3,
        max_width: 4096,
        max_height: 2048,
    };

    fn dumb_create(
        dev: &drm::Device<Self>,
        file: &drm::File<KmsFbFile>,
        args: &gem::DumbArgs,
    ) -> Result<gem::DumbBuffer> {
        gem::Object::<KmsFbBo>::create_dumb(dev, file, args, 64)
    }
}

/// Framebuffer limits: the mode configuration gets the driver's size range and admits linear
/// modifiers, its hooks are not those of a configuration without framebuffers, and the layout
/// check refuses modifiers other than linear; `dumb_create` is set only for drivers that
/// implement it.
fn mode_config_framebuffers(test: &Test) {
    test.expect(
        drm::driver::Vtable::<KmsFb>::DRIVER.dumb_create.is_some(),
        c_str!("KmsFb: dumb_create set"),
    );
    test.expect(
        drm::driver::Vtable::<Kms>::DRIVER.dumb_create.is_none(),
        c_str!("Kms: dumb_create NULL"),
    );
    test.expect(
        !drm::kms::ModeConfigInfo::NO_FRAMEBUFFERS.has_framebuffers(),
        c_str!("NO_FRAMEBUFFERS has none"),
    );
    let Ok(parent) = FauxParent::new(c_str!("rust_drm_kunit_kmsfb"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the parent"));
        return;
    };
    let Ok(parent2) = FauxParent::new(c_str!("rust_drm_kunit_kmsfb2"), &THIS_MODULE) else {
        test.fail(format_args!("cannot register the second parent"));
        return;
    };
    let (kms, fb) = match (
        drm::Device::<Kms>::new(parent2.device(), ()),
        drm::Device::<KmsFb>::new(parent.device(), ()),
    ) {
        (Ok(kms), Ok(fb)) => (kms, fb),
        _ => {
            test.fail(format_args!("Device::new failed"));
            return;
        }
    };
    // SAFETY: Both devices are valid and their mode configurations set up; only read here.
    let (limits, no_modifiers, funcs, kms_funcs) = unsafe {
        let c = &(*fb.as_raw()).mode_config;
        (
            (c.min_width, c.min_height, c.max_width, c.max_height),
            c.fb_modifiers_not_supported,
            c.funcs,
            (*kms.as_raw()).mode_config.funcs,
        )
    };
    test.expect_eq(limits, (2, 3, 4096, 2048), c_str!("size range"));
    test.expect(!no_modifiers, c_str!("modifiers (linear) supported"));
    test.expect(
        !funcs.is_null() && !core::ptr::eq(funcs, kms_funcs),
        c_str!("other hooks than without framebuffers"),
    );
    // What `fb_create` refuses before the GEM framebuffer helper runs (which needs an open
    // file; the IGT test `novax_kms` covers it end to end).
    let x_tiled = (1u64 << 56) | 1;
    let mods = bindings::DRM_MODE_FB_MODIFIERS;
    test.expect(
        drm::kms::linear_only(0, x_tiled).is_ok(),
        c_str!("no modifiers flag: linear, whatever the field holds"),
    );
    test.expect(
        drm::kms::linear_only(mods, 0).is_ok(),
        c_str!("DRM_FORMAT_MOD_LINEAR accepted"),
    );
    test.expect_eq(
        drm::kms::linear_only(mods, x_tiled).err(),
        Some(EINVAL),
        c_str!("X-tiled: EINVAL"),
    );
    test.expect_eq(
        drm::kms::linear_only(mods, u64::MAX >> 8).err(),
        Some(EINVAL),
        c_str!("DRM_FORMAT_MOD_INVALID: EINVAL"),
    );
}

crate::kunit_suite!(
    rust_drm,
    [
        ioctl_table,
        driver_hooks,
        device_lifetime,
        ioctl_dispatch,
        registration_unplug,
        gem_lifetime,
        mode_config,
        mode_config_framebuffers
    ]
);
