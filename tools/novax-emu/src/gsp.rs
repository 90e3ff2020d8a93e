// SPDX-License-Identifier: MIT OR Apache-2.0

//! The GSP firmware model: boot and halt, answering RPCs, posting events, and carrying out the
//! test-control commands.
//!
//! The model is a state machine driven from outside by two calls: [`Gsp::poll`], at least once a
//! millisecond, and [`Gsp::doorbells`] when the guest rings. It never blocks and never waits: a
//! message that does not fit in the message queue stays pending and is retried on later polls
//! (the GPU never overwrites unread elements), and while too many messages are pending it stops
//! reading commands. Polling the rings and registers on every call, not only on doorbells,
//! means a lost doorbell delays the GPU by at most one poll and never hangs it.
//!
//! Everything the guest writes is untrusted: the command queue is read through
//! [`queue::receive`], which validates in the contract's order, and the guest's read pointer in
//! the message queue is range-checked before any space is assumed free. Bad input is counted and
//! logged, never followed and never a panic.
//!
//! Time is passed in (`now`, a monotonic clock reading) rather than read here, so the tests can
//! run the model deterministically.
//!
//! What survives a boot: the test-control handshake, an armed fault (faults apply to the next
//! posted messages whatever they are, including the next boot's GSP_INIT_DONE) and the periodic
//! event rate. What a boot resets: the queues' sequence numbers and pointers, pending messages,
//! a flood in progress, the stall, a `disappear` fault, the tick index and the STATS counters,
//! except the counters of what the driver did while it had the GSP halted ([`crate::watch`]),
//! which count from the emulator's start.

use crate::chip::Chip;
use crate::control::{copy_gpa, probe, translate, Command, Control, HaltStats, Request, Stats};
use crate::fault::{self, FaultKind, Faults, BAD_WRITE_PTR, SEQ_NUM_SKIP, WRITE_PTR_EXCURSION};
use crate::guest_ram::GuestRam;
use crate::mem::Mem;
use crate::mmu::{self, invalidate};
use crate::queue::{self, Reject, Rpc, RxOutcome};
use crate::regs::{
    function, BOOT_0_GONE, CMDQ, CTRL_DATA, EINVAL, EMU_GSP_CTRL, EMU_GSP_SHM_OFFSET,
    EMU_GSP_SHM_SIZE, EMU_GSP_STATE, EMU_INTR_ENABLE, EMU_INTR_STATUS, EMU_PEER_ID,
    EMU_PEER_ID_VALUE, EMU_SIGNATURE0, EMU_SIGNATURE1, EMU_VERSION, EMU_VERSION_VALUE,
    GSP_SHM_OFFSET, GSP_SHM_SIZE, GSP_STATE_DEAD, GSP_STATE_HALTED, GSP_STATE_RUNNING, INTR_GSP,
    MSGQ, MSG_COUNT, NV_ERR_NOT_SUPPORTED, NV_PMC_BOOT_0, NV_PMC_BOOT_42, PTE, RM_VASPACES_MAX,
    RPC_HDR_SIZE, SIGNATURE0_VALUE, SIGNATURE1_VALUE, STAT_TLB_HITS, STAT_TLB_INVALIDATES,
    STAT_TLB_MISSES,
};
use crate::rm::{self, Rm};
use crate::watch::Watch;
use crate::{log_debug, log_info};
use std::collections::VecDeque;
use std::time::Duration;

/// Messages that may wait for ring space before the GPU stops reading commands (and periodic
/// ticks are lost, visible to the driver as a gap in their index).
pub const PENDING_CAP: usize = 256;
/// Commands handled per poll at most, so one poll stays short.
pub const COMMANDS_PER_POLL: usize = 64;
/// Periodic ticks generated per poll at most when the emulator fell behind (e.g. it was
/// descheduled); beyond that the schedule restarts from now.
const MAX_TICK_CATCH_UP: u32 = 1000;

/// How the GPU is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The emulated chip.
    pub chip: Chip,
    /// Periodic tick events per second at start (0 = off); `EVENT_RATE` changes it.
    pub event_rate: u32,
}

/// The GSP's state, as `GSP_STATE` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not booted, or halted by `GSP_CTRL = 0`.
    Halted,
    /// Booted: reading commands, posting messages.
    Running,
    /// Fallen off the bus (`DISAPPEAR`) until the next boot.
    Dead,
}

/// A message waiting to be posted.
#[derive(Clone, Debug)]
struct Outgoing {
    rpc: Rpc,
    event: bool,
}

/// A `FLOOD` in progress.
#[derive(Clone, Copy, Debug)]
struct Flood {
    remaining: u32,
    rate: u32,
    start: Duration,
    sent: u64,
}

/// The GPU.
pub struct Gsp<M: Mem> {
    mem: M,
    cfg: Config,
    state: State,
    /// `GSP_CTRL` bit 0 as last seen, to notice the driver's writes.
    last_ctrl: u32,
    control: Control,
    stats: Stats,
    /// What the driver does while it has the GSP halted.
    watch: Watch,
    faults: Faults,
    stall: bool,
    event_rate: u32,
    /// Our read pointer in the command queue.
    cmdq_rptr: u32,
    /// The seqNum the next command should carry.
    cmdq_seq: u32,
    /// The command queue's write pointer is out of range (counted once per episode).
    cmdq_bad_wptr: bool,
    /// Our write pointer in the message queue.
    msgq_wptr: u32,
    /// seqNum of the next posted message.
    msgq_seq: u32,
    /// The guest's read pointer in the message queue is out of range (logged once).
    msgq_bad_rptr: bool,
    pending: VecDeque<Outgoing>,
    /// A `WRITE_PTR_RANGE` fault is showing 0xdead until then.
    excursion_until: Option<Duration>,
    tick_index: u64,
    next_tick: Option<Duration>,
    ticks_lost: u64,
    flood: Option<Flood>,
    error_logs: u32,
    /// Interrupts raised since the last [`Gsp::take_irq`].
    irqs: u32,
    /// The guest's RAM, if the GPU can reach it.
    ram: Option<GuestRam<Box<dyn Mem>>>,
    /// The GPU engines' translations, flushed only by the MMU invalidate registers.
    tlb: mmu::Tlb,
    /// MMU invalidates carried out.
    tlb_invalidates: u64,
    /// The resource manager's objects (GSP-RM's, so reset at every boot).
    rm: Rm,
    /// `RM_FAIL`: the NV status the next `GSP_RM_ALLOC` fails with (0: none).
    rm_fail_next_alloc: u32,
    /// `RM_FAIL`: the NV status the next `GSP_RM_CONTROL` fails with (0: none).
    rm_fail_next_control: u32,
}

impl<M: Mem> Gsp<M> {
    /// A halted GPU in `mem`, which is wiped and gets its registers.
    pub fn new(mem: M, cfg: Config) -> Self {
        let event_rate = cfg.event_rate;
        let mut gsp = Self {
            mem,
            cfg,
            state: State::Halted,
            last_ctrl: 0,
            control: Control::new(),
            stats: Stats::default(),
            watch: Watch::new(),
            faults: Faults::default(),
            stall: false,
            event_rate,
            cmdq_rptr: 0,
            cmdq_seq: 0,
            cmdq_bad_wptr: false,
            msgq_wptr: 0,
            msgq_seq: 0,
            msgq_bad_rptr: false,
            pending: VecDeque::new(),
            excursion_until: None,
            tick_index: 0,
            next_tick: None,
            ticks_lost: 0,
            flood: None,
            error_logs: 0,
            irqs: 0,
            ram: None,
            tlb: mmu::Tlb::new(),
            tlb_invalidates: 0,
            rm: Rm::new(),
            rm_fail_next_alloc: 0,
            rm_fail_next_control: 0,
        };
        gsp.reset();
        gsp
    }

    /// Gives the GPU the guest's RAM to reach by guest-physical address.
    pub fn attach_guest_ram(&mut self, ram: GuestRam<Box<dyn Mem>>) {
        self.ram = Some(ram);
    }

    /// The memory (BAR2).
    pub fn mem(&self) -> &M {
        &self.mem
    }

    /// The current configuration (the chip changes with `SET_CHIP_ID`).
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The memory, writable (tests act as the guest through it).
    pub fn mem_mut(&mut self) -> &mut M {
        &mut self.mem
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The STATS counters of the current boot.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The STATS counters of what the driver did while it had the GSP halted (since the
    /// emulator started).
    pub fn halt_stats(&self) -> HaltStats {
        self.watch.totals()
    }

    /// Periodic ticks lost because too many messages were pending (since the last boot).
    pub fn ticks_lost(&self) -> u64 {
        self.ticks_lost
    }

    /// Whether interrupts were raised since the last call: the caller then signals the guest's
    /// vector-0 eventfd.
    pub fn take_irq(&mut self) -> bool {
        std::mem::take(&mut self.irqs) > 0
    }

    /// Everything afresh, as for a new ivshmem client: the whole memory is wiped, the registers
    /// are filled in, the GSP is halted and the test-control block is at SEQ 0. The halt
    /// counters keep counting from the emulator's start; no halt is being watched.
    pub fn reset(&mut self) {
        let size = self.mem.size();
        self.mem.fill(0, size, 0);
        self.store_identity();
        self.mem.store_u32(EMU_SIGNATURE0, SIGNATURE0_VALUE);
        self.mem.store_u32(EMU_SIGNATURE1, SIGNATURE1_VALUE);
        self.mem.store_u32(EMU_VERSION, EMU_VERSION_VALUE);
        self.mem
            .store_u32(EMU_GSP_SHM_OFFSET, GSP_SHM_OFFSET as u32);
        self.mem.store_u32(EMU_GSP_SHM_SIZE, GSP_SHM_SIZE as u32);
        self.mem.store_u32(EMU_PEER_ID, EMU_PEER_ID_VALUE);
        self.tlb.invalidate_all();
        self.set_state(State::Halted);
        self.last_ctrl = 0;
        self.control = Control::new();
        self.stats = Stats::default();
        self.faults.clear();
        self.stall = false;
        self.event_rate = self.cfg.event_rate;
        self.error_logs = 0;
        self.clear_run_state();
        self.watch.end();
        self.store_stats();
    }

    fn store_stats(&mut self) {
        self.stats.store(&mut self.mem);
        self.watch.store(&mut self.mem);
        let (hits, misses) = self.tlb.counts();
        self.mem
            .store_u64(STAT_TLB_INVALIDATES, self.tlb_invalidates);
        self.mem.store_u64(STAT_TLB_HITS, hits);
        self.mem.store_u64(STAT_TLB_MISSES, misses);
    }

    /// `RM_OBJECTS`: the object count and the VA spaces into DATA.
    fn store_rm_objects(&mut self) {
        let spaces = self.rm.vaspaces();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.mem.store_u32(CTRL_DATA, count(self.rm.objects()));
        self.mem.store_u32(CTRL_DATA + 4, count(spaces.len()));
        for (i, (client, handle, pdb)) in spaces.into_iter().take(RM_VASPACES_MAX).enumerate() {
            let at = CTRL_DATA + 0x10 + 16 * i;
            self.mem.store_u32(at, client);
            self.mem.store_u32(at + 4, handle);
            self.mem.store_u64(at + 8, pdb);
        }
    }

    /// The MMU's part of a step: a pending invalidate (the MMU is not the GSP: it works whatever
    /// the GSP's state).
    fn service_mmu(&mut self) {
        if let Some(scope) = invalidate::service(&mut self.mem, &mut self.tlb) {
            self.tlb_invalidates += 1;
            log_debug!("MMU invalidate: {scope:x?}");
        }
    }

    /// The guest rang the GPU's doorbell once: [`Gsp::doorbells`] with one ring.
    pub fn doorbell(&mut self, now: Duration) {
        self.doorbells(now, 1);
    }

    /// The guest rang the GPU's doorbell `rings` times (as many as the eventfd counted).
    ///
    /// Besides what [`Gsp::poll`] does, a doorbell with `GSP_CTRL = 1` boots a GSP that is not
    /// running, or whose message queue headers were wiped: that is a driver that initialised
    /// the shared memory afresh without the GPU seeing `GSP_CTRL` go through 0 (a guest reboot,
    /// or an unbind and bind within one poll). Rings that do not boot it while the driver has
    /// it halted are counted as accesses after the halt.
    pub fn doorbells(&mut self, now: Duration, rings: u64) {
        if self.mem.load_u32(EMU_GSP_CTRL) & 1 == 1 {
            let wiped = !queue::headers_valid(&self.mem, MSGQ);
            let boot = match self.state {
                State::Halted => true,
                State::Running | State::Dead => wiped,
            };
            if boot {
                self.last_ctrl = 1;
                self.boot(now);
            }
        }
        self.watch.doorbells(rings);
        self.poll(now);
    }

    /// Whether the GPU wants to be stepped again at once rather than after a [`TICK`]: during
    /// an unlimited flood, so that it refills the message queue as soon as the driver has made
    /// room and a flood's rate is the driver's, not the GPU's clock (a 1 ms clock capped it at
    /// one ring per millisecond).
    ///
    /// [`TICK`]: crate::server::TICK
    pub fn busy(&self) -> bool {
        matches!(self.flood, Some(Flood { rate: 0, .. }))
            && !self.stall
            && self.state == State::Running
    }

    /// One step: the test-control block, `GSP_CTRL` (or, while the driver has the GSP halted,
    /// every word it writes), then (when running) the fault timer, the event sources, the
    /// command queue and the pending messages.
    pub fn poll(&mut self, now: Duration) {
        self.service_mmu();
        self.poll_control(now);
        let ctrl = self.mem.load_u32(EMU_GSP_CTRL) & 1;
        if ctrl != self.last_ctrl {
            self.last_ctrl = ctrl;
            if ctrl == 1 {
                self.boot(now);
            } else {
                self.halt();
            }
        } else {
            self.watch.check(&self.mem);
        }
        if self.state == State::Running && !queue::headers_valid(&self.mem, MSGQ) {
            // The driver is initialising the shared memory again; it will ring once done.
            log_info!("message queue headers overwritten: GSP halted until the driver boots it");
            self.set_state(State::Halted);
            self.clear_run_state();
        }
        if self.state == State::Running {
            self.end_excursion(now);
            self.generate_events(now);
            self.process_commands();
            self.flush(now);
            self.retrigger_irq();
        }
        self.store_stats();
    }

    /// The GSP interrupt is level-triggered: while messages the guest has not read remain and the
    /// interrupt is enabled and not pending, it is raised again (as when a driver unmasks with
    /// work left and rings the doorbell to have the GPU look).
    fn retrigger_irq(&mut self) {
        let enabled = self.mem.load_u32(EMU_INTR_ENABLE) & INTR_GSP != 0;
        let pending = self.mem.load_u32(EMU_INTR_STATUS) & INTR_GSP != 0;
        let guest_rptr = queue::rx_read_ptr(&self.mem, CMDQ);
        if enabled && !pending && guest_rptr != self.msgq_wptr && self.excursion_until.is_none() {
            self.raise_irq();
        }
    }

    fn store_identity(&mut self) {
        self.mem.store_u32(NV_PMC_BOOT_0, self.cfg.chip.boot0);
        self.mem.store_u32(NV_PMC_BOOT_42, self.cfg.chip.boot42);
    }

    fn set_state(&mut self, state: State) {
        self.state = state;
        let v = match state {
            State::Halted => GSP_STATE_HALTED,
            State::Running => GSP_STATE_RUNNING,
            State::Dead => GSP_STATE_DEAD,
        };
        self.mem.store_u32(EMU_GSP_STATE, v);
    }

    /// Forgets everything about the current boot's queues.
    fn clear_run_state(&mut self) {
        self.cmdq_rptr = 0;
        self.cmdq_seq = 0;
        self.cmdq_bad_wptr = false;
        self.msgq_wptr = 0;
        self.msgq_seq = 0;
        self.msgq_bad_rptr = false;
        self.pending.clear();
        self.excursion_until = None;
        self.tick_index = 0;
        self.next_tick = None;
        self.ticks_lost = 0;
        self.flood = None;
    }

    fn boot(&mut self, now: Duration) {
        let halted = self.watch.end();
        self.clear_run_state();
        self.rm.reset();
        self.stall = false;
        self.stats = Stats::default();
        self.store_identity();
        queue::init_headers(&mut self.mem, MSGQ);
        if !queue::headers_valid(&self.mem, CMDQ) {
            log_info!("command queue headers differ from the contract; using the contract's");
        }
        let pte0 = self.mem.load_u64(PTE);
        if pte0 != GSP_SHM_OFFSET as u64 {
            log_info!("page table entry 0 is {pte0:#x}, expected {GSP_SHM_OFFSET:#x}");
        }
        self.set_state(State::Running);
        log_info!(
            "GSP boot (BOOT_0 {:#010x}, {}, event rate {}/s{}{})",
            self.cfg.chip.boot0,
            self.cfg.chip.name,
            self.event_rate,
            match self.faults.armed() {
                Some((k, n)) => format!(", fault {} armed for {n}", k.name()),
                None => String::new(),
            },
            match halted {
                Some(w) => format!(
                    "; while halted: {} doorbells, {} register writes (re-initialisation \
                     included)",
                    w.doorbells, w.writes
                ),
                None => String::new(),
            }
        );
        self.push_event(function::GSP_INIT_DONE, Vec::new());
        self.flush(now);
    }

    fn halt(&mut self) {
        let s = self.stats;
        let h = self.watch.totals();
        log_info!(
            "GSP halt {}: posted {} (events {}), commands {}, bad commands {}, interrupts {}, \
             faults {}, ticks lost {}; while halted since start: {} doorbells, {} register writes",
            h.halts + 1,
            s.posted,
            s.events,
            s.commands,
            s.bad_commands,
            s.interrupts,
            s.faults,
            self.ticks_lost,
            h.doorbells,
            h.writes
        );
        self.watch.halt(&self.mem);
        if self.state != State::Dead {
            // A dead GPU stays dead until the next boot.
            self.set_state(State::Halted);
        }
        self.clear_run_state();
    }

    fn disappear(&mut self) {
        log_info!("GPU disappears: BOOT_0 reads {BOOT_0_GONE:#x} until the next boot");
        self.mem.store_u32(NV_PMC_BOOT_0, BOOT_0_GONE);
        self.mem.store_u32(NV_PMC_BOOT_42, BOOT_0_GONE);
        self.set_state(State::Dead);
        self.clear_run_state();
    }

    fn poll_control(&mut self, now: Duration) {
        let Some(req) = self.control.poll(&self.mem) else {
            return;
        };
        let result = self.execute(&req, now);
        self.control.complete(&mut self.mem, &req, result);
    }

    /// Carries out a test command. `FLOOD` is acknowledged once it has started (the events
    /// that fit are queued), not when its last event is posted. `FLOOD` and `ERROR_LOG` while
    /// the GSP is not running do nothing (RESULT 0): there is no queue to post to.
    /// Returns the RESULT.
    fn execute(&mut self, req: &Request, now: Duration) -> u32 {
        let (c, a0, a1, a2) = req.raw;
        let Some(command) = req.command else {
            log_info!("test command {c} ({a0:#x}, {a1:#x}, {a2:#x}): invalid, RESULT EINVAL");
            return EINVAL;
        };
        log_info!("test command {command:?}");
        let running = self.state == State::Running;
        match command {
            Command::Fault { kind, count } => self.faults.arm(kind, count),
            Command::Flood { count, rate } => {
                if running && count > 0 {
                    self.flood = Some(Flood {
                        remaining: count,
                        rate,
                        start: now,
                        sent: 0,
                    });
                    self.generate_events(now);
                    self.flush(now);
                } else if !running {
                    log_info!("FLOOD ignored: GSP not running");
                }
            }
            Command::Stall(on) => self.stall = on,
            Command::Disappear => self.disappear(),
            Command::EventRate(rate) => {
                self.event_rate = rate;
                self.next_tick = None;
            }
            Command::SetChipId { boot0, boot42 } => {
                self.cfg.chip = Chip::from_ids(boot0, boot42);
                log_info!(
                    "now {}: BOOT_0 {boot0:#010x}, BOOT_42 {boot42:#010x}",
                    self.cfg.chip.name
                );
                if self.state != State::Dead {
                    self.store_identity();
                }
            }
            Command::ErrorLog => {
                if running {
                    self.error_logs += 1;
                    let text = format!("novax-emu: test error log {}\0", self.error_logs);
                    self.push_event(function::OS_ERROR_LOG, text.into_bytes());
                    self.flush(now);
                } else {
                    log_info!("ERROR_LOG ignored: GSP not running");
                }
            }
            Command::Translate { va } => {
                return translate(&mut self.mem, self.ram.as_ref(), va);
            }
            Command::RmObjects => {
                self.store_rm_objects();
                return 0;
            }
            Command::RmFail { status, control } => match control {
                false => self.rm_fail_next_alloc = status,
                true => self.rm_fail_next_control = status,
            },
            Command::Probe { count } => {
                return probe(&mut self.mem, self.ram.as_ref(), &mut self.tlb, count);
            }
            Command::ReadGpa { .. } | Command::WriteGpa { .. } => {
                let result = copy_gpa(&mut self.mem, self.ram.as_mut(), command);
                if result != 0 {
                    log_info!("{command:x?}: RESULT {result}");
                }
                return result;
            }
        }
        0
    }

    fn push_event(&mut self, function: u32, payload: Vec<u8>) {
        self.pending.push_back(Outgoing {
            rpc: Rpc {
                function,
                result: 0,
                sequence: 0,
                payload,
            },
            event: true,
        });
    }

    fn push_tick(&mut self, now: Duration) {
        let mut payload = Vec::with_capacity(16);
        payload.extend_from_slice(&self.tick_index.to_le_bytes());
        payload.extend_from_slice(&(now.as_nanos() as u64).to_le_bytes());
        self.tick_index += 1;
        self.push_event(function::EMU_TICK, payload);
    }

    /// Free elements in the message queue not yet claimed by pending messages.
    fn ring_room(&self) -> usize {
        if self.excursion_until.is_some() {
            return 0;
        }
        let rptr = queue::rx_read_ptr(&self.mem, CMDQ);
        if rptr >= MSG_COUNT {
            return 0;
        }
        let claimed: usize = self
            .pending
            .iter()
            .map(|o| queue::elem_count_for(RPC_HDR_SIZE + o.rpc.payload.len()))
            .sum();
        (queue::free(rptr, self.msgq_wptr) as usize).saturating_sub(claimed)
    }

    fn generate_events(&mut self, now: Duration) {
        if self.event_rate > 0 {
            let period = Duration::from_nanos((1_000_000_000 / u64::from(self.event_rate)).max(1));
            let mut due = *self.next_tick.get_or_insert(now + period);
            let mut n = 0;
            while now >= due {
                if n == MAX_TICK_CATCH_UP {
                    due = now + period;
                    break;
                }
                if self.pending.len() < PENDING_CAP {
                    self.push_tick(now);
                } else {
                    // Never overwrite, never grow without bound: the driver sees the gap.
                    self.tick_index += 1;
                    self.ticks_lost += 1;
                }
                due += period;
                n += 1;
            }
            self.next_tick = Some(due);
        }
        if let Some(mut f) = self.flood.take() {
            let allowed = if f.rate == 0 {
                u64::from(f.remaining)
            } else {
                let elapsed = now.saturating_sub(f.start).as_nanos();
                let due = (elapsed * u128::from(f.rate) / 1_000_000_000) as u64 + 1;
                due.saturating_sub(f.sent).min(u64::from(f.remaining))
            };
            // Ticks are generated only when they fit, so a flood waits for ring space.
            let n = allowed.min(self.ring_room() as u64);
            for _ in 0..n {
                self.push_tick(now);
            }
            // n <= f.remaining, a u32.
            f.remaining -= n as u32;
            f.sent += n;
            if f.remaining > 0 {
                self.flood = Some(f);
            } else {
                log_info!("flood done: {} events", f.sent);
            }
        }
    }

    fn set_cmdq_rptr(&mut self, rptr: u32) {
        self.cmdq_rptr = rptr;
        queue::set_rx_read_ptr(&mut self.mem, MSGQ, rptr);
    }

    fn process_commands(&mut self) {
        if self.stall {
            return;
        }
        for _ in 0..COMMANDS_PER_POLL {
            if self.pending.len() >= PENDING_CAP {
                break;
            }
            let wptr = queue::write_ptr(&self.mem, CMDQ);
            match queue::receive(&self.mem, CMDQ, self.cmdq_rptr, wptr) {
                RxOutcome::Empty => {
                    self.cmdq_bad_wptr = false;
                    break;
                }
                RxOutcome::Rejected {
                    reason: Reject::WritePtr,
                    ..
                } => {
                    if !self.cmdq_bad_wptr {
                        self.cmdq_bad_wptr = true;
                        self.stats.bad_commands += 1;
                        log_info!("command queue write pointer {wptr:#x} out of range: waiting");
                    }
                    break;
                }
                RxOutcome::Rejected { reason, next_rptr } => {
                    self.cmdq_bad_wptr = false;
                    self.stats.bad_commands += 1;
                    log_info!(
                        "bad command at element {}: {}; read pointer -> {next_rptr}",
                        self.cmdq_rptr,
                        reason.describe()
                    );
                    self.set_cmdq_rptr(next_rptr);
                }
                RxOutcome::Message(m) => {
                    self.cmdq_bad_wptr = false;
                    self.stats.commands += 1;
                    self.set_cmdq_rptr((self.cmdq_rptr + m.elems) % MSG_COUNT);
                    self.handle(m);
                }
            }
        }
    }

    fn handle(&mut self, m: queue::Received) {
        if m.seq_num != self.cmdq_seq {
            log_debug!("command seqNum {} (expected {})", m.seq_num, self.cmdq_seq);
        }
        self.cmdq_seq = m.seq_num.wrapping_add(1);
        let rpc = m.rpc;
        log_debug!(
            "command {:#x} sequence {} payload {} bytes",
            rpc.function,
            rpc.sequence,
            rpc.payload.len()
        );
        let (result, payload) = match rpc.function {
            function::EMU_ECHO => (0, rpc.payload),
            function::EMU_STATIC_INFO => (0, self.cfg.chip.static_info()),
            rm::function::GSP_RM_ALLOC if self.rm_fail_next_alloc != 0 => {
                let status = std::mem::take(&mut self.rm_fail_next_alloc);
                failed_on_request(rpc.payload, "GSP_RM_ALLOC", rm::alloc_hdr::STATUS, status)
            }
            rm::function::GSP_RM_CONTROL if self.rm_fail_next_control != 0 => {
                let status = std::mem::take(&mut self.rm_fail_next_control);
                failed_on_request(
                    rpc.payload,
                    "GSP_RM_CONTROL",
                    rm::control_hdr::STATUS,
                    status,
                )
            }
            f => match self.rm.handle(f, &rpc.payload) {
                Some((result, reply)) => (result, reply),
                None => (NV_ERR_NOT_SUPPORTED, Vec::new()),
            },
        };
        self.pending.push_back(Outgoing {
            rpc: Rpc {
                function: rpc.function,
                result,
                sequence: rpc.sequence,
                payload,
            },
            event: false,
        });
    }

    fn raise_irq(&mut self) {
        if self.mem.load_u32(EMU_INTR_ENABLE) & INTR_GSP != 0 {
            self.mem.or_u32(EMU_INTR_STATUS, INTR_GSP);
            self.stats.interrupts += 1;
            self.irqs += 1;
        }
    }

    fn end_excursion(&mut self, now: Duration) {
        if self.excursion_until.is_some_and(|t| now >= t) {
            self.excursion_until = None;
            queue::publish_write_ptr(&mut self.mem, MSGQ, self.msgq_wptr);
            log_info!("message queue write pointer restored to {}", self.msgq_wptr);
            self.raise_irq();
        }
    }

    /// Posts pending messages while they fit, then publishes the write pointer and raises the
    /// interrupt.
    fn flush(&mut self, now: Duration) {
        if self.excursion_until.is_some() {
            return;
        }
        let mut wrote = false;
        while let Some(front) = self.pending.front() {
            let peer_rptr = queue::rx_read_ptr(&self.mem, CMDQ);
            if peer_rptr >= MSG_COUNT {
                if !self.msgq_bad_rptr {
                    self.msgq_bad_rptr = true;
                    log_info!("message queue read pointer {peer_rptr:#x} out of range: waiting");
                }
                break;
            }
            self.msgq_bad_rptr = false;
            let elems = queue::elem_count_for(RPC_HDR_SIZE + front.rpc.payload.len());
            if elems > queue::free(peer_rptr, self.msgq_wptr) as usize {
                break;
            }
            let Some(out) = self.pending.pop_front() else {
                break;
            };
            let fault = self.faults.take();
            if fault == Some(FaultKind::BadSeqNum) {
                self.msgq_seq = self.msgq_seq.wrapping_add(SEQ_NUM_SKIP);
            }
            let mut bytes = queue::encode(self.msgq_seq, &out.rpc);
            if let Some(kind) = fault {
                fault::corrupt(kind, &mut bytes);
                self.stats.faults += 1;
                log_info!(
                    "fault injected: {} in message {:#x} (seqNum {})",
                    kind.name(),
                    out.rpc.function,
                    self.msgq_seq
                );
            }
            self.msgq_seq = self.msgq_seq.wrapping_add(1);
            match queue::post(&mut self.mem, MSGQ, self.msgq_wptr, peer_rptr, &bytes) {
                Ok(wptr) => self.msgq_wptr = wptr,
                Err(e) => {
                    // Only a message bigger than the ring gets here: it can never be posted.
                    log_info!("message {:#x} dropped: {e:?}", out.rpc.function);
                    continue;
                }
            }
            self.stats.posted += 1;
            if out.event {
                self.stats.events += 1;
            }
            wrote = true;
            if fault == Some(FaultKind::WritePtrRange) {
                queue::publish_write_ptr(&mut self.mem, MSGQ, BAD_WRITE_PTR);
                self.excursion_until = Some(now + WRITE_PTR_EXCURSION);
                self.raise_irq();
                return;
            }
        }
        if wrote {
            queue::publish_write_ptr(&mut self.mem, MSGQ, self.msgq_wptr);
            self.raise_irq();
        }
    }
}

#[cfg(test)]
mod tests;

/// The reply to an RM RPC that `RM_FAIL` fails: the request with `status` at `at`, not carried
/// out (`rpc_result` INVALID_ARGUMENT if the payload is too short to hold the field).
fn failed_on_request(mut reply: Vec<u8>, what: &str, at: usize, status: u32) -> (u32, Vec<u8>) {
    log_info!("{what} failed on request: {}", rm::status::name(status));
    match reply.get_mut(at..at + 4) {
        Some(field) => {
            field.copy_from_slice(&status.to_le_bytes());
            (0, reply)
        }
        None => (rm::status::INVALID_ARGUMENT, reply),
    }
}
