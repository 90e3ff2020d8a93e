// SPDX-License-Identifier: GPL-2.0

//! The GSP: command/message queues, RPCs, events and the NAPI-style receive path.
//!
//! Sending (process context): a command is encoded with its checksum, copied into the command
//! ring under `cmdq`, the write pointer is published and the doorbell rung. The caller then
//! sleeps on `rpc_done` until the poller has matched the reply by RPC sequence number, the
//! timeout expires (ETIMEDOUT) or the device goes away (ENODEV).
//!
//! Receiving (softirq, [`Gsp::poll`]): the hard IRQ handler acknowledges and masks the GSP
//! interrupt and schedules the poll; the poll validates and dispatches up to `budget` messages;
//! when the queue is drained it completes, unmasks the interrupt, and re-checks the queue to
//! close the race with a message posted while the interrupt was masked.
//!
//! One concept per file: this one holds the state, boot, shutdown, settings and counters;
//! `cmdq.rs` the command queue, `rpc.rs` the RPC slots and waits, `rx.rs` the receive path,
//! `dispatch.rs` what happens to a validated message; `msg.rs` encodes and validates the wire
//! format, `queue.rs` accesses the queues in shared memory.

mod cmdq;
mod dispatch;
pub(crate) mod msg;
pub(crate) mod queue;
mod rpc;
mod rx;

use crate::{
    iface::{PollMode, Snapshot},
    regs::{EMU_GSP_CTRL, EMU_INTR_ENABLE, EMU_INTR_STATUS, IVSHMEM_DOORBELL, NV_PGSP_QUEUE_HEAD},
};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::{
    dev_warn,
    device::Bound,
    device::Device,
    devres::Devres,
    irq_poll::{PollContext, PollLock, SpinLockBhBackend},
    new_condvar, new_mutex, new_poll_lock, pci,
    pci::Bar,
    prelude::*,
    sync::{lock::Guard, CondVar, CondVarTimeoutResult, Mutex},
    time::{msecs_to_jiffies, Ktime},
    types::ARef,
};
use msg::{function, Reject, GSP_PAGE_SIZE, MSG_COUNT};
use queue::Shm;

/// Size of the emulated GPU's BAR2: the 16 MiB register window, then the GSP shared memory,
/// rounded up to a power of two.
pub(crate) const BAR_SIZE: usize = 0x200_0000;

/// Concurrent RPCs.
const RPC_SLOTS: usize = 16;
/// Default RPC timeout.
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 2000;
/// Default poll budget.
pub(crate) const DEFAULT_BUDGET: u32 = 64;
/// Largest poll budget.
pub(crate) const MAX_BUDGET: u32 = 1024;

/// Counters, all monotonic.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) messages_received: AtomicU64,
    pub(crate) messages_sent: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) init_done: AtomicU64,
    pub(crate) error_logs: AtomicU64,
    pub(crate) tick_events: AtomicU64,
    pub(crate) tick_lost: AtomicU64,
    pub(crate) rpc_replies: AtomicU64,
    pub(crate) rpc_timeouts: AtomicU64,
    pub(crate) rpc_errors: AtomicU64,
    pub(crate) unmatched_replies: AtomicU64,
    pub(crate) seq_gaps: AtomicU64,
    pub(crate) echo_mismatches: AtomicU64,
    pub(crate) bad: [AtomicU64; 6],
    pub(crate) interrupts: AtomicU64,
    pub(crate) polls: AtomicU64,
    pub(crate) polls_budget_exhausted: AtomicU64,
    pub(crate) irq_unmasks: AtomicU64,
    pub(crate) messages_polled: AtomicU64,
    /// Time spent in the hard IRQ handler and in polls, in ns (ktime, CLOCK_MONOTONIC).
    pub(crate) irq_ns: AtomicU64,
    pub(crate) poll_ns: AtomicU64,
    pub(crate) cmdq_high_water: AtomicU64,
    pub(crate) msgq_high_water: AtomicU64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

fn reject_index(r: Reject) -> usize {
    match r {
        Reject::WritePtr => 0,
        Reject::ElemCount => 1,
        Reject::Length => 2,
        Reject::Checksum => 3,
        Reject::Version => 4,
        Reject::Signature => 5,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    Waiting,
    Done,
}

/// A pending RPC.
struct Slot {
    state: SlotState,
    sequence: u32,
    result: Result<u32>,
    /// The caller's reply buffer (its length is the room for the reply payload).
    reply: KVec<u8>,
    /// Bytes of `reply` filled in.
    reply_len: usize,
}

/// Receive state, owned by the poller.
struct Rx {
    rptr: u32,
    expected_seq: u32,
    next_tick: u64,
    buf: KVVec<u8>,
}

/// Command queue state.
struct Cmdq {
    wptr: u32,
    seq_num: u32,
}

/// The GSP of one GPU.
#[pin_data]
pub(crate) struct Gsp {
    /// The GPU, for messages.
    dev: ARef<Device>,
    /// The register window: revoked when the core driver is unbound, whoever still holds the
    /// `Gsp` then (the DRM driver's handles, a debugfs file): accesses after that do nothing.
    bar: Devres<Bar<BAR_SIZE>>,
    /// The ivshmem doorbell register, revoked with `bar`.
    doorbell: Devres<Bar<0x100>>,
    peer: u32,
    shm_base: usize,
    #[pin]
    cmdq: Mutex<Cmdq>,
    #[pin]
    rx: PollLock<Rx>,
    #[pin]
    slots: PollLock<KVec<Slot>>,
    #[pin]
    rpc_done: CondVar,
    next_sequence: AtomicU32,
    pub(crate) stats: Stats,
    budget: AtomicU32,
    mode: AtomicU32,
    timeout_ms: AtomicU32,
    gone: AtomicBool,
    init_done: AtomicBool,
    logged: AtomicU64,
}

impl Gsp {
    /// Sets up the queues in shared memory at `shm_base` of `bar` (not yet booted).
    pub(crate) fn new(
        pdev: &pci::Device<Bound>,
        bar: Bar<BAR_SIZE>,
        doorbell: Bar<0x100>,
        peer: u32,
        shm_base: usize,
    ) -> Result<impl PinInit<Self, Error>> {
        let shm = Shm {
            io: &bar,
            base: shm_base,
        };
        shm.init(u64::try_from(shm_base)?)?;
        let mut slots = KVec::with_capacity(RPC_SLOTS, GFP_KERNEL)?;
        for _ in 0..RPC_SLOTS {
            slots.push(
                Slot {
                    state: SlotState::Free,
                    sequence: 0,
                    result: Ok(0),
                    reply: KVec::new(),
                    reply_len: 0,
                },
                GFP_KERNEL,
            )?;
        }
        let normal: &Device = pdev.as_ref();
        let dev: ARef<Device> = normal.into();
        let bar = Devres::new(pdev.as_ref(), bar, GFP_KERNEL)?;
        let doorbell = Devres::new(pdev.as_ref(), doorbell, GFP_KERNEL)?;
        let max_msg = usize::try_from(MSG_COUNT - 1)? * GSP_PAGE_SIZE;
        let buf = KVVec::from_elem(0u8, max_msg, GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            dev,
            bar,
            doorbell,
            peer,
            shm_base,
            cmdq <- new_mutex!(Cmdq { wptr: 0, seq_num: 0 }),
            rx <- new_poll_lock!(Rx { rptr: 0, expected_seq: 0, next_tick: 0, buf }),
            slots <- new_poll_lock!(slots),
            rpc_done <- new_condvar!(),
            next_sequence: AtomicU32::new(1),
            stats: Stats::default(),
            budget: AtomicU32::new(DEFAULT_BUDGET),
            mode: AtomicU32::new(u32::from(PollMode::Napi)),
            timeout_ms: AtomicU32::new(DEFAULT_TIMEOUT_MS),
            gone: AtomicBool::new(false),
            init_done: AtomicBool::new(false),
            logged: AtomicU64::new(0),
        }))
    }

    /// The GPU, for messages.
    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// Runs `f` on the register window in an RCU read-side section (`f` must not sleep);
    /// `ENODEV` once the mapping is revoked (the core driver was unbound).
    pub(crate) fn with_bar<R>(&self, f: impl FnOnce(&Bar<BAR_SIZE>) -> R) -> Result<R> {
        self.bar.try_access_with(f).ok_or(ENODEV)
    }

    /// Runs `f` on the GSP shared memory, as [`Gsp::with_bar`].
    fn with_shm<R>(&self, f: impl FnOnce(&Shm<'_, BAR_SIZE>) -> R) -> Result<R> {
        self.with_bar(|bar| {
            f(&Shm {
                io: bar,
                base: self.shm_base,
            })
        })
    }

    /// Writes the GSP's interrupt enable (nothing once unbound).
    fn set_intr_enable(&self, on: bool) {
        let _ = self.with_bar(|bar| EMU_INTR_ENABLE::from_raw(u32::from(on)).write(bar));
    }

    /// Rings the GPU peer's ivshmem doorbell (nothing once unbound): the emulated GPU then
    /// looks at its registers at once rather than at its next millisecond.
    pub(crate) fn kick_peer(&self) {
        let _ = self
            .doorbell
            .try_access_with(|db| db.write32(self.peer << 16, IVSHMEM_DOORBELL::OFFSET));
    }

    /// Starts the GSP: enables the interrupt and boots it.
    pub(crate) fn boot(&self) {
        self.set_intr_enable(true);
        let _ = self.with_bar(|bar| EMU_GSP_CTRL::from_raw(1).write(bar));
        self.ring_doorbell(0);
    }

    /// Waits up to `ms` for GSP_INIT_DONE.
    pub(crate) fn wait_init_done(&self, ms: u32) -> Result {
        let deadline = Ktime::ktime_get().to_ms() + i64::from(ms);
        let mut guard = self.slots.lock();
        while !self.init_done.load(Relaxed) {
            if self.gone.load(Relaxed) {
                return Err(ENODEV);
            }
            let left = deadline - Ktime::ktime_get().to_ms();
            if left <= 0 {
                return Err(ETIMEDOUT);
            }
            let left = u32::try_from(left.min(100)).unwrap_or(100);
            if let CondVarTimeoutResult::Signal { .. } = self
                .rpc_done
                .wait_interruptible_timeout(&mut guard, msecs_to_jiffies(left))
            {
                // Whoever is binding the device (insmod, a sysfs bind) was interrupted.
                return Err(EINTR);
            }
        }
        Ok(())
    }

    /// Stops everything: RPCs in flight fail with ENODEV, later ones too; the GSP is halted.
    pub(crate) fn shutdown(&self) {
        self.gone.store(true, Relaxed);
        self.set_intr_enable(false);
        let _ = self.with_bar(|bar| EMU_GSP_CTRL::from_raw(0).write(bar));
        let mut slots = self.slots.lock();
        for s in slots.iter_mut() {
            if s.state == SlotState::Waiting {
                s.result = Err(ENODEV);
                s.state = SlotState::Done;
            }
        }
        drop(slots);
        self.rpc_done.notify_all();
    }

    /// A snapshot of the counters and queue state.
    pub(crate) fn snapshot(&self, s: &mut Snapshot) {
        let st = &self.stats;
        let l = |c: &AtomicU64| c.load(Relaxed);
        s.messages_received = l(&st.messages_received);
        s.messages_sent = l(&st.messages_sent);
        s.events = l(&st.events);
        s.init_done = l(&st.init_done);
        s.error_logs = l(&st.error_logs);
        s.tick_events = l(&st.tick_events);
        s.tick_lost = l(&st.tick_lost);
        s.rpc_replies = l(&st.rpc_replies);
        s.rpc_timeouts = l(&st.rpc_timeouts);
        s.rpc_errors = l(&st.rpc_errors);
        s.unmatched_replies = l(&st.unmatched_replies);
        s.seq_gaps = l(&st.seq_gaps);
        s.echo_mismatches = l(&st.echo_mismatches);
        s.bad_write_ptr = l(&st.bad[0]);
        s.bad_elem_count = l(&st.bad[1]);
        s.bad_length = l(&st.bad[2]);
        s.bad_checksum = l(&st.bad[3]);
        s.bad_version = l(&st.bad[4]);
        s.bad_signature = l(&st.bad[5]);
        s.interrupts = l(&st.interrupts);
        s.polls = l(&st.polls);
        s.polls_budget_exhausted = l(&st.polls_budget_exhausted);
        s.irq_unmasks = l(&st.irq_unmasks);
        s.messages_polled = l(&st.messages_polled);
        s.irq_ns = l(&st.irq_ns);
        s.poll_ns = l(&st.poll_ns);
        s.cmdq_high_water = l(&st.cmdq_high_water);
        s.msgq_high_water = l(&st.msgq_high_water);
        s.msg_count = u64::from(MSG_COUNT);
        // The locks first: `cmdq` is a mutex, and the shared memory is read in an RCU section.
        let wptr = self.cmdq.lock().wptr;
        let rptr = self.rx.lock().rptr;
        let (grptr, mwptr) = self
            .with_shm(|shm| {
                (
                    shm.cmdq_gsp_read_ptr().unwrap_or(0),
                    shm.msgq_write_ptr().unwrap_or(0),
                )
            })
            .unwrap_or((0, 0));
        s.cmdq_write_ptr = u64::from(wptr);
        s.cmdq_read_ptr = u64::from(grptr);
        s.cmdq_free = if grptr < MSG_COUNT {
            u64::from(MSG_COUNT - 1 - queue::used(grptr, wptr))
        } else {
            0
        };
        s.msgq_write_ptr = u64::from(mwptr);
        s.msgq_read_ptr = u64::from(rptr);
        s.msgq_pending = if mwptr < MSG_COUNT {
            u64::from(queue::used(rptr, mwptr))
        } else {
            0
        };
    }

    pub(crate) fn budget(&self) -> u32 {
        self.budget.load(Relaxed)
    }

    pub(crate) fn set_budget_value(&self, b: u32) -> Result {
        if b == 0 || b > MAX_BUDGET {
            return Err(EINVAL);
        }
        self.budget.store(b, Relaxed);
        Ok(())
    }

    pub(crate) fn mode(&self) -> PollMode {
        if self.mode.load(Relaxed) == u32::from(PollMode::Single) {
            PollMode::Single
        } else {
            PollMode::Napi
        }
    }

    pub(crate) fn set_mode(&self, m: PollMode) {
        self.mode.store(u32::from(m), Relaxed);
    }

    pub(crate) fn timeout_ms(&self) -> u32 {
        self.timeout_ms.load(Relaxed)
    }

    pub(crate) fn set_timeout_ms(&self, ms: u32) -> Result {
        if !(10..=60000).contains(&ms) {
            return Err(EINVAL);
        }
        self.timeout_ms.store(ms, Relaxed);
        Ok(())
    }
}
