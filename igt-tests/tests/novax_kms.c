// SPDX-License-Identifier: MIT
/*
 * novax_kms: the primary node's mode configuration. novax does not drive the display engine,
 * but registers a mode configuration without CRTCs, planes, encoders or connectors, so that KMS
 * clients which enumerate display devices (drm_info) see the device, and offers what a
 * display-capable GPU with nothing attached offers: dumb buffers and linear framebuffers of
 * 1x1 to 16384x16384 on GEM objects. These subtests pin down what it answers, bad input
 * included: empty resource lists, dumb buffers and framebuffers, no atomic modesetting, and no
 * KMS on the render node.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drmMode.h>

/* The device (sysfs path) behind the DRM node FD. */
static char *node_device(int fd)
{
	char link[64], *path;
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device", major(st.st_rdev),
		 minor(st.st_rdev));
	path = realpath(link, NULL);
	igt_assert_f(path, "%s: %m\n", link);
	return path;
}

static struct drm_mode_fb_cmd2 fb_cmd(uint32_t handle, uint32_t width, uint32_t height)
{
	struct drm_mode_fb_cmd2 f = {
		.width = width,
		.height = height,
		.pixel_format = DRM_FORMAT_XRGB8888,
	};

	f.handles[0] = handle;
	f.pitches[0] = width * 4;
	return f;
}

static int __dumb_create(int fd, struct drm_mode_create_dumb *d)
{
	return igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, d) ? -errno : 0;
}

static struct drm_mode_create_dumb dumb_create(int fd, uint32_t width, uint32_t height,
					       uint32_t bpp)
{
	struct drm_mode_create_dumb d = { .width = width, .height = height, .bpp = bpp };

	do_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
	igt_assert_neq(d.handle, 0);
	return d;
}

/* Maps a dumb buffer (MAP_DUMB) for reading and writing. */
static void *dumb_map(int fd, uint32_t handle, size_t size)
{
	struct drm_mode_map_dumb map = { .handle = handle };
	void *p;

	do_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	igt_assert_neq_u64(map.offset, 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	igt_assert_f(p != MAP_FAILED, "mmap of dumb handle %u: %m\n", handle);
	return p;
}

static void dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	do_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
}

static uint32_t addfb2(int fd, struct drm_mode_fb_cmd2 *f)
{
	do_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, f);
	igt_assert_neq(f->fb_id, 0);
	return f->fb_id;
}

static void rmfb(int fd, uint32_t id)
{
	do_ioctl(fd, DRM_IOCTL_MODE_RMFB, &id);
}

static int count_fbs(int fd)
{
	drmModeResPtr res = drmModeGetResources(fd);
	int n;

	igt_assert_f(res, "drmModeGetResources: %m\n");
	n = res->count_fbs;
	drmModeFreeResources(res);
	return n;
}

igt_main
{
	int fd = -1;

	igt_fixture
		fd = drm_open_novax_primary();

	igt_describe("The primary node belongs to novax and to the same device as the render "
		     "node.");
	igt_subtest("primary-node") {
		int render = drm_open_novax_render();
		char *a = node_device(fd), *b = node_device(render);

		igt_assert_f(!strcmp(a, b), "primary on %s, render on %s\n", a, b);
		igt_assert_lt(novax_render_minor(fd), 64);
		free(a);
		free(b);
		close(render);
	}

	igt_describe("GETRESOURCES succeeds with no CRTCs, encoders, connectors or framebuffers "
		     "and the display engine's framebuffer size range, 1x1 to 16384x16384.");
	igt_subtest("getresources-empty") {
		drmModeResPtr res = drmModeGetResources(fd);

		igt_assert_f(res, "drmModeGetResources: %m\n");
		igt_assert_eq(res->count_crtcs, 0);
		igt_assert_eq(res->count_encoders, 0);
		igt_assert_eq(res->count_connectors, 0);
		igt_assert_eq(res->count_fbs, 0);
		igt_assert_eq(res->min_width, 1);
		igt_assert_eq(res->max_width, 16384);
		igt_assert_eq(res->min_height, 1);
		igt_assert_eq(res->max_height, 16384);
		drmModeFreeResources(res);
	}

	igt_describe("Universal planes can be enabled, and there are no planes.");
	igt_subtest("planes-empty") {
		drmModePlaneResPtr planes;

		igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);
		planes = drmModeGetPlaneResources(fd);
		igt_assert_f(planes, "drmModeGetPlaneResources: %m\n");
		igt_assert_eq(planes->count_planes, 0);
		drmModeFreePlaneResources(planes);
	}

	igt_describe("Looking up a KMS object by id fails with ENOENT: there are none.");
	igt_subtest("no-objects") {
		struct drm_mode_crtc crtc = { .crtc_id = 1 };
		struct drm_mode_get_connector conn = { .connector_id = 1 };
		struct drm_mode_get_plane plane = { .plane_id = 1 };

		do_ioctl_err(fd, DRM_IOCTL_MODE_GETCRTC, &crtc, ENOENT);
		do_ioctl_err(fd, DRM_IOCTL_MODE_GETCONNECTOR, &conn, ENOENT);
		do_ioctl_err(fd, DRM_IOCTL_MODE_GETPLANE, &plane, ENOENT);
	}

	igt_describe("Dumb buffers and framebuffer modifiers (linear) are advertised.");
	igt_subtest("caps") {
		uint64_t value = 0;

		igt_assert_eq(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &value), 0);
		igt_assert_eq_u64(value, 1);
		value = 0;
		igt_assert_eq(drmGetCap(fd, DRM_CAP_ADDFB2_MODIFIERS, &value), 0);
		igt_assert_eq_u64(value, 1);
	}

	igt_describe("CREATE_DUMB gives linear buffers with 256-byte aligned lines in page-sized "
		     "objects, at 8, 16 and 32 bpp.");
	igt_subtest("dumb-create") {
		const struct { uint32_t w, h, bpp, pitch; uint64_t size; } cases[] = {
			{ 64, 64, 32, 256, 16384 },
			{ 1, 1, 32, 256, 4096 },
			{ 1920, 1080, 32, 7680, 7680 * 1080 },
			{ 100, 3, 16, 256, 4096 },
			{ 1000, 10, 8, 1024, 12288 },
			{ 16384, 2, 32, 65536, 131072 },
		};

		for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct drm_mode_create_dumb d =
				dumb_create(fd, cases[i].w, cases[i].h, cases[i].bpp);
			struct drm_novax_gem_info info = novax_gem_info(fd, d.handle);

			igt_assert_eq_u32(d.pitch, cases[i].pitch);
			igt_assert_eq_u64(d.size, cases[i].size);
			/* A dumb buffer is an ordinary novax GEM object of that size. */
			igt_assert_eq_u64(info.size, cases[i].size);
			dumb_destroy(fd, d.handle);
		}
	}

	igt_describe("CREATE_DUMB refuses bad input with EINVAL: bpp other than 8, 16 or 32, a "
		     "zero width, height or bpp, and sizes that overflow; nothing is created.");
	igt_subtest("dumb-invalid") {
		const uint32_t bad[][3] = {
			{ 64, 64, 24 }, { 64, 64, 0 }, { 64, 64, 1 }, { 64, 64, 33 },
			{ 64, 64, 64 }, { 64, 64, 0xffffffff }, { 0, 64, 32 }, { 64, 0, 32 },
			{ 0x40000000, 1, 32 }, { 65536, 65536, 32 },
		};
		struct drm_mode_create_dumb d;

		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&d, 0, sizeof(d));
			d.width = bad[i][0];
			d.height = bad[i][1];
			d.bpp = bad[i][2];
			igt_assert_f(__dumb_create(fd, &d) == -EINVAL,
				     "%ux%u@%u: %m, expected EINVAL\n", d.width, d.height, d.bpp);
			igt_assert_eq(d.handle, 0);
		}
	}

	igt_describe("A dumb buffer is mapped through MAP_DUMB and keeps what is written; after "
		     "DESTROY_DUMB its handle is gone: MAP_DUMB fails with ENOENT, a second "
		     "DESTROY_DUMB with EINVAL (the DRM core's answer, as for GEM_CLOSE).");
	igt_subtest("dumb-map") {
		struct drm_mode_create_dumb d = dumb_create(fd, 256, 256, 32);
		struct drm_mode_map_dumb map = { .handle = d.handle };
		struct drm_mode_destroy_dumb destroy = { .handle = d.handle };
		void *p = dumb_map(fd, d.handle, d.size), *q;

		novax_fill(p, d.size, 0xd0b);
		q = dumb_map(fd, d.handle, d.size);
		igt_assert_eq(novax_check(q, d.size, 0xd0b), -1);
		munmap(q, d.size);
		munmap(p, d.size);
		dumb_destroy(fd, d.handle);
		do_ioctl_err(fd, DRM_IOCTL_MODE_MAP_DUMB, &map, ENOENT);
		do_ioctl_err(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy, EINVAL);
	}

	igt_describe("ADDFB2 on a dumb buffer and on a novax GEM object gives framebuffers that "
		     "GETFB2 describes as created, with a handle to the same memory; RMFB removes "
		     "them (a second RMFB and a GETFB2 fail with ENOENT).");
	igt_subtest("addfb2-getfb2-rmfb") {
		struct drm_mode_create_dumb d = dumb_create(fd, 640, 480, 32);
		uint32_t bo = novax_gem_create(fd, 1 << 20, NULL);
		struct drm_mode_fb_cmd2 f = fb_cmd(d.handle, 640, 480), g, get;
		uint32_t ids[2], id;
		void *p = dumb_map(fd, d.handle, d.size), *q;

		f.pitches[0] = d.pitch;
		ids[0] = addfb2(fd, &f);
		g = fb_cmd(bo, 256, 256);
		g.pixel_format = DRM_FORMAT_RGB565;
		g.pitches[0] = 512;
		g.offsets[0] = 4096;
		ids[1] = addfb2(fd, &g);
		igt_assert_neq(ids[0], ids[1]);
		igt_assert_eq(count_fbs(fd), 2);

		memset(&get, 0, sizeof(get));
		get.fb_id = ids[0];
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get);
		igt_assert_eq_u32(get.width, 640);
		igt_assert_eq_u32(get.height, 480);
		igt_assert_eq_u32(get.pixel_format, DRM_FORMAT_XRGB8888);
		igt_assert_eq_u32(get.pitches[0], d.pitch);
		igt_assert_eq_u32(get.offsets[0], 0);
		igt_assert_neq(get.handles[0], 0);
		/* The handle GETFB2 made names the dumb buffer: it maps to what was written. */
		novax_fill(p, d.size, 0xfb2);
		q = novax_gem_mmap(fd, get.handles[0], d.size, PROT_READ);
		igt_assert_eq(novax_check(q, d.size, 0xfb2), -1);
		munmap(q, d.size);
		gem_close(fd, get.handles[0]);

		memset(&get, 0, sizeof(get));
		get.fb_id = ids[1];
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get);
		igt_assert_eq_u32(get.pixel_format, DRM_FORMAT_RGB565);
		igt_assert_eq_u32(get.pitches[0], 512);
		igt_assert_eq_u32(get.offsets[0], 4096);
		gem_close(fd, get.handles[0]);

		for (unsigned int i = 0; i < 2; i++) {
			id = ids[i];
			rmfb(fd, id);
			do_ioctl_err(fd, DRM_IOCTL_MODE_RMFB, &id, ENOENT);
			memset(&get, 0, sizeof(get));
			get.fb_id = id;
			do_ioctl_err(fd, DRM_IOCTL_MODE_GETFB2, &get, ENOENT);
		}
		igt_assert_eq(count_fbs(fd), 0);
		munmap(p, d.size);
		dumb_destroy(fd, d.handle);
		gem_close(fd, bo);
	}

	igt_describe("Legacy ADDFB (bpp/depth) and GETFB: 32/24 is XRGB8888, 16/16 RGB565; an "
		     "unknown bpp/depth pair fails with EINVAL.");
	igt_subtest("addfb-getfb") {
		struct drm_mode_create_dumb d = dumb_create(fd, 320, 200, 32);
		struct drm_mode_fb_cmd f = { .width = 320, .height = 200, .pitch = d.pitch,
					     .bpp = 32, .depth = 24, .handle = d.handle };
		struct drm_mode_fb_cmd get = {};
		struct drm_mode_fb_cmd2 get2 = {};

		do_ioctl(fd, DRM_IOCTL_MODE_ADDFB, &f);
		igt_assert_neq(f.fb_id, 0);
		get.fb_id = f.fb_id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB, &get);
		igt_assert_eq_u32(get.width, 320);
		igt_assert_eq_u32(get.height, 200);
		igt_assert_eq_u32(get.pitch, d.pitch);
		igt_assert_eq_u32(get.bpp, 32);
		igt_assert_eq_u32(get.depth, 24);
		igt_assert_neq(get.handle, 0);
		gem_close(fd, get.handle);
		get2.fb_id = f.fb_id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get2);
		igt_assert_eq_u32(get2.pixel_format, DRM_FORMAT_XRGB8888);
		gem_close(fd, get2.handles[0]);
		rmfb(fd, f.fb_id);

		f.fb_id = 0;
		f.bpp = 16;
		f.depth = 16;
		do_ioctl(fd, DRM_IOCTL_MODE_ADDFB, &f);
		get2.fb_id = f.fb_id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get2);
		igt_assert_eq_u32(get2.pixel_format, DRM_FORMAT_RGB565);
		gem_close(fd, get2.handles[0]);
		rmfb(fd, f.fb_id);

		f.fb_id = 0;
		f.bpp = 13;
		f.depth = 7;
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB, &f, EINVAL);
		igt_assert_eq(count_fbs(fd), 0);
		dumb_destroy(fd, d.handle);
	}

	igt_describe("ADDFB2 sizes: 1x1 and 16384x16384 are accepted, 0 and 16385 in either "
		     "dimension fail with EINVAL.");
	igt_subtest("addfb-limits") {
		uint64_t big = 16384ull * 16384 * 4;
		uint32_t bo = novax_gem_create(fd, big, NULL);
		const uint32_t bad[][2] = { { 0, 1 }, { 1, 0 }, { 16385, 1 }, { 1, 16385 },
					    { 16385, 16385 } };
		struct drm_mode_fb_cmd2 f;

		f = fb_cmd(bo, 1, 1);
		rmfb(fd, addfb2(fd, &f));
		f = fb_cmd(bo, 16384, 16384);
		rmfb(fd, addfb2(fd, &f));
		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			f = fb_cmd(bo, bad[i][0], bad[i][1]);
			if (!f.pitches[0])
				f.pitches[0] = 4;
			do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		}
		igt_assert_eq(count_fbs(fd), 0);
		gem_close(fd, bo);
	}

	igt_describe("Only linear framebuffers: DRM_MODE_FB_MODIFIERS with DRM_FORMAT_MOD_LINEAR "
		     "is accepted (GETFB2 reports it), any other modifier fails with EINVAL.");
	igt_subtest("addfb-modifiers") {
		uint32_t bo = novax_gem_create(fd, 1 << 20, NULL);
		const uint64_t bad[] = { I915_FORMAT_MOD_X_TILED, DRM_FORMAT_MOD_INVALID,
					 DRM_FORMAT_MOD_NVIDIA_BLOCK_LINEAR_2D(0, 0, 0, 0, 0) };
		struct drm_mode_fb_cmd2 f = fb_cmd(bo, 64, 64), get = {};

		f.flags = DRM_MODE_FB_MODIFIERS;
		f.modifier[0] = DRM_FORMAT_MOD_LINEAR;
		get.fb_id = addfb2(fd, &f);
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get);
		igt_assert_eq_u32(get.flags & DRM_MODE_FB_MODIFIERS, DRM_MODE_FB_MODIFIERS);
		igt_assert_eq_u64(get.modifier[0], DRM_FORMAT_MOD_LINEAR);
		gem_close(fd, get.handles[0]);
		rmfb(fd, get.fb_id);
		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			f.fb_id = 0;
			f.modifier[0] = bad[i];
			do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		}
		igt_assert_eq(count_fbs(fd), 0);
		gem_close(fd, bo);
	}

	igt_describe("The object must hold offset + pitch x (height - 1) + one line: one byte "
		     "short (by size or by offset) fails with EINVAL, as does a pitch shorter "
		     "than a line.");
	igt_subtest("addfb-object-too-small") {
		uint32_t bo = novax_gem_create(fd, 16384, NULL);
		struct drm_mode_fb_cmd2 f;

		/* 64x64 XRGB8888 with pitch 256 needs exactly 16384 bytes. */
		f = fb_cmd(bo, 64, 64);
		rmfb(fd, addfb2(fd, &f));
		f = fb_cmd(bo, 64, 65);
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		f = fb_cmd(bo, 64, 64);
		f.offsets[0] = 4;
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		f = fb_cmd(bo, 64, 64);
		f.pitches[0] = 252;
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		igt_assert_eq(count_fbs(fd), 0);
		gem_close(fd, bo);
	}

	igt_describe("ADDFB2 with a handle that does not exist (or was closed) fails with "
		     "ENOENT; an unknown format with EINVAL.");
	igt_subtest("addfb-bad-handle") {
		uint32_t bo = novax_gem_create(fd, 1 << 20, NULL);
		struct drm_mode_fb_cmd2 f = fb_cmd(bo + 1000, 64, 64);

		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, ENOENT);
		f = fb_cmd(bo, 64, 64);
		f.pixel_format = 0x20202020;
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		gem_close(fd, bo);
		f = fb_cmd(bo, 64, 64);
		do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, ENOENT);
	}

	igt_describe("Framebuffers belong to their file: another file sees one with GETFB2 but "
		     "cannot remove it (ENOENT), and closing the owner removes it.");
	igt_subtest("fb-owner") {
		int other = drm_open_novax_primary();
		uint32_t bo = novax_gem_create(other, 1 << 20, NULL);
		struct drm_mode_fb_cmd2 f = fb_cmd(bo, 64, 64), get = {};
		uint32_t id = addfb2(other, &f);

		get.fb_id = id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETFB2, &get);
		igt_assert_eq_u32(get.width, 64);
		if (get.handles[0])
			gem_close(fd, get.handles[0]);
		do_ioctl_err(fd, DRM_IOCTL_MODE_RMFB, &id, ENOENT);
		igt_assert_eq(count_fbs(other), 1);
		close(other);
		memset(&get, 0, sizeof(get));
		get.fb_id = id;
		do_ioctl_err(fd, DRM_IOCTL_MODE_GETFB2, &get, ENOENT);
	}

	igt_describe("Atomic modesetting is not offered: the client capability and the ioctl "
		     "fail with EOPNOTSUPP.");
	igt_subtest("atomic-unsupported") {
		struct drm_mode_atomic atomic = {};

		igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1), -1);
		igt_assert_eq(errno, EOPNOTSUPP);
		do_ioctl_err(fd, DRM_IOCTL_MODE_ATOMIC, &atomic, EOPNOTSUPP);
	}

	igt_describe("KMS ioctls are refused on the render node (EACCES), as for every driver.");
	igt_subtest("render-node-no-kms") {
		int render = drm_open_novax_render();
		struct drm_mode_card_res res = {};
		struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };
		struct drm_mode_fb_cmd2 f = fb_cmd(1, 64, 64);

		do_ioctl_err(render, DRM_IOCTL_MODE_GETRESOURCES, &res, EACCES);
		do_ioctl_err(render, DRM_IOCTL_MODE_CREATE_DUMB, &d, EACCES);
		do_ioctl_err(render, DRM_IOCTL_MODE_ADDFB2, &f, EACCES);
		close(render);
	}

	igt_fixture
		close(fd);
}
