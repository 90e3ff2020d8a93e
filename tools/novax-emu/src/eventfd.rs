// SPDX-License-Identifier: MIT OR Apache-2.0

//! Eventfds, the ivshmem device's interrupt and doorbell lines.
//!
//! The system calls are rustix's; what lives here is the meaning the emulator gives them: an
//! eventfd is a counter that one side bumps and the other drains, and a full or empty counter is
//! not an error (the waiter wakes anyway, or there was nothing to do).

use rustix::event::{eventfd, EventfdFlags};
use rustix::io::Errno;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

/// A non-blocking eventfd with counter 0.
pub fn new() -> io::Result<OwnedFd> {
    Ok(eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC)?)
}

/// Adds 1 to an eventfd's counter (wakes whoever waits on it).
pub fn signal(fd: BorrowedFd<'_>) -> io::Result<()> {
    match rustix::io::write(fd, &1u64.to_ne_bytes()) {
        // EAGAIN: the counter is at its maximum, the reader will wake anyway.
        Ok(_) | Err(Errno::AGAIN) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Reads and resets an eventfd's counter; 0 if it was not signalled.
pub fn drain(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut v = [0u8; 8];
    match rustix::io::read(fd, &mut v) {
        Ok(_) => Ok(u64::from_ne_bytes(v)),
        Err(Errno::AGAIN) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn eventfd_counts() {
        let e = new().unwrap();
        assert_eq!(drain(e.as_fd()).unwrap(), 0);
        signal(e.as_fd()).unwrap();
        signal(e.as_fd()).unwrap();
        assert_eq!(drain(e.as_fd()).unwrap(), 2);
        assert_eq!(drain(e.as_fd()).unwrap(), 0);
    }
}
