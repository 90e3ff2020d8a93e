// SPDX-License-Identifier: MIT
/*
 * novax_kms: the primary node's empty mode configuration. novax does not drive the display
 * engine, but registers a mode configuration without CRTCs, planes, encoders or connectors, so
 * that KMS clients which enumerate display devices (drm_info) see the device. These subtests
 * pin down what such a configuration answers: empty resource lists, no framebuffers of any
 * size, no atomic modesetting, no dumb buffers, and no KMS on the render node.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <limits.h>
#include <stdlib.h>
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
		     "and a 0x0 framebuffer size range.");
	igt_subtest("getresources-empty") {
		drmModeResPtr res = drmModeGetResources(fd);

		igt_assert_f(res, "drmModeGetResources: %m\n");
		igt_assert_eq(res->count_crtcs, 0);
		igt_assert_eq(res->count_encoders, 0);
		igt_assert_eq(res->count_connectors, 0);
		igt_assert_eq(res->count_fbs, 0);
		igt_assert_eq(res->min_width, 0);
		igt_assert_eq(res->max_width, 0);
		igt_assert_eq(res->min_height, 0);
		igt_assert_eq(res->max_height, 0);
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

	igt_describe("No dumb buffers and no framebuffer modifiers are advertised.");
	igt_subtest("caps") {
		uint64_t value = 1;

		igt_assert_eq(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &value), 0);
		igt_assert_eq_u64(value, 0);
		value = 1;
		igt_assert_eq(drmGetCap(fd, DRM_CAP_ADDFB2_MODIFIERS, &value), 0);
		igt_assert_eq_u64(value, 0);
	}

	igt_describe("ADDFB2 fails with EINVAL for every size, with and without modifiers, on a "
		     "valid novax GEM object; no framebuffer is left behind.");
	igt_subtest("addfb-rejected") {
		uint32_t handle = novax_gem_create(fd, 1 << 20, NULL);
		const uint32_t sizes[][2] = { { 64, 64 }, { 1, 1 }, { 0, 0 }, { 16384, 1 } };
		drmModeResPtr res;

		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct drm_mode_fb_cmd2 f = fb_cmd(handle, sizes[i][0], sizes[i][1]);

			do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
			f.flags = DRM_MODE_FB_MODIFIERS;
			do_ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &f, EINVAL);
		}
		res = drmModeGetResources(fd);
		igt_assert(res);
		igt_assert_eq(res->count_fbs, 0);
		drmModeFreeResources(res);
		gem_close(fd, handle);
	}

	igt_describe("Atomic modesetting is not offered: the client capability and the ioctl "
		     "fail with EOPNOTSUPP.");
	igt_subtest("atomic-unsupported") {
		struct drm_mode_atomic atomic = {};

		igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1), -1);
		igt_assert_eq(errno, EOPNOTSUPP);
		do_ioctl_err(fd, DRM_IOCTL_MODE_ATOMIC, &atomic, EOPNOTSUPP);
	}

	igt_describe("Dumb buffers are not implemented: CREATE_DUMB fails with ENOSYS (the DRM "
		     "core's answer for drivers without dumb_create).");
	igt_subtest("dumb-unsupported") {
		struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };

		do_ioctl_err(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb, ENOSYS);
	}

	igt_describe("KMS ioctls are refused on the render node (EACCES), as for every driver.");
	igt_subtest("render-node-no-kms") {
		int render = drm_open_novax_render();
		struct drm_mode_card_res res = {};

		do_ioctl_err(render, DRM_IOCTL_MODE_GETRESOURCES, &res, EACCES);
		close(render);
	}

	igt_fixture
		close(fd);
}
