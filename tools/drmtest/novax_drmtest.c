// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Guest client of the novax_drm_selftest module (drivers/gpu/drm/novax/novax_drm_selftest.rs),
 * which exercises the Rust DRM abstractions; guest/tests/20-drm-selftest.sh runs it. Prints one
 * "NOVAX-RESULT PASS|FAIL|SKIP drm-selftest.NAME" line per check (see guest/lib.sh) and exits 1
 * if any failed.
 *
 *   novax_drmtest run NODE      ioctls, GEM objects, mmap and PRIME on the render node NODE,
 *                               and the import of a vgem dma-buf (if vgem is there)
 *   novax_drmtest unplug NODE   open NODE and mark the file so that closing it unplugs the device
 *   novax_drmtest enodev FD     the already open file FD: ioctls fail with ENODEV (unplugged)
 */
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

#include <drm.h>
#include "novax_drm.h"

#define CHIPSET 0x192
#define UNPLUG_COOKIE 0x2147554c504e55ULL

static int failed;

static void result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
	printf("NOVAX-RESULT %s drm-selftest.%s", ok ? "PASS" : "FAIL", name);
	if (!ok && fmt) {
		va_list ap;

		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* ioctl() returning 0 or -errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* The primary node of vgem, or -1. */
static int open_vgem(void)
{
	char path[32], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * Imports a dma-buf of another device (a vgem dumb buffer) into the self-test device: this goes
 * through the driver's gem_prime_import_sg_table hook. The content written through vgem must be
 * visible through a mapping of the imported object.
 */
static void import_foreign(int fd)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 3, .bpp = 32 };
	struct drm_mode_map_dumb mapd = { 0 };
	struct drm_prime_handle prime = { 0 };
	struct drm_novax_gem_info info = { 0 };
	struct drm_gem_close gc = { 0 };
	uint32_t *map;
	int vg, ret, ok;

	vg = open_vgem();
	if (vg < 0) {
		printf("NOVAX-RESULT SKIP drm-selftest.prime-import-foreign (no vgem)\n");
		return;
	}
	ret = xioctl(vg, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	result(ret == 0 && dumb.size == 12288, "vgem-create", "ret %d size %llu", ret,
	       (unsigned long long)dumb.size);
	mapd.handle = dumb.handle;
	ret = xioctl(vg, DRM_IOCTL_MODE_MAP_DUMB, &mapd);
	map = ret ? MAP_FAILED :
		    mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED, vg, mapd.offset);
	ok = map != MAP_FAILED;
	if (ok) {
		map[0] = 0xf0e1d2c3u;
		map[3071] = 0x0badcafeu;
		munmap(map, dumb.size);
	}
	result(ok, "vgem-write", "ret %d: %s", ret, strerror(errno));

	prime.handle = dumb.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = xioctl(vg, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	result(ret == 0, "vgem-export", "ret %d", ret);
	if (ret)
		goto out;
	int dmabuf = prime.fd;

	prime.handle = 0;
	ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime);
	result(ret == 0 && prime.handle != 0, "prime-import-foreign", "ret %d", ret);
	close(dmabuf);
	if (ret)
		goto out;
	info.handle = prime.handle;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	result(ret == 0 && info.size == dumb.size, "prime-import-foreign-info",
	       "ret %d size %llu", ret, (unsigned long long)info.size);
	map = ret ? MAP_FAILED : mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, info.mmap_offset);
	ok = map != MAP_FAILED && map[0] == 0xf0e1d2c3u && map[3071] == 0x0badcafeu;
	if (map != MAP_FAILED)
		munmap(map, info.size);
	result(ok, "prime-import-foreign-mmap", "mmap/compare failed: %s", strerror(errno));
	gc.handle = prime.handle;
	ret = xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	result(ret == 0, "prime-import-foreign-close", "ret %d", ret);
out:
	close(vg);
}

static void run(const char *node)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct drm_novax_gem_create cr = { .size = 5000 };
	struct drm_novax_gem_info info = { 0 };
	struct drm_novax_gsp_echo echo = { .cookie = 0x1234567890abcdefULL };
	struct drm_gem_close gc = { 0 };
	struct drm_prime_handle prime = { 0 };
	uint32_t *map;
	int fd, ret, i, ok;

	fd = open(node, O_RDWR | O_CLOEXEC);
	result(fd >= 0, "open", "open %s: %s", node, strerror(errno));
	if (fd < 0)
		return;

	ret = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	result(ret == 0 && gp.value == CHIPSET, "getparam", "ret %d value %#llx", ret,
	       (unsigned long long)gp.value);
	gp.param = 99;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	result(ret == -EINVAL, "getparam-einval", "ret %d", ret);
	gp.param = NOVAX_GETPARAM_VRAM_SIZE; /* the self-test's count of opens */
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	result(ret == 0 && gp.value >= 1, "getparam-opens", "ret %d value %llu", ret,
	       (unsigned long long)gp.value);

	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &cr);
	result(ret == 0 && cr.handle != 0 && cr.size == 8192, "gem-create",
	       "ret %d handle %u size %llu", ret, cr.handle, (unsigned long long)cr.size);
	struct drm_novax_gem_create bad = { .size = 0 };
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &bad);
	result(ret == -EINVAL, "gem-create-einval", "ret %d", ret);

	info.handle = cr.handle;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	result(ret == 0 && info.size == 8192 && info.mmap_offset != 0 &&
	       info.mmap_offset % 4096 == 0, "gem-info", "ret %d size %llu offset %#llx", ret,
	       (unsigned long long)info.size, (unsigned long long)info.mmap_offset);
	struct drm_novax_gem_info noent = { .handle = cr.handle + 100 };
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &noent);
	result(ret == -ENOENT, "gem-info-enoent", "ret %d", ret);

	/* Write through one mapping, read through another. */
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	ok = map != MAP_FAILED;
	if (ok) {
		for (i = 0; i < 2048; i++)
			map[i] = 0x5e1f0000u + i;
		munmap(map, 8192);
		map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, info.mmap_offset);
		ok = map != MAP_FAILED;
		for (i = 0; ok && i < 2048; i++)
			ok = map[i] == 0x5e1f0000u + i;
		if (map != MAP_FAILED)
			munmap(map, 8192);
	}
	result(ok, "gem-mmap", "mmap/compare failed: %s", strerror(errno));

	/* PRIME: export as a dma-buf and import it again: the same object, the same handle. */
	prime.handle = cr.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	result(ret == 0 && prime.fd >= 0, "prime-export", "ret %d fd %d", ret, prime.fd);
	if (ret == 0) {
		int dmabuf = prime.fd;

		prime.handle = 0;
		ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime);
		result(ret == 0 && prime.handle == cr.handle, "prime-import",
		       "ret %d handle %u (exported %u)", ret, prime.handle, cr.handle);
		map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, dmabuf, 0);
		ok = map != MAP_FAILED && map[7] == 0x5e1f0007u;
		if (map != MAP_FAILED)
			munmap(map, 8192);
		result(ok, "prime-mmap", "dma-buf mmap failed: %s", strerror(errno));
		close(dmabuf);
	}

	ret = xioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &echo);
	result(ret == 0 && echo.cookie == 0x1234567890abcdefULL, "gsp-echo", "ret %d", ret);

	gc.handle = cr.handle;
	ret = xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	result(ret == 0, "gem-close", "ret %d", ret);
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	result(ret == -ENOENT, "gem-info-after-close", "ret %d", ret);

	import_foreign(fd);

	/* A handle left open: freed when the file is closed. */
	struct drm_novax_gem_create left = { .size = 4096 };
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &left);
	result(ret == 0, "gem-create-left-open", "ret %d", ret);
	close(fd);
}

static void unplug(const char *node)
{
	struct drm_novax_gsp_echo echo = { .cookie = UNPLUG_COOKIE };
	int fd, ret;

	fd = open(node, O_RDWR | O_CLOEXEC);
	result(fd >= 0, "unplug-open", "open %s: %s", node, strerror(errno));
	if (fd < 0)
		return;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &echo);
	result(ret == 0, "unplug-mark", "ret %d", ret);
	close(fd);
}

static void enodev(int fd)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct drm_novax_gem_create cr = { .size = 4096 };
	int ret;

	ret = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	result(ret == -ENODEV && gp.value == 0, "enodev-getparam", "ret %d", ret);
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &cr);
	result(ret == -ENODEV, "enodev-gem-create", "ret %d", ret);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "run"))
		run(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "unplug"))
		unplug(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "enodev"))
		enodev(atoi(argv[2]));
	else {
		fprintf(stderr, "usage: %s run NODE | unplug NODE | enodev FD\n", argv[0]);
		return 2;
	}
	return failed;
}
