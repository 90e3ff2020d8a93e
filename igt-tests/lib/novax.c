// SPDX-License-Identifier: MIT
/*
 * novax device, UAPI and debugfs helpers.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- Device ---- */

static bool is_novax(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool ok = v && v->name && !strcmp(v->name, NOVAX_DRIVER_NAME);

	drmFreeVersion(v);
	return ok;
}

/* Opens the first node /dev/dri/<PREFIX><N>, FIRST <= N < LAST, driven by novax, or -1. */
static int open_novax_node(const char *prefix, int first, int last)
{
	for (int minor = first; minor < last; minor++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/%s%d", prefix, minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_novax(fd)) {
			igt_debug("novax node: %s\n", path);
			return fd;
		}
		close(fd);
	}
	return -1;
}

int __drm_open_novax_render(void)
{
	/* Render minors are 128..255 (DRM_MINOR_RENDER). */
	return open_novax_node("renderD", 128, 256);
}

int __drm_open_novax_primary(void)
{
	/* Primary minors are 0..63 (DRM_MINOR_PRIMARY). */
	return open_novax_node("card", 0, 64);
}

int drm_open_novax_primary(void)
{
	int fd = __drm_open_novax_primary();

	igt_require_f(fd >= 0, "no novax primary node in /dev/dri (driver not loaded or bound?)");
	return fd;
}

int drm_open_novax_render(void)
{
	int fd = __drm_open_novax_render();

	igt_require_f(fd >= 0, "no novax render node in /dev/dri (driver not loaded or bound?)");
	return fd;
}

int novax_render_minor(int fd)
{
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert_f(S_ISCHR(st.st_mode), "fd %d is not a character device\n", fd);
	return minor(st.st_rdev);
}

/* ---- UAPI ---- */

static int ioctl_ret(int fd, unsigned long req, void *arg)
{
	return igt_ioctl(fd, req, arg) ? -errno : 0;
}

int __novax_getparam(int fd, uint64_t param, uint64_t *value)
{
	struct drm_novax_getparam gp = { .param = param };
	int ret = ioctl_ret(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);

	if (!ret)
		*value = gp.value;
	return ret;
}

uint64_t novax_getparam(int fd, uint64_t param)
{
	uint64_t v = 0;

	igt_assert_eq(__novax_getparam(fd, param, &v), 0);
	return v;
}

int __novax_gem_create(int fd, struct drm_novax_gem_create *arg)
{
	return ioctl_ret(fd, DRM_IOCTL_NOVAX_GEM_CREATE, arg);
}

uint32_t novax_gem_create(int fd, uint64_t size, uint64_t *size_out)
{
	struct drm_novax_gem_create c = { .size = size };

	igt_assert_eq(__novax_gem_create(fd, &c), 0);
	igt_assert_neq(c.handle, 0);
	if (size_out)
		*size_out = c.size;
	return c.handle;
}

int __novax_gem_info(int fd, uint32_t handle, struct drm_novax_gem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return ioctl_ret(fd, DRM_IOCTL_NOVAX_GEM_INFO, info);
}

struct drm_novax_gem_info novax_gem_info(int fd, uint32_t handle)
{
	struct drm_novax_gem_info info;

	igt_assert_eq(__novax_gem_info(fd, handle, &info), 0);
	return info;
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl_ret(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

void gem_close(int fd, uint32_t handle)
{
	igt_assert_eq(__gem_close(fd, handle), 0);
}

void *__novax_gem_mmap(int fd, uint32_t handle, size_t size, int prot)
{
	struct drm_novax_gem_info info;
	void *p;
	int ret = __novax_gem_info(fd, handle, &info);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	p = mmap(NULL, size, prot, MAP_SHARED, fd, info.mmap_offset);
	return p == MAP_FAILED ? NULL : p;
}

void *novax_gem_mmap(int fd, uint32_t handle, size_t size, int prot)
{
	void *p = __novax_gem_mmap(fd, handle, size, prot);

	igt_assert_f(p, "mmap of handle %u (%zu bytes) failed: %s\n", handle, size,
		     igt_errno_name(errno));
	return p;
}

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
	int ret = ioctl_ret(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (!ret)
		*dmabuf = p.fd;
	return ret;
}

int prime_handle_to_fd(int fd, uint32_t handle)
{
	int dmabuf = -1;

	igt_assert_eq(__prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	igt_assert_lte(0, dmabuf);
	return dmabuf;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = ioctl_ret(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	if (!ret)
		*handle = p.handle;
	return ret;
}

uint32_t prime_fd_to_handle(int fd, int dmabuf)
{
	uint32_t handle = 0;

	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &handle), 0);
	igt_assert_neq(handle, 0);
	return handle;
}

int __novax_gsp_echo(int fd, struct drm_novax_gsp_echo *arg)
{
	return ioctl_ret(fd, DRM_IOCTL_NOVAX_GSP_ECHO, arg);
}

uint64_t novax_gsp_echo(int fd, uint64_t cookie)
{
	struct drm_novax_gsp_echo e = { .cookie = cookie };
	int ret = __novax_gsp_echo(fd, &e);

	igt_assert_f(ret == 0, "GSP_ECHO of cookie %#" PRIx64 " failed: %s\n", cookie,
		     igt_errno_name(-ret));
	igt_assert_eq_u64(e.cookie, cookie);
	return e.latency_ns;
}

void novax_fill(void *ptr, size_t size, uint32_t seed)
{
	volatile uint32_t *w = ptr;

	for (size_t i = 0; i < size / 4; i++)
		w[i] = novax_pattern(seed, i);
}

long novax_check(const void *ptr, size_t size, uint32_t seed)
{
	const volatile uint32_t *w = ptr;

	for (size_t i = 0; i < size / 4; i++)
		if (w[i] != novax_pattern(seed, i))
			return (long)(i * 4);
	return -1;
}

/* ---- debugfs ---- */

int novax_debugfs_dir(int fd)
{
	char path[128];
	int dir;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/novax", novax_render_minor(fd));
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir >= 0)
		return dir;
	igt_require_f(access("/sys/kernel/debug/dri", F_OK) == 0,
		      "debugfs is not mounted (or DRM has no debugfs): no /sys/kernel/debug/dri");
	igt_assert_f(false, "%s: %s, though debugfs has /sys/kernel/debug/dri\n", path,
		     strerror(errno));
	return -1;
}

int __novax_debugfs_read(int dir, const char *file, char *buf, size_t len)
{
	int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	/* debugfs files may hand out their text in pieces: read to the end. */
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	close(fd);
	return n;
}

void novax_debugfs_read(int dir, const char *file, char *buf, size_t len)
{
	int ret = __novax_debugfs_read(dir, file, buf, len);

	igt_assert_f(ret >= 0, "reading debugfs file %s failed: %s\n", file,
		     igt_errno_name(-ret));
}

int novax_debugfs_write(int dir, const char *file, const char *text)
{
	int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t r;
	int ret = 0;

	if (fd < 0)
		return -errno;
	r = write(fd, text, len);
	if (r < 0)
		ret = -errno;
	else if ((size_t)r != len)
		ret = -EMSGSIZE; /* a short write of a command: nothing a test expects */
	close(fd);
	return ret;
}

static const char *next_line(const char *line)
{
	const char *nl = strchr(line, '\n');

	return nl ? nl + 1 : NULL;
}

bool novax_parse_key(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);

	for (const char *line = text; line; line = next_line(line)) {
		const char *num = line + klen + 2;
		char *end;

		if (strncmp(line, key, klen) || line[klen] != ':' || line[klen + 1] != ' ')
			continue;
		errno = 0;
		*value = strtoull(num, &end, 0);
		return errno == 0 && end != num && (*end == '\n' || *end == '\0');
	}
	return false;
}

uint64_t novax_debugfs_get(int dir, const char *file, const char *key)
{
	char buf[4096];
	uint64_t v = 0;

	novax_debugfs_read(dir, file, buf, sizeof(buf));
	igt_assert_f(novax_parse_key(buf, key, &v), "debugfs %s has no valid \"%s: N\" line:\n%s",
		     file, key, buf);
	return v;
}

uint64_t novax_debugfs_value(int dir, const char *file)
{
	char buf[64], *end;
	uint64_t v;

	novax_debugfs_read(dir, file, buf, sizeof(buf));
	errno = 0;
	v = strtoull(buf, &end, 10);
	igt_assert_f(errno == 0 && end != buf && (*end == '\n' || *end == '\0'),
		     "debugfs %s does not hold a number: \"%s\"\n", file, buf);
	return v;
}
