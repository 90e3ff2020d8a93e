// SPDX-License-Identifier: GPL-2.0

//! The command and message queue rings in GSP shared memory.
//!
//! Each side writes only its own queue's headers: we own the command queue (its tx header with
//! our write pointer, and its rx header with our read pointer into the message queue); the GSP
//! owns the message queue. Everything the GSP writes is untrusted: pointers are range-checked
//! before use, and the ring geometry is ours (constants), never read back from the GSP.

use super::msg::{self, Reject, ELEM_HDR_SIZE, ENTRY_OFF, GSP_PAGE_SIZE, MSG_COUNT};
use kernel::{io::Io, prelude::*};

/// A view of the GSP shared memory inside a mapping.
pub(crate) struct Shm<'a, const SIZE: usize> {
    pub(crate) io: &'a Io<SIZE>,
    pub(crate) base: usize,
}

impl<const SIZE: usize> Shm<'_, SIZE> {
    fn r32(&self, off: usize) -> Result<u32> {
        self.io.try_read32(self.base + off)
    }

    fn w32(&self, off: usize, v: u32) -> Result {
        self.io.try_write32(v, self.base + off)
    }

    fn elem_off(queue: usize, index: u32) -> usize {
        // `index < MSG_COUNT`, so this is within the queue.
        queue + ENTRY_OFF + usize::try_from(index).unwrap_or(0) * GSP_PAGE_SIZE
    }

    /// Zeroes the queues, writes the page table and our queue headers.
    pub(crate) fn init(&self, shm_addr: u64) -> Result {
        self.io.try_fill(self.base, 0, msg::SHM_MIN_SIZE)?;
        let pages = msg::SHM_MIN_SIZE / GSP_PAGE_SIZE;
        for i in 0..pages {
            let addr = shm_addr + u64::try_from(i * GSP_PAGE_SIZE)?;
            self.io
                .try_write64(addr, self.base + msg::PTE_OFF + i * 8)?;
        }
        let q = msg::CMDQ_OFF;
        self.w32(q + msg::tx::VERSION, 0)?;
        self.w32(q + msg::tx::SIZE, u32::try_from(msg::QUEUE_SIZE)?)?;
        self.w32(q + msg::tx::MSG_SIZE, u32::try_from(GSP_PAGE_SIZE)?)?;
        self.w32(q + msg::tx::MSG_COUNT, MSG_COUNT)?;
        self.w32(q + msg::tx::WRITE_PTR, 0)?;
        self.w32(q + msg::tx::FLAGS, 1)?;
        self.w32(q + msg::tx::RX_HDR_OFF, u32::try_from(msg::RX_HDR_OFF)?)?;
        self.w32(q + msg::tx::ENTRY_OFF, u32::try_from(ENTRY_OFF)?)?;
        self.w32(q + msg::RX_HDR_OFF, 0)
    }

    /// The GSP's read pointer in the command queue (from the message queue's rx header).
    pub(crate) fn cmdq_gsp_read_ptr(&self) -> Result<u32> {
        self.r32(msg::MSGQ_OFF + msg::RX_HDR_OFF)
    }

    /// The GSP's write pointer in the message queue.
    pub(crate) fn msgq_write_ptr(&self) -> Result<u32> {
        self.r32(msg::MSGQ_OFF + msg::tx::WRITE_PTR)
    }

    /// Publishes our read pointer in the message queue.
    pub(crate) fn set_msgq_read_ptr(&self, rptr: u32) -> Result {
        self.w32(msg::CMDQ_OFF + msg::RX_HDR_OFF, rptr)
    }

    /// Publishes our write pointer in the command queue.
    pub(crate) fn set_cmdq_write_ptr(&self, wptr: u32) -> Result {
        self.w32(msg::CMDQ_OFF + msg::tx::WRITE_PTR, wptr)
    }

    /// Copies `buf` into the command ring starting at element `index`, wrapping at the end.
    pub(crate) fn write_elems(&self, index: u32, buf: &[u8]) -> Result {
        self.copy_ring(msg::CMDQ_OFF, index, buf.len(), |off, range| {
            self.io.try_copy_to(self.base + off, &buf[range])
        })
    }

    /// Copies `buf.len()` bytes out of the message ring starting at element `index`.
    pub(crate) fn read_elems(&self, index: u32, buf: &mut [u8]) -> Result {
        let len = buf.len();
        let mut chunks: [(usize, usize, usize); 2] = [(0, 0, 0); 2];
        let mut n = 0;
        self.copy_ring(msg::MSGQ_OFF, index, len, |off, range| {
            if n < 2 {
                chunks[n] = (off, range.start, range.end);
                n += 1;
            }
            Ok(())
        })?;
        for &(off, start, end) in &chunks[..n] {
            self.io
                .try_copy_from(self.base + off, &mut buf[start..end])?;
        }
        Ok(())
    }

    /// Splits a copy of `len` bytes at element `index` of `queue` into at most two contiguous
    /// pieces (before and after the wrap) and calls `f(offset, range_in_buffer)` for each.
    fn copy_ring(
        &self,
        queue: usize,
        index: u32,
        len: usize,
        mut f: impl FnMut(usize, core::ops::Range<usize>) -> Result,
    ) -> Result {
        if index >= MSG_COUNT {
            return Err(EINVAL);
        }
        let ring = usize::try_from(MSG_COUNT)? * GSP_PAGE_SIZE;
        let start = usize::try_from(index)? * GSP_PAGE_SIZE;
        if len > ring {
            return Err(EINVAL);
        }
        let first = len.min(ring - start);
        f(Self::elem_off(queue, index), 0..first)?;
        if first < len {
            f(Self::elem_off(queue, 0), first..len)?;
        }
        Ok(())
    }
}

/// Elements queued between `rptr` and `wptr` (both `< MSG_COUNT`).
pub(crate) fn used(rptr: u32, wptr: u32) -> u32 {
    (wptr + MSG_COUNT - rptr) % MSG_COUNT
}

/// Reads and validates the next message at `rptr` into `buf`.
///
/// Returns `Ok(None)` if the queue is empty, `Ok(Some((elems, message)))` for a valid message,
/// and `Err((reject, new_rptr))` for a rejected one, with where the read pointer must go: past
/// the message if its element count was sane, to the write pointer (dropping everything) if not.
pub(crate) fn receive<'b, const SIZE: usize>(
    shm: &Shm<'_, SIZE>,
    rptr: u32,
    buf: &'b mut [u8],
) -> Result<Option<(u32, msg::Message<'b>)>, (Reject, u32)> {
    let wptr = shm.msgq_write_ptr().map_err(|_| (Reject::WritePtr, rptr))?;
    if wptr >= MSG_COUNT {
        // Do not move: the GSP may be mid-update, and we must not follow a bad pointer.
        return Err((Reject::WritePtr, rptr));
    }
    let available = used(rptr, wptr);
    if available == 0 {
        return Ok(None);
    }
    let mut first = [0u8; ELEM_HDR_SIZE];
    shm.read_elems(rptr, &mut first)
        .map_err(|_| (Reject::ElemCount, wptr))?;
    let elems = msg::elem_count(&first, available).map_err(|r| (r, wptr))?;
    let next = (rptr + elems) % MSG_COUNT;
    let span = usize::try_from(elems)
        .unwrap_or(usize::MAX)
        .saturating_mul(GSP_PAGE_SIZE);
    if span > buf.len() {
        // Bigger than anything we accept: skip it.
        return Err((Reject::Length, next));
    }
    shm.read_elems(rptr, &mut buf[..span])
        .map_err(|_| (Reject::Length, next))?;
    match msg::decode(&buf[..span], elems) {
        Ok(m) => Ok(Some((elems, m))),
        Err(r) => Err((r, next)),
    }
}
