// SPDX-License-Identifier: GPL-2.0

//! The DRM driver: device data, the driver description and the ioctls.

use crate::{
    file::NovaxFile,
    gem::{NovaxObject, Object},
    iface::{CoreHandle, GpuInfo},
};
use kernel::{
    c_str,
    devres::Devres,
    drm::{self, ioctl},
    interface::{Slice, SliceMut},
    prelude::*,
    uapi,
};

/// The DRM driver type.
pub(crate) struct NovaxDrm;

/// Per-device data, alive as long as the DRM device (open files keep it).
#[pin_data]
pub(crate) struct DeviceData {
    /// The GPU's static information.
    pub(crate) info: GpuInfo,
    /// The GSP, until the auxiliary device is unbound (the driver core revokes it then, after
    /// the unplug).
    core: Devres<CoreHandle>,
}

impl DeviceData {
    pub(crate) fn new(core: Devres<CoreHandle>, info: GpuInfo) -> impl PinInit<Self, Error> {
        try_pin_init!(Self { info, core })
    }

    /// A handle on the GSP, or `ENODEV` once the device is gone. Ioctls take and use it inside
    /// [`drm::Device::enter`]: the unplug waits for them, and the handle is revoked after the
    /// unplug, so the clone is dropped before the core's export goes (which waits for it).
    pub(crate) fn core(&self) -> Result<CoreHandle> {
        self.core.try_access_with(CoreHandle::clone).ok_or(ENODEV)
    }
}

type File = drm::File<NovaxFile>;

fn getparam(dev: &drm::Device<NovaxDrm>, args: &mut uapi::drm_novax_getparam, _f: &File) -> Result {
    let info = &dev.data().info;
    let param = u32::try_from(args.param).map_err(|_| EINVAL)?;
    args.value = match param {
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_CHIPSET => info.chipset.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_ARCHITECTURE => info.architecture.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_REVISION => info.revision.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VRAM_BAR_SIZE => info.vram_bar_size,
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VRAM_SIZE => info.vram_size,
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_GSP_FW_VERSION => info.fw_version,
        _ => return Err(EINVAL),
    };
    Ok(())
}

fn gem_create(
    dev: &drm::Device<NovaxDrm>,
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
    _dev: &drm::Device<NovaxDrm>,
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

fn gsp_echo(dev: &drm::Device<NovaxDrm>, args: &mut uapi::drm_novax_gsp_echo, _f: &File) -> Result {
    // The unplug waits for this section, and the GSP handle is revoked after the unplug, so no
    // RPC reaches the core driver once the DRM driver is unbound.
    let _guard = dev.enter().ok_or(ENODEV)?;
    let core = dev.data().core()?;
    let cookie = args.cookie.to_le_bytes();
    // The cookie the GSP returned goes back to userspace, also with `EIO` when it is not the
    // one sent; without a reply the field keeps what userspace passed.
    let mut returned = cookie;
    let res = core.echo(Slice::from(&cookie[..]), SliceMut::from(&mut returned[..]));
    args.cookie = u64::from_le_bytes(returned);
    args.latency_ns = res?;
    Ok(())
}

/// The pitch alignment of dumb buffers, in bytes.
const DUMB_PITCH_ALIGN: u32 = 256;

#[vtable]
impl drm::Driver for NovaxDrm {
    type Data = DeviceData;
    type File = NovaxFile;
    type Object = NovaxObject;

    const INFO: drm::DriverInfo = drm::DriverInfo {
        major: 0,
        minor: 1,
        patchlevel: 0,
        name: c_str!("novax"),
        desc: c_str!("novax: NVIDIA GSP GPUs (Rust)"),
        date: c_str!("20261123"),
    };
    const MODULE: &'static ThisModule = &crate::THIS_MODULE;
    /// A render node for the clients, and a mode configuration without outputs on the primary
    /// node: the GPUs have a display engine, which novax does not drive yet, so KMS clients
    /// that enumerate display devices (`drm_info`) see the device with nothing attached rather
    /// than a device that refuses KMS, and can still create dumb buffers and framebuffers.
    const FEATURES: drm::Features = drm::Features::RENDER.with(drm::Features::MODESET);
    /// The framebuffer sizes of NVIDIA's display engines since Turing: 1x1 to 16384x16384.
    const MODE_CONFIG: drm::kms::ModeConfigInfo = drm::kms::ModeConfigInfo {
        min_width: 1,
        min_height: 1,
        max_width: 16384,
        max_height: 16384,
    };

    kernel::declare_drm_ioctls! {
        (NOVAX_GETPARAM, drm_novax_getparam, ioctl::RENDER_ALLOW, getparam),
        (NOVAX_GEM_CREATE, drm_novax_gem_create, ioctl::AUTH | ioctl::RENDER_ALLOW, gem_create),
        (NOVAX_GEM_INFO, drm_novax_gem_info, ioctl::AUTH | ioctl::RENDER_ALLOW, gem_info),
        (NOVAX_GSP_ECHO, drm_novax_gsp_echo, ioctl::AUTH | ioctl::RENDER_ALLOW, gsp_echo),
    }

    /// Linear dumb buffers in ordinary GEM objects, with lines 256-byte aligned as the display
    /// engine's pitch requires (the alignment nouveau gives its dumb buffers).
    fn dumb_create(
        dev: &drm::Device<Self>,
        file: &drm::File<NovaxFile>,
        args: &drm::gem::DumbArgs,
    ) -> Result<drm::gem::DumbBuffer> {
        Object::create_dumb(dev, file, args, DUMB_PITCH_ALIGN)
    }
}
