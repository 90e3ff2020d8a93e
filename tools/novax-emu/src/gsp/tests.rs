// SPDX-License-Identifier: MIT OR Apache-2.0

//! Tests of the firmware model: a minimal driver (`Guest`) works on a plain buffer and steps
//! the GPU with a simulated clock, so timing-dependent behaviour (fault windows, event rates)
//! is deterministic.

use super::*;
use crate::fault::FaultKind;
use crate::mem::VecMem;
use crate::queue::{
    checksum32, encode, get_u32, headers_valid, init_headers, publish_write_ptr, Received,
};
use crate::regs::{
    cmd, elem, CTRL_ACK, CTRL_ARG0, CTRL_ARG1, CTRL_ARG2, CTRL_CMD, CTRL_DATA, CTRL_DATA_SIZE,
    CTRL_RESULT, CTRL_SEQ, EFAULT, EMU_REGS, ENODEV, NV_PGSP_QUEUE_HEAD, SHM_SIZE,
};

const MS: Duration = Duration::from_millis(1);

/// A minimal driver acting on the GPU's memory.
struct Guest {
    gsp: Gsp<VecMem>,
    now: Duration,
    /// Our read pointer in the message queue.
    rptr: u32,
    /// Our write pointer in the command queue.
    wptr: u32,
    seq: u32,
    sequence: u32,
}

impl Guest {
    fn new() -> Self {
        Self::with(Config {
            chip: Chip::default_chip(),
            event_rate: 0,
        })
    }

    fn with(cfg: Config) -> Self {
        Self {
            gsp: Gsp::new(VecMem::new(SHM_SIZE), cfg),
            now: Duration::from_secs(1000),
            rptr: 0,
            wptr: 0,
            seq: 0,
            sequence: 0,
        }
    }

    fn mem(&mut self) -> &mut VecMem {
        self.gsp.mem_mut()
    }

    fn r32(&self, off: usize) -> u32 {
        self.gsp.mem().load_u32(off)
    }

    /// The driver's boot handshake.
    fn boot(&mut self, intr: bool) {
        let m = self.gsp.mem_mut();
        m.fill(GSP_SHM_OFFSET, GSP_SHM_SIZE, 0);
        for i in 0..GSP_SHM_SIZE / 0x1000 {
            m.store_u64(PTE + i * 8, (GSP_SHM_OFFSET + i * 0x1000) as u64);
        }
        init_headers(m, CMDQ);
        m.store_u32(EMU_INTR_ENABLE, intr as u32);
        m.store_u32(EMU_GSP_CTRL, 1);
        self.rptr = 0;
        self.wptr = 0;
        self.seq = 0;
        self.gsp.doorbell(self.now);
    }

    /// The driver's unbind: GSP_CTRL = 0, then a poll.
    fn halt(&mut self) {
        self.mem().store_u32(EMU_GSP_CTRL, 0);
        self.tick(MS);
    }

    fn tick(&mut self, d: Duration) {
        self.now += d;
        self.gsp.poll(self.now);
    }

    fn send_raw(&mut self, msg: &[u8]) {
        let gsp_rptr = queue::rx_read_ptr(self.gsp.mem(), MSGQ);
        let w = queue::post(self.gsp.mem_mut(), CMDQ, self.wptr, gsp_rptr, msg).unwrap();
        self.wptr = w;
        publish_write_ptr(self.gsp.mem_mut(), CMDQ, w);
    }

    /// Queues a command (without ringing); returns its sequence.
    fn queue(&mut self, function: u32, payload: &[u8]) -> u32 {
        self.sequence += 1;
        let msg = encode(
            self.seq,
            &Rpc {
                function,
                result: 0,
                sequence: self.sequence,
                payload: payload.to_vec(),
            },
        );
        self.seq += 1;
        self.send_raw(&msg);
        self.sequence
    }

    fn call(&mut self, function: u32, payload: &[u8]) -> u32 {
        let s = self.queue(function, payload);
        self.gsp.doorbell(self.now);
        s
    }

    /// Reads everything the GPU posted.
    fn drain(&mut self) -> Vec<RxOutcome> {
        let mut out = Vec::new();
        loop {
            let wptr = queue::write_ptr(self.gsp.mem(), MSGQ);
            let r = queue::receive(self.gsp.mem(), MSGQ, self.rptr, wptr);
            match &r {
                RxOutcome::Empty => break,
                RxOutcome::Message(m) => self.rptr = (self.rptr + m.elems) % MSG_COUNT,
                RxOutcome::Rejected { reason, next_rptr } => {
                    let stuck = *reason == Reject::WritePtr;
                    self.rptr = *next_rptr;
                    if stuck {
                        out.push(r);
                        break;
                    }
                }
            }
            out.push(r);
        }
        let rptr = self.rptr;
        queue::set_rx_read_ptr(self.gsp.mem_mut(), CMDQ, rptr);
        out
    }

    fn messages(&mut self) -> Vec<Received> {
        self.drain()
            .into_iter()
            .map(|r| match r {
                RxOutcome::Message(m) => m,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    fn control(&mut self, c: u32, a0: u32, a1: u32) -> u32 {
        let m = self.gsp.mem_mut();
        m.store_u32(CTRL_CMD, c);
        m.store_u32(CTRL_ARG0, a0);
        m.store_u32(CTRL_ARG1, a1);
        let seq = m.load_u32(CTRL_SEQ) + 1;
        m.store_u32(CTRL_SEQ, seq);
        self.tick(MS);
        assert_eq!(self.r32(CTRL_ACK), seq);
        self.r32(CTRL_RESULT)
    }
}

fn tick_index(m: &Received) -> u64 {
    assert_eq!(m.rpc.function, function::EMU_TICK);
    u64::from_le_bytes(m.rpc.payload[..8].try_into().unwrap())
}

#[test]
fn set_chip_id_until_exit() {
    let mut g = Guest::new();
    assert_eq!(g.control(cmd::SET_CHIP_ID, 0x1620_00a1, 0x162a_1000), 0);
    assert_eq!((g.r32(0), g.r32(0xa00)), (0x1620_00a1, 0x162a_1000));
    // A new boot (a guest reboot wipes everything) keeps the chip.
    g.gsp.reset();
    assert_eq!((g.r32(0), g.r32(0xa00)), (0x1620_00a1, 0x162a_1000));
    assert_eq!(g.gsp.config().chip.name, "TU102");
}

#[test]
fn registers_after_reset() {
    let g = Guest::new();
    assert_eq!(g.r32(0), 0x1920_00a1);
    assert_eq!(g.r32(0xa00), 0x192a_1000);
    assert_eq!(g.r32(EMU_REGS), 0x5856_4f4e);
    assert_eq!(g.r32(EMU_REGS + 4), 0x3155_4d45);
    assert_eq!(g.r32(EMU_REGS + 8), 1);
    assert_eq!(g.r32(EMU_REGS + 0xc), 0x1000000);
    assert_eq!(g.r32(EMU_REGS + 0x10), 0x100000);
    assert_eq!(g.r32(EMU_REGS + 0x1c), 0);
    assert_eq!(g.r32(EMU_REGS + 0x24), 0);
    assert_eq!(g.gsp.state(), State::Halted);
}

#[test]
fn nothing_happens_before_boot() {
    let mut g = Guest::new();
    init_headers(g.mem(), CMDQ);
    g.queue(function::EMU_ECHO, b"x");
    g.gsp.doorbell(g.now);
    g.tick(MS);
    assert_eq!(queue::write_ptr(g.gsp.mem(), MSGQ), 0);
    assert!(!headers_valid(g.gsp.mem(), MSGQ));
    assert_eq!(g.gsp.stats(), Stats::default());
    // The driver's first probe is no access after a halt.
    assert_eq!(HaltStats::load(g.gsp.mem()), HaltStats::default());
}

#[test]
fn boot_posts_init_done_and_interrupts() {
    let mut g = Guest::new();
    g.boot(true);
    assert_eq!(g.gsp.state(), State::Running);
    assert_eq!(g.r32(EMU_GSP_STATE), 1);
    assert!(headers_valid(g.gsp.mem(), MSGQ));
    assert!(g.gsp.take_irq());
    assert!(!g.gsp.take_irq());
    assert_eq!(g.r32(EMU_INTR_STATUS), 1);
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].seq_num, 0);
    assert_eq!(m[0].elems, 1);
    assert_eq!(m[0].rpc.function, function::GSP_INIT_DONE);
    assert_eq!(m[0].rpc.sequence, 0);
    assert!(m[0].rpc.payload.is_empty());
    let s = Stats::load(g.gsp.mem());
    assert_eq!((s.posted, s.events, s.interrupts), (1, 1, 1));
}

#[test]
fn no_interrupt_when_disabled() {
    let mut g = Guest::new();
    g.boot(false);
    assert!(!g.gsp.take_irq());
    assert_eq!(g.r32(EMU_INTR_STATUS), 0);
    assert_eq!(g.messages().len(), 1);
    assert_eq!(g.gsp.stats().interrupts, 0);
}

#[test]
fn boot_without_doorbell() {
    let mut g = Guest::new();
    g.mem().store_u32(EMU_GSP_CTRL, 1);
    init_headers(g.mem(), CMDQ);
    g.tick(MS);
    assert_eq!(g.gsp.state(), State::Running);
    // A command without a doorbell is answered on the next poll.
    let s = g.queue(function::EMU_ECHO, b"no doorbell");
    g.tick(MS);
    let m = g.messages();
    assert_eq!(m.len(), 2);
    assert_eq!(m[1].rpc.sequence, s);
    assert_eq!(m[1].rpc.payload, b"no doorbell");
}

#[test]
fn rpcs() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    let payload: Vec<u8> = (0..16384u32).map(|i| (i * 7 + 3) as u8).collect();
    let s1 = g.call(function::EMU_ECHO, &payload);
    let s2 = g.call(function::EMU_ECHO, &[]);
    let s3 = g.call(function::EMU_STATIC_INFO, &[]);
    let s4 = g.call(0x1234, b"whatever");
    let m = g.messages();
    assert_eq!(m.len(), 4);
    assert_eq!(
        m.iter().map(|m| m.seq_num).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!((m[0].rpc.sequence, m[0].rpc.result), (s1, 0));
    assert_eq!(m[0].rpc.function, function::EMU_ECHO);
    assert_eq!(m[0].elems, 5);
    assert_eq!(m[0].rpc.payload, payload);
    assert_eq!((m[1].rpc.sequence, m[1].rpc.payload.len()), (s2, 0));
    assert_eq!(m[2].rpc.sequence, s3);
    assert_eq!(m[2].rpc.payload, Chip::default_chip().static_info());
    assert_eq!(m[3].rpc.sequence, s4);
    assert_eq!(m[3].rpc.function, 0x1234);
    assert_eq!(m[3].rpc.result, 0x56); // NV_ERR_NOT_SUPPORTED
    assert!(m[3].rpc.payload.is_empty());
    let s = g.gsp.stats();
    assert_eq!((s.commands, s.posted, s.events), (4, 5, 1));
    // Our read pointer in the command queue caught up with the driver's write pointer.
    assert_eq!(queue::rx_read_ptr(g.gsp.mem(), MSGQ), g.wptr);
}

#[test]
fn bad_commands_are_counted_and_skipped() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    // Bad checksum, then a good command: only the good one is answered.
    let mut bad = encode(
        0,
        &Rpc {
            function: function::EMU_ECHO,
            result: 0,
            sequence: 99,
            payload: vec![1; 10],
        },
    );
    bad[85] ^= 0xff; // a payload byte
    g.send_raw(&bad);
    let s = g.call(function::EMU_ECHO, b"ok");
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rpc.sequence, s);
    assert_eq!(g.gsp.stats().bad_commands, 1);
    assert_eq!(g.gsp.stats().commands, 1);
    // An insane element count drops everything queued.
    let mut huge = encode(
        1,
        &Rpc {
            function: function::EMU_ECHO,
            result: 0,
            sequence: 100,
            payload: vec![],
        },
    );
    crate::queue::put_u32(&mut huge, elem::ELEM_COUNT, 50);
    queue::seal(&mut huge);
    g.send_raw(&huge);
    g.queue(function::EMU_ECHO, b"dropped");
    g.gsp.doorbell(g.now);
    assert!(g.messages().is_empty());
    assert_eq!(g.gsp.stats().bad_commands, 2);
    assert_eq!(queue::rx_read_ptr(g.gsp.mem(), MSGQ), g.wptr);
    // A write pointer out of range is counted once, however long it lasts.
    publish_write_ptr(g.mem(), CMDQ, 63);
    for _ in 0..10 {
        g.tick(MS);
    }
    assert_eq!(g.gsp.stats().bad_commands, 3);
    publish_write_ptr(g.mem(), CMDQ, 0xffff_ffff);
    g.tick(MS);
    assert_eq!(g.gsp.stats().bad_commands, 3);
    // Back to normal.
    let w = g.wptr;
    publish_write_ptr(g.mem(), CMDQ, w);
    let s = g.call(function::EMU_ECHO, b"again");
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rpc.sequence, s);
    assert_eq!(g.gsp.stats().bad_commands, 3);
}

#[test]
fn flood_waits_for_ring_space_and_loses_nothing() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    assert_eq!(g.control(cmd::FLOOD, 200, 0), 0);
    // The driver does not read: exactly 62 elements get written, nothing is overwritten.
    for _ in 0..5 {
        g.tick(MS);
    }
    let wptr = queue::write_ptr(g.gsp.mem(), MSGQ);
    assert_eq!(queue::used(g.rptr, wptr), 62);
    assert_eq!(g.gsp.stats().events, 1 + 62);
    // A command meanwhile is answered once there is room again.
    let s = g.call(function::EMU_ECHO, b"late");
    let mut indices = Vec::new();
    let mut reply = None;
    for _ in 0..20 {
        for m in g.messages() {
            if m.rpc.function == function::EMU_ECHO {
                reply = Some(m.rpc.sequence);
            } else {
                indices.push(tick_index(&m));
            }
        }
        g.tick(MS);
    }
    assert_eq!(indices, (0..200).collect::<Vec<_>>());
    assert_eq!(reply, Some(s));
    assert_eq!(g.gsp.stats().events, 201);
    // seqNums had no gap: the messages came through the checks of `messages()`.
}

#[test]
fn busy_only_during_an_unlimited_flood() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    assert!(!g.gsp.busy(), "idle");
    g.control(cmd::FLOOD, 100, 0);
    assert!(g.gsp.busy(), "unlimited flood");
    for _ in 0..10 {
        g.messages();
        g.tick(MS);
    }
    assert!(!g.gsp.busy(), "flood done");
    g.control(cmd::FLOOD, 100, 10);
    assert!(!g.gsp.busy(), "a rate-limited flood follows the clock");
}

#[test]
fn flood_with_rate() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    // 10 per second: the first at once, then one per 100 ms.
    g.control(cmd::FLOOD, 5, 10);
    assert_eq!(g.messages().len(), 1);
    g.tick(Duration::from_millis(50));
    assert_eq!(g.messages().len(), 0);
    g.tick(Duration::from_millis(51));
    assert_eq!(g.messages().len(), 1);
    g.tick(Duration::from_secs(10));
    let m = g.messages();
    assert_eq!(m.iter().map(tick_index).collect::<Vec<_>>(), [2, 3, 4]);
}

#[test]
fn periodic_events_and_lost_ticks() {
    let mut g = Guest::with(Config {
        chip: Chip::default_chip(),
        event_rate: 1000,
    });
    g.boot(true);
    for _ in 0..10 {
        g.tick(MS);
    }
    let m = g.messages();
    assert_eq!(m[0].rpc.function, function::GSP_INIT_DONE);
    let idx: Vec<u64> = m[1..].iter().map(tick_index).collect();
    assert_eq!(idx, (0..10).collect::<Vec<_>>());
    // time_ns is the poll time.
    let t = u64::from_le_bytes(m[10].rpc.payload[8..16].try_into().unwrap());
    assert_eq!(Duration::from_nanos(t), g.now);
    // The driver stops reading: 62 fit, 256 wait, the rest are lost (a gap in the index).
    for _ in 0..400 {
        g.tick(MS);
    }
    assert_eq!(g.gsp.ticks_lost(), 400 - 62 - PENDING_CAP as u64);
    let mut idx = Vec::new();
    for _ in 0..10 {
        idx.extend(g.messages().iter().map(tick_index));
        g.gsp.poll(g.now);
    }
    assert_eq!(idx.len(), 62 + PENDING_CAP);
    assert_eq!(
        idx[..62 + PENDING_CAP],
        (10..10 + 62 + PENDING_CAP as u64).collect::<Vec<_>>()[..]
    );
    // Turning it off.
    g.control(cmd::EVENT_RATE, 0, 0);
    g.messages();
    g.tick(Duration::from_millis(100));
    assert!(g.messages().is_empty());
    g.control(cmd::EVENT_RATE, 100, 0);
    g.tick(Duration::from_millis(100));
    assert_eq!(g.messages().len(), 10);
}

#[test]
fn stall() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.control(cmd::STALL, 1, 0);
    g.call(function::EMU_ECHO, b"1");
    g.tick(MS);
    assert!(g.messages().is_empty());
    assert_eq!(g.control(cmd::STALL, 2, 0), 22);
    g.control(cmd::STALL, 0, 0);
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rpc.payload, b"1");
}

#[test]
fn invalid_control_commands() {
    let mut g = Guest::new();
    assert_eq!(g.control(0, 0, 0), 22);
    assert_eq!(g.control(99, 0, 0), 22);
    assert_eq!(g.control(cmd::FAULT, 13, 1), 22);
    assert_eq!(g.control(cmd::FAULT, 0, 1), 22);
    assert_eq!(g.control(cmd::FAULT, 1, 1), 0);
}

/// Arms `kind`, gets an ECHO reply through it, and returns what the receiver said.
fn faulted_echo(kind: FaultKind) -> (Guest, Vec<RxOutcome>) {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    assert_eq!(g.control(cmd::FAULT, kind as u32, 0), 0);
    g.call(function::EMU_ECHO, &[7; 5000]);
    let r = g.drain();
    (g, r)
}

#[test]
fn byte_faults_reach_the_driver() {
    let cases = [
        (FaultKind::BadChecksum, Reject::Checksum),
        (FaultKind::BadSignature, Reject::Signature),
        (FaultKind::ElemCountZero, Reject::ElemCount),
        (FaultKind::ElemCountHuge, Reject::ElemCount),
        (FaultKind::BadLength, Reject::Length),
        (FaultKind::BadVersion, Reject::Version),
    ];
    for (kind, want) in cases {
        let (mut g, r) = faulted_echo(kind);
        assert_eq!(r.len(), 1, "{kind:?}");
        assert!(
            matches!(r[0], RxOutcome::Rejected { reason, .. } if reason == want),
            "{kind:?}: {:?}",
            r[0]
        );
        assert_eq!(g.gsp.stats().faults, 1);
        // Only one message got it.
        let s = g.call(function::EMU_ECHO, b"fine");
        let m = g.messages();
        assert_eq!(m[0].rpc.sequence, s, "{kind:?}");
        // The faulted message used its seqNum: the next is 2 (INIT_DONE 0, fault 1).
        assert_eq!(m[0].seq_num, 2);
    }
}

#[test]
fn bad_checksum_is_off_by_one() {
    let (g, _) = faulted_echo(FaultKind::BadChecksum);
    let mut msg = vec![0u8; 48 + 32 + 5000];
    queue::ring_read(g.gsp.mem(), MSGQ, 1, &mut msg);
    let stored = get_u32(&msg, elem::CHECKSUM);
    queue::put_u32(&mut msg, elem::CHECKSUM, 0);
    assert_eq!(stored, checksum32(&msg).wrapping_add(1));
}

#[test]
fn seqnum_fault_skips_five() {
    let (mut g, r) = faulted_echo(FaultKind::BadSeqNum);
    match &r[0] {
        RxOutcome::Message(m) => {
            assert_eq!(m.seq_num, 1 + 5);
            assert_eq!(m.rpc.payload, vec![7; 5000]);
        }
        other => panic!("{other:?}"),
    }
    g.call(function::EMU_ECHO, b"");
    assert_eq!(g.messages()[0].seq_num, 7);
}

#[test]
fn write_ptr_fault_lasts_100ms() {
    let (mut g, r) = faulted_echo(FaultKind::WritePtrRange);
    assert!(matches!(
        r[..],
        [RxOutcome::Rejected {
            reason: Reject::WritePtr,
            ..
        }]
    ));
    assert_eq!(queue::write_ptr(g.gsp.mem(), MSGQ), 0xdead);
    assert!(g.gsp.take_irq());
    // Nothing else is posted meanwhile.
    g.call(function::EMU_ECHO, b"queued");
    g.tick(Duration::from_millis(99));
    assert_eq!(queue::write_ptr(g.gsp.mem(), MSGQ), 0xdead);
    g.tick(Duration::from_millis(2));
    assert!(g.gsp.take_irq());
    let m = g.messages();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].rpc.payload, vec![7; 5000]); // the message stayed valid
    assert_eq!(m[1].rpc.payload, b"queued");
}

#[test]
fn fault_count_and_persistence_across_boot() {
    let mut g = Guest::new();
    g.control(cmd::FAULT, FaultKind::BadVersion as u32, 2);
    g.boot(true);
    // INIT_DONE gets it (whatever the message), then one more.
    let r = g.drain();
    assert!(matches!(
        r[0],
        RxOutcome::Rejected {
            reason: Reject::Version,
            ..
        }
    ));
    g.call(function::EMU_ECHO, b"a");
    g.call(function::EMU_ECHO, b"b");
    let r = g.drain();
    assert!(matches!(
        r[0],
        RxOutcome::Rejected {
            reason: Reject::Version,
            ..
        }
    ));
    assert!(matches!(&r[1], RxOutcome::Message(m) if m.rpc.payload == b"b"));
    assert_eq!(g.gsp.stats().faults, 2);
}

#[test]
fn disappear_and_reboot() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.call(function::EMU_ECHO, b"x");
    g.control(cmd::DISAPPEAR, 0, 0);
    assert_eq!(g.r32(NV_PMC_BOOT_0), 0xffff_ffff);
    assert_eq!(g.r32(EMU_GSP_STATE), 2);
    assert_eq!(g.gsp.state(), State::Dead);
    let before = queue::write_ptr(g.gsp.mem(), MSGQ);
    g.call(function::EMU_ECHO, b"y");
    g.control(cmd::ERROR_LOG, 0, 0);
    g.tick(MS);
    assert_eq!(queue::write_ptr(g.gsp.mem(), MSGQ), before);
    // Halting does not revive it.
    g.halt();
    assert_eq!(g.r32(EMU_GSP_STATE), 2);
    // The next boot does.
    g.boot(true);
    assert_eq!(g.r32(NV_PMC_BOOT_0), 0x1920_00a1);
    assert_eq!(g.r32(EMU_GSP_STATE), 1);
    let m = g.messages();
    assert_eq!(m[0].rpc.function, function::GSP_INIT_DONE);
    assert_eq!(m[0].seq_num, 0);
    assert_eq!(g.gsp.stats().posted, 1);
}

#[test]
fn halt_and_reboot() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.call(function::EMU_ECHO, b"1");
    g.halt();
    assert_eq!(g.r32(EMU_GSP_STATE), 0);
    g.messages();
    // Commands are not read while halted.
    g.call(function::EMU_ECHO, b"2");
    g.tick(MS);
    assert!(g.messages().is_empty());
    g.boot(true);
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].seq_num, 0);
    assert_eq!(g.gsp.stats().commands, 0);
}

#[test]
fn reinitialised_memory_reboots_on_doorbell() {
    // A guest reboot: GSP_CTRL stays 1, the driver wipes and rewrites the queues and rings.
    let mut g = Guest::new();
    g.boot(true);
    g.call(function::EMU_ECHO, b"1");
    g.messages();
    g.boot(true);
    assert_eq!(g.gsp.state(), State::Running);
    let m = g.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rpc.function, function::GSP_INIT_DONE);
    assert_eq!(m[0].seq_num, 0);
    let s = g.call(function::EMU_ECHO, b"2");
    assert_eq!(g.messages()[0].rpc.sequence, s);
}

#[test]
fn error_log_event() {
    let mut g = Guest::new();
    assert_eq!(g.control(cmd::ERROR_LOG, 0, 0), 0); // not running: nothing to post
    g.boot(true);
    g.messages();
    g.control(cmd::ERROR_LOG, 0, 0);
    let m = g.messages();
    assert_eq!(m[0].rpc.function, function::OS_ERROR_LOG);
    assert_eq!(m[0].rpc.payload.last(), Some(&0));
    assert!(m[0].rpc.payload.starts_with(b"novax-emu: test error log"));
    assert_eq!(g.gsp.stats().events, 2);
}

#[test]
fn guest_garbage_never_panics() {
    // Random writes all over the queues and registers, with polls and doorbells between.
    let mut g = Guest::new();
    g.boot(true);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..3000 {
        let r = rnd();
        let target = match r % 6 {
            0 => CMDQ + (r as usize >> 8) % 0x40,
            1 => CMDQ + 0x1000 + (r as usize >> 8) % 0x3f000,
            2 => MSGQ + (r as usize >> 8) % 0x40,
            3 => EMU_REGS + (r as usize >> 8) % 0x28,
            4 => CMDQ + 0x1000 + ((r as usize >> 8) % 63) * 0x1000 + 40,
            _ => crate::regs::TEST_CTRL + (r as usize >> 8) % 0x18,
        };
        let v = match (r >> 40) % 4 {
            0 => 0,
            1 => (r >> 44) as u32 % 70,
            2 => 0xffff_ffff,
            _ => (r >> 32) as u32,
        };
        g.mem().store_u32(target & !3, v);
        if i % 3 == 0 {
            g.gsp.doorbell(g.now);
        }
        g.tick(MS);
    }
}

#[test]
fn interrupt_is_level_triggered() {
    let mut g = Guest::new();
    g.boot(false);
    // INIT_DONE is queued but the interrupt is off: nothing.
    g.tick(Duration::from_millis(1));
    assert!(!g.gsp.take_irq());
    // Unmasking with an unread message raises it.
    g.mem().store_u32(EMU_INTR_ENABLE, 1);
    g.tick(Duration::from_millis(1));
    assert!(g.gsp.take_irq());
    assert_eq!(g.r32(EMU_INTR_STATUS), 1);
    // While it is pending (not acknowledged), no new one.
    g.tick(Duration::from_millis(1));
    assert!(!g.gsp.take_irq());
    // Acknowledged with the message still unread: raised again.
    g.mem().store_u32(EMU_INTR_STATUS, 0);
    g.tick(Duration::from_millis(1));
    assert!(g.gsp.take_irq());
    // Acknowledged and read: quiet.
    g.mem().store_u32(EMU_INTR_STATUS, 0);
    assert_eq!(g.messages().len(), 1);
    g.tick(Duration::from_millis(1));
    assert!(!g.gsp.take_irq());
}

/// The halt counters as the test-control block shows them: (doorbells, writes, halts).
fn halt_counts(g: &Guest) -> (u64, u64, u64) {
    let h = HaltStats::load(g.gsp.mem());
    assert_eq!(h, g.gsp.halt_stats());
    (h.doorbells, h.writes, h.halts)
}

#[test]
fn accesses_after_the_halt_count_until_the_boot() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.call(function::EMU_ECHO, b"1");
    g.messages();
    g.tick(MS);
    // While the GSP runs, the driver's accesses are none of the watch's business.
    assert_eq!(halt_counts(&g), (0, 0, 0));
    // The unbind: interrupt off, then GSP_CTRL = 0.
    g.mem().store_u32(EMU_INTR_ENABLE, 0);
    g.halt();
    assert_eq!(g.r32(EMU_GSP_STATE), GSP_STATE_HALTED);
    assert_eq!(halt_counts(&g), (0, 0, 1));
    // A driver that leaves the device alone: nothing, however long.
    for _ in 0..50 {
        g.tick(MS);
    }
    assert_eq!(halt_counts(&g), (0, 0, 1));
    // One that does not: a doorbell, an unmask, a command queued and announced, two rings.
    g.gsp.doorbell(g.now);
    g.mem().store_u32(EMU_INTR_ENABLE, 1);
    g.tick(MS);
    assert_eq!(halt_counts(&g), (1, 1, 1));
    g.queue(function::EMU_ECHO, b"2");
    let wptr = g.wptr;
    g.mem().store_u32(NV_PGSP_QUEUE_HEAD, wptr);
    g.gsp.doorbells(g.now, 2);
    assert_eq!(halt_counts(&g), (3, 3, 1));
    // Nothing was answered.
    assert!(g.messages().is_empty());
    // The next boot ends the window; the counters stay for a test that reads them after it,
    // while the boot's STATS start afresh.
    g.boot(true);
    g.messages();
    g.call(function::EMU_ECHO, b"3");
    g.messages();
    g.tick(MS);
    assert_eq!(halt_counts(&g), (3, 3, 1));
    assert_eq!(g.gsp.stats().commands, 1);
    // The second halt adds to them.
    g.halt();
    assert_eq!(g.r32(EMU_INTR_STATUS), 1);
    g.mem().store_u32(EMU_INTR_STATUS, 0);
    g.tick(MS);
    assert_eq!(halt_counts(&g), (3, 4, 2));
}

#[test]
fn a_ring_seen_with_the_halt_is_the_halts() {
    // The driver's last doorbell and its GSP_CTRL = 0 reach the GPU together: the ring may
    // have come first, so it is not counted; the next one is.
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.mem().store_u32(EMU_GSP_CTRL, 0);
    g.gsp.doorbell(g.now);
    assert_eq!(g.gsp.state(), State::Halted);
    assert_eq!(halt_counts(&g), (0, 0, 1));
    g.gsp.doorbell(g.now);
    assert_eq!(halt_counts(&g), (1, 0, 1));
}

#[test]
fn a_dead_gpu_is_watched_once_halted_and_a_new_client_keeps_the_counts() {
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    g.control(cmd::DISAPPEAR, 0, 0);
    // A driver still at work on a dead GPU has not halted it: not counted.
    g.mem().store_u32(EMU_INTR_ENABLE, 0);
    g.call(function::EMU_ECHO, b"void");
    g.tick(MS);
    assert_eq!(halt_counts(&g), (0, 0, 0));
    // Its unbind halts it; it stays dead, and is watched.
    g.halt();
    assert_eq!(g.r32(EMU_GSP_STATE), GSP_STATE_DEAD);
    g.mem().store_u32(EMU_INTR_STATUS, 0);
    g.mem().store_u32(EMU_INTR_ENABLE, 1);
    g.tick(MS);
    assert_eq!(halt_counts(&g), (0, 2, 1));
    // A new client: the counters count on from the emulator's start; no halt is watched.
    g.gsp.reset();
    assert_eq!(halt_counts(&g), (0, 2, 1));
    g.mem().store_u32(EMU_INTR_ENABLE, 1);
    g.gsp.doorbell(g.now);
    g.tick(MS);
    assert_eq!(halt_counts(&g), (0, 2, 1));
}

/// `READ_GPA`/`WRITE_GPA` with ARG2 = `len`.
fn gpa_command(g: &mut Guest, c: u32, gpa: u64, len: u32) -> u32 {
    g.mem().store_u32(CTRL_ARG2, len);
    let (lo, hi) = (gpa as u32, (gpa >> 32) as u32);
    g.control(c, lo, hi)
}

#[test]
fn gpa_commands_copy_between_data_and_guest_ram() {
    let mut g = Guest::new();
    // Without guest RAM there is nothing to reach.
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 0x1000, 8), ENODEV);
    let mut ram = VecMem::new(1 << 20);
    ram.write(0x3000, b"written by the guest");
    g.gsp
        .attach_guest_ram(GuestRam::pc(Box::new(ram) as Box<dyn Mem>));
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 0x3000, 20), 0);
    let mut b = [0; 20];
    g.mem().read(CTRL_DATA, &mut b);
    assert_eq!(&b, b"written by the guest");
    // And back: DATA to RAM, seen by a read of another range that covers it.
    g.mem().write(CTRL_DATA, b"by the GPU");
    assert_eq!(gpa_command(&mut g, cmd::WRITE_GPA, 0xffff6, 10), 0);
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 0xffff0, 16), 0);
    let mut b = [0; 16];
    g.mem().read(CTRL_DATA, &mut b);
    assert_eq!(&b, b"\0\0\0\0\0\0by the GPU");
    // Past the end of RAM, across it, wrapping, and lengths out of range.
    g.mem().fill(CTRL_DATA, CTRL_DATA_SIZE, 0xa5);
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 1 << 20, 1), EFAULT);
    assert_eq!(
        gpa_command(&mut g, cmd::WRITE_GPA, (1 << 20) - 4, 8),
        EFAULT
    );
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, u64::MAX - 3, 8), EFAULT);
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 0, 0), 22);
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, 0, 0x801), 22);
    // A fault copied nothing: DATA is as it was, and the RAM's last bytes (the end of the
    // write above) too.
    let mut b = [0; 16];
    g.mem().read(CTRL_DATA, &mut b);
    assert_eq!(b, [0xa5; 16]);
    assert_eq!(gpa_command(&mut g, cmd::READ_GPA, (1 << 20) - 8, 8), 0);
    let mut b = [0; 8];
    g.mem().read(CTRL_DATA, &mut b);
    assert_eq!(&b, b" the GPU");
}

#[test]
fn mmu_invalidates_are_serviced_in_any_gsp_state_and_counted() {
    use crate::regs::{
        MMU_INVALIDATE, MMU_INVALIDATE_ALL_VA, MMU_INVALIDATE_PDB, MMU_INVALIDATE_TRIGGER,
        STAT_TLB_INVALIDATES,
    };
    let mut g = Guest::new();
    let trigger = MMU_INVALIDATE_TRIGGER | MMU_INVALIDATE_ALL_VA;
    // Halted: the MMU still answers.
    g.mem().store_u32(MMU_INVALIDATE_PDB, 0x40_0000 >> 8);
    g.mem().store_u32(MMU_INVALIDATE, trigger);
    g.tick(MS);
    assert_eq!(g.r32(MMU_INVALIDATE), MMU_INVALIDATE_ALL_VA);
    assert_eq!(g.gsp.mem().load_u64(STAT_TLB_INVALIDATES), 1);
    // Running, on a doorbell.
    g.boot(true);
    g.mem().store_u32(MMU_INVALIDATE, trigger);
    g.gsp.doorbell(g.now);
    assert_eq!(g.r32(MMU_INVALIDATE) & MMU_INVALIDATE_TRIGGER, 0);
    assert_eq!(g.gsp.mem().load_u64(STAT_TLB_INVALIDATES), 2);
    // Nothing triggered, nothing counted.
    g.tick(MS);
    assert_eq!(g.gsp.mem().load_u64(STAT_TLB_INVALIDATES), 2);
}

#[test]
fn rm_objects_through_the_queues_listed_and_gone_at_boot() {
    use crate::rm::{self, class, function as f};
    let mut g = Guest::new();
    g.boot(true);
    g.messages();
    let (c, d, sd, vas) = (0xc1d0_0000, 0xde1d_0000, 0x5d1d_0000, 0x90f1_0000);
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(c, c, c, class::ROOT, &rm::root_params(c)),
    );
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(c, c, d, class::DEVICE, &rm::device_params(c)),
    );
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(c, d, sd, class::SUBDEVICE, &rm::subdevice_params(0)),
    );
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(c, d, vas, class::FERMI_VASPACE_A, &rm::vaspace_params(0, 0)),
    );
    let pdes = rm::pdes_params(sd, &[(0x7654_3000, 0x20, rm::aperture::SYS_COH, 0x2f)]);
    g.call(
        f::GSP_RM_CONTROL,
        &rm::control_payload(c, vas, rm::cmd::VASPACE_COPY_SERVER_RESERVED_PDES, &pdes),
    );
    let m = g.messages();
    assert_eq!(m.len(), 5);
    for r in &m {
        assert_eq!(r.rpc.result, 0);
        assert_eq!(
            rm::reply_status(r.rpc.function, &r.rpc.payload),
            Some(rm::status::OK)
        );
    }
    assert_eq!(g.control(cmd::RM_OBJECTS, 0, 0), 0);
    let data = |g: &Guest, off: usize| g.r32(CTRL_DATA + off);
    assert_eq!((data(&g, 0), data(&g, 4)), (4, 1));
    assert_eq!((data(&g, 0x10), data(&g, 0x14)), (c, vas));
    assert_eq!(g.gsp.mem().load_u64(CTRL_DATA + 0x18), 0x7654_3000);

    // A requested failure: the next alloc answers that status and creates nothing.
    assert_eq!(g.control(cmd::RM_FAIL, rm::status::NO_MEMORY, 0), 0);
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(
            c,
            d,
            vas + 1,
            class::FERMI_VASPACE_A,
            &rm::vaspace_params(0, 0),
        ),
    );
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(
            c,
            d,
            vas + 2,
            class::FERMI_VASPACE_A,
            &rm::vaspace_params(0, 0),
        ),
    );
    let m = g.messages();
    assert_eq!(
        rm::reply_status(f::GSP_RM_ALLOC, &m[0].rpc.payload),
        Some(rm::status::NO_MEMORY)
    );
    assert_eq!(
        rm::reply_status(f::GSP_RM_ALLOC, &m[1].rpc.payload),
        Some(rm::status::OK)
    );
    assert_eq!(g.control(cmd::RM_OBJECTS, 0, 0), 0);
    assert_eq!(data(&g, 0), 5);

    // A requested CONTROL failure: that status, and the PDEs are not taken.
    assert_eq!(g.control(cmd::RM_FAIL, rm::status::INVALID_ARGUMENT, 1), 0);
    let pdes = rm::pdes_params(sd, &[(0x1234_5000, 0x20, rm::aperture::SYS_COH, 0x2f)]);
    g.call(
        f::GSP_RM_CONTROL,
        &rm::control_payload(
            c,
            vas + 2,
            rm::cmd::VASPACE_COPY_SERVER_RESERVED_PDES,
            &pdes,
        ),
    );
    let m = g.messages();
    assert_eq!(
        rm::reply_status(f::GSP_RM_CONTROL, &m[0].rpc.payload),
        Some(rm::status::INVALID_ARGUMENT)
    );
    assert_eq!(g.control(cmd::RM_OBJECTS, 0, 0), 0);
    assert_eq!(
        data(&g, 4),
        1,
        "only the first VA space has a page directory"
    );
    assert_eq!(g.control(cmd::RM_FAIL, 0, 2), crate::regs::EINVAL);

    // FREE of the client takes everything; a reboot forgets the rest.
    g.call(f::FREE, &rm::free_payload(c, 0, c));
    g.messages();
    assert_eq!(g.control(cmd::RM_OBJECTS, 0, 0), 0);
    assert_eq!((data(&g, 0), data(&g, 4)), (0, 0));
    g.call(
        f::GSP_RM_ALLOC,
        &rm::alloc_payload(c, c, c, class::ROOT, &rm::root_params(c)),
    );
    g.messages();
    g.halt();
    g.boot(true);
    assert_eq!(g.control(cmd::RM_OBJECTS, 0, 0), 0);
    assert_eq!(data(&g, 0), 0);
}
