// SPDX-License-Identifier: GPL-2.0

//! The GSP interrupt, NAPI-style: the hard IRQ acknowledges and masks, the poll drains.

use crate::gsp::Gsp;
use kernel::{
    irq::{Handler, IrqReturn},
    irq_poll::{IrqPoll, PollContext, Poller},
    prelude::*,
    sync::Arc,
};

/// The poll half.
pub(crate) struct GspPoller {
    pub(crate) gsp: Arc<Gsp>,
}

#[vtable]
impl Poller for GspPoller {
    fn poll(&self, ctx: &PollContext<'_>, budget: usize) -> usize {
        self.gsp.poll(ctx, budget)
    }
}

/// The hard IRQ half.
pub(crate) struct GspIrq {
    pub(crate) poll: Arc<IrqPoll<GspPoller>>,
}

impl Handler for GspIrq {
    fn handle(&self) -> IrqReturn {
        let gsp = &self.poll.poller().gsp;
        gsp.irq_ack_and_mask();
        self.poll.set_budget(gsp.budget());
        self.poll.schedule();
        IrqReturn::Handled
    }
}
