// SPDX-License-Identifier: GPL-2.0

//! Delays and busy-wait hints.
//!
//! C headers: [`include/linux/delay.h`](srctree/include/linux/delay.h),
//! [`include/linux/processor.h`](srctree/include/linux/processor.h).
//!
//! Drivers poll hardware registers that a device updates on its own time (an invalidate that
//! reports completion by clearing a bit). [`usleep_range`] sleeps with an hrtimer, for waits of
//! tens of microseconds and more; [`cpu_relax`] is the hint inside a short busy-wait.
//! Upstream Rust has `kernel::time::delay::fsleep`; 6.12 has no `Delta` type to shape it on,
//! so these take microseconds.

use crate::{bindings, ffi::c_ulong};

/// Sleeps between `min_us` and `max_us` microseconds (uninterruptibly), letting the timer
/// subsystem coalesce the wake-up within the range.
///
/// Must be called in a context that may sleep; `max_us` is raised to `min_us` if smaller.
pub fn usleep_range(min_us: c_ulong, max_us: c_ulong) {
    // SAFETY: `usleep_range` has no preconditions beyond a sleepable context, which the caller
    // provides as documented.
    unsafe { bindings::usleep_range(min_us, max_us.max(min_us)) };
}

/// Tells the CPU that this is a busy-wait loop (`pause` on x86).
pub fn cpu_relax() {
    // SAFETY: `cpu_relax` has no preconditions.
    unsafe { bindings::cpu_relax() };
}
