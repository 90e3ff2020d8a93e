// SPDX-License-Identifier: GPL-2.0

//! Interrupt request lines and handlers.
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h)
//!
//! A driver implements [`Handler`] and pins a [`Registration`], which requests the interrupt line
//! with the handler as its `dev_id`. Dropping the registration calls `free_irq`, which waits for a
//! running handler to finish, so the handler (and anything it borrows from the registration) can
//! never run after the drop.

use crate::{
    bindings,
    error::to_result,
    ffi::{c_int, c_ulong, c_void},
    init::{self, PinInit},
    prelude::*,
    str::CStr,
};
use core::marker::PhantomPinned;

/// What a handler did with an interrupt.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IrqReturn {
    /// The interrupt was not from this device.
    None,
    /// The interrupt was handled.
    Handled,
}

impl IrqReturn {
    fn into_raw(self) -> bindings::irqreturn_t {
        match self {
            IrqReturn::None => bindings::irqreturn_IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn_IRQ_HANDLED,
        }
    }
}

/// Flags for [`Registration::new`].
#[derive(Clone, Copy)]
pub struct Flags(c_ulong);

impl Flags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// The line may be shared with other devices (`IRQF_SHARED`).
    // A widening conversion (`u32` to `c_ulong`); `From` cannot be used in a `const`.
    pub const SHARED: Self = Self(bindings::IRQF_SHARED as c_ulong);
}

/// An interrupt handler, called in hard interrupt context.
pub trait Handler: Sync {
    /// Handles the interrupt. Must not sleep.
    fn handle(&self) -> IrqReturn;
}

/// A requested interrupt line: freed on drop.
///
/// # Invariants
///
/// `irq` is requested with `handle_irq::<T>` and this registration's address as `dev_id` for as
/// long as the registration exists.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Handler + 'static> {
    irq: u32,
    #[pin]
    handler: T,
    #[pin]
    _pin: PhantomPinned,
}

impl<T: Handler + 'static> Registration<T> {
    /// Requests interrupt `irq` with `handler`, named `name` in /proc/interrupts.
    pub fn new(
        irq: u32,
        flags: Flags,
        name: &'static CStr,
        handler: impl PinInit<T, Error>,
    ) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| {
            // SAFETY: `slot` is valid for writes (pin-init contract).
            unsafe { core::ptr::addr_of_mut!((*slot).irq).write(irq) };
            // SAFETY: The field is valid for writes and pinned with `slot`.
            unsafe { handler.__pinned_init(core::ptr::addr_of_mut!((*slot).handler))? };
            // SAFETY: `slot` is pinned and stays valid until `drop` frees the interrupt; the
            // handler field is initialised above, before the first interrupt can arrive.
            let ret = unsafe {
                bindings::request_irq(
                    irq,
                    Some(handle_irq::<T>),
                    flags.0,
                    name.as_char_ptr(),
                    slot.cast(),
                )
            };
            if let Err(e) = to_result(ret) {
                // SAFETY: Initialised above and not used by anything else.
                unsafe { core::ptr::drop_in_place(core::ptr::addr_of_mut!((*slot).handler)) };
                return Err(e);
            }
            Ok(())
        };
        // SAFETY: On success every field is initialised; on failure nothing is left behind.
        unsafe { init::pin_init_from_closure(init) }
    }

    /// The handler.
    pub fn handler(&self) -> &T {
        &self.handler
    }

    /// The interrupt number.
    pub fn irq(&self) -> u32 {
        self.irq
    }
}

#[pinned_drop]
impl<T: Handler + 'static> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        let dev_id = core::ptr::from_ref::<Self>(&self)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: By the type invariant the line is requested with this `dev_id`. `free_irq`
        // waits for a running handler, so none runs once it returns.
        unsafe { bindings::free_irq(self.irq, dev_id) };
    }
}

/// # Safety
///
/// `ptr` must be the `dev_id` of a live [`Registration<T>`].
unsafe extern "C" fn handle_irq<T: Handler + 'static>(
    _irq: c_int,
    ptr: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: The registration is alive while its interrupt can fire (type invariant).
    let reg = unsafe { &*ptr.cast::<Registration<T>>() };
    reg.handler.handle().into_raw()
}
