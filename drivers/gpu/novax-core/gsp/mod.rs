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

pub(crate) mod msg;
pub(crate) mod queue;

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

/// Size of the emulated GPU's BAR2 (and the minimum BAR0 of a real one).
pub(crate) const BAR_SIZE: usize = 0x40_0000;

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

    /// Runs `f` on the register window in an RCU read-side section (`f` must not sleep);
    /// `ENODEV` once the mapping is revoked (the core driver was unbound).
    fn with_bar<R>(&self, f: impl FnOnce(&Bar<BAR_SIZE>) -> R) -> Result<R> {
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

    /// Rings the GPU peer's ivshmem doorbell (nothing once unbound).
    fn kick_peer(&self) {
        let _ = self
            .doorbell
            .try_access_with(|db| db.write32(self.peer << 16, IVSHMEM_DOORBELL::OFFSET));
    }

    fn ring_doorbell(&self, wptr: u32) {
        let _ = self.with_bar(|bar| NV_PGSP_QUEUE_HEAD::from_raw(wptr).write(bar));
        // On the emulated GPU, NV_PGSP_QUEUE_HEAD is shared memory: also signal the GPU peer.
        self.kick_peer();
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

    /// Sends `payload` as RPC `function` and waits for the reply, whose payload is copied to
    /// the start of `reply` (`EOVERFLOW` if it does not fit). Returns the reply's `rpc_result`
    /// and payload length.
    pub(crate) fn rpc(
        &self,
        function: u32,
        payload: &[u8],
        reply: &mut KVec<u8>,
    ) -> Result<(u32, usize)> {
        if payload.len() > msg::MAX_PAYLOAD {
            return Err(EINVAL);
        }
        if self.gone.load(Relaxed) {
            return Err(ENODEV);
        }
        let sequence = loop {
            let s = self.next_sequence.fetch_add(1, Relaxed);
            if s != 0 {
                break s;
            }
        };
        let timeout = i64::from(self.timeout_ms.load(Relaxed));
        let deadline = Ktime::ktime_get().to_ms() + timeout;

        // Claim a slot, handing it our reply buffer. With all `RPC_SLOTS` in use, wait for one
        // (interruptibly, until the deadline): nothing is sent yet, so a signal restarts the
        // call.
        let index = {
            let mut slots = self.slots.lock();
            let index = loop {
                if let Some(index) = slots.iter().position(|s| s.state == SlotState::Free) {
                    break index;
                }
                if self.gone.load(Relaxed) {
                    return Err(ENODEV);
                }
                self.wait_rpc_done(&mut slots, deadline, ERESTARTSYS)?;
            };
            let slot = &mut slots[index];
            slot.state = SlotState::Waiting;
            slot.sequence = sequence;
            slot.result = Ok(0);
            slot.reply = core::mem::take(reply);
            slot.reply_len = 0;
            index
        };

        let sent = self.send(function, sequence, payload, deadline);
        let mut slots = self.slots.lock();
        let result = match sent {
            Err(e) => Err(e),
            Ok(()) => loop {
                if slots[index].state == SlotState::Done {
                    break core::mem::replace(&mut slots[index].result, Ok(0));
                }
                // Sent: a signal cannot restart the call (the GSP would see it twice).
                if let Err(e) = self.wait_rpc_done(&mut slots, deadline, EINTR) {
                    break Err(e);
                }
            },
        };
        let slot = &mut slots[index];
        *reply = core::mem::take(&mut slot.reply);
        let len = slot.reply_len;
        slot.state = SlotState::Free;
        drop(slots);
        // Wake an RPC waiting for a slot (and, harmlessly, those waiting for replies).
        self.rpc_done.notify_all();
        if result.is_err() {
            inc(&self.stats.rpc_errors);
        }
        result.map(|r| (r, len))
    }

    /// Waits for `rpc_done` once, interruptibly and at most until `deadline` (ms): `ETIMEDOUT`
    /// (counted) once the deadline has passed, `on_signal` if a signal is pending.
    fn wait_rpc_done(
        &self,
        slots: &mut Guard<'_, KVec<Slot>, SpinLockBhBackend>,
        deadline: i64,
        on_signal: Error,
    ) -> Result {
        let left = deadline - Ktime::ktime_get().to_ms();
        if left <= 0 {
            inc(&self.stats.rpc_timeouts);
            return Err(ETIMEDOUT);
        }
        let left = u32::try_from(left).unwrap_or(u32::MAX);
        match self
            .rpc_done
            .wait_interruptible_timeout(slots, msecs_to_jiffies(left))
        {
            CondVarTimeoutResult::Signal { .. } => Err(on_signal),
            _ => Ok(()),
        }
    }

    /// Queues one command, waiting for ring space until `deadline` (ms).
    fn send(&self, function: u32, sequence: u32, payload: &[u8], deadline: i64) -> Result {
        let length = msg::RPC_HDR_SIZE + payload.len();
        let elems = msg::elem_count_for(length);
        let elems_u32 = u32::try_from(elems)?;
        let mut buf = KVec::from_elem(0u8, elems * GSP_PAGE_SIZE, GFP_KERNEL)?;
        let mut cmdq = self.cmdq.lock();
        loop {
            if self.gone.load(Relaxed) {
                return Err(ENODEV);
            }
            let rptr = self.with_shm(|shm| shm.cmdq_gsp_read_ptr())??;
            if rptr >= MSG_COUNT {
                return Err(EIO);
            }
            let used = queue::used(rptr, cmdq.wptr);
            if MSG_COUNT - 1 - used >= elems_u32 {
                self.stats
                    .cmdq_high_water
                    .fetch_max(u64::from(used + elems_u32), Relaxed);
                break;
            }
            if Ktime::ktime_get().to_ms() >= deadline {
                inc(&self.stats.rpc_timeouts);
                return Err(ETIMEDOUT);
            }
            // Wait for the GSP to consume commands (it replies as it does). Nothing is queued
            // yet, so a signal restarts the call.
            drop(cmdq);
            {
                let mut g = self.slots.lock();
                if let CondVarTimeoutResult::Signal { .. } = self
                    .rpc_done
                    .wait_interruptible_timeout(&mut g, msecs_to_jiffies(1))
                {
                    return Err(ERESTARTSYS);
                }
            }
            cmdq = self.cmdq.lock();
        }
        msg::encode(&mut buf, cmdq.seq_num, function, sequence, payload);
        let wptr = (cmdq.wptr + elems_u32) % MSG_COUNT;
        self.with_shm(|shm| -> Result {
            shm.write_elems(cmdq.wptr, &buf)?;
            // MMIO writes are ordered: the GSP sees the element before the new write pointer.
            shm.set_cmdq_write_ptr(wptr)
        })??;
        cmdq.wptr = wptr;
        cmdq.seq_num = cmdq.seq_num.wrapping_add(1);
        self.ring_doorbell(cmdq.wptr);
        inc(&self.stats.messages_sent);
        Ok(())
    }

    /// The hard IRQ half: acknowledge and mask the GSP interrupt.
    pub(crate) fn irq_ack_and_mask(&self) {
        inc(&self.stats.interrupts);
        self.set_intr_enable(false);
        let _ = self.with_bar(|bar| EMU_INTR_STATUS::from_raw(0).write(bar));
    }

    fn unmask(&self) {
        inc(&self.stats.irq_unmasks);
        self.set_intr_enable(true);
    }

    /// Whether the message queue has messages we have not read.
    fn pending(&self) -> bool {
        let rptr = self.rx.lock().rptr;
        matches!(self.with_shm(|shm| shm.msgq_write_ptr()), Ok(Ok(w)) if w < MSG_COUNT && w != rptr)
    }

    /// The poll: processes up to `budget` messages (softirq context).
    pub(crate) fn poll(&self, ctx: &PollContext<'_>, budget: usize) -> usize {
        inc(&self.stats.polls);
        let single = self.mode.load(Relaxed) == u32::from(PollMode::Single);
        let limit = if single { 1 } else { budget };
        let done = self.drain(limit);
        if done >= limit && !single && !self.gone.load(Relaxed) {
            // More may be pending: stay masked, the softirq polls again.
            inc(&self.stats.polls_budget_exhausted);
            return done;
        }
        ctx.complete();
        if self.gone.load(Relaxed) {
            return done;
        }
        self.unmask();
        if self.pending() {
            if single {
                // One interrupt per message: the interrupt is level-triggered, so with work
                // left it fires again once unmasked; ring the doorbell so the GPU looks now.
                self.kick_peer();
            } else {
                // A message posted while we were masked raised no interrupt: poll again.
                self.set_intr_enable(false);
                ctx.reschedule();
            }
        }
        done
    }

    /// Processes up to `limit` messages; returns how many (valid or not) were consumed (none
    /// once the register window is revoked).
    fn drain(&self, limit: usize) -> usize {
        let mut rx = self.rx.lock();
        let done = self
            .with_shm(|shm| self.drain_locked(shm, &mut rx, limit))
            .unwrap_or(0);
        drop(rx);
        self.stats
            .messages_polled
            .fetch_add(u64::try_from(done).unwrap_or(0), Relaxed);
        done
    }

    fn drain_locked(&self, shm: &Shm<'_, BAR_SIZE>, rx: &mut Rx, limit: usize) -> usize {
        let mut done = 0;
        while done < limit {
            let rptr = rx.rptr;
            if let Ok(w) = shm.msgq_write_ptr() {
                if w < MSG_COUNT {
                    self.stats
                        .msgq_high_water
                        .fetch_max(u64::from(queue::used(rptr, w)), Relaxed);
                }
            }
            let Rx {
                buf,
                expected_seq,
                next_tick,
                ..
            } = &mut *rx;
            let received = queue::receive(shm, rptr, buf);
            let next = match received {
                Ok(None) => break,
                Ok(Some((elems, m))) => {
                    if m.seq_num != *expected_seq {
                        inc(&self.stats.seq_gaps);
                    }
                    *expected_seq = m.seq_num.wrapping_add(1);
                    let (function, result, sequence) = (m.function, m.result, m.sequence);
                    // Copy what the handlers need before releasing `buf`'s borrow.
                    let payload = m.payload;
                    inc(&self.stats.messages_received);
                    self.dispatch(function, result, sequence, payload, next_tick);
                    (rptr + elems) % MSG_COUNT
                }
                Err((reject, next)) => {
                    inc(&self.stats.bad[reject_index(reject)]);
                    self.log_bad(reject, rptr);
                    if reject == Reject::WritePtr {
                        // Nothing to consume, so it is no work done: counting it would keep a
                        // poll whose budget it uses up running for as long as the write pointer
                        // stays bad (forever, on a GPU that fell off the bus). The poll
                        // completes; the next interrupt looks again.
                        break;
                    }
                    next
                }
            };
            rx.rptr = next;
            let _ = shm.set_msgq_read_ptr(next);
            done += 1;
        }
        done
    }

    fn log_bad(&self, reject: Reject, rptr: u32) {
        // Rate limit: the first 10, then every 1000th.
        let n = self.logged.fetch_add(1, Relaxed);
        if n < 10 || n % 1000 == 0 {
            dev_warn!(
                &*self.dev,
                "GSP message rejected at read pointer {}: {} ({} rejected so far)\n",
                rptr,
                reject.name(),
                n + 1
            );
        }
    }

    fn dispatch(
        &self,
        function: u32,
        result: u32,
        sequence: u32,
        payload: &[u8],
        next_tick: &mut u64,
    ) {
        match function {
            function::GSP_INIT_DONE => {
                inc(&self.stats.events);
                inc(&self.stats.init_done);
                self.init_done.store(true, Relaxed);
                self.rpc_done.notify_all();
            }
            function::OS_ERROR_LOG => {
                inc(&self.stats.events);
                inc(&self.stats.error_logs);
                let text = payload.split(|&b| b == 0).next().unwrap_or(&[]);
                let text = &text[..text.len().min(128)];
                match core::str::from_utf8(text) {
                    Ok(t) => dev_warn!(&*self.dev, "GSP error log: {}\n", t),
                    Err(_) => dev_warn!(
                        &*self.dev,
                        "GSP error log ({} bytes, not UTF-8)\n",
                        text.len()
                    ),
                }
            }
            function::EMU_TICK => {
                inc(&self.stats.events);
                inc(&self.stats.tick_events);
                let index = msg::get_u64(payload, 0);
                if index > *next_tick {
                    self.stats.tick_lost.fetch_add(index - *next_tick, Relaxed);
                }
                *next_tick = index.wrapping_add(1);
            }
            _ if sequence != 0 => self.complete_rpc(result, sequence, payload),
            _ => inc(&self.stats.unmatched_replies),
        }
    }

    fn complete_rpc(&self, result: u32, sequence: u32, payload: &[u8]) {
        let mut slots = self.slots.lock();
        let Some(slot) = slots
            .iter_mut()
            .find(|s| s.state == SlotState::Waiting && s.sequence == sequence)
        else {
            drop(slots);
            inc(&self.stats.unmatched_replies);
            return;
        };
        inc(&self.stats.rpc_replies);
        slot.result = match slot.reply.get_mut(..payload.len()) {
            Some(dst) => {
                dst.copy_from_slice(payload);
                slot.reply_len = payload.len();
                Ok(result)
            }
            None => Err(EOVERFLOW),
        };
        slot.state = SlotState::Done;
        drop(slots);
        self.rpc_done.notify_all();
    }

    /// Sends an echo RPC and checks the reply; returns the latency in ns.
    ///
    /// What the GSP sent back is copied to the start of `returned` (as much as fits) whenever a
    /// reply arrived, also one that does not carry the payload back: that is `EIO`, counted as
    /// an echo mismatch.
    pub(crate) fn echo(&self, payload: &[u8], returned: &mut [u8]) -> Result<u64> {
        let mut reply = KVec::from_elem(0u8, payload.len(), GFP_KERNEL)?;
        let start = Ktime::ktime_get();
        let (result, len) = self.rpc(function::EMU_ECHO, payload, &mut reply)?;
        let ns = Ktime::ktime_get().to_ns() - start.to_ns();
        let n = len.min(returned.len()).min(reply.len());
        returned[..n].copy_from_slice(&reply[..n]);
        if result != 0 || len != payload.len() || reply.as_slice() != payload {
            inc(&self.stats.echo_mismatches);
            inc(&self.stats.rpc_errors);
            return Err(EIO);
        }
        Ok(u64::try_from(ns).unwrap_or(0))
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
