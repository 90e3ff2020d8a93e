// SPDX-License-Identifier: MIT OR Apache-2.0

//! The GSP queue format: ring headers, messages, checksum, and moving messages in and out of a
//! ring.
//!
//! This is the part of the emulator the driver has to agree with bit for bit, so it is kept free
//! of any firmware behaviour and written against [`Mem`]: the unit tests below run it on a plain
//! buffer. Two directions exist and both are here: the GPU *receives* commands from the command
//! queue, treating everything in it as untrusted (validation in the contract's order, every
//! rejection with its reason), and *sends* messages into the message queue (encoding, checksum,
//! never overwriting unread elements).
//!
//! Ring geometry is always the contract's constants, never what a guest wrote in a header.

use crate::mem::Mem;
use crate::regs::{
    elem, rpc, tx, ELEM_HDR_SIZE, ENTRY_OFF, MSG_COUNT, MSG_SIZE, QUEUE_FLAGS, QUEUE_SIZE,
    QUEUE_VERSION, RPC_HDR_SIZE, RPC_HEADER_VERSION, RPC_SIGNATURE, RX_HDR_OFF,
};

/// Bytes of the ring (all elements).
const RING_BYTES: usize = MSG_COUNT as usize * MSG_SIZE;

/// The GSP checksum of `bytes`.
///
/// `sum64 ^= rotate_left_64(b[i], (i % 8) * 8)` over all bytes, folded to 32 bits as
/// `(sum64 >> 32) ^ (sum64 & 0xffffffff)`.
pub fn checksum32(bytes: &[u8]) -> u32 {
    let mut sum: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // (i % 8) * 8 is at most 56: the cast cannot truncate.
        sum ^= u64::from(b).rotate_left(((i % 8) * 8) as u32);
    }
    ((sum >> 32) as u32) ^ (sum as u32)
}

/// Elements a message with RPC `length` occupies: `DIV_ROUND_UP(48 + length, 0x1000)`.
pub fn elem_count_for(length: usize) -> usize {
    (ELEM_HDR_SIZE + length).div_ceil(MSG_SIZE)
}

/// Bytes a message with RPC `length` is checksummed over: `ROUND_UP(48 + length, 8)`.
pub fn checksummed_len(length: usize) -> usize {
    (ELEM_HDR_SIZE + length).next_multiple_of(8)
}

/// Elements in use between `rptr` and `wptr` (both below `MSG_COUNT`).
pub fn used(rptr: u32, wptr: u32) -> u32 {
    (wptr + MSG_COUNT - rptr) % MSG_COUNT
}

/// Elements a sender may still write: one element always stays free.
pub fn free(rptr: u32, wptr: u32) -> u32 {
    MSG_COUNT - 1 - used(rptr, wptr)
}

/// Reads the little-endian u32 at `off` of `buf` (0 past the end).
pub fn get_u32(buf: &[u8], off: usize) -> u32 {
    buf.get(off..off + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Writes `val` little-endian at `off` of `buf` (ignored past the end).
pub fn put_u32(buf: &mut [u8], off: usize, val: u32) {
    if let Some(s) = buf.get_mut(off..off + 4) {
        s.copy_from_slice(&val.to_le_bytes());
    }
}

/// An RPC as a sender chooses it: the header fields that vary, and the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rpc {
    /// `function`.
    pub function: u32,
    /// `rpc_result`.
    pub result: u32,
    /// `sequence`: the request's in replies, 0 in events.
    pub sequence: u32,
    /// The payload after the RPC header.
    pub payload: Vec<u8>,
}

/// Encodes `rpc` as message number `seq_num` of its queue, checksum included.
///
/// The result holds `ROUND_UP(48 + length, 8)` bytes: the element header, the RPC header, the
/// payload and zero padding up to the checksummed length. The rest of the last element is not
/// part of the message and is not written.
pub fn encode(seq_num: u32, rpc: &Rpc) -> Vec<u8> {
    let length = RPC_HDR_SIZE + rpc.payload.len();
    let mut buf = vec![0u8; checksummed_len(length)];
    // elem_count_for(length) <= length / 4096 + 1: fits a u32 for any payload we build.
    put_u32(&mut buf, elem::SEQ_NUM, seq_num);
    put_u32(&mut buf, elem::ELEM_COUNT, elem_count_for(length) as u32);
    put_u32(&mut buf, rpc::HEADER_VERSION, RPC_HEADER_VERSION);
    put_u32(&mut buf, rpc::SIGNATURE, RPC_SIGNATURE);
    put_u32(&mut buf, rpc::LENGTH, length as u32);
    put_u32(&mut buf, rpc::FUNCTION, rpc.function);
    put_u32(&mut buf, rpc::RESULT, rpc.result);
    put_u32(&mut buf, rpc::SEQUENCE, rpc.sequence);
    buf[rpc::PAYLOAD..rpc::PAYLOAD + rpc.payload.len()].copy_from_slice(&rpc.payload);
    seal(&mut buf);
    buf
}

/// Stores in `checkSum` the value that makes the checksum over `msg` come out 0.
///
/// Called by [`encode`], and again after a fault changed a header field that must not also
/// break the checksum.
pub fn seal(msg: &mut [u8]) {
    put_u32(msg, elem::CHECKSUM, 0);
    let sum = checksum32(msg);
    put_u32(msg, elem::CHECKSUM, sum);
}

/// Why a received message was rejected, in the contract's validation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reject {
    /// The sender's write pointer is not below `msgCount`.
    WritePtr,
    /// `elemCount` is 0 or more than the elements queued.
    ElemCount,
    /// `length` is below the RPC header, beyond the elements, or needs another `elemCount`.
    Length,
    /// The checksum over the message is not 0.
    Checksum,
    /// `header_version` is not 0x03000000.
    Version,
    /// `signature` is not "VRPC".
    Signature,
}

impl Reject {
    /// A short description for logs.
    pub fn describe(self) -> &'static str {
        match self {
            Self::WritePtr => "write pointer out of range",
            Self::ElemCount => "bad element count",
            Self::Length => "bad length",
            Self::Checksum => "bad checksum",
            Self::Version => "bad RPC header version",
            Self::Signature => "bad RPC signature",
        }
    }
}

/// A validated message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// `seqNum`.
    pub seq_num: u32,
    /// Elements it occupied.
    pub elems: u32,
    /// The RPC.
    pub rpc: Rpc,
}

/// What [`receive`] found at the read pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxOutcome {
    /// Nothing queued.
    Empty,
    /// A valid message; the read pointer moves past its `elems`.
    Message(Received),
    /// A rejected message; the read pointer must move to `next_rptr`: past the message if its
    /// element count was sane, to the write pointer (dropping everything) if not, and nowhere if
    /// the write pointer itself is out of range.
    Rejected {
        /// Why.
        reason: Reject,
        /// Where the read pointer goes.
        next_rptr: u32,
    },
}

/// Offset in memory of byte `pos` of the ring of the queue at `queue` (`pos < RING_BYTES`).
fn ring_off(queue: usize, pos: usize) -> usize {
    queue + ENTRY_OFF + pos
}

/// Reads `buf.len()` bytes (at most the whole ring) starting at element `index`, wrapping at
/// the ring's end.
pub fn ring_read<M: Mem + ?Sized>(mem: &M, queue: usize, index: u32, buf: &mut [u8]) {
    let start = (index % MSG_COUNT) as usize * MSG_SIZE;
    let len = buf.len().min(RING_BYTES);
    let first = len.min(RING_BYTES - start);
    mem.read(ring_off(queue, start), &mut buf[..first]);
    if first < len {
        mem.read(ring_off(queue, 0), &mut buf[first..len]);
    }
}

/// Writes `data` (at most the whole ring) starting at element `index`, wrapping at the ring's
/// end.
pub fn ring_write<M: Mem + ?Sized>(mem: &mut M, queue: usize, index: u32, data: &[u8]) {
    let start = (index % MSG_COUNT) as usize * MSG_SIZE;
    let len = data.len().min(RING_BYTES);
    let first = len.min(RING_BYTES - start);
    mem.write(ring_off(queue, start), &data[..first]);
    if first < len {
        mem.write(ring_off(queue, 0), &data[first..len]);
    }
}

/// Reads and validates the message at `rptr` of the queue at `queue`, whose sender published
/// `wptr`.
///
/// `rptr` is the receiver's own pointer (below `MSG_COUNT`); `wptr` comes from the sender and is
/// untrusted. Validation follows the contract's order: write pointer, element count, length,
/// checksum, header version, signature. The checksum is computed over `48 + length` bytes, which
/// equals the contract's `ROUND_UP(48 + length, 8)` bytes with zero padding.
pub fn receive<M: Mem + ?Sized>(mem: &M, queue: usize, rptr: u32, wptr: u32) -> RxOutcome {
    if wptr >= MSG_COUNT {
        return RxOutcome::Rejected {
            reason: Reject::WritePtr,
            next_rptr: rptr,
        };
    }
    if rptr >= MSG_COUNT {
        // Our own pointer is never out of range; if it were, resynchronise.
        return RxOutcome::Rejected {
            reason: Reject::ElemCount,
            next_rptr: wptr,
        };
    }
    let available = used(rptr, wptr);
    if available == 0 {
        return RxOutcome::Empty;
    }
    // The headers sit in the first element: no wrap inside them.
    let mut hdr = [0u8; ELEM_HDR_SIZE + RPC_HDR_SIZE];
    ring_read(mem, queue, rptr, &mut hdr);
    let elems = get_u32(&hdr, elem::ELEM_COUNT);
    if elems == 0 || elems > available {
        return RxOutcome::Rejected {
            reason: Reject::ElemCount,
            next_rptr: wptr,
        };
    }
    let next_rptr = (rptr + elems) % MSG_COUNT;
    let reject = |reason| RxOutcome::Rejected { reason, next_rptr };
    let length = get_u32(&hdr, rpc::LENGTH) as usize;
    let span = elems as usize * MSG_SIZE;
    if length < RPC_HDR_SIZE
        || length > span - ELEM_HDR_SIZE
        || elem_count_for(length) != elems as usize
    {
        return reject(Reject::Length);
    }
    let mut msg = vec![0u8; ELEM_HDR_SIZE + length];
    ring_read(mem, queue, rptr, &mut msg);
    if checksum32(&msg) != 0 {
        return reject(Reject::Checksum);
    }
    if get_u32(&msg, rpc::HEADER_VERSION) != RPC_HEADER_VERSION {
        return reject(Reject::Version);
    }
    if get_u32(&msg, rpc::SIGNATURE) != RPC_SIGNATURE {
        return reject(Reject::Signature);
    }
    RxOutcome::Message(Received {
        seq_num: get_u32(&msg, elem::SEQ_NUM),
        elems,
        rpc: Rpc {
            function: get_u32(&msg, rpc::FUNCTION),
            result: get_u32(&msg, rpc::RESULT),
            sequence: get_u32(&msg, rpc::SEQUENCE),
            payload: msg[rpc::PAYLOAD..].to_vec(),
        },
    })
}

/// Why [`post`] could not write a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostError {
    /// Not enough free elements: the receiver has not consumed enough yet.
    Full,
    /// The receiver's read pointer is out of range: nothing can be known to be free.
    BadReadPtr,
    /// The message is larger than the ring can ever hold.
    TooBig,
}

/// Writes the encoded message `msg` at element `wptr` (the sender's own pointer, below
/// `MSG_COUNT`) if the receiver, at `peer_rptr` (untrusted), has left room for it.
///
/// Returns the new write pointer. The message is not visible until the caller publishes that
/// pointer with [`publish_write_ptr`]: several messages can be published at once.
pub fn post<M: Mem + ?Sized>(
    mem: &mut M,
    queue: usize,
    wptr: u32,
    peer_rptr: u32,
    msg: &[u8],
) -> Result<u32, PostError> {
    let elems = msg.len().div_ceil(MSG_SIZE).max(1);
    if elems >= MSG_COUNT as usize {
        return Err(PostError::TooBig);
    }
    if peer_rptr >= MSG_COUNT {
        return Err(PostError::BadReadPtr);
    }
    let wptr = wptr % MSG_COUNT;
    if elems > free(peer_rptr, wptr) as usize {
        return Err(PostError::Full);
    }
    ring_write(mem, queue, wptr, msg);
    Ok((wptr + elems as u32) % MSG_COUNT)
}

/// Publishes the write pointer of the queue at `queue` (a release store: the messages it covers
/// are visible before it is).
pub fn publish_write_ptr<M: Mem + ?Sized>(mem: &mut M, queue: usize, wptr: u32) {
    mem.store_u32(queue + tx::WRITE_PTR, wptr);
}

/// Loads the write pointer the owner of the queue at `queue` published (untrusted).
pub fn write_ptr<M: Mem + ?Sized>(mem: &M, queue: usize) -> u32 {
    mem.load_u32(queue + tx::WRITE_PTR)
}

/// Loads the read pointer in the rx header of the queue at `queue`: its owner's position in
/// the *other* queue.
pub fn rx_read_ptr<M: Mem + ?Sized>(mem: &M, queue: usize) -> u32 {
    mem.load_u32(queue + RX_HDR_OFF)
}

/// Stores the read pointer in the rx header of the queue at `queue` (which we own).
pub fn set_rx_read_ptr<M: Mem + ?Sized>(mem: &mut M, queue: usize, rptr: u32) {
    mem.store_u32(queue + RX_HDR_OFF, rptr);
}

/// Writes the headers of a queue we own: the tx header with write pointer 0 and the rx header
/// with read pointer 0.
pub fn init_headers<M: Mem + ?Sized>(mem: &mut M, queue: usize) {
    mem.store_u32(queue + tx::VERSION, QUEUE_VERSION);
    mem.store_u32(queue + tx::SIZE, QUEUE_SIZE as u32);
    mem.store_u32(queue + tx::MSG_SIZE, MSG_SIZE as u32);
    mem.store_u32(queue + tx::MSG_COUNT, MSG_COUNT);
    mem.store_u32(queue + tx::FLAGS, QUEUE_FLAGS);
    mem.store_u32(queue + tx::RX_HDR_OFF, RX_HDR_OFF as u32);
    mem.store_u32(queue + tx::ENTRY_OFF, ENTRY_OFF as u32);
    mem.store_u32(queue + RX_HDR_OFF, 0);
    publish_write_ptr(mem, queue, 0);
}

/// Whether the tx header of the queue at `queue` has the contract's geometry (all fields but
/// the write pointer).
pub fn headers_valid<M: Mem + ?Sized>(mem: &M, queue: usize) -> bool {
    mem.load_u32(queue + tx::VERSION) == QUEUE_VERSION
        && mem.load_u32(queue + tx::SIZE) == QUEUE_SIZE as u32
        && mem.load_u32(queue + tx::MSG_SIZE) == MSG_SIZE as u32
        && mem.load_u32(queue + tx::MSG_COUNT) == MSG_COUNT
        && mem.load_u32(queue + tx::FLAGS) == QUEUE_FLAGS
        && mem.load_u32(queue + tx::RX_HDR_OFF) == RX_HDR_OFF as u32
        && mem.load_u32(queue + tx::ENTRY_OFF) == ENTRY_OFF as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;
    use crate::regs::MAX_RPC_LENGTH;

    /// A queue at offset 0 of a memory just big enough for it.
    const Q: usize = 0;

    fn mem() -> VecMem {
        let mut m = VecMem::new(QUEUE_SIZE);
        init_headers(&mut m, Q);
        m
    }

    fn rpc(function: u32, sequence: u32, payload: Vec<u8>) -> Rpc {
        Rpc {
            function,
            result: 0,
            sequence,
            payload,
        }
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// Writes raw message bytes at `at` and publishes `wptr`.
    fn put_raw(m: &mut VecMem, at: u32, msg: &[u8], wptr: u32) {
        ring_write(m, Q, at, msg);
        publish_write_ptr(m, Q, wptr);
    }

    fn rejected(m: &VecMem, rptr: u32) -> (Reject, u32) {
        match receive(m, Q, rptr, write_ptr(m, Q)) {
            RxOutcome::Rejected { reason, next_rptr } => (reason, next_rptr),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn checksum_known_vectors() {
        // 56 zero bytes: every term is 0.
        assert_eq!(checksum32(&[0u8; 56]), 0);
        // b[i] = i + 1 for i in 0..8: the bytes land unrotated in byte lanes 0..7, so
        // sum64 = 0x0807060504030201 and 0x08070605 ^ 0x04030201 = 0x0c040404.
        assert_eq!(checksum32(&[1, 2, 3, 4, 5, 6, 7, 8]), 0x0c04_0404);
        // The same 8 bytes twice: both words are XORed in, they cancel.
        assert_eq!(
            checksum32(&[1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]),
            0
        );
        // 0xff at index 9: lane 1 -> 0xff00, high half 0 -> 0x0000ff00.
        let mut b = [0u8; 16];
        b[9] = 0xff;
        assert_eq!(checksum32(&b), 0x0000_ff00);
        // 0x80 at index 7: lane 7 -> 0x80 << 56, high half 0x80000000, low half 0.
        let mut b = [0u8; 8];
        b[7] = 0x80;
        assert_eq!(checksum32(&b), 0x8000_0000);
        // 0x12 at index 4 and 0x12 at index 0: lanes 4 and 0 fold onto the same bits.
        let mut b = [0u8; 8];
        b[0] = 0x12;
        b[4] = 0x12;
        assert_eq!(checksum32(&b), 0);
        // A trailing partial word counts as if zero-padded: 3 bytes 0xaa 0xbb 0xcc.
        assert_eq!(checksum32(&[0xaa, 0xbb, 0xcc]), 0x00cc_bbaa);
    }

    #[test]
    fn rotation_wraps_nothing_for_bytes() {
        // A byte rotated by at most 56 never wraps: rotate_left(b, 8k) == b << 8k. So the
        // checksum is the XOR of the message's little-endian u64 words, folded.
        let data = pattern(1000, 7);
        let mut sum = 0u64;
        for chunk in data.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            sum ^= u64::from_le_bytes(w);
        }
        assert_eq!(checksum32(&data), ((sum >> 32) as u32) ^ (sum as u32));
    }

    #[test]
    fn sealed_messages_check_to_zero() {
        for len in [0usize, 1, 7, 8, 100, 4016, 4017, 16384] {
            let m = encode(3, &rpc(0xf001, 9, pattern(len, 1)));
            assert_eq!(m.len(), checksummed_len(RPC_HDR_SIZE + len));
            assert_eq!(checksum32(&m), 0, "payload {len}");
            // Flipping any bit breaks it.
            let mut bad = m.clone();
            bad[m.len() - 1] ^= 0x10;
            assert_ne!(checksum32(&bad), 0);
        }
    }

    #[test]
    fn encoded_header_fields() {
        let m = encode(
            7,
            &Rpc {
                function: 0xf002,
                result: 0x1f,
                sequence: 42,
                payload: vec![1, 2, 3],
            },
        );
        assert_eq!(m.len(), 48 + 32 + 8); // 83 rounded up to 88
        assert_eq!(&m[..32], &[0u8; 32]); // authTag/aad
        assert_eq!(get_u32(&m, elem::SEQ_NUM), 7);
        assert_eq!(get_u32(&m, elem::ELEM_COUNT), 1);
        assert_eq!(get_u32(&m, elem::PADDING), 0);
        assert_eq!(get_u32(&m, rpc::HEADER_VERSION), 0x0300_0000);
        assert_eq!(get_u32(&m, rpc::SIGNATURE), 0x4350_5256);
        assert_eq!(get_u32(&m, rpc::LENGTH), 35);
        assert_eq!(get_u32(&m, rpc::FUNCTION), 0xf002);
        assert_eq!(get_u32(&m, rpc::RESULT), 0x1f);
        assert_eq!(get_u32(&m, rpc::RESULT_PRIVATE), 0);
        assert_eq!(get_u32(&m, rpc::SEQUENCE), 42);
        assert_eq!(get_u32(&m, rpc::SPARE), 0);
        assert_eq!(&m[80..83], &[1, 2, 3]);
        assert_eq!(&m[83..], &[0; 5]);
    }

    #[test]
    fn elem_counts() {
        assert_eq!(elem_count_for(32), 1);
        assert_eq!(elem_count_for(4096 - 48), 1);
        assert_eq!(elem_count_for(4096 - 47), 2);
        assert_eq!(elem_count_for(32 + 16384), 5);
        assert_eq!(elem_count_for(MAX_RPC_LENGTH), 62);
        assert_eq!(checksummed_len(35), 88);
        assert_eq!(checksummed_len(40), 88);
    }

    #[test]
    fn pointers() {
        assert_eq!(used(0, 0), 0);
        assert_eq!(free(0, 0), 62);
        assert_eq!(used(60, 2), 5);
        assert_eq!(free(60, 2), 57);
        assert_eq!(used(1, 0), 62);
        assert_eq!(free(1, 0), 0);
    }

    #[test]
    fn round_trip_single_and_multi_element() {
        let mut m = mem();
        let mut wptr = 0;
        let msgs = [
            rpc(0xf001, 1, vec![]),
            rpc(0xf001, 2, pattern(4000, 3)),
            rpc(0xf001, 3, pattern(16384, 5)),
            rpc(0x1006, 0, b"hello\0".to_vec()),
        ];
        for (i, r) in msgs.iter().enumerate() {
            wptr = post(&mut m, Q, wptr, 0, &encode(i as u32, r)).unwrap();
        }
        publish_write_ptr(&mut m, Q, wptr);
        assert_eq!(wptr, 1 + 1 + 5 + 1);
        let mut rptr = 0;
        for (i, r) in msgs.iter().enumerate() {
            match receive(&m, Q, rptr, write_ptr(&m, Q)) {
                RxOutcome::Message(got) => {
                    assert_eq!(got.seq_num, i as u32);
                    assert_eq!(&got.rpc, r);
                    rptr = (rptr + got.elems) % MSG_COUNT;
                }
                other => panic!("message {i}: {other:?}"),
            }
        }
        assert_eq!(rptr, wptr);
        assert_eq!(receive(&m, Q, rptr, wptr), RxOutcome::Empty);
    }

    #[test]
    fn round_trip_across_the_ring_end() {
        let mut m = mem();
        // Start 2 elements before the end: a 5-element message wraps after 2 elements.
        let start = MSG_COUNT - 2;
        let r = rpc(0xf001, 77, pattern(16384, 9));
        let wptr = post(&mut m, Q, start, start, &encode(5, &r)).unwrap();
        assert_eq!(wptr, 3);
        publish_write_ptr(&mut m, Q, wptr);
        // The payload's bytes really are split: the start of element 0 holds message byte 8192.
        let mut first = [0u8; 8];
        m.read(ENTRY_OFF, &mut first);
        let enc = encode(5, &r);
        assert_eq!(&first, &enc[8192..8200]);
        match receive(&m, Q, start, wptr) {
            RxOutcome::Message(got) => {
                assert_eq!(got.elems, 5);
                assert_eq!(got.rpc, r);
            }
            other => panic!("{other:?}"),
        }
        // A header in the last element with a payload wrapping by a few bytes.
        let mut m = mem();
        let start = MSG_COUNT - 1;
        let r = rpc(0xf001, 78, pattern(4096 - 80 + 16, 2));
        let wptr = post(&mut m, Q, start, start, &encode(0, &r)).unwrap();
        assert_eq!(wptr, 1);
        match receive(&m, Q, start, wptr) {
            RxOutcome::Message(got) => assert_eq!(got.rpc, r),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ring_full_never_overwrites() {
        let mut m = mem();
        let small = encode(0, &rpc(0xf101, 0, vec![0; 16]));
        let mut wptr = 0;
        let mut n = 0;
        // The receiver sits at 0: 62 elements may be written, the 63rd never.
        loop {
            match post(&mut m, Q, wptr, 0, &small) {
                Ok(w) => {
                    wptr = w;
                    n += 1;
                }
                Err(e) => {
                    assert_eq!(e, PostError::Full);
                    break;
                }
            }
        }
        assert_eq!(n, 62);
        assert_eq!(wptr, 62);
        // Element 0 (unread) still holds the first message.
        let mut got = vec![0u8; small.len()];
        ring_read(&m, Q, 0, &mut got);
        assert_eq!(got, small);
        // A multi-element message needs all of its room.
        let big = encode(0, &rpc(0xf001, 0, vec![0; 5000]));
        assert_eq!(post(&mut m, Q, 10, 12, &big), Err(PostError::Full)); // 1 free
        assert_eq!(post(&mut m, Q, 10, 13, &big), Ok(12)); // 2 free
                                                           // An untrusted read pointer out of range makes nothing free.
        assert_eq!(post(&mut m, Q, 0, 63, &small), Err(PostError::BadReadPtr));
        assert_eq!(
            post(&mut m, Q, 0, 0xdead, &small),
            Err(PostError::BadReadPtr)
        );
        // A message that can never fit.
        let huge = vec![0u8; 63 * MSG_SIZE];
        assert_eq!(post(&mut m, Q, 0, 0, &huge), Err(PostError::TooBig));
    }

    #[test]
    fn rejects_bad_write_ptr_without_moving() {
        let mut m = mem();
        put_raw(&mut m, 0, &encode(0, &rpc(1, 1, vec![])), 63);
        assert_eq!(rejected(&m, 0), (Reject::WritePtr, 0));
        publish_write_ptr(&mut m, Q, 0xdead);
        assert_eq!(rejected(&m, 5), (Reject::WritePtr, 5));
    }

    #[test]
    fn rejects_insane_elem_count_by_dropping_everything() {
        let mut m = mem();
        let mut msg = encode(0, &rpc(1, 1, vec![]));
        // elemCount 0, checksum kept right so only the count is wrong.
        put_u32(&mut msg, elem::ELEM_COUNT, 0);
        seal(&mut msg);
        put_raw(&mut m, 4, &msg, 7);
        assert_eq!(rejected(&m, 4), (Reject::ElemCount, 7));
        // elemCount more than queued (3 queued, claims 4).
        put_u32(&mut msg, elem::ELEM_COUNT, 4);
        seal(&mut msg);
        put_raw(&mut m, 4, &msg, 7);
        assert_eq!(rejected(&m, 4), (Reject::ElemCount, 7));
        // Huge.
        put_u32(&mut msg, elem::ELEM_COUNT, 0x1000);
        seal(&mut msg);
        put_raw(&mut m, 4, &msg, 7);
        assert_eq!(rejected(&m, 4), (Reject::ElemCount, 7));
        // Exactly what is queued is fine as far as the count goes (then the length is wrong).
        put_u32(&mut msg, elem::ELEM_COUNT, 3);
        seal(&mut msg);
        put_raw(&mut m, 4, &msg, 7);
        assert_eq!(rejected(&m, 4), (Reject::Length, 7));
    }

    #[test]
    fn rejects_bad_length_by_skipping() {
        let mut m = mem();
        let good = encode(0, &rpc(1, 1, vec![0; 8]));
        let cases: [(u32, u32); 4] = [
            (31, 1),          // below the RPC header
            (4096 - 47, 1),   // one byte beyond one element
            (0x7fff_ffff, 1), // absurd
            (100, 2),         // fits in 2 elements but only needs 1
        ];
        for (length, elems) in cases {
            let mut msg = good.clone();
            put_u32(&mut msg, rpc::LENGTH, length);
            put_u32(&mut msg, elem::ELEM_COUNT, elems);
            seal(&mut msg);
            put_raw(&mut m, 0, &msg, 5);
            assert_eq!(rejected(&m, 0), (Reject::Length, elems), "length {length}");
        }
    }

    #[test]
    fn rejects_bad_checksum_version_signature_in_that_order() {
        let mut m = mem();
        let good = encode(0, &rpc(1, 1, pattern(5000, 4)));
        // Checksum off by one.
        let mut msg = good.clone();
        let c = get_u32(&msg, elem::CHECKSUM);
        put_u32(&mut msg, elem::CHECKSUM, c.wrapping_add(1));
        put_raw(&mut m, 10, &msg, 12);
        assert_eq!(rejected(&m, 10), (Reject::Checksum, 12));
        // A payload byte changed after sealing.
        let mut msg = good.clone();
        msg[4500] ^= 1;
        put_raw(&mut m, 10, &msg, 12);
        assert_eq!(rejected(&m, 10), (Reject::Checksum, 12));
        // Bad version and bad signature together: the version is reported (checked first).
        let mut msg = good.clone();
        put_u32(&mut msg, rpc::HEADER_VERSION, 0x0200_0000);
        put_u32(&mut msg, rpc::SIGNATURE, 0x4441_4544);
        seal(&mut msg);
        put_raw(&mut m, 10, &msg, 12);
        assert_eq!(rejected(&m, 10), (Reject::Version, 12));
        // Bad version and bad checksum: checksum first.
        put_u32(&mut msg, elem::CHECKSUM, 0);
        put_raw(&mut m, 10, &msg, 12);
        assert_eq!(rejected(&m, 10), (Reject::Checksum, 12));
        // Signature alone.
        let mut msg = good.clone();
        put_u32(&mut msg, rpc::SIGNATURE, 0x4441_4544);
        seal(&mut msg);
        put_raw(&mut m, 10, &msg, 12);
        assert_eq!(rejected(&m, 10), (Reject::Signature, 12));
        // And the good one passes at the same place.
        put_raw(&mut m, 10, &good, 12);
        assert!(matches!(receive(&m, Q, 10, 12), RxOutcome::Message(_)));
    }

    #[test]
    fn length_is_checked_before_checksum() {
        let mut m = mem();
        let mut msg = encode(0, &rpc(1, 1, vec![]));
        put_u32(&mut msg, rpc::LENGTH, 8); // bad length, and the checksum is now wrong too
        put_raw(&mut m, 0, &msg, 1);
        assert_eq!(rejected(&m, 0), (Reject::Length, 1));
    }

    #[test]
    fn garbage_padding_is_not_checksummed() {
        // The contract says bytes past 48 + length up to the rounding are zero; a sender that
        // left garbage there (the driver's buffer) must still be accepted, since zero bytes
        // contribute nothing to the checksum.
        let mut m = mem();
        let msg = encode(0, &rpc(0xf001, 1, vec![1, 2, 3]));
        let mut dirty = msg.clone();
        let n = dirty.len();
        dirty[n - 1] = 0x55;
        put_raw(&mut m, 0, &dirty, 1);
        assert!(matches!(receive(&m, Q, 0, 1), RxOutcome::Message(_)));
    }

    #[test]
    fn headers() {
        let mut m = VecMem::new(QUEUE_SIZE);
        assert!(!headers_valid(&m, Q));
        init_headers(&mut m, Q);
        assert!(headers_valid(&m, Q));
        assert_eq!(m.load_u32(tx::SIZE), 0x40000);
        assert_eq!(m.load_u32(tx::MSG_SIZE), 0x1000);
        assert_eq!(m.load_u32(tx::MSG_COUNT), 0x3f);
        assert_eq!(m.load_u32(tx::FLAGS), 1);
        assert_eq!(m.load_u32(tx::RX_HDR_OFF), 0x20);
        assert_eq!(m.load_u32(tx::ENTRY_OFF), 0x1000);
        // The write pointer does not count.
        publish_write_ptr(&mut m, Q, 0xdead);
        assert!(headers_valid(&m, Q));
        m.store_u32(tx::MSG_COUNT, 0);
        assert!(!headers_valid(&m, Q));
    }
}
