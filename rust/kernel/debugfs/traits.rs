// SPDX-License-Identifier: GPL-2.0

//! How values are shown in and updated from debugfs files: [`Render`] and [`Store`].

use crate::{
    alloc::{Allocator, Box},
    error::{code::EINVAL, Result},
    str::{BStr, CStr},
    sync::{
        lock::{Backend, Lock},
        Arc,
    },
};
use core::{
    fmt,
    str::FromStr,
    sync::atomic::{self, Ordering},
};

/// A value that a debugfs file can show.
///
/// The simple files ([`Dir::read_only_file`], [`Dir::read_write_file`]) show their data as
/// `render` writes it, followed by a newline.
///
/// Implemented for the integer types, `bool`, `char`, [`str`], [`CStr`] and [`BStr`] (through
/// their [`Display`](fmt::Display)), for the atomic types (the value loaded with
/// [`Ordering::Relaxed`]), for a [`Mutex`](crate::sync::Mutex) or
/// [`SpinLock`](crate::sync::SpinLock) of a `Render` type (rendered under the lock), and for
/// references, [`Box`] and [`Arc`] of a `Render` type.
///
/// A type of your own implements it in a line, e.g. through its `Display`:
///
/// ```
/// use core::fmt;
/// use kernel::debugfs::Render;
///
/// struct Celsius(i32);
///
/// impl fmt::Display for Celsius {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "{} C", self.0)
///     }
/// }
///
/// impl Render for Celsius {
///     fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         fmt::Display::fmt(self, f)
///     }
/// }
/// ```
///
/// [`Dir::read_only_file`]: super::Dir::read_only_file
/// [`Dir::read_write_file`]: super::Dir::read_write_file
pub trait Render {
    /// Writes `self` as text.
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A value that a debugfs file can update from the text written to it.
///
/// Writing through `&self`, it is implemented for types with interior mutability: the atomic
/// types (the parsed value stored with [`Ordering::Relaxed`]) and a
/// [`Mutex`](crate::sync::Mutex) or [`SpinLock`](crate::sync::SpinLock) of a [`FromStr`] type,
/// as well as references, [`Box`] and [`Arc`] of a `Store` type.
///
/// Integers are accepted in decimal or, with a `0x` prefix, in hexadecimal; booleans as `1`,
/// `y`, `yes`, `true`, `on` or `0`, `n`, `no`, `false`, `off` (in any case). Surrounding
/// whitespace is ignored.
pub trait Store {
    /// Parses `input` and stores the value in `self`.
    ///
    /// On error (`EINVAL` for text that does not parse) `self` must be left unchanged.
    fn store(&self, input: &str) -> Result;
}

macro_rules! render_via_display {
    ($($t:ty),* $(,)?) => {$(
        impl Render for $t {
            fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }
    )*};
}

render_via_display!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char, str, CStr, BStr
);

/// Parses an integer in decimal or, with a `0x`/`0X` prefix, in hexadecimal.
macro_rules! parse_int {
    ($t:ty, $s:expr) => {{
        let s: &str = $s.trim();
        let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => (hex, 16),
            None => (s, 10),
        };
        <$t>::from_str_radix(digits, radix).map_err(|_| EINVAL)
    }};
}

macro_rules! atomic_int {
    ($($atomic:ident: $t:ty),* $(,)?) => {$(
        impl Render for atomic::$atomic {
            fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.load(Ordering::Relaxed), f)
            }
        }

        impl Store for atomic::$atomic {
            fn store(&self, input: &str) -> Result {
                let value = parse_int!($t, input)?;
                self.store(value, Ordering::Relaxed);
                Ok(())
            }
        }
    )*};
}

atomic_int!(
    AtomicU8: u8,
    AtomicU16: u16,
    AtomicU32: u32,
    AtomicUsize: usize,
    AtomicI8: i8,
    AtomicI16: i16,
    AtomicI32: i32,
    AtomicIsize: isize,
);

#[cfg(target_has_atomic = "64")]
atomic_int!(AtomicU64: u64, AtomicI64: i64);

/// Parses a boolean the way `kstrtobool()` users expect (see [`Store`]).
fn parse_bool(input: &str) -> Result<bool> {
    let s = input.trim();
    const TRUE: [&str; 5] = ["1", "y", "yes", "true", "on"];
    const FALSE: [&str; 5] = ["0", "n", "no", "false", "off"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(false)
    } else {
        Err(EINVAL)
    }
}

impl Render for atomic::AtomicBool {
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.load(Ordering::Relaxed), f)
    }
}

impl Store for atomic::AtomicBool {
    fn store(&self, input: &str) -> Result {
        self.store(parse_bool(input)?, Ordering::Relaxed);
        Ok(())
    }
}

impl<T: Render + ?Sized, B: Backend> Render for Lock<T, B> {
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.lock().render(f)
    }
}

impl<T: FromStr, B: Backend> Store for Lock<T, B> {
    fn store(&self, input: &str) -> Result {
        // Parse before taking the lock, so that a bad value leaves the data untouched.
        let value = input.trim().parse::<T>().map_err(|_| EINVAL)?;
        *self.lock() = value;
        Ok(())
    }
}

impl<T: Render + ?Sized> Render for &T {
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).render(f)
    }
}

impl<T: Store + ?Sized> Store for &T {
    fn store(&self, input: &str) -> Result {
        (**self).store(input)
    }
}

impl<T: Render + ?Sized, A: Allocator> Render for Box<T, A> {
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).render(f)
    }
}

impl<T: Store + ?Sized, A: Allocator> Store for Box<T, A> {
    fn store(&self, input: &str) -> Result {
        (**self).store(input)
    }
}

impl<T: Render + ?Sized> Render for Arc<T> {
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).render(f)
    }
}

impl<T: Store + ?Sized> Store for Arc<T> {
    fn store(&self, input: &str) -> Result {
        (**self).store(input)
    }
}
