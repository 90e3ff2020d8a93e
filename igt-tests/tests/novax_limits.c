// SPDX-License-Identifier: MIT
/*
 * novax_limits: resource limits. The largest object the UAPI allows (1 GiB), every page of it
 * touched through a CPU mapping and released again; a process at its RLIMIT_NOFILE opening the
 * node and exporting dma-bufs (EMFILE, nothing leaked, the object freed once its last fd goes);
 * and a file with tens of thousands of handles, all released by GEM_CLOSE (the handle table is
 * empty again: the next handle is 1) or by closing the file.
 *
 * Memory is observed through /proc/meminfo's Shmem: novax objects are shmem files, so the pages
 * an object holds show there until the object is freed.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define PAGE ((uint64_t)4096)
#define MIB ((uint64_t)1 << 20)

/* A /proc/meminfo value in bytes. */
static uint64_t meminfo(const char *key)
{
	char line[128];
	size_t len = strlen(key);
	uint64_t kib = 0;
	bool found = false;
	FILE *f = fopen("/proc/meminfo", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			kib = strtoull(line + len + 1, NULL, 10);
			found = true;
			break;
		}
	}
	fclose(f);
	igt_assert_f(found, "no %s in /proc/meminfo\n", key);
	return kib * 1024;
}

/* Shmem, once freeing has settled (file release and page freeing can run a little later). */
static uint64_t shmem_settled(uint64_t at_most)
{
	uint64_t v = meminfo("Shmem");

	for (int i = 0; i < 100 && v > at_most; i++) {
		usleep(20000);
		v = meminfo("Shmem");
	}
	return v;
}

/* Lower RLIMIT_NOFILE so that exactly EXTRA more descriptors can be opened; returns the old. */
static struct rlimit limit_fds(int extra)
{
	struct rlimit old, lim;
	int highest = 0;

	igt_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			highest = fd;
	lim = old;
	lim.rlim_cur = highest + 1 + extra;
	igt_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	return old;
}

igt_main
{
	int fd = -1;

	igt_fixture {
		fd = drm_open_novax_render();
		igt_require(sysconf(_SC_PAGESIZE) == PAGE);
	}

	igt_describe("A 1 GiB object (NOVAX_GEM_MAX_SIZE): every page written and read back "
		     "through a mapping, its pages counted in Shmem while it lives and freed after.");
	igt_subtest("object-1gib") {
		const uint64_t size = NOVAX_GEM_MAX_SIZE;
		uint64_t got, before, during, after;
		uint32_t h;
		uint32_t *p;
		long bad = 0;

		igt_set_timeout(600, "1 GiB object");
		before = meminfo("Shmem");
		h = novax_gem_create(fd, size, &got);
		igt_assert_eq_u64(got, size);
		p = novax_gem_mmap(fd, h, size, PROT_READ | PROT_WRITE);
		for (uint64_t off = 0; off < size; off += PAGE)
			p[off / 4] = (uint32_t)(off / PAGE) ^ 0xa5a50000u;
		for (uint64_t off = 0; off < size; off += PAGE)
			bad += p[off / 4] != ((uint32_t)(off / PAGE) ^ 0xa5a50000u);
		during = meminfo("Shmem");
		igt_assert_eq(munmap(p, size), 0);
		gem_close(fd, h);
		after = shmem_settled(before + 64 * MIB);
		igt_info("Shmem: %" PRIu64 " MiB before, %" PRIu64 " MiB with the object, %" PRIu64
			 " MiB after\n", before / MIB, during / MIB, after / MIB);
		igt_assert_eq(bad, 0);
		igt_assert_f(during >= before + size - 16 * MIB,
			     "the object's pages are not all in Shmem\n");
		igt_assert_f(after <= before + 64 * MIB, "the object's pages were not freed\n");
	}

	igt_describe("At RLIMIT_NOFILE, opening the render node fails with EMFILE; closing one "
		     "descriptor makes room for exactly one open.");
	igt_subtest("rlimit-nofile-open") {
		struct rlimit old = limit_fds(8);
		int fds[9], n = 0, e = 0;

		for (n = 0; n < 9; n++) {
			fds[n] = __drm_open_novax_render();
			if (fds[n] < 0) {
				e = errno;
				break;
			}
		}
		igt_assert_eq(n, 8);
		igt_assert_eq(e, EMFILE);
		close(fds[7]);
		fds[7] = __drm_open_novax_render();
		igt_assert_lte(0, fds[7]);
		igt_assert_eq(novax_getparam(fds[7], NOVAX_GETPARAM_CHIPSET),
			      novax_getparam(fd, NOVAX_GETPARAM_CHIPSET));
		for (int i = 0; i < 8; i++)
			close(fds[i]);
		igt_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	}

	igt_describe("At RLIMIT_NOFILE, PRIME export fails with EMFILE and takes no reference: "
		     "the 64 MiB object is freed once its handle and dma-bufs are closed.");
	igt_subtest("rlimit-nofile-prime") {
		const uint64_t size = 64 * MIB;
		uint64_t before, after;
		struct rlimit old;
		int bufs[5], n, e = 0;
		uint32_t h;
		void *p;

		before = shmem_settled(meminfo("Shmem"));
		h = novax_gem_create(fd, size, NULL);
		p = novax_gem_mmap(fd, h, size, PROT_READ | PROT_WRITE);
		novax_fill(p, size, 77);
		old = limit_fds(4);
		for (n = 0; n < 5; n++) {
			e = __prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR, &bufs[n]);
			if (e)
				break;
		}
		/* The first export makes the dma-buf; the later ones give more fds of it. */
		igt_assert_eq(n, 4);
		igt_assert_eq(e, -EMFILE);
		/* Repeated failures take nothing either. */
		for (int i = 0; i < 100; i++)
			igt_assert_eq(__prime_handle_to_fd(fd, h, DRM_CLOEXEC, &bufs[4]), -EMFILE);
		igt_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
		igt_assert_eq(novax_check(p, size, 77), -1);
		igt_assert_eq(munmap(p, size), 0);
		for (int i = 0; i < 4; i++)
			close(bufs[i]);
		gem_close(fd, h);
		after = shmem_settled(before + 8 * MIB);
		igt_info("Shmem: %" PRIu64 " MiB before, %" PRIu64 " MiB after\n", before / MIB,
			 after / MIB);
		igt_assert_f(after <= before + 8 * MIB, "the exported object was not freed\n");
	}

	igt_describe("50,000 handles on one file, each valid and distinct; after GEM_CLOSE of all "
		     "the table is empty (the next handle is the first again); a second file's "
		     "50,000 go when the file is closed.");
	igt_subtest("many-handles") {
		const int count = 50000;
		uint32_t *h = calloc(count, sizeof(*h));
		uint32_t first, again;
		int other;

		igt_assert(h);
		igt_set_timeout(600, "many handles");
		for (int i = 0; i < count; i++)
			h[i] = novax_gem_create(fd, PAGE, NULL);
		first = h[0];
		for (int i = 1; i < count; i++)
			igt_assert_f(h[i] > h[i - 1], "handle %d: %u after %u\n", i, h[i], h[i - 1]);
		igt_assert_eq_u64(novax_gem_info(fd, h[count - 1]).size, PAGE);
		for (int i = 0; i < count; i++)
			gem_close(fd, h[i]);
		igt_assert_eq(__gem_close(fd, h[count / 2]), -EINVAL);
		again = novax_gem_create(fd, PAGE, NULL);
		igt_assert_eq_u32(again, first);
		gem_close(fd, again);

		other = drm_open_novax_render();
		for (int i = 0; i < count; i++)
			h[i] = novax_gem_create(other, PAGE, NULL);
		close(other);
		other = drm_open_novax_render();
		igt_assert_eq(__novax_gem_info(other, h[0], &(struct drm_novax_gem_info){ 0 }),
			      -ENOENT);
		close(other);
		free(h);
	}

	igt_fixture {
		close(fd);
	}
}
