// SPDX-License-Identifier: MIT OR Apache-2.0

//! Fault injection: the contract's fault kinds and how each one changes a posted message.
//!
//! Tests arm a fault through the test-control block; it then applies to the next posted
//! messages, whatever they are. Each kind is built so that exactly one defect reaches the
//! driver: after changing a header field the checksum is recomputed (except for the checksum
//! fault itself), so the driver's validation must catch the intended defect and not an earlier
//! one. Two kinds are not byte changes and are carried out by the firmware model
//! ([`crate::gsp`]): the write pointer excursion and the sequence number skip.

use crate::queue::{get_u32, put_u32, seal};
use crate::regs::{elem, rpc, ELEM_HDR_SIZE, MSG_SIZE, RPC_HDR_SIZE};
use std::time::Duration;

/// A fault kind (the contract's numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 1: checkSum off by one.
    BadChecksum = 1,
    /// 2: RPC signature 0x44414544.
    BadSignature = 2,
    /// 3: elemCount 0.
    ElemCountZero = 3,
    /// 4: elemCount 0x1000.
    ElemCountHuge = 4,
    /// 5: RPC length beyond `elemCount * 0x1000 - 48` (elemCount left right).
    BadLength = 5,
    /// 6: the message queue's writePtr reads 0xdead for 100 ms, then its real value.
    WritePtrRange = 6,
    /// 7: RPC header_version 0x02000000.
    BadVersion = 7,
    /// 8: seqNum skips ahead by 5; the message is otherwise valid.
    BadSeqNum = 8,
    /// 9: the first payload byte flipped, the checksum resealed: a valid message whose contents
    /// are wrong (an echo reply that does not carry the cookie back).
    BadPayload = 9,
    /// 10: a bad length and a checksum off by one: the receiver, checking the length first,
    /// must count a bad length only.
    LengthAndChecksum = 10,
    /// 11: a bad version and signature without resealing (so the checksum is wrong too): a
    /// bad checksum only.
    ChecksumVersionSignature = 11,
    /// 12: a bad version and signature, resealed: a bad version only.
    VersionAndSignature = 12,
}

/// The signature a [`FaultKind::BadSignature`] message carries ("DEAD").
pub const BAD_SIGNATURE: u32 = 0x4441_4544;
/// The elemCount of a [`FaultKind::ElemCountHuge`] message.
pub const HUGE_ELEM_COUNT: u32 = 0x1000;
/// The header_version of a [`FaultKind::BadVersion`] message.
pub const BAD_VERSION: u32 = 0x0200_0000;
/// What the write pointer reads during a [`FaultKind::WritePtrRange`] excursion.
pub const BAD_WRITE_PTR: u32 = 0xdead;
/// How long the excursion lasts.
pub const WRITE_PTR_EXCURSION: Duration = Duration::from_millis(100);
/// How far a [`FaultKind::BadSeqNum`] message's seqNum skips ahead.
pub const SEQ_NUM_SKIP: u32 = 5;

impl FaultKind {
    /// The kind numbered `n`, if any.
    pub fn from_u32(n: u32) -> Option<Self> {
        Some(match n {
            1 => Self::BadChecksum,
            2 => Self::BadSignature,
            3 => Self::ElemCountZero,
            4 => Self::ElemCountHuge,
            5 => Self::BadLength,
            6 => Self::WritePtrRange,
            7 => Self::BadVersion,
            8 => Self::BadSeqNum,
            9 => Self::BadPayload,
            10 => Self::LengthAndChecksum,
            11 => Self::ChecksumVersionSignature,
            12 => Self::VersionAndSignature,
            _ => return None,
        })
    }

    /// Name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::BadChecksum => "bad checksum",
            Self::BadSignature => "bad signature",
            Self::ElemCountZero => "elemCount zero",
            Self::ElemCountHuge => "elemCount huge",
            Self::BadLength => "bad length",
            Self::WritePtrRange => "write pointer out of range",
            Self::BadVersion => "bad version",
            Self::BadSeqNum => "seqNum skip",
            Self::BadPayload => "payload corrupted",
            Self::LengthAndChecksum => "bad length and checksum",
            Self::ChecksumVersionSignature => "bad checksum, version and signature",
            Self::VersionAndSignature => "bad version and signature",
        }
    }
}

/// Changes the encoded message `msg` (as built by [`crate::queue::encode`]) for `kind`.
///
/// [`FaultKind::WritePtrRange`] and [`FaultKind::BadSeqNum`] leave the bytes alone: they are
/// about the queue, not the message.
pub fn corrupt(kind: FaultKind, msg: &mut [u8]) {
    match kind {
        FaultKind::BadChecksum => {
            let sum = get_u32(msg, elem::CHECKSUM);
            put_u32(msg, elem::CHECKSUM, sum.wrapping_add(1));
        }
        FaultKind::BadSignature => {
            put_u32(msg, rpc::SIGNATURE, BAD_SIGNATURE);
            seal(msg);
        }
        FaultKind::ElemCountZero => {
            put_u32(msg, elem::ELEM_COUNT, 0);
            seal(msg);
        }
        FaultKind::ElemCountHuge => {
            put_u32(msg, elem::ELEM_COUNT, HUGE_ELEM_COUNT);
            seal(msg);
        }
        FaultKind::BadLength => {
            // One byte more than the elements hold. The checksum is resealed over the
            // message's real bytes; the receiver checks the length first anyway.
            let elems = get_u32(msg, elem::ELEM_COUNT);
            let limit = (elems as usize * MSG_SIZE - ELEM_HDR_SIZE) as u32;
            put_u32(msg, rpc::LENGTH, limit + 1);
            seal(msg);
        }
        FaultKind::BadVersion => {
            put_u32(msg, rpc::HEADER_VERSION, BAD_VERSION);
            seal(msg);
        }
        FaultKind::BadPayload => {
            let length = get_u32(msg, rpc::LENGTH) as usize;
            let first = ELEM_HDR_SIZE + RPC_HDR_SIZE;
            if length > RPC_HDR_SIZE && first < msg.len() {
                msg[first] ^= 0xff;
                seal(msg);
            }
        }
        FaultKind::LengthAndChecksum => {
            corrupt(FaultKind::BadLength, msg);
            corrupt(FaultKind::BadChecksum, msg);
        }
        FaultKind::ChecksumVersionSignature => {
            put_u32(msg, rpc::HEADER_VERSION, BAD_VERSION);
            put_u32(msg, rpc::SIGNATURE, BAD_SIGNATURE);
        }
        FaultKind::VersionAndSignature => {
            put_u32(msg, rpc::HEADER_VERSION, BAD_VERSION);
            put_u32(msg, rpc::SIGNATURE, BAD_SIGNATURE);
            seal(msg);
        }
        FaultKind::WritePtrRange | FaultKind::BadSeqNum => {}
    }
}

/// An armed fault: which kind, and how many more posted messages get it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    armed: Option<(FaultKind, u32)>,
}

impl Faults {
    /// Arms `kind` for the next `count` posted messages (0 counts as 1), replacing whatever
    /// was armed before.
    pub fn arm(&mut self, kind: FaultKind, count: u32) {
        self.armed = Some((kind, count.max(1)));
    }

    /// Disarms.
    pub fn clear(&mut self) {
        self.armed = None;
    }

    /// The fault for the message about to be posted, if any (uses up one).
    pub fn take(&mut self) -> Option<FaultKind> {
        let (kind, left) = self.armed?;
        self.armed = (left > 1).then(|| (kind, left - 1));
        Some(kind)
    }

    /// The armed kind and how many messages are left.
    pub fn armed(&self) -> Option<(FaultKind, u32)> {
        self.armed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::VecMem;
    use crate::queue::{
        checksum32, encode, init_headers, publish_write_ptr, receive, ring_write, Reject, Rpc,
        RxOutcome,
    };
    use crate::regs::QUEUE_SIZE;

    fn msg(payload: usize) -> Vec<u8> {
        encode(
            4,
            &Rpc {
                function: 0xf001,
                result: 0,
                sequence: 3,
                payload: vec![0x5a; payload],
            },
        )
    }

    /// What a receiver says about `m` written at element 0 with 3 elements queued.
    fn verdict(m: &[u8]) -> RxOutcome {
        let mut mem = VecMem::new(QUEUE_SIZE);
        init_headers(&mut mem, 0);
        ring_write(&mut mem, 0, 0, m);
        publish_write_ptr(&mut mem, 0, 3);
        receive(&mem, 0, 0, 3)
    }

    fn reason(m: &[u8]) -> Reject {
        match verdict(m) {
            RxOutcome::Rejected { reason, .. } => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn numbers() {
        for n in 1..=12 {
            assert_eq!(FaultKind::from_u32(n).unwrap() as u32, n);
        }
        assert_eq!(FaultKind::from_u32(0), None);
        assert_eq!(FaultKind::from_u32(13), None);
        assert_eq!(&BAD_SIGNATURE.to_le_bytes(), b"DEAD");
    }

    #[test]
    fn each_kind_is_caught_for_its_own_reason() {
        for payload in [0usize, 5000] {
            let cases = [
                (FaultKind::BadChecksum, Reject::Checksum),
                (FaultKind::BadSignature, Reject::Signature),
                (FaultKind::ElemCountZero, Reject::ElemCount),
                (FaultKind::ElemCountHuge, Reject::ElemCount),
                (FaultKind::BadLength, Reject::Length),
                (FaultKind::BadVersion, Reject::Version),
                // Several defects: the first in the receiver's order is the reason.
                (FaultKind::LengthAndChecksum, Reject::Length),
                (FaultKind::ChecksumVersionSignature, Reject::Checksum),
                (FaultKind::VersionAndSignature, Reject::Version),
            ];
            for (kind, want) in cases {
                let mut m = msg(payload);
                corrupt(kind, &mut m);
                assert_eq!(reason(&m), want, "{kind:?} payload {payload}");
            }
        }
    }

    #[test]
    fn bad_payload_is_a_valid_message_with_other_contents() {
        let good = msg(10);
        let mut m = good.clone();
        corrupt(FaultKind::BadPayload, &mut m);
        match verdict(&m) {
            RxOutcome::Message(r) => {
                assert_eq!(r.rpc.payload[0], 0x5a ^ 0xff);
                assert_eq!(&r.rpc.payload[1..], &[0x5a; 9]);
            }
            other => panic!("expected a valid message, got {other:?}"),
        }
        assert_eq!(checksum32(&m), 0);
        // Without a payload there is nothing to corrupt.
        let empty = msg(0);
        let mut m = empty.clone();
        corrupt(FaultKind::BadPayload, &mut m);
        assert_eq!(m, empty);
    }

    #[test]
    fn byte_faults_change_only_their_field() {
        let good = msg(10);
        let mut m = good.clone();
        corrupt(FaultKind::BadChecksum, &mut m);
        assert_eq!(
            get_u32(&m, elem::CHECKSUM),
            get_u32(&good, elem::CHECKSUM).wrapping_add(1)
        );
        // checkSum sits unrotated in the low half: the receiver's checksum becomes the XOR of
        // the right value and the stored one, never 0.
        let v = get_u32(&good, elem::CHECKSUM);
        assert_eq!(checksum32(&m), v ^ v.wrapping_add(1));
        assert_ne!(checksum32(&m), 0);
        let mut m = good.clone();
        corrupt(FaultKind::ElemCountHuge, &mut m);
        assert_eq!(get_u32(&m, elem::ELEM_COUNT), 0x1000);
        assert_eq!(checksum32(&m), 0);
        let mut m = good.clone();
        corrupt(FaultKind::BadLength, &mut m);
        assert_eq!(get_u32(&m, elem::ELEM_COUNT), 1);
        assert_eq!(get_u32(&m, rpc::LENGTH), 4096 - 48 + 1);
        let mut m = good.clone();
        corrupt(FaultKind::BadVersion, &mut m);
        assert_eq!(get_u32(&m, rpc::HEADER_VERSION), 0x0200_0000);
        for kind in [FaultKind::WritePtrRange, FaultKind::BadSeqNum] {
            let mut m = good.clone();
            corrupt(kind, &mut m);
            assert_eq!(m, good);
        }
    }

    #[test]
    fn arming_counts() {
        let mut f = Faults::default();
        assert_eq!(f.take(), None);
        f.arm(FaultKind::BadVersion, 0);
        assert_eq!(f.take(), Some(FaultKind::BadVersion));
        assert_eq!(f.take(), None);
        f.arm(FaultKind::BadChecksum, 3);
        assert_eq!(f.armed(), Some((FaultKind::BadChecksum, 3)));
        assert_eq!(f.take(), Some(FaultKind::BadChecksum));
        f.arm(FaultKind::BadLength, 2);
        assert_eq!(f.take(), Some(FaultKind::BadLength));
        assert_eq!(f.take(), Some(FaultKind::BadLength));
        assert_eq!(f.take(), None);
        f.arm(FaultKind::BadLength, u32::MAX);
        f.clear();
        assert_eq!(f.take(), None);
    }
}
