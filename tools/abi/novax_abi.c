// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * novax_abi: drive every novax ioctl (and the generic DRM ioctls a novax client uses) and print a
 * transcript of what the kernel answered: values, errnos and data read back, nothing that depends
 * on the process (no addresses, no file descriptors).
 *
 * It is built twice: for x86_64 and as a static i386 binary (gcc -m32). The 32-bit build goes
 * through the kernel's compat ioctl path (drm_compat_ioctl: its own handlers for the generic
 * ioctls whose layout differs, such as DRM_IOCTL_VERSION; straight through for the novax ioctls,
 * whose structures have one layout on both). guest/tests/52-compat32.sh runs both and requires
 * the two transcripts to be identical, so any difference a 32-bit client sees is caught.
 *
 * Usage: novax_abi RENDER_NODE PRIMARY_NODE|-   ("-": render node only, no KMS calls)
 * Exit status: 0 if every call behaved as specified (lines "ok"), 1 otherwise (lines "BAD").
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drm.h"
#include "drm_fourcc.h"
#include "drm_mode.h"
#include "novax_drm.h"

static int bad;

/* One transcript line: "ok"/"BAD", the call, what came back. */
static void line(int good, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line(int good, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", good ? "ok " : "BAD", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!good)
		bad = 1;
}

/* ioctl() returning 0 or the errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ENOTTY: return "ENOTTY";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOMEM: return "ENOMEM";
	case ENODEV: return "ENODEV";
	case EBADF: return "EBADF";
	case EIO: return "EIO";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EEXIST: return "EEXIST";
	case E2BIG: return "E2BIG";
	default: return "other";
	}
}

/* Expect errno @want from a call that returned @got. */
static void expect(const char *what, int got, int want)
{
	line(got == want, what, "%s (want %s)", ename(got), ename(want));
}

static void version(int fd)
{
	char name[32] = "", date[32] = "", desc[128] = "";
	struct drm_version v = {
		.name = name, .name_len = sizeof(name) - 1,
		.date = date, .date_len = sizeof(date) - 1,
		.desc = desc, .desc_len = sizeof(desc) - 1,
	};
	int e = xioctl(fd, DRM_IOCTL_VERSION, &v);

	line(e == 0 && !strcmp(name, "novax"), "VERSION", "%s name=%s %d.%d.%d name_len=%zu desc=%s",
	     ename(e), name, v.version_major, v.version_minor, v.version_patchlevel,
	     (size_t)v.name_len, desc);
}

static void getparams(int fd)
{
	static const uint64_t params[] = {
		NOVAX_GETPARAM_CHIPSET, NOVAX_GETPARAM_ARCHITECTURE, NOVAX_GETPARAM_REVISION,
		NOVAX_GETPARAM_VRAM_BAR_SIZE, NOVAX_GETPARAM_VRAM_SIZE,
		NOVAX_GETPARAM_GSP_FW_VERSION, NOVAX_GETPARAM_VA_BITS,
		NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE, NOVAX_GETPARAM_VM_BIND_OPS_MAX,
		NOVAX_GETPARAM_EXEC_PUSH_MAX, NOVAX_GETPARAM_COPY_CLASS, NOVAX_GETPARAM_SYNCS_MAX,
		NOVAX_GETPARAM_PAGE_SIZES,
	};
	static const uint64_t unknown[] = { 0, 14, 0xffffffffULL, (1ULL << 32) | 1, ~0ULL };
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		struct drm_novax_getparam gp = { .param = params[i] };
		int e = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);

		snprintf(what, sizeof(what), "GETPARAM %llu", (unsigned long long)params[i]);
		line(e == 0 && gp.value != 0, what, "%s value=0x%llx", ename(e), (unsigned long long)gp.value);
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct drm_novax_getparam gp = { .param = unknown[i] };

		snprintf(what, sizeof(what), "GETPARAM 0x%llx", (unsigned long long)unknown[i]);
		expect(what, xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp), EINVAL);
	}
}

/* GEM_CREATE of @size; the handle (0 on failure) and the rounded size in @out_size. */
static uint32_t create(int fd, uint64_t size, uint32_t flags, int want, uint64_t want_size)
{
	struct drm_novax_gem_create c = { .size = size, .flags = flags };
	int e = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c);
	char what[80];

	snprintf(what, sizeof(what), "GEM_CREATE size=0x%llx flags=0x%x", (unsigned long long)size, flags);
	if (want)
		expect(what, e, want);
	else
		line(e == 0 && c.size == want_size && c.handle, what, "%s size=0x%llx", ename(e),
		     (unsigned long long)c.size);
	return e ? 0 : c.handle;
}

static void gem_close(int fd, uint32_t handle, int want)
{
	struct drm_gem_close cl = { .handle = handle };
	char what[40];

	snprintf(what, sizeof(what), "GEM_CLOSE %u", handle);
	expect(what, xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl), want);
}

static void fill(uint32_t *p, size_t words, uint32_t seed)
{
	size_t i;

	for (i = 0; i < words; i++)
		p[i] = seed ^ (uint32_t)(i * 2654435761u);
}

static size_t mismatches(const uint32_t *p, size_t words, uint32_t seed)
{
	size_t i, n = 0;

	for (i = 0; i < words; i++)
		n += p[i] != (seed ^ (uint32_t)(i * 2654435761u));
	return n;
}

static int vm_bind1(int fd, uint32_t op, uint32_t handle, uint64_t addr, uint64_t range)
{
	struct drm_novax_vm_bind_op o = {
		.op = op, .handle = handle, .addr = addr, .range = range,
	};
	struct drm_novax_vm_bind b = {
		.ops = { .stride = sizeof(o), .count = 1, .ptr = (uintptr_t)&o },
	};

	return xioctl(fd, DRM_IOCTL_NOVAX_VM_BIND, &b);
}

/* VM_INIT and VM_BIND: the struct layouts (the same for 32- and 64-bit clients) and errnos. */
static void vm(int fd)
{
	struct drm_novax_gem_create c = { .size = 8 * 4096 };
	struct drm_novax_vm_init init = { .kernel_addr = 1ULL << 32, .kernel_size = 64 << 20 };
	struct drm_novax_vm_init bad = init;
	const uint64_t va = 1ULL << 36;
	int e;

	e = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c);
	line(e == 0, "GEM_CREATE for VM", "%s", ename(e));
	expect("VM_BIND before VM_INIT", vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, c.handle, va, 4096),
	       ENOENT);
	bad.kernel_size = 4096;
	expect("VM_INIT kernel region too small", xioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &bad), EINVAL);
	bad = init;
	bad.pad = 1;
	expect("VM_INIT pad=1", xioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &bad), EINVAL);
	expect("VM_INIT", xioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &init), 0);
	expect("VM_INIT again", xioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &init), EEXIST);
	expect("VM_BIND MAP", vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, c.handle, va, 8 * 4096), 0);
	expect("VM_BIND MAP in the kernel region",
	       vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, c.handle, 1ULL << 32, 4096), EINVAL);
	expect("VM_BIND MAP unknown handle",
	       vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, 0xdead, va, 4096), ENOENT);
	expect("VM_BIND MAP beyond the object",
	       vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, c.handle, va, 9 * 4096), EINVAL);
	expect("VM_BIND UNMAP part", vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, va + 4096, 4096), 0);
	expect("VM_BIND UNMAP all", vm_bind1(fd, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, va, 8 * 4096), 0);
	{
		struct drm_novax_vm_bind b = { .flags = DRM_NOVAX_VM_BIND_ASYNC };

		expect("VM_BIND ASYNC", xioctl(fd, DRM_IOCTL_NOVAX_VM_BIND, &b), EOPNOTSUPP);
	}
}

static void gem(int fd)
{
	struct drm_novax_gem_info info = { 0 };
	const uint64_t size = 3 * 4096;
	uint32_t h, h2, *p, *q;
	int e;

	create(fd, 0, 0, EINVAL, 0);
	create(fd, NOVAX_GEM_MAX_SIZE + 1, 0, EINVAL, 0);
	create(fd, 4096, 1, EINVAL, 0);
	create(fd, 4096, 0x80000000u, EINVAL, 0);
	h2 = create(fd, 1, 0, 0, 4096);
	h = create(fd, size - 100, 0, 0, size);

	info.handle = h;
	e = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	/* The offset is a fake one in the DRM file's address space, above 4 GiB on 64-bit kernels:
	 * a 32-bit client reaches it only with a 64-bit off_t (mmap2). */
	line(e == 0 && info.size == size && info.mmap_offset && !(info.mmap_offset & 4095),
	     "GEM_INFO", "%s size=0x%llx offset-page-aligned=%d offset>=4GiB=%d", ename(e),
	     (unsigned long long)info.size, !(info.mmap_offset & 4095), info.mmap_offset >= (1ULL << 32));
	{
		struct drm_novax_gem_info i2 = { .handle = 0xdead };

		expect("GEM_INFO unknown handle", xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &i2), ENOENT);
		i2.handle = h;
		i2.pad = 1;
		expect("GEM_INFO pad=1", xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &i2), EINVAL);
	}

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)info.mmap_offset);
	line(p != MAP_FAILED && q != MAP_FAILED, "mmap twice", "%s",
	     p == MAP_FAILED || q == MAP_FAILED ? ename(errno) : "0");
	if (p != MAP_FAILED && q != MAP_FAILED) {
		fill(p, size / 4, 0x5a5a0000u);
		line(!mismatches(q, size / 4, 0x5a5a0000u), "write one map, read the other",
		     "%zu of %zu words differ", mismatches(q, size / 4, 0x5a5a0000u),
		     (size_t)(size / 4));
	}
	if (p != MAP_FAILED)
		munmap(p, size);
	if (q != MAP_FAILED)
		munmap(q, size);
	/* Past the object's end: the offset names a mapping of 3 pages, a 4-page map is refused. */
	p = mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, fd, (off_t)info.mmap_offset);
	expect("mmap past the end", p == MAP_FAILED ? errno : 0, EINVAL);
	if (p != MAP_FAILED)
		munmap(p, size + 4096);

	/* PRIME: export, import on the same file (same handle), map the dma-buf. */
	{
		struct drm_prime_handle ph = { .handle = h, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
		struct drm_prime_handle back = { .fd = -1 };
		uint32_t *d;

		e = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		line(e == 0 && ph.fd >= 0, "PRIME_HANDLE_TO_FD", "%s", ename(e));
		if (!e) {
			back.fd = ph.fd;
			e = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &back);
			line(e == 0 && back.handle == h, "PRIME_FD_TO_HANDLE same file",
			     "%s same-handle=%d", ename(e), back.handle == h);
			d = mmap(NULL, size, PROT_READ, MAP_SHARED, ph.fd, 0);
			line(d != MAP_FAILED && !mismatches(d, size / 4, 0x5a5a0000u), "dma-buf mmap",
			     "%s", d == MAP_FAILED ? ename(errno) : mismatches(d, size / 4, 0x5a5a0000u) ?
			     "data differs" : "data matches");
			if (d != MAP_FAILED)
				munmap(d, size);
			close(ph.fd);
		}
		ph.handle = 0xdead;
		ph.fd = -1;
		expect("PRIME_HANDLE_TO_FD unknown handle",
		       xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), ENOENT);
	}

	gem_close(fd, h, 0);
	gem_close(fd, h, EINVAL);
	gem_close(fd, h2, 0);
}

static void echo(int fd)
{
	struct drm_novax_gsp_echo ge = { .cookie = 0x1122334455667788ULL };
	int e = xioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &ge);

	line(e == 0 && ge.cookie == 0x1122334455667788ULL && ge.latency_ns > 0, "GSP_ECHO",
	     "%s cookie=0x%llx latency>0=%d", ename(e), (unsigned long long)ge.cookie, ge.latency_ns > 0);
}

static void unknown_ioctls(int fd)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };

	/* A novax number the driver does not define, and GETPARAM with the wrong direction bits. */
	expect("ioctl 0x3f", xioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f, struct drm_novax_getparam),
				    &gp), EINVAL);
	expect("GETPARAM as _IOW", xioctl(fd, DRM_IOW(DRM_COMMAND_BASE + DRM_NOVAX_GETPARAM,
						      struct drm_novax_getparam), &gp), 0);
}

/* Dumb buffers and framebuffers on the primary node. */
static void kms(int fd)
{
	struct drm_mode_create_dumb cd = { .width = 64, .height = 48, .bpp = 32 };
	struct drm_mode_map_dumb md = { 0 };
	struct drm_mode_fb_cmd2 fb = { 0 };
	struct drm_mode_fb_cmd2 get = { 0 };
	struct drm_mode_destroy_dumb dd = { 0 };
	uint32_t id;
	int e;

	e = xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	line(e == 0 && cd.handle && cd.pitch >= 256 && cd.size >= (uint64_t)cd.pitch * 48,
	     "CREATE_DUMB 64x48x32", "%s pitch=%u size=0x%llx", ename(e), cd.pitch,
	     (unsigned long long)cd.size);
	if (e)
		return;
	md.handle = cd.handle;
	e = xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md);
	line(e == 0 && md.offset && !(md.offset & 4095), "MAP_DUMB", "%s", ename(e));

	fb.width = 64;
	fb.height = 48;
	fb.pixel_format = DRM_FORMAT_XRGB8888;
	fb.handles[0] = cd.handle;
	fb.pitches[0] = cd.pitch;
	e = xioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fb);
	line(e == 0 && fb.fb_id, "ADDFB2 XR24", "%s", ename(e));
	id = fb.fb_id;
	get.fb_id = id;
	e = xioctl(fd, DRM_IOCTL_MODE_GETFB2, &get);
	line(e == 0 && get.width == 64 && get.height == 48 && get.pitches[0] == cd.pitch &&
	     get.pixel_format == DRM_FORMAT_XRGB8888, "GETFB2", "%s %ux%u pitch=%u format=0x%x",
	     ename(e), get.width, get.height, get.pitches[0], get.pixel_format);
	if (get.handles[0]) {
		struct drm_gem_close cl = { .handle = get.handles[0] };

		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	expect("RMFB", xioctl(fd, DRM_IOCTL_MODE_RMFB, &id), 0);
	expect("RMFB again", xioctl(fd, DRM_IOCTL_MODE_RMFB, &id), ENOENT);

	/* A tiled modifier on a linear-only device, and a pitch too small for the width. */
	fb.fb_id = 0;
	fb.flags = DRM_MODE_FB_MODIFIERS;
	fb.modifier[0] = DRM_FORMAT_MOD_NVIDIA_BLOCK_LINEAR_2D(0, 1, 0, 0, 0);
	expect("ADDFB2 block-linear modifier", xioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fb), EINVAL);
	fb.flags = 0;
	fb.modifier[0] = 0;
	fb.pitches[0] = 64 * 4 - 4;
	expect("ADDFB2 short pitch", xioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fb), EINVAL);

	dd.handle = cd.handle;
	expect("DESTROY_DUMB", xioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd), 0);
	expect("DESTROY_DUMB again", xioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd), EINVAL);
}

int main(int argc, char **argv)
{
	int fd, card;

	if (argc != 3) {
		fprintf(stderr, "usage: %s RENDER_NODE PRIMARY_NODE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	card = strcmp(argv[2], "-") ? open(argv[2], O_RDWR | O_CLOEXEC) : -2;
	if (fd < 0 || card == -1) {
		perror("open");
		return 2;
	}
	printf("novax_abi: %zu-bit client, sizeof(drm_version)=%zu, uid %u\n", sizeof(void *) * 8,
	       sizeof(struct drm_version), (unsigned int)getuid());
	version(fd);
	if (card >= 0)
		version(card);
	getparams(fd);
	gem(fd);
	vm(fd);
	echo(fd);
	unknown_ioctls(fd);
	if (card >= 0) {
		kms(card);
		close(card);
	}
	close(fd);
	return bad;
}
