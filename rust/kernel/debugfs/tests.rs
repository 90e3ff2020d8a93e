// SPDX-License-Identifier: GPL-2.0

//! The KUnit suite `rust_debugfs`.
//!
//! Files are exercised the way system calls use them: opened with `dentry_open()` (so through
//! debugfs's proxy, as `open(2)` does), then read and written through the open file's `f_op`
//! with buffers in user memory that KUnit maps for the test. This is the real path: proxy,
//! `debugfs_file_get()`, `seq_read()`, our show and store functions and `copy_{to,from}_user()`.

use super::{Dir, File};
use crate::{
    alloc::{flags::GFP_KERNEL, KBox, KVec},
    bindings, c_str,
    error::{
        code::{EINVAL, EIO, ENOENT, ENOMEM},
        from_err_ptr, Error, Result,
    },
    ffi::{c_char, c_int},
    init::InPlaceInit,
    kunit_suite::Test,
    new_mutex, stack_pin_init,
    str::CStr,
    sync::Arc,
    uaccess::{UserPtr, UserSlice},
};
use core::{
    convert::Infallible,
    fmt,
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};

/// Size of the user buffer of a test: larger than the largest write we try.
const UBUF_LEN: usize = 2 * 4096;

/// User memory for a test's reads and writes.
#[derive(Clone, Copy)]
struct UserBuf(UserPtr);

impl UserBuf {
    /// Maps the buffer for the running test, failing the test if that is not possible.
    fn new(test: &Test) -> Option<Self> {
        // SAFETY: Called from a running KUnit test, as the helper needs.
        let addr = unsafe { bindings::debugfs_test_ubuf(UBUF_LEN) };
        if addr == 0 {
            test.fail(format_args!("cannot map user memory"));
            return None;
        }
        Some(Self(addr))
    }
}

/// A debugfs file opened as `open(2)` would, closed on drop.
///
/// # Invariants
///
/// `file` is an open file that we hold a reference to.
struct Open {
    file: NonNull<bindings::file>,
}

/// `O_RDONLY`, `O_WRONLY` and `O_RDWR` as `open(2)` flags.
fn oflags(flags: u32) -> c_int {
    c_int::try_from(flags).unwrap_or(0)
}

impl Open {
    /// Opens the debugfs file `dentry` with `flags`.
    fn new(dentry: NonNull<bindings::dentry>, flags: c_int) -> Result<Self> {
        let fs_name = c_str!("debugfs");
        // SAFETY: `fs_name` is a valid C string.
        let fs = unsafe { bindings::get_fs_type(fs_name.as_char_ptr()) };
        if fs.is_null() {
            return Err(ENOENT);
        }
        // A mount of debugfs's (single) superblock, for the path of the file.
        // SAFETY: `fs` is a live filesystem type we hold; `fs_name` is a valid C string.
        let mnt = unsafe {
            bindings::vfs_kern_mount(fs, 0, fs_name.as_char_ptr(), core::ptr::null_mut())
        };
        // SAFETY: We hold `fs` from `get_fs_type()`.
        unsafe { bindings::put_filesystem(fs) };
        let mnt = from_err_ptr(mnt)?;
        let path = bindings::path {
            mnt,
            dentry: dentry.as_ptr(),
        };
        // SAFETY: `path` is a valid path of debugfs (`dentry` is a live debugfs dentry, on the
        // superblock `mnt` mounts); the credentials are the current task's.
        let file = unsafe { bindings::dentry_open(&path, flags, bindings::current_cred()) };
        // SAFETY: We hold `mnt` from `vfs_kern_mount()`; an open file holds its own reference.
        unsafe { bindings::mntput(mnt) };
        let file = NonNull::new(from_err_ptr(file)?).ok_or(ENOMEM)?;
        // INVARIANT: `dentry_open()` returned an open file with a reference for us.
        Ok(Self { file })
    }

    /// Reads the file from the start to its end, as `read(2)` calls would.
    fn read_all(&self, ubuf: UserBuf) -> Result<KVec<u8>> {
        let mut out = KVec::new();
        let mut pos: bindings::loff_t = 0;
        loop {
            // SAFETY: `file` is open (type invariant); its `f_op` is valid while it is.
            let read = unsafe { (*(*self.file.as_ptr()).f_op).read }.ok_or(EINVAL)?;
            // SAFETY: `file` is open and readable through `read`; `ubuf` is user memory of
            // `UBUF_LEN` bytes; `pos` is valid.
            let n = unsafe {
                read(
                    self.file.as_ptr(),
                    ubuf.0 as *mut c_char,
                    UBUF_LEN,
                    &mut pos,
                )
            };
            if n < 0 {
                return Err(Error::from_errno(c_int::try_from(n)?));
            }
            if n == 0 {
                return Ok(out);
            }
            UserSlice::new(ubuf.0, usize::try_from(n)?).read_all(&mut out, GFP_KERNEL)?;
        }
    }

    /// Writes `bytes` to the file in one call, as `write(2)` would. Returns the count written.
    fn write(&self, ubuf: UserBuf, bytes: &[u8]) -> Result<usize> {
        if bytes.len() > UBUF_LEN {
            return Err(EINVAL);
        }
        UserSlice::new(ubuf.0, bytes.len())
            .writer()
            .write_slice(bytes)?;
        // SAFETY: `file` is open (type invariant); its `f_op` is valid while it is.
        let write = unsafe { (*(*self.file.as_ptr()).f_op).write }.ok_or(EINVAL)?;
        let mut pos: bindings::loff_t = 0;
        // SAFETY: `file` is open and writable through `write`; `ubuf` holds `bytes.len()`
        // bytes of user memory; `pos` is valid.
        let n = unsafe {
            write(
                self.file.as_ptr(),
                ubuf.0 as *const c_char,
                bytes.len(),
                &mut pos,
            )
        };
        if n < 0 {
            return Err(Error::from_errno(c_int::try_from(n)?));
        }
        Ok(usize::try_from(n)?)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        // SAFETY: We hold a reference to the open file (type invariant); `__fput_sync()` closes
        // it now rather than from a work item, so the close is done when the test goes on.
        unsafe { bindings::__fput_sync(self.file.as_ptr()) };
    }
}

/// The dentry of a file, or `None` if it is inert.
fn dentry_of<T>(file: &File<T>) -> Option<NonNull<bindings::dentry>> {
    file.node.as_ref().map(|n| n.dentry)
}

/// The dentry of a directory (`None` is the debugfs root).
fn dir_dentry(dir: &Dir) -> *mut bindings::dentry {
    dir.node
        .as_ref()
        .map_or(core::ptr::null_mut(), |n| n.dentry.as_ptr())
}

/// Whether `name` exists in the directory `parent` (NULL: the debugfs root).
fn exists(parent: *mut bindings::dentry, name: &CStr) -> bool {
    // SAFETY: `parent` is NULL or a live debugfs directory; `name` is a valid C string.
    let d = unsafe { bindings::debugfs_lookup(name.as_char_ptr(), parent) };
    if d.is_null() {
        return false;
    }
    // SAFETY: `debugfs_lookup()` returned a reference to a dentry.
    unsafe { bindings::dput(d) };
    true
}

/// Opens `dentry` read-only and reads it whole.
fn read_file(ubuf: UserBuf, dentry: Option<NonNull<bindings::dentry>>) -> Result<KVec<u8>> {
    Open::new(dentry.ok_or(ENOENT)?, oflags(bindings::O_RDONLY))?.read_all(ubuf)
}

/// Checks that the file `dentry` reads `expected`.
fn expect_read(
    test: &Test,
    ubuf: UserBuf,
    dentry: Option<NonNull<bindings::dentry>>,
    expected: &[u8],
    what: &str,
) {
    match read_file(ubuf, dentry) {
        Ok(got) if got[..] == *expected => {}
        Ok(got) => test.fail(format_args!(
            "{what}: read {:?}, expected {:?}",
            got.escape_ascii(),
            expected.escape_ascii()
        )),
        Err(e) => test.fail(format_args!("{what}: read failed: {e:?}")),
    }
}

/// Checks that writing `bytes` to the open file `f` gives `expected` (the count or an error).
fn expect_write(
    test: &Test,
    ubuf: UserBuf,
    f: &Open,
    bytes: &[u8],
    expected: Result<usize>,
    what: &str,
) {
    let got = f.write(ubuf, bytes);
    if got != expected {
        test.fail(format_args!(
            "{what}: write gave {got:?}, expected {expected:?}"
        ));
    }
}

/// Pins a file (or scope) initialiser in a new box, failing the test on allocation failure.
fn boxed<T, E>(
    test: &Test,
    init: impl crate::init::PinInit<T, E>,
) -> Option<core::pin::Pin<KBox<T>>>
where
    Error: From<E>,
{
    match KBox::pin_init(init, GFP_KERNEL) {
        Ok(b) => Some(b),
        Err(e) => {
            test.fail(format_args!("allocation failed: {e:?}"));
            None
        }
    }
}

/// Simple files show their data with `Render` and a newline.
// `stack_pin_init!` of 6.12 declares its variables `mut` needlessly.
#[allow(unused_mut)]
fn read_formatting(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_read"));
    test.expect(dir.is_present(), c_str!("directory created"));

    let Some(n) = boxed(test, dir.read_only_file(c_str!("u32"), 42u32)) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&n), b"42\n", "u32");

    let Some(neg) = boxed(test, dir.read_only_file(c_str!("i64"), -5i64)) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&neg), b"-5\n", "i64");

    let Some(s) = boxed(test, dir.read_only_file(c_str!("cstr"), c_str!("rust"))) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&s), b"rust\n", "CStr");

    let Some(b) = boxed(
        test,
        dir.read_only_file(c_str!("bool"), AtomicBool::new(true)),
    ) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&b), b"true\n", "AtomicBool");

    let Some(a) = boxed(
        test,
        dir.read_only_file(c_str!("atomic"), AtomicU64::new(7)),
    ) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&a), b"7\n", "AtomicU64");
    // The file shows the current value.
    a.store(u64::MAX, Ordering::Relaxed);
    expect_read(
        test,
        ubuf,
        dentry_of(&a),
        b"18446744073709551615\n",
        "AtomicU64 updated",
    );

    // The kernel crate exports its generic instances (shared generics), and modpost refuses
    // symbol names over 500 bytes: keep the types of these instances short by pinning on the
    // stack rather than in a `KBox`, and by sharing the mutex through an `Arc`.
    let Ok(mutex) = Arc::pin_init(new_mutex!(9u16), GFP_KERNEL) else {
        return test.fail(format_args!("allocation failed"));
    };
    stack_pin_init!(let m = dir.read_only_file(c_str!("mutex"), mutex));
    *m.lock() = 10;
    expect_read(test, ubuf, dentry_of(&m), b"10\n", "Mutex<u16>");

    let shared = match Arc::new(AtomicU32::new(3), GFP_KERNEL) {
        Ok(a) => a,
        Err(_) => return test.fail(format_args!("allocation failed")),
    };
    let Some(arc) = boxed(test, dir.read_only_file(c_str!("arc"), shared.clone())) else {
        return;
    };
    shared.store(4, Ordering::Relaxed);
    expect_read(test, ubuf, dentry_of(&arc), b"4\n", "Arc<AtomicU32>");

    // Output larger than the first `seq_file` buffer (a page): `seq_read()` retries with more.
    let Some(big) = boxed(
        test,
        dir.read_callback_file(c_str!("big"), 1000usize, |n, f| {
            for _ in 0..*n {
                f.write_str("0123456789")?;
            }
            Ok(())
        }),
    ) else {
        return;
    };
    match read_file(ubuf, dentry_of(&big)) {
        Ok(v) if v.len() == 10000 && v.chunks(10).all(|c| c == b"0123456789") => {}
        Ok(v) => test.fail(format_args!("big: read {} bytes", v.len())),
        Err(e) => test.fail(format_args!("big: read failed: {e:?}")),
    }
}

/// Writes are parsed whole: valid text updates the value, anything else fails with `EINVAL`
/// and leaves it unchanged.
// `stack_pin_init!` of 6.12 declares its variables `mut` needlessly.
#[allow(unused_mut)]
fn write_parsing(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_write"));
    let Some(v) = boxed(test, dir.read_write_file(c_str!("u32"), AtomicU32::new(1))) else {
        return;
    };
    let Some(dentry) = dentry_of(&v) else {
        return test.fail(format_args!("u32 file not created"));
    };
    let f = match Open::new(dentry, oflags(bindings::O_RDWR)) {
        Ok(f) => f,
        Err(e) => return test.fail(format_args!("open failed: {e:?}")),
    };
    let value = || v.load(Ordering::Relaxed);

    expect_write(test, ubuf, &f, b"7\n", Ok(2), "decimal with newline");
    test.expect_eq(value(), 7, c_str!("decimal"));
    expect_write(test, ubuf, &f, b"0x10", Ok(4), "hex");
    test.expect_eq(value(), 16, c_str!("hex"));
    expect_write(test, ubuf, &f, b"  12 \n", Ok(6), "spaces");
    test.expect_eq(value(), 12, c_str!("spaces"));
    expect_read(test, ubuf, Some(dentry), b"12\n", "read back");

    expect_write(test, ubuf, &f, b"garbage\n", Err(EINVAL), "garbage");
    expect_write(test, ubuf, &f, b"", Err(EINVAL), "empty");
    expect_write(test, ubuf, &f, b"-1", Err(EINVAL), "negative");
    expect_write(test, ubuf, &f, b"4294967296", Err(EINVAL), "out of range");
    expect_write(test, ubuf, &f, b"1 2\n", Err(EINVAL), "two numbers");
    expect_write(
        test,
        ubuf,
        &f,
        &[0xff, 0xfe, b'1'],
        Err(EINVAL),
        "not UTF-8",
    );
    let mut long = KVec::new();
    if long.extend_from_slice(&[b'1'; 5000], GFP_KERNEL).is_err() {
        return test.fail(format_args!("allocation failed"));
    }
    expect_write(test, ubuf, &f, &long, Err(EINVAL), "overlong");
    test.expect_eq(value(), 12, c_str!("value unchanged by bad writes"));
    // 4096 bytes is the limit: leading zeros make it a valid number.
    let mut max = KVec::new();
    if max.extend_from_slice(&[b'0'; 4094], GFP_KERNEL).is_err()
        || max.extend_from_slice(b"5\n", GFP_KERNEL).is_err()
    {
        return test.fail(format_args!("allocation failed"));
    }
    expect_write(test, ubuf, &f, &max, Ok(4096), "4096 bytes");
    test.expect_eq(value(), 5, c_str!("4096 bytes"));
    drop(f);

    // Other `Store` types.
    let Some(b) = boxed(
        test,
        dir.read_write_file(c_str!("bool"), AtomicBool::new(false)),
    ) else {
        return;
    };
    let Some(i) = boxed(test, dir.read_write_file(c_str!("i32"), AtomicI32::new(0))) else {
        return;
    };
    // As in `read_formatting`: short generic instances.
    let Ok(mutex) = Arc::pin_init(new_mutex!(0u64), GFP_KERNEL) else {
        return test.fail(format_args!("allocation failed"));
    };
    stack_pin_init!(let m = dir.read_write_file(c_str!("mutex"), mutex));
    let Some(wo) = boxed(test, dir.write_only_file(c_str!("wo"), AtomicU32::new(0))) else {
        return;
    };
    let opened = (|| -> Result<[Open; 4]> {
        Ok([
            Open::new(dentry_of(&b).ok_or(ENOENT)?, oflags(bindings::O_RDWR))?,
            Open::new(dentry_of(&i).ok_or(ENOENT)?, oflags(bindings::O_RDWR))?,
            Open::new(dentry_of(&m).ok_or(ENOENT)?, oflags(bindings::O_RDWR))?,
            Open::new(dentry_of(&wo).ok_or(ENOENT)?, oflags(bindings::O_WRONLY))?,
        ])
    })();
    let [fb, fi, fm, fwo] = match opened {
        Ok(f) => f,
        Err(e) => return test.fail(format_args!("open failed: {e:?}")),
    };
    expect_write(test, ubuf, &fb, b"Y\n", Ok(2), "bool Y");
    test.expect(b.load(Ordering::Relaxed), c_str!("bool Y"));
    expect_write(test, ubuf, &fb, b"maybe", Err(EINVAL), "bool garbage");
    test.expect(b.load(Ordering::Relaxed), c_str!("bool unchanged"));
    expect_write(test, ubuf, &fb, b"off", Ok(3), "bool off");
    test.expect(!b.load(Ordering::Relaxed), c_str!("bool off"));
    expect_read(test, ubuf, dentry_of(&b), b"false\n", "bool read");
    expect_write(test, ubuf, &fi, b"-3", Ok(2), "i32");
    test.expect_eq(i.load(Ordering::Relaxed), -3, c_str!("i32"));
    expect_write(test, ubuf, &fm, b"123456789012\n", Ok(13), "mutex");
    test.expect_eq(*m.lock(), 123456789012, c_str!("mutex"));
    expect_write(test, ubuf, &fm, b"12x", Err(EINVAL), "mutex garbage");
    test.expect_eq(*m.lock(), 123456789012, c_str!("mutex unchanged"));
    expect_write(test, ubuf, &fwo, b"77", Ok(2), "write-only");
    test.expect_eq(wo.load(Ordering::Relaxed), 77, c_str!("write-only"));
    // A write-only file has no read operation.
    test.expect_eq(
        fwo.read_all(ubuf).err(),
        Some(EINVAL),
        c_str!("write-only read"),
    );
}

/// Data of the callback tests.
struct Limited {
    value: AtomicU32,
    /// Length of the last text the write callback got.
    last_len: AtomicUsize,
}

fn show_hex(v: &u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{:#x}", v)
}

/// Callback files: closures and functions, whose zero-sized types make the file's operations.
fn callback_files(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_callback"));

    let Some(pair) = boxed(
        test,
        dir.read_callback_file(c_str!("pair"), (1u8, 2u8), |p, f| {
            writeln!(f, "a={} b={}", p.0, p.1)
        }),
    ) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&pair), b"a=1 b=2\n", "closure");

    let Some(hex) = boxed(
        test,
        dir.read_callback_file(c_str!("hex"), 255u32, show_hex),
    ) else {
        return;
    };
    expect_read(test, ubuf, dentry_of(&hex), b"0xff\n", "function");

    // A failing read callback fails the read.
    let Some(bad) = boxed(
        test,
        dir.read_callback_file(c_str!("bad"), 0u8, |_, _| Err(fmt::Error)),
    ) else {
        return;
    };
    test.expect_eq(
        read_file(ubuf, dentry_of(&bad)).err(),
        Some(EINVAL),
        c_str!("failing callback"),
    );

    let data = Limited {
        value: AtomicU32::new(5),
        last_len: AtomicUsize::new(0),
    };
    let Some(lim) = boxed(
        test,
        dir.read_write_callback_file(
            c_str!("limited"),
            data,
            |d, f| writeln!(f, "{}", d.value.load(Ordering::Relaxed)),
            |d, s| {
                d.last_len.store(s.len(), Ordering::Relaxed);
                let n: u32 = s.trim().parse().map_err(|_| EINVAL)?;
                if n > 100 {
                    return Err(EINVAL);
                }
                d.value.store(n, Ordering::Relaxed);
                Ok(())
            },
        ),
    ) else {
        return;
    };
    let Some(dentry) = dentry_of(&lim) else {
        return test.fail(format_args!("limited not created"));
    };
    let f = match Open::new(dentry, oflags(bindings::O_RDWR)) {
        Ok(f) => f,
        Err(e) => return test.fail(format_args!("open failed: {e:?}")),
    };
    expect_write(test, ubuf, &f, b" 50\n", Ok(4), "valid");
    test.expect_eq(lim.value.load(Ordering::Relaxed), 50, c_str!("valid"));
    // The callback gets the text without its trailing newline.
    test.expect_eq(
        lim.last_len.load(Ordering::Relaxed),
        3,
        c_str!("newline removed"),
    );
    expect_write(test, ubuf, &f, b"101", Err(EINVAL), "rejected by callback");
    expect_write(test, ubuf, &f, b"x", Err(EINVAL), "garbage");
    expect_write(test, ubuf, &f, &[0xc3, 0x28], Err(EINVAL), "not UTF-8");
    test.expect_eq(
        lim.value.load(Ordering::Relaxed),
        50,
        c_str!("value unchanged"),
    );
    expect_read(test, ubuf, Some(dentry), b"50\n", "read back");

    let Some(wo) = boxed(
        test,
        dir.write_callback_file(c_str!("wo"), AtomicU32::new(0), |v, s| {
            v.store(u32::try_from(s.len())?, Ordering::Relaxed);
            Ok(())
        }),
    ) else {
        return;
    };
    match dentry_of(&wo)
        .ok_or(ENOENT)
        .and_then(|d| Open::new(d, oflags(bindings::O_WRONLY)))
    {
        Ok(f) => expect_write(test, ubuf, &f, b"abcd\n", Ok(5), "write-only callback"),
        Err(e) => test.fail(format_args!("open failed: {e:?}")),
    }
    test.expect_eq(wo.load(Ordering::Relaxed), 4, c_str!("write-only callback"));
}

/// The directory `Probe` checks when it is dropped.
static PROBE_PARENT: AtomicPtr<bindings::dentry> = AtomicPtr::new(core::ptr::null_mut());
/// Whether the scope's directory was gone when its data was dropped.
static PROBE_DIR_GONE: AtomicBool = AtomicBool::new(false);
/// Drops of `Probe`.
static PROBE_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Scope data that records, when dropped, whether its directory is still there.
struct Probe {
    value: AtomicU32,
    label: &'static CStr,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let parent = PROBE_PARENT.load(Ordering::Relaxed);
        PROBE_DIR_GONE.store(!exists(parent, c_str!("scope")), Ordering::Relaxed);
        PROBE_DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

/// A scope's files view its data and are removed before it is dropped.
fn scope_drop_order(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_scope"));
    PROBE_PARENT.store(dir_dentry(&dir), Ordering::Relaxed);
    PROBE_DROPS.store(0, Ordering::Relaxed);
    let probe = Probe {
        value: AtomicU32::new(3),
        label: c_str!("probe"),
    };
    let mut sub_dentry = None;
    let Some(scope) = boxed::<_, Infallible>(
        test,
        dir.scope(probe, c_str!("scope"), |p, d| {
            d.read_write_file(c_str!("value"), &p.value);
            d.read_only_file(c_str!("label"), &p.label);
            let sub = d.dir(c_str!("sub"));
            sub.read_callback_file(c_str!("both"), p, |p, f| {
                writeln!(f, "{}={}", p.label, p.value.load(Ordering::Relaxed))
            });
            sub.write_callback_file(c_str!("add"), &p.value, |v, s| {
                let n: u32 = s.parse().map_err(|_| EINVAL)?;
                v.fetch_add(n, Ordering::Relaxed);
                Ok(())
            });
            sub_dentry = sub.dentry;
        }),
    ) else {
        return;
    };
    test.expect(scope.is_present(), c_str!("scope created"));
    let scope_dentry = scope.node.as_ref().map(|n| n.dentry);
    let Some(sd) = scope_dentry else {
        return test.fail(format_args!("scope directory missing"));
    };
    let (Some(sub), true) = (sub_dentry, exists(sd.as_ptr(), c_str!("label"))) else {
        return test.fail(format_args!("scope files missing"));
    };
    let lookup = |parent: NonNull<bindings::dentry>, name: &CStr| {
        // SAFETY: `parent` is a live debugfs directory; `name` a valid C string.
        NonNull::new(unsafe { bindings::debugfs_lookup(name.as_char_ptr(), parent.as_ptr()) })
    };
    let (Some(value), Some(both), Some(add)) = (
        lookup(sd, c_str!("value")),
        lookup(sub, c_str!("both")),
        lookup(sub, c_str!("add")),
    ) else {
        return test.fail(format_args!("scope files missing"));
    };
    expect_read(test, ubuf, Some(both), b"probe=3\n", "scope callback");
    match Open::new(add, oflags(bindings::O_WRONLY)) {
        Ok(f) => expect_write(test, ubuf, &f, b"4\n", Ok(2), "scope write callback"),
        Err(e) => test.fail(format_args!("open failed: {e:?}")),
    }
    expect_read(test, ubuf, Some(value), b"7\n", "scope file");
    expect_read(
        test,
        ubuf,
        Some(both),
        b"probe=7\n",
        "scope callback after write",
    );

    // Keep one file open across the drop: reading it must then fail, not reach the data.
    let open = Open::new(both, oflags(bindings::O_RDONLY));
    drop(scope);
    test.expect_eq(
        PROBE_DROPS.load(Ordering::Relaxed),
        1,
        c_str!("data dropped once"),
    );
    test.expect(
        PROBE_DIR_GONE.load(Ordering::Relaxed),
        c_str!("files removed before the data was dropped"),
    );
    test.expect(
        !exists(dir_dentry(&dir), c_str!("scope")),
        c_str!("scope directory removed"),
    );
    match open {
        Ok(f) => {
            test.expect_eq(f.read_all(ubuf).err(), Some(EIO), c_str!("read after drop"));
        }
        Err(e) => test.fail(format_args!("open failed: {e:?}")),
    }
    // SAFETY: We got these references from `debugfs_lookup()`.
    unsafe {
        bindings::dput(value.as_ptr());
        bindings::dput(both.as_ptr());
        bindings::dput(add.as_ptr());
    }
}

/// A file dropped while open: reads and writes fail with `EIO`, opening fails, closing is fine.
fn removed_while_open(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_removed"));
    let Some(file) = boxed(
        test,
        dir.read_write_file(c_str!("value"), AtomicU32::new(6)),
    ) else {
        return;
    };
    let Some(dentry) = dentry_of(&file) else {
        return test.fail(format_args!("file not created"));
    };
    let f = match Open::new(dentry, oflags(bindings::O_RDWR)) {
        Ok(f) => f,
        Err(e) => return test.fail(format_args!("open failed: {e:?}")),
    };
    match f.read_all(ubuf) {
        Ok(v) => {
            test.expect(v[..] == *b"6\n", c_str!("read before removal"));
        }
        Err(e) => test.fail(format_args!("read before removal failed: {e:?}")),
    }
    // The directory goes first: the file keeps it until the file goes.
    drop(dir);
    expect_write(
        test,
        ubuf,
        &f,
        b"8",
        Ok(1),
        "write with the directory dropped",
    );
    drop(file);
    test.expect_eq(
        f.read_all(ubuf).err(),
        Some(EIO),
        c_str!("read after removal"),
    );
    expect_write(test, ubuf, &f, b"9", Err(EIO), "write after removal");
    // The open file keeps the dentry allocated, so it can be tried: it is gone.
    test.expect_eq(
        Open::new(dentry, oflags(bindings::O_RDONLY)).err(),
        Some(ENOENT),
        c_str!("open after removal"),
    );
    test.expect(
        !exists(core::ptr::null_mut(), c_str!("rust_debugfs_test_removed")),
        c_str!("directory removed"),
    );
    drop(f);
}

/// Failed directories are inert, and so is everything in them.
fn inert(test: &Test) {
    let Some(ubuf) = UserBuf::new(test) else {
        return;
    };
    let dir = Dir::new(c_str!("rust_debugfs_test_inert"));
    test.expect(dir.is_present(), c_str!("first directory"));
    // The name is taken.
    let dup = Dir::new(c_str!("rust_debugfs_test_inert"));
    test.expect(!dup.is_present(), c_str!("duplicate is inert"));
    test.expect(
        !dup.subdir(c_str!("sub")).is_present(),
        c_str!("subdir is inert"),
    );
    let Some(f) = boxed(test, dup.read_write_file(c_str!("f"), AtomicU32::new(2))) else {
        return;
    };
    test.expect(!f.is_present(), c_str!("file is inert"));
    f.store(3, Ordering::Relaxed);
    test.expect_eq(
        f.load(Ordering::Relaxed),
        3,
        c_str!("inert file holds its data"),
    );
    let mut ran = false;
    let Some(s) = boxed::<_, Infallible>(
        test,
        dup.scope(1u32, c_str!("s"), |v, d| {
            ran = !d.is_present();
            d.read_only_file(c_str!("v"), v);
        }),
    ) else {
        return;
    };
    test.expect(ran && !s.is_present(), c_str!("inert scope"));
    test.expect_eq(**s, 1, c_str!("inert scope holds its data"));

    // SAFETY: NULL and error pointers are allowed.
    let null = unsafe { Dir::from_parent_dentry(core::ptr::null_mut(), c_str!("x")) };
    test.expect(!null.is_present(), c_str!("NULL parent"));
    // SAFETY: Error pointers are allowed.
    let err = unsafe { Dir::from_parent_dentry(ENOENT.to_ptr(), c_str!("x")) };
    test.expect(!err.is_present(), c_str!("error parent"));

    // A C-owned parent: here our own directory, which outlives the child.
    // SAFETY: `dir`'s dentry is a live directory that stays until `dir` drops, after `child`.
    let child = unsafe { Dir::from_parent_dentry(dir_dentry(&dir), c_str!("child")) };
    test.expect(child.is_present(), c_str!("child of a C-owned directory"));
    let Some(cf) = boxed(test, child.read_only_file(c_str!("f"), 11u8)) else {
        return;
    };
    expect_read(
        test,
        ubuf,
        dentry_of(&cf),
        b"11\n",
        "file in a child of a C-owned directory",
    );
    drop(cf);
    drop(child);
    test.expect(
        !exists(dir_dentry(&dir), c_str!("child")),
        c_str!("child removed"),
    );
}

crate::kunit_suite!(
    rust_debugfs,
    [
        read_formatting,
        write_parsing,
        callback_files,
        scope_drop_order,
        removed_while_open,
        inert
    ]
);
