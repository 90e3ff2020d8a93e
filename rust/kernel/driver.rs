// SPDX-License-Identifier: GPL-2.0

//! Generic support for drivers of different buses.
//!
//! Every bus (PCI, auxiliary, ...) registers a C driver structure with the driver core and
//! unregisters it again. [`Registration`] does that once for all buses: a bus abstraction only
//! says how to fill in and (un)register its C structure by implementing [`RegistrationOps`], and
//! gets a pinned registration whose `Drop` unregisters, so a module cannot forget to.
//!
//! Bus devices carry a device context ([`crate::device::DeviceContext`]): a bus hands a driver
//! `&Device<Core>` in `probe` and `unbind`, operations valid while bound take `Device<Bound>`,
//! and an `ARef<Device>` can do only what is valid at any time.

use crate::{
    error::Result,
    init::{self, PinInit},
    prelude::*,
    str::CStr,
    types::Opaque,
    ThisModule,
};
use core::marker::PhantomPinned;

/// How a bus registers and unregisters its C driver structure.
///
/// # Safety
///
/// [`RegistrationOps::register`] must leave the driver registered with the driver core when it
/// returns `Ok`, such that [`RegistrationOps::unregister`] can undo it, and must leave nothing
/// registered when it returns an error.
pub unsafe trait RegistrationOps {
    /// The C driver structure of the bus, e.g. `struct pci_driver`.
    type RegType;

    /// Fills in and registers `reg`.
    ///
    /// # Safety
    ///
    /// `reg` must point to a zeroed `RegType` that stays pinned until
    /// [`RegistrationOps::unregister`] has been called on it.
    unsafe fn register(
        reg: &Opaque<Self::RegType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result;

    /// Unregisters `reg`.
    ///
    /// # Safety
    ///
    /// `reg` must have been registered successfully by [`RegistrationOps::register`].
    unsafe fn unregister(reg: &Opaque<Self::RegType>);
}

/// A registered driver: unregistered when dropped.
///
/// # Invariants
///
/// `reg` is registered with the driver core for as long as the `Registration` exists.
#[pin_data(PinnedDrop)]
pub struct Registration<T: RegistrationOps> {
    #[pin]
    reg: Opaque<T::RegType>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The driver core only touches the registered structure under its own locking, and
// `Registration` offers no access to it.
unsafe impl<T: RegistrationOps> Sync for Registration<T> {}

// SAFETY: Registration and unregistration may happen on any thread.
unsafe impl<T: RegistrationOps> Send for Registration<T> {}

impl<T: RegistrationOps> Registration<T> {
    /// Registers a driver named `name` on behalf of `module`.
    pub fn new(name: &'static CStr, module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Opaque<T::RegType>| {
            // SAFETY: `slot` is valid for writes; a zeroed C driver structure is its documented
            // initial state.
            unsafe { core::ptr::write_bytes(Opaque::raw_get(slot), 0, 1) };
            // SAFETY: `slot` is zeroed and pinned (it is a pinned field of `Self`).
            unsafe { T::register(&*slot, name, module) }
        };
        try_pin_init!(Self {
            // SAFETY: On success the slot is registered, on error nothing stays registered.
            reg <- unsafe { init::pin_init_from_closure(init) },
            _pin: PhantomPinned,
        })
    }
}

#[pinned_drop]
impl<T: RegistrationOps> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant `reg` is registered.
        unsafe { T::unregister(&self.reg) };
    }
}

/// Runs the registration of a bus driver for a whole module: the implementation behind
/// `module_pci_driver!` and `module_auxiliary_driver!`.
pub struct Module<T: RegistrationOps> {
    _reg: Pin<KBox<Registration<T>>>,
}

impl<T: RegistrationOps> Module<T> {
    /// Registers the driver for `module`.
    pub fn new(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: KBox::pin_init(Registration::new(name, module), GFP_KERNEL)?,
        })
    }
}

/// Declares a module that registers one bus driver: the implementation of the
/// `module_<bus>_driver!` macros.
#[macro_export]
macro_rules! module_driver {
    ($adapter:ty, name: $name:tt, $($f:tt)*) => {
        struct __DriverModule {
            _driver: $crate::driver::Module<$adapter>,
        }

        impl $crate::Module for __DriverModule {
            fn init(module: &'static $crate::ThisModule) -> $crate::error::Result<Self> {
                Ok(Self {
                    _driver: $crate::driver::Module::new($crate::c_str!($name), module)?,
                })
            }
        }

        $crate::prelude::module! {
            type: __DriverModule,
            name: $name,
            $($f)*
        }
    };
}

/// Implements the device context chain of a bus device type `Device<Ctx>` (in scope by that
/// name): `Device<Core>` dereferences to `Device<Bound>`, which dereferences to `Device`.
///
/// The `unsafe` in the invocation is the caller's promise: `Device<Ctx>` is a transparent
/// wrapper whose contexts differ only in a `PhantomData`, and its `Core` context implies `Bound`.
#[doc(hidden)]
#[macro_export]
macro_rules! impl_device_context_deref {
    // SAFETY: Not a block: the `unsafe` the invoker writes, promising the layout stated above.
    (unsafe { Device }) => {
        impl ::core::ops::Deref for Device<$crate::device::Core> {
            type Target = Device<$crate::device::Bound>;

            fn deref(&self) -> &Self::Target {
                // SAFETY: The contexts differ only in a `PhantomData`, and a device in the `Core`
                // context is bound (the invoker's promise).
                unsafe { &*::core::ptr::from_ref(self).cast::<Self::Target>() }
            }
        }

        impl ::core::ops::Deref for Device<$crate::device::Bound> {
            type Target = Device;

            fn deref(&self) -> &Self::Target {
                // SAFETY: As above; `Normal` promises nothing.
                unsafe { &*::core::ptr::from_ref(self).cast::<Self::Target>() }
            }
        }

        impl ::core::convert::AsRef<$crate::device::Device<$crate::device::Bound>>
            for Device<$crate::device::Core>
        {
            fn as_ref(&self) -> &$crate::device::Device<$crate::device::Bound> {
                let bound: &Device<$crate::device::Bound> = self;
                bound.as_ref()
            }
        }
    };
}
