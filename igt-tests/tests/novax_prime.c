// SPDX-License-Identifier: MIT
/*
 * novax_prime: sharing buffer objects through dma-buf (DRM_IOCTL_PRIME_HANDLE_TO_FD and
 * FD_TO_HANDLE): export, import in another client, shared contents, object lifetime across
 * exporter and importer, handle deduplication, and bad file descriptors and flags.
 */
#include "novax.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE (16 * 4096)

static ino_t inode_of(int fd)
{
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

igt_main
{
	int fd = -1, fd2 = -1;

	igt_fixture {
		fd = drm_open_novax_render();
		fd2 = drm_open_novax_render();
	}

	igt_describe("Export gives a dma-buf fd of the object's size, close-on-exec and "
		     "read-write as requested.");
	igt_subtest("export-basic") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf = prime_handle_to_fd(fd, h);

		igt_assert_eq((int)lseek(dmabuf, 0, SEEK_END), SIZE);
		igt_assert(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC);
		igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDWR);
		close(dmabuf);
		gem_close(fd, h);
	}

	igt_describe("Without DRM_CLOEXEC the fd is inherited across exec.");
	igt_subtest("export-no-cloexec") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf = -1;

		igt_assert_eq(__prime_handle_to_fd(fd, h, 0, &dmabuf), 0);
		igt_assert_eq(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC, 0);
		close(dmabuf);
		gem_close(fd, h);
	}

	igt_describe("Flags other than DRM_CLOEXEC and DRM_RDWR fail with EINVAL.");
	igt_subtest("export-invalid-flags") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		static const uint32_t bad[] = { O_WRONLY, O_NONBLOCK, 1u << 31, ~0u };
		int dmabuf;

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			igt_assert_eq(__prime_handle_to_fd(fd, h, bad[i], &dmabuf), -EINVAL);
		gem_close(fd, h);
	}

	igt_describe("Exporting a handle that does not exist fails with ENOENT.");
	igt_subtest("export-unknown-handle") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf;

		igt_assert_eq(__prime_handle_to_fd(fd, 0xdead, DRM_CLOEXEC, &dmabuf), -ENOENT);
		gem_close(fd, h);
		igt_assert_eq(__prime_handle_to_fd(fd, h, DRM_CLOEXEC, &dmabuf), -ENOENT);
	}

	igt_describe("Exporting an object twice gives the same dma-buf.");
	igt_subtest("export-twice-same-dmabuf") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int a = prime_handle_to_fd(fd, h), b = prime_handle_to_fd(fd, h);

		igt_assert_neq(a, b);
		igt_assert(inode_of(a) == inode_of(b));
		close(a);
		close(b);
		gem_close(fd, h);
	}

	igt_describe("Importing into the exporting file gives back the exporter's own handle.");
	igt_subtest("import-same-fd") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf = prime_handle_to_fd(fd, h);

		igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), h);
		close(dmabuf);
		gem_close(fd, h);
	}

	igt_describe("A second client imports the object and both see the same contents "
		     "through their own mappings, both ways.");
	igt_subtest("import-second-client") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf = prime_handle_to_fd(fd, h);
		uint32_t h2 = prime_fd_to_handle(fd2, dmabuf);
		void *a, *b;

		igt_assert_eq_u64(novax_gem_info(fd2, h2).size, SIZE);
		a = novax_gem_mmap(fd, h, SIZE, PROT_READ | PROT_WRITE);
		b = novax_gem_mmap(fd2, h2, SIZE, PROT_READ | PROT_WRITE);
		novax_fill(a, SIZE, 0xabc);
		igt_assert_eq(novax_check(b, SIZE, 0xabc), -1);
		novax_fill(b, SIZE, 0xcba);
		igt_assert_eq(novax_check(a, SIZE, 0xcba), -1);
		munmap(a, SIZE);
		munmap(b, SIZE);
		close(dmabuf);
		gem_close(fd2, h2);
		gem_close(fd, h);
	}

	igt_describe("Importing the same object again, from the same or another dma-buf fd, "
		     "gives the same handle.");
	igt_subtest("reimport-same-handle") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int a = prime_handle_to_fd(fd, h), b = prime_handle_to_fd(fd, h);
		uint32_t h2 = prime_fd_to_handle(fd2, a);

		igt_assert_eq_u32(prime_fd_to_handle(fd2, a), h2);
		igt_assert_eq_u32(prime_fd_to_handle(fd2, b), h2);
		close(a);
		close(b);
		gem_close(fd2, h2);
		gem_close(fd, h);
	}

	igt_describe("The importer keeps the object alive after the exporter closed its handle, "
		     "the dma-buf fd and even its DRM file.");
	igt_subtest("exporter-close") {
		int fd1 = drm_open_novax_render();
		uint32_t h = novax_gem_create(fd1, SIZE, NULL);
		void *a = novax_gem_mmap(fd1, h, SIZE, PROT_READ | PROT_WRITE);
		int dmabuf = prime_handle_to_fd(fd1, h);
		uint32_t h2 = prime_fd_to_handle(fd2, dmabuf);
		void *b;

		novax_fill(a, SIZE, 0x5eed);
		munmap(a, SIZE);
		gem_close(fd1, h);
		close(dmabuf);
		close(fd1);
		igt_assert_eq_u64(novax_gem_info(fd2, h2).size, SIZE);
		b = novax_gem_mmap(fd2, h2, SIZE, PROT_READ);
		igt_assert_eq(novax_check(b, SIZE, 0x5eed), -1);
		munmap(b, SIZE);
		gem_close(fd2, h2);
	}

	igt_describe("The dma-buf alone keeps the object alive: import after the exporter's "
		     "file is closed.");
	igt_subtest("import-after-exporter-gone") {
		int fd1 = drm_open_novax_render();
		uint32_t h = novax_gem_create(fd1, SIZE, NULL);
		void *a = novax_gem_mmap(fd1, h, SIZE, PROT_READ | PROT_WRITE);
		int dmabuf = prime_handle_to_fd(fd1, h);
		uint32_t h2;
		void *b;

		novax_fill(a, SIZE, 0xf00d);
		munmap(a, SIZE);
		close(fd1);
		h2 = prime_fd_to_handle(fd2, dmabuf);
		close(dmabuf);
		b = novax_gem_mmap(fd2, h2, SIZE, PROT_READ);
		igt_assert_eq(novax_check(b, SIZE, 0xf00d), -1);
		munmap(b, SIZE);
		gem_close(fd2, h2);
	}

	igt_describe("The importer closing its handle leaves the exporter's object intact, and a "
		     "new import works.");
	igt_subtest("importer-close") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		int dmabuf = prime_handle_to_fd(fd, h);
		uint32_t h2 = prime_fd_to_handle(fd2, dmabuf);

		gem_close(fd2, h2);
		igt_assert_eq_u64(novax_gem_info(fd, h).size, SIZE);
		h2 = prime_fd_to_handle(fd2, dmabuf);
		igt_assert_eq_u64(novax_gem_info(fd2, h2).size, SIZE);
		gem_close(fd2, h2);
		close(dmabuf);
		gem_close(fd, h);
	}

	igt_describe("The dma-buf fd itself can be mapped and shows the object's contents.");
	igt_subtest("dmabuf-mmap") {
		uint32_t h = novax_gem_create(fd, SIZE, NULL);
		void *a = novax_gem_mmap(fd, h, SIZE, PROT_READ | PROT_WRITE);
		int dmabuf = prime_handle_to_fd(fd, h);
		void *b;

		novax_fill(a, SIZE, 0xd1ab);
		b = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, dmabuf, 0);
		igt_assert_f(b != MAP_FAILED, "mmap of the dma-buf failed: %s\n",
			     igt_errno_name(errno));
		igt_assert_eq(novax_check(b, SIZE, 0xd1ab), -1);
		munmap(b, SIZE);
		munmap(a, SIZE);
		close(dmabuf);
		gem_close(fd, h);
	}

	igt_describe("Importing something that is not a dma-buf fails: EBADF for a closed or "
		     "negative fd, EINVAL for other files.");
	igt_subtest("import-invalid-fd") {
		int p[2], null = open("/dev/null", O_RDONLY | O_CLOEXEC), closed = dup(null);
		uint32_t h;

		igt_assert_eq(pipe(p), 0);
		close(closed);
		igt_assert_eq(__prime_fd_to_handle(fd, -1, &h), -EBADF);
		igt_assert_eq(__prime_fd_to_handle(fd, closed, &h), -EBADF);
		igt_assert_eq(__prime_fd_to_handle(fd, null, &h), -EINVAL);
		igt_assert_eq(__prime_fd_to_handle(fd, p[0], &h), -EINVAL);
		igt_assert_eq(__prime_fd_to_handle(fd, fd2, &h), -EINVAL);
		close(p[0]);
		close(p[1]);
		close(null);
	}

	igt_describe("Exporters and importers in several processes at once.");
	igt_subtest("concurrent-share") {
		igt_fork(child, 4) {
			int a = drm_open_novax_render(), b = drm_open_novax_render();

			for (int i = 0; i < 100; i++) {
				uint32_t h = novax_gem_create(a, SIZE, NULL);
				int dmabuf = prime_handle_to_fd(a, h);
				uint32_t h2 = prime_fd_to_handle(b, dmabuf);
				void *p = novax_gem_mmap(a, h, SIZE, PROT_READ | PROT_WRITE);
				void *q = novax_gem_mmap(b, h2, SIZE, PROT_READ);

				novax_fill(p, SIZE, child << 16 | i);
				igt_assert_eq(novax_check(q, SIZE, child << 16 | i), -1);
				munmap(p, SIZE);
				munmap(q, SIZE);
				close(dmabuf);
				gem_close(a, h);
				gem_close(b, h2);
			}
			close(a);
			close(b);
		}
		igt_waitchildren_timeout(120, "concurrent sharing");
	}

	igt_fixture {
		close(fd2);
		close(fd);
	}
}
