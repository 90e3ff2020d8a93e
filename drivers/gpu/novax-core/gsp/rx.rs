// SPDX-License-Identifier: GPL-2.0

//! The receive path (softirq): the NAPI-style poll and the validation of every message the
//! GSP posts, which is untrusted input.

use super::*;

impl Gsp {
    /// The hard IRQ half: acknowledge and mask the GSP interrupt.
    pub(crate) fn irq_ack_and_mask(&self) {
        inc(&self.stats.interrupts);
        self.set_intr_enable(false);
        let _ = self.with_bar(|bar| EMU_INTR_STATUS::from_raw(0).write(bar));
    }

    pub(super) fn unmask(&self) {
        inc(&self.stats.irq_unmasks);
        self.set_intr_enable(true);
    }

    /// Whether the message queue has messages we have not read.
    pub(super) fn pending(&self) -> bool {
        let rptr = self.rx.lock().rptr;
        matches!(self.with_shm(|shm| shm.msgq_write_ptr()), Ok(Ok(w)) if w < MSG_COUNT && w != rptr)
    }

    /// The poll: processes up to `budget` messages (softirq context).
    pub(crate) fn poll(&self, ctx: &PollContext<'_>, budget: usize) -> usize {
        inc(&self.stats.polls);
        let single = self.mode.load(Relaxed) == u32::from(PollMode::Single);
        let limit = if single { 1 } else { budget };
        let done = self.drain(limit);
        if done >= limit && !single && !self.gone.load(Relaxed) {
            // More may be pending: stay masked, the softirq polls again.
            inc(&self.stats.polls_budget_exhausted);
            return done;
        }
        ctx.complete();
        if self.gone.load(Relaxed) {
            return done;
        }
        self.unmask();
        if self.pending() {
            if single {
                // One interrupt per message: the interrupt is level-triggered, so with work
                // left it fires again once unmasked; ring the doorbell so the GPU looks now.
                self.kick_peer();
            } else {
                // A message posted while we were masked raised no interrupt: poll again.
                self.set_intr_enable(false);
                ctx.reschedule();
            }
        }
        done
    }

    /// Processes up to `limit` messages; returns how many (valid or not) were consumed (none
    /// once the register window is revoked).
    pub(super) fn drain(&self, limit: usize) -> usize {
        let mut rx = self.rx.lock();
        let done = self
            .with_shm(|shm| self.drain_locked(shm, &mut rx, limit))
            .unwrap_or(0);
        drop(rx);
        self.stats
            .messages_polled
            .fetch_add(u64::try_from(done).unwrap_or(0), Relaxed);
        done
    }

    pub(super) fn drain_locked(&self, shm: &Shm<'_, BAR_SIZE>, rx: &mut Rx, limit: usize) -> usize {
        let mut done = 0;
        while done < limit {
            let rptr = rx.rptr;
            if let Ok(w) = shm.msgq_write_ptr() {
                if w < MSG_COUNT {
                    self.stats
                        .msgq_high_water
                        .fetch_max(u64::from(queue::used(rptr, w)), Relaxed);
                }
            }
            let Rx {
                buf,
                expected_seq,
                next_tick,
                ..
            } = &mut *rx;
            let received = queue::receive(shm, rptr, buf);
            let next = match received {
                Ok(None) => break,
                Ok(Some((elems, m))) => {
                    if m.seq_num != *expected_seq {
                        inc(&self.stats.seq_gaps);
                    }
                    *expected_seq = m.seq_num.wrapping_add(1);
                    let (function, result, sequence) = (m.function, m.result, m.sequence);
                    // Copy what the handlers need before releasing `buf`'s borrow.
                    let payload = m.payload;
                    inc(&self.stats.messages_received);
                    self.dispatch(function, result, sequence, payload, next_tick);
                    (rptr + elems) % MSG_COUNT
                }
                Err((reject, next)) => {
                    inc(&self.stats.bad[reject_index(reject)]);
                    self.log_bad(reject, rptr);
                    if reject == Reject::WritePtr {
                        // Nothing to consume, so it is no work done: counting it would keep a
                        // poll whose budget it uses up running for as long as the write pointer
                        // stays bad (forever, on a GPU that fell off the bus). The poll
                        // completes; the next interrupt looks again.
                        break;
                    }
                    next
                }
            };
            rx.rptr = next;
            let _ = shm.set_msgq_read_ptr(next);
            done += 1;
        }
        done
    }

    pub(super) fn log_bad(&self, reject: Reject, rptr: u32) {
        // Rate limit: the first 10, then every 1000th.
        let n = self.logged.fetch_add(1, Relaxed);
        if n < 10 || n % 1000 == 0 {
            dev_warn!(
                &*self.dev,
                "GSP message rejected at read pointer {}: {} ({} rejected so far)\n",
                rptr,
                reject.name(),
                n + 1
            );
        }
    }
}
