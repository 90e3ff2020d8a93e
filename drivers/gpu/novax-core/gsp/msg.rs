// SPDX-License-Identifier: GPL-2.0

//! The GSP message format: queue headers, element header, RPC header and checksum.
//!
//! Layout and numbers: Documentation/gpu/novax-gsp.rst. The headers are `#[repr(C)]` structs
//! declared with [`kernel::bytes_struct!`] (no padding, every bit pattern valid), read from and
//! written to byte buffers through `FromBytes`/`AsBytes`; the functions here are pure, so they
//! are the same for the command queue (we encode) and the message queue (we decode and validate
//! untrusted data). The emulator (tools/novax-emu) encodes the same format independently, so
//! the two check each other.

use core::mem::{offset_of, size_of};
use kernel::{
    bytes_struct,
    transmute::{AsBytes, FromBytes},
};

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

bytes_struct! {
    /// `msgqTxHeader`: the header of a queue, written by the queue's producer.
    pub(crate) struct TxHeader {
        pub(crate) version: u32,
        pub(crate) size: u32,
        pub(crate) msg_size: u32,
        pub(crate) msg_count: u32,
        pub(crate) write_ptr: u32,
        pub(crate) flags: u32,
        pub(crate) rx_hdr_off: u32,
        pub(crate) entry_off: u32,
    }
}

/// Offsets in `msgqTxHeader` (the queues live in a register window, accessed word by word).
pub(crate) mod tx {
    use super::{offset_of, TxHeader};
    pub(crate) const VERSION: usize = offset_of!(TxHeader, version);
    pub(crate) const SIZE: usize = offset_of!(TxHeader, size);
    pub(crate) const MSG_SIZE: usize = offset_of!(TxHeader, msg_size);
    pub(crate) const MSG_COUNT: usize = offset_of!(TxHeader, msg_count);
    pub(crate) const WRITE_PTR: usize = offset_of!(TxHeader, write_ptr);
    pub(crate) const FLAGS: usize = offset_of!(TxHeader, flags);
    pub(crate) const RX_HDR_OFF: usize = offset_of!(TxHeader, rx_hdr_off);
    pub(crate) const ENTRY_OFF: usize = offset_of!(TxHeader, entry_off);
}

bytes_struct! {
    /// `GSP_MSG_QUEUE_ELEMENT` without the RPC it carries.
    #[derive(Default)]
    pub(crate) struct ElemHeader {
        pub(crate) auth_tag: [u8; 16],
        pub(crate) aad: [u8; 16],
        pub(crate) checksum: u32,
        pub(crate) seq_num: u32,
        pub(crate) elem_count: u32,
        pub(crate) padding: u32,
    }
}

bytes_struct! {
    /// `rpc_message_header_v` (version 3).
    #[derive(Default)]
    pub(crate) struct RpcHeader {
        pub(crate) header_version: u32,
        pub(crate) signature: u32,
        pub(crate) length: u32,
        pub(crate) function: u32,
        pub(crate) rpc_result: u32,
        pub(crate) rpc_result_private: u32,
        pub(crate) sequence: u32,
        pub(crate) spare: u32,
    }
}

bytes_struct! {
    /// The start of every message: the element header and the RPC header.
    #[derive(Default)]
    pub(crate) struct MsgHeader {
        pub(crate) elem: ElemHeader,
        pub(crate) rpc: RpcHeader,
    }
}

bytes_struct! {
    /// The reply to `EMU_STATIC_INFO`.
    pub(crate) struct StaticInfo {
        /// `NV_PMC_BOOT_0` as the GSP sees it.
        pub(crate) boot0: u32,
        /// `NV_PMC_BOOT_42`.
        pub(crate) boot42: u32,
        pub(crate) vram_size: u64,
        pub(crate) vram_bar_size: u64,
        pub(crate) reg_bar_size: u64,
        /// `major << 32 | minor << 16 | patch`.
        pub(crate) fw_version: u64,
        /// The GPU's name, NUL-terminated.
        pub(crate) name: [u8; 64],
        /// The firmware version string, NUL-terminated.
        pub(crate) fw_version_str: [u8; 24],
    }
}

bytes_struct! {
    /// The payload of the emulator's `TICK` event.
    pub(crate) struct TickEvent {
        /// Increments by one per event: a gap is a lost event.
        pub(crate) index: u64,
    }
}

/// Size of `GSP_MSG_QUEUE_ELEMENT` (without the RPC header).
pub(crate) const ELEM_HDR_SIZE: usize = size_of::<ElemHeader>();
/// Size of `rpc_message_header_v` (version 3).
pub(crate) const RPC_HDR_SIZE: usize = size_of::<RpcHeader>();

// The sizes r570 defines.
const _: () = assert!(ELEM_HDR_SIZE == 48 && RPC_HDR_SIZE == 32 && size_of::<TxHeader>() == 32);
const _: () = assert!(size_of::<StaticInfo>() == 128);
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

/// Encodes a command into `buf` (zeroed, at least `checksummed_len(32 + payload.len())` bytes):
/// `EINVAL` if it does not fit.
pub(crate) fn encode(
    buf: &mut [u8],
    seq_num: u32,
    function: u32,
    sequence: u32,
    payload: &[u8],
) -> kernel::error::Result {
    use kernel::error::code::EINVAL;
    let length = RPC_HDR_SIZE + payload.len();
    let mut hdr = MsgHeader {
        elem: ElemHeader {
            seq_num,
            elem_count: u32::try_from(elem_count_for(length))?,
            ..Default::default()
        },
        rpc: RpcHeader {
            header_version: RPC_HEADER_VERSION,
            signature: RPC_SIGNATURE,
            length: u32::try_from(length)?,
            function,
            sequence,
            ..Default::default()
        },
    };
    let n = checksummed_len(length);
    if buf.len() < n {
        return Err(EINVAL);
    }
    hdr.write_to_prefix(buf).ok_or(EINVAL)?;
    let start = size_of::<MsgHeader>();
    buf[start..start + payload.len()].copy_from_slice(payload);
    // The checksum covers the element with its checksum field 0, and makes the whole XOR 0.
    hdr.elem.checksum = checksum(&buf[..n]);
    hdr.write_to_prefix(buf).ok_or(EINVAL)
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
    let (hdr, _) = ElemHeader::from_prefix(first).ok_or(Reject::ElemCount)?;
    let n = hdr.elem_count;
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
    let (hdr, _) = MsgHeader::from_prefix(buf).ok_or(Reject::Length)?;
    let length = usize::try_from(hdr.rpc.length).map_err(|_| Reject::Length)?;
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
    if hdr.rpc.header_version != RPC_HEADER_VERSION {
        return Err(Reject::Version);
    }
    if hdr.rpc.signature != RPC_SIGNATURE {
        return Err(Reject::Signature);
    }
    let start = size_of::<MsgHeader>();
    Ok(Message {
        seq_num: hdr.elem.seq_num,
        function: hdr.rpc.function,
        result: hdr.rpc.rpc_result,
        sequence: hdr.rpc.sequence,
        payload: &buf[start..ELEM_HDR_SIZE + length],
    })
}
