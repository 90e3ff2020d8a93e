// SPDX-License-Identifier: MIT OR Apache-2.0

//! QEMU's ivshmem server protocol, server side.
//!
//! `ivshmem-doorbell` gets its shared memory and its interrupts from a server over a Unix
//! socket. Every message is a little-endian int64, some with a file descriptor attached
//! (`SCM_RIGHTS`). On connect the server sends: the protocol version (0); the client's peer id;
//! -1 with the shared memory fd; then, for every peer, that peer's id once per vector with one
//! eventfd attached each time, the new client's own eventfds last. When a peer leaves, the
//! server sends its id without an fd to the others.
//!
//! The emulator is both the server and a peer: peer 0, the GPU. Its vector-0 eventfd is the
//! doorbell (QEMU writes it when the guest writes `0 << 16 | 0` to the Doorbell register), and
//! the client's vector-0 eventfd is the guest's MSI-X vector 0, which the GPU writes to
//! interrupt. Only one client is served at a time (one GPU, one guest).

use crate::eventfd;
use crate::wire::send_i64;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

/// The protocol version sent first.
pub const PROTOCOL_VERSION: i64 = 0;
/// The emulator's own peer id.
pub const EMU_PEER_ID: i64 = 0;
/// The id given to a client.
pub const CLIENT_PEER_ID: i64 = 1;

/// A peer: its id and one eventfd per vector.
pub struct Peer {
    /// Peer id.
    pub id: i64,
    /// Eventfds, one per vector.
    pub vectors: Vec<OwnedFd>,
}

impl Peer {
    /// A peer with `n` fresh eventfds.
    pub fn new(id: i64, n: usize) -> io::Result<Self> {
        let vectors = (0..n).map(|_| eventfd::new()).collect::<io::Result<_>>()?;
        Ok(Self { id, vectors })
    }

    /// The eventfd of vector `v`.
    pub fn vector(&self, v: usize) -> Option<BorrowedFd<'_>> {
        self.vectors.get(v).map(|f| f.as_fd())
    }
}

/// A connected QEMU.
pub struct Client {
    /// The connection.
    pub stream: UnixStream,
    /// Its peer id and eventfds (it was sent copies; we keep ours to interrupt it).
    pub peer: Peer,
}

/// Greets a new client on `stream`: version, its id, the shared memory, the GPU peer's
/// eventfds and then its own (fresh, `vectors` of them).
pub fn handshake(
    stream: UnixStream,
    shm: BorrowedFd<'_>,
    gpu: &Peer,
    vectors: usize,
) -> io::Result<Client> {
    let peer = Peer::new(CLIENT_PEER_ID, vectors)?;
    let s = stream.as_fd();
    send_i64(s, PROTOCOL_VERSION, None)?;
    send_i64(s, peer.id, None)?;
    send_i64(s, -1, Some(shm))?;
    for p in [gpu, &peer] {
        for fd in &p.vectors {
            send_i64(s, p.id, Some(fd.as_fd()))?;
        }
    }
    Ok(Client { stream, peer })
}
