// SPDX-License-Identifier: GPL-2.0

//! novax: the DRM driver for NVIDIA GSP GPUs.
//!
//! An auxiliary driver: it binds to the `novax_core.drm.<n>` device that the novax core PCI
//! driver creates, takes a handle on the core's GSP through the interface the device carries
//! (`iface.rs`, shared with the core driver), and registers a DRM render device with GEM objects
//! on shmem, the novax ioctls and debugfs files.
//!
//! Unbind (of this driver, or of the core driver, which removes the auxiliary device) unplugs
//! the DRM device first: new opens fail, ioctls on open files get `ENODEV`, and once no ioctl
//! that uses the GSP (inside `drm::Device::enter`) is running any more the GSP handle is
//! released, so nothing reaches the core driver after it.

mod debugfs;
mod drv;
mod file;
mod gem;
#[path = "../../novax-core/iface.rs"]
mod iface;

use iface::CoreIface;
use kernel::{auxiliary, debugfs::Scope, dev_err, dev_info, driver::Bound, drm, prelude::*};

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

/// The driver's per-device data. Fields drop in order: the DRM device is unplugged (after its
/// debugfs files are removed), then the GSP handle is released.
#[pin_data]
struct NovaxAux {
    reg: drm::Registration<drv::NovaxDrm, Pin<KBox<Scope<debugfs::DebugfsData>>>>,
    _release: drv::ReleaseCore,
}

impl auxiliary::Driver for NovaxAux {
    type IdInfo = ();
    const ID_TABLE: auxiliary::IdTable<()> = &ID_TABLE;

    fn probe(adev: &auxiliary::Device<Bound>, _info: &'static ()) -> impl PinInit<Self, Error> {
        let reg = probe(adev);
        try_pin_init!(Self {
            _release: drv::ReleaseCore::new(reg.as_ref().map_err(|e| *e)?.device()),
            reg: reg?,
        })
    }
}

fn probe(
    adev: &auxiliary::Device<Bound>,
) -> Result<drm::Registration<drv::NovaxDrm, Pin<KBox<Scope<debugfs::DebugfsData>>>>> {
    let iface: &CoreIface = adev.shared_data().inspect_err(|e| {
        dev_err!(
            adev,
            "not created by novax_core (error {}): refusing it\n",
            e.to_errno()
        )
    })?;
    let info = iface.info;
    // The DRM device's parent is the GPU (the auxiliary device's parent), not the auxiliary
    // device: userspace (libdrm's drmGetDevice, hence drm_info and Mesa) identifies DRM devices
    // by their bus and knows PCI, not the auxiliary bus.
    let reg = drm::Registration::new_with_debugfs(
        adev.parent(),
        drv::DeviceData::new(iface.acquire(), info),
        |dir, _dev| KBox::pin_init(debugfs::scope(dir, iface.acquire(), info), GFP_KERNEL),
    )?;
    dev_info!(
        adev,
        "{} {} rev {:02x}: DRM render node ready\n",
        iface::name_str(&info.chip_name),
        iface::name_str(&info.arch_name),
        info.revision,
    );
    Ok(reg)
}
