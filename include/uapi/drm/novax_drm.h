/* SPDX-License-Identifier: MIT */
/*
 * Copyright (C) 2026 The novax authors
 */
#ifndef __NOVAX_DRM_H__
#define __NOVAX_DRM_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: novax UAPI
 *
 * novax is a DRM render driver for NVIDIA GPUs driven through their GSP firmware. A client opens
 * the render node (``/dev/dri/renderD*``, driver name ``"novax"``) and uses the driver-specific
 * ioctls below. GEM buffer objects are shmem-backed; they are shared between processes with the
 * generic PRIME ioctls and mapped with mmap() at the offset that &DRM_IOCTL_NOVAX_GEM_INFO returns.
 *
 * Every structure has explicit padding and 64-bit alignment so that its layout is the same for
 * 32-bit and 64-bit userspace. Fields documented as "must be zero" are checked by the kernel:
 * anything else is rejected with -EINVAL so that they can be given a meaning later.
 */

/**
 * enum drm_novax_ioctl_nr - novax ioctl numbers, relative to %DRM_COMMAND_BASE
 *
 * An enum rather than macros so that bindgen resolves them; the full request codes are the
 * ``DRM_IOCTL_NOVAX_*`` macros below.
 *
 * @DRM_NOVAX_GETPARAM: query a device parameter, &struct drm_novax_getparam.
 * @DRM_NOVAX_GEM_CREATE: create a GEM buffer object, &struct drm_novax_gem_create.
 * @DRM_NOVAX_GEM_INFO: query a buffer object's size and mmap offset, &struct drm_novax_gem_info.
 * @DRM_NOVAX_GSP_ECHO: send an echo RPC through the GSP queues, &struct drm_novax_gsp_echo.
 */
enum drm_novax_ioctl_nr {
	DRM_NOVAX_GETPARAM = 0x00,
	DRM_NOVAX_GEM_CREATE = 0x01,
	DRM_NOVAX_GEM_INFO = 0x02,
	DRM_NOVAX_GSP_ECHO = 0x03,
};

/**
 * enum drm_novax_getparam_param - parameters for &DRM_IOCTL_NOVAX_GETPARAM
 *
 * @NOVAX_GETPARAM_CHIPSET: the chipset code, ``architecture << 4 | implementation``
 *	(e.g. 0x192 for AD102).
 * @NOVAX_GETPARAM_ARCHITECTURE: the architecture code (0x16 Turing, 0x17 Ampere, 0x18 Hopper,
 *	0x19 Ada, 0x1a/0x1b Blackwell).
 * @NOVAX_GETPARAM_REVISION: the chip revision, ``major << 4 | minor`` (e.g. 0xa1).
 * @NOVAX_GETPARAM_VRAM_BAR_SIZE: size of the VRAM aperture (BAR1) in bytes.
 * @NOVAX_GETPARAM_VRAM_SIZE: size of the video memory in bytes.
 * @NOVAX_GETPARAM_GSP_FW_VERSION: the GSP firmware version,
 *	``major << 32 | minor << 16 | patch``.
 */
enum drm_novax_getparam_param {
	NOVAX_GETPARAM_CHIPSET = 1,
	NOVAX_GETPARAM_ARCHITECTURE = 2,
	NOVAX_GETPARAM_REVISION = 3,
	NOVAX_GETPARAM_VRAM_BAR_SIZE = 4,
	NOVAX_GETPARAM_VRAM_SIZE = 5,
	NOVAX_GETPARAM_GSP_FW_VERSION = 6,
};

/**
 * struct drm_novax_getparam - argument of &DRM_IOCTL_NOVAX_GETPARAM
 *
 * An unknown @param fails with -EINVAL.
 */
struct drm_novax_getparam {
	/** @param: in, one of &enum drm_novax_getparam_param. */
	__u64 param;
	/** @value: out, the parameter's value. */
	__u64 value;
};

/**
 * NOVAX_GEM_MAX_SIZE - the largest buffer object &DRM_IOCTL_NOVAX_GEM_CREATE accepts (1 GiB)
 */
#define NOVAX_GEM_MAX_SIZE (1ULL << 30)

/**
 * struct drm_novax_gem_create - argument of &DRM_IOCTL_NOVAX_GEM_CREATE
 *
 * Creates a shmem-backed buffer object of at least @size bytes. The size is rounded up to a
 * multiple of the page size. A @size of 0 or above %NOVAX_GEM_MAX_SIZE, or nonzero @flags, fail
 * with -EINVAL. The handle is released with the generic &DRM_IOCTL_GEM_CLOSE.
 */
struct drm_novax_gem_create {
	/** @handle: out, the new object's handle. */
	__u32 handle;
	/** @flags: in, must be zero (no flags are defined yet). */
	__u32 flags;
	/** @size: in, the requested size in bytes; out, the rounded-up size. */
	__u64 size;
};

/**
 * struct drm_novax_gem_info - argument of &DRM_IOCTL_NOVAX_GEM_INFO
 *
 * An unknown @handle fails with -ENOENT, a nonzero @pad with -EINVAL.
 */
struct drm_novax_gem_info {
	/** @handle: in, the object's handle. */
	__u32 handle;
	/** @pad: in, must be zero. */
	__u32 pad;
	/** @size: out, the object's size in bytes. */
	__u64 size;
	/** @mmap_offset: out, the offset to pass to mmap() on the DRM file to map the object. */
	__u64 mmap_offset;
};

/**
 * struct drm_novax_gsp_echo - argument of &DRM_IOCTL_NOVAX_GSP_ECHO
 *
 * Sends an echo RPC carrying @cookie to the GSP firmware and waits for the reply. Fails with
 * -ENODEV once the device is gone, -ETIMEDOUT if the GSP does not answer in time, and -EIO if the
 * reply is malformed or does not carry @cookie back.
 *
 * The device has 16 RPC slots. A call made while all 16 are in use waits for a free one; the
 * timeout (the driver's RPC timeout, 2 s by default) covers that wait, the send and the reply.
 * Every wait is interruptible: a signal ends the call with -EINTR. Before the RPC is sent (while
 * waiting for a slot or for room in the command queue) the call is restarted instead if the
 * signal handler was installed with SA_RESTART; once it is sent, the call fails with -EINTR and
 * the late reply is discarded.
 */
struct drm_novax_gsp_echo {
	/**
	 * @cookie: in, any value; out, the value the GSP returned: the same on success; with
	 * -EIO the wrong value a faulty reply carried; unchanged if no reply arrived.
	 */
	__u64 cookie;
	/** @latency_ns: out, round-trip time of the RPC in nanoseconds. */
	__u64 latency_ns;
};

#define DRM_IOCTL_NOVAX_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GETPARAM, struct drm_novax_getparam)
#define DRM_IOCTL_NOVAX_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GEM_CREATE, struct drm_novax_gem_create)
#define DRM_IOCTL_NOVAX_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GEM_INFO, struct drm_novax_gem_info)
#define DRM_IOCTL_NOVAX_GSP_ECHO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GSP_ECHO, struct drm_novax_gsp_echo)

#if defined(__cplusplus)
}
#endif

#endif /* __NOVAX_DRM_H__ */
