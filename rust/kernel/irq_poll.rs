// SPDX-License-Identifier: GPL-2.0

//! NAPI-style budgeted polling for non-network devices (`lib/irq_poll.c`).
//!
//! C header: [`include/linux/irq_poll.h`](srctree/include/linux/irq_poll.h)
//!
//! Under load, taking one interrupt per event is expensive. The NAPI pattern instead masks the
//! device interrupt in the hard IRQ handler and schedules a poll in softirq context; the poll
//! processes up to `budget` events, and only when the device is drained does it complete and
//! unmask the interrupt. If the budget runs out, the softirq polls again later (other softirq
//! work gets its turn in between), so a flood is handled with few interrupts and bounded latency.
//!
//! A driver implements [`Poller`] and pins an [`IrqPoll`]; the hard IRQ handler calls
//! [`IrqPoll::schedule`]. [`Poller::poll`] gets a [`PollContext`] through which it completes.
//!
//! The C callback is chosen at compile time by [`PollerVtable`]: `Some` wrapper when the
//! implementer provides `poll` (`HAS_POLL`), NULL otherwise; [`IrqPoll`] refuses at compile time
//! a poller without `poll`, since the softirq would call the NULL pointer.
//!
//! Data shared between the poll and process context must be protected with a lock that disables
//! bottom halves, [`PollLock`]: a plain spinlock taken in process context deadlocks when the poll
//! softirq runs on the same CPU and takes it too.

use crate::{
    bindings,
    ffi::{c_char, c_int},
    init::{self, PinInit},
    prelude::*,
    sync::lock::{Backend, Lock},
    types::Opaque,
};
use core::{
    marker::{PhantomData, PhantomPinned},
    sync::atomic::{AtomicBool, Ordering},
};

/// A NAPI-style poller.
#[vtable]
pub trait Poller: Sync {
    /// Processes up to `budget` events and returns how many it processed.
    ///
    /// Returning less than `budget` means the device is drained: the poller must then have
    /// called [`PollContext::complete`] (if it did not, the wrapper completes for it). Returning
    /// `budget` means more work may be pending: the softirq polls again later.
    fn poll(&self, _ctx: &PollContext<'_>, _budget: usize) -> usize {
        crate::build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Builds the C callback for a [`Poller`] implementer.
///
/// `POLL` is the C `irq_poll_fn`: the wrapper calling [`Poller::poll`] if the implementer has
/// it, NULL otherwise.
pub struct PollerVtable<T: Poller>(PhantomData<T>);

impl<T: Poller> PollerVtable<T> {
    /// The C poll callback, NULL if `T` does not implement `poll`.
    pub const POLL: bindings::irq_poll_fn = if T::HAS_POLL {
        Some(poll_callback::<T>)
    } else {
        None
    };
}

/// Access to the running poll, given to [`Poller::poll`].
pub struct PollContext<'a> {
    iop: *mut bindings::irq_poll,
    completed: AtomicBool,
    _p: PhantomData<&'a ()>,
}

impl PollContext<'_> {
    /// Marks the poll as done: the interrupt path may schedule it again from now on.
    ///
    /// Call it once the device is drained, *before* unmasking the device interrupt; then re-check
    /// the device and [`IrqPoll::schedule`] again if something arrived in between.
    pub fn complete(&self) {
        if !self.completed.swap(true, Ordering::Relaxed) {
            // SAFETY: `iop` is the poll that is running, and completes at most once.
            unsafe { bindings::irq_poll_complete(self.iop) };
        }
    }
}

impl PollContext<'_> {
    /// Schedules the poll again after [`PollContext::complete`], for work that arrived after
    /// the device was found drained.
    pub fn reschedule(&self) {
        if self.completed.load(Ordering::Relaxed) {
            // SAFETY: `iop` is valid and completed, so it may be scheduled again.
            unsafe { bindings::irq_poll_sched(self.iop) };
        }
    }

    /// Whether [`PollContext::complete`] was called.
    pub fn is_completed(&self) -> bool {
        self.completed.load(Ordering::Relaxed)
    }
}

/// A pinned NAPI-style poll instance.
///
/// # Invariants
///
/// `iop` is initialised with `poll_callback::<T>` and enabled until `drop` disables it.
#[pin_data(PinnedDrop)]
pub struct IrqPoll<T: Poller> {
    #[pin]
    iop: Opaque<bindings::irq_poll>,
    #[pin]
    poller: T,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: `irq_poll` is designed to be scheduled from any CPU; `T: Sync`.
unsafe impl<T: Poller + Send> Send for IrqPoll<T> {}
// SAFETY: As above.
unsafe impl<T: Poller> Sync for IrqPoll<T> {}

impl<T: Poller> IrqPoll<T> {
    /// Initialises a poll instance processing up to `budget` events per poll.
    pub fn new(budget: u32, poller: impl PinInit<T, Error>) -> impl PinInit<Self, Error> {
        const { assert!(T::HAS_POLL, "a Poller must implement `poll`") };
        let init = move |slot: *mut Self| {
            let weight = c_int::try_from(budget.max(1)).map_err(|_| EINVAL)?;
            // SAFETY: The field is valid for writes and pinned with `slot`.
            unsafe { poller.__pinned_init(core::ptr::addr_of_mut!((*slot).poller))? };
            // SAFETY: `slot` is valid; the poll callback is non-NULL (asserted above).
            unsafe {
                bindings::irq_poll_init(
                    Opaque::raw_get(core::ptr::addr_of!((*slot).iop)),
                    weight,
                    PollerVtable::<T>::POLL,
                )
            };
            Ok(())
        };
        // SAFETY: On success every field is initialised; on failure nothing is left behind.
        unsafe { init::pin_init_from_closure(init) }
    }

    /// The poller.
    pub fn poller(&self) -> &T {
        &self.poller
    }

    /// Schedules the poll (callable from hard IRQ context).
    pub fn schedule(&self) {
        // SAFETY: `iop` is initialised (type invariant).
        unsafe { bindings::irq_poll_sched(self.iop.get()) };
    }

    /// Sets the budget of later polls (at least 1).
    pub fn set_budget(&self, budget: u32) {
        let weight = c_int::try_from(budget.max(1)).unwrap_or(c_int::MAX);
        // SAFETY: `iop` is valid; the softirq reads `weight` with a plain load once per poll, and
        // an aligned `int` store is atomic, so it sees the old or the new value.
        unsafe { core::ptr::addr_of_mut!((*self.iop.get()).weight).write_volatile(weight) };
    }
}

#[pinned_drop]
impl<T: Poller> PinnedDrop for IrqPoll<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `iop` is initialised; `irq_poll_disable` waits for a running poll to finish
        // and keeps it from being scheduled again, so `poller` is unused once it returns.
        unsafe { bindings::irq_poll_disable(self.iop.get()) };
    }
}

/// # Safety
///
/// `iop` must be the `iop` field of a live [`IrqPoll<T>`].
unsafe extern "C" fn poll_callback<T: Poller>(
    iop: *mut bindings::irq_poll,
    budget: c_int,
) -> c_int {
    // SAFETY: `iop` is the first field of a live, pinned `IrqPoll<T>` (`Opaque` is transparent
    // and `IrqPoll` is `repr(Rust)`: compute the container from the field offset).
    let this = unsafe {
        &*iop
            .cast::<u8>()
            .sub(core::mem::offset_of!(IrqPoll<T>, iop))
            .cast::<IrqPoll<T>>()
    };
    let budget_usize = usize::try_from(budget).unwrap_or(0);
    let ctx = PollContext {
        iop,
        completed: AtomicBool::new(false),
        _p: PhantomData,
    };
    let done = this.poller.poll(&ctx, budget_usize).min(budget_usize);
    if done < budget_usize {
        // The poller is drained: make sure the poll is completed, or the softirq would run it
        // again right away.
        ctx.complete();
    }
    // A completed poll must report less than its budget: `irq_poll_softirq` requeues a poll
    // that used its whole budget, which would corrupt the list for a completed one.
    let done = if ctx.is_completed() {
        done.min(budget_usize.saturating_sub(1))
    } else {
        done
    };
    c_int::try_from(done).unwrap_or(0)
}

/// A spinlock backend that disables bottom halves (softirqs) while held.
///
/// For data shared between an [`IrqPoll`] poller (softirq) and process context.
pub struct SpinLockBhBackend;

/// A spinlock for data shared with a poller: see [`SpinLockBhBackend`].
pub type PollLock<T> = Lock<T, SpinLockBhBackend>;

/// Creates a [`PollLock`] initialiser with the given name and a new lock class.
#[macro_export]
macro_rules! new_poll_lock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::irq_poll::PollLock::new(
            $inner, $crate::optional_name!($($name)?), $crate::static_lock_class!())
    };
}

// SAFETY: `spin_lock_bh` provides mutual exclusion; `relock` uses the default implementation,
// which calls `lock` again, the same method.
unsafe impl Backend for SpinLockBhBackend {
    type State = bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: Guaranteed by the caller.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The lock is initialised (caller guarantee).
        unsafe { bindings::spin_lock_bh(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The caller owns the lock.
        unsafe { bindings::spin_unlock_bh(ptr) }
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! KUnit suite `novax_irq_poll`: the callback chosen by [`PollerVtable`].
    use super::*;
    use crate::{c_str, kunit_suite::Test};

    struct WithPoll;

    #[vtable]
    impl Poller for WithPoll {
        fn poll(&self, _ctx: &PollContext<'_>, budget: usize) -> usize {
            budget
        }
    }

    struct WithoutPoll;

    #[vtable]
    impl Poller for WithoutPoll {}

    fn callback_chosen(test: &Test) {
        test.expect(
            WithPoll::HAS_POLL,
            c_str!("HAS_POLL set for an implementer of poll"),
        );
        test.expect(
            PollerVtable::<WithPoll>::POLL.is_some(),
            c_str!("non-NULL C callback for an implementer of poll"),
        );
        test.expect(
            !WithoutPoll::HAS_POLL,
            c_str!("HAS_POLL clear without poll"),
        );
        test.expect(
            PollerVtable::<WithoutPoll>::POLL.is_none(),
            c_str!("NULL C callback without poll"),
        );
    }

    crate::kunit_suite!(novax_irq_poll, [callback_chosen]);
}
