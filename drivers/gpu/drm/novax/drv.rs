// SPDX-License-Identifier: GPL-2.0

//! The DRM driver: device data, the driver description and the ioctls.

use crate::{
    file::NovaxFile,
    gem::{NovaxObject, Object},
    iface::{CoreHandle, GpuInfo},
    vm::{self, SharedVm},
};
use kernel::{
    c_str,
    devres::Devres,
    drm::{self, ioctl},
    interface::{Slice, SliceMut},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
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
    /// The clients' VMs, for debugfs (free slots `None`, reused).
    #[pin]
    vms: Mutex<KVec<Option<SharedVm>>>,
}

impl DeviceData {
    pub(crate) fn new(core: Devres<CoreHandle>, info: GpuInfo) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            info,
            core,
            vms <- new_mutex!(KVec::new(), "novax::DeviceData::vms"),
        })
    }

    /// Adds a client's VM to the list.
    pub(crate) fn register_vm(&self, vm: SharedVm) -> Result {
        let mut vms = self.vms.lock();
        match vms.iter_mut().find(|v| v.is_none()) {
            Some(slot) => *slot = Some(vm),
            None => vms.push(Some(vm), GFP_KERNEL)?,
        }
        Ok(())
    }

    /// Removes a client's VM from the list.
    pub(crate) fn unregister_vm(&self, vm: &SharedVm) {
        let mut vms = self.vms.lock();
        if let Some(slot) = vms
            .iter_mut()
            .find(|v| v.as_ref().is_some_and(|v| Arc::ptr_eq(v, vm)))
        {
            *slot = None;
        }
    }

    /// Calls `f` on every client's VM, in client order.
    pub(crate) fn for_each_vm(
        &self,
        mut f: impl FnMut(&vm::Vm) -> core::fmt::Result,
    ) -> core::fmt::Result {
        let vms = self.vms.lock();
        let mut sorted: KVec<(u64, usize)> = KVec::new();
        for (i, v) in vms.iter().enumerate() {
            if let Some(v) = v {
                sorted
                    .push((vm::client(&v.lock()), i), GFP_KERNEL)
                    .map_err(|_| core::fmt::Error)?;
            }
        }
        sorted.sort_unstable();
        for &(_, i) in sorted.iter() {
            if let Some(v) = &vms[i] {
                f(&v.lock())?;
            }
        }
        Ok(())
    }

    /// A handle on the GSP, or `ENODEV` once the device is gone. Ioctls take and use it inside
    /// [`drm::Device::enter`]: the unplug waits for them, and the handle is revoked after the
    /// unplug, so the clone is dropped before the core's export goes (which waits for it).
    pub(crate) fn core(&self) -> Result<CoreHandle> {
        self.core.try_access_with(CoreHandle::clone).ok_or(ENODEV)
    }
}

type File = drm::File<NovaxFile>;

/// The most push buffers one submission takes (EXEC, with the channels).
const EXEC_PUSH_MAX: u32 = 128;
/// The most waits, and the most signals, one ioctl takes.
const SYNCS_MAX: u32 = 64;

/// The copy engine's class on the GPU's architecture (open-gpu-kernel-modules
/// `clc5b5.h`..`clc9b5.h`: TURING_DMA_COPY_A, AMPERE_DMA_COPY_B on GA10x and Ada,
/// HOPPER_DMA_COPY_A, BLACKWELL_DMA_COPY_A).
fn copy_class(info: &GpuInfo) -> Result<u32> {
    Ok(match (info.architecture, info.chipset) {
        (0x16, _) => 0xc5b5,
        (0x17, 0x170) => 0xc6b5,
        (0x17 | 0x19, _) => 0xc7b5,
        (0x18, _) => 0xc8b5,
        (0x1a | 0x1b, _) => 0xc9b5,
        _ => return Err(ENODEV),
    })
}

fn vm_init(dev: &drm::Device<NovaxDrm>, args: &mut uapi::drm_novax_vm_init, file: &File) -> Result {
    vm::init(dev, args, file)
}

fn vm_bind(dev: &drm::Device<NovaxDrm>, args: &mut uapi::drm_novax_vm_bind, file: &File) -> Result {
    vm::bind(dev, args, file)
}

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
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VA_BITS => vm::VA_BITS.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE => vm::KERNEL_MIN_SIZE,
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_VM_BIND_OPS_MAX => vm::BIND_OPS_MAX.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_EXEC_PUSH_MAX => EXEC_PUSH_MAX.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_COPY_CLASS => copy_class(info)?.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_SYNCS_MAX => SYNCS_MAX.into(),
        uapi::drm_novax_getparam_param_NOVAX_GETPARAM_PAGE_SIZES => vm::PAGE_SIZES,
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
        (NOVAX_VM_INIT, drm_novax_vm_init, ioctl::AUTH | ioctl::RENDER_ALLOW, vm_init),
        (NOVAX_VM_BIND, drm_novax_vm_bind, ioctl::AUTH | ioctl::RENDER_ALLOW, vm_bind),
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
