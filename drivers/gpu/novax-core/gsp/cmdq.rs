// SPDX-License-Identifier: GPL-2.0

//! The command queue: encoding a command into the ring, publishing it and ringing the
//! doorbell (process context, under `cmdq`).

use super::*;

impl Gsp {
    pub(super) fn ring_doorbell(&self, wptr: u32) {
        let _ = self.with_bar(|bar| NV_PGSP_QUEUE_HEAD::from_raw(wptr).write(bar));
        // On the emulated GPU, NV_PGSP_QUEUE_HEAD is shared memory: also signal the GPU peer.
        self.kick_peer();
    }

    /// Queues one command, waiting for ring space until `deadline` (ms).
    pub(super) fn send(
        &self,
        function: u32,
        sequence: u32,
        payload: &[u8],
        deadline: i64,
    ) -> Result {
        let length = msg::RPC_HDR_SIZE + payload.len();
        let elems = msg::elem_count_for(length);
        let elems_u32 = u32::try_from(elems)?;
        let mut buf = KVec::from_elem(0u8, elems * GSP_PAGE_SIZE, GFP_KERNEL)?;
        let mut cmdq = self.cmdq.lock();
        loop {
            if self.gone.load(Relaxed) {
                return Err(ENODEV);
            }
            let rptr = self.with_shm(|shm| shm.cmdq_gsp_read_ptr())??;
            if rptr >= MSG_COUNT {
                return Err(EIO);
            }
            let used = queue::used(rptr, cmdq.wptr);
            if MSG_COUNT - 1 - used >= elems_u32 {
                self.stats
                    .cmdq_high_water
                    .fetch_max(u64::from(used + elems_u32), Relaxed);
                break;
            }
            if Ktime::ktime_get().to_ms() >= deadline {
                inc(&self.stats.rpc_timeouts);
                return Err(ETIMEDOUT);
            }
            // Wait for the GSP to consume commands (it replies as it does). Nothing is queued
            // yet, so a signal restarts the call.
            drop(cmdq);
            {
                let mut g = self.slots.lock();
                if let CondVarTimeoutResult::Signal { .. } = self
                    .rpc_done
                    .wait_interruptible_timeout(&mut g, msecs_to_jiffies(1))
                {
                    return Err(ERESTARTSYS);
                }
            }
            cmdq = self.cmdq.lock();
        }
        msg::encode(&mut buf, cmdq.seq_num, function, sequence, payload)?;
        let wptr = (cmdq.wptr + elems_u32) % MSG_COUNT;
        self.with_shm(|shm| -> Result {
            shm.write_elems(cmdq.wptr, &buf)?;
            // MMIO writes are ordered: the GSP sees the element before the new write pointer.
            shm.set_cmdq_write_ptr(wptr)
        })??;
        cmdq.wptr = wptr;
        cmdq.seq_num = cmdq.seq_num.wrapping_add(1);
        self.ring_doorbell(cmdq.wptr);
        inc(&self.stats.messages_sent);
        Ok(())
    }
}
