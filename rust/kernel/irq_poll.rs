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
    ///
    /// Callable from any context, also while a poll runs: the store is a `WRITE_ONCE()` and the
    /// softirq reads the weight once per poll with `READ_ONCE()`, so a poll sees the old or the
    /// new budget, never a torn one.
    pub fn set_budget(&self, budget: u32) {
        let weight = c_int::try_from(budget.max(1)).unwrap_or(c_int::MAX);
        // SAFETY: `iop` is initialised (type invariant); the helper only stores `weight`.
        unsafe { bindings::irq_poll_set_weight(self.iop.get(), weight) };
    }
}

#[pinned_drop]
impl<T: Poller> PinnedDrop for IrqPoll<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `iop` is initialised (type invariant). `irq_poll_disable` keeps the poll from
        // being scheduled again and waits until it is not scheduled, i.e. until a running poll
        // has *completed*: it does not wait for the callback to return.
        unsafe { bindings::irq_poll_disable(self.iop.get()) };
        // A poller completes from inside its callback (`PollContext::complete`) and then goes on
        // using `self` (it unmasks the device, re-checks it, may reschedule), so the callback can
        // still be running on another CPU. It runs in the `IRQ_POLL_SOFTIRQ` softirq, with bottom
        // halves disabled, which is an RCU read-side critical section: waiting for a grace period
        // waits for every callback that was running when the disable returned, as NAPI's
        // `netif_napi_del()` does before a NAPI instance is freed. None can start afterwards
        // (the disable keeps `IRQ_POLL_F_SCHED` set), so `poller` and `iop` are unused from here.
        // (Process context: the disable above already sleeps.)
        crate::sync::rcu::synchronize();
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
    //! KUnit suite `rust_irq_poll`: the callback chosen by [`PollerVtable`], and that dropping an
    //! [`IrqPoll`] waits for a callback still running after it completed.
    use super::*;
    use crate::{
        c_str,
        kunit_suite::Test,
        new_work,
        sync::Arc,
        time::{ktime_ms_delta, Ktime},
        workqueue::{self, impl_has_work, Work, WorkItem},
    };

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

    /// Set by [`Lingering`] once it has completed and is still running.
    static IN_WINDOW: AtomicBool = AtomicBool::new(false);
    /// Set by [`Lingering`] as the last thing before it returns.
    static RETURNED: AtomicBool = AtomicBool::new(false);

    /// How long [`Lingering`] keeps running after it completed.
    const LINGER_MS: i64 = 200;

    /// A poller that completes and then goes on running for a while, as a real one does when it
    /// unmasks and re-checks its device after completing. It touches only statics, so that the
    /// test stays safe on a broken `IrqPoll` that frees it too early.
    struct Lingering;

    #[vtable]
    impl Poller for Lingering {
        fn poll(&self, ctx: &PollContext<'_>, _budget: usize) -> usize {
            ctx.complete();
            IN_WINDOW.store(true, Ordering::SeqCst);
            let start = Ktime::ktime_get();
            while ktime_ms_delta(Ktime::ktime_get(), start) < LINGER_MS {
                core::hint::spin_loop();
            }
            RETURNED.store(true, Ordering::SeqCst);
            0
        }
    }

    /// Set by [`Kick`] once it has scheduled the poll and no longer uses it.
    static KICKED: AtomicBool = AtomicBool::new(false);

    /// Schedules the poll from a worker of the unbound workqueue, i.e. (most likely) on
    /// another CPU than the test, whose softirq then runs the callback there.
    ///
    /// # Invariants
    ///
    /// `poll` is valid until [`KICKED`] is set.
    #[pin_data]
    struct Kick {
        poll: *const IrqPoll<Lingering>,
        #[pin]
        work: Work<Kick>,
    }

    // SAFETY: `poll` is only used by the worker, to schedule an `IrqPoll`, which is `Sync`.
    unsafe impl Send for Kick {}
    // SAFETY: As above.
    unsafe impl Sync for Kick {}

    impl_has_work! {
        impl HasWork<Self> for Kick { self.work }
    }

    impl WorkItem for Kick {
        type Pointer = Arc<Kick>;

        fn run(this: Arc<Kick>) {
            // SAFETY: `poll` is valid until `KICKED` is set (type invariant).
            unsafe { (*this.poll).schedule() };
            KICKED.store(true, Ordering::SeqCst);
        }
    }

    /// Sleeps until `flag` is set or `ms` milliseconds passed; returns whether it is set.
    fn wait_for(flag: &AtomicBool, ms: i64) -> bool {
        let start = Ktime::ktime_get();
        while !flag.load(Ordering::SeqCst) {
            if ktime_ms_delta(Ktime::ktime_get(), start) > ms {
                return false;
            }
            // SAFETY: Process context; sleeping is allowed.
            unsafe { bindings::msleep(1) };
        }
        true
    }

    /// One attempt: `Ok(true)` if the poll was dropped while its callback ran on another CPU
    /// (so the drop's result means something), `Ok(false)` if the callback was not caught
    /// running: it ran on the test's own CPU, or before the worker was done with the poll.
    fn drop_during_callback(test: &Test) -> Result<bool> {
        IN_WINDOW.store(false, Ordering::SeqCst);
        RETURNED.store(false, Ordering::SeqCst);
        KICKED.store(false, Ordering::SeqCst);
        let poll = KBox::pin_init(IrqPoll::new(8, Lingering), GFP_KERNEL)?;
        let poll_ptr: *const IrqPoll<Lingering> = &*poll;
        // INVARIANT: `poll` is dropped only after `KICKED` is set, below.
        let kick = Arc::pin_init(
            pin_init!(Kick {
                poll: poll_ptr,
                work <- new_work!("irq_poll_test::kick"),
            }),
            GFP_KERNEL,
        )?;
        let _ = workqueue::system_unbound().enqueue(kick);
        let ran = wait_for(&IN_WINDOW, 5000);
        // The worker always runs: wait for it without a limit, `poll` must outlive its use.
        while !wait_for(&KICKED, 1000) {}
        if !ran {
            test.fail(format_args!("the poll callback did not run within 5 s"));
            return Ok(false);
        }
        if RETURNED.load(Ordering::SeqCst) {
            // The callback ran and returned before we looked: no overlap to test, try again.
            return Ok(false);
        }
        // The callback has completed the poll and is still running on another CPU.
        drop(poll);
        test.expect(
            RETURNED.load(Ordering::SeqCst),
            c_str!("dropping an IrqPoll waits for a callback that completed but still runs"),
        );
        // On failure, let the callback finish before the next case.
        while !wait_for(&RETURNED, 1000) {}
        Ok(true)
    }

    fn drop_waits_for_callback(test: &Test) {
        for _ in 0..20 {
            match drop_during_callback(test) {
                Ok(true) => return,
                Ok(false) if test.failed() => return,
                Ok(false) => {}
                Err(e) => {
                    test.fail(format_args!("setting up the poll: {:?}", e));
                    return;
                }
            }
        }
        test.fail(format_args!(
            "in 20 attempts the callback never ran on another CPU than the test (needs SMP)"
        ));
    }

    crate::kunit_suite!(rust_irq_poll, [callback_chosen, drop_waits_for_callback]);
}
