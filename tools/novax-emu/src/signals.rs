// SPDX-License-Identifier: MIT OR Apache-2.0

//! The terminating signals (SIGINT, SIGTERM) as a file descriptor: they are blocked and become
//! readable on it, so the main loop handles them like any other input.
//!
//! nix rather than rustix: rustix has no signalfd and no safe signal mask.

use nix::sys::signal::{signal, SigHandler, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

/// SIGINT and SIGTERM, readable on a descriptor.
pub struct Termination {
    fd: SignalFd,
}

impl Termination {
    /// Blocks SIGINT and SIGTERM for this thread (call before starting threads) and opens the
    /// signalfd. Also ignores SIGPIPE: a vanished client is seen as a send error instead.
    pub fn new() -> io::Result<Self> {
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        set.add(Signal::SIGTERM);
        set.thread_block()?;
        // SAFETY: SIG_IGN installs no handler code, so nothing can run in signal context.
        unsafe { signal(Signal::SIGPIPE, SigHandler::SigIgn) }?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(Self { fd })
    }

    /// The pending signal number, if any.
    pub fn read(&self) -> io::Result<Option<i32>> {
        Ok(self.fd.read_signal()?.map(|info| info.ssi_signo as i32))
    }
}

impl AsFd for Termination {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
