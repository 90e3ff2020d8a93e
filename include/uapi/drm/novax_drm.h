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
 * @DRM_NOVAX_VM_INIT: create the file's GPU VA space, &struct drm_novax_vm_init.
 * @DRM_NOVAX_VM_BIND: map and unmap buffer objects in it, &struct drm_novax_vm_bind.
 */
enum drm_novax_ioctl_nr {
	DRM_NOVAX_GETPARAM = 0x00,
	DRM_NOVAX_GEM_CREATE = 0x01,
	DRM_NOVAX_GEM_INFO = 0x02,
	DRM_NOVAX_GSP_ECHO = 0x03,
	DRM_NOVAX_VM_INIT = 0x04,
	DRM_NOVAX_VM_BIND = 0x05,
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
 * @NOVAX_GETPARAM_VA_BITS: the width of GPU virtual addresses (49: GMMU version 2).
 * @NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE: the smallest kernel region &DRM_IOCTL_NOVAX_VM_INIT
 *	accepts, in bytes.
 * @NOVAX_GETPARAM_VM_BIND_OPS_MAX: the most operations one &DRM_IOCTL_NOVAX_VM_BIND takes.
 * @NOVAX_GETPARAM_EXEC_PUSH_MAX: the most push buffers one submission will take.
 * @NOVAX_GETPARAM_COPY_CLASS: the copy engine's class (e.g. 0xc7b5 on Ampere and Ada).
 * @NOVAX_GETPARAM_SYNCS_MAX: the most waits, and the most signals, one ioctl takes.
 * @NOVAX_GETPARAM_PAGE_SIZES: the GPU page sizes the VA space uses, a bit mask of the sizes
 *	(``1 << 12 | 1 << 16``: 4 KiB and 64 KiB).
 */
enum drm_novax_getparam_param {
	NOVAX_GETPARAM_CHIPSET = 1,
	NOVAX_GETPARAM_ARCHITECTURE = 2,
	NOVAX_GETPARAM_REVISION = 3,
	NOVAX_GETPARAM_VRAM_BAR_SIZE = 4,
	NOVAX_GETPARAM_VRAM_SIZE = 5,
	NOVAX_GETPARAM_GSP_FW_VERSION = 6,
	NOVAX_GETPARAM_VA_BITS = 7,
	NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE = 8,
	NOVAX_GETPARAM_VM_BIND_OPS_MAX = 9,
	NOVAX_GETPARAM_EXEC_PUSH_MAX = 10,
	NOVAX_GETPARAM_COPY_CLASS = 11,
	NOVAX_GETPARAM_SYNCS_MAX = 12,
	NOVAX_GETPARAM_PAGE_SIZES = 13,
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

/**
 * struct drm_novax_array - an array of structures in userspace
 *
 * @stride tells the kernel how large userspace thinks each element is, so that elements can
 * grow: a @stride below the first version's size fails with -EINVAL; a larger one is accepted
 * if the bytes the kernel does not know are zero, else -E2BIG (``copy_struct_from_user()``
 * semantics, element by element).
 */
struct drm_novax_array {
	/** @stride: in, the size of one element in bytes. */
	__u32 stride;
	/** @count: in, the number of elements. */
	__u32 count;
	/** @ptr: in, the user address of the first element. */
	__u64 ptr;
};

/** DRM_NOVAX_SYNC_SYNCOBJ - &drm_novax_sync.flags type: a binary syncobj */
#define DRM_NOVAX_SYNC_SYNCOBJ 0
/** DRM_NOVAX_SYNC_TIMELINE - &drm_novax_sync.flags type: a point on a timeline syncobj */
#define DRM_NOVAX_SYNC_TIMELINE 1
/** DRM_NOVAX_SYNC_TYPE_MASK - &drm_novax_sync.flags: the bits that hold the type */
#define DRM_NOVAX_SYNC_TYPE_MASK 0xf

/**
 * struct drm_novax_sync - a syncobj to wait on or to signal
 */
struct drm_novax_sync {
	/** @flags: in, the type in bits 3:0 (``DRM_NOVAX_SYNC_*``); the other bits must be zero. */
	__u32 flags;
	/** @handle: in, the syncobj's handle. */
	__u32 handle;
	/** @point: in, the timeline point; 0 for a binary syncobj. */
	__u64 point;
};

/**
 * struct drm_novax_vm_init - argument of &DRM_IOCTL_NOVAX_VM_INIT
 *
 * Creates the file's GPU virtual address space: [0, 2^%NOVAX_GETPARAM_VA_BITS). Each open file
 * has at most one, created before any bind: a second call fails with -EEXIST.
 *
 * [@kernel_addr, @kernel_addr + @kernel_size) is the kernel region, which the driver manages
 * (channel rings and semaphores) and userspace cannot bind into. It must be 4 KiB-aligned, at
 * least %NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE long and end at or below 2^40 (Host semaphore and
 * GP-entry addresses have 40 bits), else -EINVAL; nonzero @flags or @pad too. -ENODEV once the
 * device is gone.
 */
struct drm_novax_vm_init {
	/** @kernel_addr: in, the start of the kernel region. */
	__u64 kernel_addr;
	/** @kernel_size: in, its size in bytes. */
	__u64 kernel_size;
	/** @flags: in, must be zero. */
	__u32 flags;
	/** @pad: in, must be zero. */
	__u32 pad;
};

/** DRM_NOVAX_VM_BIND_OP_MAP - &drm_novax_vm_bind_op.op: map a range of an object */
#define DRM_NOVAX_VM_BIND_OP_MAP 0
/** DRM_NOVAX_VM_BIND_OP_UNMAP - &drm_novax_vm_bind_op.op: unmap a range */
#define DRM_NOVAX_VM_BIND_OP_UNMAP 1
/** DRM_NOVAX_VM_BIND_READ_ONLY - &drm_novax_vm_bind_op.flags: the GPU may only read (MAP) */
#define DRM_NOVAX_VM_BIND_READ_ONLY (1 << 0)

/**
 * struct drm_novax_vm_bind_op - one operation of &DRM_IOCTL_NOVAX_VM_BIND
 *
 * MAP maps [@bo_offset, @bo_offset + @range) of the object @handle at [@addr, @addr + @range),
 * replacing whatever was mapped there (mappings it overlaps are split, their other parts stay).
 * The mapping keeps the object alive after its handle is closed; its pages are pinned while
 * they are mapped. 64 KiB GPU pages are used where address, offset and size allow.
 *
 * UNMAP unmaps whatever is mapped in [@addr, @addr + @range) (nothing mapped is no error);
 * @handle and @bo_offset must be zero.
 *
 * @addr, @bo_offset and @range must be 4 KiB-aligned, @range nonzero, the range below
 * 2^%NOVAX_GETPARAM_VA_BITS and outside the kernel region, and @bo_offset + @range within the
 * object, else -EINVAL. An unknown @handle fails with -ENOENT.
 */
struct drm_novax_vm_bind_op {
	/** @op: in, ``DRM_NOVAX_VM_BIND_OP_*``. */
	__u32 op;
	/** @flags: in, ``DRM_NOVAX_VM_BIND_READ_ONLY`` for MAP; zero for UNMAP. */
	__u32 flags;
	/** @handle: in, the object to map (MAP); zero (UNMAP). */
	__u32 handle;
	/** @pad: in, must be zero. */
	__u32 pad;
	/** @addr: in, the GPU virtual address. */
	__u64 addr;
	/** @bo_offset: in, the offset in the object (MAP); zero (UNMAP). */
	__u64 bo_offset;
	/** @range: in, the size in bytes. */
	__u64 range;
};

/** DRM_NOVAX_VM_BIND_ASYNC - &drm_novax_vm_bind.flags: run the bind asynchronously */
#define DRM_NOVAX_VM_BIND_ASYNC (1 << 0)

/**
 * struct drm_novax_vm_bind - argument of &DRM_IOCTL_NOVAX_VM_BIND
 *
 * Runs the operations of @ops in order. The bind is all or nothing: if any operation fails,
 * nothing changes. A synchronous bind has taken effect for the GPU when the ioctl returns.
 *
 * Errors: -ENOENT before &DRM_IOCTL_NOVAX_VM_INIT; -EINVAL for a nonzero @pad, an unknown flag
 * or a bad operation (see &struct drm_novax_vm_bind_op); -E2BIG for more than
 * %NOVAX_GETPARAM_VM_BIND_OPS_MAX operations or a larger stride with nonzero extra bytes;
 * -EFAULT for a bad pointer; -EOPNOTSUPP for %DRM_NOVAX_VM_BIND_ASYNC or nonempty @waits or
 * @signals (not supported yet); -ENODEV once the device is gone.
 */
struct drm_novax_vm_bind {
	/** @flags: in, ``DRM_NOVAX_VM_BIND_*``. */
	__u32 flags;
	/** @pad: in, must be zero. */
	__u32 pad;
	/** @ops: in, an array of &struct drm_novax_vm_bind_op. */
	struct drm_novax_array ops;
	/** @waits: in, an array of &struct drm_novax_sync to wait on first. */
	struct drm_novax_array waits;
	/** @signals: in, an array of &struct drm_novax_sync to signal when done. */
	struct drm_novax_array signals;
};

#define DRM_IOCTL_NOVAX_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GETPARAM, struct drm_novax_getparam)
#define DRM_IOCTL_NOVAX_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GEM_CREATE, struct drm_novax_gem_create)
#define DRM_IOCTL_NOVAX_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GEM_INFO, struct drm_novax_gem_info)
#define DRM_IOCTL_NOVAX_GSP_ECHO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_GSP_ECHO, struct drm_novax_gsp_echo)
#define DRM_IOCTL_NOVAX_VM_INIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_VM_INIT, struct drm_novax_vm_init)
#define DRM_IOCTL_NOVAX_VM_BIND \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVAX_VM_BIND, struct drm_novax_vm_bind)

#if defined(__cplusplus)
}
#endif

#endif /* __NOVAX_DRM_H__ */
