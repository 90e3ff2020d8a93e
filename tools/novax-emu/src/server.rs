// SPDX-License-Identifier: MIT OR Apache-2.0

//! The main loop: one thread polling the listening socket, the client connection, the GPU's
//! doorbell eventfd and the termination signals, with a 1 ms timeout as the GPU's clock.
//!
//! Single-threaded on purpose: the GPU model is a state machine that is stepped after every
//! wake-up, so there is no locking, and a poll at least every millisecond keeps the
//! test-control block's promised 2 ms latency and makes lost doorbells harmless. A client that
//! goes away leaves the emulator listening; the next client gets a fresh GPU.

use crate::chip::Chip;
use crate::cli::Config;
use crate::eventfd;
use crate::gsp::{self, Gsp};
use crate::guest_ram::GuestRam;
use crate::ivshmem::{self, Client, Peer};
use crate::mem::Mem;
use crate::shm::Shm;
use crate::signals::Termination;
use crate::{log_debug, log_info};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::time::{clock_gettime, ClockId};
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

/// The GPU's clock period: the longest the loop sleeps.
pub const TICK: Duration = Duration::from_millis(1);

/// The clock period while the GPU is busy ([`crate::gsp::Gsp::busy`]).
pub const BUSY_TICK: Duration = Duration::from_micros(20);

/// The emulator process.
pub struct Server {
    listener: UnixListener,
    path: PathBuf,
    gsp: Gsp<Shm>,
    gpu: Peer,
    client: Option<Client>,
    signals: Termination,
    vectors: usize,
    chip: Chip,
}

impl Server {
    /// Creates the shared memory and the GPU's eventfds and starts listening. An existing
    /// socket file is replaced unless something still accepts connections on it.
    pub fn bind(cfg: &Config, signals: Termination) -> io::Result<Self> {
        let shm = Shm::new(cfg.shm_size)?;
        let mut gsp = Gsp::new(
            shm,
            gsp::Config {
                chip: cfg.chip.clone(),
                event_rate: cfg.event_rate,
            },
        );
        if let Some(path) = &cfg.guest_ram {
            let ram = Shm::open_file(path).map_err(|e| {
                io::Error::new(e.kind(), format!("guest RAM {}: {e}", path.display()))
            })?;
            let ram = GuestRam::pc(Box::new(ram) as Box<dyn Mem>);
            log_info!(
                "guest RAM {}: {} MiB, {} MiB below 4 GiB",
                path.display(),
                ram.size() >> 20,
                ram.below_4g() >> 20
            );
            gsp.attach_guest_ram(ram);
        }
        let gpu = Peer::new(ivshmem::EMU_PEER_ID, cfg.vectors)?;
        if cfg.socket.exists() {
            if UnixStream::connect(&cfg.socket).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{} is in use", cfg.socket.display()),
                ));
            }
            std::fs::remove_file(&cfg.socket)?;
        }
        let listener = UnixListener::bind(&cfg.socket)?;
        listener.set_nonblocking(true)?;
        Ok(Self {
            listener,
            path: cfg.socket.clone(),
            gsp,
            gpu,
            client: None,
            signals,
            vectors: cfg.vectors,
            chip: cfg.chip.clone(),
        })
    }

    /// Serves until SIGINT or SIGTERM.
    pub fn run(&mut self) -> io::Result<()> {
        loop {
            let ready = self.wait()?;
            if ready[0] {
                if let Some(sig) = self.signals.read()? {
                    log_info!("signal {sig}: exiting");
                    self.disconnect("emulator exiting");
                    return Ok(());
                }
            }
            if ready[3] {
                self.service_client();
            }
            if ready[1] {
                self.accept();
            }
            let now = monotonic();
            // Drained on every pass, not only when the wait saw it readable: a ring is then
            // handled before the GPU next looks at GSP_CTRL, so a ring that came before a halt
            // is not counted as one after it.
            let rings = eventfd::drain(self.gpu.vectors[0].as_fd())?;
            if let Some(client) = &self.client {
                if rings > 0 {
                    self.gsp.doorbells(now, rings);
                } else {
                    self.gsp.poll(now);
                }
                if self.gsp.take_irq() {
                    if let Some(v) = client.peer.vector(0) {
                        if let Err(e) = eventfd::signal(v) {
                            log_info!("cannot interrupt the guest: {e}");
                        }
                    }
                }
            }
        }
    }

    /// Sleeps until input on the signals, the listener, the doorbell or the client (in that
    /// order in the result), or for one [`TICK`] while a client is connected. An interrupted
    /// wait counts as a timeout.
    fn wait(&self) -> io::Result<[bool; 4]> {
        let mut fds = vec![
            PollFd::new(&self.signals, PollFlags::IN),
            PollFd::new(&self.listener, PollFlags::IN),
            PollFd::new(&self.gpu.vectors[0], PollFlags::IN),
        ];
        if let Some(c) = &self.client {
            fds.push(PollFd::new(&c.stream, PollFlags::IN));
        }
        // Without a client there is no GPU to clock: sleep until something happens. A busy GPU
        // (an unlimited flood) is stepped again after BUSY_TICK, not TICK: often enough that
        // the driver, not the GPU, sets the rate, without spinning on a core the guest needs.
        let tick = Timespec::try_from(TICK).expect("1 ms fits a timespec");
        let busy = Timespec::try_from(BUSY_TICK).expect("20 us fits a timespec");
        let timeout = self
            .client
            .as_ref()
            .map(|_| if self.gsp.busy() { &busy } else { &tick });
        match poll(&mut fds, timeout) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        let mut ready = [false; 4];
        for (r, f) in ready.iter_mut().zip(&fds) {
            *r = !f.revents().is_empty();
        }
        Ok(ready)
    }

    fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => self.connect(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    log_info!("accept: {e}");
                    break;
                }
            }
        }
    }

    fn connect(&mut self, stream: UnixStream) {
        if self.client.is_some() {
            self.disconnect("replaced by a new client");
        }
        self.gsp.reset();
        for v in &self.gpu.vectors {
            // Stale doorbells of a previous client.
            let _ = eventfd::drain(v.as_fd());
        }
        let setup = stream
            .set_write_timeout(Some(Duration::from_secs(1)))
            .and_then(|()| ivshmem::handshake(stream, self.gsp.mem().fd(), &self.gpu, self.vectors))
            .and_then(|c| c.stream.set_nonblocking(true).map(|()| c));
        match setup {
            Ok(c) => {
                log_info!(
                    "client connected: peer id {}, {} vectors; {} (BOOT_0 {:#010x})",
                    c.peer.id,
                    self.vectors,
                    self.chip.name,
                    self.chip.boot0
                );
                self.client = Some(c);
            }
            Err(e) => log_info!("client handshake failed: {e}"),
        }
    }

    /// Reads (and ignores) whatever the client sent; end of stream or an error disconnects.
    fn service_client(&mut self) {
        let Some(c) = self.client.as_mut() else {
            return;
        };
        let mut buf = [0u8; 256];
        match c.stream.read(&mut buf) {
            Ok(0) => self.disconnect("client disconnected"),
            Ok(n) => log_debug!("ignoring {n} bytes from the client"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => self.disconnect(&format!("client connection error: {e}")),
        }
    }

    fn disconnect(&mut self, why: &str) {
        if self.client.take().is_none() {
            return;
        }
        let s = self.gsp.stats();
        let h = self.gsp.halt_stats();
        log_info!(
            "{why}: posted {} (events {}), commands {}, bad commands {}, interrupts {}, faults {}; \
             {} halts, while halted {} doorbells, {} register writes",
            s.posted,
            s.events,
            s.commands,
            s.bad_commands,
            s.interrupts,
            s.faults,
            h.halts,
            h.doorbells,
            h.writes
        );
        // Nobody drives the GPU now; the next client starts afresh anyway.
        self.gsp.reset();
    }
}

/// CLOCK_MONOTONIC now: the GPU model's clock.
fn monotonic() -> Duration {
    let t = clock_gettime(ClockId::Monotonic);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
