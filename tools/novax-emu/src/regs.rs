// SPDX-License-Identifier: MIT OR Apache-2.0

//! Every number of the contract, `Documentation/gpu/novax-gsp.rst`, in one place.
//!
//! The emulator and the driver are written independently against that document; keeping all of
//! its numbers here (and nowhere else) makes a review against the document a single read. All
//! offsets are byte offsets in BAR2, the ivshmem shared memory, unless a comment says otherwise.

/// Size of the shared memory region (`NOVAX_EMU_SHM_SIZE`): the register window and the GSP
/// shared memory, rounded up to a power of two as a PCI BAR must be.
pub const SHM_SIZE: usize = 32 << 20;

/// Size of the register window at the start of BAR2: a real BAR0's 16 MiB, so that registers
/// keep their real offsets (the MMU invalidate block at 0xb830a0).
pub const REG_WINDOW_SIZE: usize = 16 << 20;

/// `NV_PMC_BOOT_0`: chip identification; 0xffffffff once the GPU fell off the bus.
pub const NV_PMC_BOOT_0: usize = 0x000000;
/// `NV_PMC_BOOT_42`: chip identification for newer parts (same field layout).
pub const NV_PMC_BOOT_42: usize = 0x000a00;
/// `NV_PGSP_QUEUE_HEAD`: the CPU writes the command queue's new write pointer here.
pub const NV_PGSP_QUEUE_HEAD: usize = 0x110c00;

/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB` (TU102+, BAR0 0xb80000 + 0x30a0): `APERTURE`
/// 1:1 (0 video, 1 system memory), `ADDR` 31:4, the page directory's address >> 12, low 28 bits.
pub const MMU_INVALIDATE_PDB: usize = 0xb830a0;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB`: `ADDR` 19:0, the address's bits 59:40.
pub const MMU_INVALIDATE_UPPER_PDB: usize = 0xb830a4;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE`: `ALL_VA` 0:0, `ALL_PDB` 1:1, `HUBTLB_ONLY` 2:2,
/// `TRIGGER` 31:31. The driver writes the scope with `TRIGGER` and polls until the GPU clears
/// it; then no translation of that page directory (of every one, with `ALL_PDB`) is cached.
pub const MMU_INVALIDATE: usize = 0xb830b0;
/// `MMU_INVALIDATE`: `ALL_VA`.
pub const MMU_INVALIDATE_ALL_VA: u32 = 1 << 0;
/// `MMU_INVALIDATE`: `ALL_PDB`.
pub const MMU_INVALIDATE_ALL_PDB: u32 = 1 << 1;
/// `MMU_INVALIDATE`: `TRIGGER`.
pub const MMU_INVALIDATE_TRIGGER: u32 = 1 << 31;
/// `MMU_INVALIDATE_PDB`: `APERTURE` system memory.
pub const MMU_INVALIDATE_PDB_SYS: u32 = 1 << 1;

/// What BOOT_0 reads once the GPU has "fallen off the bus".
pub const BOOT_0_GONE: u32 = 0xffff_ffff;

/// Start of the emulator registers (*emulator-only*).
pub const EMU_REGS: usize = 0x1f0000;
/// `SIGNATURE0`: "NOVX".
pub const EMU_SIGNATURE0: usize = EMU_REGS;
/// `SIGNATURE1`: "EMU1".
pub const EMU_SIGNATURE1: usize = EMU_REGS + 0x04;
/// `EMU_VERSION`.
pub const EMU_VERSION: usize = EMU_REGS + 0x08;
/// `GSP_SHM_OFFSET`: where the GSP shared memory starts in BAR2.
pub const EMU_GSP_SHM_OFFSET: usize = EMU_REGS + 0x0c;
/// `GSP_SHM_SIZE`.
pub const EMU_GSP_SHM_SIZE: usize = EMU_REGS + 0x10;
/// `INTR_ENABLE` (driver-written): bit 0 enables the GSP message interrupt.
pub const EMU_INTR_ENABLE: usize = EMU_REGS + 0x14;
/// `INTR_STATUS`: bit 0 set by the GPU when it posts messages, cleared by the driver.
pub const EMU_INTR_STATUS: usize = EMU_REGS + 0x18;
/// `EMU_PEER_ID`: the ivshmem peer id the driver rings.
pub const EMU_PEER_ID: usize = EMU_REGS + 0x1c;
/// `GSP_CTRL` (driver-written): 1 boots the GSP, 0 halts it.
pub const EMU_GSP_CTRL: usize = EMU_REGS + 0x20;
/// `GSP_STATE`: 0 halted, 1 running, 2 dead.
pub const EMU_GSP_STATE: usize = EMU_REGS + 0x24;

/// Value of `SIGNATURE0` ("NOVX" read as a little-endian u32).
pub const SIGNATURE0_VALUE: u32 = 0x5856_4f4e;
/// Value of `SIGNATURE1` ("EMU1" read as a little-endian u32).
pub const SIGNATURE1_VALUE: u32 = 0x3155_4d45;
/// Value of `EMU_VERSION`.
pub const EMU_VERSION_VALUE: u32 = 1;
/// The emulator's own ivshmem peer id.
pub const EMU_PEER_ID_VALUE: u32 = 0;
/// Bit 0 of `INTR_ENABLE` / `INTR_STATUS`: the GSP message interrupt.
pub const INTR_GSP: u32 = 1;

/// `GSP_STATE`: halted.
pub const GSP_STATE_HALTED: u32 = 0;
/// `GSP_STATE`: running.
pub const GSP_STATE_RUNNING: u32 = 1;
/// `GSP_STATE`: dead (the `disappear` fault).
pub const GSP_STATE_DEAD: u32 = 2;

/// The test-control block (*emulator-only*).
pub const TEST_CTRL: usize = 0x1f1000;
/// `CMD`.
pub const CTRL_CMD: usize = TEST_CTRL;
/// `ARG0`.
pub const CTRL_ARG0: usize = TEST_CTRL + 0x04;
/// `ARG1`.
pub const CTRL_ARG1: usize = TEST_CTRL + 0x08;
/// `SEQ`: written last by the test.
pub const CTRL_SEQ: usize = TEST_CTRL + 0x0c;
/// `ACK`: set to `SEQ` by the emulator once the command is carried out.
pub const CTRL_ACK: usize = TEST_CTRL + 0x10;
/// `RESULT`: 0 done, [`EINVAL`] unknown command or argument.
pub const CTRL_RESULT: usize = TEST_CTRL + 0x14;
/// `ARG2`: the length of a `READ_GPA`/`WRITE_GPA`.
pub const CTRL_ARG2: usize = TEST_CTRL + 0x18;
/// `DATA`: what `READ_GPA` read and `WRITE_GPA` writes.
pub const CTRL_DATA: usize = TEST_CTRL + 0x800;
/// The size of `DATA`.
pub const CTRL_DATA_SIZE: usize = 0x800;
/// STATS: messages posted (u64).
pub const STAT_POSTED: usize = TEST_CTRL + 0x40;
/// STATS: commands received (u64).
pub const STAT_COMMANDS: usize = TEST_CTRL + 0x48;
/// STATS: interrupts raised (u64).
pub const STAT_INTERRUPTS: usize = TEST_CTRL + 0x50;
/// STATS: faults injected (u64).
pub const STAT_FAULTS: usize = TEST_CTRL + 0x58;
/// STATS: events posted (u64).
pub const STAT_EVENTS: usize = TEST_CTRL + 0x60;
/// STATS: bad commands seen (u64).
pub const STAT_BAD_COMMANDS: usize = TEST_CTRL + 0x68;
/// STATS: doorbell rings while the GSP was halted by the driver (u64, since the emulator
/// started; not reset at boot).
pub const STAT_HALTED_DOORBELLS: usize = TEST_CTRL + 0x70;
/// STATS: writes to driver-written words seen while the GSP was halted by the driver (u64,
/// since the emulator started; not reset at boot).
pub const STAT_HALTED_WRITES: usize = TEST_CTRL + 0x78;
/// STATS: halts by the driver, `GSP_CTRL` going from 1 to 0 (u64, since the emulator started;
/// not reset at boot).
pub const STAT_HALTS: usize = TEST_CTRL + 0x80;

/// STATS: MMU invalidates carried out (u64, since the emulator started).
pub const STAT_TLB_INVALIDATES: usize = TEST_CTRL + 0x88;
/// STATS: GPU translations the TLB answered (u64, since the emulator started).
pub const STAT_TLB_HITS: usize = TEST_CTRL + 0x90;
/// STATS: GPU translations that walked the tables (u64, since the emulator started).
pub const STAT_TLB_MISSES: usize = TEST_CTRL + 0x98;

/// Test-control commands.
pub mod cmd {
    /// ARG0 = fault kind, ARG1 = how many of the next posted messages (0 means 1).
    pub const FAULT: u32 = 1;
    /// Post ARG0 `NOVAX_EMU_TICK` events, ARG1 per second (0 = as fast as the ring allows).
    pub const FLOOD: u32 = 2;
    /// ARG0 = 1: stop reading commands; 0: resume.
    pub const STALL: u32 = 3;
    /// The GPU dies until the next boot.
    pub const DISAPPEAR: u32 = 4;
    /// Post `NOVAX_EMU_TICK` events periodically, ARG0 per second (0 = off).
    pub const EVENT_RATE: u32 = 5;
    /// Post an `OS_ERROR_LOG` event with a short text.
    pub const ERROR_LOG: u32 = 6;
    /// Present ARG0 as NV_PMC_BOOT_0 and ARG1 as NV_PMC_BOOT_42 from now on (and report that
    /// chip in the static information), until the emulator exits: the next driver probe sees
    /// that chip.
    pub const SET_CHIP_ID: u32 = 7;
    /// Read ARG2 (1..=0x800) bytes of guest RAM at guest-physical address ARG1:ARG0 into DATA.
    /// RESULT EFAULT if the range is not all RAM, ENODEV if the emulator has no guest RAM.
    pub const READ_GPA: u32 = 8;
    /// Write the first ARG2 bytes of DATA to guest RAM at ARG1:ARG0 (results as `READ_GPA`).
    pub const WRITE_GPA: u32 = 9;
    /// Walk the GMMU page tables whose page directory is at the guest-physical address in
    /// DATA[0..8] for the VA ARG1:ARG0, as the GPU would (uncached: what the tables say now).
    /// Out: DATA[8..16] the physical address, DATA[16..20] the flags
    /// ([`super::TRANSLATE_READ_ONLY`], ...), DATA[20..24] for a fault the level (7:0) and
    /// reason (15:8) ([`crate::mmu::Fault::code`]). RESULT 0, EFAULT for a fault, ENODEV without
    /// guest RAM.
    pub const TRANSLATE: u32 = 10;
    /// TRANSLATE and read, for ARG0 (1..=[`super::PROBE_MAX`]) VAs at once, as the GPU's
    /// engines do: through the TLB, which only `MMU_INVALIDATE` flushes (so a driver that
    /// changes the tables without invalidating sees the old translation here). The page tables'
    /// PDB in DATA[0..8], the VAs at DATA[0x10 + 8 * i]. Out, at DATA[0x400 + 16 * i]: the
    /// status (u32: 0, or for a fault the fault code as in `TRANSLATE`), the flags (u32, as in `TRANSLATE`), the 4 bytes at the VA (u32, read
    /// at the physical address), the physical address's low 32 bits. RESULT 0 (whatever each
    /// VA gave), EINVAL for a bad count, ENODEV without guest RAM.
    pub const PROBE: u32 = 11;
    /// The resource manager's objects: DATA[0..4] how many objects live (clients included),
    /// DATA[4..8] how many VA spaces had their page directory handed over, then for each of
    /// those (up to [`super::RM_VASPACES_MAX`]) at DATA[0x10 + 16 * i]: the client handle (u32),
    /// the VA space handle (u32), the page directory base (u64). RESULT 0.
    pub const RM_OBJECTS: u32 = 12;
    /// The next `GSP_RM_ALLOC` (ARG1 0) or `GSP_RM_CONTROL` (ARG1 1) fails with NV status ARG0
    /// (0: none fails), whatever it asks for, and is not carried out: how tests see the driver
    /// turn an RM error into an errno and clean up after it. RESULT EINVAL for another ARG1.
    pub const RM_FAIL: u32 = 13;
}

/// The most VA spaces `RM_OBJECTS` lists.
pub const RM_VASPACES_MAX: usize = 64;

/// The most VAs one `PROBE` takes.
pub const PROBE_MAX: u32 = 64;
/// Where `PROBE` reads its VAs in DATA.
pub const PROBE_IN: usize = 0x10;
/// Where `PROBE` writes its results in DATA.
pub const PROBE_OUT: usize = 0x400;

/// `TRANSLATE` flags: the page is read-only.
pub const TRANSLATE_READ_ONLY: u32 = 1 << 0;
/// `TRANSLATE` flags: non-coherent system memory.
pub const TRANSLATE_NON_COHERENT: u32 = 1 << 1;
/// `TRANSLATE` flags: KIND in 15:8, the page size in KiB in 31:16.
pub const TRANSLATE_KIND_SHIFT: u32 = 8;
/// See [`TRANSLATE_KIND_SHIFT`].
pub const TRANSLATE_PAGE_KIB_SHIFT: u32 = 16;

/// `RESULT` for an unknown command or argument.
pub const EINVAL: u32 = 22;
/// `RESULT` for a guest-physical range that is not guest RAM.
pub const EFAULT: u32 = 14;
/// `RESULT` for a command that needs what this emulator lacks (guest RAM).
pub const ENODEV: u32 = 19;

/// Start of the GSP shared memory in BAR2 (`GSP_SHM_OFFSET`).
pub const GSP_SHM_OFFSET: usize = 0x1000000;
/// Size of the GSP shared memory (`GSP_SHM_SIZE`).
pub const GSP_SHM_SIZE: usize = 0x100000;
/// `GSP_PAGE_SIZE`.
pub const GSP_PAGE_SIZE: usize = 0x1000;
/// The page table (one u64 per page), at the start of the GSP shared memory.
pub const PTE: usize = GSP_SHM_OFFSET;
/// The command queue (CPU -> GSP).
pub const CMDQ: usize = GSP_SHM_OFFSET + 0x1000;
/// The message queue (GSP -> CPU).
pub const MSGQ: usize = GSP_SHM_OFFSET + 0x41000;

/// `msgqTxHeader.version`.
pub const QUEUE_VERSION: u32 = 0;
/// `msgqTxHeader.size`: bytes of a whole queue.
pub const QUEUE_SIZE: usize = 0x40000;
/// `msgqTxHeader.msgSize`: bytes of a ring element.
pub const MSG_SIZE: usize = 0x1000;
/// `msgqTxHeader.msgCount`: elements in a ring.
pub const MSG_COUNT: u32 = 0x3f;
/// `msgqTxHeader.flags`.
pub const QUEUE_FLAGS: u32 = 1;
/// `msgqTxHeader.rxHdrOff`: offset of `msgqRxHeader` in a queue.
pub const RX_HDR_OFF: usize = 0x20;
/// `msgqTxHeader.entryOff`: offset of element 0 in a queue.
pub const ENTRY_OFF: usize = 0x1000;

/// Offsets of the `msgqTxHeader` fields in a queue.
pub mod tx {
    /// `version`.
    pub const VERSION: usize = 0x00;
    /// `size`.
    pub const SIZE: usize = 0x04;
    /// `msgSize`.
    pub const MSG_SIZE: usize = 0x08;
    /// `msgCount`.
    pub const MSG_COUNT: usize = 0x0c;
    /// `writePtr`.
    pub const WRITE_PTR: usize = 0x10;
    /// `flags`.
    pub const FLAGS: usize = 0x14;
    /// `rxHdrOff`.
    pub const RX_HDR_OFF: usize = 0x18;
    /// `entryOff`.
    pub const ENTRY_OFF: usize = 0x1c;
}

/// Size of `GSP_MSG_QUEUE_ELEMENT` (up to the RPC header).
pub const ELEM_HDR_SIZE: usize = 48;
/// Offsets of the `GSP_MSG_QUEUE_ELEMENT` fields in a message.
pub mod elem {
    /// `checkSum`.
    pub const CHECKSUM: usize = 32;
    /// `seqNum`.
    pub const SEQ_NUM: usize = 36;
    /// `elemCount`.
    pub const ELEM_COUNT: usize = 40;
    /// `padding`.
    pub const PADDING: usize = 44;
}

/// Size of `rpc_message_header_v` (version 3).
pub const RPC_HDR_SIZE: usize = 32;
/// Offsets of the `rpc_message_header_v` fields in a message (after the element header).
pub mod rpc {
    /// `header_version`.
    pub const HEADER_VERSION: usize = 48;
    /// `signature`.
    pub const SIGNATURE: usize = 52;
    /// `length`: RPC header + payload.
    pub const LENGTH: usize = 56;
    /// `function`.
    pub const FUNCTION: usize = 60;
    /// `rpc_result`.
    pub const RESULT: usize = 64;
    /// `rpc_result_private`.
    pub const RESULT_PRIVATE: usize = 68;
    /// `sequence`.
    pub const SEQUENCE: usize = 72;
    /// `spare`.
    pub const SPARE: usize = 76;
    /// The payload.
    pub const PAYLOAD: usize = 80;
}

/// `header_version` of the version 3 RPC header.
pub const RPC_HEADER_VERSION: u32 = 0x0300_0000;
/// `signature` of an RPC header: "VRPC".
pub const RPC_SIGNATURE: u32 = 0x4350_5256;
/// Largest RPC `length`: `(msgCount - 1) * 0x1000 - 48`.
pub const MAX_RPC_LENGTH: usize = (MSG_COUNT as usize - 1) * MSG_SIZE - ELEM_HDR_SIZE;

/// Function numbers.
pub mod function {
    /// Event (real): posted once after boot, no payload.
    pub const GSP_INIT_DONE: u32 = 0x1001;
    /// Event (real): a NUL-terminated text.
    pub const OS_ERROR_LOG: u32 = 0x1006;
    /// RPC (emulator): the reply carries the request's bytes.
    pub const EMU_ECHO: u32 = 0xf001;
    /// RPC (emulator): the reply is `novax_emu_static_info`.
    pub const EMU_STATIC_INFO: u32 = 0xf002;
    /// Event (emulator): `{ u64 index; u64 time_ns; }`.
    pub const EMU_TICK: u32 = 0xf101;
}

/// `rpc_result` for an unknown function: `NV_ERR_NOT_SUPPORTED` (open-gpu-kernel-modules'
/// `nvstatuscodes.h`; 0x1f there is `NV_ERR_INVALID_ARGUMENT`).
pub const NV_ERR_NOT_SUPPORTED: u32 = 0x56;

/// Size of `novax_emu_static_info`.
pub const STATIC_INFO_SIZE: usize = 128;
/// Size of the `NOVAX_EMU_TICK` payload.
pub const TICK_SIZE: usize = 16;
/// Largest ECHO payload the contract promises to handle.
pub const MAX_ECHO_PAYLOAD: usize = 16384;

// The layout fits together: both queues in the GSP shared memory, that in BAR2, the emulator
// registers and the test block in the register window above the real registers.
const _: () = assert!(MSGQ + QUEUE_SIZE <= GSP_SHM_OFFSET + GSP_SHM_SIZE);
const _: () = assert!(GSP_SHM_OFFSET + GSP_SHM_SIZE <= SHM_SIZE);
const _: () = assert!(STAT_HALTS + 8 <= REG_WINDOW_SIZE);
const _: () = assert!(NV_PGSP_QUEUE_HEAD < EMU_REGS);
const _: () = assert!(MMU_INVALIDATE + 4 <= REG_WINDOW_SIZE);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_consistent() {
        // The signature words spell "NOVX" and "EMU1".
        assert_eq!(&SIGNATURE0_VALUE.to_le_bytes(), b"NOVX");
        assert_eq!(&SIGNATURE1_VALUE.to_le_bytes(), b"EMU1");
        assert_eq!(&RPC_SIGNATURE.to_le_bytes(), b"VRPC");
        assert_eq!(MSGQ + QUEUE_SIZE, GSP_SHM_OFFSET + 0x81000);
        // The ring fills the queue after the header page.
        assert_eq!(ENTRY_OFF + MSG_COUNT as usize * MSG_SIZE, QUEUE_SIZE);
        assert_eq!(MAX_RPC_LENGTH, 62 * 4096 - 48);
        assert_eq!(rpc::PAYLOAD, ELEM_HDR_SIZE + RPC_HDR_SIZE);
    }
}
