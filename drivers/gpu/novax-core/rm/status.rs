// SPDX-License-Identifier: GPL-2.0

//! NV status codes (open-gpu-kernel-modules' `nvstatuscodes.h`) and the errnos they become.
//!
//! nouveau turns `NOT_READY` and `TIMEOUT_RETRY` into `EBUSY`, `NO_MEMORY` into `ENOMEM` and
//! everything else into `EINVAL` (`r535_rpc_status_to_errno`). novax keeps the first two and
//! `INVALID_ARGUMENT` → `EINVAL`, adds `INSUFFICIENT_RESOURCES` → `ENOSPC`, and reports the
//! rest (a bad handle, parent, class or parameter struct: the driver and the firmware disagree,
//! which no user argument caused) as `EIO`, logged by name.

use kernel::prelude::*;

/// Success.
pub(crate) const NV_OK: u32 = 0x00;
/// The handle is in use in that client.
pub(crate) const NV_ERR_INSERT_DUPLICATE_NAME: u32 = 0x19;
/// A limit of RM's was reached.
pub(crate) const NV_ERR_INSUFFICIENT_RESOURCES: u32 = 0x1a;
/// A parameter's value.
pub(crate) const NV_ERR_INVALID_ARGUMENT: u32 = 0x1f;
/// No such class.
pub(crate) const NV_ERR_INVALID_CLASS: u32 = 0x22;
/// No such client.
pub(crate) const NV_ERR_INVALID_CLIENT: u32 = 0x23;
/// Not an object of the right kind.
pub(crate) const NV_ERR_INVALID_OBJECT: u32 = 0x31;
/// A handle that cannot be used.
pub(crate) const NV_ERR_INVALID_OBJECT_HANDLE: u32 = 0x33;
/// The parent cannot have such a child.
pub(crate) const NV_ERR_INVALID_OBJECT_PARENT: u32 = 0x36;
/// `paramsSize` is not the parameter struct's size.
pub(crate) const NV_ERR_INVALID_PARAM_STRUCT: u32 = 0x3a;
/// Out of memory.
pub(crate) const NV_ERR_NO_MEMORY: u32 = 0x51;
/// Try again.
pub(crate) const NV_ERR_NOT_READY: u32 = 0x55;
/// Not implemented.
pub(crate) const NV_ERR_NOT_SUPPORTED: u32 = 0x56;
/// No such object.
pub(crate) const NV_ERR_OBJECT_NOT_FOUND: u32 = 0x57;
/// Try again.
pub(crate) const NV_ERR_TIMEOUT_RETRY: u32 = 0x66;

/// The name of a status, for logs.
pub(crate) fn name(status: u32) -> &'static str {
    match status {
        NV_OK => "NV_OK",
        NV_ERR_INSERT_DUPLICATE_NAME => "NV_ERR_INSERT_DUPLICATE_NAME",
        NV_ERR_INSUFFICIENT_RESOURCES => "NV_ERR_INSUFFICIENT_RESOURCES",
        NV_ERR_INVALID_ARGUMENT => "NV_ERR_INVALID_ARGUMENT",
        NV_ERR_INVALID_CLASS => "NV_ERR_INVALID_CLASS",
        NV_ERR_INVALID_CLIENT => "NV_ERR_INVALID_CLIENT",
        NV_ERR_INVALID_OBJECT => "NV_ERR_INVALID_OBJECT",
        NV_ERR_INVALID_OBJECT_HANDLE => "NV_ERR_INVALID_OBJECT_HANDLE",
        NV_ERR_INVALID_OBJECT_PARENT => "NV_ERR_INVALID_OBJECT_PARENT",
        NV_ERR_INVALID_PARAM_STRUCT => "NV_ERR_INVALID_PARAM_STRUCT",
        NV_ERR_NO_MEMORY => "NV_ERR_NO_MEMORY",
        NV_ERR_NOT_READY => "NV_ERR_NOT_READY",
        NV_ERR_NOT_SUPPORTED => "NV_ERR_NOT_SUPPORTED",
        NV_ERR_OBJECT_NOT_FOUND => "NV_ERR_OBJECT_NOT_FOUND",
        NV_ERR_TIMEOUT_RETRY => "NV_ERR_TIMEOUT_RETRY",
        _ => "an unknown NV status",
    }
}

/// The errno of a status (`Ok` for `NV_OK`).
pub(crate) fn to_result(status: u32) -> Result {
    match status {
        NV_OK => Ok(()),
        NV_ERR_NOT_READY | NV_ERR_TIMEOUT_RETRY => Err(EBUSY),
        NV_ERR_NO_MEMORY => Err(ENOMEM),
        NV_ERR_INSUFFICIENT_RESOURCES => Err(ENOSPC),
        NV_ERR_INVALID_ARGUMENT => Err(EINVAL),
        _ => Err(EIO),
    }
}
