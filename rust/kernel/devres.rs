// SPDX-License-Identifier: GPL-2.0

//! Device resources: data that goes away when its device is unbound.
//!
//! C header: [`include/linux/device/devres.h`](srctree/include/linux/device.h)
//!
//! A driver's hold on its hardware (a mapped BAR, a requested interrupt) ends when the driver is
//! unbound, whatever else still holds references to the objects using it: an unbound driver
//! must not touch the device. [`Devres`] ties data to the device's managed resources: the
//! driver core revokes it (see [`Revocable`]) and drops it when it releases the device's
//! resources at unbind (or when a probe fails), or when the `Devres` is dropped first. Until
//! then users reach it through [`Devres::try_access`] (RCU, any context) or, with proof that the
//! device is bound, [`Devres::access`] (no check at run time beyond the device's identity).
//!
//! The shape follows upstream Rust-for-Linux's `kernel::devres`, written for Linux 6.12 on its
//! `devres_alloc`/`devres_add`/`devres_remove`, whose removal, unlike `devm_remove_action()`,
//! can tell without a warning that the driver core got there first.

use crate::{
    alloc::Flags,
    bindings, c_str,
    device::{Bound, Device},
    error::{code::*, Result},
    ffi::c_void,
    prelude::*,
    revocable::{Revocable, RevocableGuard},
    sync::Arc,
    types::ARef,
};

#[pin_data]
struct Inner<T> {
    #[pin]
    data: Revocable<T>,
}

/// Data of type `T` that lives until its device is unbound: see the
/// [module documentation](self).
///
/// # Invariants
///
/// `dev` has a devres node whose payload is a pointer from `Arc::into_raw` of a clone of `inner`,
/// with [`release::<T>`] as its release function, until the driver core releases the node (and
/// `release` takes the reference back) or `drop` removes it (and takes it back).
pub struct Devres<T: Send + Sync + 'static> {
    inner: Arc<Inner<T>>,
    dev: ARef<Device>,
}

/// The payload of the devres node.
type Payload<T> = *const Inner<T>;

/// Revokes and drops the data when the driver core releases the device's resources.
///
/// # Safety
///
/// `res` is the payload of a node allocated by [`Devres::new`], holding an `Arc` reference that
/// is given up here.
unsafe extern "C" fn release<T: Send + Sync + 'static>(
    _dev: *mut bindings::device,
    res: *mut c_void,
) {
    // SAFETY: The payload is a `Payload<T>` from `Arc::into_raw` (caller guarantee, `Devres`
    // invariant); the node's reference is ours now.
    let inner = unsafe { Arc::from_raw(res.cast::<Payload<T>>().read()) };
    inner.data.revoke();
}

/// Matches the node whose payload is `data`.
///
/// # Safety
///
/// `res` is the payload of a node with [`release::<T>`] as its release function.
unsafe extern "C" fn matches<T: Send + Sync + 'static>(
    _dev: *mut bindings::device,
    res: *mut c_void,
    data: *mut c_void,
) -> crate::ffi::c_int {
    // SAFETY: The payload is a `Payload<T>` (caller guarantee).
    let ptr = unsafe { res.cast::<Payload<T>>().read() };
    crate::ffi::c_int::from(core::ptr::eq(ptr.cast::<c_void>(), data))
}

impl<T: Send + Sync + 'static> Devres<T> {
    /// Ties the data `data` initialises to the device `dev` is bound to.
    pub fn new(dev: &Device<Bound>, data: impl PinInit<T, Error>, flags: Flags) -> Result<Self> {
        let inner = Arc::pin_init(
            try_pin_init!(Inner {
                data <- Revocable::new(data),
            }? Error),
            flags,
        )?;
        // SAFETY: `release::<T>` is a valid release function for a payload of this size; the
        // name is a `'static` C string.
        let node = unsafe {
            bindings::__devres_alloc_node(
                Some(release::<T>),
                core::mem::size_of::<Payload<T>>(),
                flags.as_raw(),
                bindings::NUMA_NO_NODE,
                c_str!("kernel::devres::Devres").as_char_ptr(),
            )
        };
        if node.is_null() {
            return Err(ENOMEM);
        }
        let raw: Payload<T> = Arc::into_raw(inner.clone());
        // SAFETY: `node` is a new payload of `size_of::<Payload<T>>()` bytes, suitably aligned
        // (devres payloads are aligned for any type).
        unsafe { node.cast::<Payload<T>>().write(raw) };
        // SAFETY: `dev` is bound (`Bound` context), so its resources are not released yet: the node
        // is released with them or removed by `drop`.
        // INVARIANT: The node holds the reference from `into_raw` above.
        unsafe { bindings::devres_add(dev.as_raw(), node) };
        let normal: &Device = dev;
        Ok(Self {
            inner,
            dev: normal.into(),
        })
    }

    /// Accesses the data if it is not revoked yet (in an RCU read-side critical section, which
    /// the guard ends: do not sleep while holding it).
    pub fn try_access(&self) -> Option<RevocableGuard<'_, T>> {
        self.inner.data.try_access()
    }

    /// Runs `f` on the data if it is not revoked yet.
    pub fn try_access_with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.inner.data.try_access_with(f)
    }

    /// Accesses the data with proof that its device is bound, which rules out its release for
    /// as long as the proof lives. `EINVAL` if `dev` is not the device the data belongs to.
    pub fn access<'a>(&'a self, dev: &'a Device<Bound>) -> Result<&'a T> {
        if dev.as_raw() != self.dev.as_raw() {
            return Err(EINVAL);
        }
        // SAFETY: The data is revoked only when the device's resources are released or when
        // `self` is dropped; neither happens during `'a`: `dev` is bound for `'a` (`Bound` context)
        // and `self` is borrowed for `'a`.
        Ok(unsafe { self.inner.data.access() })
    }

    /// Whether the data was revoked (its device was unbound, or is being unbound).
    pub fn is_revoked(&self) -> bool {
        self.inner.data.is_revoked()
    }
}

impl<T: Send + Sync + 'static> Drop for Devres<T> {
    fn drop(&mut self) {
        let ptr: Payload<T> = &*self.inner;
        // SAFETY: `dev` is valid (we hold a reference); `matches::<T>` compares payloads of nodes
        // with `release::<T>`, which is what `devres_remove` passes it.
        let node = unsafe {
            bindings::devres_remove(
                self.dev.as_raw(),
                Some(release::<T>),
                Some(matches::<T>),
                ptr.cast_mut().cast::<c_void>(),
            )
        };
        if !node.is_null() {
            // The node was still on the device: its release will not run, its reference is ours.
            // SAFETY: The payload holds the reference from `into_raw` (type invariant).
            drop(unsafe { Arc::from_raw(node.cast::<Payload<T>>().read()) });
            // SAFETY: `node` was removed from the device and is no longer used.
            unsafe { bindings::devres_free(node) };
        }
        // Otherwise the driver core has released it, or is releasing it now: `release` owns the
        // node's reference and revokes. Either way the data goes now or has gone.
        self.inner.data.revoke();
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! KUnit suite `rust_devres`: unbinding the device revokes and drops the data even while the
    //! `Devres` lives on, dropping the `Devres` first drops it too, each exactly once.
    use super::*;
    use crate::kunit_suite::Test;
    use core::sync::atomic::{AtomicU32, Ordering};

    static DROPS: AtomicU32 = AtomicU32::new(0);

    struct Counted(u32);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A KUnit device, bound to the driver KUnit creates for it until [`TestDevice::unregister`].
    ///
    /// # Invariants
    ///
    /// `dev` is a registered, bound KUnit device of the test `test`.
    struct TestDevice {
        dev: *mut bindings::device,
        test: *mut bindings::kunit,
    }

    impl TestDevice {
        fn new(test: &Test, name: &'static CStr) -> Option<Self> {
            // SAFETY: `test` is the running test; `name` is a `'static` C string.
            let dev = unsafe { bindings::kunit_device_register(test.as_raw(), name.as_char_ptr()) };
            let dev = match crate::error::from_err_ptr(dev) {
                Ok(dev) if !dev.is_null() => dev,
                _ => {
                    test.fail(format_args!("kunit_device_register failed"));
                    return None;
                }
            };
            // INVARIANT: Registered just above, with a driver bound by KUnit.
            Some(Self {
                dev,
                test: test.as_raw(),
            })
        }

        /// Unbinds and unregisters the device (its managed resources are released).
        fn unregister(self) {
            // SAFETY: Registered by this test (type invariant); `self` is consumed, so no
            // `&TestDevice` outlives the unbind.
            unsafe { bindings::kunit_device_unregister(self.test, self.dev) };
        }
    }

    impl AsRef<Device<Bound>> for TestDevice {
        fn as_ref(&self) -> &Device<Bound> {
            // SAFETY: The device is registered and bound while `self` exists (type invariant),
            // and `unregister` consumes `self`.
            unsafe { Device::<Bound>::as_ctx_ref(self.dev) }
        }
    }

    fn unbind_revokes(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        let Some(dev) = TestDevice::new(test, c_str!("rust-devres-unbind")) else {
            return;
        };
        let d = match Devres::new(dev.as_ref(), Counted(5), GFP_KERNEL) {
            Ok(d) => d,
            Err(e) => {
                test.fail(format_args!("Devres::new: {:?}", e));
                dev.unregister();
                return;
            }
        };
        test.expect_eq(
            d.try_access_with(|c| c.0),
            Some(5),
            c_str!("try_access while bound"),
        );
        test.expect_eq(
            d.access(dev.as_ref()).map(|c| c.0),
            Ok(5),
            c_str!("access while bound"),
        );
        dev.unregister();
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("unbinding the device drops the data although the Devres lives"),
        );
        test.expect(d.is_revoked(), c_str!("revoked after unbind"));
        test.expect(d.try_access().is_none(), c_str!("no access after unbind"));
        drop(d);
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropped once in all"),
        );
    }

    fn drop_before_unbind(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        let Some(dev) = TestDevice::new(test, c_str!("rust-devres-drop")) else {
            return;
        };
        match Devres::new(dev.as_ref(), Counted(6), GFP_KERNEL) {
            Ok(d) => drop(d),
            Err(e) => test.fail(format_args!("Devres::new: {:?}", e)),
        }
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropping the Devres drops the data"),
        );
        dev.unregister();
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("the unbind does not drop it again"),
        );
    }

    fn access_checks_the_device(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        let Some(a) = TestDevice::new(test, c_str!("rust-devres-a")) else {
            return;
        };
        let Some(b) = TestDevice::new(test, c_str!("rust-devres-b")) else {
            a.unregister();
            return;
        };
        match Devres::new(a.as_ref(), Counted(8), GFP_KERNEL) {
            Ok(d) => {
                test.expect_eq(
                    d.access(b.as_ref()).map(|c| c.0),
                    Err(EINVAL),
                    c_str!("access with another device's proof: EINVAL"),
                );
                test.expect_eq(
                    d.access(a.as_ref()).map(|c| c.0),
                    Ok(8),
                    c_str!("access with its own"),
                );
            }
            Err(e) => test.fail(format_args!("Devres::new: {:?}", e)),
        }
        a.unregister();
        b.unregister();
        test.expect_eq(DROPS.load(Ordering::SeqCst), 1, c_str!("dropped once"));
    }

    crate::kunit_suite!(
        rust_devres,
        [unbind_revokes, drop_before_unbind, access_checks_the_device]
    );
}
