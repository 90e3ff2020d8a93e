// SPDX-License-Identifier: MIT OR Apache-2.0

//! The test-control block: how tests in the guest command the emulator, and the statistics it
//! shows them.
//!
//! The protocol is a sequence handshake: the test writes CMD and the arguments, then bumps SEQ;
//! the emulator notices that SEQ differs from the last one it handled, carries the command out,
//! writes RESULT and then ACK = SEQ. The emulator keeps its own copy of the last SEQ handled, so
//! a test that scribbles over ACK cannot make it skip or repeat a command. What the commands do
//! is up to the firmware model ([`crate::gsp`]); this module decodes and acknowledges, and
//! carries out the commands that only move data between DATA and the guest's RAM.

use crate::fault::FaultKind;
use crate::guest_ram::GuestRam;
use crate::mem::Mem;
use crate::mmu;
use crate::regs::{
    cmd, CTRL_ACK, CTRL_ARG0, CTRL_ARG1, CTRL_ARG2, CTRL_CMD, CTRL_DATA, CTRL_DATA_SIZE,
    CTRL_RESULT, CTRL_SEQ, EFAULT, EINVAL, ENODEV, PROBE_IN, PROBE_MAX, PROBE_OUT,
    STAT_BAD_COMMANDS, STAT_COMMANDS, STAT_EVENTS, STAT_FAULTS, STAT_HALTED_DOORBELLS,
    STAT_HALTED_WRITES, STAT_HALTS, STAT_INTERRUPTS, STAT_POSTED, TRANSLATE_KIND_SHIFT,
    TRANSLATE_NON_COHERENT, TRANSLATE_PAGE_KIB_SHIFT, TRANSLATE_READ_ONLY,
};

/// A decoded test command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Arm `kind` for the next `count` posted messages.
    Fault {
        /// Kind.
        kind: FaultKind,
        /// Messages (at least 1).
        count: u32,
    },
    /// Post `count` ticks, `rate` per second (0 = as fast as the ring allows).
    Flood {
        /// Events.
        count: u32,
        /// Per second.
        rate: u32,
    },
    /// Stop (true) or resume (false) reading commands.
    Stall(bool),
    /// The GPU dies until the next boot.
    Disappear,
    /// Post ticks periodically, this many per second (0 = off).
    EventRate(u32),
    /// Post an OS_ERROR_LOG event.
    ErrorLog,
    /// Present other identification registers.
    SetChipId {
        /// NV_PMC_BOOT_0.
        boot0: u32,
        /// NV_PMC_BOOT_42.
        boot42: u32,
    },
    /// Copy `len` bytes of guest RAM at `gpa` into DATA, as the GPU's DMA would read them.
    ReadGpa {
        /// Guest-physical address.
        gpa: u64,
        /// 1..=[`CTRL_DATA_SIZE`].
        len: usize,
    },
    /// Copy `len` bytes of DATA to guest RAM at `gpa`, as the GPU's DMA would write them.
    WriteGpa {
        /// Guest-physical address.
        gpa: u64,
        /// 1..=[`CTRL_DATA_SIZE`].
        len: usize,
    },
    /// Walk the page tables named in DATA for this VA.
    Translate {
        /// The GPU virtual address.
        va: u64,
    },
    /// Translate and read `count` VAs listed in DATA.
    Probe {
        /// 1..=[`PROBE_MAX`].
        count: usize,
    },
    /// List the resource manager's objects in DATA.
    RmObjects,
    /// Fail the next `GSP_RM_ALLOC` (or, with `control`, `GSP_RM_CONTROL`) with this NV status
    /// (0: none).
    RmFail {
        /// The NV status.
        status: u32,
        /// `GSP_RM_CONTROL` rather than `GSP_RM_ALLOC`.
        control: bool,
    },
}

impl Command {
    /// Decodes CMD/ARG0/ARG1/ARG2; `None` for an unknown command or a bad argument.
    pub fn decode(cmd: u32, arg0: u32, arg1: u32, arg2: u32) -> Option<Self> {
        let gpa = u64::from(arg1) << 32 | u64::from(arg0);
        let len = usize::try_from(arg2)
            .ok()
            .filter(|l| (1..=CTRL_DATA_SIZE).contains(l));
        Some(match cmd {
            cmd::FAULT => Self::Fault {
                kind: FaultKind::from_u32(arg0)?,
                count: arg1.max(1),
            },
            cmd::FLOOD => Self::Flood {
                count: arg0,
                rate: arg1,
            },
            cmd::STALL => match arg0 {
                0 => Self::Stall(false),
                1 => Self::Stall(true),
                _ => return None,
            },
            cmd::DISAPPEAR => Self::Disappear,
            cmd::EVENT_RATE => Self::EventRate(arg0),
            cmd::ERROR_LOG => Self::ErrorLog,
            cmd::SET_CHIP_ID => Self::SetChipId {
                boot0: arg0,
                boot42: arg1,
            },
            cmd::READ_GPA => Self::ReadGpa { gpa, len: len? },
            cmd::WRITE_GPA => Self::WriteGpa { gpa, len: len? },
            cmd::TRANSLATE => Self::Translate { va: gpa },
            cmd::PROBE if (1..=PROBE_MAX).contains(&arg0) => Self::Probe {
                count: usize::try_from(arg0).ok()?,
            },
            cmd::RM_OBJECTS => Self::RmObjects,
            cmd::RM_FAIL if arg1 <= 1 => Self::RmFail {
                status: arg0,
                control: arg1 == 1,
            },
            _ => return None,
        })
    }
}

/// Carries out `READ_GPA`/`WRITE_GPA` between DATA in `mem` and the guest's RAM; returns the
/// RESULT: 0, EFAULT (not all guest RAM: nothing copied) or ENODEV (no guest RAM). Other
/// commands are not for this function: EINVAL.
pub fn copy_gpa<M: Mem + ?Sized, R: Mem>(
    mem: &mut M,
    ram: Option<&mut GuestRam<R>>,
    command: Command,
) -> u32 {
    let Some(ram) = ram else {
        return ENODEV;
    };
    let mut buf = [0u8; CTRL_DATA_SIZE];
    let done = match command {
        Command::ReadGpa { gpa, len } => ram.read(gpa, &mut buf[..len]).map(|()| {
            mem.write(CTRL_DATA, &buf[..len]);
        }),
        Command::WriteGpa { gpa, len } => {
            mem.read(CTRL_DATA, &mut buf[..len]);
            ram.write(gpa, &buf[..len])
        }
        _ => return EINVAL,
    };
    match done {
        Ok(()) => 0,
        Err(_) => EFAULT,
    }
}

/// The `TRANSLATE` flags of a translation.
fn translate_flags(t: &mmu::Translation) -> u32 {
    let kib = u32::try_from(t.page_size >> 10).unwrap_or(0);
    (u32::from(t.read_only) * TRANSLATE_READ_ONLY)
        | (u32::from(t.non_coherent) * TRANSLATE_NON_COHERENT)
        | u32::from(t.kind) << TRANSLATE_KIND_SHIFT
        | kib << TRANSLATE_PAGE_KIB_SHIFT
}

/// Carries out `PROBE` (see [`cmd::PROBE`]) for `count` VAs, through `tlb` as the GPU's
/// engines translate; returns the RESULT.
pub fn probe<M: Mem + ?Sized, R: Mem>(
    mem: &mut M,
    ram: Option<&GuestRam<R>>,
    tlb: &mut mmu::Tlb,
    count: usize,
) -> u32 {
    let Some(ram) = ram else {
        return ENODEV;
    };
    let pdb = mem.load_u64(CTRL_DATA);
    for i in 0..count.min(usize::try_from(PROBE_MAX).unwrap_or(0)) {
        let va = mem.load_u64(CTRL_DATA + PROBE_IN + 8 * i);
        let out = CTRL_DATA + PROBE_OUT + 16 * i;
        let (status, flags, word, pa) = match tlb.translate(ram, pdb, va, false) {
            Ok(t) => {
                let mut b = [0u8; 4];
                match ram.read(t.pa, &mut b) {
                    Ok(()) => (0, translate_flags(&t), u32::from_le_bytes(b), t.pa),
                    Err(_) => (u32::MAX, translate_flags(&t), 0, t.pa),
                }
            }
            Err(f) => (f.code(), 0, 0, 0),
        };
        mem.store_u32(out, status);
        mem.store_u32(out + 4, flags);
        mem.store_u32(out + 8, word);
        mem.store_u32(out + 12, u32::try_from(pa & 0xffff_ffff).unwrap_or(0));
    }
    0
}

/// Carries out `TRANSLATE` (see [`cmd::TRANSLATE`]); returns the RESULT.
pub fn translate<M: Mem + ?Sized, R: Mem>(mem: &mut M, ram: Option<&GuestRam<R>>, va: u64) -> u32 {
    let Some(ram) = ram else {
        return ENODEV;
    };
    let pdb = mem.load_u64(CTRL_DATA);
    match mmu::walk(ram, pdb, va) {
        Ok(t) => {
            let flags = translate_flags(&t);
            mem.store_u64(CTRL_DATA + 8, t.pa);
            mem.store_u32(CTRL_DATA + 16, flags);
            mem.store_u32(CTRL_DATA + 20, 0);
            0
        }
        Err(f) => {
            mem.store_u64(CTRL_DATA + 8, 0);
            mem.store_u32(CTRL_DATA + 16, 0);
            mem.store_u32(CTRL_DATA + 20, f.code());
            EFAULT
        }
    }
}

/// A command the test posted and the emulator has not acknowledged yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The SEQ to acknowledge.
    pub seq: u32,
    /// Raw CMD, ARG0, ARG1, ARG2, for logs.
    pub raw: (u32, u32, u32, u32),
    /// The command, `None` if invalid (answered with EINVAL).
    pub command: Option<Command>,
}

/// The emulator's side of the handshake.
#[derive(Clone, Copy, Debug, Default)]
pub struct Control {
    last_seq: u32,
}

impl Control {
    /// A fresh block (SEQ and ACK 0, as in zeroed memory).
    pub fn new() -> Self {
        Self::default()
    }

    /// The next command, if the test posted one.
    pub fn poll<M: Mem + ?Sized>(&self, mem: &M) -> Option<Request> {
        // SEQ is loaded with acquire semantics, so CMD/ARGs written before it are seen.
        let seq = mem.load_u32(CTRL_SEQ);
        if seq == self.last_seq {
            return None;
        }
        let raw = (
            mem.load_u32(CTRL_CMD),
            mem.load_u32(CTRL_ARG0),
            mem.load_u32(CTRL_ARG1),
            mem.load_u32(CTRL_ARG2),
        );
        Some(Request {
            seq,
            raw,
            command: Command::decode(raw.0, raw.1, raw.2, raw.3),
        })
    }

    /// Acknowledges `req` with `result` (0 done, an errno otherwise; EINVAL whatever `result`
    /// says if the command was invalid), then ACK.
    pub fn complete<M: Mem + ?Sized>(&mut self, mem: &mut M, req: &Request, result: u32) {
        let result = if req.command.is_some() {
            result
        } else {
            EINVAL
        };
        mem.store_u32(CTRL_RESULT, result);
        // Release: RESULT is visible before ACK.
        mem.store_u32(CTRL_ACK, req.seq);
        self.last_seq = req.seq;
    }
}

/// The STATS counters of the current boot (reset at each boot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages posted (replies and events).
    pub posted: u64,
    /// Valid commands received.
    pub commands: u64,
    /// Interrupts raised.
    pub interrupts: u64,
    /// Faults injected (messages that carried a fault).
    pub faults: u64,
    /// Events posted.
    pub events: u64,
    /// Bad commands seen (each rejected message, each episode of a bad write pointer).
    pub bad_commands: u64,
}

impl Stats {
    /// Writes the counters to the test-control block.
    pub fn store<M: Mem + ?Sized>(&self, mem: &mut M) {
        mem.store_u64(STAT_POSTED, self.posted);
        mem.store_u64(STAT_COMMANDS, self.commands);
        mem.store_u64(STAT_INTERRUPTS, self.interrupts);
        mem.store_u64(STAT_FAULTS, self.faults);
        mem.store_u64(STAT_EVENTS, self.events);
        mem.store_u64(STAT_BAD_COMMANDS, self.bad_commands);
    }

    /// Reads the counters from the test-control block.
    pub fn load<M: Mem + ?Sized>(mem: &M) -> Self {
        Self {
            posted: mem.load_u64(STAT_POSTED),
            commands: mem.load_u64(STAT_COMMANDS),
            interrupts: mem.load_u64(STAT_INTERRUPTS),
            faults: mem.load_u64(STAT_FAULTS),
            events: mem.load_u64(STAT_EVENTS),
            bad_commands: mem.load_u64(STAT_BAD_COMMANDS),
        }
    }
}

/// The STATS counters of what the driver did while it had the GSP halted ([`crate::watch`]):
/// cumulative since the emulator started, never reset, so a test can read them after the
/// driver has booted the GSP again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HaltStats {
    /// Doorbell rings while halted.
    pub doorbells: u64,
    /// Changes of driver-written words seen while halted.
    pub writes: u64,
    /// Halts by the driver (`GSP_CTRL` 1 -> 0).
    pub halts: u64,
}

impl HaltStats {
    /// Writes the counters to the test-control block.
    pub fn store<M: Mem + ?Sized>(&self, mem: &mut M) {
        mem.store_u64(STAT_HALTED_DOORBELLS, self.doorbells);
        mem.store_u64(STAT_HALTED_WRITES, self.writes);
        mem.store_u64(STAT_HALTS, self.halts);
    }

    /// Reads the counters from the test-control block.
    pub fn load<M: Mem + ?Sized>(mem: &M) -> Self {
        Self {
            doorbells: mem.load_u64(STAT_HALTED_DOORBELLS),
            writes: mem.load_u64(STAT_HALTED_WRITES),
            halts: mem.load_u64(STAT_HALTS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;
    use crate::regs::SHM_SIZE;

    fn post(m: &mut VecMem, c: u32, a0: u32, a1: u32) -> u32 {
        m.store_u32(CTRL_CMD, c);
        m.store_u32(CTRL_ARG0, a0);
        m.store_u32(CTRL_ARG1, a1);
        let seq = m.load_u32(CTRL_SEQ) + 1;
        m.store_u32(CTRL_SEQ, seq);
        seq
    }

    #[test]
    fn decode_commands() {
        use Command::*;
        assert_eq!(
            Command::decode(1, 3, 0, 0),
            Some(Fault {
                kind: FaultKind::ElemCountZero,
                count: 1
            })
        );
        assert_eq!(
            Command::decode(1, 8, 4, 0),
            Some(Fault {
                kind: FaultKind::BadSeqNum,
                count: 4
            })
        );
        assert_eq!(Command::decode(1, 0, 1, 0), None);
        assert_eq!(Command::decode(1, 13, 1, 0), None);
        assert_eq!(
            Command::decode(2, 100, 0, 0),
            Some(Flood {
                count: 100,
                rate: 0
            })
        );
        assert_eq!(Command::decode(3, 1, 0, 0), Some(Stall(true)));
        assert_eq!(Command::decode(3, 0, 0, 0), Some(Stall(false)));
        assert_eq!(Command::decode(3, 2, 0, 0), None);
        assert_eq!(Command::decode(4, 0, 0, 0), Some(Disappear));
        assert_eq!(Command::decode(5, 1000, 0, 0), Some(EventRate(1000)));
        assert_eq!(Command::decode(6, 0, 0, 0), Some(ErrorLog));
        assert_eq!(
            Command::decode(7, 0x1620_00a1, 0x162a_1000, 0),
            Some(SetChipId {
                boot0: 0x1620_00a1,
                boot42: 0x162a_1000
            })
        );
        assert_eq!(Command::decode(0, 0, 0, 0), None);
        assert_eq!(
            Command::decode(8, 0x1234_5000, 0x1, 16),
            Some(ReadGpa {
                gpa: 0x1_1234_5000,
                len: 16
            })
        );
        assert_eq!(
            Command::decode(9, 0x1000, 0, 0x800),
            Some(WriteGpa {
                gpa: 0x1000,
                len: 0x800
            })
        );
        // The length: at least 1, at most the DATA window.
        assert_eq!(Command::decode(8, 0x1000, 0, 0), None);
        assert_eq!(Command::decode(9, 0x1000, 0, 0x801), None);
        assert_eq!(
            Command::decode(10, 0x2000, 0x1, 0),
            Some(Translate { va: 0x1_0000_2000 })
        );
        assert_eq!(Command::decode(11, 0, 0, 0), None);
        assert_eq!(Command::decode(11, 64, 0, 0), Some(Probe { count: 64 }));
        assert_eq!(Command::decode(11, 65, 0, 0), None);
        assert_eq!(Command::decode(12, 0, 0, 0), Some(RmObjects));
        assert_eq!(
            Command::decode(13, 0x51, 0, 0),
            Some(RmFail {
                status: 0x51,
                control: false
            })
        );
        assert_eq!(
            Command::decode(13, 0x1f, 1, 0),
            Some(RmFail {
                status: 0x1f,
                control: true
            })
        );
        assert_eq!(Command::decode(13, 0x1f, 2, 0), None);
        assert_eq!(Command::decode(14, 0, 0, 0), None);
    }

    #[test]
    fn handshake() {
        let mut m = VecMem::new(SHM_SIZE);
        let mut c = Control::new();
        assert_eq!(c.poll(&m), None);
        let seq = post(&mut m, 3, 1, 0);
        let req = c.poll(&m).unwrap();
        assert_eq!(req.seq, seq);
        assert_eq!(req.command, Some(Command::Stall(true)));
        c.complete(&mut m, &req, 0);
        assert_eq!(m.load_u32(CTRL_ACK), seq);
        assert_eq!(m.load_u32(CTRL_RESULT), 0);
        assert_eq!(c.poll(&m), None);
        // An unknown command is acknowledged with EINVAL.
        let seq = post(&mut m, 77, 0, 0);
        let req = c.poll(&m).unwrap();
        assert_eq!(req.command, None);
        c.complete(&mut m, &req, 0);
        assert_eq!(m.load_u32(CTRL_ACK), seq);
        assert_eq!(m.load_u32(CTRL_RESULT), 22);
        // Scribbling over ACK does not replay the command.
        m.store_u32(CTRL_ACK, 0);
        assert_eq!(c.poll(&m), None);
    }

    #[test]
    fn stats_offsets() {
        let mut m = VecMem::new(SHM_SIZE);
        let s = Stats {
            posted: 1,
            commands: 2,
            interrupts: 3,
            faults: 4,
            events: 5,
            bad_commands: 6,
        };
        s.store(&mut m);
        for (i, off) in (0x1f1040..0x1f1070).step_by(8).enumerate() {
            assert_eq!(m.load_u64(off), i as u64 + 1);
        }
        assert_eq!(Stats::load(&m), s);
        // The halt counters follow, appended after the six.
        let h = HaltStats {
            doorbells: 7,
            writes: 8,
            halts: 9,
        };
        h.store(&mut m);
        for (i, off) in (0x1f1070..0x1f1088).step_by(8).enumerate() {
            assert_eq!(m.load_u64(off), i as u64 + 7);
        }
        assert_eq!(HaltStats::load(&m), h);
        assert_eq!(Stats::load(&m), s);
    }
}
