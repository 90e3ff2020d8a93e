// SPDX-License-Identifier: GPL-2.0

//! The interface between the novax core driver and the novax DRM driver.
//!
//! The two drivers are separate modules, as upstream's nova-core and nova-drm are: the core
//! driver owns the PCI device and the GSP, the DRM driver binds to the auxiliary device the core
//! creates. This file is compiled into both modules (the DRM driver includes it with `#[path]`),
//! so both see the same definitions. Calls go through a table of function pointers
//! ([`CoreOps`]) that the core driver fills in; the DRM module never links against symbols of
//! the core module, and the auxiliary device carries the table ([`CoreIface`], checked by its
//! tag when the DRM driver binds).
//!
//! Lifetimes: a [`CoreHandle`] holds a reference on the core's GSP state and must be dropped
//! before the DRM driver's unbind returns (the core unbinds the DRM driver before it goes away,
//! and the function table lives in the core module).
//!
//! Both modules are built by the same `rustc` in the same kernel build (Rust modules must match
//! the kernel they are built for), so the Rust-ABI function pointers and `Result` values agree.

#![allow(dead_code, unreachable_pub)]

use kernel::{auxiliary::SharedData, c_str, prelude::*, str::CStr};

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
}

/// How the poller treats the interrupt.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollMode {
    /// NAPI-style: drain up to the budget per poll, unmask when drained.
    Napi = 0,
    /// One message per poll, unmask after every message (the benchmark's peer).
    Single = 1,
}

/// Opaque GSP state of the core driver.
#[repr(C)]
pub(crate) struct CoreCtx {
    _opaque: [u8; 0],
}

/// The operations the core driver offers the DRM driver.
pub(crate) struct CoreOps {
    /// Takes a reference on `ctx`.
    pub(crate) get: fn(&CoreCtx),
    /// Drops a reference on `ctx` taken with `get` (or the creation reference).
    pub(crate) put: fn(&CoreCtx),
    /// Sends an echo RPC with `payload`, copies what came back to the start of the second
    /// slice (if a reply arrived), checks that it is the payload (`EIO` otherwise), returns the
    /// latency in nanoseconds.
    pub(crate) echo: fn(&CoreCtx, &[u8], &mut [u8]) -> Result<u64>,
    /// Fills a snapshot of the counters.
    pub(crate) snapshot: fn(&CoreCtx, &mut Snapshot),
    /// The poll budget.
    pub(crate) budget: fn(&CoreCtx) -> u32,
    /// Sets the poll budget (1..=1024, else EINVAL).
    pub(crate) set_budget: fn(&CoreCtx, u32) -> Result,
    /// The poll mode.
    pub(crate) mode: fn(&CoreCtx) -> PollMode,
    /// Sets the poll mode.
    pub(crate) set_mode: fn(&CoreCtx, PollMode),
    /// The RPC timeout in milliseconds.
    pub(crate) timeout_ms: fn(&CoreCtx) -> u32,
    /// Sets the RPC timeout (10..=60000 ms, else EINVAL).
    pub(crate) set_timeout_ms: fn(&CoreCtx, u32) -> Result,
}

/// What the core driver shares through the auxiliary device.
pub(crate) struct CoreIface {
    /// Static information about the GPU.
    pub(crate) info: GpuInfo,
    /// The operations.
    pub(crate) ops: &'static CoreOps,
    /// The core's GSP state (one reference held by the interface itself).
    pub(crate) ctx: &'static CoreCtx,
}

// SAFETY: Both modules compile this one definition with the same compiler; the tag names its
// layout version and is changed whenever the layout changes.
unsafe impl SharedData for CoreIface {
    const TAG: &'static CStr = c_str!("novax-core-iface-v2");
}

/// The name of the auxiliary device: `novax_core.drm.<id>`.
pub(crate) const AUX_MODNAME: &CStr = c_str!("novax_core");
/// See [`AUX_MODNAME`].
pub(crate) const AUX_NAME: &CStr = c_str!("drm");

impl CoreIface {
    /// Takes a counted handle on the core, for use until the DRM driver unbinds.
    pub(crate) fn acquire(&self) -> CoreHandle {
        (self.ops.get)(self.ctx);
        CoreHandle {
            ops: self.ops,
            ctx: self.ctx,
        }
    }
}

/// A counted reference on the core's GSP state.
pub(crate) struct CoreHandle {
    ops: &'static CoreOps,
    ctx: &'static CoreCtx,
}

impl Clone for CoreHandle {
    fn clone(&self) -> Self {
        (self.ops.get)(self.ctx);
        Self {
            ops: self.ops,
            ctx: self.ctx,
        }
    }
}

impl Drop for CoreHandle {
    fn drop(&mut self) {
        (self.ops.put)(self.ctx);
    }
}

impl CoreHandle {
    /// See [`CoreOps::echo`].
    pub(crate) fn echo(&self, payload: &[u8], returned: &mut [u8]) -> Result<u64> {
        (self.ops.echo)(self.ctx, payload, returned)
    }

    /// See [`CoreOps::snapshot`].
    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        (self.ops.snapshot)(self.ctx, &mut s);
        s
    }

    /// See [`CoreOps::budget`].
    pub(crate) fn budget(&self) -> u32 {
        (self.ops.budget)(self.ctx)
    }

    /// See [`CoreOps::set_budget`].
    pub(crate) fn set_budget(&self, budget: u32) -> Result {
        (self.ops.set_budget)(self.ctx, budget)
    }

    /// See [`CoreOps::mode`].
    pub(crate) fn mode(&self) -> PollMode {
        (self.ops.mode)(self.ctx)
    }

    /// See [`CoreOps::set_mode`].
    pub(crate) fn set_mode(&self, mode: PollMode) {
        (self.ops.set_mode)(self.ctx, mode)
    }

    /// See [`CoreOps::timeout_ms`].
    pub(crate) fn timeout_ms(&self) -> u32 {
        (self.ops.timeout_ms)(self.ctx)
    }

    /// See [`CoreOps::set_timeout_ms`].
    pub(crate) fn set_timeout_ms(&self, ms: u32) -> Result {
        (self.ops.set_timeout_ms)(self.ctx, ms)
    }
}

/// Returns the NUL-padded name as a `&str`.
pub(crate) fn name_str(name: &[u8]) -> &str {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    core::str::from_utf8(&name[..len]).unwrap_or("?")
}
