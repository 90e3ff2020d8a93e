// SPDX-License-Identifier: MIT OR Apache-2.0

//! ioctl request codes, computed in Rust, and the calls that use them.
//!
//! The codes follow `<asm-generic/ioctl.h>` (`_IOC(dir, type, nr, size)`), with the few
//! architectures that lay the fields out differently handled by `cfg`. The tests check every code
//! against the `DRM_IOCTL_*` macros as the C compiler evaluates them.

use crate::error::{Errno, Error, Result};
use crate::sys::{self, IoctlNr};
use core::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};
use zerocopy::{FromBytes, IntoBytes};

#[cfg(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
))]
mod layout {
    pub const SIZEBITS: u32 = 13;
    pub const NONE: u32 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 4;
}

#[cfg(not(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
)))]
mod layout {
    pub const SIZEBITS: u32 = 14;
    pub const NONE: u32 = 0;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 1;
}

const NRSHIFT: u32 = 0;
const TYPESHIFT: u32 = 8;
const SIZESHIFT: u32 = 16;
const DIRSHIFT: u32 = SIZESHIFT + layout::SIZEBITS;
const SIZEMASK: u32 = (1 << layout::SIZEBITS) - 1;

/// Transfer direction of an ioctl, as seen from userspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `_IO`: no argument is copied.
    None,
    /// `_IOR`: the kernel writes the argument.
    Read,
    /// `_IOW`: the kernel reads the argument.
    Write,
    /// `_IOWR`: both.
    ReadWrite,
}

impl Dir {
    const fn bits(self) -> u32 {
        match self {
            Dir::None => layout::NONE,
            Dir::Read => layout::READ,
            Dir::Write => layout::WRITE,
            Dir::ReadWrite => layout::READ | layout::WRITE,
        }
    }
}

/// `_IOC(dir, ty, nr, size)`. Panics (at compile time in constants) if `size` does not fit.
pub const fn ioc(dir: Dir, ty: u8, nr: u8, size: usize) -> u32 {
    assert!(size <= SIZEMASK as usize, "ioctl argument too large");
    dir.bits() << DIRSHIFT
        | (size as u32) << SIZESHIFT
        | (ty as u32) << TYPESHIFT
        | (nr as u32) << NRSHIFT
}

/// `DRM_IOCTL_BASE`, the ioctl type of every DRM ioctl (`'d'`).
pub const DRM_BASE: u8 = sys::DRM_IOCTL_BASE;
/// `DRM_COMMAND_BASE`: driver-specific ioctl numbers start here.
pub const DRM_COMMAND_BASE: u8 = sys::DRM_COMMAND_BASE as u8;

/// One ioctl: its name (for error messages) and its request code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    name: &'static str,
    code: u32,
}

impl Request {
    /// A request named `name` with code `code`.
    pub const fn new(name: &'static str, code: u32) -> Self {
        Self { name, code }
    }

    /// The name used in error messages, e.g. `GEM_CREATE`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The request code passed to `ioctl(2)`.
    pub const fn code(&self) -> u32 {
        self.code
    }

    /// The argument size encoded in the code.
    pub const fn size(&self) -> usize {
        ((self.code >> SIZESHIFT) & SIZEMASK) as usize
    }

    /// The ioctl number (`_IOC_NR`).
    pub const fn nr(&self) -> u8 {
        (self.code >> NRSHIFT) as u8
    }

    /// The same ioctl number with another argument size and direction: for tests of how the
    /// kernel treats callers built against a different version of a structure.
    pub const fn with_size(&self, dir: Dir, size: usize) -> Self {
        Self::new(self.name, ioc(dir, DRM_BASE, self.nr(), size))
    }
}

const fn novax_code(nr: IoctlNr, size: usize) -> u32 {
    ioc(Dir::ReadWrite, DRM_BASE, DRM_COMMAND_BASE + nr as u8, size)
}

/// `DRM_IOCTL_NOVAX_GETPARAM`.
pub const GETPARAM: Request = Request::new(
    "GETPARAM",
    novax_code(IoctlNr::Getparam, size_of::<sys::drm_novax_getparam>()),
);
/// `DRM_IOCTL_NOVAX_GEM_CREATE`.
pub const GEM_CREATE: Request = Request::new(
    "GEM_CREATE",
    novax_code(IoctlNr::GemCreate, size_of::<sys::drm_novax_gem_create>()),
);
/// `DRM_IOCTL_NOVAX_GEM_INFO`.
pub const GEM_INFO: Request = Request::new(
    "GEM_INFO",
    novax_code(IoctlNr::GemInfo, size_of::<sys::drm_novax_gem_info>()),
);
/// `DRM_IOCTL_NOVAX_GSP_ECHO`.
pub const GSP_ECHO: Request = Request::new(
    "GSP_ECHO",
    novax_code(IoctlNr::GspEcho, size_of::<sys::drm_novax_gsp_echo>()),
);

/// `DRM_IOCTL_VERSION`.
pub const VERSION: Request = Request::new(
    "VERSION",
    ioc(
        Dir::ReadWrite,
        DRM_BASE,
        0x00,
        size_of::<sys::drm_version>(),
    ),
);
/// `DRM_IOCTL_GEM_CLOSE`.
pub const GEM_CLOSE: Request = Request::new(
    "GEM_CLOSE",
    ioc(Dir::Write, DRM_BASE, 0x09, size_of::<sys::drm_gem_close>()),
);
/// `DRM_IOCTL_PRIME_HANDLE_TO_FD`.
pub const PRIME_HANDLE_TO_FD: Request = Request::new(
    "PRIME_HANDLE_TO_FD",
    ioc(
        Dir::ReadWrite,
        DRM_BASE,
        0x2d,
        size_of::<sys::drm_prime_handle>(),
    ),
);
/// `DRM_IOCTL_PRIME_FD_TO_HANDLE`.
pub const PRIME_FD_TO_HANDLE: Request = Request::new(
    "PRIME_FD_TO_HANDLE",
    ioc(
        Dir::ReadWrite,
        DRM_BASE,
        0x2e,
        size_of::<sys::drm_prime_handle>(),
    ),
);

/// The request of novax ioctl `nr`. The match is exhaustive on purpose: an ioctl added to the
/// header does not compile until it has a request here.
pub const fn novax(nr: IoctlNr) -> Request {
    match nr {
        IoctlNr::Getparam => GETPARAM,
        IoctlNr::GemCreate => GEM_CREATE,
        IoctlNr::GemInfo => GEM_INFO,
        IoctlNr::GspEcho => GSP_ECHO,
    }
}

/// Calls `ioctl(fd, req, arg)`, retrying on EINTR and EAGAIN as libdrm's `drmIoctl()` does.
///
/// # Safety
///
/// `arg` must be valid for the reads and writes the kernel does for `req`.
pub unsafe fn call_raw(fd: BorrowedFd<'_>, req: &Request, arg: *mut libc::c_void) -> Result<()> {
    loop {
        // The request type is `c_ulong` on glibc and `c_int` on musl; the code fits both.
        // SAFETY: the caller guarantees that `arg` fits `req`.
        let ret = unsafe { libc::ioctl(fd.as_raw_fd(), req.code() as libc::Ioctl, arg) };
        if ret >= 0 {
            return Ok(());
        }
        let errno = Errno::last();
        if errno != Errno(libc::EINTR) && errno != Errno(libc::EAGAIN) {
            return Err(Error::Ioctl {
                ioctl: req.name(),
                errno,
            });
        }
    }
}

/// Calls ioctl `req` with `arg`, which the kernel reads and/or writes in place.
///
/// Safe because `T` is plain bytes (any value the kernel writes is valid) and `req` encodes
/// `T`'s size (checked here), which is what the DRM core copies in and out.
pub fn call<T: FromBytes + IntoBytes>(
    fd: BorrowedFd<'_>,
    req: &Request,
    arg: &mut T,
) -> Result<()> {
    assert_eq!(
        req.size(),
        size_of::<T>(),
        "{}: argument size does not match the request code",
        req.name()
    );
    // SAFETY: `arg` is valid for `size_of::<T>()` bytes of reads and writes, which is the size
    // `req` declares, and `T` accepts any bit pattern.
    unsafe { call_raw(fd, req, (arg as *mut T).cast()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::c_values::novax_c_values as c;

    #[test]
    fn codes_match_the_c_macros() {
        for (req, want) in [
            (GETPARAM, c::NOVAX_C_IOCTL_NOVAX_GETPARAM),
            (GEM_CREATE, c::NOVAX_C_IOCTL_NOVAX_GEM_CREATE),
            (GEM_INFO, c::NOVAX_C_IOCTL_NOVAX_GEM_INFO),
            (GSP_ECHO, c::NOVAX_C_IOCTL_NOVAX_GSP_ECHO),
            (VERSION, c::NOVAX_C_IOCTL_VERSION),
            (GEM_CLOSE, c::NOVAX_C_IOCTL_GEM_CLOSE),
            (PRIME_HANDLE_TO_FD, c::NOVAX_C_IOCTL_PRIME_HANDLE_TO_FD),
            (PRIME_FD_TO_HANDLE, c::NOVAX_C_IOCTL_PRIME_FD_TO_HANDLE),
        ] {
            assert_eq!(
                req.code(),
                want,
                "{}: {:#x} vs C {want:#x}",
                req.name(),
                req.code()
            );
        }
    }

    #[test]
    fn sizes_match_the_c_structs() {
        assert_eq!(GETPARAM.size(), c::NOVAX_C_SIZEOF_GETPARAM as usize);
        assert_eq!(GEM_CREATE.size(), c::NOVAX_C_SIZEOF_GEM_CREATE as usize);
        assert_eq!(GEM_INFO.size(), c::NOVAX_C_SIZEOF_GEM_INFO as usize);
        assert_eq!(GSP_ECHO.size(), c::NOVAX_C_SIZEOF_GSP_ECHO as usize);
        assert_eq!(VERSION.size(), c::NOVAX_C_SIZEOF_VERSION as usize);
        assert_eq!(
            [GETPARAM, GEM_CREATE, GEM_INFO, GSP_ECHO].map(|r| r.size()),
            [16, 16, 24, 16]
        );
    }

    #[test]
    #[cfg(not(any(
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    )))]
    fn generic_layout_known_values() {
        // _IOWR('d', 0x40, 16) and _IOW('d', 0x09, 8), worked out by hand.
        assert_eq!(ioc(Dir::ReadWrite, b'd', 0x40, 16), 0xc010_6440);
        assert_eq!(ioc(Dir::Write, b'd', 0x09, 8), 0x4008_6409);
        assert_eq!(ioc(Dir::Read, b'd', 0x01, 4), 0x8004_6401);
        assert_eq!(ioc(Dir::None, b'd', 0x50, 0), 0x6450);
    }

    #[test]
    fn every_novax_ioctl_has_its_number_and_name() {
        assert_eq!(DRM_COMMAND_BASE as u32, c::NOVAX_C_COMMAND_BASE);
        for nr in IoctlNr::ALL {
            let req = novax(nr);
            assert_eq!(req.nr(), DRM_COMMAND_BASE + nr as u8);
            assert_eq!(req.name(), nr.uapi_name());
        }
    }

    #[test]
    fn with_size_changes_only_size_and_direction() {
        assert_eq!(GEM_INFO.with_size(Dir::ReadWrite, 24), GEM_INFO);
        let small = GEM_INFO.with_size(Dir::ReadWrite, 8);
        assert_eq!(small.size(), 8);
        assert_eq!(small.nr(), GEM_INFO.nr());
        assert_eq!(small.name(), "GEM_INFO");
        assert_ne!(small.code(), GEM_INFO.code());
    }

    #[test]
    #[should_panic(expected = "argument size does not match")]
    fn call_checks_the_argument_size() {
        let f = std::fs::File::open("/dev/null").unwrap();
        let mut wrong = sys::drm_novax_gem_create::default();
        let _ = call(std::os::fd::AsFd::as_fd(&f), &GEM_INFO, &mut wrong);
    }

    #[test]
    fn failing_ioctl_names_itself() {
        // /dev/null is no DRM device: the ioctl fails with ENOTTY and the error says which.
        let f = std::fs::File::open("/dev/null").unwrap();
        let mut arg = sys::drm_novax_getparam::default();
        let e = call(std::os::fd::AsFd::as_fd(&f), &GETPARAM, &mut arg).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GETPARAM: Inappropriate ioctl for device (ENOTTY)"
        );
    }
}
