// SPDX-License-Identifier: GPL-2.0

//! The `file_operations` behind debugfs files and the per-type tables they dispatch through.
//!
//! # Design
//!
//! Every debugfs file made by this abstraction has `inode->i_private` pointing to an [`Entry`]:
//! one pointer to the file's data and one to an [`Ops`] table of the functions that show and
//! store that data. An `Ops` table is a constant built per combination of data type and
//! reading/writing behaviour: for callback files, the zero-sized types of the callbacks are
//! carried through generics into it, so that neither the table nor the callbacks take any
//! memory at run time.
//!
//! The `file_operations` themselves are three `static`s of the kernel crate ([`FOPS_RO`],
//! [`FOPS_RW`] and [`FOPS_WO`]), shared by all files. They are not built per type on purpose: a
//! per-type `file_operations` would be monomorphised into the module that creates the file, and
//! an open file keeps using its `file_operations` until it is closed (debugfs's proxy reads
//! `real_fops->release` and `real_fops->owner` at close). With no way for generic kernel-crate
//! code to name the creating module's `THIS_MODULE` (as C's `.owner = THIS_MODULE` does, which
//! would pin the module), a file held open across `rmmod` would then reach freed module memory.
//! With the shared tables, everything an open file touches after its removal (`single_release`,
//! the proxy, these statics) is built-in code and data, and the module-resident [`Ops`] tables and
//! callbacks are only reached inside debugfs's `debugfs_file_get()` sections, which removal
//! waits for and which fail once the file is removed.
//!
//! # Protection against removal
//!
//! `debugfs_create_file()` gives each file debugfs's full proxy: `open`, `read`, `write` and
//! `llseek` run between `debugfs_file_get()` and `debugfs_file_put()`, `debugfs_file_get()` fails
//! with `EIO` (`ENOENT` at open) once the file is removed, and `debugfs_remove()` waits until
//! every such section has ended. So an [`Entry`] and the data it points to may be freed as soon as
//! `debugfs_remove()` returns: no reader can be inside and none can get in. `release` runs
//! unprotected, so it is `single_release`, which touches neither.

use crate::{
    bindings,
    error::{code::EINVAL, Result},
    ffi::{c_int, c_void},
};
use core::{fmt, marker::PhantomData, mem::size_of};

/// The function that shows a file's data into its `seq_file` (a `single_open()` show function).
pub(super) type ShowFn = unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int;

/// The function that stores text written to a file into its data.
///
/// # Safety
///
/// The data pointer must be the one of the [`Entry`] whose [`Ops`] holds the function.
pub(super) type StoreFn = unsafe fn(*const c_void, &str) -> Result;

/// The functions that show and store one type of file's data.
///
/// # Invariants
///
/// At least one of `show` and `store` is `Some`. Tables holding callback-based functions are
/// only reachable through constructors that received a value of the callback type.
pub(super) struct Ops {
    show: Option<ShowFn>,
    store: Option<StoreFn>,
}

/// What `inode->i_private` of a debugfs file points to.
///
/// # Invariants
///
/// `data` points to a value of the type `ops` was built for; that type is `Sync`.
// Without debugfs no file is created, so nothing reads an entry.
#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
pub(super) struct Entry {
    ops: &'static Ops,
    data: *const c_void,
}

// SAFETY: An `Entry` is immutable after creation. Its data is `Sync` (type invariant) and is only
// accessed through shared references, from any thread.
unsafe impl Send for Entry {}

// SAFETY: As for `Send`.
unsafe impl Sync for Entry {}

impl Entry {
    /// Makes an entry for `data`.
    ///
    /// # Safety
    ///
    /// `ops` must have been built for `T`, i.e. returned by an [`Ops`] constructor called with
    /// that `T`.
    pub(super) unsafe fn new<T: Sync>(ops: &'static Ops, data: *const T) -> Self {
        // INVARIANT: `T` is `Sync` and, by the safety requirement, `ops` was built for it.
        Self {
            ops,
            data: data.cast(),
        }
    }

    /// The file's table of functions.
    #[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
    pub(super) fn ops(&self) -> &'static Ops {
        self.ops
    }
}

/// Formats a file's data into its `seq_file`.
pub(super) trait ReadOp<T> {
    /// Writes `data` to `out`.
    ///
    /// # Safety
    ///
    /// If `Self` carries a callback type, a value of that type must have been passed to the
    /// [`Ops`] constructor that built the table calling this (see [`conjure`]).
    unsafe fn read(data: &T, out: &mut SeqOut<'_>) -> fmt::Result;
}

/// Stores text written to a file into its data.
pub(super) trait WriteOp<T> {
    /// Parses `input` and updates `data`.
    ///
    /// # Safety
    ///
    /// As for [`ReadOp::read`].
    unsafe fn write(data: &T, input: &str) -> Result;
}

/// Reads through [`Render`](super::Render), adding a newline.
pub(super) struct ByRender;

/// Writes through [`Store`](super::Store).
pub(super) struct ByStore;

/// Reads or writes through the zero-sized callback type `F`.
pub(super) struct ByFn<F>(PhantomData<F>);

/// Adapts a [`Render`](super::Render) value to [`fmt::Display`].
struct Rendered<'a, T: ?Sized>(&'a T);

impl<T: super::Render + ?Sized> fmt::Display for Rendered<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.render(f)
    }
}

impl<T: super::Render> ReadOp<T> for ByRender {
    unsafe fn read(data: &T, out: &mut SeqOut<'_>) -> fmt::Result {
        fmt::Write::write_fmt(out, format_args!("{}\n", Rendered(data)))
    }
}

impl<T: super::Store> WriteOp<T> for ByStore {
    unsafe fn write(data: &T, input: &str) -> Result {
        data.store(input)
    }
}

/// Calls a read callback with a [`fmt::Formatter`], which only `core::fmt` can make.
struct Callback<'a, T, F> {
    data: &'a T,
    read: F,
}

impl<T, F> fmt::Display for Callback<'_, T, F>
where
    F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.read)(self.data, f)
    }
}

impl<T, F> ReadOp<T> for ByFn<F>
where
    F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
{
    unsafe fn read(data: &T, out: &mut SeqOut<'_>) -> fmt::Result {
        // SAFETY: The caller guarantees that a value of `F` was passed to the `Ops` constructor
        // that made this table, which asserted that `F` is zero-sized.
        let read = unsafe { conjure::<F>() };
        fmt::Write::write_fmt(out, format_args!("{}", Callback { data, read }))
    }
}

impl<T, W> WriteOp<T> for ByFn<W>
where
    W: Fn(&T, &str) -> Result + Copy + Send + 'static,
{
    unsafe fn write(data: &T, input: &str) -> Result {
        // SAFETY: As in `ReadOp::read` above.
        let write = unsafe { conjure::<W>() };
        write(data, input)
    }
}

/// Compile-time check that `F` is zero-sized.
struct AssertZst<F>(PhantomData<F>);

impl<F> AssertZst<F> {
    /// Evaluating this fails the build if `F` is not zero-sized.
    const OK: () = assert!(
        size_of::<F>() == 0,
        "debugfs callbacks must be zero-sized: pass a function or a closure that captures nothing"
    );
}

/// Makes a value of the zero-sized callback type `F` out of nothing.
///
/// This is what lets a callback's type stand for the callback in a constant [`Ops`] table, with
/// no memory at run time.
///
/// # Safety
///
/// A value of `F` must have been passed to one of the [`Ops`] constructors (which assert that `F`
/// is zero-sized).
unsafe fn conjure<F: Copy + 'static>() -> F {
    let () = AssertZst::<F>::OK;
    // A value of a zero-sized type has no bytes, so reading one from a dangling, well-aligned
    // pointer reads nothing. It is also a sound value to use: `F: Copy`, so the holder of the
    // value passed to the constructor could have duplicated it at will (no `Drop`, no ownership
    // to track), and a conjured value is indistinguishable from such a copy; `F: 'static`, so
    // the copy cannot outlive a lifetime its type mentions. Hence only `Copy + 'static`
    // callbacks are accepted.
    // SAFETY: `F` is zero-sized (asserted above) and inhabited (a value of it was passed to a
    // constructor, by the safety requirement), and conjuring it is sound as explained above.
    unsafe { core::ptr::NonNull::<F>::dangling().as_ptr().read() }
}

/// Holds the per-type tables as associated constants; never constructed.
struct Tables<T, R, W>(PhantomData<T>, PhantomData<R>, PhantomData<W>);

/// Marks the absent read or write side in [`Tables`].
struct NoOp;

impl<T: Sync, R: ReadOp<T>> Tables<T, R, NoOp> {
    /// The table of a read-only file.
    const RO: Ops = Ops {
        show: Some(show::<T, R>),
        store: None,
    };
}

impl<T: Sync, R: ReadOp<T>, W: WriteOp<T>> Tables<T, R, W> {
    /// The table of a read-write file.
    const RW: Ops = Ops {
        show: Some(show::<T, R>),
        store: Some(store::<T, W>),
    };
}

impl<T: Sync, W: WriteOp<T>> Tables<T, NoOp, W> {
    /// The table of a write-only file.
    const WO: Ops = Ops {
        show: None,
        store: Some(store::<T, W>),
    };
}

// INVARIANT (all constructors): every table has `show` or `store`; the callback-based ones take
// the callback values.
impl Ops {
    /// A read-only file showing a [`Render`](super::Render) value.
    pub(super) fn render<T: super::Render + Sync>() -> &'static Ops {
        &Tables::<T, ByRender, NoOp>::RO
    }

    /// A read-write file of a [`Render`](super::Render) and [`Store`](super::Store) value.
    pub(super) fn render_store<T: super::Render + super::Store + Sync>() -> &'static Ops {
        &Tables::<T, ByRender, ByStore>::RW
    }

    /// A write-only file of a [`Store`](super::Store) value.
    pub(super) fn store<T: super::Store + Sync>() -> &'static Ops {
        &Tables::<T, NoOp, ByStore>::WO
    }

    /// A read-only file shown by `read`.
    pub(super) fn read_fn<T, F>(read: F) -> &'static Ops
    where
        T: Sync,
        F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
    {
        let () = AssertZst::<F>::OK;
        // The value has been seen: `conjure` may now make copies of it.
        let _ = read;
        &Tables::<T, ByFn<F>, NoOp>::RO
    }

    /// A read-write file shown by `read` and updated by `write`.
    pub(super) fn read_write_fn<T, F, W>(read: F, write: W) -> &'static Ops
    where
        T: Sync,
        F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
        W: Fn(&T, &str) -> Result + Copy + Send + 'static,
    {
        let () = AssertZst::<F>::OK;
        let () = AssertZst::<W>::OK;
        let _ = (read, write);
        &Tables::<T, ByFn<F>, ByFn<W>>::RW
    }

    /// A write-only file updated by `write`.
    pub(super) fn write_fn<T, W>(write: W) -> &'static Ops
    where
        T: Sync,
        W: Fn(&T, &str) -> Result + Copy + Send + 'static,
    {
        let () = AssertZst::<W>::OK;
        let _ = write;
        &Tables::<T, NoOp, ByFn<W>>::WO
    }

    /// The permissions of a file with these operations: owner-only, as fits debugging data.
    #[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
    pub(super) fn mode(&self) -> bindings::umode_t {
        match (self.show.is_some(), self.store.is_some()) {
            (true, false) => 0o400,
            (false, _) => 0o200,
            (true, true) => 0o600,
        }
    }

    /// The shared `file_operations` for files with these operations.
    #[cfg(CONFIG_DEBUG_FS)]
    pub(super) fn fops(&self) -> &'static bindings::file_operations {
        match (self.show.is_some(), self.store.is_some()) {
            (true, false) => &FOPS_RO.0,
            (false, _) => &FOPS_WO.0,
            (true, true) => &FOPS_RW.0,
        }
    }
}

/// [`fmt::Write`] into a `seq_file`.
///
/// # Invariants
///
/// `m` is the `seq_file` of a `show` call in progress.
pub(super) struct SeqOut<'a> {
    m: *mut bindings::seq_file,
    /// The `seq_file` buffer filled up: `seq_read()` retries with a larger one.
    overflow: bool,
    _show: PhantomData<&'a mut bindings::seq_file>,
}

impl fmt::Write for SeqOut<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: By the type invariant `m` is the `seq_file` of the running `show`; `s` is
        // valid for reads of `s.len()` bytes.
        let r = unsafe { bindings::seq_write(self.m, s.as_ptr().cast(), s.len()) };
        if r != 0 {
            // `seq_write()` marked the overflow; stop formatting, `seq_read()` will call us again.
            self.overflow = true;
            return Err(fmt::Error);
        }
        Ok(())
    }
}

/// Shows a file's data: the `show` function passed to `single_open()`.
///
/// # Safety
///
/// `m` must be a `seq_file` opened by [`open`] for a file whose [`Entry`] has an [`Ops`] built
/// for `T` and `R`, with the call inside a `debugfs_file_get()` section of that file (as
/// `seq_read()` under debugfs's proxy is).
unsafe extern "C" fn show<T: Sync, R: ReadOp<T>>(
    m: *mut bindings::seq_file,
    _v: *mut c_void,
) -> c_int {
    // SAFETY: `open` passed the entry's data pointer to `single_open()`, which keeps it in
    // `m->private`. By the `Entry` invariant it points to a `T`, alive because the file has not
    // been removed (we are inside `debugfs_file_get()`, which removal waits for).
    let data = unsafe { &*(*m).private.cast::<T>().cast_const() };
    // INVARIANT: `m` is the `seq_file` being shown.
    let mut out = SeqOut {
        m,
        overflow: false,
        _show: PhantomData,
    };
    // SAFETY: This function is only reachable through an `Ops` table built for `T` and `R`,
    // whose constructor received any callback value (`Ops` invariant).
    match unsafe { R::read(data, &mut out) } {
        Ok(()) => 0,
        // The buffer overflowed: return success so that `seq_read()` retries with more room.
        Err(_) if out.overflow => 0,
        Err(_) => EINVAL.to_errno(),
    }
}

/// Stores text written to a file into its data.
///
/// # Safety
///
/// `data` must be the data pointer of an [`Entry`] whose [`Ops`] was built for `T` and `W`, and
/// the call must be inside a `debugfs_file_get()` section of its file.
unsafe fn store<T: Sync, W: WriteOp<T>>(data: *const c_void, input: &str) -> Result {
    // SAFETY: By the safety requirement and the `Entry` invariant `data` points to a live `T`.
    let data = unsafe { &*data.cast::<T>() };
    // SAFETY: As in `show`.
    unsafe { W::write(data, input) }
}

/// The largest write a file accepts, in bytes.
#[cfg(CONFIG_DEBUG_FS)]
pub(super) const MAX_WRITE: usize = 4096;

/// A `file_operations` in a `static`, which needs `Sync`.
#[cfg(CONFIG_DEBUG_FS)]
#[repr(transparent)]
pub(super) struct Fops(bindings::file_operations);

// SAFETY: The tables are never written, and their pointers are to functions only.
#[cfg(CONFIG_DEBUG_FS)]
unsafe impl Sync for Fops {}

/// An all-zero `file_operations` (no owner, every operation absent), to fill the rest of ours.
#[cfg(CONFIG_DEBUG_FS)]
const fn zeroed_fops() -> bindings::file_operations {
    // SAFETY: `file_operations` is a C struct of pointers, optional function pointers and flags,
    // for which all zeroes is valid (NULL, `None`, no flags), as in C's static initialisers.
    unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
}

/// The operations of readable and writable files.
#[cfg(CONFIG_DEBUG_FS)]
static FOPS_RW: Fops = Fops(bindings::file_operations {
    open: Some(open),
    read: Some(bindings::seq_read),
    write: Some(write),
    llseek: Some(bindings::seq_lseek),
    release: Some(bindings::single_release),
    ..zeroed_fops()
});

/// The operations of read-only files.
#[cfg(CONFIG_DEBUG_FS)]
static FOPS_RO: Fops = Fops(bindings::file_operations {
    open: Some(open),
    read: Some(bindings::seq_read),
    llseek: Some(bindings::seq_lseek),
    release: Some(bindings::single_release),
    ..zeroed_fops()
});

/// The operations of write-only files.
#[cfg(CONFIG_DEBUG_FS)]
static FOPS_WO: Fops = Fops(bindings::file_operations {
    write: Some(write),
    llseek: Some(bindings::noop_llseek),
    ..zeroed_fops()
});

/// Opens a readable file: a `single_open()` `seq_file` on the entry's data.
///
/// # Safety
///
/// Called by debugfs's proxy, inside `debugfs_file_get()`, for an inode created by
/// [`super::raw::create_file`], whose `i_private` is an [`Entry`] with a `show` function.
#[cfg(CONFIG_DEBUG_FS)]
unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    // SAFETY: `inode` is the live inode being opened. Its `i_private` is a live `Entry`: the
    // file is not removed yet (we are inside `debugfs_file_get()`), and entries outlive their
    // files.
    let entry = unsafe { &*(*inode).i_private.cast::<Entry>().cast_const() };
    let Some(show) = entry.ops.show else {
        return EINVAL.to_errno();
    };
    // SAFETY: `file` is the file being opened. `single_open()` keeps `show` and the data pointer
    // for `seq_read()`, which only runs inside `debugfs_file_get()` sections.
    unsafe { bindings::single_open(file, Some(show), entry.data.cast_mut()) }
}

/// Copies a write of `count` bytes at `buf` from user space, checks that it is UTF-8, removes
/// one trailing newline and passes it to the entry's store function.
///
/// # Safety
///
/// Called by debugfs's proxy, inside `debugfs_file_get()`, for a file created by
/// [`super::raw::create_file`] whose [`Entry`] has a `store` function.
#[cfg(CONFIG_DEBUG_FS)]
unsafe extern "C" fn write(
    file: *mut bindings::file,
    buf: *const crate::ffi::c_char,
    count: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is the open file being written; its inode's `i_private` is a live `Entry`
    // (as in `open`).
    let entry = unsafe { &*(*(*file).f_inode).i_private.cast::<Entry>().cast_const() };
    let result = (|| {
        let store = entry.ops.store.ok_or(EINVAL)?;
        if count > MAX_WRITE {
            return Err(EINVAL);
        }
        let mut input = crate::alloc::KVec::new();
        crate::uaccess::UserSlice::new(buf as crate::uaccess::UserPtr, count)
            .read_all(&mut input, crate::alloc::flags::GFP_KERNEL)?;
        let text = core::str::from_utf8(&input).map_err(|_| EINVAL)?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        // SAFETY: `store` and `data` come from the same live entry; we are inside
        // `debugfs_file_get()`.
        unsafe { store(entry.data, text) }
    })();
    // Both conversions always succeed: `count` is at most `MAX_WRITE` (the whole write was
    // consumed), and an errno is a small negative `c_int`, which `ssize_t` holds.
    match result {
        Ok(()) => isize::try_from(count).unwrap_or(isize::MAX),
        Err(e) => isize::try_from(e.to_errno()).unwrap_or(isize::MIN),
    }
}
