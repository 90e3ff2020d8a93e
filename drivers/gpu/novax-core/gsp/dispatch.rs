// SPDX-License-Identifier: GPL-2.0

//! Dispatch of validated messages: RPC replies to their slots, events to their handlers.

use super::*;
use kernel::transmute::FromBytes;

impl Gsp {
    pub(super) fn dispatch(
        &self,
        function: u32,
        result: u32,
        sequence: u32,
        payload: &[u8],
        next_tick: &mut u64,
    ) {
        match function {
            function::GSP_INIT_DONE => {
                inc(&self.stats.events);
                inc(&self.stats.init_done);
                self.init_done.store(true, Relaxed);
                self.rpc_done.notify_all();
            }
            function::OS_ERROR_LOG => {
                inc(&self.stats.events);
                inc(&self.stats.error_logs);
                let text = payload.split(|&b| b == 0).next().unwrap_or(&[]);
                let text = &text[..text.len().min(128)];
                match core::str::from_utf8(text) {
                    Ok(t) => dev_warn!(&*self.dev, "GSP error log: {}\n", t),
                    Err(_) => dev_warn!(
                        &*self.dev,
                        "GSP error log ({} bytes, not UTF-8)\n",
                        text.len()
                    ),
                }
            }
            function::EMU_TICK => {
                inc(&self.stats.events);
                inc(&self.stats.tick_events);
                // A payload too short for the index counts as index 0.
                let index = msg::TickEvent::from_prefix(payload).map_or(0, |(t, _)| t.index);
                if index > *next_tick {
                    self.stats.tick_lost.fetch_add(index - *next_tick, Relaxed);
                }
                *next_tick = index.wrapping_add(1);
            }
            _ if sequence != 0 => self.complete_rpc(result, sequence, payload),
            _ => inc(&self.stats.unmatched_replies),
        }
    }
}
