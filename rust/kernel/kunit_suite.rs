// SPDX-License-Identifier: GPL-2.0

//! KUnit test suites written in Rust.
//!
//! Linux 6.12 runs Rust doctests under KUnit but has no way to declare a KUnit suite from Rust.
//! [`kunit_suite!`](crate::kunit_suite!) builds the C `struct kunit_suite` and its
//! `struct kunit_case` table at compile time and places a pointer to the suite in the
//! `.kunit_test_suites` section, exactly like C's `kunit_test_suites()`: built-in suites run at
//! boot, suites in modules run when the module loads. Each case is an ordinary Rust function
//! taking a [`Test`], through which it reports failures; the results appear in the KTAP output.
//!
//! C header: [`include/kunit/test.h`](srctree/include/kunit/test.h)
//!
//! # Examples
//!
//! ```ignore
//! use kernel::kunit_suite::Test;
//!
//! fn adds(test: &Test) {
//!     test.expect_eq(2 + 2, 4, c_str!("2 + 2"));
//! }
//!
//! kernel::kunit_suite!(example_suite, [adds]);
//! ```

use crate::{bindings, ffi::c_char, str::CStr};
use core::fmt;

/// A running KUnit test case.
///
/// # Invariants
///
/// `ptr` points to the `struct kunit` of the test case that is running on this thread, which
/// outlives `self`.
pub struct Test {
    ptr: *mut bindings::kunit,
}

impl Test {
    /// Wraps the C test context.
    ///
    /// # Safety
    ///
    /// `ptr` must be the `struct kunit` that KUnit passed to the running case, valid for the
    /// lifetime of the returned value.
    #[doc(hidden)]
    pub unsafe fn from_raw(ptr: *mut bindings::kunit) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self { ptr }
    }

    /// The C test context, e.g. for KUnit's resource helpers (`kunit_device_register()`).
    pub fn as_raw(&self) -> *mut bindings::kunit {
        self.ptr
    }

    /// Marks the test case failed and logs why. The case keeps running, like `KUNIT_EXPECT_*`.
    pub fn fail(&self, args: fmt::Arguments<'_>) {
        crate::kunit::err(format_args!("    # {}\n", args));
        // SAFETY: By the type invariant `ptr` is the live test context; KUnit reads `status`
        // only after the case returns, on this thread (C's `kunit_set_failure()` is this store).
        unsafe {
            core::ptr::addr_of_mut!((*self.ptr).status)
                .write_volatile(bindings::kunit_status_KUNIT_FAILURE)
        };
    }

    /// Fails the case with `what` unless `cond` holds. Returns `cond`.
    pub fn expect(&self, cond: bool, what: &CStr) -> bool {
        if !cond {
            self.fail(format_args!("expectation failed: {}", what));
        }
        cond
    }

    /// Fails the case unless `left == right`, logging both values. Returns whether they matched.
    pub fn expect_eq<T: PartialEq + fmt::Debug>(&self, left: T, right: T, what: &CStr) -> bool {
        let ok = left == right;
        if !ok {
            self.fail(format_args!("{}: {:?} != {:?}", what, left, right));
        }
        ok
    }

    /// Whether the case has failed so far.
    pub fn failed(&self) -> bool {
        // SAFETY: By the type invariant `ptr` is the live test context.
        let status = unsafe { core::ptr::addr_of!((*self.ptr).status).read_volatile() };
        status == bindings::kunit_status_KUNIT_FAILURE
    }
}

/// A test case function, as stored in the C case table.
pub type RunCase = unsafe extern "C" fn(*mut bindings::kunit);

/// Builds one entry of a case table. Used by [`kunit_suite!`](crate::kunit_suite!).
#[doc(hidden)]
pub const fn case(name: &'static CStr, run: RunCase) -> bindings::kunit_case {
    // SAFETY: `kunit_case` is a C struct for which all-zeroes is valid (NULL pointers, zero
    // enums and attributes), as C's static initialisers leave it.
    let mut c: bindings::kunit_case = unsafe { core::mem::zeroed() };
    c.run_case = Some(run);
    c.name = name.as_char_ptr();
    c
}

/// The all-zero entry that ends a case table.
#[doc(hidden)]
pub const fn case_end() -> bindings::kunit_case {
    // SAFETY: As in `case`; a NULL `run_case` terminates the table.
    unsafe { core::mem::zeroed() }
}

/// Builds a suite over a case table. Used by [`kunit_suite!`](crate::kunit_suite!).
///
/// Fails to compile (const panic) if `name` does not fit the C `name[256]` field.
#[doc(hidden)]
pub const fn suite(name: &str, cases: *mut bindings::kunit_case) -> bindings::kunit_suite {
    // SAFETY: All-zeroes is a valid `kunit_suite` (no hooks, empty status), as in C.
    let mut s: bindings::kunit_suite = unsafe { core::mem::zeroed() };
    let bytes = name.as_bytes();
    assert!(bytes.len() < s.name.len(), "KUnit suite name too long");
    let mut i = 0;
    while i < bytes.len() {
        s.name[i] = c_char::from_ne_bytes([bytes[i]]);
        i += 1;
    }
    s.test_cases = cases;
    s
}

/// Declares a KUnit suite named `$suite` whose cases are the functions `fn(&Test)` listed.
///
/// Each case is named after its function in the KTAP output.
#[macro_export]
macro_rules! kunit_suite {
    ($suite:ident, [$($case:ident),+ $(,)?]) => {
        const _: () = {
            const N: usize = [$(stringify!($case)),+].len() + 1;
            static mut CASES: [$crate::bindings::kunit_case; N] = [
                $($crate::kunit_suite::case($crate::c_str!(stringify!($case)), {
                    /// Runs the case.
                    ///
                    /// # Safety
                    ///
                    /// `test` must be the live KUnit context of this case.
                    unsafe extern "C" fn run(test: *mut $crate::bindings::kunit) {
                        // SAFETY: KUnit passes the live context of this case.
                        let test = unsafe { $crate::kunit_suite::Test::from_raw(test) };
                        $case(&test);
                    }
                    run
                }),)+
                $crate::kunit_suite::case_end(),
            ];
            static mut SUITE: $crate::bindings::kunit_suite = $crate::kunit_suite::suite(
                stringify!($suite),
                ::core::ptr::addr_of_mut!(CASES).cast(),
            );
            #[used]
            #[link_section = ".kunit_test_suites"]
            static mut SUITES: [*mut $crate::bindings::kunit_suite; 1] =
                [::core::ptr::addr_of_mut!(SUITE)];
        };
    };
}
