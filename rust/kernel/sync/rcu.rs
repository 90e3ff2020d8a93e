// SPDX-License-Identifier: GPL-2.0

//! RCU: read-side critical sections and grace periods.
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! A reader holds a [`Guard`] while it uses data that a writer may retire; the writer unpublishes
//! the data, waits with [`synchronize`] until every reader that could have seen it is done, and
//! only then frees it. [`Revocable`](crate::revocable::Revocable) is built on this.

use crate::bindings;
use core::marker::PhantomData;

/// Proof that the current CPU is in an RCU read-side critical section, which lasts as long as
/// the guard: the section is ended when the guard is dropped.
///
/// Not `Send`: the section belongs to the CPU and task that entered it.
///
/// # Invariants
///
/// The RCU read-side lock is held while the guard exists.
pub struct Guard(PhantomData<*mut ()>);

impl Guard {
    /// Enters an RCU read-side critical section (`rcu_read_lock()`).
    pub fn new() -> Self {
        // SAFETY: `rcu_read_lock()` may be called in any context; the matching unlock is in
        // `drop`.
        unsafe { bindings::rcu_read_lock() };
        // INVARIANT: The lock was taken just above.
        Self(PhantomData)
    }

    /// Ends the critical section (the same as dropping the guard).
    pub fn unlock(self) {}
}

impl Default for Guard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: The lock is held (type invariant), by this task on this CPU (the guard is not
        // `Send`).
        unsafe { bindings::rcu_read_unlock() };
    }
}

/// Enters an RCU read-side critical section: see [`Guard`].
pub fn read_lock() -> Guard {
    Guard::new()
}

/// Waits for an RCU grace period: every read-side critical section that was running when it
/// was called has ended when it returns. Sleeps, so it is for process context only.
pub fn synchronize() {
    // SAFETY: `synchronize_rcu()` has no requirements besides a context that may sleep, which
    // callers of this function provide (documented above).
    unsafe { bindings::synchronize_rcu() };
}
