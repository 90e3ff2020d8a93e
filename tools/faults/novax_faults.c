// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * novax_faults: every slab allocation of every novax ioctl (and of the generic calls a novax
 * client makes: open, PRIME export and import, dumb buffers, framebuffers) fails once.
 *
 * For each operation and N = 1, 2, ...: write N to /proc/thread-self/fail-nth, run the operation,
 * read back what is left. 0 left means the N-th allocation of the call failed: the call must then
 * fail with ENOMEM (or succeed, if the allocation had a fallback), leave nothing behind, and the
 * same call made right after without a fault must work. A nonzero count left means the call made
 * fewer than N allocations: every allocation site of it has been failed once, the sweep of that
 * operation ends. Leaks are found by the kmemleak scan that follows; oopses and lockdep reports
 * by the kernel-log check. Needs failslab with ignore-gfp-wait=N and probability 0
 * (guest/tests/28-ioctl-faults.sh sets that up).
 *
 * Usage: novax_faults RENDER_NODE PRIMARY_NODE
 * Prints one line per operation, "ok NAME: K allocations failed ..." or "BAD NAME: ...", and a
 * closing "novax_faults: T allocations failed in O operations, B bad"; exit 1 if any is bad.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drm.h"
#include "drm_fourcc.h"
#include "drm_mode.h"
#include "novax_drm.h"

#define MAX_N 400

static const char *render_path, *card_path;
static int render, card, other;	/* two files of the render node, the primary node */
static int fail_nth = -1;

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static void set_fail_nth(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(fail_nth, buf, len, 0) != len) {
		perror("fail-nth write");
		exit(2);
	}
}

/* What is left of the count: 0 once the fault was injected. */
static int get_fail_nth(void)
{
	char buf[16] = "";

	if (pread(fail_nth, buf, sizeof(buf) - 1, 0) <= 0) {
		perror("fail-nth read");
		exit(2);
	}
	return atoi(buf);
}

/*
 * One operation: returns 0 or the errno of the call under test. Whatever it created is
 * released again (without a fault: set_fail_nth(0) comes first in the caller's cleanup).
 */
struct op {
	const char *name;
	int (*run)(void);
	void (*cleanup)(void);
};

static uint32_t handle, handle2, fb_id;
static int dmabuf = -1, newfd = -1;

static void close_handle(int fd, uint32_t *h)
{
	struct drm_gem_close cl = { .handle = *h };

	if (*h)
		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	*h = 0;
}

static int op_open(void)
{
	newfd = open(render_path, O_RDWR | O_CLOEXEC);
	return newfd < 0 ? errno : 0;
}

static void cl_open(void)
{
	if (newfd >= 0)
		close(newfd);
	newfd = -1;
}

static int op_getparam(void)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_GSP_FW_VERSION };

	return xioctl(render, DRM_IOCTL_NOVAX_GETPARAM, &gp);
}

static int create(int fd, uint64_t size, uint32_t *h)
{
	struct drm_novax_gem_create c = { .size = size };
	int e = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c);

	if (!e)
		*h = c.handle;
	return e;
}

static int op_gem_create(void)
{
	return create(render, 64 << 10, &handle);
}

static void cl_gem(void)
{
	close_handle(render, &handle);
	close_handle(other, &handle2);
}

/* GEM_INFO on a new object (its first INFO makes the mmap offset). */
static int op_gem_info(void)
{
	struct drm_novax_gem_info info = { .handle = handle };

	return xioctl(render, DRM_IOCTL_NOVAX_GEM_INFO, &info);
}

static int op_echo(void)
{
	struct drm_novax_gsp_echo ge = { .cookie = 0xfa17 };
	int e = xioctl(render, DRM_IOCTL_NOVAX_GSP_ECHO, &ge);

	return e ? e : ge.cookie == 0xfa17 ? 0 : -1;
}

static int op_export(void)
{
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
	int e;

	ph.handle = handle;
	e = xioctl(render, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	if (!e)
		dmabuf = ph.fd;
	return e;
}

static void cl_export(void)
{
	if (dmabuf >= 0)
		close(dmabuf);
	dmabuf = -1;
	cl_gem();
}

/* Import into another file of the device: a new handle for the same object. */
static int op_import(void)
{
	struct drm_prime_handle ph = { .fd = dmabuf };
	int e = xioctl(other, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);

	if (!e)
		handle2 = ph.handle;
	return e;
}

static int op_create_dumb(void)
{
	struct drm_mode_create_dumb cd = { .width = 64, .height = 64, .bpp = 32 };
	int e = xioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd);

	if (!e)
		handle = cd.handle;
	return e;
}

static void cl_dumb(void)
{
	if (fb_id)
		xioctl(card, DRM_IOCTL_MODE_RMFB, &fb_id);
	fb_id = 0;
	close_handle(card, &handle);
}

static int op_addfb2(void)
{
	struct drm_mode_fb_cmd2 fb = {
		.width = 64, .height = 64, .pixel_format = DRM_FORMAT_XRGB8888,
		.handles = { handle }, .pitches = { 256 },
	};
	int e = xioctl(card, DRM_IOCTL_MODE_ADDFB2, &fb);

	if (!e)
		fb_id = fb.fb_id;
	return e;
}

/* Setups done without a fault before an operation's sweep step: a new object (what
 * op_gem_create makes under the sweep), and one exported. */
static int setup_exported(void)
{
	return op_gem_create() || op_export();
}

static int setup_dumb(void)
{
	return op_create_dumb();
}

/*
 * may_not_allocate: the call allocates nothing from slab (its argument is on the stack).
 * alt: an errno besides ENOMEM a failed allocation may give: shmem reports a failed inode
 * allocation of a new object's file as ENOSPC (shmem_get_inode()), and the DRM core passes
 * it on.
 */
static const struct {
	struct op op;
	int (*setup)(void);
	int may_not_allocate;
	int alt;
} ops[] = {
	{ { "open", op_open, cl_open }, NULL, 0, 0 },
	{ { "GETPARAM", op_getparam, NULL }, NULL, 1, 0 },
	{ { "GEM_CREATE", op_gem_create, cl_gem }, NULL, 0, ENOSPC },
	{ { "GEM_INFO", op_gem_info, cl_gem }, op_gem_create, 1, 0 },
	{ { "GSP_ECHO", op_echo, NULL }, NULL, 1, 0 },
	{ { "PRIME_HANDLE_TO_FD", op_export, cl_export }, op_gem_create, 0, 0 },
	{ { "PRIME_FD_TO_HANDLE", op_import, cl_export }, setup_exported, 0, 0 },
	{ { "CREATE_DUMB", op_create_dumb, cl_dumb }, NULL, 0, ENOSPC },
	{ { "ADDFB2", op_addfb2, cl_dumb }, setup_dumb, 0, 0 },
};

int main(int argc, char **argv)
{
	unsigned int i, total = 0, nbad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s RENDER_NODE PRIMARY_NODE\n", argv[0]);
		return 2;
	}
	render_path = argv[1];
	card_path = argv[2];
	render = open(render_path, O_RDWR | O_CLOEXEC);
	other = open(render_path, O_RDWR | O_CLOEXEC);
	card = open(card_path, O_RDWR | O_CLOEXEC);
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (render < 0 || other < 0 || card < 0 || fail_nth < 0) {
		perror("open");
		return 2;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *op = &ops[i].op;
		int n, failed = 0, enomem = 0, alt = 0, survived = 0, bad = 0, done = 0;
		char why[128] = "";

		for (n = 1; n <= MAX_N && !bad; n++) {
			int e, left;

			if (ops[i].setup && ops[i].setup()) {
				snprintf(why, sizeof(why), "setup failed without a fault");
				bad = 1;
				break;
			}
			set_fail_nth(n);
			e = op->run();
			left = get_fail_nth();
			set_fail_nth(0);
			if (left) {
				/* Fewer than n allocations: the call ran as it does without faults. */
				if (e) {
					snprintf(why, sizeof(why), "without a fault: %s", strerror(e > 0 ? e : EPROTO));
					bad = 1;
				}
				done = 1;
			} else {
				failed++;
				if (e == ENOMEM)
					enomem++;
				else if (e && e == ops[i].alt)
					alt++;
				else if (e == 0)
					survived++;
				else {
					snprintf(why, sizeof(why), "allocation %d failed: %s, not ENOMEM", n,
						 e > 0 ? strerror(e) : "wrong result");
					bad = 1;
				}
			}
			if (op->cleanup)
				op->cleanup();
			/* The call works again right after a failed one. */
			if (!bad && !done) {
				if (ops[i].setup && ops[i].setup()) {
					snprintf(why, sizeof(why), "setup failed after allocation %d failed", n);
					bad = 1;
				} else if ((e = op->run())) {
					snprintf(why, sizeof(why), "after allocation %d failed the call fails: %s",
						 n, e > 0 ? strerror(e) : "wrong result");
					bad = 1;
				}
				if (op->cleanup)
					op->cleanup();
			}
			if (done)
				break;
		}
		if (!bad && !done)
			snprintf(why, sizeof(why), "still allocating after %d failures", MAX_N), bad = 1;
		if (!bad && failed == 0 && !ops[i].may_not_allocate)
			snprintf(why, sizeof(why), "no allocation to fail (failslab not set up?)"), bad = 1;
		total += failed;
		nbad += bad;
		if (bad)
			printf("BAD %s: %s\n", op->name, why);
		else
			printf("ok  %s: %d allocations failed one at a time: %d ENOMEM, %d %s, %d survived\n",
			       op->name, failed, enomem, alt, ops[i].alt ? strerror(ops[i].alt) : "other",
			       survived);
	}
	printf("novax_faults: %u allocations failed in %zu operations, %u bad\n", total,
	       sizeof(ops) / sizeof(ops[0]), nbad);
	return nbad ? 1 : 0;
}
