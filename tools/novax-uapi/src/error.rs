// SPDX-License-Identifier: MIT OR Apache-2.0

//! Errors that name what failed and the errno, e.g. `GEM_CREATE: Invalid argument (EINVAL)`.

use std::ffi::CStr;
use std::fmt;
use std::path::PathBuf;

/// An errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

/// Symbolic names of the errno values an ioctl, open or mmap of a DRM node can plausibly give.
const NAMES: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::ESRCH, "ESRCH"),
    (libc::EINTR, "EINTR"),
    (libc::EIO, "EIO"),
    (libc::ENXIO, "ENXIO"),
    (libc::E2BIG, "E2BIG"),
    (libc::EBADF, "EBADF"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::EBUSY, "EBUSY"),
    (libc::EEXIST, "EEXIST"),
    (libc::ENODEV, "ENODEV"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EISDIR, "EISDIR"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::EMFILE, "EMFILE"),
    (libc::ENOTTY, "ENOTTY"),
    (libc::EFBIG, "EFBIG"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::ESPIPE, "ESPIPE"),
    (libc::EROFS, "EROFS"),
    (libc::EPIPE, "EPIPE"),
    (libc::ERANGE, "ERANGE"),
    (libc::EDEADLK, "EDEADLK"),
    (libc::ENOSYS, "ENOSYS"),
    (libc::EOVERFLOW, "EOVERFLOW"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::ECANCELED, "ECANCELED"),
    (libc::ENOTRECOVERABLE, "ENOTRECOVERABLE"),
];

impl Errno {
    /// The calling thread's `errno`.
    pub fn last() -> Self {
        Self(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }

    /// The symbolic name, e.g. `EINVAL`, if it is one we know.
    pub fn name(self) -> Option<&'static str> {
        NAMES.iter().find(|(n, _)| *n == self.0).map(|(_, s)| *s)
    }

    /// The C library's description, e.g. `Invalid argument`.
    pub fn description(self) -> String {
        let mut buf = [0 as libc::c_char; 128];
        // SAFETY: `buf` is writable for its length; the XSI strerror_r NUL-terminates on success.
        let ret = unsafe { libc::strerror_r(self.0, buf.as_mut_ptr(), buf.len()) };
        if ret != 0 {
            return format!("Unknown error {}", self.0);
        }
        // SAFETY: NUL-terminated by strerror_r (checked above).
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }
}

impl fmt::Display for Errno {
    /// `Invalid argument (EINVAL)`, or `Unknown error 4242 (errno 4242)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({name})", self.description()),
            None => write!(f, "{} (errno {})", self.description(), self.0),
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        Self(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// An error of the client library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An ioctl failed: `GEM_CREATE: Invalid argument (EINVAL)`.
    Ioctl {
        /// The ioctl's name without the `DRM_IOCTL_`/`DRM_IOCTL_NOVAX_` prefix.
        ioctl: &'static str,
        /// Why.
        errno: Errno,
    },
    /// Another system call failed: `open /dev/dri/renderD128: Permission denied (EACCES)`.
    Sys {
        /// What was done, e.g. `open /dev/dri/renderD128` or `mmap`.
        op: String,
        /// Why.
        errno: Errno,
    },
    /// No render node is driven by novax.
    NoDevice {
        /// The render nodes looked at and why each did not qualify.
        tried: Vec<(PathBuf, String)>,
    },
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The errno behind the error, if there is one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Ioctl { errno, .. } | Error::Sys { errno, .. } => Some(*errno),
            Error::NoDevice { .. } => None,
        }
    }

    /// A [`Error::Sys`] for `op` from an I/O error.
    pub fn sys(op: impl Into<String>, e: std::io::Error) -> Self {
        Error::Sys {
            op: op.into(),
            errno: e.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Ioctl { ioctl, errno } => write!(f, "{ioctl}: {errno}"),
            Error::Sys { op, errno } => write!(f, "{op}: {errno}"),
            Error::NoDevice { tried } if tried.is_empty() => {
                write!(f, "no novax render node: no renderD* node in /dev/dri")
            }
            Error::NoDevice { tried } => {
                write!(f, "no novax render node among ")?;
                for (i, (path, why)) in tried.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{} ({why})", path.display())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_error_names_ioctl_and_errno() {
        let e = Error::Ioctl {
            ioctl: "GEM_CREATE",
            errno: Errno(libc::EINVAL),
        };
        assert_eq!(e.to_string(), "GEM_CREATE: Invalid argument (EINVAL)");
        assert_eq!(e.errno(), Some(Errno(libc::EINVAL)));
    }

    #[test]
    fn errno_names_used_by_the_driver() {
        for (e, name) in [
            (libc::ENOENT, "ENOENT"),
            (libc::EFAULT, "EFAULT"),
            (libc::ENODEV, "ENODEV"),
            (libc::ETIMEDOUT, "ETIMEDOUT"),
            (libc::EIO, "EIO"),
            (libc::EACCES, "EACCES"),
        ] {
            assert_eq!(Errno(e).name(), Some(name));
            assert!(Errno(e).to_string().ends_with(&format!(" ({name})")));
        }
        assert_eq!(
            Errno(libc::ETIMEDOUT).to_string(),
            "Connection timed out (ETIMEDOUT)"
        );
    }

    #[test]
    fn unknown_errno_still_formats() {
        let s = Errno(4242).to_string();
        assert!(s.ends_with("(errno 4242)"), "{s}");
        assert_eq!(Errno(4242).name(), None);
    }

    #[test]
    fn names_are_unique() {
        for (i, (a, _)) in NAMES.iter().enumerate() {
            assert!(
                NAMES[i + 1..].iter().all(|(b, _)| a != b),
                "duplicate errno {a}"
            );
        }
    }

    #[test]
    fn sys_and_nodevice_errors() {
        let e = Error::sys(
            "open /dev/dri/renderD128",
            std::io::Error::from_raw_os_error(libc::EACCES),
        );
        assert_eq!(
            e.to_string(),
            "open /dev/dri/renderD128: Permission denied (EACCES)"
        );
        let e = Error::NoDevice {
            tried: vec![
                ("/dev/dri/renderD128".into(), "driver vgem".into()),
                (
                    "/dev/dri/renderD129".into(),
                    "Permission denied (EACCES)".into(),
                ),
            ],
        };
        assert_eq!(
            e.to_string(),
            "no novax render node among /dev/dri/renderD128 (driver vgem), \
             /dev/dri/renderD129 (Permission denied (EACCES))"
        );
        assert_eq!(e.errno(), None);
    }
}
