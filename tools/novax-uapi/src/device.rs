// SPDX-License-Identifier: MIT OR Apache-2.0

//! An open novax render node.

use crate::error::{Error, Result};
use crate::ioctl;
use crate::sys::{self, Param};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The DRM driver name novax registers.
pub const DRIVER_NAME: &str = "novax";

/// Where DRM render nodes live.
const DRI_DIR: &str = "/dev/dri";

/// What `DRM_IOCTL_VERSION` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Driver version, major.
    pub major: i32,
    /// Driver version, minor.
    pub minor: i32,
    /// Driver version, patch level.
    pub patchlevel: i32,
    /// Driver name, e.g. `novax`.
    pub name: String,
    /// Driver date.
    pub date: String,
    /// Driver description.
    pub desc: String,
}

/// The result of an echo RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    /// The cookie the GSP sent back.
    pub cookie: u64,
    /// The RPC's round trip as the driver measured it, in nanoseconds.
    pub latency_ns: u64,
}

/// An open novax render node.
#[derive(Debug)]
pub struct Device {
    file: File,
    path: PathBuf,
}

impl AsFd for Device {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl Device {
    /// Opens the first render node (`/dev/dri/renderD*`, in minor order) driven by novax.
    pub fn open() -> Result<Self> {
        let dir = match std::fs::read_dir(DRI_DIR) {
            Ok(d) => d,
            // No DRM device at all (or no devtmpfs): say so rather than "ENOENT".
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoDevice { tried: Vec::new() })
            }
            Err(e) => return Err(Error::sys(format!("read {DRI_DIR}"), e)),
        };
        let mut nodes: Vec<(u32, PathBuf)> = dir
            .filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().into_string().ok()?;
                let minor = name.strip_prefix("renderD")?.parse().ok()?;
                Some((minor, e.path()))
            })
            .collect();
        nodes.sort();
        let mut tried = Vec::new();
        for (_, path) in nodes {
            match Self::open_path(&path) {
                Ok(dev) => return Ok(dev),
                Err(e) => {
                    let why = match e {
                        Error::Sys { errno, .. } | Error::Ioctl { errno, .. } => errno.to_string(),
                        // `open_path` found another driver: keep its reason.
                        Error::NoDevice { mut tried } => {
                            tried.pop().map(|t| t.1).unwrap_or_default()
                        }
                    };
                    tried.push((path, why));
                }
            }
        }
        Err(Error::NoDevice { tried })
    }

    /// Opens `path`, which must be a DRM node driven by novax.
    pub fn open_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| Error::sys(format!("open {}", path.display()), e))?;
        let dev = Self {
            file,
            path: path.to_owned(),
        };
        let v = dev.version()?;
        if v.name != DRIVER_NAME {
            return Err(Error::NoDevice {
                tried: vec![(path.to_owned(), format!("driver {}", v.name))],
            });
        }
        Ok(dev)
    }

    /// The path the device was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The node's minor number (e.g. 128 for `renderD128`).
    pub fn minor(&self) -> Result<u32> {
        let md = self
            .file
            .metadata()
            .map_err(|e| Error::sys(format!("stat {}", self.path.display()), e))?;
        Ok(libc::minor(md.rdev()))
    }

    /// The driver's debugfs directory, `/sys/kernel/debug/dri/<minor>/novax`.
    pub fn debugfs_dir(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(format!(
            "/sys/kernel/debug/dri/{}/novax",
            self.minor()?
        )))
    }

    /// `DRM_IOCTL_VERSION`.
    pub fn version(&self) -> Result<Version> {
        // First call with empty buffers: the kernel fills in the lengths.
        let mut v = sys::drm_version::default();
        // SAFETY: all buffer pointers are NULL with length 0, so the kernel copies no strings.
        unsafe { ioctl::call_raw(self.as_fd(), &ioctl::VERSION, (&raw mut v).cast())? };
        // `__kernel_size_t` is 64 bits here; driver strings are short, so cap what we accept.
        let len = |l: u64| usize::try_from(l).unwrap_or(usize::MAX).min(4096);
        let mut name = vec![0u8; len(v.name_len)];
        let mut date = vec![0u8; len(v.date_len)];
        let mut desc = vec![0u8; len(v.desc_len)];
        (v.name, v.name_len) = (name.as_mut_ptr().cast(), name.len() as u64);
        (v.date, v.date_len) = (date.as_mut_ptr().cast(), date.len() as u64);
        (v.desc, v.desc_len) = (desc.as_mut_ptr().cast(), desc.len() as u64);
        // SAFETY: each pointer is valid for writes of its length, and the kernel copies at most
        // that many bytes.
        unsafe { ioctl::call_raw(self.as_fd(), &ioctl::VERSION, (&raw mut v).cast())? };
        // The kernel reports the full length again; keep what it copied.
        let text = |mut buf: Vec<u8>, full: u64| {
            buf.truncate(len(full));
            String::from_utf8_lossy(&buf).into_owned()
        };
        Ok(Version {
            major: v.version_major,
            minor: v.version_minor,
            patchlevel: v.version_patchlevel,
            name: text(name, v.name_len),
            date: text(date, v.date_len),
            desc: text(desc, v.desc_len),
        })
    }

    /// `DRM_IOCTL_NOVAX_GETPARAM` for a known parameter.
    pub fn getparam(&self, param: Param) -> Result<u64> {
        self.getparam_raw(param.raw())
    }

    /// `DRM_IOCTL_NOVAX_GETPARAM` with any raw parameter number (unknown ones fail, EINVAL).
    pub fn getparam_raw(&self, param: u64) -> Result<u64> {
        let mut arg = sys::drm_novax_getparam { param, value: 0 };
        ioctl::call(self.as_fd(), &ioctl::GETPARAM, &mut arg)?;
        Ok(arg.value)
    }

    /// `DRM_IOCTL_NOVAX_GSP_ECHO`: one echo RPC through the GSP queues. The caller checks that
    /// the returned cookie is the one sent.
    pub fn gsp_echo(&self, cookie: u64) -> Result<Echo> {
        let mut arg = sys::drm_novax_gsp_echo {
            cookie,
            latency_ns: 0,
        };
        ioctl::call(self.as_fd(), &ioctl::GSP_ECHO, &mut arg)?;
        Ok(Echo {
            cookie: arg.cookie,
            latency_ns: arg.latency_ns,
        })
    }
}
