// SPDX-License-Identifier: GPL-2.0

//! The RM RPC payloads of r570, as `#[repr(C)]` structs without padding.
//!
//! Layouts: nouveau's excerpts of GSP-RM's headers (`nvkm/subdev/gsp/rm/r535/nvrm/alloc.h`,
//! `ctrl.h`, `vmm.h`, `device.h`, `r570/nvrm/client.h`) and open-gpu-kernel-modules'
//! `class/cl0080.h`, `class/cl2080.h`, `nvos.h`, `ctrl/ctrl90f1.h`. The C structs align their
//! 64-bit fields to 8 bytes; the padding they get from that is spelled out here (`pad*`).

use core::mem::size_of;
use kernel::bytes_struct;

/// RPC function: free an object and everything under it.
pub(crate) const FREE: u32 = 10;
/// RPC function: a control call on an object.
pub(crate) const GSP_RM_CONTROL: u32 = 76;
/// RPC function: allocate an object.
pub(crate) const GSP_RM_ALLOC: u32 = 103;

/// Class of a client.
pub(crate) const NV01_ROOT: u32 = 0x0;
/// Class of a device (under a client).
pub(crate) const NV01_DEVICE_0: u32 = 0x80;
/// Class of a subdevice (under a device).
pub(crate) const NV20_SUBDEVICE_0: u32 = 0x2080;
/// Class of a GPU VA space (under a device).
pub(crate) const FERMI_VASPACE_A: u32 = 0x90f1;

/// Control on a `FERMI_VASPACE_A`: take these page-directory levels as the VA space's.
pub(crate) const NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES: u32 = 0x90f1_0106;
/// `NV_VASPACE_ALLOCATION_INDEX_GPU_NEW`: a new VA space of the GPU.
pub(crate) const NV_VASPACE_ALLOCATION_INDEX_GPU_NEW: u32 = 0;
/// `GMMU_FMT_MAX_LEVELS`.
pub(crate) const GMMU_FMT_MAX_LEVELS: usize = 6;
/// `GMMU_APERTURE_SYS_COH`: coherent system memory, in a level's `aperture`.
pub(crate) const GMMU_APERTURE_SYS_COH: u32 = 4;

bytes_struct! {
    /// `rpc_gsp_rm_alloc_v03_00`, followed by the class's parameters.
    pub(crate) struct AllocHeader {
        pub(crate) h_client: u32,
        pub(crate) h_parent: u32,
        pub(crate) h_object: u32,
        pub(crate) h_class: u32,
        /// Written by RM: the NV status.
        pub(crate) status: u32,
        pub(crate) params_size: u32,
        pub(crate) flags: u32,
        pub(crate) reserved: [u8; 4],
    }
}

bytes_struct! {
    /// `rpc_gsp_rm_control_v03_00`, followed by the command's parameters.
    pub(crate) struct ControlHeader {
        pub(crate) h_client: u32,
        pub(crate) h_object: u32,
        pub(crate) cmd: u32,
        /// Written by RM: the NV status.
        pub(crate) status: u32,
        pub(crate) params_size: u32,
        pub(crate) flags: u32,
    }
}

bytes_struct! {
    /// `rpc_free_v03_00` (`NVOS00_PARAMETERS_v03_00`).
    pub(crate) struct Free {
        pub(crate) h_root: u32,
        pub(crate) h_object_parent: u32,
        pub(crate) h_object_old: u32,
        /// Written by RM: the NV status.
        pub(crate) status: u32,
    }
}

bytes_struct! {
    /// `NV0000_ALLOC_PARAMETERS` of r570: a client.
    pub(crate) struct RootAllocParams {
        /// The client's own handle.
        pub(crate) h_client: u32,
        pub(crate) process_id: u32,
        pub(crate) process_name: [u8; 100],
        pub(crate) pad0: u32,
        pub(crate) p_os_pid_info: u64,
    }
}

bytes_struct! {
    /// `NV0080_ALLOC_PARAMETERS`: a device.
    pub(crate) struct DeviceAllocParams {
        pub(crate) device_id: u32,
        pub(crate) h_client_share: u32,
        pub(crate) h_target_client: u32,
        pub(crate) h_target_device: u32,
        pub(crate) flags: u32,
        pub(crate) pad0: u32,
        pub(crate) va_space_size: u64,
        pub(crate) va_start_internal: u64,
        pub(crate) va_limit_internal: u64,
        pub(crate) va_mode: u32,
        pub(crate) pad1: u32,
    }
}

bytes_struct! {
    /// `NV2080_ALLOC_PARAMETERS`: a subdevice.
    pub(crate) struct SubdeviceAllocParams {
        pub(crate) sub_device_id: u32,
    }
}

bytes_struct! {
    /// `NV_VASPACE_ALLOCATION_PARAMETERS`: a VA space.
    pub(crate) struct VaspaceAllocParams {
        pub(crate) index: u32,
        pub(crate) flags: u32,
        pub(crate) va_size: u64,
        pub(crate) va_start_internal: u64,
        pub(crate) va_limit_internal: u64,
        pub(crate) big_page_size: u32,
        pub(crate) pad0: u32,
        pub(crate) va_base: u64,
    }
}

bytes_struct! {
    /// One level of `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS`.
    pub(crate) struct PdesLevel {
        /// Where the level's table is.
        pub(crate) phys_address: u64,
        /// Bytes of the table.
        pub(crate) size: u64,
        /// A `GMMU_APERTURE_*` value.
        pub(crate) aperture: u32,
        /// The VA shift of the level's entries.
        pub(crate) page_shift: u8,
        pub(crate) pad0: [u8; 3],
    }
}

bytes_struct! {
    /// `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS`.
    pub(crate) struct PdesParams {
        pub(crate) h_sub_device: u32,
        pub(crate) sub_device_id: u32,
        pub(crate) page_size: u64,
        pub(crate) virt_addr_lo: u64,
        /// Inclusive.
        pub(crate) virt_addr_hi: u64,
        pub(crate) num_levels_to_copy: u32,
        pub(crate) pad0: u32,
        pub(crate) levels: [PdesLevel; GMMU_FMT_MAX_LEVELS],
    }
}

// The sizes GSP-RM checks `paramsSize` against.
const _: () = assert!(size_of::<AllocHeader>() == 32);
const _: () = assert!(size_of::<ControlHeader>() == 24);
const _: () = assert!(size_of::<Free>() == 16);
const _: () = assert!(size_of::<RootAllocParams>() == 120);
const _: () = assert!(size_of::<DeviceAllocParams>() == 56);
const _: () = assert!(size_of::<SubdeviceAllocParams>() == 4);
const _: () = assert!(size_of::<VaspaceAllocParams>() == 48);
const _: () = assert!(size_of::<PdesParams>() == 184);
