// SPDX-License-Identifier: GPL-2.0

//! A `FERMI_VASPACE_A`: RM's object for one GPU VA space, whose page directory the driver owns.
//!
//! As nouveau does on r535/r570, the driver allocates the object under its device and hands RM
//! the page directory with `COPY_SERVER_RESERVED_PDES`; channels of that VA space then run on
//! the driver's tables. nouveau copies three levels covering RM's reserved range (at 4 GiB,
//! 512 MiB); novax copies the root only, as it makes lower tables only where a bind needs
//! them, and RM maps nothing of its own in a client's VA space yet.

use super::{
    msg::{
        PdesLevel, PdesParams, VaspaceAllocParams, FERMI_VASPACE_A, GMMU_APERTURE_SYS_COH,
        NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES, NV_VASPACE_ALLOCATION_INDEX_GPU_NEW,
    },
    status::{self, NV_ERR_INSERT_DUPLICATE_NAME},
    Client,
};
use kernel::{dev_err, prelude::*, sync::Arc, transmute::FromBytes};

/// The root table: PDE3, four 8-byte entries of 2^47 bytes of VA each.
const ROOT_SIZE: u64 = 32;
/// The VA shift of the root's entries.
const ROOT_PAGE_SHIFT: u8 = 47;
/// nouveau's `SPLIT_VAS_SERVER_RM_MANAGED_VA_START` and `_SIZE`.
const RM_VA_START: u64 = 1 << 32;
const RM_VA_SIZE: u64 = 512 << 20;

/// A VA space in RM, freed on drop.
///
/// # Invariants
///
/// Object `handle` of class `FERMI_VASPACE_A` exists in `client` while the value lives (or the
/// GSP has stopped, which freed it).
pub(crate) struct VaSpace {
    client: Arc<Client>,
    handle: u32,
}

impl VaSpace {
    /// The handle of the VA space with id `id` (< 65536): ids are reused only once the space
    /// is freed, so a live handle is never handed out twice.
    pub(crate) fn handle_for(id: u32) -> u32 {
        FERMI_VASPACE_A << 16 | (id & 0xffff)
    }

    /// Allocates VA space `handle` whose page directory is the root table at bus address `pdb`.
    pub(crate) fn new(client: &Arc<Client>, pdb: u64, handle: u32) -> Result<Self> {
        let mut params = VaspaceAllocParams::zeroed();
        params.index = NV_VASPACE_ALLOCATION_INDEX_GPU_NEW;
        let alloc = || client.alloc_status(client.h_device(), handle, FERMI_VASPACE_A, &params);
        let mut status = match alloc() {
            Ok(s) => s,
            Err(e) => {
                // Sent but not answered (a signal, a timeout): RM may hold the object.
                if e == EINTR || e == ETIMEDOUT {
                    let _ = client.free(handle);
                }
                return Err(e);
            }
        };
        if status == NV_ERR_INSERT_DUPLICATE_NAME {
            // A FREE of this id's last space that RM never confirmed: free it, try once more.
            let _ = client.free(handle);
            status = alloc()?;
        }
        if let Err(e) = status::to_result(status) {
            dev_err!(
                client.dev(),
                "RM: alloc of VA space {:#x}: {} ({:#x})\n",
                handle,
                status::name(status),
                status
            );
            return Err(e);
        }
        // INVARIANT: allocated; dropping `this` frees it.
        let this = Self {
            client: client.clone(),
            handle,
        };
        let mut pdes = PdesParams::zeroed();
        pdes.h_sub_device = client.h_subdevice();
        pdes.page_size = RM_VA_SIZE;
        pdes.virt_addr_lo = RM_VA_START;
        pdes.virt_addr_hi = RM_VA_START + RM_VA_SIZE - 1;
        pdes.num_levels_to_copy = 1;
        pdes.levels[0] = PdesLevel {
            phys_address: pdb,
            size: ROOT_SIZE,
            aperture: GMMU_APERTURE_SYS_COH,
            page_shift: ROOT_PAGE_SHIFT,
            pad0: [0; 3],
        };
        client.control(
            handle,
            NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES,
            &pdes,
        )?;
        Ok(this)
    }

    /// The object's handle.
    pub(crate) fn handle(&self) -> u32 {
        self.handle
    }
}

impl Drop for VaSpace {
    fn drop(&mut self) {
        if let Err(e) = self.client.free(self.handle) {
            if e != ENODEV {
                dev_err!(
                    self.client.dev(),
                    "RM: freeing VA space {:#x} failed: {:?}\n",
                    self.handle,
                    e
                );
            }
        }
    }
}
