// SPDX-License-Identifier: GPL-2.0

//! The GSP interrupt, NAPI-style: the hard IRQ acknowledges and masks, the poll drains.
//!
//! Both halves account the time they take (`irq_ns`, `poll_ns` in `poller_stats`): the cost of
//! the receive path per message, measured where it is spent rather than sampled by the tick.

use crate::gsp::Gsp;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{
    irq::{Handler, IrqReturn},
    irq_poll::{IrqPoll, PollContext, Poller},
    prelude::*,
    sync::Arc,
    time::Ktime,
};

/// Adds the time since `start` to `counter`.
fn add_elapsed(counter: &AtomicU64, start: Ktime) {
    let ns = (Ktime::ktime_get() - start).to_ns();
    // CLOCK_MONOTONIC does not go backwards; a negative difference would be a clock bug.
    counter.fetch_add(u64::try_from(ns).unwrap_or(0), Relaxed);
}

/// The poll half.
pub(crate) struct GspPoller {
    pub(crate) gsp: Arc<Gsp>,
}

#[vtable]
impl Poller for GspPoller {
    fn poll(&self, ctx: &PollContext<'_>, budget: usize) -> usize {
        let start = Ktime::ktime_get();
        let done = self.gsp.poll(ctx, budget);
        add_elapsed(&self.gsp.stats.poll_ns, start);
        done
    }
}

/// The hard IRQ half.
pub(crate) struct GspIrq {
    pub(crate) poll: Arc<IrqPoll<GspPoller>>,
}

impl Handler for GspIrq {
    fn handle(&self) -> IrqReturn {
        let start = Ktime::ktime_get();
        let gsp = &self.poll.poller().gsp;
        gsp.irq_ack_and_mask();
        self.poll.set_budget(gsp.budget());
        self.poll.schedule();
        add_elapsed(&gsp.stats.irq_ns, start);
        IrqReturn::Handled
    }
}
