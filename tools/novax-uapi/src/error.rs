// SPDX-License-Identifier: MIT OR Apache-2.0

//! Errors that name what failed, around the `std::io::Error` that says why, e.g.
//! `GEM_CREATE: Invalid argument (os error 22)`.
//!
//! The errno itself is `std::io::Error`'s business (it knows the C library's description and
//! the raw number); this type only adds which ioctl or system call gave it, and the one error
//! that is no errno: no render node driven by novax.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error of the client library.
#[derive(Debug)]
pub enum Error {
    /// An ioctl failed: `GEM_CREATE: Invalid argument (os error 22)`.
    Ioctl {
        /// The ioctl's name without the `DRM_IOCTL_`/`DRM_IOCTL_NOVAX_` prefix.
        ioctl: &'static str,
        /// Why.
        source: io::Error,
    },
    /// Another system call failed: `open /dev/dri/renderD128: Permission denied (os error 13)`.
    Sys {
        /// What was done, e.g. `open /dev/dri/renderD128` or `mmap`.
        op: String,
        /// Why.
        source: io::Error,
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
    /// An [`Error::Ioctl`] for `ioctl`.
    pub fn ioctl(ioctl: &'static str, e: impl Into<io::Error>) -> Self {
        Error::Ioctl {
            ioctl,
            source: e.into(),
        }
    }

    /// An [`Error::Sys`] for `op`.
    pub fn sys(op: impl Into<String>, e: impl Into<io::Error>) -> Self {
        Error::Sys {
            op: op.into(),
            source: e.into(),
        }
    }

    /// The errno behind the error, if there is one.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Ioctl { source, .. } | Error::Sys { source, .. } => source.raw_os_error(),
            Error::NoDevice { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Ioctl { ioctl, source } => write!(f, "{ioctl}: {source}"),
            Error::Sys { op, source } => write!(f, "{op}: {source}"),
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Ioctl { source, .. } | Error::Sys { source, .. } => Some(source),
            Error::NoDevice { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::io::Errno;

    #[test]
    fn ioctl_error_names_ioctl_and_errno() {
        let e = Error::ioctl("GEM_CREATE", Errno::INVAL);
        assert_eq!(e.to_string(), "GEM_CREATE: Invalid argument (os error 22)");
        assert_eq!(e.raw_os_error(), Some(Errno::INVAL.raw_os_error()));
        let source = std::error::Error::source(&e).unwrap().to_string();
        assert_eq!(source, "Invalid argument (os error 22)");
    }

    #[test]
    fn sys_and_nodevice_errors() {
        let e = Error::sys("open /dev/dri/renderD128", Errno::ACCESS);
        assert_eq!(
            e.to_string(),
            "open /dev/dri/renderD128: Permission denied (os error 13)"
        );
        let e = Error::NoDevice {
            tried: vec![
                ("/dev/dri/renderD128".into(), "driver vgem".into()),
                ("/dev/dri/renderD129".into(), "Permission denied".into()),
            ],
        };
        assert_eq!(
            e.to_string(),
            "no novax render node among /dev/dri/renderD128 (driver vgem), \
             /dev/dri/renderD129 (Permission denied)"
        );
        assert_eq!(e.raw_os_error(), None);
        let none = Error::NoDevice { tried: vec![] };
        assert!(none.to_string().ends_with("no renderD* node in /dev/dri"));
    }
}
