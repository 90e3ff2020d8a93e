// SPDX-License-Identifier: GPL-2.0

//! novax: the DRM driver for NVIDIA GSP GPUs.
//!
//! An auxiliary driver: it binds to the `novax_core.drm.<n>` device that the novax core PCI
//! driver creates, takes a handle on the core's GSP through the interface the device carries
//! (`iface.rs`, shared with the core driver), and registers a DRM render device with GEM objects
//! on shmem, the novax ioctls and debugfs files.
//!
//! Unbind (of this driver, or of the core driver, which removes the auxiliary device) unplugs
//! the DRM device first (removing its debugfs files): new opens fail, ioctls on open files get
//! `ENODEV`, and the unplug waits for ioctls inside `drm::Device::enter`, the only place that
//! uses the GSP. Then the driver core releases the auxiliary device's resources, which revokes
//! the GSP handle (a `Devres`), so nothing reaches the core driver after the unbind.

mod debugfs;
mod drv;
mod file;
mod gem;
#[path = "../../novax-core/iface.rs"]
mod iface;
mod vm;

use iface::{CoreExport, CoreHandle};
use kernel::{
    auxiliary, debugfs::Scope, dev_err, dev_info, device::Core, devres::Devres, drm, prelude::*,
};

kernel::module_auxiliary_driver! {
    type: NovaxAux,
    name: "novax",
    author: "The novax authors",
    description: "novax: DRM driver for NVIDIA GSP GPUs",
    license: "GPL",
}

// A `const`: `Driver::ID_TABLE` refers to it (see the core driver's table).
const ID_TABLE: auxiliary::IdArray<(), 1> =
    auxiliary::IdArray::new([auxiliary::DeviceId::new(b"novax_core", b"drm")], [()]);
kernel::module_device_table!("auxiliary", MODULE_AUX_TABLE, ID_TABLE);

/// The DRM registration, with the debugfs files it removes before it unplugs the device.
type Reg = drm::Registration<drv::NovaxDrm, Pin<KBox<Scope<debugfs::DebugfsData>>>>;

/// The driver's per-device data: dropping it unplugs the DRM device (after its debugfs files
/// are removed). The registration is device-managed: the driver core revokes it when it
/// releases the auxiliary device's resources, even if something kept it.
#[pin_data]
struct NovaxAux {
    _reg: Devres<Reg>,
}

impl auxiliary::Driver for NovaxAux {
    type IdInfo = ();
    const ID_TABLE: auxiliary::IdTable<()> = &ID_TABLE;

    fn probe(adev: &auxiliary::Device<Core>, _info: &'static ()) -> impl PinInit<Self, Error> {
        try_pin_init!(Self { _reg: probe(adev)? })
    }
}

fn probe(adev: &auxiliary::Device<Core>) -> Result<Devres<Reg>> {
    let export: &CoreExport = adev.shared_data().inspect_err(|e| {
        dev_err!(
            adev,
            "not created by novax_core (error {}): refusing it\n",
            e.to_errno()
        )
    })?;
    let bad_version = |e: &Error| {
        dev_err!(
            adev,
            "novax_core speaks another version of the interface (error {}): refusing it\n",
            e.to_errno()
        )
    };
    let info = *export.data().inspect_err(bad_version)?;
    let handle = CoreHandle::from(export.acquire().inspect_err(bad_version)?);
    // Revoked when the core removes the auxiliary device, after the unplug.
    let core = Devres::new(adev.as_ref(), handle.clone(), GFP_KERNEL)?;
    // The DRM device's parent is the GPU (the auxiliary device's parent), not the auxiliary
    // device: userspace (libdrm's drmGetDevice, hence drm_info and Mesa) identifies DRM devices
    // by their bus and knows PCI, not the auxiliary bus.
    let reg = drm::Registration::new_with_debugfs(
        adev.parent(),
        drv::DeviceData::new(core, info),
        |dir, dev| KBox::pin_init(debugfs::scope(dir, handle, info, dev.into()), GFP_KERNEL),
    )?;
    dev_info!(
        adev,
        "{} {} rev {:02x}: DRM render node ready\n",
        iface::name_str(&info.chip_name),
        iface::name_str(&info.arch_name),
        info.revision,
    );
    Devres::new(adev.as_ref(), reg, GFP_KERNEL)
}
