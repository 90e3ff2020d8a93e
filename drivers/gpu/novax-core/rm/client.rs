// SPDX-License-Identifier: GPL-2.0

//! The driver's RM client: one per device, with its device and subdevice, allocated once the
//! GSP runs and freed when the core unbinds (a FREE of the client frees its whole tree).

use super::{
    msg::{
        AllocHeader, ControlHeader, DeviceAllocParams, Free, RootAllocParams, SubdeviceAllocParams,
        FREE, GSP_RM_ALLOC, GSP_RM_CONTROL, NV01_DEVICE_0, NV01_ROOT, NV20_SUBDEVICE_0,
    },
    status,
};
use crate::gsp::Gsp;
use core::mem::size_of;
use kernel::{
    dev_err,
    device::Device,
    prelude::*,
    sync::Arc,
    transmute::{AsBytes, FromBytes},
};

/// The client's handle (nouveau's `0xc1d00000 | id`; one client per GSP).
const H_CLIENT: u32 = 0xc1d0_0000;
/// The device's handle.
const H_DEVICE: u32 = 0xde1d_0000;
/// The subdevice's handle.
const H_SUBDEVICE: u32 = 0x5d1d_0000;

/// An RM client with its device and subdevice.
///
/// # Invariants
///
/// The client, device and subdevice objects exist in RM (until the value is dropped, or the
/// GSP stops, which frees everything).
pub(crate) struct Client {
    gsp: Arc<Gsp>,
}

impl Client {
    /// Allocates the client, its device and its subdevice.
    pub(crate) fn new(gsp: Arc<Gsp>) -> Result<Self> {
        let mut root = RootAllocParams::zeroed();
        root.h_client = H_CLIENT;
        root.process_id = u32::MAX;
        root.process_name[..5].copy_from_slice(b"novax");
        rpc_alloc(&gsp, H_CLIENT, H_CLIENT, NV01_ROOT, &root)?;
        // INVARIANT: the client exists; dropping `this` frees it, and with it what follows.
        let this = Self { gsp };
        let mut device = DeviceAllocParams::zeroed();
        device.h_client_share = H_CLIENT;
        this.alloc(H_CLIENT, H_DEVICE, NV01_DEVICE_0, &device)?;
        this.alloc(
            H_DEVICE,
            H_SUBDEVICE,
            NV20_SUBDEVICE_0,
            &SubdeviceAllocParams { sub_device_id: 0 },
        )?;
        Ok(this)
    }

    /// The device's handle, the parent of VA spaces and channels.
    pub(crate) fn h_device(&self) -> u32 {
        H_DEVICE
    }

    /// The subdevice's handle.
    pub(crate) fn h_subdevice(&self) -> u32 {
        H_SUBDEVICE
    }

    /// The GPU, for messages.
    pub(crate) fn dev(&self) -> &Device {
        self.gsp.device()
    }

    /// Allocates object `handle` of `class` under `parent`, with `params`.
    pub(crate) fn alloc<P: AsBytes>(
        &self,
        parent: u32,
        handle: u32,
        class: u32,
        params: &P,
    ) -> Result {
        rpc_alloc(&self.gsp, parent, handle, class, params)
    }

    /// [`Client::alloc`], returning RM's status as it is (`Err` only if the RPC itself failed);
    /// nothing is logged.
    pub(crate) fn alloc_status<P: AsBytes>(
        &self,
        parent: u32,
        handle: u32,
        class: u32,
        params: &P,
    ) -> Result<u32> {
        alloc_status(&self.gsp, parent, handle, class, params)
    }

    /// Runs control `cmd` on `object` with `params`.
    pub(crate) fn control<P: AsBytes>(&self, object: u32, cmd: u32, params: &P) -> Result {
        let header = ControlHeader {
            h_client: H_CLIENT,
            h_object: object,
            cmd,
            status: 0,
            params_size: u32::try_from(size_of::<P>())?,
            flags: 0,
        };
        let reply: ControlHeader =
            rpc(&self.gsp, GSP_RM_CONTROL, &header, params.as_bytes(), true)?;
        checked(&self.gsp, "control", cmd, reply.status)
    }

    /// Frees `object` and everything under it (`ENODEV` once the GSP is stopped, which freed
    /// it already). Signals do not end the wait for RM's answer: the caller reuses what the
    /// object named once this returns.
    pub(crate) fn free(&self, object: u32) -> Result {
        rpc_free(&self.gsp, object)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A stopped GSP (the core unbinding) has no objects left: nothing to log then.
        if let Err(e) = rpc_free(&self.gsp, H_CLIENT) {
            if e != ENODEV {
                dev_err!(
                    self.gsp.device(),
                    "RM: freeing the client failed: {:?}\n",
                    e
                );
            }
        }
    }
}

fn rpc_alloc<P: AsBytes>(gsp: &Gsp, parent: u32, handle: u32, class: u32, params: &P) -> Result {
    let status = alloc_status(gsp, parent, handle, class, params)?;
    checked(gsp, "alloc of class", class, status)
}

fn alloc_status<P: AsBytes>(
    gsp: &Gsp,
    parent: u32,
    handle: u32,
    class: u32,
    params: &P,
) -> Result<u32> {
    let header = AllocHeader {
        h_client: H_CLIENT,
        h_parent: parent,
        h_object: handle,
        h_class: class,
        status: 0,
        params_size: u32::try_from(size_of::<P>())?,
        flags: 0,
        reserved: [0; 4],
    };
    let reply: AllocHeader = rpc(gsp, GSP_RM_ALLOC, &header, params.as_bytes(), true)?;
    Ok(reply.status)
}

fn rpc_free(gsp: &Gsp, object: u32) -> Result {
    let request = Free {
        h_root: H_CLIENT,
        h_object_parent: 0,
        h_object_old: object,
        status: 0,
    };
    let reply: Free = rpc(gsp, FREE, &request, &[], false)?;
    checked(gsp, "free of", object, reply.status)
}

/// Sends `header` and `params` as RPC `function`; returns the header of the reply (RM replies
/// with the request, its `status` filled in). `EIO` if the GSP did not carry the RPC out or
/// replied with less than a header. Only an `interruptible` wait ends on a signal.
fn rpc<H: AsBytes + FromBytes>(
    gsp: &Gsp,
    function: u32,
    header: &H,
    params: &[u8],
    interruptible: bool,
) -> Result<H> {
    let hlen = size_of::<H>();
    let mut payload = KVec::with_capacity(hlen + params.len(), GFP_KERNEL)?;
    payload.extend_from_slice(header.as_bytes(), GFP_KERNEL)?;
    payload.extend_from_slice(params, GFP_KERNEL)?;
    let mut reply = KVec::from_elem(0u8, payload.len(), GFP_KERNEL)?;
    let (result, len) = if interruptible {
        gsp.rpc(function, &payload, &mut reply)?
    } else {
        gsp.rpc_uninterruptible(function, &payload, &mut reply)?
    };
    match H::from_bytes_copy(&reply[..hlen.min(len)]) {
        Some(h) if result == 0 => Ok(h),
        _ => {
            dev_err!(
                gsp.device(),
                "RM: RPC {} not carried out: rpc_result {:#x}, {} bytes\n",
                function,
                result,
                len
            );
            Err(EIO)
        }
    }
}

/// The errno of an RM status, logged unless it is `NV_OK`.
fn checked(gsp: &Gsp, what: &str, arg: u32, nv: u32) -> Result {
    let r = status::to_result(nv);
    if r.is_err() {
        dev_err!(
            gsp.device(),
            "RM: {} {:#x}: {} ({:#x})\n",
            what,
            arg,
            status::name(nv),
            nv
        );
    }
    r
}
