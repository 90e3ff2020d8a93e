// SPDX-License-Identifier: GPL-2.0

//! debugfs: files for debugging, tied to the lifetime of Rust objects.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h)
//!
//! - A [`Dir`] is a directory, removed with everything in it when dropped. [`Dir::new`] makes
//!   one under `/sys/kernel/debug`, [`Dir::subdir`] one inside another.
//! - A [`File`] owns its data and dereferences to it; dropping it removes the file first and then
//!   drops the data. Simple files show the data through [`Render`] (and, if writable, update it
//!   through [`Store`]); callback files take the functions that show and update the data.
//! - A [`Scope`] owns one object and any number of files in its own directory that all view
//!   it; the files are made once, by a closure, and need not be kept.
//!
//! debugfs is optional: a directory that cannot be created (debugfs disabled, at build time or
//! with `debugfs=off`, a name taken, out of memory) yields an inert [`Dir`], and files in an
//! inert directory are inert too, as with the C API. None of this is reported as an error.
//!
//! # Lifetimes
//!
//! debugfs itself makes removal safe against open files: every read, write and seek goes through
//! debugfs's proxy between `debugfs_file_get()` and `debugfs_file_put()`, and `debugfs_remove()`
//! waits for those sections to end and makes later ones fail with `EIO`. So once a [`File`] or
//! [`Scope`] has dropped, an open file can no longer reach its data: reading it fails cleanly.
//! The operations an open file still uses after that (seeking is refused too, closing runs
//! `single_release()`) live in the built-in kernel, so they stay valid even after the module that
//! made the file is unloaded; see the design notes in `file_ops.rs` for why.
//!
//! Do not leak a [`File`], [`Scope`] or [`Dir`] (e.g. with [`core::mem::forget`]) from a module:
//! the file would stay in debugfs and point into the module after it is unloaded.
//!
//! # Callbacks
//!
//! The functions of callback files are passed as closures that capture nothing, or as
//! functions: their types are zero-sized (enforced at build time) and are carried through
//! generics into a constant table, so that a callback file costs no allocation and a single
//! pointer of private data. Such a callback must be `Copy` and `'static`.
//!
//! # Examples
//!
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering};
//! use kernel::{c_str, debugfs::Dir, prelude::*};
//!
//! let dir = Dir::new(c_str!("rust_debugfs_example"));
//! // `answer` reads "42\n".
//! let answer = KBox::pin_init(dir.read_only_file(c_str!("answer"), 42u32), GFP_KERNEL)?;
//! // `count` reads its value and accepts a new one: `echo 7 > count`.
//! let count = KBox::pin_init(dir.read_write_file(c_str!("count"), AtomicU32::new(0)), GFP_KERNEL)?;
//! // `limit` accepts values up to 100 only.
//! let limit = KBox::pin_init(
//!     dir.read_write_callback_file(
//!         c_str!("limit"),
//!         AtomicU32::new(10),
//!         |v, f| writeln!(f, "{}", v.load(Ordering::Relaxed)),
//!         |v, s| {
//!             let n: u32 = s.trim().parse().map_err(|_| EINVAL)?;
//!             if n > 100 {
//!                 return Err(EINVAL);
//!             }
//!             v.store(n, Ordering::Relaxed);
//!             Ok(())
//!         },
//!     ),
//!     GFP_KERNEL,
//! )?;
//! count.fetch_add(1, Ordering::Relaxed);
//! assert_eq!(**answer, 42);
//! assert_eq!(limit.load(Ordering::Relaxed), 10);
//! // Dropping `dir` first is fine: the files keep their directory until they are dropped.
//! drop(dir);
//! # Ok::<(), Error>(())
//! ```

use crate::{
    alloc::flags::GFP_KERNEL, bindings, error::Result, init::PinInit, str::CStr, sync::Arc,
    types::Opaque,
};
use core::{
    fmt,
    marker::{PhantomData, PhantomPinned},
    ops::Deref,
    ptr::{addr_of, addr_of_mut, NonNull},
};

mod file_ops;
mod scope;
mod traits;

#[cfg(all(CONFIG_KUNIT, CONFIG_DEBUG_FS))]
mod tests;

use file_ops::{Entry, Ops};
pub use scope::{Scope, ScopedDir};
pub use traits::{Render, Store};

/// The calls into C's debugfs; with `CONFIG_DEBUG_FS` off they create nothing.
mod raw {
    use super::{file_ops::Entry, CStr, NonNull};
    use crate::bindings;

    /// Creates a directory. Returns `None` on failure.
    ///
    /// # Safety
    ///
    /// `parent` must be NULL (the debugfs root) or a live debugfs directory.
    pub(super) unsafe fn create_dir(
        name: &CStr,
        parent: *mut bindings::dentry,
    ) -> Option<NonNull<bindings::dentry>> {
        #[cfg(CONFIG_DEBUG_FS)]
        {
            // SAFETY: `name` is a valid C string; `parent` is NULL or a live directory (safety
            // requirement). debugfs copies the name.
            let d = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), parent) };
            crate::error::from_err_ptr(d).ok().and_then(NonNull::new)
        }
        #[cfg(not(CONFIG_DEBUG_FS))]
        {
            let _ = (name, parent);
            None
        }
    }

    /// Creates a file for `entry` in `parent`. Returns `None` on failure.
    ///
    /// # Safety
    ///
    /// `parent` must be a live debugfs directory, and `entry` must stay valid until the returned
    /// dentry has been passed to [`remove`] (or `parent` removed with it).
    pub(super) unsafe fn create_file(
        name: &CStr,
        parent: NonNull<bindings::dentry>,
        entry: *const Entry,
    ) -> Option<NonNull<bindings::dentry>> {
        #[cfg(CONFIG_DEBUG_FS)]
        {
            // SAFETY: The caller guarantees `entry` is valid.
            let ops = unsafe { (*entry).ops() };
            // SAFETY: `name` is a valid C string, `parent` a live directory (safety requirement);
            // the fops are `static`; `entry` stays valid while the file exists (safety
            // requirement), which is what the fops need of `i_private`.
            let d = unsafe {
                bindings::debugfs_create_file(
                    name.as_char_ptr(),
                    ops.mode(),
                    parent.as_ptr(),
                    entry.cast_mut().cast(),
                    ops.fops(),
                )
            };
            crate::error::from_err_ptr(d).ok().and_then(NonNull::new)
        }
        #[cfg(not(CONFIG_DEBUG_FS))]
        {
            let _ = (name, parent, entry);
            None
        }
    }

    /// Removes a file or, recursively, a directory, waiting for any reader or writer in them.
    ///
    /// # Safety
    ///
    /// `dentry` must have been returned by [`create_dir`] or [`create_file`] and not be removed
    /// yet (neither itself nor an ancestor).
    pub(super) unsafe fn remove(dentry: NonNull<bindings::dentry>) {
        #[cfg(CONFIG_DEBUG_FS)]
        {
            // SAFETY: `dentry` is a live debugfs dentry (safety requirement).
            unsafe { bindings::debugfs_remove(dentry.as_ptr()) };
        }
        #[cfg(not(CONFIG_DEBUG_FS))]
        {
            let _ = dentry;
        }
    }
}

/// A debugfs dentry that we created, removed (recursively) on drop.
///
/// # Invariants
///
/// `dentry` was created by [`raw::create_dir`] or [`raw::create_file`] and is not removed yet.
/// Its parent directory is `parent`'s dentry if `parent` is `Some`, and otherwise a directory
/// that outlives `self` (the debugfs root, or a C-owned directory, see
/// [`Dir::from_parent_dentry`]). Holding `parent` keeps the parent from being removed first,
/// which would remove `dentry` with it.
struct Node {
    dentry: NonNull<bindings::dentry>,
    _parent: Option<Arc<Node>>,
    /// Whether dropping the node removes the dentry (false for a C-owned directory borrowed
    /// with [`Dir::borrow_c_dir`]).
    owned: bool,
}

// SAFETY: A `Node` only hands its dentry to debugfs, which may be called from any thread.
unsafe impl Send for Node {}

// SAFETY: `&Node` only gives access to the dentry pointer, for creating children, which debugfs
// serialises.
unsafe impl Sync for Node {}

impl Drop for Node {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        // SAFETY: By the type invariant the dentry is ours and live: its parent is kept alive
        // by `_parent` (dropped after this) or outlives us.
        unsafe { raw::remove(self.dentry) };
    }
}

/// A debugfs directory, removed with everything in it when dropped.
///
/// A directory stays until the [`Dir`] and every [`Dir`], [`File`] and [`Scope`] made in it have
/// been dropped (each keeps its parent), so the order of drops does not matter. A directory that
/// could not be created is inert: subdirectories and files made in it are inert too.
///
/// # Examples
///
/// ```
/// use kernel::{c_str, debugfs::Dir};
///
/// let top = Dir::new(c_str!("rust_debugfs_dir_example"));
/// let sub = top.subdir(c_str!("sub"));
/// assert_eq!(top.is_present(), sub.is_present());
/// ```
pub struct Dir {
    node: Option<Arc<Node>>,
}

impl Dir {
    /// Creates a directory named `name` at the top of debugfs (`/sys/kernel/debug/<name>`).
    ///
    /// If it cannot be created, the result is inert.
    pub fn new(name: &CStr) -> Self {
        // SAFETY: NULL is the debugfs root.
        unsafe { Self::create(name, core::ptr::null_mut()) }
    }

    /// Creates a subdirectory named `name` in `self`.
    ///
    /// If `self` is inert or the subdirectory cannot be created, the result is inert.
    pub fn subdir(&self, name: &CStr) -> Self {
        // If the allocation fails the node is dropped, which removes the directory again.
        Self {
            node: self
                .subdir_node(name)
                .and_then(|node| Arc::new(node, GFP_KERNEL).ok()),
        }
    }

    /// Creates a subdirectory named `name` in `self`, as a bare node. Returns `None` if `self` is
    /// inert or the subdirectory cannot be created.
    fn subdir_node(&self, name: &CStr) -> Option<Node> {
        let parent = self.node.as_ref()?;
        // SAFETY: `parent`'s dentry is a live directory (`Node` invariant).
        let dentry = unsafe { raw::create_dir(name, parent.dentry.as_ptr()) }?;
        // INVARIANT: `dentry` was just created in `parent`'s directory, and the node holds
        // `parent`.
        Some(Node {
            dentry,
            _parent: Some(parent.clone()),
            owned: true,
        })
    }

    /// Represents a directory owned by C code, e.g. the debugfs directory of a DRM device, so
    /// that files and [`Scope`]s can be made directly in it. Dropping the returned `Dir` leaves
    /// the directory in place; what is made in it is removed as usual.
    ///
    /// # Safety
    ///
    /// Unless NULL or an error pointer, `dentry` must be a live debugfs directory that is not
    /// removed until the returned [`Dir`] and everything made in it have been dropped.
    pub(crate) unsafe fn borrow_c_dir(dentry: *mut bindings::dentry) -> Self {
        let dentry = match crate::error::from_err_ptr(dentry) {
            Ok(p) => NonNull::new(p),
            Err(_) => None,
        };
        Self {
            // INVARIANT: The directory is live and outlives the node (safety requirement); the
            // node never removes it.
            node: dentry.and_then(|dentry| {
                Arc::new(
                    Node {
                        dentry,
                        _parent: None,
                        owned: false,
                    },
                    GFP_KERNEL,
                )
                .ok()
            }),
        }
    }

    /// Creates a directory named `name` in a directory owned by C code, e.g. the debugfs root of
    /// a DRM minor.
    ///
    /// This is for abstractions that get a debugfs directory from C; drivers use [`Dir::new`]
    /// and [`Dir::subdir`], or what their subsystem's abstraction gives them. If `parent` is NULL
    /// or an error pointer (as C's debugfs returns when it fails or is disabled), or the
    /// directory cannot be created, the result is inert.
    ///
    /// # Safety
    ///
    /// Unless NULL or an error pointer, `parent` must be a live debugfs directory that is not
    /// removed until the returned [`Dir`] and everything made in it have been dropped.
    pub unsafe fn from_parent_dentry(parent: *mut bindings::dentry, name: &CStr) -> Self {
        match crate::error::from_err_ptr(parent) {
            Ok(p) if !p.is_null() => {
                // SAFETY: `p` is a live directory that outlives the new node (safety
                // requirement).
                unsafe { Self::create(name, p) }
            }
            _ => Self::inert(),
        }
    }

    /// Creates a directory in `parent`, a directory not owned by a [`Node`].
    ///
    /// # Safety
    ///
    /// `parent` must be NULL (the debugfs root) or a live debugfs directory that stays live until
    /// the returned [`Dir`] and everything made in it have been dropped.
    unsafe fn create(name: &CStr, parent: *mut bindings::dentry) -> Self {
        // SAFETY: `parent` is NULL or a live directory (safety requirement).
        let Some(dentry) = (unsafe { raw::create_dir(name, parent) }) else {
            return Self::inert();
        };
        // INVARIANT: `dentry` was just created in `parent`, which outlives the node (safety
        // requirement).
        let node = Node {
            dentry,
            _parent: None,
            owned: true,
        };
        // If the allocation fails the node is dropped, which removes the directory again.
        Self {
            node: Arc::new(node, GFP_KERNEL).ok(),
        }
    }

    /// A directory that does not exist: everything made in it is inert.
    fn inert() -> Self {
        Self { node: None }
    }

    /// Whether the directory exists in debugfs (it is not inert).
    pub fn is_present(&self) -> bool {
        self.node.is_some()
    }

    /// Creates a file for `entry` in `self`. Returns `None` if `self` is inert or the file cannot
    /// be created.
    ///
    /// # Safety
    ///
    /// `entry` must be valid until the returned node has been dropped.
    unsafe fn create_file(&self, name: &CStr, entry: *const Entry) -> Option<Node> {
        let parent = self.node.as_ref()?;
        // SAFETY: `parent`'s dentry is a live directory (`Node` invariant), kept so by the node
        // we return; `entry` is valid until that node is dropped (safety requirement), which
        // removes the file.
        let dentry = unsafe { raw::create_file(name, parent.dentry, entry) }?;
        // INVARIANT: `dentry` was just created in `parent`'s directory.
        Some(Node {
            dentry,
            _parent: Some(parent.clone()),
            owned: true,
        })
    }

    /// Creates a file named `name` that owns `data` and accesses it through `ops`.
    ///
    /// `ops` must have been built for `T` (an [`Ops`] constructor called with `T`).
    fn file<'a, T, I>(&'a self, name: &'a CStr, data: I, ops: &'static Ops) -> FileInit<'a, T, I>
    where
        T: Sync + 'static,
        I: PinInit<T>,
    {
        // INVARIANT: The caller built `ops` for `T`.
        FileInit {
            dir: self,
            name,
            data,
            ops,
            _data: PhantomData,
        }
    }

    /// Creates a read-only file named `name` that shows `data` through [`Render`], followed by
    /// a newline.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{c_str, debugfs::Dir, prelude::*, sync::new_mutex};
    ///
    /// let dir = Dir::new(c_str!("rust_debugfs_ro_example"));
    /// let version = KBox::pin_init(dir.read_only_file(c_str!("version"), 3u32), GFP_KERNEL)?;
    /// let name = KBox::pin_init(dir.read_only_file(c_str!("name"), c_str!("example")), GFP_KERNEL)?;
    /// // The data can be anything initialised in place, here a mutex.
    /// let state = KBox::pin_init(dir.read_only_file(c_str!("state"), new_mutex!(1u8)), GFP_KERNEL)?;
    /// *state.lock() = 2;
    /// assert_eq!(**version, 3);
    /// assert_eq!(name.to_str()?, "example");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn read_only_file<'a, T>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Render + Sync + 'static,
    {
        self.file(name, data, Ops::render::<T>())
    }

    /// Creates a readable and writable file named `name` that shows `data` through [`Render`]
    /// (followed by a newline) and updates it through [`Store`].
    ///
    /// A write is taken whole (at most 4 KiB, UTF-8, one trailing newline removed); text that
    /// does not parse fails with `EINVAL` and leaves the data unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicBool, Ordering};
    /// use kernel::{c_str, debugfs::Dir, prelude::*};
    ///
    /// let dir = Dir::new(c_str!("rust_debugfs_rw_example"));
    /// let verbose = KBox::pin_init(
    ///     dir.read_write_file(c_str!("verbose"), AtomicBool::new(false)),
    ///     GFP_KERNEL,
    /// )?;
    /// // `echo y > verbose` makes this true.
    /// assert!(!verbose.load(Ordering::Relaxed));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn read_write_file<'a, T>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Render + Store + Sync + 'static,
    {
        self.file(name, data, Ops::render_store::<T>())
    }

    /// Creates a write-only file named `name` that updates `data` through [`Store`].
    ///
    /// Writes are handled as for [`Dir::read_write_file`].
    pub fn write_only_file<'a, T>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Store + Sync + 'static,
    {
        self.file(name, data, Ops::store::<T>())
    }

    /// Creates a read-only file named `name` whose contents `read` writes from `data`.
    ///
    /// `read` must be a function or a closure that captures nothing (a zero-sized type; others
    /// fail to build). It writes the whole contents, newline included, and may be called more
    /// than once per read if the output is large.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::fmt;
    /// use kernel::{c_str, debugfs::Dir, prelude::*};
    ///
    /// struct Range {
    ///     start: u64,
    ///     len: u64,
    /// }
    ///
    /// fn show(r: &Range, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    ///     writeln!(f, "{:#x}..{:#x}", r.start, r.start + r.len)
    /// }
    ///
    /// let dir = Dir::new(c_str!("rust_debugfs_cb_example"));
    /// let vram = KBox::pin_init(
    ///     dir.read_callback_file(c_str!("vram"), Range { start: 0x1000, len: 0x100 }, show),
    ///     GFP_KERNEL,
    /// )?;
    /// let bar = KBox::pin_init(
    ///     dir.read_callback_file(c_str!("bar"), 4u8, |n, f| writeln!(f, "BAR{}", n)),
    ///     GFP_KERNEL,
    /// )?;
    /// assert_eq!(vram.len, 0x100);
    /// assert_eq!(**bar, 4);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn read_callback_file<'a, T, F>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
        read: F,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Sync + 'static,
        F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
    {
        self.file(name, data, Ops::read_fn::<T, F>(read))
    }

    /// Creates a readable and writable file named `name` whose contents `read` writes from
    /// `data` and whose writes `write` applies to `data`.
    ///
    /// `read` is as for [`Dir::read_callback_file`]. `write` gets the text written (at most
    /// 4 KiB, UTF-8, one trailing newline removed; otherwise the write fails with `EINVAL` before
    /// `write` is called); an error it returns is the write's error. Both must be functions or
    /// closures that capture nothing.
    pub fn read_write_callback_file<'a, T, F, W>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
        read: F,
        write: W,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Sync + 'static,
        F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
        W: Fn(&T, &str) -> Result + Copy + Send + 'static,
    {
        self.file(name, data, Ops::read_write_fn::<T, F, W>(read, write))
    }

    /// Creates a write-only file named `name` whose writes `write` applies to `data`.
    ///
    /// `write` is as for [`Dir::read_write_callback_file`].
    pub fn write_callback_file<'a, T, W>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T> + 'a,
        write: W,
    ) -> impl PinInit<File<T>> + 'a
    where
        T: Sync + 'static,
        W: Fn(&T, &str) -> Result + Copy + Send + 'static,
    {
        self.file(name, data, Ops::write_fn::<T, W>(write))
    }
}

/// The initialiser of a [`File`] (a named type rather than a closure, which keeps the names of
/// its generic instances short).
///
/// # Invariants
///
/// `ops` was built for `T`.
struct FileInit<'a, T, I> {
    dir: &'a Dir,
    name: &'a CStr,
    data: I,
    ops: &'static Ops,
    _data: PhantomData<fn() -> T>,
}

// SAFETY: On success `__pinned_init` initialises every field; it fails only before initialising
// anything. It does not move the pinned `data` and `entry`.
unsafe impl<T: Sync + 'static, I: PinInit<T>> PinInit<File<T>> for FileInit<'_, T, I> {
    unsafe fn __pinned_init(self, slot: *mut File<T>) -> Result<(), core::convert::Infallible> {
        // SAFETY: `slot` is valid for writes and pinned (`__pinned_init` contract).
        let data_slot = unsafe { addr_of_mut!((*slot).data) };
        // SAFETY: `data_slot` is valid for writes and pinned with the `File`.
        unsafe { self.data.__pinned_init(data_slot)? };
        // SAFETY: `slot` is valid; `Opaque::raw_get` only computes the address.
        let entry = Opaque::raw_get(unsafe { addr_of!((*slot).entry) });
        // SAFETY: `entry` is valid for writes. `ops` was built for `T` (type invariant).
        unsafe { entry.write(Entry::new(self.ops, data_slot.cast_const())) };
        // SAFETY: `entry` and the data it points to stay in place (pinned) until the `File` is
        // dropped, which drops the node (removing the file) before either.
        let node = unsafe { self.dir.create_file(self.name, entry) };
        // INVARIANT: `entry` is initialised, points to `data` and is `i_private` of `node`'s file.
        // SAFETY: `slot` is valid for writes.
        unsafe {
            addr_of_mut!((*slot).node).write(node);
            addr_of_mut!((*slot)._pin).write(PhantomPinned);
        }
        Ok(())
    }
}

/// A debugfs file that owns its data.
///
/// Made by [`Dir::read_only_file`] and the other file methods of [`Dir`]; dereferences to the
/// data. Dropping it removes the file (waiting for any reader or writer in it) and then drops the
/// data. A file made in an inert [`Dir`] is inert: it holds and dereferences to its data all the
/// same.
///
/// # Invariants
///
/// `entry` is initialised, points to `data` and is `i_private` of `node`'s file, if any.
pub struct File<T> {
    // Fields are dropped in this order: the file is removed before its entry and data go.
    node: Option<Node>,
    entry: Opaque<Entry>,
    data: T,
    _pin: PhantomPinned,
}

// SAFETY: Sending a `File` sends its data (`T: Send`); the file shares the data with readers on
// any thread, which `T: Sync` allows. The node and entry may be used from any thread.
unsafe impl<T: Send + Sync> Send for File<T> {}

// SAFETY: `&File` gives `&T` only (`T: Sync`); the entry is immutable.
unsafe impl<T: Sync> Sync for File<T> {}

impl<T> File<T> {
    /// Whether the file exists in debugfs (it is not inert).
    pub fn is_present(&self) -> bool {
        self.node.is_some()
    }
}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}
