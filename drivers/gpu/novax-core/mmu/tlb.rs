// SPDX-License-Identifier: GPL-2.0

//! The MMU invalidate of TU102 and later: how the driver makes the GPU forget the translations
//! its TLBs cached, after it changed page tables and before it frees table pages.
//!
//! The sequence is nouveau's `tu102_vmm_flush` and open-gpu-kernel-modules' `dev_vm.h`: the
//! page directory's address >> 12 into `PRIV_MMU_INVALIDATE_PDB` (28 bits, with the aperture)
//! and `_UPPER_PDB` (the rest), then `ALL_VA | TRIGGER` into `PRIV_MMU_INVALIDATE`, then poll
//! until the GPU clears `TRIGGER` (2 s at most, as nouveau waits). The emulated GPU sees stores
//! to its registers only when it runs, so the ivshmem doorbell is rung after the trigger: the
//! invalidate then takes tens of microseconds rather than up to the emulator's millisecond.
//! The first millisecond is a busy-wait, then the poll sleeps between reads: an invalidate
//! takes tens of microseconds, a sleep in the emulated guest hundreds (measured: a 4 KiB
//! map+unmap pair took 170 µs with a 200 µs spin and 620 µs with a 20 µs one).

use crate::{
    gsp::Gsp,
    regs::{
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE as INVALIDATE,
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB as PDB,
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB as UPPER_PDB,
    },
};
use kernel::{delay, prelude::*, time::Ktime};

/// How long the GPU may take.
const TIMEOUT_NS: i64 = 2_000_000_000;
/// How long to busy-wait before sleeping between reads.
const SPIN_NS: i64 = 1_000_000;
/// `APERTURE` of the page directory: system memory.
const APERTURE_SYS: u32 = 1;
/// `PDB.addr` holds the address's bits 39:12.
const PDB_ADDR_BITS: u32 = 28;

/// Invalidates every cached translation of the VA space whose page directory is at `pdb` (a
/// bus address, 4 KiB-aligned), and waits until the GPU reports it done. `ETIMEDOUT` if the
/// GPU does not within 2 s, `ENODEV` once the device is unbound.
///
/// The caller serialises invalidates (the sequence uses one set of registers).
pub(crate) fn invalidate(gsp: &Gsp, pdb: u64) -> Result {
    let page = pdb >> 12;
    let lo = u32::try_from(page & ((1 << PDB_ADDR_BITS) - 1))?;
    let hi = u32::try_from(page >> PDB_ADDR_BITS).map_err(|_| EINVAL)?;
    gsp.with_bar(|bar| {
        PDB::from_raw(0)
            .set_addr(lo)
            .set_aperture(APERTURE_SYS)
            .write(bar);
        UPPER_PDB::from_raw(0).set_addr(hi).write(bar);
        INVALIDATE::from_raw(0)
            .set_all_va(1)
            .set_trigger(1)
            .write(bar);
    })?;
    gsp.kick_peer();
    let start = Ktime::ktime_get().to_ns();
    loop {
        if gsp.with_bar(|bar| INVALIDATE::read(bar))?.trigger() == 0 {
            return Ok(());
        }
        let waited = Ktime::ktime_get().to_ns() - start;
        if waited > TIMEOUT_NS {
            return Err(ETIMEDOUT);
        }
        if waited < SPIN_NS {
            delay::cpu_relax();
        } else {
            delay::usleep_range(20, 50);
        }
    }
}
