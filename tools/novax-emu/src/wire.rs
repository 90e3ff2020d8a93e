// SPDX-License-Identifier: MIT OR Apache-2.0

//! The messages of QEMU's ivshmem server protocol on the wire: a little-endian int64, with at
//! most one file descriptor attached (`SCM_RIGHTS`). rustix does the `sendmsg`/`recvmsg` and the
//! control-message layout; this module frames the int64 and keeps the one descriptor.

use rustix::io::Errno;
use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};

/// Room for one control message carrying one descriptor.
const CMSG_SPACE: usize = rustix::cmsg_space!(ScmRights(1));

/// Sends `value` on the Unix stream socket `sock`, with `fd` attached if given.
pub fn send_i64(sock: BorrowedFd<'_>, value: i64, fd: Option<BorrowedFd<'_>>) -> io::Result<()> {
    let bytes = value.to_le_bytes();
    let mut space = [MaybeUninit::uninit(); CMSG_SPACE];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = fd.as_slice();
    if !fds.is_empty() {
        assert!(control.push(SendAncillaryMessage::ScmRights(fds)));
    }
    loop {
        match sendmsg(
            sock,
            &[IoSlice::new(&bytes)],
            &mut control,
            SendFlags::NOSIGNAL,
        ) {
            Ok(n) if n == bytes.len() => return Ok(()),
            Ok(_) => return Err(io::Error::new(io::ErrorKind::WriteZero, "short send")),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Receives one message from `sock`, with the descriptor attached to it if any; `Ok(None)` at
/// end of stream. (The server never receives; clients and tests do.)
pub fn recv_i64(sock: BorrowedFd<'_>) -> io::Result<Option<(i64, Option<OwnedFd>)>> {
    let mut bytes = [0u8; 8];
    let mut got = 0;
    let mut fd = None;
    while got < bytes.len() {
        let mut space = [MaybeUninit::uninit(); CMSG_SPACE];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let mut iov = [IoSliceMut::new(&mut bytes[got..])];
        let n = match recvmsg(sock, &mut iov, &mut control, RecvFlags::CMSG_CLOEXEC) {
            Ok(r) => r.bytes,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        got += n;
        for msg in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = msg {
                // Each received descriptor is new and ours; keep the first, close the others.
                for f in fds {
                    fd.get_or_insert(f);
                }
            }
        }
    }
    Ok(Some((i64::from_le_bytes(bytes), fd)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventfd;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn ints_and_fds_over_a_socket() {
        let (s, c) = UnixStream::pair().unwrap();
        let e = eventfd::new().unwrap();
        send_i64(s.as_fd(), 0, None).unwrap();
        send_i64(s.as_fd(), -1, Some(e.as_fd())).unwrap();
        send_i64(s.as_fd(), 0x1234_5678_9abc, None).unwrap();
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!((v, f.is_some()), (0, false));
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!(v, -1);
        // The received descriptor is the same eventfd: signalling it shows on ours.
        eventfd::signal(f.unwrap().as_fd()).unwrap();
        assert_eq!(eventfd::drain(e.as_fd()).unwrap(), 1);
        let (v, f) = recv_i64(c.as_fd()).unwrap().unwrap();
        assert_eq!((v, f.is_none()), (0x1234_5678_9abc, true));
        drop(s);
        assert!(recv_i64(c.as_fd()).unwrap().is_none());
    }
}
