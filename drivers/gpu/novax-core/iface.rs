// SPDX-License-Identifier: GPL-2.0

//! The interface between the novax core driver and the novax DRM driver.
//!
//! The two drivers are separate modules, as upstream's nova-core and nova-drm are: the core
//! driver owns the PCI device and the GSP, the DRM driver binds to the auxiliary device the core
//! creates. This file is compiled into both modules (the DRM driver includes it with `#[path]`),
//! so both see the same definitions, but what crosses between the two modules is only
//! `#[repr(C)]` data and `extern "C"` functions ([`kernel::interface`]): the table [`CoreOps`]
//! that the core builds for its GSP, and the [`CoreExport`] the auxiliary device carries (its
//! tag names the interface version; the version and sizes are checked again when the DRM driver
//! binds). The DRM module never links against symbols of the core module.
//!
//! Lifetimes: a [`CoreHandle`] is counted; the core's export, and with it the GSP, the table and
//! the core module's code, stays until the last handle is dropped. The DRM driver keeps its
//! handle in a `Devres` on the auxiliary device, revoked when the core removes that device.

#![allow(dead_code, unreachable_pub)]

use kernel::{
    c_str,
    interface::{Export, Slice, SliceMut},
    prelude::*,
    str::CStr,
};

/// Static information about the GPU, gathered by the core driver at probe.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct GpuInfo {
    /// `architecture << 4 | implementation`, e.g. 0x192.
    pub(crate) chipset: u32,
    /// The architecture code, e.g. 0x19 (Ada).
    pub(crate) architecture: u32,
    /// `major << 4 | minor`, e.g. 0xa1.
    pub(crate) revision: u32,
    /// Reserved.
    pub(crate) pad: u32,
    /// Video memory size in bytes.
    pub(crate) vram_size: u64,
    /// VRAM aperture (BAR1) size in bytes.
    pub(crate) vram_bar_size: u64,
    /// GSP firmware version, `major << 32 | minor << 16 | patch`.
    pub(crate) fw_version: u64,
    /// Chip name, NUL-padded, e.g. "AD102".
    pub(crate) chip_name: [u8; 16],
    /// Architecture name, NUL-padded, e.g. "Ada".
    pub(crate) arch_name: [u8; 16],
}

/// GSP and poller counters and queue state, a snapshot.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Snapshot {
    /// Messages received from the GSP (valid ones).
    pub(crate) messages_received: u64,
    /// Commands sent to the GSP.
    pub(crate) messages_sent: u64,
    /// Asynchronous events received.
    pub(crate) events: u64,
    /// GSP_INIT_DONE events.
    pub(crate) init_done: u64,
    /// OS_ERROR_LOG events.
    pub(crate) error_logs: u64,
    /// TICK events.
    pub(crate) tick_events: u64,
    /// TICK events missing from the index sequence.
    pub(crate) tick_lost: u64,
    /// RPC replies matched to a waiting request.
    pub(crate) rpc_replies: u64,
    /// RPCs that timed out.
    pub(crate) rpc_timeouts: u64,
    /// RPCs that failed otherwise (GSP error, malformed reply, device gone).
    pub(crate) rpc_errors: u64,
    /// Replies without a waiting request.
    pub(crate) unmatched_replies: u64,
    /// Gaps in the message queue's sequence numbers.
    pub(crate) seq_gaps: u64,
    /// Rejected: write pointer out of range.
    pub(crate) bad_write_ptr: u64,
    /// Rejected: element count 0 or beyond the queued elements.
    pub(crate) bad_elem_count: u64,
    /// Rejected: RPC length out of range.
    pub(crate) bad_length: u64,
    /// Rejected: checksum mismatch.
    pub(crate) bad_checksum: u64,
    /// Rejected: RPC header version.
    pub(crate) bad_version: u64,
    /// Rejected: RPC signature.
    pub(crate) bad_signature: u64,
    /// GSP interrupts taken.
    pub(crate) interrupts: u64,
    /// Polls run.
    pub(crate) polls: u64,
    /// Polls that used their whole budget.
    pub(crate) polls_budget_exhausted: u64,
    /// Times the interrupt was unmasked.
    pub(crate) irq_unmasks: u64,
    /// Messages processed by polls.
    pub(crate) messages_polled: u64,
    /// Nanoseconds spent in the hard IRQ handler (the kernel's entry and exit not included).
    pub(crate) irq_ns: u64,
    /// Nanoseconds spent in polls (the softirq's own overhead not included).
    pub(crate) poll_ns: u64,
    /// Command queue: our write pointer.
    pub(crate) cmdq_write_ptr: u64,
    /// Command queue: the GSP's read pointer.
    pub(crate) cmdq_read_ptr: u64,
    /// Command queue: free elements.
    pub(crate) cmdq_free: u64,
    /// Command queue: most elements in use seen.
    pub(crate) cmdq_high_water: u64,
    /// Message queue: the GSP's write pointer.
    pub(crate) msgq_write_ptr: u64,
    /// Message queue: our read pointer.
    pub(crate) msgq_read_ptr: u64,
    /// Message queue: elements pending.
    pub(crate) msgq_pending: u64,
    /// Message queue: most elements pending seen.
    pub(crate) msgq_high_water: u64,
    /// Elements per queue.
    pub(crate) msg_count: u64,
    /// Echo replies that did not carry the payload back.
    pub(crate) echo_mismatches: u64,
    /// GPU VA spaces.
    pub(crate) vm_spaces: u64,
    /// Page-table pages of all VA spaces.
    pub(crate) vm_table_pages: u64,
    /// Freed table pages kept for reuse.
    pub(crate) vm_cached_pages: u64,
    /// TLB invalidates the GPU completed.
    pub(crate) tlb_invalidates: u64,
    /// TLB invalidates the debug knob skipped.
    pub(crate) tlb_invalidates_skipped: u64,
    /// TLB invalidates that failed.
    pub(crate) tlb_invalidate_errors: u64,
}

/// One page-table update of [`CoreOps::vm_update`].
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct PtOp {
    /// [`PT_OP_MAP`] or [`PT_OP_CLEAR`].
    pub(crate) kind: u32,
    /// MAP: 12 (4 KiB pages) or 16 (64 KiB pages).
    pub(crate) page_shift: u32,
    /// MAP: nonzero for read-only pages.
    pub(crate) read_only: u32,
    /// Reserved, zero.
    pub(crate) pad: u32,
    /// The first VA.
    pub(crate) va: u64,
    /// Bytes.
    pub(crate) size: u64,
    /// MAP: the index in the call's address array of the first page's bus address; the
    /// update takes `size >> page_shift` addresses from there.
    pub(crate) first_addr: u64,
}

/// [`PtOp::kind`]: write PTEs.
pub(crate) const PT_OP_MAP: u32 = 0;
/// [`PtOp::kind`]: invalidate PTEs.
pub(crate) const PT_OP_CLEAR: u32 = 1;

/// What [`CoreOps::vm_info`] reports of a VA space.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct VmInfo {
    /// The page directory base: the root table's bus address.
    pub(crate) pdb: u64,
    /// Page-table pages, the root included.
    pub(crate) table_pages: u64,
    /// The handle of the VA space's `FERMI_VASPACE_A` in GSP-RM.
    pub(crate) rm_vaspace: u32,
    pub(crate) pad: u32,
}

/// How the poller treats the interrupt. It crosses the interface as its `u32` value, which the
/// receiving side validates ([`PollMode::try_from`]).
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollMode {
    /// NAPI-style: drain up to the budget per poll, unmask when drained.
    Napi = 0,
    /// One message per poll, unmask after every message (the benchmark's peer).
    Single = 1,
}

impl From<PollMode> for u32 {
    fn from(mode: PollMode) -> u32 {
        match mode {
            PollMode::Napi => 0,
            PollMode::Single => 1,
        }
    }
}

impl TryFrom<u32> for PollMode {
    type Error = Error;

    fn try_from(v: u32) -> Result<Self> {
        match v {
            0 => Ok(Self::Napi),
            1 => Ok(Self::Single),
            _ => Err(EINVAL),
        }
    }
}

kernel::declare_interface! {
    /// The operations the core driver offers the DRM driver.
    pub(crate) interface CoreOps {
        name: "novax-core",
        version: 5,
        data: GpuInfo,
        provider: CoreProvider,
        handle: CoreHandle,
        /// Sends an echo RPC with `payload`, copies what came back to the start of `returned`
        /// (if a reply arrived), checks that it is the payload (`EIO` otherwise), returns the
        /// latency in nanoseconds.
        fn echo(payload: Slice<'_, u8>, returned: SliceMut<'_, u8>) -> Result<u64>;
        /// Fills a snapshot of the counters.
        fn snapshot(out: &mut Snapshot) -> ();
        /// The poll budget.
        fn budget() -> u32;
        /// Sets the poll budget (1..=1024, else `EINVAL`).
        fn set_budget(budget: u32) -> Result;
        /// The poll mode, a [`PollMode`] value.
        fn mode() -> u32;
        /// Sets the poll mode (`EINVAL` unless a [`PollMode`] value).
        fn set_mode(mode: u32) -> Result;
        /// The RPC timeout in milliseconds.
        fn timeout_ms() -> u32;
        /// Sets the RPC timeout (10..=60000 ms, else `EINVAL`).
        fn set_timeout_ms(ms: u32) -> Result;
        /// Creates an empty GPU VA space; returns its id (`ENOSPC`, `ENOMEM`).
        fn vm_create() -> Result<u32>;
        /// Frees VA space `id` and its page tables.
        fn vm_destroy(id: u32) -> ();
        /// Applies `ops` to VA space `id` in order, all or nothing: every table the MAPs need
        /// is made first (`ENOMEM` changes nothing), then the entries are written and the TLB
        /// invalidated. `EINVAL` for a bad op (then nothing is written), `ENOENT` for no such
        /// space.
        fn vm_update(id: u32, ops: Slice<'_, PtOp>, addrs: Slice<'_, u64>) -> Result;
        /// Reports on VA space `id` (`ENOENT` if there is none).
        fn vm_info(id: u32, out: &mut VmInfo) -> Result;
        /// Whether the debug knob that skips TLB invalidates is set (0 or 1).
        fn skip_invalidate() -> u32;
        /// Sets that knob (0 or 1, else `EINVAL`).
        fn set_skip_invalidate(skip: u32) -> Result;
    }
}

/// What the core driver shares through the auxiliary device: the operations, the GSP behind
/// them and the static [`GpuInfo`].
pub(crate) type CoreExport = Export<CoreOps>;

/// The name of the auxiliary device: `novax_core.drm.<id>`.
pub(crate) const AUX_MODNAME: &CStr = c_str!("novax_core");
/// See [`AUX_MODNAME`].
pub(crate) const AUX_NAME: &CStr = c_str!("drm");

/// Returns the NUL-padded name as a `&str`.
pub(crate) fn name_str(name: &[u8]) -> &str {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    core::str::from_utf8(&name[..len]).unwrap_or("?")
}
