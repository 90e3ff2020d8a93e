// SPDX-License-Identifier: MIT OR Apache-2.0

//! End-to-end tests: the real `novax-emu` binary on a temporary socket, and this test as the
//! QEMU client and the guest driver.
//!
//! The guest side here is written straight from `Documentation/gpu/novax-gsp.rst` with its own
//! constants, encoder, decoder and checksum, and does not use the crate's queue code: a
//! misreading of the contract in the crate then shows up as a disagreement here. Only the
//! socket/fd plumbing (`wire`, `eventfd`, `mapping`) is shared, and that has its own unit tests.

use novax_emu::mapping::Mapping;
use novax_emu::{eventfd, wire};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use std::io::{BufRead, BufReader};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

// The contract's numbers, written out again on purpose.
const SHM_SIZE: usize = 32 << 20;
const BOOT_0: usize = 0x0;
const BOOT_42: usize = 0xa00;
const QUEUE_HEAD: usize = 0x110c00;
const EMU: usize = 0x1f0000;
const INTR_ENABLE: usize = EMU + 0x14;
const INTR_STATUS: usize = EMU + 0x18;
const GSP_CTRL: usize = EMU + 0x20;
const GSP_STATE: usize = EMU + 0x24;
const CTRL: usize = 0x1f1000;
const GSP_SHM: usize = 0x1000000;
const CMDQ: usize = GSP_SHM + 0x1000;
const MSGQ: usize = GSP_SHM + 0x41000;
const COUNT: u32 = 0x3f;
const ELEM: usize = 0x1000;
const WRITE_PTR: usize = 0x10;
const READ_PTR: usize = 0x20;

const ECHO: u32 = 0xf001;
const STATIC_INFO: u32 = 0xf002;
const INIT_DONE: u32 = 0x1001;
const OS_ERROR_LOG: u32 = 0x1006;
const TICK: u32 = 0xf101;

const WAIT: Duration = Duration::from_secs(5);

/// A running emulator, killed on drop.
struct Emu {
    child: Child,
    dir: PathBuf,
    sock: PathBuf,
}

impl Emu {
    fn start(args: &[&str]) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "novax-emu-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("sock");
        let mut child = Command::new(env!("CARGO_BIN_EXE_novax-emu"))
            .arg("--socket")
            .arg(&sock)
            .arg("--log")
            .arg(dir.join("log"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim_end(),
            format!("novax-emu: listening on {}", sock.display())
        );
        assert!(sock.exists(), "socket must exist once ready is reported");
        Self { child, dir, sock }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A decoded message from the message queue, unvalidated.
#[derive(Debug)]
struct Msg {
    checksum_ok: bool,
    seq_num: u32,
    elem_count: u32,
    version: u32,
    signature: u32,
    function: u32,
    result: u32,
    sequence: u32,
    payload: Vec<u8>,
}

/// The contract's checksum, written independently of the crate's.
fn checksum(bytes: &[u8]) -> u32 {
    let mut sum = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        sum ^= (b as u64).rotate_left((i as u32 % 8) * 8);
    }
    (sum >> 32) as u32 ^ sum as u32
}

/// The QEMU client and guest driver.
struct Guest {
    stream: UnixStream,
    id: i64,
    shm_fd: OwnedFd,
    map: Mapping,
    gpu: Vec<OwnedFd>,
    own: Vec<OwnedFd>,
    rptr: u32,
    wptr: u32,
    seq: u32,
    sequence: u32,
}

fn recv(s: &UnixStream) -> (i64, Option<OwnedFd>) {
    wire::recv_i64(s.as_fd())
        .unwrap()
        .expect("server closed the connection")
}

impl Guest {
    /// Connects and checks the handshake message by message.
    fn connect(emu: &Emu, vectors: usize) -> Self {
        let stream = UnixStream::connect(&emu.sock).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let (v, fd) = recv(&stream);
        assert_eq!((v, fd.is_none()), (0, true), "protocol version");
        let (id, fd) = recv(&stream);
        assert!(fd.is_none());
        assert_eq!(id, 1, "the first client is peer 1");
        let (v, fd) = recv(&stream);
        assert_eq!(v, -1);
        let shm_fd = fd.expect("shared memory fd");
        assert_eq!(rustix::fs::fstat(&shm_fd).unwrap().st_size, SHM_SIZE as i64);
        let link = std::fs::read_link(format!("/proc/self/fd/{}", shm_fd.as_raw_fd())).unwrap();
        assert!(
            link.to_string_lossy().starts_with("/memfd:"),
            "not a memfd: {link:?}"
        );
        let mut gpu = Vec::new();
        for _ in 0..vectors {
            let (v, fd) = recv(&stream);
            assert_eq!(v, 0, "GPU peer's eventfds come first");
            gpu.push(fd.expect("eventfd"));
        }
        let mut own = Vec::new();
        for _ in 0..vectors {
            let (v, fd) = recv(&stream);
            assert_eq!(v, id, "own eventfds come last");
            own.push(fd.expect("eventfd"));
        }
        // Nothing more.
        stream.set_nonblocking(true).unwrap();
        let mut b = [0u8; 8];
        let r = std::io::Read::read(&mut &stream, &mut b);
        assert!(
            matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "{r:?}"
        );
        stream.set_nonblocking(false).unwrap();
        let map = Mapping::shared(shm_fd.as_fd(), SHM_SIZE).unwrap();
        Self {
            stream,
            id,
            shm_fd,
            map,
            gpu,
            own,
            rptr: 0,
            wptr: 0,
            seq: 0,
            sequence: 0,
        }
    }

    fn r32(&self, off: usize) -> u32 {
        assert!(off + 4 <= SHM_SIZE);
        // SAFETY: in bounds and aligned; volatile since the emulator writes concurrently.
        unsafe { self.map.as_ptr().add(off).cast::<u32>().read_volatile() }
    }

    fn w32(&self, off: usize, v: u32) {
        assert!(off + 4 <= SHM_SIZE);
        // SAFETY: as for `r32`.
        unsafe { self.map.as_ptr().add(off).cast::<u32>().write_volatile(v) }
    }

    fn r64(&self, off: usize) -> u64 {
        self.r32(off) as u64 | (self.r32(off + 4) as u64) << 32
    }

    fn w64(&self, off: usize, v: u64) {
        self.w32(off, v as u32);
        self.w32(off + 4, (v >> 32) as u32);
    }

    fn read_ring(&self, queue: usize, index: u32, len: usize) -> Vec<u8> {
        let ring = COUNT as usize * ELEM;
        (0..len)
            .map(|i| {
                let pos = (index as usize * ELEM + i) % ring;
                // SAFETY: within the queue's ring.
                unsafe { self.map.as_ptr().add(queue + ELEM + pos).read_volatile() }
            })
            .collect()
    }

    fn write_ring(&self, queue: usize, index: u32, data: &[u8]) {
        let ring = COUNT as usize * ELEM;
        for (i, &b) in data.iter().enumerate() {
            let pos = (index as usize * ELEM + i) % ring;
            // SAFETY: within the queue's ring.
            unsafe { self.map.as_ptr().add(queue + ELEM + pos).write_volatile(b) }
        }
    }

    fn ring_doorbell(&self) {
        eventfd::signal(self.gpu[0].as_fd()).unwrap();
    }

    /// The driver's boot handshake.
    fn boot(&mut self, intr: bool) {
        // SAFETY: the GSP shared memory lies within the mapping.
        unsafe { std::ptr::write_bytes(self.map.as_ptr().add(GSP_SHM), 0, 0x100000) };
        for i in 0..0x100 {
            self.w64(GSP_SHM + i * 8, (GSP_SHM + i * 0x1000) as u64);
        }
        for (off, v) in [0, 0x40000, 0x1000, 0x3f, 0, 1, 0x20, 0x1000]
            .into_iter()
            .enumerate()
        {
            self.w32(CMDQ + off * 4, v);
        }
        self.w32(CMDQ + READ_PTR, 0);
        self.w32(INTR_ENABLE, intr as u32);
        self.w32(GSP_CTRL, 1);
        self.rptr = 0;
        self.wptr = 0;
        self.seq = 0;
        self.ring_doorbell();
    }

    /// Encodes a command as the next one (seqNum, sequence); returns it and its sequence.
    fn encode(&mut self, function: u32, payload: &[u8]) -> (Vec<u8>, u32) {
        self.sequence += 1;
        let length = 32 + payload.len();
        let elems = (48 + length).div_ceil(ELEM);
        let mut m = vec![0u8; (48 + length).next_multiple_of(8)];
        let put =
            |m: &mut Vec<u8>, off: usize, v: u32| m[off..off + 4].copy_from_slice(&v.to_le_bytes());
        put(&mut m, 36, self.seq);
        put(&mut m, 40, elems as u32);
        put(&mut m, 48, 0x0300_0000);
        put(&mut m, 52, u32::from_le_bytes(*b"VRPC"));
        put(&mut m, 56, length as u32);
        put(&mut m, 60, function);
        put(&mut m, 72, self.sequence);
        m[80..80 + payload.len()].copy_from_slice(payload);
        let c = checksum(&m);
        put(&mut m, 32, c);
        self.seq += 1;
        (m, self.sequence)
    }

    /// Queues raw message bytes (whole elements), publishes them and rings.
    fn send_raw(&mut self, m: &[u8]) {
        let elems = m.len().div_ceil(ELEM) as u32;
        // Wait for room: the GPU's read pointer in the command queue is in the message
        // queue's rx header.
        let deadline = Instant::now() + WAIT;
        loop {
            let gsp_rptr = self.r32(MSGQ + READ_PTR);
            let used = (self.wptr + COUNT - gsp_rptr) % COUNT;
            if COUNT - 1 - used >= elems {
                break;
            }
            assert!(Instant::now() < deadline, "command queue full");
            sleep(Duration::from_millis(1));
        }
        self.write_ring(CMDQ, self.wptr, m);
        self.wptr = (self.wptr + elems) % COUNT;
        self.w32(CMDQ + WRITE_PTR, self.wptr);
        self.w32(QUEUE_HEAD, self.wptr);
        self.ring_doorbell();
    }

    /// Sends a command, returns its RPC sequence.
    fn send(&mut self, function: u32, payload: &[u8]) -> u32 {
        let (m, sequence) = self.encode(function, payload);
        self.send_raw(&m);
        sequence
    }

    /// The next message, within `timeout`.
    fn try_recv(&mut self, timeout: Duration) -> Option<Msg> {
        let deadline = Instant::now() + timeout;
        let wptr = loop {
            let w = self.r32(MSGQ + WRITE_PTR);
            if w != self.rptr {
                break w;
            }
            if Instant::now() >= deadline {
                return None;
            }
            sleep(Duration::from_micros(200));
        };
        assert!(wptr < COUNT, "message queue write pointer {wptr:#x}");
        let hdr = self.read_ring(MSGQ, self.rptr, 80);
        let get = |b: &[u8], off: usize| u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
        let elem_count = get(&hdr, 40);
        let length = get(&hdr, 56) as usize;
        let available = (wptr + COUNT - self.rptr) % COUNT;
        let sane = elem_count >= 1 && elem_count <= available;
        let whole = if sane && (32..=elem_count as usize * ELEM - 48).contains(&length) {
            self.read_ring(MSGQ, self.rptr, 48 + length)
        } else {
            hdr.clone()
        };
        let msg = Msg {
            checksum_ok: checksum(&whole) == 0,
            seq_num: get(&hdr, 36),
            elem_count,
            version: get(&hdr, 48),
            signature: get(&hdr, 52),
            function: get(&hdr, 60),
            result: get(&hdr, 64),
            sequence: get(&hdr, 72),
            payload: whole.get(80..).unwrap_or_default().to_vec(),
        };
        self.rptr = if sane {
            (self.rptr + elem_count) % COUNT
        } else {
            wptr
        };
        self.w32(CMDQ + READ_PTR, self.rptr);
        Some(msg)
    }

    fn recv(&mut self) -> Msg {
        self.try_recv(WAIT).expect("no message from the GPU")
    }

    /// A valid message, checked as a driver would.
    fn recv_valid(&mut self) -> Msg {
        let m = self.recv();
        assert!(m.checksum_ok, "{m:?}");
        assert_eq!(m.version, 0x0300_0000);
        assert_eq!(m.signature, 0x4350_5256);
        assert_eq!(
            m.elem_count as usize,
            (48 + 32 + m.payload.len()).div_ceil(ELEM)
        );
        m
    }

    /// Waits for our vector-0 eventfd (the MSI) and drains it.
    fn wait_irq(&self, timeout: Duration) -> bool {
        let mut fds = [PollFd::new(&self.own[0], PollFlags::IN)];
        let n = poll(&mut fds, Some(&Timespec::try_from(timeout).unwrap())).unwrap();
        n == 1 && eventfd::drain(self.own[0].as_fd()).unwrap() > 0
    }

    /// A test-control command: returns RESULT.
    fn control(&self, cmd: u32, a0: u32, a1: u32) -> u32 {
        self.w32(CTRL, cmd);
        self.w32(CTRL + 4, a0);
        self.w32(CTRL + 8, a1);
        let seq = self.r32(CTRL + 0xc) + 1;
        self.w32(CTRL + 0xc, seq);
        let start = Instant::now();
        while self.r32(CTRL + 0x10) != seq {
            assert!(start.elapsed() < WAIT, "no ACK");
            sleep(Duration::from_micros(200));
        }
        self.r32(CTRL + 0x14)
    }

    fn stat(&self, i: usize) -> u64 {
        self.r64(CTRL + 0x40 + i * 8)
    }
}

fn pattern(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 ^ seed as u8)
        .collect()
}

#[test]
fn handshake_and_registers() {
    let emu = Emu::start(&[]);
    let g = Guest::connect(&emu, 2);
    assert_eq!(g.id, 1);
    assert_eq!(g.r32(BOOT_0), 0x1920_00a1);
    assert_eq!(g.r32(BOOT_42), 0x192a_1000);
    assert_eq!(g.r32(EMU), 0x5856_4f4e);
    assert_eq!(g.r32(EMU + 4), 0x3155_4d45);
    assert_eq!(g.r32(EMU + 8), 1);
    assert_eq!(g.r32(EMU + 0xc), 0x1000000);
    assert_eq!(g.r32(EMU + 0x10), 0x100000);
    assert_eq!(g.r32(EMU + 0x1c), 0);
    assert_eq!(g.r32(GSP_STATE), 0);
    // The MMU invalidate block at its real offset: a trigger with a doorbell is cleared.
    g.w32(0xb830a0, 0x40_0000 >> 8);
    g.w32(0xb830b0, 0x8000_0001);
    g.ring_doorbell();
    let start = Instant::now();
    while g.r32(0xb830b0) != 1 {
        assert!(start.elapsed() < WAIT, "invalidate not acknowledged");
        std::thread::sleep(Duration::from_micros(100));
    }
    // The shared memory fd maps the same memory: a second mapping sees our writes.
    let other = Mapping::shared(g.shm_fd.as_fd(), SHM_SIZE).unwrap();
    g.w32(0x1000, 0x1234_5678);
    // SAFETY: in bounds.
    assert_eq!(
        unsafe { other.as_ptr().add(0x1000).cast::<u32>().read_volatile() },
        0x1234_5678
    );
    // Ringing a halted GPU does nothing.
    g.ring_doorbell();
    assert!(!g.wait_irq(Duration::from_millis(30)));
    assert_eq!(g.r32(GSP_STATE), 0);
    let log = emu.log();
    assert!(log.contains("client connected: peer id 1"), "{log}");
}

#[test]
fn more_vectors() {
    let emu = Emu::start(&["--vectors", "4"]);
    let g = Guest::connect(&emu, 4);
    assert_eq!((g.gpu.len(), g.own.len()), (4, 4));
}

#[test]
fn full_loop() {
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    assert!(g.wait_irq(WAIT), "GSP_INIT_DONE must interrupt");
    assert_eq!(g.r32(INTR_STATUS) & 1, 1);
    g.w32(INTR_STATUS, 0);
    assert_eq!(g.r32(GSP_STATE), 1);
    let m = g.recv_valid();
    assert_eq!((m.function, m.seq_num, m.sequence), (INIT_DONE, 0, 0));
    assert!(m.payload.is_empty());

    // ECHO, several sizes, enough of them to wrap both rings twice.
    for i in 0..70u32 {
        let expect_seq = 1 + i;
        let payload = pattern([0, 1, 100, 4000, 4049, 10000, 16384][i as usize % 7], i);
        let s = g.send(ECHO, &payload);
        let m = g.recv_valid();
        assert_eq!((m.function, m.result, m.sequence), (ECHO, 0, s));
        assert_eq!(m.seq_num, expect_seq);
        assert_eq!(m.payload, payload, "echo {i}");
    }
    assert!(g.wait_irq(Duration::ZERO));

    // STATIC_INFO.
    let s = g.send(STATIC_INFO, &[]);
    let m = g.recv_valid();
    assert_eq!((m.function, m.result, m.sequence), (STATIC_INFO, 0, s));
    let p = &m.payload;
    assert_eq!(p.len(), 128);
    let u32_at = |o: usize| u32::from_le_bytes(p[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(p[o..o + 8].try_into().unwrap());
    assert_eq!((u32_at(0), u32_at(4)), (0x1920_00a1, 0x192a_1000));
    assert_eq!(u64_at(8), 24 << 30);
    assert_eq!(u64_at(16), 256 << 20);
    assert_eq!(u64_at(24), 16 << 20);
    assert_eq!(u64_at(32), 570 << 32 | 144 << 16);
    let name = &p[40..104];
    let end = name.iter().position(|&b| b == 0).unwrap();
    assert_eq!(&name[..end], b"NVIDIA AD102 (novax emulated)");
    assert_eq!(&p[104..112], b"570.144\0");

    // Unknown function: NV_ERR_NOT_SUPPORTED.
    let s = g.send(0xabcd, b"??");
    let m = g.recv_valid();
    assert_eq!((m.function, m.result, m.sequence), (0xabcd, 0x56, s));
    assert!(m.payload.is_empty());

    // STATS: posted, commands, interrupts, faults, events, bad commands.
    assert_eq!(g.stat(0), 1 + 70 + 2);
    assert_eq!(g.stat(1), 72);
    assert!(g.stat(2) >= 1);
    assert_eq!(g.stat(3), 0);
    assert_eq!(g.stat(4), 1);
    assert_eq!(g.stat(5), 0);

    // FAULT bad checksum: the next reply has a bad checksum, the one after is fine.
    assert_eq!(g.control(1, 1, 1), 0);
    g.send(ECHO, b"faulted");
    let m = g.recv();
    assert!(!m.checksum_ok);
    assert_eq!(m.payload, b"faulted");
    let s = g.send(ECHO, b"fine");
    let m = g.recv_valid();
    assert_eq!((m.sequence, &m.payload[..]), (s, &b"fine"[..]));
    assert_eq!(g.stat(3), 1);

    // FAULT bad signature for two messages.
    assert_eq!(g.control(1, 2, 2), 0);
    g.send(ECHO, b"a");
    g.send(ECHO, b"b");
    for _ in 0..2 {
        let m = g.recv();
        assert!(m.checksum_ok);
        assert_eq!(m.signature, 0x4441_4544);
    }

    // Bad commands are counted and skipped: a bad length, a bad checksum, a bad signature.
    let mut junk = vec![0u8; 96];
    junk[40] = 1; // elemCount 1, length 0
    g.send_raw(&junk);
    let (mut bad, _) = g.encode(ECHO, &[3u8; 64]);
    bad[90] ^= 0x40;
    g.send_raw(&bad);
    let (mut bad, _) = g.encode(ECHO, &[4u8; 64]);
    bad[52] = b'X';
    let c = {
        bad[32..36].fill(0);
        checksum(&bad)
    };
    bad[32..36].copy_from_slice(&c.to_le_bytes());
    g.send_raw(&bad);
    let s = g.send(ECHO, b"after junk");
    let m = g.recv_valid();
    assert_eq!((m.sequence, &m.payload[..]), (s, &b"after junk"[..]));
    assert_eq!(g.stat(5), 3);
    assert!(emu.log().contains("bad checksum"));

    // ERROR_LOG.
    assert_eq!(g.control(6, 0, 0), 0);
    let m = g.recv_valid();
    assert_eq!(m.function, OS_ERROR_LOG);
    assert_eq!(m.payload.last(), Some(&0));

    // Unknown test command.
    assert_eq!(g.control(42, 0, 0), 22);

    // DISAPPEAR: BOOT_0 reads all-ones, the GSP is dead, nothing is answered.
    assert_eq!(g.control(4, 0, 0), 0);
    assert_eq!(g.r32(BOOT_0), 0xffff_ffff);
    assert_eq!(g.r32(GSP_STATE), 2);
    g.send(ECHO, b"into the void");
    assert!(g.try_recv(Duration::from_millis(50)).is_none());

    // Unbind and bind again: a fresh boot.
    g.w32(GSP_CTRL, 0);
    sleep(Duration::from_millis(10));
    g.boot(true);
    let m = g.recv_valid();
    assert_eq!((m.function, m.seq_num), (INIT_DONE, 0));
    assert_eq!(g.r32(BOOT_0), 0x1920_00a1);
    assert_eq!(g.r32(GSP_STATE), 1);
    assert_eq!(g.stat(0), 1, "STATS reset at boot");
    let s = g.send(ECHO, b"alive");
    assert_eq!(g.recv_valid().sequence, s);

    // Halt.
    g.w32(GSP_CTRL, 0);
    let start = Instant::now();
    while g.r32(GSP_STATE) != 0 {
        assert!(start.elapsed() < WAIT);
        sleep(Duration::from_millis(1));
    }
    let log = emu.log();
    assert!(log.contains("GSP boot"), "{log}");
    assert!(log.contains("fault injected: bad checksum"), "{log}");
    assert!(log.contains("GPU disappears"), "{log}");
    assert!(log.contains("GSP halt"), "{log}");
}

#[test]
fn accesses_after_the_halt_are_counted() {
    // STATS +0x70 doorbells and +0x78 register writes while halted, +0x80 halts: counted from
    // the emulator's start, not reset at boot.
    let (doorbells, writes, halts) = (6, 7, 8);
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    g.recv_valid();
    let s = g.send(ECHO, b"before");
    assert_eq!(g.recv_valid().sequence, s);
    assert_eq!(
        (g.stat(doorbells), g.stat(writes), g.stat(halts)),
        (0, 0, 0)
    );
    // The unbind.
    g.w32(INTR_ENABLE, 0);
    g.w32(GSP_CTRL, 0);
    let start = Instant::now();
    while g.stat(halts) != 1 {
        assert!(start.elapsed() < WAIT, "halt not seen");
        sleep(Duration::from_millis(1));
    }
    assert_eq!(g.r32(GSP_STATE), 0);
    sleep(Duration::from_millis(20));
    assert_eq!((g.stat(doorbells), g.stat(writes)), (0, 0));
    // Three rings through the eventfd, an unmask and a new queue head.
    for _ in 0..3 {
        g.ring_doorbell();
    }
    g.w32(INTR_ENABLE, 1);
    g.w32(QUEUE_HEAD, 5);
    while (g.stat(doorbells), g.stat(writes)) != (3, 2) {
        assert!(
            start.elapsed() < WAIT,
            "doorbells {} writes {}",
            g.stat(doorbells),
            g.stat(writes)
        );
        sleep(Duration::from_millis(1));
    }
    // The next boot: the rings that boot it are not counted, the counters stay.
    g.boot(true);
    assert_eq!(g.recv_valid().function, INIT_DONE);
    assert_eq!(g.stat(0), 1, "STATS reset at boot");
    assert_eq!((g.stat(doorbells), g.stat(halts)), (3, 1));
    assert!(g.stat(writes) >= 2);
    let log = emu.log();
    assert!(log.contains("after the halt: doorbell rings: "), "{log}");
    assert!(
        log.contains("after the halt: INTR_ENABLE 0x0 -> 0x1"),
        "{log}"
    );
    assert!(log.contains("while halted: 3 doorbells"), "{log}");
}

#[test]
fn no_interrupt_when_disabled() {
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(false);
    assert_eq!(g.recv_valid().function, INIT_DONE);
    let s = g.send(ECHO, b"polled");
    assert_eq!(g.recv_valid().sequence, s);
    assert!(!g.wait_irq(Duration::from_millis(20)));
    assert_eq!(g.r32(INTR_STATUS), 0);
    assert_eq!(g.stat(2), 0);
}

#[test]
fn flood_and_events() {
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    g.recv_valid();
    // 500 ticks as fast as the ring allows: all arrive, in order, none lost.
    assert_eq!(g.control(2, 500, 0), 0);
    for i in 0..500u64 {
        let m = g.recv_valid();
        assert_eq!(m.function, TICK);
        assert_eq!(u64::from_le_bytes(m.payload[..8].try_into().unwrap()), i);
        assert_eq!(m.seq_num as u64, 1 + i);
    }
    // Periodic ticks at 1000/s: some arrive within 100 ms, indices continue.
    assert_eq!(g.control(5, 1000, 0), 0);
    let m = g.recv_valid();
    assert_eq!(m.function, TICK);
    assert_eq!(u64::from_le_bytes(m.payload[..8].try_into().unwrap()), 500);
    assert_eq!(g.control(5, 0, 0), 0);
    while g.try_recv(Duration::from_millis(20)).is_some() {}
    assert!(g.try_recv(Duration::from_millis(30)).is_none());
    // STALL: commands wait until resumed.
    assert_eq!(g.control(3, 1, 0), 0);
    let s = g.send(ECHO, b"stalled");
    assert!(g.try_recv(Duration::from_millis(30)).is_none());
    assert_eq!(g.control(3, 0, 0), 0);
    assert_eq!(g.recv_valid().sequence, s);
}

#[test]
fn write_ptr_fault_and_seqnum_fault() {
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    g.recv_valid();
    assert_eq!(g.control(1, 6, 1), 0);
    let s = g.send(ECHO, b"late");
    let start = Instant::now();
    while g.r32(MSGQ + WRITE_PTR) != 0xdead {
        assert!(start.elapsed() < WAIT);
        sleep(Duration::from_micros(100));
    }
    while g.r32(MSGQ + WRITE_PTR) == 0xdead {
        assert!(start.elapsed() < WAIT);
        sleep(Duration::from_millis(1));
    }
    assert!(start.elapsed() >= Duration::from_millis(90));
    let m = g.recv_valid();
    assert_eq!((m.sequence, &m.payload[..]), (s, &b"late"[..]));
    assert_eq!(g.control(1, 8, 0), 0);
    g.send(ECHO, b"gap");
    assert_eq!(g.recv_valid().seq_num, 2 + 5);
}

#[test]
fn reconnect_gets_a_fresh_gpu() {
    let emu = Emu::start(&[]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    g.recv_valid();
    assert_eq!(g.control(3, 1, 0), 0);
    drop(g);
    let start = Instant::now();
    while !emu.log().contains("client disconnected") {
        assert!(start.elapsed() < WAIT);
        sleep(Duration::from_millis(2));
    }
    let mut g = Guest::connect(&emu, 2);
    assert_eq!(g.id, 1);
    assert_eq!(g.r32(GSP_STATE), 0);
    assert_eq!(g.r32(CTRL + 0xc), 0, "test-control block afresh");
    assert_eq!(g.r32(CTRL + 0x10), 0);
    g.boot(true);
    assert_eq!(g.recv_valid().seq_num, 0);
    let s = g.send(ECHO, b"not stalled");
    assert_eq!(g.recv_valid().sequence, s);
}

#[test]
fn chips() {
    let emu = Emu::start(&["--chipset", "nv50"]);
    let g = Guest::connect(&emu, 2);
    assert_eq!(g.r32(BOOT_0), 0x0500_00a1);
    assert_eq!(g.r32(BOOT_42), 0, "no BOOT_42 before Fermi");
    drop(g);
    drop(emu);
    let emu = Emu::start(&["--boot0", "0x132000a1"]);
    let g = Guest::connect(&emu, 2);
    assert_eq!(g.r32(BOOT_42), 0x132a_1000);
    drop(g);
    drop(emu);
    let emu = Emu::start(&["--chipset", "tu102", "--boot42", "0xdeadbeef"]);
    let g = Guest::connect(&emu, 2);
    assert_eq!((g.r32(BOOT_0), g.r32(BOOT_42)), (0x1620_00a1, 0xdead_beef));
    drop(g);
    drop(emu);
    let emu = Emu::start(&["--chipset", "gb202"]);
    let mut g = Guest::connect(&emu, 2);
    g.boot(true);
    g.recv_valid();
    g.send(STATIC_INFO, &[]);
    let p = g.recv_valid().payload;
    assert_eq!(&p[0..4], &0x1b20_00a1u32.to_le_bytes());
    assert!(p[40..].starts_with(b"NVIDIA GB202 (novax emulated)\0"));
}

#[test]
fn sigterm_is_a_clean_exit() {
    let mut emu = Emu::start(&[]);
    let g = Guest::connect(&emu, 2);
    let pid = rustix::process::Pid::from_raw(emu.child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = emu.child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < WAIT, "did not exit");
        sleep(Duration::from_millis(2));
    };
    assert!(status.success(), "{status:?}");
    assert!(!emu.sock.exists(), "socket removed on exit");
    // The client sees the connection close.
    g.stream.set_read_timeout(Some(WAIT)).unwrap();
    assert!(wire::recv_i64(g.stream.as_fd()).unwrap().is_none());
    assert!(emu.log().contains("signal 15"));
}

#[test]
fn socket_in_use_is_refused() {
    let emu = Emu::start(&[]);
    let out = Command::new(env!("CARGO_BIN_EXE_novax-emu"))
        .arg("--socket")
        .arg(&emu.sock)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(emu.sock.exists());
    // A stale socket file (nobody listening) is replaced.
    let dir = emu.dir.clone();
    drop(emu);
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join("stale");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let mut child = Command::new(env!("CARGO_BIN_EXE_novax-emu"))
        .arg("--socket")
        .arg(&stale)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("novax-emu: listening on"), "{line}");
    assert!(UnixStream::connect(&stale).is_ok());
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
