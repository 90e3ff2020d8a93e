// SPDX-License-Identifier: GPL-2.0

//! RPCs: a slot per request (at most `RPC_SLOTS` concurrently, callers beyond wait for a
//! free one), the interruptible wait for the reply, and matching replies to slots by sequence
//! number.

use super::*;

impl Gsp {
    /// Sends `payload` as RPC `function` and waits for the reply, whose payload is copied to
    /// the start of `reply` (`EOVERFLOW` if it does not fit). Returns the reply's `rpc_result`
    /// and payload length. A signal ends the wait (`ERESTARTSYS` before the RPC is sent,
    /// `EINTR` after).
    pub(crate) fn rpc(
        &self,
        function: u32,
        payload: &[u8],
        reply: &mut KVec<u8>,
    ) -> Result<(u32, usize)> {
        self.rpc_wait(function, payload, reply, true)
    }

    /// [`Gsp::rpc`], but signals do not end the wait (the timeout does): for teardown, which a
    /// task being killed must still see through (a FREE that is not waited for may not have
    /// been carried out when the memory it names is reused).
    pub(crate) fn rpc_uninterruptible(
        &self,
        function: u32,
        payload: &[u8],
        reply: &mut KVec<u8>,
    ) -> Result<(u32, usize)> {
        self.rpc_wait(function, payload, reply, false)
    }

    fn rpc_wait(
        &self,
        function: u32,
        payload: &[u8],
        reply: &mut KVec<u8>,
        interruptible: bool,
    ) -> Result<(u32, usize)> {
        let on_signal = |e: Error| interruptible.then_some(e);
        if payload.len() > msg::MAX_PAYLOAD {
            return Err(EINVAL);
        }
        if self.gone.load(Relaxed) {
            return Err(ENODEV);
        }
        let sequence = loop {
            let s = self.next_sequence.fetch_add(1, Relaxed);
            if s != 0 {
                break s;
            }
        };
        let timeout = i64::from(self.timeout_ms.load(Relaxed));
        let deadline = Ktime::ktime_get().to_ms() + timeout;

        // Claim a slot, handing it our reply buffer. With all `RPC_SLOTS` in use, wait for one
        // (interruptibly, until the deadline): nothing is sent yet, so a signal restarts the
        // call.
        let index = {
            let mut slots = self.slots.lock();
            let index = loop {
                if let Some(index) = slots.iter().position(|s| s.state == SlotState::Free) {
                    break index;
                }
                if self.gone.load(Relaxed) {
                    return Err(ENODEV);
                }
                self.wait_rpc_done(&mut slots, deadline, on_signal(ERESTARTSYS))?;
            };
            let slot = &mut slots[index];
            slot.state = SlotState::Waiting;
            slot.sequence = sequence;
            slot.result = Ok(0);
            slot.reply = core::mem::take(reply);
            slot.reply_len = 0;
            index
        };

        let sent = self.send(function, sequence, payload, deadline);
        let mut slots = self.slots.lock();
        let result = match sent {
            Err(e) => Err(e),
            Ok(()) => loop {
                if slots[index].state == SlotState::Done {
                    break core::mem::replace(&mut slots[index].result, Ok(0));
                }
                // Sent: a signal cannot restart the call (the GSP would see it twice).
                if let Err(e) = self.wait_rpc_done(&mut slots, deadline, on_signal(EINTR)) {
                    break Err(e);
                }
            },
        };
        let slot = &mut slots[index];
        *reply = core::mem::take(&mut slot.reply);
        let len = slot.reply_len;
        slot.state = SlotState::Free;
        drop(slots);
        // Wake an RPC waiting for a slot (and, harmlessly, those waiting for replies).
        self.rpc_done.notify_all();
        if result.is_err() {
            inc(&self.stats.rpc_errors);
        }
        result.map(|r| (r, len))
    }

    /// Waits for `rpc_done` once, at most until `deadline` (ms): `ETIMEDOUT` (counted) once the
    /// deadline has passed. With `on_signal` the wait is interruptible and ends with that error
    /// if a signal is pending; without, signals do not end it.
    pub(super) fn wait_rpc_done(
        &self,
        slots: &mut Guard<'_, KVec<Slot>, SpinLockBhBackend>,
        deadline: i64,
        on_signal: Option<Error>,
    ) -> Result {
        let left = deadline - Ktime::ktime_get().to_ms();
        if left <= 0 {
            inc(&self.stats.rpc_timeouts);
            return Err(ETIMEDOUT);
        }
        let left = msecs_to_jiffies(u32::try_from(left).unwrap_or(u32::MAX));
        match on_signal {
            Some(e) => match self.rpc_done.wait_interruptible_timeout(slots, left) {
                CondVarTimeoutResult::Signal { .. } => Err(e),
                _ => Ok(()),
            },
            None => {
                let _ = self.rpc_done.wait_timeout(slots, left);
                Ok(())
            }
        }
    }

    pub(super) fn complete_rpc(&self, result: u32, sequence: u32, payload: &[u8]) {
        let mut slots = self.slots.lock();
        let Some(slot) = slots
            .iter_mut()
            .find(|s| s.state == SlotState::Waiting && s.sequence == sequence)
        else {
            drop(slots);
            inc(&self.stats.unmatched_replies);
            return;
        };
        inc(&self.stats.rpc_replies);
        slot.result = match slot.reply.get_mut(..payload.len()) {
            Some(dst) => {
                dst.copy_from_slice(payload);
                slot.reply_len = payload.len();
                Ok(result)
            }
            None => Err(EOVERFLOW),
        };
        slot.state = SlotState::Done;
        drop(slots);
        self.rpc_done.notify_all();
    }

    /// Sends an echo RPC and checks the reply; returns the latency in ns.
    ///
    /// What the GSP sent back is copied to the start of `returned` (as much as fits) whenever a
    /// reply arrived, also one that does not carry the payload back: that is `EIO`, counted as
    /// an echo mismatch.
    pub(crate) fn echo(&self, payload: &[u8], returned: &mut [u8]) -> Result<u64> {
        let mut reply = KVec::from_elem(0u8, payload.len(), GFP_KERNEL)?;
        let start = Ktime::ktime_get();
        let (result, len) = self.rpc(function::EMU_ECHO, payload, &mut reply)?;
        let ns = Ktime::ktime_get().to_ns() - start.to_ns();
        let n = len.min(returned.len()).min(reply.len());
        returned[..n].copy_from_slice(&reply[..n]);
        if result != 0 || len != payload.len() || reply.as_slice() != payload {
            inc(&self.stats.echo_mismatches);
            inc(&self.stats.rpc_errors);
            return Err(EIO);
        }
        Ok(u64::try_from(ns).unwrap_or(0))
    }
}
