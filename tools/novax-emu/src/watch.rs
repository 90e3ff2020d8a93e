// SPDX-License-Identifier: MIT OR Apache-2.0

//! Watching a halted GPU: what the driver does to the device after it halted the GSP.
//!
//! A driver halts the GSP (`GSP_CTRL = 0`) when it lets go of the device (unbind, module
//! unload); from then until it boots the GSP again it must leave the device alone. This module
//! counts what it does instead: doorbell rings, and writes to the words only the driver writes
//! ([`WATCHED`]).
//!
//! Doorbells are counted exactly: the main loop passes the rings it read from the eventfd.
//! Writes cannot be trapped, since the registers are shared memory, so they are found by
//! comparison: at the halt the watched words are taken as a snapshot, and on every poll and
//! doorbell they are compared with it. A changed word counts as one write and the snapshot takes
//! its new value, so every further change counts again. A write of the value already there, and
//! a change undone before the next look (within a millisecond), are not seen.
//!
//! The window opens when the GPU sees the halt and closes when it sees the next boot, so
//! accesses in the same poll as either are taken for the driver's halt or boot. The driver's
//! next probe initialises the queues and sets `INTR_ENABLE` before it writes `GSP_CTRL = 1`:
//! those writes fall in the window too, and a test that asserts "nothing after the halt" reads
//! the counters before it binds the driver again.
//!
//! The counters ([`HaltStats`]) are cumulative since the emulator started: neither a boot nor a
//! new client resets them, so a test reads them before and after and takes the difference.

use crate::control::HaltStats;
use crate::log_info;
use crate::mem::Mem;
use crate::regs::{
    tx, CMDQ, EMU_GSP_CTRL, EMU_INTR_ENABLE, EMU_INTR_STATUS, NV_PGSP_QUEUE_HEAD, RX_HDR_OFF,
};

/// The words only the driver writes (INTR_STATUS: the GPU sets it only while running), with
/// their names for the log.
pub const WATCHED: [(&str, usize); 6] = [
    ("NV_PGSP_QUEUE_HEAD", NV_PGSP_QUEUE_HEAD),
    ("INTR_ENABLE", EMU_INTR_ENABLE),
    ("INTR_STATUS", EMU_INTR_STATUS),
    ("GSP_CTRL", EMU_GSP_CTRL),
    ("command queue writePtr", CMDQ + tx::WRITE_PTR),
    ("command queue readPtr", CMDQ + RX_HDR_OFF),
];

/// Accesses logged one by one per halt; the rest are only counted.
pub const LOG_LIMIT: u64 = 16;

/// What the driver did during one halt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// Doorbell rings.
    pub doorbells: u64,
    /// Changes of watched words.
    pub writes: u64,
}

/// The watch.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    /// The watched words as last seen; `Some` while the GSP is halted by the driver.
    snapshot: Option<[u32; WATCHED.len()]>,
    /// This halt's accesses.
    window: Window,
    totals: HaltStats,
}

fn sample<M: Mem + ?Sized>(mem: &M) -> [u32; WATCHED.len()] {
    WATCHED.map(|(_, off)| mem.load_u32(off))
}

impl Watch {
    /// Not watching, all counters 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters since the emulator started.
    pub fn totals(&self) -> HaltStats {
        self.totals
    }

    /// This halt's accesses so far, `None` when the GSP is not halted by the driver.
    pub fn window(&self) -> Option<Window> {
        self.snapshot.map(|_| self.window)
    }

    /// The driver halted the GSP: watching starts from the words as they are now.
    pub fn halt<M: Mem + ?Sized>(&mut self, mem: &M) {
        self.snapshot = Some(sample(mem));
        self.window = Window::default();
        self.totals.halts += 1;
    }

    /// The GSP boots, or the GPU starts afresh: watching stops. Returns the halt's accesses,
    /// `None` if it was not watching.
    pub fn end(&mut self) -> Option<Window> {
        let w = self.window()?;
        self.snapshot = None;
        Some(w)
    }

    fn logged(&self) -> bool {
        let n = self.window.doorbells + self.window.writes;
        if n == LOG_LIMIT {
            log_info!("after the halt: more than {LOG_LIMIT} accesses, counted but not logged");
        }
        n < LOG_LIMIT
    }

    /// The doorbell rang `rings` times (counted while watching).
    pub fn doorbells(&mut self, rings: u64) {
        if self.snapshot.is_none() || rings == 0 {
            return;
        }
        if self.logged() {
            log_info!("after the halt: doorbell rings: {rings}");
        }
        self.window.doorbells += rings;
        self.totals.doorbells += rings;
    }

    /// Compares the watched words with the snapshot (counted while watching).
    pub fn check<M: Mem + ?Sized>(&mut self, mem: &M) {
        let Some(mut seen) = self.snapshot else {
            return;
        };
        let now = sample(mem);
        for (i, (name, _)) in WATCHED.iter().enumerate() {
            if now[i] == seen[i] {
                continue;
            }
            if self.logged() {
                log_info!("after the halt: {name} {:#x} -> {:#x}", seen[i], now[i]);
            }
            seen[i] = now[i];
            self.window.writes += 1;
            self.totals.writes += 1;
        }
        self.snapshot = Some(seen);
    }

    /// Writes the counters to the test-control block.
    pub fn store<M: Mem + ?Sized>(&self, mem: &mut M) {
        self.totals.store(mem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;
    use crate::regs::SHM_SIZE;

    fn counts(w: &Watch) -> (u64, u64, u64) {
        let t = w.totals();
        (t.doorbells, t.writes, t.halts)
    }

    #[test]
    fn nothing_counts_before_a_halt() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut w = Watch::new();
        for (_, off) in WATCHED {
            m.store_u32(off, 5);
        }
        w.check(&m);
        w.doorbells(3);
        assert_eq!(counts(&w), (0, 0, 0));
        assert_eq!(w.window(), None);
        assert_eq!(w.end(), None);
    }

    #[test]
    fn every_change_of_every_word_counts_once() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut w = Watch::new();
        m.store_u32(EMU_INTR_ENABLE, 1);
        w.halt(&m);
        // The words as they were at the halt are no writes.
        w.check(&m);
        assert_eq!(w.window(), Some(Window::default()));
        for (i, (_, off)) in WATCHED.iter().enumerate() {
            m.store_u32(*off, 0x100 + i as u32);
        }
        w.check(&m);
        assert_eq!(counts(&w), (0, 6, 1));
        // Seen once: the snapshot took the new values.
        w.check(&m);
        w.check(&m);
        assert_eq!(counts(&w), (0, 6, 1));
        // The same value written again cannot be seen; a new one, or the old one back, can.
        m.store_u32(NV_PGSP_QUEUE_HEAD, 0x100);
        w.check(&m);
        assert_eq!(w.window().unwrap().writes, 6);
        m.store_u32(NV_PGSP_QUEUE_HEAD, 7);
        w.check(&m);
        m.store_u32(NV_PGSP_QUEUE_HEAD, 0x100);
        w.check(&m);
        assert_eq!(w.window().unwrap().writes, 8);
        // Words outside the watched set are the test's or the GPU's.
        m.store_u32(crate::regs::EMU_GSP_STATE, 2);
        m.store_u32(crate::regs::MSGQ + tx::WRITE_PTR, 9);
        w.check(&m);
        assert_eq!(w.window().unwrap().writes, 8);
    }

    #[test]
    fn doorbells_count_every_ring() {
        let m = VecMem::new(SHM_SIZE);
        let mut w = Watch::new();
        w.halt(&m);
        w.doorbells(1);
        w.doorbells(0);
        w.doorbells(4);
        assert_eq!(
            w.window(),
            Some(Window {
                doorbells: 5,
                writes: 0
            })
        );
        assert_eq!(counts(&w), (5, 0, 1));
    }

    #[test]
    fn totals_survive_the_boot_and_add_up_over_halts() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut w = Watch::new();
        w.halt(&m);
        w.doorbells(2);
        m.store_u32(EMU_INTR_ENABLE, 1);
        w.check(&m);
        assert_eq!(
            w.end(),
            Some(Window {
                doorbells: 2,
                writes: 1
            })
        );
        // Running: nothing counts.
        m.store_u32(EMU_INTR_ENABLE, 0);
        w.check(&m);
        w.doorbells(9);
        assert_eq!(counts(&w), (2, 1, 1));
        // A second halt starts its own window from the words as they are then.
        m.store_u32(CMDQ + tx::WRITE_PTR, 4);
        w.halt(&m);
        w.check(&m);
        assert_eq!(w.window(), Some(Window::default()));
        w.doorbells(1);
        assert_eq!(counts(&w), (3, 1, 2));
        w.store(&mut m);
        assert_eq!(
            HaltStats::load(&m),
            HaltStats {
                doorbells: 3,
                writes: 1,
                halts: 2
            }
        );
    }

    #[test]
    fn accesses_beyond_the_log_limit_still_count() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut w = Watch::new();
        w.halt(&m);
        for i in 1..=100u32 {
            m.store_u32(EMU_INTR_STATUS, i);
            w.check(&m);
            w.doorbells(1);
        }
        assert_eq!(counts(&w), (100, 100, 1));
    }
}
