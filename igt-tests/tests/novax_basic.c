// SPDX-License-Identifier: MIT
/*
 * novax_basic: driver identity (DRM_IOCTL_VERSION), every GETPARAM of the default emulated GPU,
 * and how the driver treats unknown parameters, unknown ioctl numbers and bad argument
 * pointers.
 */
#include "novax.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct {
	const char *name;
	uint64_t param;
	uint64_t value;
} params[] = {
	{ "chipset", NOVAX_GETPARAM_CHIPSET, NOVAX_EMU_CHIPSET },
	{ "architecture", NOVAX_GETPARAM_ARCHITECTURE, NOVAX_EMU_ARCHITECTURE },
	{ "revision", NOVAX_GETPARAM_REVISION, NOVAX_EMU_REVISION },
	{ "vram-bar-size", NOVAX_GETPARAM_VRAM_BAR_SIZE, NOVAX_EMU_VRAM_BAR_SIZE },
	{ "vram-size", NOVAX_GETPARAM_VRAM_SIZE, NOVAX_EMU_VRAM_SIZE },
	{ "gsp-fw-version", NOVAX_GETPARAM_GSP_FW_VERSION, NOVAX_EMU_FW_VERSION },
};

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* A request code for ioctl NR of the driver range with another argument SIZE and direction. */
#define NOVAX_IOC(dir, nr, size) _IOC((dir), DRM_IOCTL_BASE, DRM_COMMAND_BASE + (nr), (size))

igt_main
{
	int fd = -1;

	igt_fixture
		fd = drm_open_novax_render();

	igt_describe("DRM_IOCTL_VERSION names the driver novax, with a date and a description.");
	igt_subtest("version") {
		drmVersionPtr v = drmGetVersion(fd);

		igt_assert(v);
		igt_assert_f(!strcmp(v->name, "novax"), "name \"%s\"\n", v->name);
		igt_assert_eq(v->name_len, 5);
		igt_assert_f(v->date_len > 0 && v->date && v->date[0], "empty date\n");
		igt_assert_f(v->desc_len > 0 && v->desc && v->desc[0], "empty description\n");
		igt_assert_lte(0, v->version_major);
		igt_assert_lte(0, v->version_minor);
		igt_assert_lte(0, v->version_patchlevel);
		igt_info("novax %d.%d.%d, %s, \"%s\"\n", v->version_major, v->version_minor,
			 v->version_patchlevel, v->date, v->desc);
		drmFreeVersion(v);
	}

	igt_describe("DRM_IOCTL_VERSION with no buffers reports the string lengths only.");
	igt_subtest("version-lengths-only") {
		struct drm_version v = {};

		do_ioctl(fd, DRM_IOCTL_VERSION, &v);
		igt_assert_eq((int)v.name_len, 5);
		igt_assert_lt(0, (int)v.date_len);
		igt_assert_lt(0, (int)v.desc_len);
	}

	igt_describe("The node is a render node: no authentication needed for driver ioctls.");
	igt_subtest("render-node")
		igt_assert_f(novax_render_minor(fd) >= 128 && novax_render_minor(fd) < 256,
			     "minor %d is not a render minor\n", novax_render_minor(fd));

	for (size_t i = 0; i < N_PARAMS; i++) {
		igt_describe("GETPARAM returns the default emulated AD102's value.");
		igt_subtest_f("getparam-%s", params[i].name) {
			uint64_t v = novax_getparam(fd, params[i].param);

			igt_info("%s: %#" PRIx64 "\n", params[i].name, v);
			igt_assert_eq_u64(v, params[i].value);
		}
	}

	igt_describe("The chipset code is the architecture code followed by the implementation.");
	igt_subtest("getparam-consistent") {
		uint64_t chipset = novax_getparam(fd, NOVAX_GETPARAM_CHIPSET);
		uint64_t arch = novax_getparam(fd, NOVAX_GETPARAM_ARCHITECTURE);

		igt_assert_eq_u64(chipset >> 4, arch);
		igt_assert_lte_u64(0x16, arch); /* GSP needs Turing or later */
		igt_assert_lte_u64(novax_getparam(fd, NOVAX_GETPARAM_VRAM_BAR_SIZE),
				   novax_getparam(fd, NOVAX_GETPARAM_VRAM_SIZE));
	}

	igt_describe("Every parameter reads the same from another client and on every call.");
	igt_subtest("getparam-stable") {
		int fd2 = drm_open_novax_render();

		for (int round = 0; round < 100; round++)
			for (size_t i = 0; i < N_PARAMS; i++)
				igt_assert_eq_u64(novax_getparam(fd2, params[i].param),
						  novax_getparam(fd, params[i].param));
		close(fd2);
	}

	igt_describe("The value field is output only: garbage in it does not matter.");
	igt_subtest("getparam-value-ignored") {
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET, .value = ~0ULL };

		do_ioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
		igt_assert_eq_u64(gp.value, NOVAX_EMU_CHIPSET);
	}

	igt_describe("Unknown parameters fail with EINVAL, including values that only differ "
		     "from a known one in the upper 32 bits.");
	igt_subtest("getparam-unknown") {
		static const uint64_t bad[] = {
			0, 14, 15, 0x100, 0xffffffff, 1ULL << 32 | NOVAX_GETPARAM_CHIPSET,
			1ULL << 63 | NOVAX_GETPARAM_CHIPSET, ~0ULL,
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct drm_novax_getparam gp = { .param = bad[i] };

			igt_debug("param %#" PRIx64 "\n", bad[i]);
			do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp, EINVAL);
		}
	}

	igt_describe("An argument pointer to unmapped memory fails with EFAULT; so does one to "
		     "read-only memory, where the kernel cannot write the result back.");
	igt_subtest("getparam-efault") {
		struct drm_novax_getparam *ro;

		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, (void *)8, EFAULT);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, NULL, EFAULT);
		ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		igt_assert(ro != MAP_FAILED);
		ro->param = NOVAX_GETPARAM_CHIPSET;
		igt_assert_eq(mprotect(ro, 4096, PROT_READ), 0);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, ro, EFAULT);
		igt_assert_eq(munmap(ro, 4096), 0);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, ro, EFAULT);
	}

	igt_describe("The DRM core copies in only the size the request code names and zero-fills "
		     "the rest: an 8-byte GETPARAM runs but its result is not copied back.");
	igt_subtest("getparam-short-arg") {
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET, .value = 0x5a5a };

		do_ioctl(fd, NOVAX_IOC(_IOC_READ | _IOC_WRITE, DRM_NOVAX_GETPARAM, 8), &gp);
		igt_assert_eq_u64(gp.param, NOVAX_GETPARAM_CHIPSET);
		igt_assert_eq_u64(gp.value, 0x5a5a);
	}

	igt_describe("A longer argument: the driver's part is filled in, the tail comes back as "
		     "it went in.");
	igt_subtest("getparam-long-arg") {
		struct {
			struct drm_novax_getparam gp;
			uint64_t tail[2];
		} a = { { .param = NOVAX_GETPARAM_REVISION }, { 0x1111, 0x2222 } };

		do_ioctl(fd, NOVAX_IOC(_IOC_READ | _IOC_WRITE, DRM_NOVAX_GETPARAM, sizeof(a)), &a);
		igt_assert_eq_u64(a.gp.value, NOVAX_EMU_REVISION);
		igt_assert_eq_u64(a.tail[0], 0x1111);
		igt_assert_eq_u64(a.tail[1], 0x2222);
	}

	igt_describe("Direction bits: a write-only (_IOW) GETPARAM runs but copies nothing back; "
		     "a read-only (_IOR) one sees a zeroed argument, param 0, EINVAL.");
	igt_subtest("getparam-direction") {
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET, .value = 0x77 };

		do_ioctl(fd, NOVAX_IOC(_IOC_WRITE, DRM_NOVAX_GETPARAM, sizeof(gp)), &gp);
		igt_assert_eq_u64(gp.value, 0x77);
		do_ioctl_err(fd, NOVAX_IOC(_IOC_READ, DRM_NOVAX_GETPARAM, sizeof(gp)), &gp, EINVAL);
		do_ioctl_err(fd, NOVAX_IOC(_IOC_NONE, DRM_NOVAX_GETPARAM, 0), NULL, EINVAL);
	}

	igt_describe("Ioctl numbers past the driver's last fail with EINVAL.");
	igt_subtest("unknown-ioctl") {
		static const unsigned int nrs[] = { DRM_NOVAX_GSP_ECHO + 1, 0x10, 0x5f };
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };

		for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
			igt_debug("nr %#x\n", DRM_COMMAND_BASE + nrs[i]);
			do_ioctl_err(fd, NOVAX_IOC(_IOC_READ | _IOC_WRITE, nrs[i], sizeof(gp)), &gp,
				     EINVAL);
		}
	}

	igt_describe("Every known ioctl number is implemented (none fails as unknown with a "
		     "valid argument).");
	igt_subtest("known-ioctls") {
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
		struct drm_novax_gem_create c = { .size = 4096 };
		struct drm_novax_gem_info info = {};
		struct drm_novax_gsp_echo e = { .cookie = 0x600d };

		do_ioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
		do_ioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c);
		info.handle = c.handle;
		do_ioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
		do_ioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e);
		gem_close(fd, c.handle);
	}

	igt_fixture
		close(fd);
}
