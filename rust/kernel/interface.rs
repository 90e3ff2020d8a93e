// SPDX-License-Identifier: GPL-2.0

//! C-ABI interfaces between separately compiled modules.
//!
//! A driver split into modules (a core driver that owns the hardware and a child driver on an
//! auxiliary device, as nova-core and nova-drm are) needs the child to call into the core. Rust
//! does not promise that two crates agree on the layout of a `repr(Rust)` struct or on the
//! Rust calling convention, so what crosses the boundary here is `#[repr(C)]` data and
//! `extern "C"` functions only:
//!
//! - [`declare_interface!`](crate::declare_interface!) declares an interface: a `#[repr(C)]`
//!   table of `unsafe extern "C"` functions, the trait a provider implements (the table is
//!   built from it, one set of shims per provider type), and a handle type whose safe methods
//!   call through the table. Arguments and results must be FFI-safe (the shims deny
//!   `improper_ctypes_definitions`); [`Slice`]/[`SliceMut`] carry byte buffers and
//!   [`FfiReturn`] carries `Result`s as errnos.
//! - [`Export`] is what the provider shares (e.g. as an auxiliary device's shared data): a
//!   header with the interface's version and the sizes of the table, the export and its data
//!   (checked before anything else is used), the table, the provider object (an `Arc`) and
//!   plain `#[repr(C)]` data.
//! - [`Handle`] is a counted reference a consumer takes with [`Export::acquire`]. It can be
//!   cloned and dropped, never released twice. Dropping the [`Export`] waits until every handle
//!   is gone, so the provider's object, table and code outlive all calls: a consumer that keeps
//!   a handle too long stalls the provider's teardown instead of calling into freed memory.
//!
//! Consumers keep their handles in a [`Devres`](crate::devres::Devres) on their bound device,
//! so that unbinding the consumer (which the provider does before it drops the export) revokes
//! them.

use crate::{
    error::{code::*, to_result, Error, Result},
    ffi::{c_int, c_void},
    new_condvar, new_spinlock,
    prelude::*,
    str::CStr,
    sync::{Arc, CondVar, SpinLock},
    types::ForeignOwnable,
};
use core::marker::PhantomData;

/// An operations table declared with [`declare_interface!`](crate::declare_interface!).
///
/// # Safety
///
/// Implementers are `#[repr(C)]` structs of `unsafe extern "C"` function pointers whose first
/// argument is the provider's context pointer, and `NAME` changes whenever the layout of the
/// table or of `Data` does (the macro puts `VERSION` into it).
pub unsafe trait Ops: Copy + Sync + Sized + 'static {
    /// The interface's name and version, e.g. `"gpu-core-v3"`.
    const NAME: &'static CStr;
    /// The interface version.
    const VERSION: u32;
    /// Plain data shared along with the table.
    type Data: Copy + Send + Sync + 'static;
}

/// The table of `Self` for providers of type `T`: implemented by
/// [`declare_interface!`](crate::declare_interface!) for every `T` that implements the
/// interface's provider trait.
///
/// # Safety
///
/// Every function of `TABLE` may be called with a context pointer that came from
/// `Arc::<T>::into_foreign`, whose reference is held for the call's duration.
pub unsafe trait Provide<T: Send + Sync + 'static>: Ops {
    /// The table.
    const TABLE: Self;
}

/// A `Result` (or plain value) as an FFI-safe return value, see
/// [`declare_interface!`](crate::declare_interface!).
pub trait FfiReturn: Sized {
    /// The FFI-safe representation.
    type Ffi;
    /// Converts to the FFI-safe representation.
    fn into_ffi(self) -> Self::Ffi;
    /// Converts back.
    fn from_ffi(ffi: Self::Ffi) -> Self;
}

mod private {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
    impl Sealed for i32 {}
}

/// Plain integer values a `Result` may carry across the boundary.
pub trait FfiValue: private::Sealed + Copy + Default {}
impl FfiValue for u32 {}
impl FfiValue for u64 {}
impl FfiValue for i32 {}

impl<T: FfiValue> FfiReturn for T {
    type Ffi = T;
    fn into_ffi(self) -> T {
        self
    }
    fn from_ffi(ffi: T) -> T {
        ffi
    }
}

impl FfiReturn for () {
    type Ffi = ();
    fn into_ffi(self) {}
    fn from_ffi((): ()) {}
}

impl FfiReturn for Result {
    type Ffi = c_int;
    fn into_ffi(self) -> c_int {
        match self {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
    fn from_ffi(ffi: c_int) -> Self {
        to_result(ffi)
    }
}

/// A `Result<T>` across the boundary: `errno` 0 and `value`, or a negative errno.
#[repr(C)]
pub struct FfiResult<T> {
    errno: c_int,
    value: T,
}

impl<T: FfiValue> FfiReturn for Result<T> {
    type Ffi = FfiResult<T>;
    fn into_ffi(self) -> FfiResult<T> {
        match self {
            Ok(value) => FfiResult { errno: 0, value },
            Err(e) => FfiResult {
                errno: e.to_errno(),
                value: T::default(),
            },
        }
    }
    fn from_ffi(ffi: FfiResult<T>) -> Self {
        if ffi.errno == 0 {
            Ok(ffi.value)
        } else {
            // A value out of the errno range becomes `EINVAL` (`Error::from_errno`).
            Err(Error::from_errno(ffi.errno))
        }
    }
}

/// A shared slice as an FFI-safe argument.
///
/// # Invariants
///
/// `ptr` and `len` describe a valid `&'a [T]`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slice<'a, T> {
    ptr: *const T,
    len: usize,
    _p: PhantomData<&'a [T]>,
}

impl<'a, T> From<&'a [T]> for Slice<'a, T> {
    fn from(s: &'a [T]) -> Self {
        // INVARIANT: Taken from a slice that lives for `'a`.
        Self {
            ptr: s.as_ptr(),
            len: s.len(),
            _p: PhantomData,
        }
    }
}

impl<T> core::ops::Deref for Slice<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: A valid slice (type invariant).
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// A mutable slice as an FFI-safe argument.
///
/// # Invariants
///
/// `ptr` and `len` describe a valid `&'a mut [T]`.
#[repr(C)]
pub struct SliceMut<'a, T> {
    ptr: *mut T,
    len: usize,
    _p: PhantomData<&'a mut [T]>,
}

impl<'a, T> From<&'a mut [T]> for SliceMut<'a, T> {
    fn from(s: &'a mut [T]) -> Self {
        // INVARIANT: Taken from a mutable slice that lives for `'a`.
        Self {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            _p: PhantomData,
        }
    }
}

impl<T> core::ops::Deref for SliceMut<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: A valid slice (type invariant).
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<T> core::ops::DerefMut for SliceMut<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: A valid, exclusively borrowed slice (type invariant).
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

/// Borrows the provider object behind a context pointer: for the shims of
/// [`declare_interface!`](crate::declare_interface!).
///
/// # Safety
///
/// `ctx` came from `Arc::<T>::into_foreign` and that reference is held for `'a`.
pub unsafe fn borrow_ctx<'a, T: Send + Sync + 'static>(
    ctx: *const c_void,
) -> crate::sync::ArcBorrow<'a, T> {
    // SAFETY: The caller's guarantee.
    unsafe { <Arc<T> as ForeignOwnable>::borrow(ctx) }
}

/// The first field of an [`Export`]: the same for every version of every interface, so it can
/// be checked before the rest is trusted.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
struct Header {
    version: u32,
    reserved: u32,
    table_size: usize,
    export_size: usize,
    data_size: usize,
}

impl Header {
    const fn of<O: Ops>() -> Self {
        Self {
            version: O::VERSION,
            reserved: 0,
            table_size: core::mem::size_of::<O>(),
            export_size: core::mem::size_of::<Export<O>>(),
            data_size: core::mem::size_of::<O::Data>(),
        }
    }
}

/// The handle count of an [`Export`].
#[pin_data]
struct Users {
    #[pin]
    count: SpinLock<usize>,
    #[pin]
    gone: CondVar,
}

/// Takes a handle reference.
///
/// # Safety
///
/// `users` points to the live `Users` of an export.
unsafe extern "C" fn users_get(users: *const c_void) {
    // SAFETY: The caller's guarantee.
    let users = unsafe { &*users.cast::<Users>() };
    *users.count.lock() += 1;
}

/// Drops a handle reference taken with [`users_get`].
///
/// # Safety
///
/// `users` points to the live `Users` of an export, and the caller gives up a reference.
unsafe extern "C" fn users_put(users: *const c_void) {
    // SAFETY: The caller's guarantee.
    let users = unsafe { &*users.cast::<Users>() };
    let mut count = users.count.lock();
    *count -= 1;
    if *count == 0 {
        users.gone.notify_all();
    }
}

/// Drops the provider object's reference.
///
/// # Safety
///
/// `ctx` came from `Arc::<T>::into_foreign`; the caller gives up that reference.
unsafe extern "C" fn drop_ctx<T: Send + Sync + 'static>(ctx: *const c_void) {
    // SAFETY: The caller's guarantee.
    drop(unsafe { <Arc<T> as ForeignOwnable>::from_foreign(ctx) });
}

/// An object exported through interface `O`: see the [module documentation](self).
///
/// # Invariants
///
/// `header` is `Header::of::<O>()`; `ctx` came from `Arc::<T>::into_foreign` of the provider
/// type `T` whose table `ops` is and whose reference `drop_ctx` gives up; `users` points to the
/// `Users` owned by `owner`, counting the live [`Handle`]s.
#[repr(C)]
pub struct Export<O: Ops> {
    header: Header,
    ops: O,
    ctx: *const c_void,
    get: unsafe extern "C" fn(*const c_void),
    put: unsafe extern "C" fn(*const c_void),
    drop_ctx: unsafe extern "C" fn(*const c_void),
    users: *const c_void,
    data: O::Data,
    owner: Arc<Users>,
}

impl<O: Ops> Export<O> {
    /// Exports `object` with `data`.
    pub fn new<T: Send + Sync + 'static>(object: Arc<T>, data: O::Data) -> Result<Self>
    where
        O: Provide<T>,
    {
        let users = Arc::pin_init(
            pin_init!(Users {
                count <- new_spinlock!(0, "interface::Export::count"),
                gone <- new_condvar!("interface::Export::gone"),
            }),
            GFP_KERNEL,
        )?;
        // INVARIANT: The header of `O`, the table for `T`, and `T`'s object.
        Ok(Self {
            header: Header::of::<O>(),
            ops: <O as Provide<T>>::TABLE,
            ctx: object.into_foreign(),
            get: users_get,
            put: users_put,
            drop_ctx: drop_ctx::<T>,
            users: core::ptr::from_ref::<Users>(&users).cast(),
            data,
            owner: users,
        })
    }

    /// `EPROTO` unless the export was built for this very interface (version and sizes).
    fn check(&self) -> Result {
        if self.header == Header::of::<O>() {
            Ok(())
        } else {
            Err(EPROTO)
        }
    }

    /// The shared data; `EPROTO` if the provider was built for another version of `O`.
    pub fn data(&self) -> Result<&O::Data> {
        self.check()?;
        Ok(&self.data)
    }

    /// A counted handle; `EPROTO` if the provider was built for another version of `O`.
    pub fn acquire(&self) -> Result<Handle<O>> {
        self.check()?;
        // SAFETY: `users` is live while `self` is (type invariant); the reference taken here is
        // given up by the handle's drop.
        unsafe { (self.get)(self.users) };
        // INVARIANT: One handle reference taken above, on this export.
        Ok(Handle {
            ops: self.ops,
            ctx: self.ctx,
            get: self.get,
            put: self.put,
            users: self.users,
        })
    }
}

impl<O: Ops> Drop for Export<O> {
    fn drop(&mut self) {
        {
            let mut count = self.owner.count.lock();
            if *count != 0 {
                pr_info!(
                    "{}: waiting for {} handles before the export goes\n",
                    O::NAME,
                    *count
                );
            }
            while *count != 0 {
                self.owner.gone.wait(&mut count);
            }
        }
        // SAFETY: `ctx` holds the creation reference (type invariant); no handle can use it any
        // more (the count is 0 and new handles need `&self`, which we have exclusively).
        unsafe { (self.drop_ctx)(self.ctx) };
    }
}

// SAFETY: The provider object is `Send + Sync` (`Provide`'s bound), the table is `Sync`, the data
// is `Send + Sync`; the raw pointers are owned by the export.
unsafe impl<O: Ops> Send for Export<O> {}
// SAFETY: As above; `&Export` only reads and takes handles, which are counted under a lock.
unsafe impl<O: Ops> Sync for Export<O> {}

// SAFETY: `Export` is `#[repr(C)]` and its tag is `O::NAME`, which changes with the layout of `O`
// and `O::Data` (`Ops` safety contract); `Header` is the same for every version, and is checked
// before anything else (`Export::check`).
#[cfg(CONFIG_AUXILIARY_BUS)]
unsafe impl<O: Ops> crate::auxiliary::SharedData for Export<O> {
    const TAG: &'static CStr = O::NAME;
}

/// A counted reference on an [`Export`]'s object, for calls through the interface `O` (the
/// handle type [`declare_interface!`](crate::declare_interface!) declares wraps it).
///
/// # Invariants
///
/// Holds one reference counted by `users` (taken with `get`, given up with `put`), so the
/// export, and with it `ctx` (an object of the type whose table `ops` is), lives as long as the
/// handle.
pub struct Handle<O: Ops> {
    ops: O,
    ctx: *const c_void,
    get: unsafe extern "C" fn(*const c_void),
    put: unsafe extern "C" fn(*const c_void),
    users: *const c_void,
}

impl<O: Ops> Handle<O> {
    /// The table.
    pub fn ops(&self) -> &O {
        &self.ops
    }

    /// The context pointer to pass to the table's functions.
    pub fn ctx(&self) -> *const c_void {
        self.ctx
    }
}

impl<O: Ops> Clone for Handle<O> {
    fn clone(&self) -> Self {
        // SAFETY: `users` is live while this handle is (type invariant).
        unsafe { (self.get)(self.users) };
        // INVARIANT: A new reference, taken above.
        Self {
            ops: self.ops,
            ctx: self.ctx,
            get: self.get,
            put: self.put,
            users: self.users,
        }
    }
}

impl<O: Ops> Drop for Handle<O> {
    fn drop(&mut self) {
        // SAFETY: Gives up this handle's reference (type invariant).
        unsafe { (self.put)(self.users) };
    }
}

// SAFETY: The object behind `ctx` is `Send + Sync` (`Provide`'s bound) and the count is updated
// under a lock, from any thread.
unsafe impl<O: Ops> Send for Handle<O> {}
// SAFETY: As above.
unsafe impl<O: Ops> Sync for Handle<O> {}

/// Declares a C-ABI interface between modules: see the [module documentation](self).
///
/// ```ignore
/// kernel::declare_interface! {
///     /// What the core offers.
///     pub(crate) interface CoreOps {
///         name: "example-core",
///         version: 1,
///         data: Info,
///         provider: CoreProvider,
///         handle: CoreHandle,
///         /// Echoes `payload` into `out`.
///         fn echo(payload: Slice<'_, u8>, out: SliceMut<'_, u8>) -> Result<u64>;
///         /// The budget.
///         fn budget() -> u32;
///     }
/// }
/// ```
///
/// declares the `#[repr(C)]` table `CoreOps`, the trait `CoreProvider` (with
/// `fn echo(&self, payload: Slice<'_, u8>, out: SliceMut<'_, u8>) -> Result<u64>` and
/// `fn budget(&self) -> u32`) that a provider type implements, and `CoreHandle`, a clonable
/// handle (from `Handle<CoreOps>`) with the same methods, which call the provider's through the
/// table. Argument types must be FFI-safe; return types implement [`FfiReturn`].
#[macro_export]
macro_rules! declare_interface {
    (
        $(#[$meta:meta])*
        $vis:vis interface $ops:ident {
            name: $name:literal,
            version: $version:literal,
            data: $data:ty,
            provider: $provider:ident,
            handle: $handle:ident,
            $(
                $(#[$fmeta:meta])*
                fn $fname:ident($($arg:ident : $aty:ty),* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy)]
        $vis struct $ops {
            $(
                $fname: unsafe extern "C" fn(
                    *const $crate::ffi::c_void $(, $aty)*
                ) -> <$ret as $crate::interface::FfiReturn>::Ffi,
            )*
        }

        $(#[$meta])*
        ///
        /// The provider side: the table calls these methods.
        $vis trait $provider: Send + Sync + 'static {
            $(
                $(#[$fmeta])*
                fn $fname(&self $(, $arg: $aty)*) -> $ret;
            )*
        }

        // SAFETY: A `#[repr(C)]` table of `unsafe extern "C"` functions taking the context
        // first; the name carries the version.
        unsafe impl $crate::interface::Ops for $ops {
            const NAME: &'static $crate::str::CStr =
                $crate::c_str!(concat!($name, "-v", stringify!($version)));
            const VERSION: u32 = $version;
            type Data = $data;
        }

        // SAFETY: Each shim borrows the context as the `Arc<T>` it came from, as the contract
        // lets it.
        unsafe impl<T: $provider> $crate::interface::Provide<T> for $ops {
            const TABLE: Self = Self {
                $(
                    $fname: {
                        /// Calls the provider's method.
                        ///
                        /// # Safety
                        ///
                        /// `ctx` came from `Arc::<T>::into_foreign` and that reference is held
                        /// for the call.
                        #[deny(improper_ctypes_definitions)]
                        unsafe extern "C" fn shim<T: $provider>(
                            ctx: *const $crate::ffi::c_void $(, $arg: $aty)*
                        ) -> <$ret as $crate::interface::FfiReturn>::Ffi {
                            // SAFETY: The caller holds the reference `ctx` came with
                            // (`Provide` contract).
                            let this = unsafe { $crate::interface::borrow_ctx::<T>(ctx) };
                            $crate::interface::FfiReturn::into_ffi(
                                <T as $provider>::$fname(&this $(, $arg)*)
                            )
                        }
                        shim::<T>
                    },
                )*
            };
        }

        $(#[$meta])*
        ///
        /// A counted handle on the provider: dropping it gives the reference back.
        #[derive(Clone)]
        $vis struct $handle($crate::interface::Handle<$ops>);

        impl From<$crate::interface::Handle<$ops>> for $handle {
            fn from(h: $crate::interface::Handle<$ops>) -> Self {
                Self(h)
            }
        }

        #[allow(dead_code)]
        impl $handle {
            $(
                $(#[$fmeta])*
                $vis fn $fname(&self $(, $arg: $aty)*) -> $ret {
                    let f = self.0.ops().$fname;
                    // SAFETY: The handle holds a reference on the export, hence on the object
                    // behind `ctx`, whose table `ops` is (`Handle` invariant).
                    let ret = unsafe { f(self.0.ctx() $(, $arg)*) };
                    <$ret as $crate::interface::FfiReturn>::from_ffi(ret)
                }
            )*
        }
    };
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! KUnit suite `rust_interface`: calls reach the provider with their arguments and results,
    //! a mismatched header is refused, and dropping the export waits for the last handle.
    use super::*;
    use crate::{
        bindings, c_str,
        kunit_suite::Test,
        new_work,
        sync::Arc,
        time::{ktime_ms_delta, Ktime},
        workqueue::{self, impl_has_work, Work, WorkItem},
    };
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    /// Drops of the provider object.
    static DROPS: AtomicU32 = AtomicU32::new(0);
    /// Set by the worker right before it drops its handle.
    static HANDLE_DROPPING: AtomicBool = AtomicBool::new(false);

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Info {
        magic: u32,
    }

    crate::declare_interface! {
        /// The test interface.
        interface TestOps {
            name: "rust-interface-test",
            version: 1,
            data: Info,
            provider: TestProvider,
            handle: TestHandle,
            /// Adds `n`, returns the new value or `EINVAL` past 100.
            fn add(n: u32) -> Result<u64>;
            /// Sums the bytes of `s` into the first byte of `out`, `ENOSPC` if `out` is empty.
            fn sum(s: Slice<'_, u8>, out: SliceMut<'_, u8>) -> Result;
            /// The value.
            fn value() -> u32;
        }
    }

    #[pin_data]
    struct Counter {
        #[pin]
        value: SpinLock<u64>,
        _drops: Tracker,
    }

    /// Counts its drops.
    struct Tracker;

    impl Drop for Tracker {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl TestProvider for Counter {
        fn add(&self, n: u32) -> Result<u64> {
            let mut v = self.value.lock();
            if *v + u64::from(n) > 100 {
                return Err(EINVAL);
            }
            *v += u64::from(n);
            Ok(*v)
        }

        fn sum(&self, s: Slice<'_, u8>, mut out: SliceMut<'_, u8>) -> Result {
            let total = s.iter().fold(0u8, |a, b| a.wrapping_add(*b));
            *out.first_mut().ok_or(ENOSPC)? = total;
            Ok(())
        }

        fn value(&self) -> u32 {
            u32::try_from(*self.value.lock()).unwrap_or(u32::MAX)
        }
    }

    fn export() -> Result<Export<TestOps>> {
        let counter = Arc::pin_init(
            pin_init!(Counter {
                value <- new_spinlock!(0, "interface_test::value"),
                _drops: Tracker,
            }),
            GFP_KERNEL,
        )?;
        Export::new(counter, Info { magic: 0x5eed })
    }

    fn calls_reach_the_provider(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        let Ok(e) = export() else {
            test.fail(format_args!("allocation"));
            return;
        };
        test.expect_eq(
            e.data().map(|d| d.magic).unwrap_or(0),
            0x5eed,
            c_str!("data"),
        );
        let Ok(h) = e.acquire().map(TestHandle::from) else {
            test.fail(format_args!("acquire failed"));
            return;
        };
        test.expect_eq(h.add(40).unwrap_or(0), 40, c_str!("add returns its value"));
        let h2 = h.clone();
        test.expect_eq(
            h2.add(2).unwrap_or(0),
            42,
            c_str!("a clone reaches the same object"),
        );
        test.expect(
            h.add(59).err() == Some(EINVAL),
            c_str!("an error crosses as its errno"),
        );
        test.expect_eq(h.value(), 42, c_str!("a failed call changed nothing"));
        let mut out = [0u8; 1];
        let res = h.sum(Slice::from(&[1u8, 2, 3][..]), SliceMut::from(&mut out[..]));
        test.expect(res.is_ok() && out[0] == 6, c_str!("slices cross both ways"));
        let res = h.sum(Slice::from(&[1u8][..]), SliceMut::from(&mut [][..]));
        test.expect(res.err() == Some(ENOSPC), c_str!("empty out slice"));
        drop(h);
        drop(h2);
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            0,
            c_str!("the export keeps the object"),
        );
        drop(e);
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("dropped with the export"),
        );
    }

    fn mismatch_is_refused(test: &Test) {
        let Ok(mut e) = export() else {
            test.fail(format_args!("allocation"));
            return;
        };
        e.header.version += 1;
        test.expect(e.acquire().err() == Some(EPROTO), c_str!("another version"));
        test.expect(
            e.data().err() == Some(EPROTO),
            c_str!("data of another version"),
        );
        e.header.version -= 1;
        e.header.data_size += 4;
        test.expect(
            e.acquire().err() == Some(EPROTO),
            c_str!("another data size"),
        );
        e.header.data_size -= 4;
        test.expect(e.acquire().is_ok(), c_str!("the right header"));
    }

    /// Drops a handle from a worker of the unbound workqueue after 100 ms.
    #[pin_data]
    struct LateDrop {
        #[pin]
        handle: SpinLock<Option<TestHandle>>,
        #[pin]
        work: Work<LateDrop>,
    }

    impl_has_work! {
        impl HasWork<Self> for LateDrop { self.work }
    }

    impl WorkItem for LateDrop {
        type Pointer = Arc<LateDrop>;

        fn run(this: Arc<LateDrop>) {
            // SAFETY: Process context, no lock held: sleeping is allowed.
            unsafe { bindings::msleep(100) };
            HANDLE_DROPPING.store(true, Ordering::SeqCst);
            let h = this.handle.lock().take();
            drop(h);
        }
    }

    fn drop_waits_for_handles(test: &Test) {
        DROPS.store(0, Ordering::SeqCst);
        HANDLE_DROPPING.store(false, Ordering::SeqCst);
        let Ok(e) = export() else {
            test.fail(format_args!("allocation"));
            return;
        };
        let Ok(h) = e.acquire().map(TestHandle::from) else {
            test.fail(format_args!("acquire failed"));
            return;
        };
        let job = Arc::pin_init(
            pin_init!(LateDrop {
                handle <- new_spinlock!(Some(h), "interface_test::handle"),
                work <- new_work!("interface_test::late_drop"),
            }),
            GFP_KERNEL,
        );
        let Ok(job) = job else {
            test.fail(format_args!("allocation"));
            return;
        };
        let start = Ktime::ktime_get();
        let _ = workqueue::system_unbound().enqueue(job);
        drop(e);
        let waited = ktime_ms_delta(Ktime::ktime_get(), start);
        test.expect(
            HANDLE_DROPPING.load(Ordering::SeqCst),
            c_str!("the export outlives the last handle"),
        );
        test.expect(
            waited >= 90,
            c_str!("dropping the export waited for the handle"),
        );
        test.expect_eq(
            DROPS.load(Ordering::SeqCst),
            1,
            c_str!("the object dropped once"),
        );
    }

    crate::kunit_suite!(
        rust_interface,
        [
            calls_reach_the_provider,
            mismatch_is_refused,
            drop_waits_for_handles
        ]
    );
}
