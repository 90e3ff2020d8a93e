// SPDX-License-Identifier: MIT OR Apache-2.0

//! GSP-RM's resource-manager object tree, as the emulated GSP answers `GSP_RM_ALLOC` (103),
//! `GSP_RM_CONTROL` (76) and `FREE` (10).
//!
//! A driver on GSP-RM never touches the GPU's engines itself: it asks the firmware's resource
//! manager for *objects* (a client, a device under it, a subdevice and a GPU VA space under the
//! device, ...) and steers them with *controls*. RM keeps them in one handle namespace per
//! client (resserv's `RsClient`), the handles chosen by the caller, and frees an object together
//! with everything allocated under it. This module is that bookkeeping and nothing else: pure,
//! no memory access, no queue; [`crate::gsp`] hands it the payload of each RPC and posts the
//! reply it returns. The one fact it extracts for the rest of the emulator is the page directory
//! base (PDB) of each VA space, from `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`: the
//! driver builds the page tables itself and tells GSP-RM where their top levels are.
//!
//! Wire format (r570, little-endian, packed as the C structs; offsets in [`alloc_hdr`],
//! [`control_hdr`], [`free_hdr`] and the params modules): `rpc_gsp_rm_alloc_v03_00` (32 bytes +
//! params), `rpc_gsp_rm_control_v03_00` (24 bytes + params), `rpc_free_v03_00` (16 bytes), from
//! open-gpu-kernel-modules `src/nvidia/generated/g_rpc-structures.h` as excerpted by Linux
//! `drivers/gpu/drm/nouveau/nvkm/subdev/gsp/rm/r535/nvrm/alloc.h` and `.../r535/nvrm/ctrl.h`
//! (which r570 reuses: `r570/rm.c` sets `.alloc = &r535_alloc`, `.ctrl = &r535_ctrl`). The
//! reply is the request with its `status` field filled in, as GSP-RM returns it; `rpc_result`
//! is 0 whenever the payload could be parsed at all.
//!
//! Semantics follow RM's resource server (open-gpu-kernel-modules
//! `src/nvidia/src/libraries/resserv/src/rs_server.c`, `rs_client.c`, `rs_resource.c`) where it
//! could be read, in RM's order of checks (E: the emulator's own rule, RM's not found):
//!
//! | case                                                         | status                     |
//! |--------------------------------------------------------------|----------------------------|
//! | class not modelled                                           | `INVALID_CLASS`            |
//! | `paramsSize` not the class's size, or beyond the payload     | `INVALID_PARAM_STRUCT` 1   |
//! | unknown `hClient`                                            | `INVALID_CLIENT` E 2       |
//! | new handle 0 or equal to `hClient`                           | `INVALID_OBJECT_HANDLE` 3  |
//! | client's handle, `NV0000_ALLOC_PARAMETERS.hClient` differ    | `INVALID_OBJECT_HANDLE` 4  |
//! | handle (or client handle) in use                             | `INSERT_DUPLICATE_NAME` 3  |
//! | parent handle unknown (`hParent` 0 means the client)         | `OBJECT_NOT_FOUND` 5       |
//! | parent of the wrong class                                    | `INVALID_OBJECT_PARENT` 8  |
//! | control on an unknown object                                 | `OBJECT_NOT_FOUND` 6       |
//! | command the object's class lacks                             | `NOT_SUPPORTED` 1          |
//! | free of an unknown object of a known client                  | `OK` 7                     |
//! | more than [`MAX_CLIENTS`] clients or [`MAX_OBJECTS`] objects | `INSUFFICIENT_RESOURCES` E |
//!
//! 1: `resControlLookup` for controls; the emulator applies the size rule to allocs too.
//! 2: resserv alone answers `INVALID_OBJECT_HANDLE` (`_serverFindClientEntry`).
//! 3: `clientValidateNewResourceHandle`, `_serverCreateEntryAndLockForNewClient`; RM would
//! generate a handle for 0, the emulator does not (nouveau always names its handles).
//! 4: `clientresConstruct`. 5: `_clientAllocResourceHelper`. 6: `serverControl`.
//! 7: `serverFreeResourceTree` under `RS_COMPATABILITY_MODE`; counted in [`Rm::stray_frees`].
//! 8: RM's per-class parent lists (`resource_list.h`), not read for this module.
//!
//! `COPY_SERVER_RESERVED_PDES` follows `vaspaceapiCtrlCmdVaspaceCopyServerReservedPdes_IMPL`
//! and `_gvaspaceControl_Prolog` (`src/nvidia/src/kernel/mem_mgr/gpu_vaspace.c`): a non-zero
//! `hSubDevice` must name a subdevice of the same client (any device: RM does not check which)
//! or the answer is `INVALID_OBJECT`; with `hSubDevice` 0 a `subDeviceId` other than 0 or 1
//! (one GPU) is `INVALID_ARGUMENT`; more than [`GMMU_FMT_MAX_LEVELS`] levels or a page size that
//! is not a power of two is `INVALID_ARGUMENT`. RM then installs the levels from the last one
//! up and *stops, still answering `OK`*, at the first level whose aperture is not video or
//! system memory; 0 levels is `OK` and installs nothing. The emulator takes level 0's
//! `physAddress` as the PDB only once level 0 was installed, and keeps an earlier PDB otherwise.
//!
//! Limits: a guest must not grow the emulator's memory without bound, so there are at most
//! [`MAX_CLIENTS`] clients and [`MAX_OBJECTS`] objects (clients included). Every payload comes
//! from an untrusted driver: nothing here panics, whatever the bytes.

use std::collections::BTreeMap;

/// RPC function numbers (`NV_VGPU_MSG_FUNCTION_*`, Linux `nouveau/.../rm/r570/nvrm/rpcfn.h`).
pub mod function {
    /// `FREE`: `rpc_free_v03_00`.
    pub const FREE: u32 = 10;
    /// `GSP_RM_CONTROL`: `rpc_gsp_rm_control_v03_00`.
    pub const GSP_RM_CONTROL: u32 = 76;
    /// `GSP_RM_ALLOC`: `rpc_gsp_rm_alloc_v03_00`.
    pub const GSP_RM_ALLOC: u32 = 103;
}

/// The classes modelled (open-gpu-kernel-modules `class/cl0000.h`, `cl0080.h`, `cl2080.h`,
/// `cl90f1.h`).
pub mod class {
    /// `NV01_ROOT`: a client; params `NV0000_ALLOC_PARAMETERS`.
    pub const ROOT: u32 = 0x0000;
    /// `NV01_DEVICE_0`: a device, under a client; params `NV0080_ALLOC_PARAMETERS`.
    pub const DEVICE: u32 = 0x0080;
    /// `NV20_SUBDEVICE_0`: a subdevice, under a device; params `NV2080_ALLOC_PARAMETERS`.
    pub const SUBDEVICE: u32 = 0x2080;
    /// `FERMI_VASPACE_A`: a GPU VA space, under a device; params
    /// `NV_VASPACE_ALLOCATION_PARAMETERS`.
    pub const FERMI_VASPACE_A: u32 = 0x90f1;
}

/// Control commands modelled (open-gpu-kernel-modules `ctrl/ctrl90f1.h`).
pub mod cmd {
    /// `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`, on a `FERMI_VASPACE_A`; params
    /// `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS`.
    pub const VASPACE_COPY_SERVER_RESERVED_PDES: u32 = 0x90f1_0106;
}

/// NV status codes (open-gpu-kernel-modules `src/common/sdk/nvidia/inc/nvstatuscodes.h`).
pub mod status {
    /// `NV_OK`.
    pub const OK: u32 = 0x00;
    /// `NV_ERR_INSERT_DUPLICATE_NAME`: the handle is in use.
    pub const INSERT_DUPLICATE_NAME: u32 = 0x19;
    /// `NV_ERR_INSUFFICIENT_RESOURCES`: a limit was reached.
    pub const INSUFFICIENT_RESOURCES: u32 = 0x1a;
    /// `NV_ERR_INVALID_ARGUMENT`.
    pub const INVALID_ARGUMENT: u32 = 0x1f;
    /// `NV_ERR_INVALID_CLASS`.
    pub const INVALID_CLASS: u32 = 0x22;
    /// `NV_ERR_INVALID_CLIENT`.
    pub const INVALID_CLIENT: u32 = 0x23;
    /// `NV_ERR_INVALID_COMMAND` (defined for completeness; RM answers an unknown control
    /// command with [`NOT_SUPPORTED`]).
    pub const INVALID_COMMAND: u32 = 0x24;
    /// `NV_ERR_INVALID_OBJECT`: what `_gvaspaceControl_Prolog` answers for an `hSubDevice`
    /// that names no subdevice.
    pub const INVALID_OBJECT: u32 = 0x31;
    /// `NV_ERR_INVALID_OBJECT_HANDLE`.
    pub const INVALID_OBJECT_HANDLE: u32 = 0x33;
    /// `NV_ERR_INVALID_OBJECT_PARENT`.
    pub const INVALID_OBJECT_PARENT: u32 = 0x36;
    /// `NV_ERR_INVALID_PARAM_STRUCT`: `paramsSize` wrong for the class or command.
    pub const INVALID_PARAM_STRUCT: u32 = 0x3a;
    /// `NV_ERR_NO_MEMORY` (never answered here; nouveau maps it to `-ENOMEM`).
    pub const NO_MEMORY: u32 = 0x51;
    /// `NV_ERR_NOT_READY` (never answered here; nouveau maps it to `-EBUSY`).
    pub const NOT_READY: u32 = 0x55;
    /// `NV_ERR_NOT_SUPPORTED` (the same value as [`crate::regs::NV_ERR_NOT_SUPPORTED`]).
    pub const NOT_SUPPORTED: u32 = crate::regs::NV_ERR_NOT_SUPPORTED;
    /// `NV_ERR_OBJECT_NOT_FOUND`.
    pub const OBJECT_NOT_FOUND: u32 = 0x57;
    /// `NV_ERR_TIMEOUT_RETRY` (never answered here; nouveau maps it to `-EBUSY`).
    pub const TIMEOUT_RETRY: u32 = 0x66;

    /// The `NV_*` name of `code`, for logs ("unknown" for codes this module does not name).
    pub fn name(code: u32) -> &'static str {
        match code {
            OK => "NV_OK",
            INSERT_DUPLICATE_NAME => "NV_ERR_INSERT_DUPLICATE_NAME",
            INSUFFICIENT_RESOURCES => "NV_ERR_INSUFFICIENT_RESOURCES",
            INVALID_ARGUMENT => "NV_ERR_INVALID_ARGUMENT",
            INVALID_CLASS => "NV_ERR_INVALID_CLASS",
            INVALID_CLIENT => "NV_ERR_INVALID_CLIENT",
            INVALID_COMMAND => "NV_ERR_INVALID_COMMAND",
            INVALID_OBJECT => "NV_ERR_INVALID_OBJECT",
            INVALID_OBJECT_HANDLE => "NV_ERR_INVALID_OBJECT_HANDLE",
            INVALID_OBJECT_PARENT => "NV_ERR_INVALID_OBJECT_PARENT",
            INVALID_PARAM_STRUCT => "NV_ERR_INVALID_PARAM_STRUCT",
            NO_MEMORY => "NV_ERR_NO_MEMORY",
            NOT_READY => "NV_ERR_NOT_READY",
            NOT_SUPPORTED => "NV_ERR_NOT_SUPPORTED",
            OBJECT_NOT_FOUND => "NV_ERR_OBJECT_NOT_FOUND",
            TIMEOUT_RETRY => "NV_ERR_TIMEOUT_RETRY",
            _ => "unknown",
        }
    }
}

/// `GMMU_APERTURE` values of a copied level's `aperture` (open-gpu-kernel-modules
/// `src/nvidia/inc/libraries/mmu/gmmu_fmt.h`). Not the PDE's hardware aperture field
/// ([`crate::mmu`]): there system coherent memory is 2, here 4 ([`aperture::SYS_COH`]).
pub mod aperture {
    /// `GMMU_APERTURE_INVALID`.
    pub const INVALID: u32 = 0;
    /// `GMMU_APERTURE_VIDEO`: video memory (what nouveau sends; its tables are in VRAM).
    pub const VIDEO: u32 = 1;
    /// `GMMU_APERTURE_PEER`: not accepted for a page-table level.
    pub const PEER: u32 = 2;
    /// `GMMU_APERTURE_SYS_NONCOH`: non-coherent system memory.
    pub const SYS_NONCOH: u32 = 3;
    /// `GMMU_APERTURE_SYS_COH`: coherent system memory.
    pub const SYS_COH: u32 = 4;
}

/// Offsets in `rpc_gsp_rm_alloc_v03_00` (`g_rpc-structures.h`; nouveau `r535/nvrm/alloc.h`).
pub mod alloc_hdr {
    /// `hClient`.
    pub const H_CLIENT: usize = 0;
    /// `hParent`.
    pub const H_PARENT: usize = 4;
    /// `hObject`: the new object's handle.
    pub const H_OBJECT: usize = 8;
    /// `hClass`.
    pub const H_CLASS: usize = 12;
    /// `status`: written by GSP-RM in the reply.
    pub const STATUS: usize = 16;
    /// `paramsSize`.
    pub const PARAMS_SIZE: usize = 20;
    /// `flags` (nouveau: 0; not interpreted).
    pub const FLAGS: usize = 24;
    /// `reserved[4]`: four `NvU8`.
    pub const RESERVED: usize = 28;
    /// `params[]`, inline.
    pub const PARAMS: usize = 32;
}

/// Offsets in `rpc_gsp_rm_control_v03_00` (`g_rpc-structures.h` of 535/570; nouveau
/// `r535/nvrm/ctrl.h`; r580 has a longer header, not this one).
pub mod control_hdr {
    /// `hClient`.
    pub const H_CLIENT: usize = 0;
    /// `hObject`: the object the command is for.
    pub const H_OBJECT: usize = 4;
    /// `cmd`.
    pub const CMD: usize = 8;
    /// `status`: written by GSP-RM in the reply.
    pub const STATUS: usize = 12;
    /// `paramsSize`.
    pub const PARAMS_SIZE: usize = 16;
    /// `flags` (nouveau: 0; not interpreted).
    pub const FLAGS: usize = 20;
    /// `params[]`, inline.
    pub const PARAMS: usize = 24;
}

/// Offsets in `rpc_free_v03_00`, which is `NVOS00_PARAMETERS_v03_00` (nouveau
/// `r535/nvrm/alloc.h`).
pub mod free_hdr {
    /// `hRoot`: the client.
    pub const H_ROOT: usize = 0;
    /// `hObjectParent` (nouveau: 0; not interpreted, as in RM's free).
    pub const H_OBJECT_PARENT: usize = 4;
    /// `hObjectOld`: the object to free, with its subtree; the client itself if `hRoot`.
    pub const H_OBJECT_OLD: usize = 8;
    /// `status`: written by GSP-RM in the reply.
    pub const STATUS: usize = 12;
}

/// Offsets in `NV0000_ALLOC_PARAMETERS` of r570 (nouveau `rm/r570/nvrm/client.h`; r535's lacks
/// `pOsPidInfo` and is 108 bytes).
pub mod nv0000 {
    /// `hClient`: the client's handle again.
    pub const H_CLIENT: usize = 0;
    /// `processID` (nouveau: `~0`).
    pub const PROCESS_ID: usize = 4;
    /// `processName[NV_PROC_NAME_MAX_LENGTH]` (100 chars).
    pub const PROCESS_NAME: usize = 8;
    /// `NV_PROC_NAME_MAX_LENGTH`.
    pub const PROCESS_NAME_LEN: usize = 100;
    /// `pOsPidInfo` (`NvP64`, 8-aligned: 4 padding bytes before it).
    pub const P_OS_PID_INFO: usize = 112;
}

/// Offsets in `NV0080_ALLOC_PARAMETERS` (open-gpu-kernel-modules `class/cl0080.h`; nouveau
/// `r535/nvrm/device.h`).
pub mod nv0080 {
    /// `deviceId` (device instance; the emulator has only 0).
    pub const DEVICE_ID: usize = 0;
    /// `hClientShare` (nouveau: the client's handle).
    pub const H_CLIENT_SHARE: usize = 4;
    /// `hTargetClient`.
    pub const H_TARGET_CLIENT: usize = 8;
    /// `hTargetDevice`.
    pub const H_TARGET_DEVICE: usize = 12;
    /// `flags`.
    pub const FLAGS: usize = 16;
    /// `vaSpaceSize` (u64, 8-aligned: 4 padding bytes before it).
    pub const VA_SPACE_SIZE: usize = 24;
    /// `vaStartInternal` (u64).
    pub const VA_START_INTERNAL: usize = 32;
    /// `vaLimitInternal` (u64).
    pub const VA_LIMIT_INTERNAL: usize = 40;
    /// `vaMode` (then 4 padding bytes).
    pub const VA_MODE: usize = 48;
}

/// Offsets in `NV2080_ALLOC_PARAMETERS` (open-gpu-kernel-modules `class/cl2080.h`; nouveau
/// `r535/nvrm/device.h`).
pub mod nv2080 {
    /// `subDeviceId` (the emulator has only 0).
    pub const SUB_DEVICE_ID: usize = 0;
}

/// Offsets in `NV_VASPACE_ALLOCATION_PARAMETERS` (open-gpu-kernel-modules `nvos.h`; nouveau
/// `r535/nvrm/vmm.h`).
pub mod vaspace_alloc {
    /// `index`: [`super::VASPACE_INDEX_GPU_NEW`], the only one modelled.
    pub const INDEX: usize = 0;
    /// `flags` ([`super::VASPACE_FLAGS_IS_EXTERNALLY_OWNED`], ...; recorded, not interpreted).
    pub const FLAGS: usize = 4;
    /// `vaSize` (u64).
    pub const VA_SIZE: usize = 8;
    /// `vaStartInternal` (u64).
    pub const VA_START_INTERNAL: usize = 16;
    /// `vaLimitInternal` (u64).
    pub const VA_LIMIT_INTERNAL: usize = 24;
    /// `bigPageSize` (then 4 padding bytes).
    pub const BIG_PAGE_SIZE: usize = 32;
    /// `vaBase` (u64).
    pub const VA_BASE: usize = 40;
}

/// Offsets in `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS` (open-gpu-kernel-modules
/// `ctrl/ctrl90f1.h`; nouveau `r535/nvrm/vmm.h`): every u64 `NV_DECLARE_ALIGNED(.., 8)`.
pub mod pdes {
    /// `hSubDevice` (0: use `subDeviceId`).
    pub const H_SUBDEVICE: usize = 0;
    /// `subDeviceId` (ignored if `hSubDevice` is not 0).
    pub const SUB_DEVICE_ID: usize = 4;
    /// `pageSize` (u64): VA coverage of the level reserved.
    pub const PAGE_SIZE: usize = 8;
    /// `virtAddrLo` (u64).
    pub const VIRT_ADDR_LO: usize = 16;
    /// `virtAddrHi` (u64, inclusive).
    pub const VIRT_ADDR_HI: usize = 24;
    /// `numLevelsToCopy` (then 4 padding bytes).
    pub const NUM_LEVELS: usize = 32;
    /// `levels[GMMU_FMT_MAX_LEVELS]`.
    pub const LEVELS: usize = 40;
    /// Bytes of one `levels[]` element (8-aligned: 3 padding bytes after `pageShift`).
    pub const LEVEL_STRIDE: usize = 24;
    /// `levels[i].physAddress` (u64), relative to the element.
    pub const LEVEL_PHYS_ADDRESS: usize = 0;
    /// `levels[i].size` (u64): bytes of the level's table.
    pub const LEVEL_SIZE: usize = 8;
    /// `levels[i].aperture` (u32, a [`super::aperture`] value).
    pub const LEVEL_APERTURE: usize = 16;
    /// `levels[i].pageShift` (u8): the level's VA shift.
    pub const LEVEL_PAGE_SHIFT: usize = 20;
}

/// Bytes of `rpc_gsp_rm_alloc_v03_00` before `params[]`.
pub const ALLOC_HDR_SIZE: usize = alloc_hdr::PARAMS;
/// Bytes of `rpc_gsp_rm_control_v03_00` before `params[]`.
pub const CONTROL_HDR_SIZE: usize = control_hdr::PARAMS;
/// Bytes of `rpc_free_v03_00`.
pub const FREE_SIZE: usize = 16;
/// `sizeof(NV0000_ALLOC_PARAMETERS)` of r570: 4 + 4 + 100, padding to 112, `pOsPidInfo`
/// (nouveau `rm/r570/nvrm/client.h`).
pub const ROOT_ALLOC_PARAMS_SIZE: usize = 120;
/// `sizeof(NV0080_ALLOC_PARAMETERS)`: five u32, padding, three u64, `vaMode`, padding
/// (open-gpu-kernel-modules `class/cl0080.h`).
pub const DEVICE_ALLOC_PARAMS_SIZE: usize = 56;
/// `sizeof(NV2080_ALLOC_PARAMETERS)`: `subDeviceId` (open-gpu-kernel-modules `class/cl2080.h`).
pub const SUBDEVICE_ALLOC_PARAMS_SIZE: usize = 4;
/// `sizeof(NV_VASPACE_ALLOCATION_PARAMETERS)`: index, flags, three u64, `bigPageSize`,
/// padding, `vaBase` (open-gpu-kernel-modules `nvos.h`; nouveau `r535/nvrm/vmm.h`).
pub const VASPACE_ALLOC_PARAMS_SIZE: usize = 48;
/// `sizeof(NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS)`: 40 bytes of header, six
/// 24-byte levels (open-gpu-kernel-modules `ctrl/ctrl90f1.h`).
pub const PDES_PARAMS_SIZE: usize = 184;

/// `GMMU_FMT_MAX_LEVELS`: the size of `levels[]`.
pub const GMMU_FMT_MAX_LEVELS: usize = 6;
/// `NV_VASPACE_ALLOCATION_INDEX_GPU_NEW`: a new VA space (nouveau's choice, the only one
/// modelled).
pub const VASPACE_INDEX_GPU_NEW: u32 = 0;
/// `NV_VASPACE_ALLOCATION_FLAGS_IS_EXTERNALLY_OWNED` (BIT(3)): nouveau's "external" VA spaces,
/// whose page directory goes through `NV0080_CTRL_CMD_DMA_SET_PAGE_DIRECTORY` instead.
pub const VASPACE_FLAGS_IS_EXTERNALLY_OWNED: u32 = 1 << 3;
/// `SPLIT_VAS_SERVER_RM_MANAGED_VA_START`: where nouveau reserves the range it hands to RM.
pub const SPLIT_VAS_SERVER_RM_MANAGED_VA_START: u64 = 0x1_0000_0000;
/// `SPLIT_VAS_SERVER_RM_MANAGED_VA_SIZE`: 512 MiB, one PD1 entry.
pub const SPLIT_VAS_SERVER_RM_MANAGED_VA_SIZE: u64 = 0x2000_0000;

/// The most clients at once.
pub const MAX_CLIENTS: usize = 16;
/// The most objects at once, all clients together, each client's own object included.
pub const MAX_OBJECTS: usize = 8192;

const _: () = assert!(nv0000::P_OS_PID_INFO + 8 == ROOT_ALLOC_PARAMS_SIZE);
const _: () = assert!(nv0000::PROCESS_NAME + nv0000::PROCESS_NAME_LEN <= nv0000::P_OS_PID_INFO);
const _: () = assert!(nv0080::VA_MODE + 8 == DEVICE_ALLOC_PARAMS_SIZE);
const _: () = assert!(vaspace_alloc::VA_BASE + 8 == VASPACE_ALLOC_PARAMS_SIZE);
const _: () = assert!(pdes::LEVELS + GMMU_FMT_MAX_LEVELS * pdes::LEVEL_STRIDE == PDES_PARAMS_SIZE);
const _: () = assert!(free_hdr::STATUS + 4 == FREE_SIZE);

/// One page-table level as handed over by `COPY_SERVER_RESERVED_PDES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdeLevel {
    /// `physAddress`: where the level's table is.
    pub phys_address: u64,
    /// `size`: bytes of the table.
    pub size: u64,
    /// `aperture`: an [`aperture`] value.
    pub aperture: u32,
    /// `pageShift`: the level's VA shift (nouveau: 0x2f, 0x26, 0x1d for PD3, PD2, PD1).
    pub page_shift: u8,
}

/// The last accepted `COPY_SERVER_RESERVED_PDES` of a VA space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pdes {
    /// `hSubDevice`.
    pub h_subdevice: u32,
    /// `subDeviceId`.
    pub sub_device_id: u32,
    /// `pageSize`.
    pub page_size: u64,
    /// `virtAddrLo`.
    pub virt_addr_lo: u64,
    /// `virtAddrHi` (inclusive).
    pub virt_addr_hi: u64,
    /// `levels[0..numLevelsToCopy]`, root first.
    pub levels: Vec<PdeLevel>,
}

/// A `FERMI_VASPACE_A` object's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaSpace {
    /// `index` it was allocated with.
    pub index: u32,
    /// `flags` it was allocated with.
    pub flags: u32,
    /// The page directory base: level 0's `physAddress` of the last copy that installed
    /// level 0.
    pub pdb: Option<u64>,
    /// The last accepted `COPY_SERVER_RESERVED_PDES`.
    pub pdes: Option<Pdes>,
}

/// What an object is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Device,
    Subdevice,
    VaSpace(VaSpace),
}

impl Kind {
    fn class(&self) -> u32 {
        match self {
            Self::Root => class::ROOT,
            Self::Device => class::DEVICE,
            Self::Subdevice => class::SUBDEVICE,
            Self::VaSpace(_) => class::FERMI_VASPACE_A,
        }
    }
}

/// An object in a client's namespace.
#[derive(Clone, Debug)]
struct Object {
    /// The parent's handle; `None` for the client's own object.
    parent: Option<u32>,
    kind: Kind,
}

/// A client: its handle namespace, its own object (at the client's handle) included.
#[derive(Clone, Debug, Default)]
struct Client {
    objects: BTreeMap<u32, Object>,
}

/// Deepest parent chain walked when freeing (the tree is at most client, device, child).
const MAX_DEPTH: usize = 8;

/// RM's object tree: clients, their objects, and what the VA spaces were told.
#[derive(Clone, Debug, Default)]
pub struct Rm {
    clients: BTreeMap<u32, Client>,
    objects: usize,
    stray_frees: u64,
}

/// Result of an RPC handler: `Ok(status)` for a parsed payload, `Err(rpc_result)` if not.
type Handled = Result<u32, u32>;

impl Rm {
    /// An empty tree (a freshly booted GSP).
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one RPC: `None` if `function` is not one of [`function`] (the caller answers
    /// `NOT_SUPPORTED` itself).
    ///
    /// `Some((rpc_result, reply))`: `rpc_result` is 0 when the payload's header could be parsed
    /// (the RM status is then in the reply's `status` field, the reply being the request with
    /// that field filled in, as GSP-RM returns it); for a payload shorter than its header it is
    /// [`status::INVALID_ARGUMENT`] and the reply is the request unchanged.
    pub fn handle(&mut self, function: u32, payload: &[u8]) -> Option<(u32, Vec<u8>)> {
        let (status_off, handled) = match function {
            function::GSP_RM_ALLOC => (alloc_hdr::STATUS, self.alloc(payload)),
            function::GSP_RM_CONTROL => (control_hdr::STATUS, self.control(payload)),
            function::FREE => (free_hdr::STATUS, self.free(payload)),
            _ => return None,
        };
        let mut reply = payload.to_vec();
        Some(match handled {
            Ok(st) => {
                put_u32(&mut reply, status_off, st);
                (status::OK, reply)
            }
            Err(rpc_result) => (rpc_result, reply),
        })
    }

    /// Forgets everything (the GSP rebooted).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Objects allocated, all clients together, each client's own object included.
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// Clients allocated.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// `FREE`s of handles the client did not have, answered `OK` as RM does (since the reset).
    pub fn stray_frees(&self) -> u64 {
        self.stray_frees
    }

    /// The class of `h_object` in client `h_client`, if it exists.
    pub fn class_of(&self, h_client: u32, h_object: u32) -> Option<u32> {
        let obj = self.clients.get(&h_client)?.objects.get(&h_object)?;
        Some(obj.kind.class())
    }

    /// `(client, VA space handle, PDB)` of every VA space whose PDEs were handed over, by
    /// client then handle.
    pub fn vaspaces(&self) -> Vec<(u32, u32, u64)> {
        let mut out = Vec::new();
        for (&hc, client) in &self.clients {
            for (&h, obj) in &client.objects {
                if let Kind::VaSpace(VaSpace { pdb: Some(pdb), .. }) = obj.kind {
                    out.push((hc, h, pdb));
                }
            }
        }
        out
    }

    /// The state of VA space `h_vaspace` of client `h_client`, if it is one.
    pub fn vaspace(&self, h_client: u32, h_vaspace: u32) -> Option<&VaSpace> {
        match &self.clients.get(&h_client)?.objects.get(&h_vaspace)?.kind {
            Kind::VaSpace(vas) => Some(vas),
            _ => None,
        }
    }

    fn alloc(&mut self, p: &[u8]) -> Handled {
        // The whole fixed header must be there, reserved bytes included.
        if p.len() < ALLOC_HDR_SIZE {
            return Err(status::INVALID_ARGUMENT);
        }
        let hdr = |off| get_u32(p, off).ok_or(status::INVALID_ARGUMENT);
        let req = AllocReq {
            h_client: hdr(alloc_hdr::H_CLIENT)?,
            h_parent: hdr(alloc_hdr::H_PARENT)?,
            h_object: hdr(alloc_hdr::H_OBJECT)?,
            h_class: hdr(alloc_hdr::H_CLASS)?,
            params_size: hdr(alloc_hdr::PARAMS_SIZE)?,
        };
        Ok(status_of(self.alloc_checked(&req, &p[ALLOC_HDR_SIZE..])))
    }

    fn alloc_checked(&mut self, req: &AllocReq, rest: &[u8]) -> Result<(), u32> {
        let size = match req.h_class {
            class::ROOT => ROOT_ALLOC_PARAMS_SIZE,
            class::DEVICE => DEVICE_ALLOC_PARAMS_SIZE,
            class::SUBDEVICE => SUBDEVICE_ALLOC_PARAMS_SIZE,
            class::FERMI_VASPACE_A => VASPACE_ALLOC_PARAMS_SIZE,
            _ => return Err(status::INVALID_CLASS),
        };
        if usize::try_from(req.params_size).ok() != Some(size) {
            return Err(status::INVALID_PARAM_STRUCT);
        }
        let params = rest.get(..size).ok_or(status::INVALID_PARAM_STRUCT)?;
        if req.h_class == class::ROOT {
            self.alloc_client(req, params)
        } else {
            self.alloc_object(req, params)
        }
    }

    fn alloc_client(&mut self, req: &AllocReq, params: &[u8]) -> Result<(), u32> {
        let h = req.h_client;
        // RM generates a client handle for 0; the emulator does not (nouveau never asks).
        if h == 0 || req.h_object != h || get_u32(params, nv0000::H_CLIENT) != Some(h) {
            return Err(status::INVALID_OBJECT_HANDLE);
        }
        if self.clients.contains_key(&h) {
            return Err(status::INSERT_DUPLICATE_NAME);
        }
        if self.clients.len() >= MAX_CLIENTS || self.objects >= MAX_OBJECTS {
            return Err(status::INSUFFICIENT_RESOURCES);
        }
        let mut client = Client::default();
        client.objects.insert(
            h,
            Object {
                parent: None,
                kind: Kind::Root,
            },
        );
        self.clients.insert(h, client);
        self.objects += 1;
        Ok(())
    }

    fn alloc_object(&mut self, req: &AllocReq, params: &[u8]) -> Result<(), u32> {
        let at_limit = self.objects >= MAX_OBJECTS;
        let client = self
            .clients
            .get_mut(&req.h_client)
            .ok_or(status::INVALID_CLIENT)?;
        if req.h_object == 0 || req.h_object == req.h_client {
            return Err(status::INVALID_OBJECT_HANDLE);
        }
        if client.objects.contains_key(&req.h_object) {
            return Err(status::INSERT_DUPLICATE_NAME);
        }
        let h_parent = if req.h_parent == 0 {
            req.h_client
        } else {
            req.h_parent
        };
        let parent = client
            .objects
            .get(&h_parent)
            .ok_or(status::OBJECT_NOT_FOUND)?;
        let (wanted_parent, kind) = match req.h_class {
            class::DEVICE => {
                // One GPU: device instance 0 only (emulator's rule).
                if get_u32(params, nv0080::DEVICE_ID) != Some(0) {
                    return Err(status::INVALID_ARGUMENT);
                }
                (class::ROOT, Kind::Device)
            }
            class::SUBDEVICE => {
                if get_u32(params, nv2080::SUB_DEVICE_ID) != Some(0) {
                    return Err(status::INVALID_ARGUMENT);
                }
                (class::DEVICE, Kind::Subdevice)
            }
            class::FERMI_VASPACE_A => {
                let index = get_u32(params, vaspace_alloc::INDEX).unwrap_or(u32::MAX);
                let flags = get_u32(params, vaspace_alloc::FLAGS).unwrap_or(0);
                let vas = VaSpace {
                    index,
                    flags,
                    pdb: None,
                    pdes: None,
                };
                (class::DEVICE, Kind::VaSpace(vas))
            }
            _ => return Err(status::INVALID_CLASS),
        };
        if parent.kind.class() != wanted_parent {
            return Err(status::INVALID_OBJECT_PARENT);
        }
        if let Kind::VaSpace(vas) = &kind {
            // The shared, host or global VA spaces are not modelled.
            if vas.index != VASPACE_INDEX_GPU_NEW {
                return Err(status::NOT_SUPPORTED);
            }
        }
        if at_limit {
            return Err(status::INSUFFICIENT_RESOURCES);
        }
        client.objects.insert(
            req.h_object,
            Object {
                parent: Some(h_parent),
                kind,
            },
        );
        self.objects += 1;
        Ok(())
    }

    fn free(&mut self, p: &[u8]) -> Handled {
        if p.len() < FREE_SIZE {
            return Err(status::INVALID_ARGUMENT);
        }
        let h_root = get_u32(p, free_hdr::H_ROOT).ok_or(status::INVALID_ARGUMENT)?;
        let h_old = get_u32(p, free_hdr::H_OBJECT_OLD).ok_or(status::INVALID_ARGUMENT)?;
        Ok(status_of(self.free_checked(h_root, h_old)))
    }

    fn free_checked(&mut self, h_root: u32, h_old: u32) -> Result<(), u32> {
        if h_old == h_root {
            let client = self.clients.remove(&h_root).ok_or(status::INVALID_CLIENT)?;
            self.objects = self.objects.saturating_sub(client.objects.len());
            return Ok(());
        }
        let client = self
            .clients
            .get_mut(&h_root)
            .ok_or(status::INVALID_CLIENT)?;
        if !client.objects.contains_key(&h_old) {
            // RM (RS_COMPATABILITY_MODE) frees nothing and answers NV_OK.
            self.stray_frees = self.stray_frees.saturating_add(1);
            return Ok(());
        }
        let doomed: Vec<u32> = client
            .objects
            .keys()
            .copied()
            .filter(|&h| descends_from(&client.objects, h, h_old))
            .collect();
        for h in &doomed {
            client.objects.remove(h);
        }
        self.objects = self.objects.saturating_sub(doomed.len());
        Ok(())
    }

    fn control(&mut self, p: &[u8]) -> Handled {
        if p.len() < CONTROL_HDR_SIZE {
            return Err(status::INVALID_ARGUMENT);
        }
        let hdr = |off| get_u32(p, off).ok_or(status::INVALID_ARGUMENT);
        let req = ControlReq {
            h_client: hdr(control_hdr::H_CLIENT)?,
            h_object: hdr(control_hdr::H_OBJECT)?,
            cmd: hdr(control_hdr::CMD)?,
            params_size: hdr(control_hdr::PARAMS_SIZE)?,
        };
        Ok(status_of(
            self.control_checked(&req, &p[CONTROL_HDR_SIZE..]),
        ))
    }

    fn control_checked(&mut self, req: &ControlReq, rest: &[u8]) -> Result<(), u32> {
        let client = self
            .clients
            .get_mut(&req.h_client)
            .ok_or(status::INVALID_CLIENT)?;
        let obj = client
            .objects
            .get(&req.h_object)
            .ok_or(status::OBJECT_NOT_FOUND)?;
        match (obj.kind.class(), req.cmd) {
            (class::FERMI_VASPACE_A, cmd::VASPACE_COPY_SERVER_RESERVED_PDES) => {}
            _ => return Err(status::NOT_SUPPORTED),
        }
        if usize::try_from(req.params_size).ok() != Some(PDES_PARAMS_SIZE) {
            return Err(status::INVALID_PARAM_STRUCT);
        }
        let params = rest
            .get(..PDES_PARAMS_SIZE)
            .ok_or(status::INVALID_PARAM_STRUCT)?;
        let copy = parse_pdes(params).ok_or(status::INVALID_PARAM_STRUCT)?;

        // _gvaspaceControl_Prolog: the subdevice, then the level count and page size.
        if copy.pdes.h_subdevice != 0 {
            let is_subdevice = client
                .objects
                .get(&copy.pdes.h_subdevice)
                .is_some_and(|o| o.kind == Kind::Subdevice);
            if !is_subdevice {
                return Err(status::INVALID_OBJECT);
            }
        } else if copy.pdes.sub_device_id > 1 {
            return Err(status::INVALID_ARGUMENT);
        }
        if copy.num_levels > GMMU_FMT_MAX_LEVELS || !copy.pdes.page_size.is_power_of_two() {
            return Err(status::INVALID_ARGUMENT);
        }
        // RM installs from the last level up and stops (answering OK) at a bad aperture:
        // level 0 is installed only if every level's aperture is video or system memory.
        let root = copy.pdes.levels.first().copied();
        let all_installable = copy.pdes.levels.iter().all(|l| {
            matches!(
                l.aperture,
                aperture::VIDEO | aperture::SYS_COH | aperture::SYS_NONCOH
            )
        });
        let Some(Object {
            kind: Kind::VaSpace(vas),
            ..
        }) = client.objects.get_mut(&req.h_object)
        else {
            return Err(status::NOT_SUPPORTED);
        };
        if let (Some(root), true) = (root, all_installable) {
            vas.pdb = Some(root.phys_address);
        }
        vas.pdes = Some(copy.pdes);
        Ok(())
    }
}

/// The header fields of an alloc RPC.
struct AllocReq {
    h_client: u32,
    h_parent: u32,
    h_object: u32,
    h_class: u32,
    params_size: u32,
}

/// The header fields of a control RPC.
struct ControlReq {
    h_client: u32,
    h_object: u32,
    cmd: u32,
    params_size: u32,
}

/// A parsed `COPY_SERVER_RESERVED_PDES`.
struct PdesCopy {
    /// `numLevelsToCopy` as sent (may exceed the array).
    num_levels: usize,
    /// The levels actually in the array (at most [`GMMU_FMT_MAX_LEVELS`]).
    pdes: Pdes,
}

/// Parses `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS` (`None` if `p` is short).
fn parse_pdes(p: &[u8]) -> Option<PdesCopy> {
    let num_levels = usize::try_from(get_u32(p, pdes::NUM_LEVELS)?).unwrap_or(usize::MAX);
    let mut levels = Vec::new();
    for i in 0..num_levels.min(GMMU_FMT_MAX_LEVELS) {
        let at = pdes::LEVELS + i * pdes::LEVEL_STRIDE;
        levels.push(PdeLevel {
            phys_address: get_u64(p, at + pdes::LEVEL_PHYS_ADDRESS)?,
            size: get_u64(p, at + pdes::LEVEL_SIZE)?,
            aperture: get_u32(p, at + pdes::LEVEL_APERTURE)?,
            page_shift: *p.get(at + pdes::LEVEL_PAGE_SHIFT)?,
        });
    }
    Some(PdesCopy {
        num_levels,
        pdes: Pdes {
            h_subdevice: get_u32(p, pdes::H_SUBDEVICE)?,
            sub_device_id: get_u32(p, pdes::SUB_DEVICE_ID)?,
            page_size: get_u64(p, pdes::PAGE_SIZE)?,
            virt_addr_lo: get_u64(p, pdes::VIRT_ADDR_LO)?,
            virt_addr_hi: get_u64(p, pdes::VIRT_ADDR_HI)?,
            levels,
        },
    })
}

/// Whether `h` is `ancestor` or below it in `objects`.
fn descends_from(objects: &BTreeMap<u32, Object>, h: u32, ancestor: u32) -> bool {
    let mut cur = Some(h);
    for _ in 0..MAX_DEPTH {
        match cur {
            Some(c) if c == ancestor => return true,
            Some(c) => cur = objects.get(&c).and_then(|o| o.parent),
            None => return false,
        }
    }
    false
}

/// The status code of a checked operation.
fn status_of(r: Result<(), u32>) -> u32 {
    r.err().unwrap_or(status::OK)
}

/// The little-endian u32 at `off` of `b`, if all of it is there.
fn get_u32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// The little-endian u64 at `off` of `b`, if all of it is there.
fn get_u64(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// Writes `v` little-endian at `off` of `b` (nothing if it does not fit).
fn put_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = off.checked_add(4).and_then(|end| b.get_mut(off..end)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes `v` little-endian at `off` of `b` (nothing if it does not fit).
fn put_u64(b: &mut [u8], off: usize, v: u64) {
    if let Some(s) = off.checked_add(8).and_then(|end| b.get_mut(off..end)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// `len` as a u32 (`u32::MAX` if it does not fit: the encoders' inputs are small).
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The RM status in `reply`, the reply payload of RPC `function` (`None` if `function` is not
/// one of [`function`] or the reply is too short).
pub fn reply_status(function: u32, reply: &[u8]) -> Option<u32> {
    let off = match function {
        function::GSP_RM_ALLOC => alloc_hdr::STATUS,
        function::GSP_RM_CONTROL => control_hdr::STATUS,
        function::FREE => free_hdr::STATUS,
        _ => return None,
    };
    get_u32(reply, off)
}

/// An `rpc_gsp_rm_alloc_v03_00` payload: the header (`status` 0, `flags` 0, `paramsSize` the
/// length of `params`) and `params` inline.
pub fn alloc_payload(
    h_client: u32,
    h_parent: u32,
    h_object: u32,
    h_class: u32,
    params: &[u8],
) -> Vec<u8> {
    let mut p = vec![0u8; ALLOC_HDR_SIZE];
    put_u32(&mut p, alloc_hdr::H_CLIENT, h_client);
    put_u32(&mut p, alloc_hdr::H_PARENT, h_parent);
    put_u32(&mut p, alloc_hdr::H_OBJECT, h_object);
    put_u32(&mut p, alloc_hdr::H_CLASS, h_class);
    put_u32(&mut p, alloc_hdr::PARAMS_SIZE, len_u32(params.len()));
    p.extend_from_slice(params);
    p
}

/// An `rpc_gsp_rm_control_v03_00` payload: the header (`status` 0, `flags` 0, `paramsSize` the
/// length of `params`) and `params` inline.
pub fn control_payload(h_client: u32, h_object: u32, cmd: u32, params: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; CONTROL_HDR_SIZE];
    put_u32(&mut p, control_hdr::H_CLIENT, h_client);
    put_u32(&mut p, control_hdr::H_OBJECT, h_object);
    put_u32(&mut p, control_hdr::CMD, cmd);
    put_u32(&mut p, control_hdr::PARAMS_SIZE, len_u32(params.len()));
    p.extend_from_slice(params);
    p
}

/// An `rpc_free_v03_00` payload (`status` 0).
pub fn free_payload(h_root: u32, h_object_parent: u32, h_object_old: u32) -> Vec<u8> {
    let mut p = vec![0u8; FREE_SIZE];
    put_u32(&mut p, free_hdr::H_ROOT, h_root);
    put_u32(&mut p, free_hdr::H_OBJECT_PARENT, h_object_parent);
    put_u32(&mut p, free_hdr::H_OBJECT_OLD, h_object_old);
    p
}

/// `NV0000_ALLOC_PARAMETERS` (r570) as nouveau fills it: `hClient`, `processID` `~0`, the rest 0.
pub fn root_params(h_client: u32) -> Vec<u8> {
    let mut p = vec![0u8; ROOT_ALLOC_PARAMS_SIZE];
    put_u32(&mut p, nv0000::H_CLIENT, h_client);
    put_u32(&mut p, nv0000::PROCESS_ID, u32::MAX);
    p
}

/// `NV0080_ALLOC_PARAMETERS` as nouveau fills it: `hClientShare`, the rest 0.
pub fn device_params(h_client_share: u32) -> Vec<u8> {
    let mut p = vec![0u8; DEVICE_ALLOC_PARAMS_SIZE];
    put_u32(&mut p, nv0080::H_CLIENT_SHARE, h_client_share);
    p
}

/// `NV2080_ALLOC_PARAMETERS`.
pub fn subdevice_params(sub_device_id: u32) -> Vec<u8> {
    sub_device_id.to_le_bytes().to_vec()
}

/// `NV_VASPACE_ALLOCATION_PARAMETERS` with `index` and `flags`, the rest 0 (as nouveau).
pub fn vaspace_params(index: u32, flags: u32) -> Vec<u8> {
    let mut p = vec![0u8; VASPACE_ALLOC_PARAMS_SIZE];
    put_u32(&mut p, vaspace_alloc::INDEX, index);
    put_u32(&mut p, vaspace_alloc::FLAGS, flags);
    p
}

/// `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS` as nouveau fills it: `hSubDevice`,
/// `subDeviceId` 0, the 512 MiB server range at 4 GiB (`pageSize` 1 << 29, `virtAddrLo`
/// [`SPLIT_VAS_SERVER_RM_MANAGED_VA_START`], `virtAddrHi` its end), `numLevelsToCopy` the
/// number of `levels` (`physAddress`, `size`, `aperture`, `pageShift`), of which the first
/// [`GMMU_FMT_MAX_LEVELS`] are written.
pub fn pdes_params(h_subdevice: u32, levels: &[(u64, u64, u32, u8)]) -> Vec<u8> {
    let mut p = vec![0u8; PDES_PARAMS_SIZE];
    put_u32(&mut p, pdes::H_SUBDEVICE, h_subdevice);
    put_u64(&mut p, pdes::PAGE_SIZE, SPLIT_VAS_SERVER_RM_MANAGED_VA_SIZE);
    put_u64(
        &mut p,
        pdes::VIRT_ADDR_LO,
        SPLIT_VAS_SERVER_RM_MANAGED_VA_START,
    );
    put_u64(
        &mut p,
        pdes::VIRT_ADDR_HI,
        SPLIT_VAS_SERVER_RM_MANAGED_VA_START + SPLIT_VAS_SERVER_RM_MANAGED_VA_SIZE - 1,
    );
    put_u32(&mut p, pdes::NUM_LEVELS, len_u32(levels.len()));
    for (i, &(phys, size, aper, shift)) in levels.iter().take(GMMU_FMT_MAX_LEVELS).enumerate() {
        let at = pdes::LEVELS + i * pdes::LEVEL_STRIDE;
        put_u64(&mut p, at + pdes::LEVEL_PHYS_ADDRESS, phys);
        put_u64(&mut p, at + pdes::LEVEL_SIZE, size);
        put_u32(&mut p, at + pdes::LEVEL_APERTURE, aper);
        if let Some(b) = p.get_mut(at + pdes::LEVEL_PAGE_SHIFT) {
            *b = shift;
        }
    }
    p
}

#[cfg(test)]
mod tests;
