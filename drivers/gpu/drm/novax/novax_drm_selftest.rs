// SPDX-License-Identifier: GPL-2.0

//! Self-test of the Rust DRM abstractions, without hardware.
//!
//! Registers a DRM render device on a faux root device (`/sys/devices/novax_drm_selftest`) with
//! the novax UAPI ioctls answered from memory:
//!
//! - `GETPARAM`: `NOVAX_GETPARAM_CHIPSET` is [`CHIPSET`], `NOVAX_GETPARAM_VRAM_SIZE` the number
//!   of opens so far; anything else fails with `EINVAL`;
//! - `GEM_CREATE`/`GEM_INFO`: shmem GEM objects, as the UAPI header describes them;
//! - `GSP_ECHO`: returns the cookie. The cookie [`UNPLUG_COOKIE`] marks the file: when it is
//!   closed, the device is unplugged (as a driver unbind would), so that the guest test can check
//!   that files still open then fail with `ENODEV` and that the device data is dropped only when
//!   the last one is closed.
//!
//! `guest/tests/20-drm-selftest.sh` drives it.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    c_str,
    drm::{self, faux::FauxParent, file::DriverFile, gem, ioctl},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    uapi,
};

module! {
    type: DrmSelftest,
    name: "novax_drm_selftest",
    author: "The novax authors",
    description: "novax: self-test of the Rust DRM abstractions",
    license: "GPL",
}

/// What `GETPARAM(NOVAX_GETPARAM_CHIPSET)` returns (AD102).
const CHIPSET: u64 = 0x192;

/// The `GSP_ECHO` cookie that makes closing the file unplug the device ("UNPLUG!").
const UNPLUG_COOKIE: u64 = 0x0021_4755_4c50_4e55;

struct Selftest;

/// The registration, shared by the module (which drops it on unload) and the device data (so that
/// a file can unplug the device when it is closed). Whoever takes it out first unplugs.
type SharedRegistration = Arc<Mutex<Option<drm::Registration<Selftest>>>>;

struct DeviceData {
    opens: AtomicU32,
    registration: SharedRegistration,
}

impl Drop for DeviceData {
    fn drop(&mut self) {
        pr_info!(
            "device data dropped after {} opens\n",
            self.opens.load(Ordering::Relaxed)
        );
    }
}

struct FileData {
    id: u32,
    unplug_on_close: AtomicBool,
    registration: SharedRegistration,
}

impl DriverFile for FileData {
    type Driver = Selftest;

    fn open(dev: &drm::Device<Selftest>) -> Result<Pin<KBox<Self>>> {
        let data = dev.data();
        let id = data.opens.fetch_add(1, Ordering::Relaxed) + 1;
        pr_info!("file {} opened\n", id);
        Ok(KBox::pin(
            FileData {
                id,
                unplug_on_close: AtomicBool::new(false),
                registration: data.registration.clone(),
            },
            GFP_KERNEL,
        )?)
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        pr_info!("file {} closed\n", self.id);
        if self.unplug_on_close.load(Ordering::Relaxed) {
            // Not inside an ioctl (where unplugging would wait for itself): `postclose`.
            let registration = self.registration.lock().take();
            if registration.is_some() {
                drop(registration);
                pr_info!("unplugged on request of file {}\n", self.id);
            }
        }
    }
}

/// The data of a GEM object: nothing but a trace of its life.
struct Bo {
    size: usize,
}

impl gem::DriverObject for Bo {
    type Driver = Selftest;

    fn new(_dev: &drm::Device<Selftest>, size: usize) -> impl PinInit<Self, Error> {
        Bo { size }
    }
}

impl Drop for Bo {
    fn drop(&mut self) {
        pr_info!("object of {} bytes freed\n", self.size);
    }
}

type File = drm::File<FileData>;
type Object = gem::Object<Bo>;

fn getparam(
    dev: &drm::Device<Selftest>,
    args: &mut uapi::drm_novax_getparam,
    _file: &File,
) -> Result {
    args.value = match u32::try_from(args.param).map_err(|_| EINVAL)? {
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_CHIPSET => CHIPSET,
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VRAM_SIZE => {
            dev.data().opens.load(Ordering::Relaxed).into()
        }
        _ => return Err(EINVAL),
    };
    Ok(())
}

fn gem_create(
    dev: &drm::Device<Selftest>,
    args: &mut uapi::drm_novax_gem_create,
    file: &File,
) -> Result {
    if args.flags != 0 || args.size == 0 || args.size > u64::from(uapi::NOVAX_GEM_MAX_SIZE) {
        return Err(EINVAL);
    }
    let bo = Object::new(dev, usize::try_from(args.size)?)?;
    args.handle = bo.create_handle(file)?;
    args.size = u64::try_from(bo.size())?;
    Ok(())
}

fn gem_info(
    _dev: &drm::Device<Selftest>,
    args: &mut uapi::drm_novax_gem_info,
    file: &File,
) -> Result {
    if args.pad != 0 {
        return Err(EINVAL);
    }
    let bo = Object::lookup_handle(file, args.handle)?;
    args.size = u64::try_from(bo.size())?;
    args.mmap_offset = bo.create_mmap_offset()?;
    Ok(())
}

fn gsp_echo(
    _dev: &drm::Device<Selftest>,
    args: &mut uapi::drm_novax_gsp_echo,
    file: &File,
) -> Result {
    if args.cookie == UNPLUG_COOKIE {
        file.inner().unplug_on_close.store(true, Ordering::Relaxed);
    }
    args.latency_ns = 0;
    Ok(())
}

#[vtable]
impl drm::Driver for Selftest {
    type Data = DeviceData;
    type File = FileData;
    type Object = Bo;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 0,
        minor: 1,
        patchlevel: 0,
        name: c_str!("novax_drm_selftest"),
        desc: c_str!("novax: self-test of the Rust DRM abstractions"),
        date: c_str!("20260101"),
    };
    const MODULE: &'static ThisModule = &THIS_MODULE;

    kernel::declare_drm_ioctls! {
        (NOVAX_GETPARAM, drm_novax_getparam, ioctl::RENDER_ALLOW, getparam),
        (NOVAX_GEM_CREATE, drm_novax_gem_create, ioctl::AUTH | ioctl::RENDER_ALLOW, gem_create),
        (NOVAX_GEM_INFO, drm_novax_gem_info, ioctl::AUTH | ioctl::RENDER_ALLOW, gem_info),
        (NOVAX_GSP_ECHO, drm_novax_gsp_echo, ioctl::AUTH | ioctl::RENDER_ALLOW, gsp_echo),
    }

    fn show_fdinfo(_dev: &drm::Device<Self>, file: &File, p: &mut drm::driver::FdInfoPrinter<'_>) {
        use core::fmt::Write;
        let _ = writeln!(p, "novax-selftest-file:\t{}", file.inner().id);
    }
}

struct DrmSelftest {
    registration: SharedRegistration,
    // Dropped after the registration is taken out in `drop`: the device nodes are its children.
    _parent: FauxParent,
}

impl kernel::Module for DrmSelftest {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let parent = FauxParent::new(c_str!("novax_drm_selftest"), module)?;
        let registration: SharedRegistration = Arc::pin_init(
            new_mutex!(None, "novax_drm_selftest::registration"),
            GFP_KERNEL,
        )?;
        let reg = drm::Registration::<Selftest>::new(
            parent.device(),
            DeviceData {
                opens: AtomicU32::new(0),
                registration: registration.clone(),
            },
        )?;
        match reg.device().render_minor_index() {
            Some(n) => pr_info!("render node renderD{}\n", n),
            None => pr_info!("no render node\n"),
        }
        *registration.lock() = Some(reg);
        Ok(Self {
            registration,
            _parent: parent,
        })
    }
}

impl Drop for DrmSelftest {
    fn drop(&mut self) {
        // Breaks the cycle registration -> device -> data -> registration, if a file did not.
        let registration = self.registration.lock().take();
        if registration.is_some() {
            drop(registration);
            pr_info!("unplugged on unload\n");
        }
    }
}
