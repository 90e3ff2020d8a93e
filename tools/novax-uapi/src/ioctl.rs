// SPDX-License-Identifier: MIT OR Apache-2.0

//! The novax ioctls: request codes and the one safe call that issues them.
//!
//! rustix computes the codes (`_IOWR('d', DRM_COMMAND_BASE + nr, T)` with each architecture's
//! field layout) and makes the system call; the tests check every code against the
//! `DRM_IOCTL_NOVAX_*` macros as the C compiler evaluates them. The generic DRM ioctls are
//! drm-rs's (see [`crate::Device`]).

use crate::error::{Error, Result};
use crate::sys::{self, IoctlNr};
use rustix::io::Errno;
use rustix::ioctl::{opcode, Ioctl, IoctlOutput, Opcode};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::fd::BorrowedFd;
use zerocopy::{FromBytes, IntoBytes};

/// `DRM_IOCTL_BASE`, the ioctl type of every DRM ioctl (`'d'`).
pub const DRM_BASE: u8 = sys::DRM_IOCTL_BASE;
/// `DRM_COMMAND_BASE`: driver-specific ioctl numbers start here.
pub const DRM_COMMAND_BASE: u8 = sys::DRM_COMMAND_BASE as u8;

/// One read-write ioctl taking a `T`: its name (for error messages) and its request code,
/// which encodes `size_of::<T>()`, so an argument of another size does not type-check.
#[derive(Debug)]
pub struct Request<T> {
    name: &'static str,
    code: Opcode,
    arg: PhantomData<fn(&mut T)>,
}

impl<T> Request<T> {
    /// The novax ioctl `nr`, `_IOWR('d', DRM_COMMAND_BASE + nr, T)`.
    const fn novax(nr: IoctlNr) -> Self {
        Self {
            name: nr.uapi_name(),
            code: opcode::read_write::<T>(DRM_BASE, DRM_COMMAND_BASE + nr as u8),
            arg: PhantomData,
        }
    }

    /// The name used in error messages, e.g. `GEM_CREATE`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The request code passed to `ioctl(2)`.
    pub const fn code(&self) -> Opcode {
        self.code
    }
}

/// `DRM_IOCTL_NOVAX_GETPARAM`.
pub const GETPARAM: Request<sys::drm_novax_getparam> = Request::novax(IoctlNr::Getparam);
/// `DRM_IOCTL_NOVAX_GEM_CREATE`.
pub const GEM_CREATE: Request<sys::drm_novax_gem_create> = Request::novax(IoctlNr::GemCreate);
/// `DRM_IOCTL_NOVAX_GEM_INFO`.
pub const GEM_INFO: Request<sys::drm_novax_gem_info> = Request::novax(IoctlNr::GemInfo);
/// `DRM_IOCTL_NOVAX_GSP_ECHO`.
pub const GSP_ECHO: Request<sys::drm_novax_gsp_echo> = Request::novax(IoctlNr::GspEcho);
/// `DRM_IOCTL_NOVAX_VM_INIT`.
pub const VM_INIT: Request<sys::drm_novax_vm_init> = Request::novax(IoctlNr::VmInit);
/// `DRM_IOCTL_NOVAX_VM_BIND`.
pub const VM_BIND: Request<sys::drm_novax_vm_bind> = Request::novax(IoctlNr::VmBind);

/// The request code of novax ioctl `nr`. The match is exhaustive on purpose: an ioctl added to
/// the header does not compile until it has a request here.
pub const fn code(nr: IoctlNr) -> Opcode {
    match nr {
        IoctlNr::Getparam => GETPARAM.code,
        IoctlNr::GemCreate => GEM_CREATE.code,
        IoctlNr::GemInfo => GEM_INFO.code,
        IoctlNr::GspEcho => GSP_ECHO.code,
        IoctlNr::VmInit => VM_INIT.code,
        IoctlNr::VmBind => VM_BIND.code,
    }
}

/// The argument of one call, as rustix wants it.
struct Call<'a, T> {
    code: Opcode,
    arg: &'a mut T,
}

// SAFETY: the pointer is to a live, exclusively borrowed `T`, which is what `code` declares
// (by construction of `Request<T>`), and the kernel writes it in place: mutating, no output.
unsafe impl<T> Ioctl for Call<'_, T> {
    type Output = ();
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        self.code
    }

    fn as_ptr(&mut self) -> *mut c_void {
        (self.arg as *mut T).cast()
    }

    unsafe fn output_from_ptr(_: IoctlOutput, _: *mut c_void) -> rustix::io::Result<()> {
        Ok(())
    }
}

/// Calls ioctl `req` with `arg`, which the kernel reads and writes in place, retrying on EINTR
/// and EAGAIN as libdrm's `drmIoctl()` does.
///
/// Safe because `T` is plain bytes (any value the kernel writes is valid) and `req` encodes
/// `T`'s size, which is what the DRM core copies in and out.
pub fn call<T: FromBytes + IntoBytes>(
    fd: BorrowedFd<'_>,
    req: &Request<T>,
    arg: &mut T,
) -> Result<()> {
    loop {
        let call = Call {
            code: req.code,
            arg: &mut *arg,
        };
        // SAFETY: see the `Ioctl` impl of `Call`.
        match unsafe { rustix::ioctl::ioctl(fd, call) } {
            Ok(()) => return Ok(()),
            Err(Errno::INTR | Errno::AGAIN) => continue,
            Err(e) => return Err(Error::ioctl(req.name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::c_values::novax_c_values as c;

    /// `Opcode` is `c_uint` or `c_ulong` depending on rustix's backend; codes fit 32 bits.
    #[allow(clippy::unnecessary_cast)]
    fn code32(c: Opcode) -> u32 {
        c as u32
    }

    #[test]
    fn codes_match_the_c_macros() {
        for (nr, want) in [
            (IoctlNr::Getparam, c::NOVAX_C_IOCTL_NOVAX_GETPARAM),
            (IoctlNr::GemCreate, c::NOVAX_C_IOCTL_NOVAX_GEM_CREATE),
            (IoctlNr::GemInfo, c::NOVAX_C_IOCTL_NOVAX_GEM_INFO),
            (IoctlNr::GspEcho, c::NOVAX_C_IOCTL_NOVAX_GSP_ECHO),
            (IoctlNr::VmInit, c::NOVAX_C_IOCTL_NOVAX_VM_INIT),
            (IoctlNr::VmBind, c::NOVAX_C_IOCTL_NOVAX_VM_BIND),
        ] {
            let got = code32(code(nr));
            assert_eq!(got, want, "{}: {got:#x} vs C {want:#x}", nr.uapi_name());
        }
        assert_eq!(GETPARAM.name(), "GETPARAM");
        assert_eq!(GSP_ECHO.name(), "GSP_ECHO");
    }

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn known_values() {
        // _IOWR('d', 0x40, 16), worked out by hand.
        assert_eq!(code32(GETPARAM.code()), 0xc010_6440);
        assert_eq!(DRM_COMMAND_BASE as u32, c::NOVAX_C_COMMAND_BASE);
    }

    #[test]
    fn failing_ioctl_names_itself() {
        // /dev/null is no DRM device: the ioctl fails with ENOTTY and the error says which.
        let f = std::fs::File::open("/dev/null").unwrap();
        let mut arg = sys::drm_novax_getparam::default();
        let e = call(std::os::fd::AsFd::as_fd(&f), &GETPARAM, &mut arg).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GETPARAM: Inappropriate ioctl for device (os error 25)"
        );
    }
}
