// SPDX-License-Identifier: GPL-2.0

//! novax core: the PCI driver for NVIDIA GSP GPUs.
//!
//! It binds to NVIDIA display-class devices and to the novax emulated GPU (an ivshmem device that
//! carries the novax signature), identifies the chip, and on the emulated GPU boots the GSP
//! message queues, handles the GSP interrupt NAPI-style, queries the static GPU information and
//! creates the auxiliary device `novax_core.drm.<n>` that the novax DRM driver binds to.
//!
//! On a real NVIDIA GPU it identifies and logs the chip and stops there: loading and booting the
//! GSP firmware is out of scope for now.

// `try_pin_init!` expands recursively per field, and `Gsp` has more fields than the default
// limit of 128 allows.
#![recursion_limit = "256"]

mod chip;
#[cfg(CONFIG_NOVAX_CORE_KUNIT_TEST)]
mod chip_kunit;
mod export;
mod gsp;
mod iface;
mod irq;
mod mmu;
mod regs;
mod rm;

use chip::{Refusal, Spec};
use core::sync::atomic::{AtomicU32, Ordering};
use gsp::{msg, Gsp, BAR_SIZE};
use iface::{CoreExport, GpuInfo};
use kernel::{
    auxiliary, c_str, dev_err, dev_info, dev_warn,
    device::Core,
    device::Device,
    devres::Devres,
    dma,
    irq::{Flags, Registration as IrqRegistration},
    irq_poll::IrqPoll,
    pci::{self, IrqTypes},
    prelude::*,
    sync::Arc,
    transmute::FromBytes,
};
use regs::{EMU_GSP_SHM_OFFSET, EMU_GSP_SHM_SIZE, EMU_PEER_ID, EMU_SIGNATURE0, EMU_SIGNATURE1};

kernel::module_pci_driver! {
    type: NovaxCore,
    name: "novax_core",
    author: "The novax authors",
    description: "novax core: PCI driver for NVIDIA GSP GPUs",
    license: "GPL",
}

const PCI_VENDOR_NVIDIA: u32 = 0x10de;
const PCI_VENDOR_REDHAT_QUMRANET: u32 = 0x1af4;
const PCI_DEVICE_IVSHMEM: u32 = 0x1110;
const PCI_CLASS_DISPLAY: u32 = 0x03_0000;

/// What kind of device an ID table entry matched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Nvidia,
    Emulated,
}

// A `const`, not a `static`: `Driver::ID_TABLE` refers to it, and constants may refer to statics
// only from Rust 1.83 on (the kernel's minimum is 1.78).
const ID_TABLE: pci::IdArray<Kind, 2> = pci::IdArray::new(
    [
        pci::DeviceId::from_class(PCI_VENDOR_NVIDIA, PCI_CLASS_DISPLAY, 0xff_0000),
        pci::DeviceId::from_id(PCI_VENDOR_REDHAT_QUMRANET, PCI_DEVICE_IVSHMEM),
    ],
    [Kind::Nvidia, Kind::Emulated],
);
kernel::module_device_table!("pci", MODULE_PCI_TABLE, ID_TABLE);

/// Auxiliary device instance numbers.
static NEXT_AUX_ID: AtomicU32 = AtomicU32::new(0);

/// The driver's per-device data (field order is drop order).
#[pin_data]
struct NovaxCore {
    inner: Inner,
}

/// The registrations are device-managed (`Devres`): dropped in this order at unbind, and revoked
/// by the driver core when it releases the device's resources even if something kept them.
struct Inner {
    /// The auxiliary device for the DRM driver: removed first.
    _aux: Devres<auxiliary::Registration<KBox<CoreExport>>>,
    /// The interrupt: freed before its vectors and the poll.
    _irq: Devres<Pin<KBox<IrqRegistration<irq::GspIrq>>>>,
    _vectors: Devres<pci::IrqVectors>,
    _poll: Arc<IrqPoll<irq::GspPoller>>,
    gsp: Arc<Gsp>,
    _enabled: pci::EnabledDevice,
}

impl pci::Driver for NovaxCore {
    type IdInfo = Kind;
    const ID_TABLE: pci::IdTable<Kind> = &ID_TABLE;

    fn probe(pdev: &pci::Device<Core>, kind: &'static Kind) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            inner: Inner::new(pdev, *kind)?,
        })
    }

    fn unbind(_pdev: &pci::Device<Core>, this: Pin<&Self>) {
        // Fail RPCs in flight and halt the GSP before the auxiliary device (and with it the DRM
        // driver) goes away.
        this.inner.gsp.shutdown();
    }
}

impl Inner {
    fn new(pdev: &pci::Device<Core>, kind: Kind) -> Result<Self> {
        let enabled = pdev.enable_device_mem()?;
        pdev.set_master();
        match kind {
            Kind::Nvidia => {
                let bar0 = pdev.iomap_region_sized::<{ regs::REG_WINDOW_SIZE }>(
                    0,
                    c_str!("novax_core/bar0"),
                )?;
                let spec = identify(pdev.as_ref(), &bar0)?;
                dev_info!(
                    pdev,
                    "{} ({}), rev {}: GSP firmware boot is not supported yet, stopping here\n",
                    spec.chipset.name(),
                    spec.chipset.arch().name(),
                    spec.revision
                );
                drop(enabled);
                Err(ENODEV)
            }
            Kind::Emulated => Self::new_emulated(pdev, enabled),
        }
    }

    fn new_emulated(pdev: &pci::Device<Core>, enabled: pci::EnabledDevice) -> Result<Self> {
        if pdev.resource_len(2)? < u64::try_from(BAR_SIZE)? {
            dev_info!(
                pdev,
                "ivshmem device without a novax-sized memory BAR: not ours\n"
            );
            return Err(ENODEV);
        }
        let bar = pdev.iomap_region_sized::<BAR_SIZE>(2, c_str!("novax_core/gpu"))?;
        if EMU_SIGNATURE0::read(&bar).raw() != regs::EMU_SIGNATURE0_VALUE
            || EMU_SIGNATURE1::read(&bar).raw() != regs::EMU_SIGNATURE1_VALUE
        {
            dev_info!(
                pdev,
                "ivshmem device without the novax signature: not ours\n"
            );
            return Err(ENODEV);
        }
        let spec = identify(pdev.as_ref(), &bar)?;
        let shm_base = usize::try_from(EMU_GSP_SHM_OFFSET::read(&bar).raw())?;
        let shm_size = usize::try_from(EMU_GSP_SHM_SIZE::read(&bar).raw())?;
        if shm_size < msg::SHM_MIN_SIZE
            || !matches!(shm_base.checked_add(shm_size), Some(e) if e <= BAR_SIZE)
        {
            dev_err!(
                pdev,
                "GSP shared memory {:#x}+{:#x} does not fit the BAR\n",
                shm_base,
                shm_size
            );
            return Err(EINVAL);
        }
        // The GPU reads page tables and buffer pages at bus addresses, which the GMMU takes up
        // to 47 bits wide on system memory (as nouveau uses them).
        dma::set_mask_and_coherent(pdev.as_ref(), dma::DmaMask::try_new(47)?)?;
        let peer = EMU_PEER_ID::read(&bar).raw() & 0xffff;
        let doorbell = pdev.iomap_region_sized::<0x100>(0, c_str!("novax_core/doorbell"))?;
        let gsp = Arc::pin_init(Gsp::new(pdev, bar, doorbell, peer, shm_base)?, GFP_KERNEL)?;

        let vectors = pdev.alloc_irq_vectors(1, 2, IrqTypes::MSIX)?;
        let irq_nr = vectors.irq(0)?;
        let vectors = Devres::new(pdev.as_ref(), vectors, GFP_KERNEL)?;
        let poll = Arc::pin_init(
            IrqPoll::new(gsp.budget(), irq::GspPoller { gsp: gsp.clone() }),
            GFP_KERNEL,
        )?;
        let irq = KBox::pin_init(
            IrqRegistration::new(
                irq_nr,
                Flags::NONE,
                c_str!("novax-gsp"),
                irq::GspIrq { poll: poll.clone() },
            ),
            GFP_KERNEL,
        )?;
        let irq = Devres::new(pdev.as_ref(), irq, GFP_KERNEL)?;

        gsp.boot();
        if let Err(e) = gsp.wait_init_done(5000) {
            dev_err!(pdev, "GSP did not report GSP_INIT_DONE: {:?}\n", e);
            gsp.shutdown();
            return Err(e);
        }
        let info = match static_info(pdev.as_ref(), &gsp, &spec) {
            Ok(info) => info,
            Err(e) => {
                gsp.shutdown();
                return Err(e);
            }
        };

        let normal: &Device = pdev.as_ref();
        let export = match export::new(gsp.clone(), normal.into(), info) {
            Ok(export) => export,
            Err(e) => {
                gsp.shutdown();
                return Err(e);
            }
        };
        let id = NEXT_AUX_ID.fetch_add(1, Ordering::Relaxed);
        let aux = auxiliary::Registration::new(
            pdev.as_ref(),
            iface::AUX_MODNAME,
            iface::AUX_NAME,
            id,
            export,
        );
        let aux = match aux.and_then(|aux| Devres::new(pdev.as_ref(), aux, GFP_KERNEL)) {
            Ok(aux) => aux,
            Err(e) => {
                gsp.shutdown();
                return Err(e);
            }
        };
        Ok(Self {
            _aux: aux,
            _irq: irq,
            _vectors: vectors,
            _poll: poll,
            gsp,
            _enabled: enabled,
        })
    }
}

fn identify<const SIZE: usize>(dev: &Device, io: &kernel::io::Io<SIZE>) -> Result<Spec> {
    match Spec::identify(io) {
        Ok(spec) => Ok(spec),
        Err(Refusal::NotResponding) => {
            dev_err!(
                dev,
                "the identification registers read 0xffffffff: the GPU is not responding\n"
            );
            Err(ENODEV)
        }
        Err(Refusal::PreFermi { boot0 }) => {
            dev_err!(
                dev,
                "NV_PMC_BOOT_0 {:#010x}: a chip older than Fermi, without GSP: unsupported\n",
                boot0
            );
            Err(ENODEV)
        }
        Err(Refusal::PreTuring {
            architecture,
            chipset,
        }) => {
            dev_err!(
                dev,
                "chipset {:#x} (architecture {:#x}) predates Turing and has no GSP: unsupported\n",
                chipset,
                architecture
            );
            Err(ENODEV)
        }
        Err(Refusal::Inconsistent { boot0, boot42 }) => {
            dev_err!(
                dev,
                "NV_PMC_BOOT_42 {:#010x} contradicts NV_PMC_BOOT_0 {:#010x}: refusing the chip\n",
                boot42,
                boot0
            );
            Err(ENODEV)
        }
        Err(Refusal::Unknown {
            architecture,
            chipset,
        }) => {
            dev_err!(
                dev,
                "unknown chipset {:#x} (architecture {:#x}): unsupported\n",
                chipset,
                architecture
            );
            Err(ENODEV)
        }
    }
}

fn copy_name(dst: &mut [u8], src: &str) {
    let n = src.len().min(dst.len() - 1);
    dst[..n].copy_from_slice(&src.as_bytes()[..n]);
}

fn static_info(dev: &Device, gsp: &Gsp, spec: &Spec) -> Result<GpuInfo> {
    let size = core::mem::size_of::<msg::StaticInfo>();
    let mut reply = KVec::from_elem(0u8, size, GFP_KERNEL)?;
    let (result, len) = gsp.rpc(msg::function::EMU_STATIC_INFO, &[], &mut reply)?;
    let si = msg::StaticInfo::from_bytes_copy(&reply);
    let Some(si) = si.filter(|_| result == 0 && len == size) else {
        dev_err!(
            dev,
            "static info RPC failed: result {:#x}, {} bytes\n",
            result,
            len
        );
        return Err(EIO);
    };
    let (boot0, boot42) = (si.boot0, si.boot42);
    if (boot0, boot42) != (spec.boot0, spec.boot42) {
        dev_warn!(
            dev,
            "static info reports BOOT_0 {:#x}/BOOT_42 {:#x}, the registers say {:#x}/{:#x}\n",
            boot0,
            boot42,
            spec.boot0,
            spec.boot42
        );
    }
    let fw = si.fw_version;
    let name = &si.name[..];
    let name_len = name.iter().position(|&b| b == 0).unwrap_or(0);
    let name = core::str::from_utf8(&name[..name_len]).unwrap_or("?");
    let mut info = GpuInfo {
        chipset: spec.chipset.code(),
        architecture: spec.chipset.arch().code(),
        revision: spec.revision.code(),
        pad: 0,
        vram_size: si.vram_size,
        vram_bar_size: si.vram_bar_size,
        fw_version: fw,
        chip_name: [0; 16],
        arch_name: [0; 16],
    };
    copy_name(&mut info.chip_name, spec.chipset.name());
    copy_name(&mut info.arch_name, spec.chipset.arch().name());
    dev_info!(
        dev,
        "{}, {}, rev {}: GSP firmware {}.{}.{} ({}), {} MiB VRAM\n",
        spec.chipset.name(),
        spec.chipset.arch().name(),
        spec.revision,
        fw >> 32,
        (fw >> 16) & 0xffff,
        fw & 0xffff,
        name,
        info.vram_size >> 20
    );
    Ok(info)
}
