// SPDX-License-Identifier: MIT OR Apache-2.0

//! Thin safe wrappers over the Linux system calls the emulator needs and `std` does not offer:
//! memfd, shared mappings, eventfds, passing file descriptors over a Unix socket, poll, and
//! signalfd.
//!
//! All `unsafe` code of the crate that talks to the kernel is here, each block next to the
//! reason it is sound, so that the rest of the crate is safe Rust over owned file descriptors.

use std::ffi::CStr;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::{self, NonNull};
use std::time::Duration;

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn owned(fd: libc::c_int) -> io::Result<OwnedFd> {
    let fd = check(fd)?;
    // SAFETY: `fd` was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// An anonymous memory file (`memfd_create`) of `size` bytes.
pub fn memfd(name: &CStr, size: usize) -> io::Result<OwnedFd> {
    // SAFETY: `name` is a valid NUL-terminated string.
    let fd = owned(unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) })?;
    let len =
        libc::off_t::try_from(size).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: plain system call on a descriptor we own.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), len) })?;
    Ok(fd)
}

/// The size of the file behind `fd`.
pub fn file_size(fd: BorrowedFd<'_>) -> io::Result<u64> {
    // SAFETY: `st` is plain old data, filled in by the kernel.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: `st` is a valid, writable `stat`.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st.st_size as u64)
}

/// A shared, readable and writable mapping of a file.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    /// Maps the first `len` bytes of `fd` shared.
    pub fn shared(fd: BorrowedFd<'_>, len: usize) -> io::Result<Self> {
        // SAFETY: a new mapping chosen by the kernel; it aliases no Rust object.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap gave NULL"))?;
        Ok(Self { ptr, len })
    }

    /// The start of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Its length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned; nothing refers to it any more.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A non-blocking eventfd with counter 0.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: plain system call.
    owned(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })
}

/// Adds 1 to an eventfd's counter (wakes whoever waits on it).
pub fn eventfd_signal(fd: BorrowedFd<'_>) -> io::Result<()> {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a valid u64.
    let r = unsafe { libc::write(fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    if r < 0 {
        let e = io::Error::last_os_error();
        // EAGAIN: the counter is at its maximum, the reader will wake anyway.
        if e.kind() != io::ErrorKind::WouldBlock {
            return Err(e);
        }
    }
    Ok(())
}

/// Reads and resets an eventfd's counter; 0 if it was not signalled.
pub fn eventfd_drain(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut v: u64 = 0;
    // SAFETY: reads 8 bytes into a valid u64.
    let r = unsafe { libc::read(fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::WouldBlock {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(v)
}

/// Room for one `SCM_RIGHTS` control message with one descriptor (CMSG_SPACE(4) is 24 on
/// 64-bit Linux), as u64s for alignment.
type CmsgBuf = [u64; 8];

/// Sends `value` as a little-endian int64 on the Unix stream socket `sock`, with `fd` attached
/// (`SCM_RIGHTS`) if given: one message of QEMU's ivshmem server protocol.
pub fn send_i64(sock: BorrowedFd<'_>, value: i64, fd: Option<BorrowedFd<'_>>) -> io::Result<()> {
    let bytes = value.to_le_bytes();
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    let mut cbuf: CmsgBuf = [0; 8];
    // SAFETY: `msghdr` is plain old data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(fd) = fd {
        // SAFETY: CMSG_SPACE/CMSG_LEN are pure arithmetic.
        let (space, len) = unsafe {
            (
                libc::CMSG_SPACE(size_of::<RawFd>() as u32) as usize,
                libc::CMSG_LEN(size_of::<RawFd>() as u32) as usize,
            )
        };
        debug_assert!(space <= size_of::<CmsgBuf>());
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: `msg_control` points to `space` valid, aligned bytes, so the first header
        // and its data lie within `cbuf`.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = len as _;
            ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>(), fd.as_raw_fd());
        }
    }
    loop {
        // SAFETY: `msg` and everything it points to are valid for the call.
        let r = unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r as usize != bytes.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short send"));
        }
        return Ok(());
    }
}

/// Receives one int64 message of the ivshmem protocol from `sock`, with the descriptor
/// attached to it if any. `Ok(None)` at end of stream. (The server never receives; clients and
/// tests do.)
pub fn recv_i64(sock: BorrowedFd<'_>) -> io::Result<Option<(i64, Option<OwnedFd>)>> {
    let mut bytes = [0u8; 8];
    let mut got = 0;
    let mut fd = None;
    while got < bytes.len() {
        let mut iov = libc::iovec {
            iov_base: bytes[got..].as_mut_ptr().cast(),
            iov_len: bytes.len() - got,
        };
        let mut cbuf: CmsgBuf = [0; 8];
        // SAFETY: plain old data.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = size_of::<CmsgBuf>() as _;
        // SAFETY: `msg` points to valid buffers of the sizes given.
        let r = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        got += r as usize;
        // SAFETY: the kernel filled `msg_controllen` bytes of `cbuf` with well-formed control
        // messages; the CMSG macros walk within them.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(cmsg);
                    let n = ((*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize)
                        / size_of::<RawFd>();
                    for i in 0..n {
                        let raw = ptr::read_unaligned(data.cast::<RawFd>().add(i));
                        // Each received descriptor is new and ours; keep the first, close
                        // the others.
                        let f = OwnedFd::from_raw_fd(raw);
                        if fd.is_none() {
                            fd = Some(f);
                        }
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
    }
    Ok(Some((i64::from_le_bytes(bytes), fd)))
}

/// `poll(2)` on `fds` for up to `timeout` (rounded up to whole milliseconds; `None` waits
/// forever). An interrupted call counts as a timeout.
pub fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<usize> {
    let ms = timeout.map_or(-1, |t| {
        t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int
    });
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(r as usize)
}

/// A `pollfd` waiting for input on `fd`.
pub fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// The terminating signals (SIGINT, SIGTERM) as a file descriptor: they are blocked and
/// become readable on it, so the main loop handles them like any other input.
pub struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// Blocks SIGINT and SIGTERM for this thread (call before starting threads) and opens the
    /// signalfd. Also ignores SIGPIPE: a vanished client is seen as a send error instead.
    pub fn termination() -> io::Result<Self> {
        // SAFETY: sigset_t is plain data initialised by sigemptyset; the calls only take
        // pointers to it.
        unsafe {
            let mut set: libc::sigset_t = zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            let r = libc::pthread_sigmask(libc::SIG_BLOCK, &set, ptr::null_mut());
            if r != 0 {
                return Err(io::Error::from_raw_os_error(r));
            }
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            let fd = owned(libc::signalfd(
                -1,
                &set,
                libc::SFD_NONBLOCK | libc::SFD_CLOEXEC,
            ))?;
            Ok(Self { fd })
        }
    }

    /// The descriptor to poll.
    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The pending signal number, if any.
    pub fn read(&self) -> io::Result<Option<i32>> {
        // SAFETY: plain old data.
        let mut info: libc::signalfd_siginfo = unsafe { zeroed() };
        let n = size_of::<libc::signalfd_siginfo>();
        // SAFETY: reads at most `n` bytes into `info`.
        let r = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut info as *mut libc::signalfd_siginfo).cast(),
                n,
            )
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::WouldBlock {
                return Ok(None);
            }
            return Err(e);
        }
        Ok((r as usize == n).then_some(info.ssi_signo as i32))
    }
}

/// CLOCK_MONOTONIC now.
pub fn monotonic() -> Duration {
    // SAFETY: plain old data, filled in by the kernel.
    let mut ts: libc::timespec = unsafe { zeroed() };
    // SAFETY: `ts` is valid and writable; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn eventfd_counts() {
        let e = eventfd().unwrap();
        assert_eq!(eventfd_drain(e.as_fd()).unwrap(), 0);
        eventfd_signal(e.as_fd()).unwrap();
        eventfd_signal(e.as_fd()).unwrap();
        assert_eq!(eventfd_drain(e.as_fd()).unwrap(), 2);
        assert_eq!(eventfd_drain(e.as_fd()).unwrap(), 0);
    }

    #[test]
    fn memfd_maps_shared() {
        let fd = memfd(c"test", 8192).unwrap();
        assert_eq!(file_size(fd.as_fd()).unwrap(), 8192);
        let a = Mapping::shared(fd.as_fd(), 8192).unwrap();
        let b = Mapping::shared(fd.as_fd(), 8192).unwrap();
        // SAFETY: both mappings are 8192 bytes long; single-threaded test.
        unsafe {
            a.as_ptr().add(100).write_volatile(42);
            assert_eq!(b.as_ptr().add(100).read_volatile(), 42);
        }
    }

    #[test]
    fn ints_and_fds_over_a_socket() {
        let (s, c) = UnixStream::pair().unwrap();
        let e = eventfd().unwrap();
        send_i64(s.as_fd(), 0, None).unwrap();
        send_i64(s.as_fd(), -1, Some(e.as_fd())).unwrap();
        send_i64(s.as_fd(), 0x1234_5678_9abc, None).unwrap();
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!((v, f.is_some()), (0, false));
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!(v, -1);
        // The received descriptor is the same eventfd: signalling it shows on ours.
        eventfd_signal(f.unwrap().as_fd()).unwrap();
        assert_eq!(eventfd_drain(e.as_fd()).unwrap(), 1);
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!((v, f.is_none()), (0x1234_5678_9abc, true));
        drop(s);
        assert!(recv_i64(c.as_fd()).unwrap().is_none());
    }
}
