// SPDX-License-Identifier: GPL-2.0

//! Revocable objects: data that its owner can take away while others still hold references.
//!
//! A driver's resources (a mapped BAR, a registered interrupt) must go when the driver is unbound
//! from its device, even though objects that point at them (a file of a client, a work item) may
//! live longer. Such a resource lives in a [`Revocable`]: users reach it only through
//! [`Revocable::try_access`], which fails once it is revoked, and [`Revocable::revoke`] waits for
//! the users that got in before it drops the data. The users' side is an RCU read-side critical
//! section, so access is cheap and never sleeps; the revoking side waits for a grace period.
//!
//! The shape follows upstream Rust-for-Linux's `kernel::revocable`, written for Linux 6.12.

use crate::{prelude::*, sync::rcu, types::Opaque};
use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::drop_in_place,
    sync::atomic::{AtomicBool, Ordering},
};

/// Data that may be revoked: see the [module documentation](self).
///
/// # Examples
///
/// ```
/// # use kernel::revocable::Revocable;
/// let r = KBox::pin_init(Revocable::new::<Error>(7u32), GFP_KERNEL)?;
/// assert_eq!(r.try_access().map(|v| *v), Some(7));
/// assert!(r.revoke());
/// assert!(r.try_access().is_none());
/// assert!(!r.revoke());
/// # Ok::<(), Error>(())
/// ```
///
/// # Invariants
///
/// - `data` is initialised while `is_available` is true, and for an RCU grace period after it
///   turned false (readers that saw it true may still use it); it is dropped once, by the
///   revocation that set `is_available` to false, or by `drop` if nothing revoked it.
/// - `is_available` only goes from true to false.
#[pin_data(PinnedDrop)]
pub struct Revocable<T> {
    is_available: AtomicBool,
    #[pin]
    data: Opaque<T>,
}

// SAFETY: `Revocable<T>` owns a `T`, which it may drop on another thread than the one that made
// it (the one revoking it).
unsafe impl<T: Send> Send for Revocable<T> {}

// SAFETY: Through `&Revocable<T>`, any thread may get a `&T` (`try_access`), needing `T: Sync`,
// and drop the `T` (`revoke`), needing `T: Send`.
unsafe impl<T: Sync + Send> Sync for Revocable<T> {}

impl<T> Revocable<T> {
    /// Creates a revocable object around the data `data` initialises.
    pub fn new<E>(data: impl PinInit<T, E>) -> impl PinInit<Self, E> {
        let init = move |slot: *mut Self| {
            // SAFETY: `slot` is valid for writes and pinned; `data` is pinned with it, and
            // `Opaque<T>` has the layout of `T`.
            unsafe {
                data.__pinned_init(Opaque::raw_get(core::ptr::addr_of!((*slot).data)))?;
                core::ptr::addr_of_mut!((*slot).is_available).write(AtomicBool::new(true));
            }
            Ok(())
        };
        // SAFETY: On success both fields are initialised; on failure `data`'s initialiser has
        // cleaned up after itself and nothing else was written.
        unsafe { crate::init::pin_init_from_closure(init) }
    }

    /// Accesses the data if it is not revoked: the guard keeps the revocation from dropping it
    /// until the guard goes (an RCU read-side critical section: do not sleep while holding it).
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        let guard = rcu::read_lock();
        if self.is_available.load(Ordering::Relaxed) {
            // INVARIANT: `data` is available, and stays so until `guard` ends the critical
            // section (type invariant of `Revocable`: the revocation waits for a grace period).
            Some(RevocableGuard {
                data: self.data.get(),
                _rcu: guard,
                _p: PhantomData,
            })
        } else {
            None
        }
    }

    /// Accesses the data if it is not revoked, within a critical section `guard` the caller
    /// holds (for several accesses in one section).
    pub fn try_access_with_guard<'a>(&'a self, _guard: &'a rcu::Guard) -> Option<&'a T> {
        if self.is_available.load(Ordering::Relaxed) {
            // SAFETY: `data` is available and stays initialised until the caller's critical
            // section ends, which it does not before `'a` (type invariant).
            Some(unsafe { &*self.data.get() })
        } else {
            None
        }
    }

    /// Runs `f` on the data if it is not revoked, in an RCU read-side critical section.
    pub fn try_access_with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.try_access().map(|g| f(&g))
    }

    /// Accesses the data without checking whether it is revoked.
    ///
    /// # Safety
    ///
    /// The caller must ensure that the data is not revoked during `'a`, e.g. because revocation
    /// happens only when a device is unbound and the caller holds proof that it is bound.
    pub unsafe fn access(&self) -> &T {
        // SAFETY: Not revoked during the borrow (caller guarantee), so initialised.
        unsafe { &*self.data.get() }
    }

    /// Whether the data was revoked (it may be revoked right after this returns false).
    pub fn is_revoked(&self) -> bool {
        !self.is_available.load(Ordering::Relaxed)
    }

    /// Revokes access to the data and drops it, after waiting for an RCU grace period so that
    /// no reader that got in before is still using it. Sleeps. Returns whether this call
    /// revoked it (false if it already was).
    pub fn revoke(&self) -> bool {
        let revoke = self.is_available.swap(false, Ordering::Relaxed);
        if revoke {
            // Readers that saw `is_available` true are in critical sections that began before the
            // swap: wait for them.
            rcu::synchronize();
            // SAFETY: This call set `is_available` to false (the only one that can), no reader
            // is left (the grace period above), and none can come: drop the data, once.
            unsafe { drop_in_place(self.data.get()) };
        }
        revoke
    }
}

#[pinned_drop]
impl<T> PinnedDrop for Revocable<T> {
    fn drop(self: Pin<&mut Self>) {
        // Exclusive access: no reader and no concurrent revocation.
        if self.is_available.load(Ordering::Relaxed) {
            // SAFETY: Not revoked, so `data` is initialised and was not dropped; nobody else can
            // use it any more.
            unsafe { drop_in_place(self.data.get()) };
        }
    }
}

/// Access to the data of a [`Revocable`] that is not revoked: see [`Revocable::try_access`].
///
/// # Invariants
///
/// `data` points to the initialised data of a `Revocable` that stays available while `_rcu`
/// holds the RCU read-side critical section.
pub struct RevocableGuard<'a, T> {
    data: *const T,
    _rcu: rcu::Guard,
    _p: PhantomData<&'a T>,
}

impl<T> Deref for RevocableGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: Valid and initialised while the guard exists (type invariant).
        unsafe { &*self.data }
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! KUnit suite `rust_revocable`: revocation waits for readers, fails later accesses, and
    //! drops the data exactly once.
    use super::*;
    use crate::{
        bindings, c_str,
        kunit_suite::Test,
        new_work,
        sync::Arc,
        time::{ktime_ms_delta, Ktime},
        workqueue::{self, impl_has_work, Work, WorkItem},
    };
    use core::sync::atomic::AtomicU32;

    /// Drops of [`Counted`] values.
    static DROPS: AtomicU32 = AtomicU32::new(0);
    /// Set by [`Revoker`] right before it revokes, and once it has.
    static REVOKE_STARTED: AtomicBool = AtomicBool::new(false);
    static REVOKED: AtomicBool = AtomicBool::new(false);

    struct Counted(u32);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Revokes from a worker of the unbound workqueue (another CPU than the reader, most likely).
    #[pin_data]
    struct Revoker {
        r: Arc<Revocable<Counted>>,
        #[pin]
        work: Work<Revoker>,
    }

    impl_has_work! {
        impl HasWork<Self> for Revoker { self.work }
    }

    impl WorkItem for Revoker {
        type Pointer = Arc<Revoker>;

        fn run(this: Arc<Revoker>) {
            REVOKE_STARTED.store(true, Ordering::SeqCst);
            this.r.revoke();
            REVOKED.store(true, Ordering::SeqCst);
        }
    }

    fn sleep_until(flag: &AtomicBool) {
        while !flag.load(Ordering::SeqCst) {
            // SAFETY: Process context, no lock held: sleeping is allowed.
            unsafe { bindings::msleep(1) };
        }
    }

    /// One attempt: `Ok(true)` if the revocation started while the reader was inside.
    fn revoke_during_read(test: &Test) -> Result<bool> {
        DROPS.store(0, Ordering::SeqCst);
        REVOKE_STARTED.store(false, Ordering::SeqCst);
        REVOKED.store(false, Ordering::SeqCst);
        let r = Arc::pin_init(Revocable::new::<Error>(Counted(42)), GFP_KERNEL)?;
        let r2 = r.clone();
        let job = Arc::pin_init(
            pin_init!(Revoker {
                r: r2,
                work <- new_work!("revocable_test::revoker"),
            }),
            GFP_KERNEL,
        )?;
        let guard = r.try_access().ok_or(EINVAL)?;
        let _ = workqueue::system_unbound().enqueue(job);
        // Inside the read-side section: spin (no sleeping) while the worker revokes.
        let start = Ktime::ktime_get();
        while ktime_ms_delta(Ktime::ktime_get(), start) < 100 {
            core::hint::spin_loop();
        }
        let started = REVOKE_STARTED.load(Ordering::SeqCst);
        test.expect_eq(guard.0, 42, c_str!("a reader inside sees the data"));
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            0,
            c_str!("the data is not dropped while a reader is inside"),
        );
        test.expect(
            !REVOKED.load(Ordering::SeqCst),
            c_str!("revoke() waits for the reader"),
        );
        drop(guard);
        sleep_until(&REVOKED);
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropped once the reader left"),
        );
        test.expect(r.try_access().is_none(), c_str!("no access after revoke"));
        test.expect(r.is_revoked(), c_str!("is_revoked() after revoke"));
        drop(r);
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropped once in all"),
        );
        Ok(started)
    }

    fn revoke_waits_for_readers(test: &Test) {
        for _ in 0..10 {
            match revoke_during_read(test) {
                Ok(true) => return,
                Ok(false) if test.failed() => return,
                Ok(false) => {}
                Err(e) => {
                    test.fail(format_args!("setting up: {:?}", e));
                    return;
                }
            }
        }
        test.fail(format_args!(
            "in 10 attempts the revoking worker never ran while the reader was inside"
        ));
    }

    fn access_after_revoke(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        let Ok(r) = KBox::pin_init(Revocable::new::<Error>(Counted(7)), GFP_KERNEL) else {
            test.fail(format_args!("allocation"));
            return;
        };
        test.expect_eq(
            r.try_access_with(|c| c.0),
            Some(7),
            c_str!("access before revoke"),
        );
        {
            let rcu = crate::sync::rcu::read_lock();
            test.expect(
                r.try_access_with_guard(&rcu).is_some(),
                c_str!("access with a guard before revoke"),
            );
        }
        test.expect(r.revoke(), c_str!("the first revoke revokes"));
        test.expect(!r.revoke(), c_str!("a second revoke does nothing"));
        test.expect(r.try_access().is_none(), c_str!("try_access after revoke"));
        test.expect(
            r.try_access_with(|c| c.0).is_none(),
            c_str!("try_access_with after revoke"),
        );
        let rcu = crate::sync::rcu::read_lock();
        test.expect(
            r.try_access_with_guard(&rcu).is_none(),
            c_str!("try_access_with_guard after revoke"),
        );
        drop(rcu);
        drop(r);
        test.expect_eq(DROPS.load(Ordering::SeqCst), 1, c_str!("dropped once"));
    }

    fn drop_without_revoke(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        match KBox::pin_init(Revocable::new::<Error>(Counted(1)), GFP_KERNEL) {
            Ok(r) => drop(r),
            Err(_) => test.fail(format_args!("allocation")),
        }
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropping an unrevoked Revocable drops the data once"),
        );
    }

    crate::kunit_suite!(
        rust_revocable,
        [
            revoke_waits_for_readers,
            access_after_revoke,
            drop_without_revoke
        ]
    );
}
