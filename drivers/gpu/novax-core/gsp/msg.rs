// SPDX-License-Identifier: GPL-2.0

//! The GSP message format: queue headers, element header, RPC header and checksum.
//!
//! Layout and numbers: Documentation/gpu/novax-gsp.rst. These are pure functions over byte
//! buffers, so they are the same for the command queue (we encode) and the message queue (we
//! decode and validate untrusted data).

/// Page (and queue element) size.
pub(crate) const GSP_PAGE_SIZE: usize = 0x1000;
/// Elements per queue ring.
pub(crate) const MSG_COUNT: u32 = 0x3f;
/// Bytes of one queue: headers page plus the ring.
pub(crate) const QUEUE_SIZE: usize = 0x40000;
/// Offset of the rx header in a queue.
pub(crate) const RX_HDR_OFF: usize = 0x20;
/// Offset of element 0 in a queue.
pub(crate) const ENTRY_OFF: usize = 0x1000;
/// Offset of the page table in the GSP shared memory.
pub(crate) const PTE_OFF: usize = 0;
/// Offset of the command queue in the GSP shared memory.
pub(crate) const CMDQ_OFF: usize = 0x1000;
/// Offset of the message queue in the GSP shared memory.
pub(crate) const MSGQ_OFF: usize = CMDQ_OFF + QUEUE_SIZE;
/// Bytes of GSP shared memory the queues need.
pub(crate) const SHM_MIN_SIZE: usize = MSGQ_OFF + QUEUE_SIZE;

/// Offsets in `msgqTxHeader`.
pub(crate) mod tx {
    pub(crate) const VERSION: usize = 0x00;
    pub(crate) const SIZE: usize = 0x04;
    pub(crate) const MSG_SIZE: usize = 0x08;
    pub(crate) const MSG_COUNT: usize = 0x0c;
    pub(crate) const WRITE_PTR: usize = 0x10;
    pub(crate) const FLAGS: usize = 0x14;
    pub(crate) const RX_HDR_OFF: usize = 0x18;
    pub(crate) const ENTRY_OFF: usize = 0x1c;
}

/// Size of `GSP_MSG_QUEUE_ELEMENT` (without the RPC header).
pub(crate) const ELEM_HDR_SIZE: usize = 48;
/// Size of `rpc_message_header_v` (version 3).
pub(crate) const RPC_HDR_SIZE: usize = 32;
/// `header_version` of RPC header version 3.
pub(crate) const RPC_HEADER_VERSION: u32 = 0x0300_0000;
/// `signature` of an RPC header: "VRPC".
pub(crate) const RPC_SIGNATURE: u32 = 0x4350_5256;
/// Largest payload the driver sends.
pub(crate) const MAX_PAYLOAD: usize = 16384;

/// Function numbers.
pub(crate) mod function {
    pub(crate) const GSP_INIT_DONE: u32 = 0x1001;
    pub(crate) const OS_ERROR_LOG: u32 = 0x1006;
    pub(crate) const EMU_ECHO: u32 = 0xf001;
    pub(crate) const EMU_STATIC_INFO: u32 = 0xf002;
    pub(crate) const EMU_TICK: u32 = 0xf101;
}

/// Element header offsets.
mod elem {
    pub(super) const CHECKSUM: usize = 32;
    pub(super) const SEQ_NUM: usize = 36;
    pub(super) const ELEM_COUNT: usize = 40;
}

/// RPC header offsets (relative to the element start).
mod rpc {
    pub(super) const HEADER_VERSION: usize = 48;
    pub(super) const SIGNATURE: usize = 52;
    pub(super) const LENGTH: usize = 56;
    pub(super) const FUNCTION: usize = 60;
    pub(super) const RESULT: usize = 64;
    pub(super) const SEQUENCE: usize = 72;
}

pub(crate) fn get_u32(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(off..off + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

pub(crate) fn get_u64(b: &[u8], off: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(off..off + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Elements a message of RPC `length` occupies.
pub(crate) fn elem_count_for(length: usize) -> usize {
    (ELEM_HDR_SIZE + length).div_ceil(GSP_PAGE_SIZE)
}

/// Bytes the checksum covers for RPC `length`.
pub(crate) fn checksummed_len(length: usize) -> usize {
    (ELEM_HDR_SIZE + length).next_multiple_of(8)
}

/// The GSP checksum: 64-bit XOR of the bytes rotated by their position in the word, folded.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    let mut sum: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // `i % 8 * 8` is below 64, so the shift amount fits.
        let shift = u32::try_from((i % 8) * 8).unwrap_or(0);
        sum ^= u64::from(b).rotate_left(shift);
    }
    let hi = u32::try_from(sum >> 32).unwrap_or(0);
    let lo = u32::try_from(sum & u64::from(u32::MAX)).unwrap_or(0);
    hi ^ lo
}

/// Encodes a command into `buf` (zeroed, at least `checksummed_len(32 + payload.len())` bytes).
pub(crate) fn encode(buf: &mut [u8], seq_num: u32, function: u32, sequence: u32, payload: &[u8]) {
    let length = RPC_HDR_SIZE + payload.len();
    let elems = elem_count_for(length);
    put_u32(buf, elem::SEQ_NUM, seq_num);
    put_u32(buf, elem::ELEM_COUNT, u32::try_from(elems).unwrap_or(0));
    put_u32(buf, rpc::HEADER_VERSION, RPC_HEADER_VERSION);
    put_u32(buf, rpc::SIGNATURE, RPC_SIGNATURE);
    put_u32(buf, rpc::LENGTH, u32::try_from(length).unwrap_or(0));
    put_u32(buf, rpc::FUNCTION, function);
    put_u32(buf, rpc::SEQUENCE, sequence);
    let start = ELEM_HDR_SIZE + RPC_HDR_SIZE;
    if let Some(dst) = buf.get_mut(start..start + payload.len()) {
        dst.copy_from_slice(payload);
    }
    let n = checksummed_len(length).min(buf.len());
    let sum = checksum(&buf[..n]);
    put_u32(buf, elem::CHECKSUM, sum);
}

/// Why a message was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Reject {
    WritePtr,
    ElemCount,
    Length,
    Checksum,
    Version,
    Signature,
}

impl Reject {
    pub(crate) fn name(self) -> &'static str {
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

/// The element count in a message's first element, validated against what is queued.
pub(crate) fn elem_count(first: &[u8], available: u32) -> Result<u32, Reject> {
    let n = get_u32(first, elem::ELEM_COUNT);
    if n == 0 || n > available {
        return Err(Reject::ElemCount);
    }
    Ok(n)
}

/// A validated message (borrowing the receive buffer).
pub(crate) struct Message<'a> {
    pub(crate) seq_num: u32,
    pub(crate) function: u32,
    pub(crate) result: u32,
    pub(crate) sequence: u32,
    pub(crate) payload: &'a [u8],
}

/// Validates a complete message of `elems` elements copied into `buf`.
pub(crate) fn decode(buf: &[u8], elems: u32) -> Result<Message<'_>, Reject> {
    let span = usize::try_from(elems).map_err(|_| Reject::ElemCount)? * GSP_PAGE_SIZE;
    let length = usize::try_from(get_u32(buf, rpc::LENGTH)).map_err(|_| Reject::Length)?;
    if length < RPC_HDR_SIZE
        || length > span - ELEM_HDR_SIZE
        || elem_count_for(length) != span / GSP_PAGE_SIZE
        || span > buf.len()
    {
        return Err(Reject::Length);
    }
    let n = checksummed_len(length);
    if n > buf.len() || checksum(&buf[..n]) != 0 {
        return Err(Reject::Checksum);
    }
    if get_u32(buf, rpc::HEADER_VERSION) != RPC_HEADER_VERSION {
        return Err(Reject::Version);
    }
    if get_u32(buf, rpc::SIGNATURE) != RPC_SIGNATURE {
        return Err(Reject::Signature);
    }
    let start = ELEM_HDR_SIZE + RPC_HDR_SIZE;
    Ok(Message {
        seq_num: get_u32(buf, elem::SEQ_NUM),
        function: get_u32(buf, rpc::FUNCTION),
        result: get_u32(buf, rpc::RESULT),
        sequence: get_u32(buf, rpc::SEQUENCE),
        payload: &buf[start..ELEM_HDR_SIZE + length],
    })
}
