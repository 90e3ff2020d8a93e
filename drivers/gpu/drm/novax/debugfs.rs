// SPDX-License-Identifier: GPL-2.0

//! debugfs files of a novax device, in `<DRM minor's directory>/novax/`.
//!
//! All files view one shared object ([`DebugfsData`]) through a debugfs `Scope`: the scope owns
//! the data and removes its files before dropping it. The files are callback files: read
//! callbacks format a snapshot of the core driver's counters, write callbacks validate their
//! input and change nothing on error (`EINVAL`).

use crate::{
    drv::NovaxDrm,
    iface::{name_str, CoreHandle, GpuInfo, PollMode, Snapshot},
};
use core::fmt;
use kernel::{
    c_str,
    debugfs::{Dir, Scope, ScopedDir},
    drm,
    interface::{Slice, SliceMut},
    new_mutex,
    prelude::*,
    sync::Mutex,
    types::ARef,
};

/// A snapshot of the core's counters.
fn snapshot(core: &CoreHandle) -> Snapshot {
    let mut s = Snapshot::default();
    core.snapshot(&mut s);
    s
}

/// The result of the last echo triggered through `gsp_echo`.
#[derive(Clone, Copy, Default)]
pub(crate) struct LastEcho {
    cookie: u64,
    latency_ns: u64,
    result: i32,
}

/// What the debugfs files show.
#[pin_data]
pub(crate) struct DebugfsData {
    core: CoreHandle,
    info: GpuInfo,
    dev: ARef<drm::Device<NovaxDrm>>,
    #[pin]
    last_echo: Mutex<LastEcho>,
}

impl DebugfsData {
    pub(crate) fn new(
        core: CoreHandle,
        info: GpuInfo,
        dev: ARef<drm::Device<NovaxDrm>>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            core,
            info,
            dev,
            last_echo <- new_mutex!(LastEcho::default()),
        })
    }
}

/// Creates the `novax` scope in `parent`.
pub(crate) fn scope(
    parent: &Dir,
    core: CoreHandle,
    info: GpuInfo,
    dev: ARef<drm::Device<NovaxDrm>>,
) -> impl PinInit<Scope<DebugfsData>> + '_ {
    parent.scope(DebugfsData::new(core, info, dev), c_str!("novax"), files)
}

fn files<'a>(data: &'a DebugfsData, dir: &'a ScopedDir<'a>) {
    dir.read_callback_file(c_str!("chip"), data, show_chip);
    dir.read_callback_file(c_str!("gsp_fw_version"), data, show_fw);
    dir.read_callback_file(c_str!("gsp_queues"), data, show_queues);
    dir.read_callback_file(c_str!("gsp_stats"), data, show_gsp_stats);
    dir.read_callback_file(c_str!("poller_stats"), data, show_poller_stats);
    dir.read_write_callback_file(c_str!("poll_budget"), data, show_budget, store_budget);
    dir.read_write_callback_file(c_str!("poll_mode"), data, show_mode, store_mode);
    dir.read_write_callback_file(c_str!("rpc_timeout_ms"), data, show_timeout, store_timeout);
    dir.read_write_callback_file(c_str!("gsp_echo"), data, show_echo, store_echo);
    dir.read_callback_file(c_str!("vms"), data, show_vms);
    dir.read_callback_file(c_str!("tlb_stats"), data, show_tlb_stats);
    dir.read_write_callback_file(
        c_str!("tlb_skip_invalidate"),
        data,
        show_skip_invalidate,
        store_skip_invalidate,
    );
}

/// The core's TLB invalidate counters.
fn show_tlb_stats(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let s = snapshot(&d.core);
    writeln!(f, "invalidates: {}", s.tlb_invalidates)?;
    writeln!(f, "skipped: {}", s.tlb_invalidates_skipped)?;
    writeln!(f, "errors: {}", s.tlb_invalidate_errors)
}

/// The debug knob that makes the core skip TLB invalidates (0 or 1): with it set, the GPU
/// keeps translating through what its TLB cached, which tests use to show that it does.
fn show_skip_invalidate(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", d.core.skip_invalidate())
}

fn store_skip_invalidate(d: &DebugfsData, s: &str) -> Result {
    d.core.set_skip_invalidate(parse_u32(s)?)
}

/// Every client's VA space: totals from the core, then each VM with its mappings.
fn show_vms(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let s = snapshot(&d.core);
    writeln!(
        f,
        "spaces {} table_pages {} cached_pages {}",
        s.vm_spaces, s.vm_table_pages, s.vm_cached_pages
    )?;
    d.dev.data().for_each_vm(|vm| crate::vm::dump(vm, f))
}

/// Formats a firmware version `major << 32 | minor << 16 | patch`.
pub(crate) struct FwVersion(pub(crate) u64);

impl fmt::Display for FwVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.0 >> 32,
            (self.0 >> 16) & 0xffff,
            self.0 & 0xffff
        )
    }
}

fn show_chip(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "chipset: {} ({:#x})",
        name_str(&d.info.chip_name),
        d.info.chipset
    )?;
    writeln!(
        f,
        "architecture: {} ({:#x})",
        name_str(&d.info.arch_name),
        d.info.architecture
    )?;
    writeln!(f, "revision: {:02x}", d.info.revision)
}

fn show_fw(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", FwVersion(d.info.fw_version))
}

fn show_queues(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let s = snapshot(&d.core);
    for (k, v) in [
        ("cmdq_write_ptr", s.cmdq_write_ptr),
        ("cmdq_read_ptr", s.cmdq_read_ptr),
        ("cmdq_free", s.cmdq_free),
        ("cmdq_high_water", s.cmdq_high_water),
        ("msgq_write_ptr", s.msgq_write_ptr),
        ("msgq_read_ptr", s.msgq_read_ptr),
        ("msgq_pending", s.msgq_pending),
        ("msgq_high_water", s.msgq_high_water),
        ("msg_count", s.msg_count),
    ] {
        writeln!(f, "{k}: {v}")?;
    }
    Ok(())
}

/// The GSP counters as `(name, value)` pairs.
pub(crate) fn gsp_stats(s: &Snapshot) -> [(&'static str, u64); 19] {
    [
        ("messages_received", s.messages_received),
        ("messages_sent", s.messages_sent),
        ("events", s.events),
        ("init_done", s.init_done),
        ("error_logs", s.error_logs),
        ("tick_events", s.tick_events),
        ("tick_lost", s.tick_lost),
        ("rpc_replies", s.rpc_replies),
        ("rpc_timeouts", s.rpc_timeouts),
        ("rpc_errors", s.rpc_errors),
        ("unmatched_replies", s.unmatched_replies),
        ("seq_gaps", s.seq_gaps),
        ("echo_mismatches", s.echo_mismatches),
        ("bad_write_ptr", s.bad_write_ptr),
        ("bad_elem_count", s.bad_elem_count),
        ("bad_length", s.bad_length),
        ("bad_checksum", s.bad_checksum),
        ("bad_version", s.bad_version),
        ("bad_signature", s.bad_signature),
    ]
}

fn show_gsp_stats(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (k, v) in gsp_stats(&snapshot(&d.core)) {
        writeln!(f, "{k}: {v}")?;
    }
    Ok(())
}

fn show_poller_stats(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let s = snapshot(&d.core);
    for (k, v) in [
        ("interrupts", s.interrupts),
        ("polls", s.polls),
        ("polls_budget_exhausted", s.polls_budget_exhausted),
        ("irq_unmasks", s.irq_unmasks),
        ("messages_polled", s.messages_polled),
        ("irq_ns", s.irq_ns),
        ("poll_ns", s.poll_ns),
    ] {
        writeln!(f, "{k}: {v}")?;
    }
    Ok(())
}

fn show_budget(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", d.core.budget())
}

/// Parses a decimal `u32` (surrounding whitespace allowed), else `EINVAL`.
pub(crate) fn parse_u32(s: &str) -> Result<u32> {
    s.trim().parse::<u32>().map_err(|_| EINVAL)
}

/// Parses a `u64` in decimal or `0x` hexadecimal, else `EINVAL`.
pub(crate) fn parse_u64(s: &str) -> Result<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).map_err(|_| EINVAL),
        None => s.parse::<u64>().map_err(|_| EINVAL),
    }
}

fn store_budget(d: &DebugfsData, s: &str) -> Result {
    d.core.set_budget(parse_u32(s)?)
}

fn show_mode(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match PollMode::try_from(d.core.mode()) {
        Ok(PollMode::Napi) => writeln!(f, "napi"),
        Ok(PollMode::Single) => writeln!(f, "single"),
        // The core reported a mode this driver does not know: show it as a number.
        Err(_) => writeln!(f, "{}", d.core.mode()),
    }
}

fn store_mode(d: &DebugfsData, s: &str) -> Result {
    let mode = match s.trim() {
        "napi" => PollMode::Napi,
        "single" => PollMode::Single,
        _ => return Err(EINVAL),
    };
    d.core.set_mode(mode.into())
}

fn show_timeout(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", d.core.timeout_ms())
}

fn store_timeout(d: &DebugfsData, s: &str) -> Result {
    d.core.set_timeout_ms(parse_u32(s)?)
}

fn show_echo(d: &DebugfsData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let e = *d.last_echo.lock();
    writeln!(f, "cookie: {:#x}", e.cookie)?;
    writeln!(f, "latency_ns: {}", e.latency_ns)?;
    writeln!(f, "result: {}", e.result)
}

/// Fills an echo payload with a pattern derived from `cookie` (first 8 bytes: the cookie).
pub(crate) fn echo_pattern(cookie: u64, buf: &mut [u8]) {
    let mut x = cookie ^ 0x9e37_79b9_7f4a_7c15;
    for (i, chunk) in buf.chunks_mut(8).enumerate() {
        let word = if i == 0 {
            cookie
        } else {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x
        };
        let bytes = word.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn store_echo(d: &DebugfsData, s: &str) -> Result {
    let mut parts = s.split_whitespace();
    let cookie = parse_u64(parts.next().ok_or(EINVAL)?)?;
    let len = match parts.next() {
        Some(l) => usize::try_from(parse_u32(l)?)?,
        None => 8,
    };
    if parts.next().is_some() || !(8..=16384).contains(&len) {
        return Err(EINVAL);
    }
    let mut payload = KVec::from_elem(0u8, len, GFP_KERNEL)?;
    echo_pattern(cookie, &mut payload);
    let mut returned = KVec::from_elem(0u8, len, GFP_KERNEL)?;
    let res = d
        .core
        .echo(Slice::from(&payload[..]), SliceMut::from(&mut returned[..]));
    let mut last = d.last_echo.lock();
    last.cookie = cookie;
    match res {
        Ok(ns) => {
            last.latency_ns = ns;
            last.result = 0;
            Ok(())
        }
        Err(e) => {
            last.latency_ns = 0;
            last.result = e.to_errno();
            Err(e)
        }
    }
}
