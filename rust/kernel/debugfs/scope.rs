// SPDX-License-Identifier: GPL-2.0

//! [`Scope`]: one object owned together with debugfs files that view it.

use super::{
    file_ops::{Entry, Ops},
    raw, Dir, Node, Render, Store,
};
use crate::{
    alloc::{flags::GFP_KERNEL, KBox},
    bindings,
    error::Result,
    init::PinInit,
    str::CStr,
};
use core::{
    cell::Cell,
    fmt,
    marker::{PhantomData, PhantomPinned},
    ops::Deref,
    ptr::{addr_of_mut, NonNull},
};

/// An object owned together with a debugfs directory of files that view it.
///
/// Made by [`Dir::scope`], whose closure creates the files (and subdirectories) through a
/// [`ScopedDir`]. The files borrow the object (or parts of it) and are not kept by the caller:
/// dropping the `Scope` removes the directory with all of them, waiting for any reader or writer
/// in them, and only then drops the object. Dereferences to the object.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering};
/// use kernel::{c_str, debugfs::Dir, prelude::*, sync::{new_mutex, Mutex}};
///
/// #[pin_data]
/// struct Link {
///     packets: AtomicU64,
///     #[pin]
///     speed: Mutex<u32>,
/// }
///
/// let dir = Dir::new(c_str!("rust_debugfs_scope_example"));
/// let link = KBox::pin_init(
///     dir.scope(
///         pin_init!(Link { packets: AtomicU64::new(0), speed <- new_mutex!(1000) }),
///         c_str!("link0"),
///         |link, d| {
///             // `link0/packets` and `link0/speed` show the fields; `speed` takes writes too.
///             d.read_only_file(c_str!("packets"), &link.packets);
///             d.read_write_file(c_str!("speed"), &link.speed);
///             // `link0/stats/summary` shows both.
///             d.dir(c_str!("stats")).read_callback_file(c_str!("summary"), link, |l, f| {
///                 let speed = *l.speed.lock();
///                 writeln!(f, "{} packets at {} Mb/s", l.packets.load(Ordering::Relaxed), speed)
///             });
///         },
///     ),
///     GFP_KERNEL,
/// )?;
/// link.packets.fetch_add(1, Ordering::Relaxed);
/// // Removes `link0` and everything in it, then drops the `Link`.
/// drop(link);
/// # Ok::<(), Error>(())
/// ```
///
/// A plain value works as the initialiser as well; name the error type then, as in
/// `KBox::pin_init::<core::convert::Infallible>(dir.scope(value, name, files), GFP_KERNEL)`.
pub struct Scope<T> {
    // Fields are dropped in this order: the directory with its files is removed (waiting for
    // readers and writers) before the entries they point to and the data go.
    pub(super) node: Option<Node>,
    entries: EntryList,
    data: T,
    _pin: PhantomPinned,
}

impl<T> Scope<T> {
    /// Whether the scope's directory exists in debugfs (it is not inert).
    pub fn is_present(&self) -> bool {
        self.node.is_some()
    }
}

impl<T> Deref for Scope<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

/// A node of the list of a scope's entries.
struct EntryNode {
    entry: Entry,
    next: Option<KBox<EntryNode>>,
}

/// The entries of a scope's files, each in its own allocation so that it stays in place.
///
/// A node is not changed after it is pushed (the list only grows at the head), so files may
/// point into it.
#[derive(Default)]
struct EntryList {
    head: Option<KBox<EntryNode>>,
}

impl EntryList {
    /// Adds `node` at the head.
    fn push(&mut self, mut node: KBox<EntryNode>) {
        node.next = self.head.take();
        self.head = Some(node);
    }
}

impl Drop for EntryList {
    fn drop(&mut self) {
        // Unlink iteratively: dropping a long list recursively could overflow the stack.
        let mut next = self.head.take();
        while let Some(mut node) = next {
            next = node.next.take();
        }
    }
}

/// A directory of a [`Scope`], given to the closure of [`Dir::scope`] to create files and
/// subdirectories in.
///
/// Files made here view data borrowed for `'a`, the lifetime of the scope's object as seen by
/// the closure, and are removed with the scope: they are not returned. If the scope's directory
/// could not be created, the `ScopedDir` is inert and so is everything made in it.
///
/// # Invariants
///
/// `dentry`, if `Some`, is the scope's directory or a directory in it. Everything that `'a`
/// borrows lives until the scope's directory has been removed, and so does `entries`' content
/// once moved into the [`Scope`].
pub struct ScopedDir<'a> {
    pub(super) dentry: Option<NonNull<bindings::dentry>>,
    entries: &'a Cell<EntryList>,
    /// `'a` must be invariant: a shorter one would let shorter-lived data in.
    _invariant: PhantomData<fn(&'a ()) -> &'a ()>,
}

impl<'a> ScopedDir<'a> {
    /// Creates a subdirectory named `name`, removed with the scope.
    pub fn dir(&self, name: &CStr) -> ScopedDir<'a> {
        let dentry = self.dentry.and_then(|parent| {
            // SAFETY: `parent` is live until the scope drops (type invariant).
            unsafe { raw::create_dir(name, parent.as_ptr()) }
        });
        // INVARIANT: `dentry` is in the scope's directory; the rest is copied from `self`.
        ScopedDir {
            dentry,
            entries: self.entries,
            _invariant: PhantomData,
        }
    }

    /// Whether the directory exists in debugfs (it is not inert).
    pub fn is_present(&self) -> bool {
        self.dentry.is_some()
    }

    /// Creates a file named `name` for `data` with `ops`.
    ///
    /// `ops` must have been built for `U` (an [`Ops`] constructor called with `U`).
    fn add<U: Sync>(&self, name: &CStr, data: &'a U, ops: &'static Ops) {
        let Some(parent) = self.dentry else {
            return;
        };
        // SAFETY: The caller built `ops` for `U`.
        let entry = unsafe { Entry::new(ops, data) };
        // Out of memory: debugfs is optional, the file is just not there.
        let Ok(node) = KBox::new(EntryNode { entry, next: None }, GFP_KERNEL) else {
            return;
        };
        let entry: *const Entry = &node.entry;
        let mut list = self.entries.take();
        list.push(node);
        self.entries.set(list);
        // SAFETY: `parent` is live (type invariant). `entry` is in a node of the scope's list,
        // which is not changed nor freed until the scope's directory has been removed (type
        // invariant), and so does `data`, borrowed for `'a`.
        let _ = unsafe { raw::create_file(name, parent, entry) };
    }

    /// Creates a read-only file named `name` showing `data` through [`Render`], followed by a
    /// newline.
    pub fn read_only_file<U: Render + Sync>(&self, name: &CStr, data: &'a U) {
        self.add(name, data, Ops::render::<U>());
    }

    /// Creates a readable and writable file named `name` showing `data` through [`Render`]
    /// (followed by a newline) and updating it through [`Store`], as
    /// [`Dir::read_write_file`] does.
    pub fn read_write_file<U: Render + Store + Sync>(&self, name: &CStr, data: &'a U) {
        self.add(name, data, Ops::render_store::<U>());
    }

    /// Creates a write-only file named `name` updating `data` through [`Store`].
    pub fn write_only_file<U: Store + Sync>(&self, name: &CStr, data: &'a U) {
        self.add(name, data, Ops::store::<U>());
    }

    /// Creates a read-only file named `name` whose contents `read` writes from `data`, as
    /// [`Dir::read_callback_file`] does.
    pub fn read_callback_file<U, F>(&self, name: &CStr, data: &'a U, read: F)
    where
        U: Sync,
        F: Fn(&U, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
    {
        self.add(name, data, Ops::read_fn::<U, F>(read));
    }

    /// Creates a readable and writable file named `name` with `read` and `write` callbacks on
    /// `data`, as [`Dir::read_write_callback_file`] does.
    pub fn read_write_callback_file<U, F, W>(&self, name: &CStr, data: &'a U, read: F, write: W)
    where
        U: Sync,
        F: Fn(&U, &mut fmt::Formatter<'_>) -> fmt::Result + Copy + Send + 'static,
        W: Fn(&U, &str) -> Result + Copy + Send + 'static,
    {
        self.add(name, data, Ops::read_write_fn::<U, F, W>(read, write));
    }

    /// Creates a write-only file named `name` whose writes `write` applies to `data`, as
    /// [`Dir::write_callback_file`] does.
    pub fn write_callback_file<U, W>(&self, name: &CStr, data: &'a U, write: W)
    where
        U: Sync,
        W: Fn(&U, &str) -> Result + Copy + Send + 'static,
    {
        self.add(name, data, Ops::write_fn::<U, W>(write));
    }
}

impl Dir {
    /// Creates a [`Scope`]: `data`, owned together with a directory `name` in `self` whose files
    /// the closure `files` creates.
    ///
    /// `files` runs once, when the scope is initialised, with the data in its final place and a
    /// [`ScopedDir`] for the directory. If `self` is inert or the directory cannot be created,
    /// `files` still runs, on an inert [`ScopedDir`].
    pub fn scope<'b, T, E, I>(
        &'b self,
        data: impl PinInit<T, E> + 'b,
        name: &'b CStr,
        files: I,
    ) -> impl PinInit<Scope<T>, E> + 'b
    where
        T: Sync + 'static,
        E: 'b,
        I: for<'a> FnOnce(&'a T, &'a ScopedDir<'a>) + 'b,
    {
        ScopeInit {
            dir: self,
            name,
            data,
            files,
            _data: PhantomData,
        }
    }
}

/// The initialiser of a [`Scope`] (a named type rather than a closure, which keeps the names of
/// its generic instances short).
struct ScopeInit<'b, T, I, F> {
    dir: &'b Dir,
    name: &'b CStr,
    data: I,
    files: F,
    _data: PhantomData<fn() -> T>,
}

// SAFETY: On success `__pinned_init` initialises every field; it fails only before initialising
// anything. It does not move the pinned data.
unsafe impl<T, E, I, F> PinInit<Scope<T>, E> for ScopeInit<'_, T, I, F>
where
    T: Sync + 'static,
    I: PinInit<T, E>,
    F: for<'a> FnOnce(&'a T, &'a ScopedDir<'a>),
{
    unsafe fn __pinned_init(self, slot: *mut Scope<T>) -> Result<(), E> {
        // SAFETY: `slot` is valid for writes and pinned (`__pinned_init` contract).
        let data_slot = unsafe { addr_of_mut!((*slot).data) };
        // SAFETY: `data_slot` is valid for writes and pinned with the `Scope`. On error nothing
        // else has been initialised, so the slot is left uninitialised as required.
        unsafe { self.data.__pinned_init(data_slot)? };
        let node = self.dir.subdir_node(self.name);
        let entries = Cell::new(EntryList::default());
        {
            // INVARIANT: `dentry` is the scope's directory. The data borrowed below stays in
            // place until the `Scope` is dropped, which removes the directory first; so do the
            // entries, moved into the `Scope` below (they are boxed and stay in place).
            let dir = ScopedDir {
                dentry: node.as_ref().map(|n| n.dentry),
                entries: &entries,
                _invariant: PhantomData,
            };
            // SAFETY: `data_slot` was initialised above.
            (self.files)(unsafe { &*data_slot }, &dir);
        }
        // SAFETY: `slot` is valid for writes.
        unsafe {
            addr_of_mut!((*slot).entries).write(entries.into_inner());
            addr_of_mut!((*slot).node).write(node);
            addr_of_mut!((*slot)._pin).write(PhantomPinned);
        }
        Ok(())
    }
}
