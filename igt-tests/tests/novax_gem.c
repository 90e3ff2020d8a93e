// SPDX-License-Identifier: MIT
/*
 * novax_gem: GEM buffer objects. Creation (sizes, rounding, limits, flags), GEM_INFO, closing,
 * CPU mappings (contents, sharing between mappings, what happens after close), bad inputs and
 * bad pointers, the DRM core's handling of argument-size mismatches, and per-file handle
 * isolation.
 */
#include "novax.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ULL
#define ROUND_UP(x, a) (((x) + (a) - 1) / (a) * (a))

/* A request code for ioctl NR of the driver range with another argument SIZE and direction. */
#define NOVAX_IOC(dir, nr, size) _IOC((dir), DRM_IOCTL_BASE, DRM_COMMAND_BASE + (nr), (size))
#define IOC_RW (_IOC_READ | _IOC_WRITE)

static void create_expect(int fd, uint64_t size, uint32_t flags, int err)
{
	struct drm_novax_gem_create c = { .size = size, .flags = flags };

	igt_debug("create size %#" PRIx64 " flags %#x\n", size, flags);
	do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c, err);
}

/* A page of anonymous memory with PROT; unmapped if UNMAP (for EFAULT tests). */
static void *scratch_page(int prot, bool unmap)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	if (unmap)
		igt_assert_eq(munmap(p, PAGE), 0);
	else
		igt_assert_eq(mprotect(p, PAGE, prot), 0);
	return p;
}

igt_main
{
	int fd = -1;

	igt_fixture {
		fd = drm_open_novax_render();
		igt_require(sysconf(_SC_PAGESIZE) == PAGE);
	}

	igt_describe("A one-page object: nonzero handle, its size back, GEM_INFO agrees.");
	igt_subtest("create-basic") {
		uint64_t size;
		uint32_t h = novax_gem_create(fd, PAGE, &size);
		struct drm_novax_gem_info info = novax_gem_info(fd, h);

		igt_assert_eq_u64(size, PAGE);
		igt_assert_eq_u64(info.size, PAGE);
		igt_assert_neq_u64(info.mmap_offset, 0);
		igt_assert_eq_u64(info.mmap_offset % PAGE, 0);
		gem_close(fd, h);
	}

	igt_describe("Sizes are rounded up to the page size, up to and including "
		     "NOVAX_GEM_MAX_SIZE; GEM_CREATE and GEM_INFO report the rounded size.");
	igt_subtest("create-sizes") {
		static const uint64_t sizes[] = {
			1, 100, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE - 1, 65537, 1 << 20,
			(16 << 20) + 1, NOVAX_GEM_MAX_SIZE - PAGE + 1, NOVAX_GEM_MAX_SIZE,
		};

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t size;
			uint32_t h = novax_gem_create(fd, sizes[i], &size);
			struct drm_novax_gem_info info = novax_gem_info(fd, h);

			igt_debug("%#" PRIx64 " -> %#" PRIx64 "\n", sizes[i], size);
			igt_assert_eq_u64(size, ROUND_UP(sizes[i], PAGE));
			igt_assert_eq_u64(info.size, size);
			igt_assert_eq_u64(info.mmap_offset % PAGE, 0);
			gem_close(fd, h);
		}
	}

	igt_describe("Many objects at once: distinct handles, non-overlapping mmap offsets.");
	igt_subtest("create-many") {
		enum { N = 256 };
		uint32_t h[N];
		uint64_t off[N], size[N];

		for (int i = 0; i < N; i++) {
			h[i] = novax_gem_create(fd, PAGE * (1 + i % 4), &size[i]);
			off[i] = novax_gem_info(fd, h[i]).mmap_offset;
		}
		for (int i = 0; i < N; i++)
			for (int j = i + 1; j < N; j++) {
				igt_assert_neq(h[i], h[j]);
				igt_assert(off[i] + size[i] <= off[j] || off[j] + size[j] <= off[i]);
			}
		for (int i = 0; i < N; i++)
			gem_close(fd, h[i]);
	}

	igt_describe("Size 0 fails with EINVAL.");
	igt_subtest("create-size-zero")
		create_expect(fd, 0, 0, EINVAL);

	igt_describe("Sizes above NOVAX_GEM_MAX_SIZE fail with EINVAL, without overflowing the "
		     "page rounding.");
	igt_subtest("create-size-too-big") {
		create_expect(fd, NOVAX_GEM_MAX_SIZE + 1, 0, EINVAL);
		create_expect(fd, NOVAX_GEM_MAX_SIZE + PAGE, 0, EINVAL);
		create_expect(fd, 1ULL << 32, 0, EINVAL);
		create_expect(fd, (1ULL << 32) + PAGE, 0, EINVAL); /* 4 KiB if truncated to u32 */
		create_expect(fd, 1ULL << 63, 0, EINVAL);
		create_expect(fd, ~0ULL - PAGE + 2, 0, EINVAL); /* rounds up to 0 on overflow */
		create_expect(fd, ~0ULL, 0, EINVAL);
	}

	igt_describe("No flag is defined: every bit fails with EINVAL.");
	igt_subtest("create-flags") {
		for (int bit = 0; bit < 32; bit++)
			create_expect(fd, PAGE, 1u << bit, EINVAL);
		create_expect(fd, PAGE, ~0u, EINVAL);
	}

	igt_describe("GEM_INFO is stable: the same size and offset on every call.");
	igt_subtest("info-stable") {
		uint32_t h = novax_gem_create(fd, 3 * PAGE, NULL);
		struct drm_novax_gem_info a = novax_gem_info(fd, h), b = novax_gem_info(fd, h);

		igt_assert_eq_u64(a.size, b.size);
		igt_assert_eq_u64(a.mmap_offset, b.mmap_offset);
		gem_close(fd, h);
	}

	igt_describe("GEM_INFO of a handle that does not exist fails with ENOENT.");
	igt_subtest("info-unknown-handle") {
		struct drm_novax_gem_info info;
		uint32_t h = novax_gem_create(fd, PAGE, NULL);

		igt_assert_eq(__novax_gem_info(fd, 0, &info), -ENOENT);
		igt_assert_eq(__novax_gem_info(fd, 0xdeadbeef, &info), -ENOENT);
		igt_assert_eq(__novax_gem_info(fd, h + 1000, &info), -ENOENT);
		gem_close(fd, h);
		igt_assert_eq(__novax_gem_info(fd, h, &info), -ENOENT);
	}

	igt_describe("GEM_INFO with a nonzero pad fails with EINVAL.");
	igt_subtest("info-pad") {
		uint32_t h = novax_gem_create(fd, PAGE, NULL);

		for (int bit = 0; bit < 32; bit++) {
			struct drm_novax_gem_info info = { .handle = h, .pad = 1u << bit };

			do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info, EINVAL);
		}
		gem_close(fd, h);
	}

	igt_describe("Closing twice: the second GEM_CLOSE fails with EINVAL (the DRM core's "
		     "answer for an unknown handle), as does closing a handle never created.");
	igt_subtest("close-twice") {
		uint32_t h = novax_gem_create(fd, PAGE, NULL);

		gem_close(fd, h);
		igt_assert_eq(__gem_close(fd, h), -EINVAL);
		igt_assert_eq(__gem_close(fd, 0), -EINVAL);
		igt_assert_eq(__gem_close(fd, 0x7fffffff), -EINVAL);
	}

	igt_describe("A new object reads as zeros (no stale data from earlier users).");
	igt_subtest("mmap-zeroed") {
		for (int round = 0; round < 8; round++) {
			uint32_t h = novax_gem_create(fd, 64 * PAGE, NULL);
			uint64_t *p = novax_gem_mmap(fd, h, 64 * PAGE, PROT_READ | PROT_WRITE);

			for (size_t i = 0; i < 64 * PAGE / 8; i++)
				igt_assert_eq_u64(p[i], 0);
			novax_fill(p, 64 * PAGE, round); /* dirty pages for the next round */
			munmap(p, 64 * PAGE);
			gem_close(fd, h);
		}
	}

	igt_describe("Written through one mapping, read through another (and a read-only one).");
	igt_subtest("mmap-write-read") {
		static const uint64_t sizes[] = { PAGE, 17 * PAGE, 1 << 20 };

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint32_t h = novax_gem_create(fd, sizes[i], NULL);
			void *a = novax_gem_mmap(fd, h, sizes[i], PROT_READ | PROT_WRITE);
			void *b = novax_gem_mmap(fd, h, sizes[i], PROT_READ | PROT_WRITE);
			void *ro = novax_gem_mmap(fd, h, sizes[i], PROT_READ);

			igt_assert(a != b);
			novax_fill(a, sizes[i], 0x1234 + i);
			igt_assert_eq(novax_check(b, sizes[i], 0x1234 + i), -1);
			igt_assert_eq(novax_check(ro, sizes[i], 0x1234 + i), -1);
			novax_fill(b, sizes[i], 0x4321);
			igt_assert_eq(novax_check(a, sizes[i], 0x4321), -1);
			munmap(a, sizes[i]);
			munmap(b, sizes[i]);
			munmap(ro, sizes[i]);
			gem_close(fd, h);
		}
	}

	igt_describe("A mapping of the first pages of an object works; one larger than the "
		     "object, or not starting at the object's offset, fails with EINVAL.");
	igt_subtest("mmap-ranges") {
		uint32_t h = novax_gem_create(fd, 4 * PAGE, NULL);
		uint64_t off = novax_gem_info(fd, h).mmap_offset;
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

		igt_assert(p != MAP_FAILED);
		munmap(p, PAGE);
		igt_assert(mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, fd, off) == MAP_FAILED);
		igt_assert_errno(EINVAL);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, off + PAGE) == MAP_FAILED);
		igt_assert_errno(EINVAL);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
		igt_assert_errno(EINVAL);
		gem_close(fd, h);
	}

	igt_describe("After the last handle is closed (and nothing maps it) the object is gone: "
		     "mmap at its old offset fails with EINVAL.");
	igt_subtest("mmap-after-close") {
		uint32_t h = novax_gem_create(fd, PAGE, NULL);
		uint64_t off = novax_gem_info(fd, h).mmap_offset;

		gem_close(fd, h);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, off) == MAP_FAILED);
		igt_assert_errno(EINVAL);
	}

	igt_describe("Closing the handle keeps an existing mapping valid (the mapping holds the "
		     "object), but the file may not map it again (EACCES): access went with the "
		     "handle.");
	igt_subtest("mmap-close-while-mapped") {
		uint32_t h = novax_gem_create(fd, 2 * PAGE, NULL);
		uint64_t off = novax_gem_info(fd, h).mmap_offset;
		void *p = novax_gem_mmap(fd, h, 2 * PAGE, PROT_READ | PROT_WRITE);

		novax_fill(p, 2 * PAGE, 99);
		gem_close(fd, h);
		igt_assert_eq(novax_check(p, 2 * PAGE, 99), -1);
		novax_fill(p, 2 * PAGE, 100);
		igt_assert_eq(novax_check(p, 2 * PAGE, 100), -1);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, off) == MAP_FAILED);
		igt_assert_errno(EACCES);
		munmap(p, 2 * PAGE);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, off) == MAP_FAILED);
		igt_assert_errno(EINVAL);
	}

	igt_describe("A mapping outlives the DRM file it was made from.");
	igt_subtest("mmap-outlives-fd") {
		int fd2 = drm_open_novax_render();
		uint32_t h = novax_gem_create(fd2, 8 * PAGE, NULL);
		void *p = novax_gem_mmap(fd2, h, 8 * PAGE, PROT_READ | PROT_WRITE);

		novax_fill(p, 8 * PAGE, 7);
		close(fd2);
		igt_assert_eq(novax_check(p, 8 * PAGE, 7), -1);
		novax_fill(p, 8 * PAGE, 8);
		igt_assert_eq(novax_check(p, 8 * PAGE, 8), -1);
		munmap(p, 8 * PAGE);
	}

	igt_describe("Argument pointers to unmapped memory fail with EFAULT.");
	igt_subtest("efault-unmapped") {
		void *gone = scratch_page(0, true);

		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_CREATE, (void *)8, EFAULT);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_CREATE, gone, EFAULT);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, (void *)8, EFAULT);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, gone, EFAULT);
		do_ioctl_err(fd, DRM_IOCTL_GEM_CLOSE, gone, EFAULT);
	}

	igt_describe("An argument at the end of a page, running into an unmapped one: EFAULT.");
	igt_subtest("efault-straddle") {
		char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct drm_novax_gem_info *info;

		igt_assert(two != MAP_FAILED);
		igt_assert_eq(munmap(two + PAGE, PAGE), 0);
		info = (void *)(two + PAGE - 8); /* handle and pad mapped, the rest not */
		info->handle = novax_gem_create(fd, PAGE, NULL);
		info->pad = 0;
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, info, EFAULT);
		gem_close(fd, info->handle);
		munmap(two, PAGE);
	}

	igt_describe("GEM_INFO into read-only memory: the kernel cannot write the result, EFAULT.");
	igt_subtest("efault-readonly") {
		struct drm_novax_gem_info *ro = scratch_page(PROT_READ | PROT_WRITE, false);
		uint32_t h = novax_gem_create(fd, PAGE, NULL);

		ro->handle = h;
		igt_assert_eq(mprotect(ro, PAGE, PROT_READ), 0);
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, ro, EFAULT);
		munmap(ro, PAGE);
		gem_close(fd, h);
	}

	igt_describe("A caller with a smaller structure: the DRM core zero-extends what it copies "
		     "in and copies back only the caller's size. GEM_CREATE without its size field "
		     "sees size 0 (EINVAL); GEM_INFO with only handle and pad succeeds and writes "
		     "nothing past them; with no argument at all it sees handle 0 (ENOENT).");
	igt_subtest("arg-smaller") {
		uint32_t h = novax_gem_create(fd, PAGE, NULL);
		struct drm_novax_gem_create c = { .size = PAGE };
		struct drm_novax_gem_info info = { .handle = h, .size = 0x5a5a, .mmap_offset = 0xa5a5 };

		do_ioctl_err(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_CREATE, 8), &c, EINVAL);
		do_ioctl(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_INFO, 8), &info);
		igt_assert_eq(info.handle, h);
		igt_assert_eq_u64(info.size, 0x5a5a);
		igt_assert_eq_u64(info.mmap_offset, 0xa5a5);
		do_ioctl(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_INFO, 4), &info);
		do_ioctl_err(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_INFO, 0), &info, ENOENT);
		gem_close(fd, h);
	}

	igt_describe("A caller with a larger structure: the driver fills its part, the tail is "
		     "copied back unchanged.");
	igt_subtest("arg-larger") {
		struct {
			struct drm_novax_gem_create c;
			uint64_t tail;
		} c = { { .size = PAGE }, 0x1234 };
		struct {
			struct drm_novax_gem_info info;
			uint64_t tail;
		} i = { {}, 0x4321 };

		do_ioctl(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_CREATE, sizeof(c)), &c);
		igt_assert_neq(c.c.handle, 0);
		igt_assert_eq_u64(c.tail, 0x1234);
		i.info.handle = c.c.handle;
		do_ioctl(fd, NOVAX_IOC(IOC_RW, DRM_NOVAX_GEM_INFO, sizeof(i)), &i);
		igt_assert_eq_u64(i.info.size, PAGE);
		igt_assert_neq_u64(i.info.mmap_offset, 0);
		igt_assert_eq_u64(i.tail, 0x4321);
		gem_close(fd, c.c.handle);
	}

	igt_describe("Direction bits: a write-only GEM_INFO runs but returns nothing; a "
		     "read-only one sees a zeroed argument (handle 0, ENOENT).");
	igt_subtest("arg-direction") {
		uint32_t h = novax_gem_create(fd, PAGE, NULL);
		struct drm_novax_gem_info info = { .handle = h, .size = 1, .mmap_offset = 2 };

		do_ioctl(fd, NOVAX_IOC(_IOC_WRITE, DRM_NOVAX_GEM_INFO, sizeof(info)), &info);
		igt_assert_eq_u64(info.size, 1);
		igt_assert_eq_u64(info.mmap_offset, 2);
		do_ioctl_err(fd, NOVAX_IOC(_IOC_READ, DRM_NOVAX_GEM_INFO, sizeof(info)), &info,
			     ENOENT);
		gem_close(fd, h);
	}

	igt_describe("Handles belong to one open file: another client cannot query, close or "
		     "map them.");
	igt_subtest("handle-isolation") {
		int fd2 = drm_open_novax_render();
		uint32_t h = novax_gem_create(fd, 2 * PAGE, NULL);
		uint64_t off = novax_gem_info(fd, h).mmap_offset;
		struct drm_novax_gem_info info;
		uint32_t h2;

		igt_assert_eq(__novax_gem_info(fd2, h, &info), -ENOENT);
		igt_assert_eq(__gem_close(fd2, h), -EINVAL);
		igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd2, off) == MAP_FAILED);
		igt_assert_errno(EACCES);
		/* The second client's own handles are its own, whatever their numbers. */
		h2 = novax_gem_create(fd2, PAGE, NULL);
		igt_assert_eq_u64(novax_gem_info(fd2, h2).size, PAGE);
		igt_assert_eq_u64(novax_gem_info(fd, h).size, 2 * PAGE);
		close(fd2);
		/* Closing the other client freed its objects, not ours. */
		igt_assert_eq_u64(novax_gem_info(fd, h).size, 2 * PAGE);
		gem_close(fd, h);
	}

	igt_describe("Several processes create, map, check and close objects at once.");
	igt_subtest("concurrent-create-close") {
		igt_fork(child, 4) {
			int cfd = drm_open_novax_render();

			for (int i = 0; i < 200; i++) {
				uint64_t size = PAGE * (1 + (i + child) % 8);
				uint32_t h = novax_gem_create(cfd, size, NULL);
				void *p = novax_gem_mmap(cfd, h, size, PROT_READ | PROT_WRITE);

				novax_fill(p, size, child << 16 | i);
				igt_assert_eq(novax_check(p, size, child << 16 | i), -1);
				munmap(p, size);
				gem_close(cfd, h);
			}
			close(cfd);
		}
		igt_waitchildren_timeout(120, "concurrent create/close");
	}

	igt_fixture
		close(fd);
}
