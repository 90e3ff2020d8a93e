// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * novax_bench: novax measured against peers in the same boot, as ratios.
 *
 *   novax_bench [-o RESULTS_FILE] [-n OPERATIONS_PER_ROUND]
 *
 * - GEM path: dumb create + GEM_CLOSE per second on novax's primary node against the same on
 *   vgem's (a C driver on the same shmem GEM helpers), at 4 KiB and 1 MiB: the same ioctls,
 *   node kind and code in both, neither making an mmap offset at creation.
 * - Ioctl dispatch: novax GETPARAM per second against the DRM core's own DRM_IOCTL_GET_CAP on
 *   the same file (a pure C path).
 * - VM: 4 KiB MAP+UNMAP pairs (synchronous VM_BIND) per second against novax GEM create+close
 *   on the same file, and the time to map and unmap a 1 GiB object with 64 KiB PTEs where its
 *   pages allow against 4 KiB PTEs only.
 * - GSP path: echo RPC latency (p50/p99) and event-flood throughput, interrupts per message and
 *   CPU time, with the NAPI-style poller against the same driver forced to one message per
 *   interrupt (debugfs poll_mode "single").
 *
 * These are benchmarks, not tests: they print a table and write it to RESULTS_FILE; targets are
 * shown next to the figures and never fail the run.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include "novax_drm.h"

static FILE *out;
/* Operations per round of a GEM comparison (GETPARAM/GET_CAP do 5x as many). */
static int iterations = 500;
/* Measurements that failed (an ioctl or the emulator): the exit status says so. */
static int failures;
/*
 * A comparison runs ROUNDS rounds after a warm-up of both sides, alternating which side goes
 * first. A round is one short run of each side, back to back, and gives one ratio; the figure
 * is the median of those ratios, shown with their middle half (the 25th to 75th percentile).
 * Short adjacent runs see the same conditions: under TCG on a shared host the speed of the
 * virtual CPU drifts by +-30% over tens of milliseconds, which long runs of each side measure as
 * much as the drivers. The process stays on one CPU for a comparison, so that both sides run on
 * the same (virtual) CPU.
 */
#define ROUNDS 101

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (out) {
		va_start(ap, fmt);
		vfprintf(out, fmt, ap);
		va_end(ap);
	}
}

static int open_driver(const char *name, int render, char *path, size_t len)
{
	int base = render ? 128 : 0;

	for (int i = base; i < base + 64; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, len, render ? "/dev/dri/renderD%d" : "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, name)) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

/* Dumb create (1024 x SIZE/4096 at 32 bpp: a 4096-byte pitch on both) + GEM_CLOSE. */
static double dumb_rate(int fd, uint64_t size)
{
	double t0 = now();

	for (int i = 0; i < iterations; i++) {
		struct drm_mode_create_dumb c = { .width = 1024, .bpp = 32,
						   .height = (uint32_t)(size / 4096) };
		struct drm_gem_close cl;

		if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
			return -errno;
		cl.handle = c.handle;
		cl.pad = 0;
		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	return iterations / (now() - t0);
}

static double getparam_rate(int fd, uint64_t unused)
{
	(void)unused;
	double t0 = now();

	for (int i = 0; i < iterations * 5; i++) {
		struct drm_novax_getparam g = { .param = NOVAX_GETPARAM_CHIPSET };

		if (ioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &g))
			return -errno;
	}
	return iterations * 5 / (now() - t0);
}

static double getcap_rate(int fd, uint64_t unused)
{
	(void)unused;
	double t0 = now();

	for (int i = 0; i < iterations * 5; i++) {
		struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

		if (ioctl(fd, DRM_IOCTL_GET_CAP, &c))
			return -errno;
	}
	return iterations * 5 / (now() - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

typedef double (*rate_fn)(int fd, uint64_t arg);

/*
 * Medians of ROUNDS alternating rounds of A (on FDA) and B (on FDB), and of their ratios, with
 * the interquartile range of the ratios.
 */
struct comparison { double a, b, ratio, lo, hi; };

static int compare_rounds(rate_fn a, int fda, rate_fn b, int fdb, uint64_t arg,
			  struct comparison *c)
{
	double ra[ROUNDS], rb[ROUNDS], q[ROUNDS];

	if (a(fda, arg) < 0 || b(fdb, arg) < 0)
		return -1;
	for (int r = 0; r < ROUNDS; r++) {
		if (r & 1) {
			rb[r] = b(fdb, arg);
			ra[r] = a(fda, arg);
		} else {
			ra[r] = a(fda, arg);
			rb[r] = b(fdb, arg);
		}
		if (ra[r] <= 0 || rb[r] <= 0)
			return -1;
		q[r] = ra[r] / rb[r];
	}
	c->a = median(ra, ROUNDS);
	c->b = median(rb, ROUNDS);
	c->ratio = median(q, ROUNDS);
	c->lo = q[ROUNDS / 4];
	c->hi = q[ROUNDS - 1 - ROUNDS / 4];
	return 0;
}

/* compare_rounds() on the CPU the process is running on; the CPU mask is restored after. */
static int compare(rate_fn a, int fda, rate_fn b, int fdb, uint64_t arg, struct comparison *c)
{
	cpu_set_t old, one;
	int cpu = sched_getcpu(), pinned, ret;

	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	pinned = !sched_getaffinity(0, sizeof(old), &old) && !sched_setaffinity(0, sizeof(one), &one);
	ret = compare_rounds(a, fda, b, fdb, arg, c);
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	return ret;
}

static void report_comparison(const char *name, int ret, const struct comparison *c,
			      const char *target)
{
	if (ret) {
		report("%-34s failed: %s\n", name, strerror(errno));
		failures++;
		return;
	}
	report("%-34s %12.0f/s %12.0f/s %8.2f  %4.2f-%4.2f  %s\n", name, c->a, c->b, c->ratio,
	       c->lo, c->hi, target);
}

/* The VM benchmarks' object (4 KiB) and VA, set up once on the render node. */
static uint32_t vm_bo;
#define VM_VA (1ULL << 36)

static int bind1(int fd, uint32_t op, uint32_t handle, uint64_t addr, uint64_t range)
{
	struct drm_novax_vm_bind_op o = { .op = op, .handle = handle, .addr = addr, .range = range };
	struct drm_novax_vm_bind b = {
		.ops = { .stride = sizeof(o), .count = 1, .ptr = (uintptr_t)&o },
	};

	return ioctl(fd, DRM_IOCTL_NOVAX_VM_BIND, &b) ? -errno : 0;
}

/* A 4 KiB MAP and its UNMAP (two synchronous VM_BINDs), per second. */
static double bind_rate(int fd, uint64_t unused)
{
	(void)unused;
	double t0 = now();

	for (int i = 0; i < iterations; i++) {
		int e = bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, vm_bo, VM_VA, 4096);

		if (e || (e = bind1(fd, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, VM_VA, 4096)))
			return e;
	}
	return iterations / (now() - t0);
}

/* novax GEM_CREATE (4 KiB) + GEM_CLOSE per second, the peer of bind_rate. */
static double gem_rate(int fd, uint64_t unused)
{
	(void)unused;
	double t0 = now();

	for (int i = 0; i < iterations; i++) {
		struct drm_novax_gem_create c = { .size = 4096 };
		struct drm_gem_close cl = { 0 };

		if (ioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c))
			return -errno;
		cl.handle = c.handle;
		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	return iterations / (now() - t0);
}

/* MAP then UNMAP of all of SIZE bytes of HANDLE at VA: the two times in ms (< 0: failed). */
static int map_unmap_ms(int fd, uint32_t handle, uint64_t va, uint64_t size, double ms[2])
{
	double t0 = now(), t1;

	if (bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, handle, va, size))
		return -1;
	t1 = now();
	if (bind1(fd, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, va, size))
		return -1;
	ms[0] = (t1 - t0) * 1e3;
	ms[1] = (now() - t1) * 1e3;
	return 0;
}

/*
 * The VM rows: 4 KiB MAP+UNMAP pairs against GEM create+close on the same file, and the time to
 * map and unmap a large object at a 64 KiB-aligned VA (64 KiB PTEs wherever its pages are
 * contiguous) and at a VA 4 KiB off that (4 KiB PTEs only). The first map pins (and, on first
 * use, allocates) the pages, so the object is mapped once before the timed runs.
 */
static void vm_rows(int fd, uint64_t big_size)
{
	struct drm_novax_vm_init init = { .kernel_addr = 1ULL << 32, .kernel_size = 64 << 20 };
	struct drm_novax_gem_create c = { .size = 4096 }, b = { .size = big_size };
	struct comparison cmp;
	double aligned[2], misaligned[2];

	if (ioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &init) || ioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c) ||
	    ioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &b)) {
		report("%-34s failed: %s\n", "VM setup", strerror(errno));
		failures++;
		return;
	}
	vm_bo = c.handle;
	report_comparison("VM_BIND 4K map+unmap vs GEM c+c",
			  compare(bind_rate, fd, gem_rate, fd, 0, &cmp), &cmp, ">= 0.50");
	if (map_unmap_ms(fd, b.handle, 1ULL << 40, big_size, aligned) ||
	    map_unmap_ms(fd, b.handle, 1ULL << 40, big_size, aligned) ||
	    map_unmap_ms(fd, b.handle, (1ULL << 40) + 4096, big_size, misaligned)) {
		report("%-34s failed: %s\n", "VM map/unmap of a large object", strerror(errno));
		failures++;
		return;
	}
	report("VM map %4llu MiB: %8.1f ms at a 64K-aligned VA, %8.1f ms with 4K PTEs only (%.2fx)\n",
	       (unsigned long long)(big_size >> 20), aligned[0], misaligned[0],
	       misaligned[0] / aligned[0]);
	report("VM unmap %4llu MiB: %6.1f ms at a 64K-aligned VA, %8.1f ms with 4K PTEs only (%.2fx)\n",
	       (unsigned long long)(big_size >> 20), aligned[1], misaligned[1],
	       misaligned[1] / aligned[1]);
}

/* debugfs */
static char dbg[128];

static int dbg_write(const char *file, const char *val)
{
	char p[192];
	int fd, ret;

	snprintf(p, sizeof(p), "%s/%s", dbg, file);
	fd = open(p, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static long long dbg_value(const char *file, const char *key)
{
	char p[192], line[128];
	long long v = -1;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dbg, file);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtoll(line + klen + 1, NULL, 0);
	fclose(f);
	return v;
}

/* The emulator's test-control block in BAR2 (Documentation/gpu/novax-gsp.rst). */
static volatile uint32_t *ctl;

static int emu_open(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[512], v[16] = "", id[16] = "";
		FILE *f;
		int fd;
		void *m;

		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		fgets(v, sizeof(v), f);
		fclose(f);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		fgets(id, sizeof(id), f);
		fclose(f);
		if (strncmp(v, "0x1af4", 6) || strncmp(id, "0x1110", 6))
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource2", e->d_name);
		fd = open(p, O_RDWR | O_SYNC);
		if (fd < 0)
			continue;
		m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			continue;
		ctl = (volatile uint32_t *)((char *)m + 0x1f1000);
		closedir(d);
		return 0;
	}
	if (d)
		closedir(d);
	return -1;
}

static int emu_cmd(uint32_t cmd, uint32_t a0, uint32_t a1)
{
	uint32_t seq = ctl[3] + 1;
	double t0 = now();

	ctl[0] = cmd;
	ctl[1] = a0;
	ctl[2] = a1;
	__sync_synchronize();
	ctl[3] = seq;
	while (ctl[4] != seq)
		if (now() - t0 > 5)
			return -ETIMEDOUT;
	return -(int)ctl[5];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Echo RPC latencies in poll modes MODE[0] and MODE[1] ("napi": the NAPI-style poller;
 * "single": one interrupt per message): N echoes each, in LAT_BLOCKS alternating blocks (so that
 * both see the same host conditions), as reported by the driver (send to reply, in ns).
 * Percentiles in P50/P99[0] and [1]. With the same mode twice it is a control: how far apart
 * two identical configurations measure.
 */
#define LAT_BLOCKS 100

static int echo_latencies(int fd, int n, const char *const mode[2], uint64_t p50[2],
			  uint64_t p99[2])
{
	uint64_t *lat[2] = { calloc(n, sizeof(uint64_t)), calloc(n, sizeof(uint64_t)) };
	int per = n / LAT_BLOCKS, got[2] = { 0, 0 }, ret = -1;

	if (!lat[0] || !lat[1] || per < 1)
		goto out;
	for (int b = 0; b < 2 * LAT_BLOCKS; b++) {
		int m = (b ^ (b >> 1)) & 1;	/* mode 0, 1, 1, 0, 0, 1, ... */

		if (dbg_write("poll_mode", mode[m]))
			goto out;
		for (int i = 0; i < per; i++) {
			struct drm_novax_gsp_echo e = { .cookie = (uint64_t)b << 32 | i };

			if (ioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e))
				goto out;
			lat[m][got[m]++] = e.latency_ns;
		}
	}
	for (int m = 0; m < 2; m++) {
		qsort(lat[m], got[m], sizeof(uint64_t), cmp_u64);
		p50[m] = lat[m][got[m] / 2];
		p99[m] = lat[m][got[m] * 99 / 100];
	}
	ret = 0;
out:
	dbg_write("poll_mode", "napi");
	free(lat[0]);
	free(lat[1]);
	return ret;
}

/* One latency row: A (novax's NAPI-style poller) and B in ns, and B / A. */
static void report_latency(const char *name, uint64_t a, uint64_t b, const char *target)
{
	report("%-34s %12llu ns %12llu ns %8.2f  %9s  %s\n", name, (unsigned long long)a,
	       (unsigned long long)b, a ? (double)b / a : 0, "", target);
}

/*
 * One flood of EVENTS tick events in the current poll mode: the message rate, interrupts per
 * message, and the receive path's CPU time per message as the driver accounts it (irq_ns +
 * poll_ns: the hard IRQ handler and the polls, in ns; the kernel's interrupt entry and exit and
 * the softirq's dispatch are not included, the interrupt count shows how often they run).
 */
struct flood { double msgs_per_s, irqs_per_msg, ns_per_msg; };

static int flood(uint32_t events, struct flood *r)
{
	long long ev0 = dbg_value("gsp_stats", "tick_events"), ev;
	long long irq0 = dbg_value("poller_stats", "interrupts");
	long long msg0 = dbg_value("poller_stats", "messages_polled");
	long long ns0 = dbg_value("poller_stats", "irq_ns") + dbg_value("poller_stats", "poll_ns");
	long long irq, msg, ns;
	double t0 = now();

	if (emu_cmd(2, events, 0))
		return -1;
	do {
		ev = dbg_value("gsp_stats", "tick_events");
		if (ev < 0 || now() - t0 > 120)
			return -1;
		usleep(2000);
	} while (ev - ev0 < events);
	r->msgs_per_s = events / (now() - t0);
	usleep(20000); /* the last poll's bookkeeping */
	irq = dbg_value("poller_stats", "interrupts");
	msg = dbg_value("poller_stats", "messages_polled");
	ns = dbg_value("poller_stats", "irq_ns") + dbg_value("poller_stats", "poll_ns");
	if (irq < 0 || msg <= msg0 || ns <= ns0)
		return -1;
	r->irqs_per_msg = (double)(irq - irq0) / events;
	r->ns_per_msg = (double)(ns - ns0) / (msg - msg0);
	return 0;
}

#define FLOOD_ROUNDS_MAX 9

/* Medians of A[] and B[] (N <= FLOOD_ROUNDS_MAX rounds each), of the per-round ratios A/B, and their middle half. */
static void summarize(double *a, double *b, int n, struct comparison *c)
{
	double q[FLOOD_ROUNDS_MAX];

	for (int r = 0; r < n; r++)
		q[r] = b[r] > 0 ? a[r] / b[r] : 0;
	c->a = median(a, n);
	c->b = median(b, n);
	c->ratio = median(q, n);
	c->lo = q[n / 4];
	c->hi = q[n - 1 - n / 4];
}

/*
 * FLOOD_ROUNDS floods in each poll mode, napi and single alternating (napi first in even
 * rounds, single first in odd ones), so that both modes see the same host conditions. The rows
 * compare napi (novax) with single (the peer); every ratio is "how much better napi is", so for
 * interrupts and CPU time it is single / napi.
 */
static void flood_rows(uint32_t events, int rounds)
{
	double rate[2][FLOOD_ROUNDS_MAX], irqs[2][FLOOD_ROUNDS_MAX], ns[2][FLOOD_ROUNDS_MAX];
	static const char *const mode[2] = { "napi", "single" };
	struct comparison c;

	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			int m = k ^ (r & 1);
			struct flood f;

			if (dbg_write("poll_mode", mode[m]) || flood(events, &f)) {
				report("%-34s failed in round %d (%s)\n", "event flood", r, mode[m]);
				failures++;
				dbg_write("poll_mode", "napi");
				return;
			}
			rate[m][r] = f.msgs_per_s;
			irqs[m][r] = f.irqs_per_msg;
			ns[m][r] = f.ns_per_msg;
		}
	}
	dbg_write("poll_mode", "napi");
	summarize(rate[0], rate[1], rounds, &c);
	report("%-34s %12.0f/s %12.0f/s %8.2f  %4.2f-%4.2f  %s\n", "event flood throughput", c.a,
	       c.b, c.ratio, c.lo, c.hi, ">= 3.00");
	summarize(irqs[1], irqs[0], rounds, &c);
	report("%-34s %14.4f %14.4f %8.2f  %4.0f-%4.0f  %s\n", "interrupts per message", c.b, c.a,
	       c.ratio, c.lo, c.hi, ">= 10.00 (fewer)");
	summarize(ns[1], ns[0], rounds, &c);
	report("%-34s %11.0f ns %11.0f ns %8.2f  %4.2f-%4.2f  %s\n", "driver CPU per message", c.b,
	       c.a, c.ratio, c.lo, c.hi, ">= 1.00 (less)");
}

int main(int argc, char **argv)
{
	char npath[64], vpath[64], cpath[64];
	const char *results = NULL;
	int nfd, vfd, cfd, opt, echoes = 4000;
	uint32_t events = 4000;
	int flood_rounds = 7;
	bool smoke = false;
	struct stat st;

	while ((opt = getopt(argc, argv, "o:n:s")) != -1) {
		if (opt == 'o') {
			results = optarg;
		} else if (opt == 'n') {
			iterations = atoi(optarg);
		} else if (opt == 's') {
			/* A smoke run: every measurement, briefly; the figures mean nothing. */
			smoke = true;
			iterations = 50;
			echoes = 200;
			events = 500;
			flood_rounds = 2;
		} else {
			fprintf(stderr, "usage: novax_bench [-o FILE] [-n ITERATIONS] [-s]\n");
			return 2;
		}
	}
	nfd = open_driver("novax", 1, npath, sizeof(npath));
	if (nfd < 0) {
		fprintf(stderr, "novax_bench: no novax render node\n");
		return 1;
	}
	if (results)
		out = fopen(results, "w");
	report("novax benchmarks (medians of %d rounds of %d operations, %d for GETPARAM, after a "
	       "warm-up; range: the middle half of the per-round ratios; ratios > 1.00 mean novax "
	       "is faster)\n", ROUNDS, iterations, iterations * 5);
	report("%-34s %14s %14s %8s  %9s  %s\n", "benchmark", "novax", "peer", "ratio", "range",
	       "target");

	vfd = open_driver("vgem", 0, vpath, sizeof(vpath));
	cfd = open_driver("novax", 0, cpath, sizeof(cpath));
	for (int big = 0; big < 2; big++) {
		const char *name = big ? "dumb create+close 1 MiB (vgem)" : "dumb create+close 4 KiB (vgem)";
		struct comparison c;

		if (vfd < 0 || cfd < 0) {
			report("%-34s skipped: no vgem device or no novax primary node\n", name);
			if (smoke)
				failures++;
			continue;
		}
		report_comparison(name, compare(dumb_rate, cfd, dumb_rate, vfd,
						big ? 1 << 20 : 4096, &c), &c, ">= 1.00");
	}
	{
		struct comparison c;

		report_comparison("GETPARAM vs DRM GET_CAP",
				  compare(getparam_rate, nfd, getcap_rate, nfd, 0, &c), &c, ">= 0.95");
	}

	vm_rows(nfd, smoke ? 16 << 20 : 1 << 30);

	fstat(nfd, &st);
	snprintf(dbg, sizeof(dbg), "/sys/kernel/debug/dri/%u/novax", minor(st.st_rdev));
	if (access(dbg, R_OK) || emu_open()) {
		report("GSP benchmarks skipped: no debugfs or no emulated GPU\n");
		if (smoke)
			failures++;
	} else {
		uint64_t p50[2], p99[2];

		static const char *const napi_single[2] = { "napi", "single" };
		static const char *const napi_napi[2] = { "napi", "napi" };

		if (echo_latencies(nfd, echoes, napi_single, p50, p99)) {
			report("%-34s failed: %s\n", "echo latency", strerror(errno));
			failures++;
		} else {
			report_latency("echo latency p50 (napi vs single)", p50[0], p50[1], "");
			report_latency("echo latency p99 (napi vs single)", p99[0], p99[1],
				       ">= 1.00 (no worse)");
		}
		/* The same measurement of napi against itself: the noise in the line above. */
		if (!echo_latencies(nfd, echoes, napi_napi, p50, p99))
			report_latency("echo p99 control (napi vs napi)", p99[0], p99[1], "(noise)");
		else
			failures++;

		flood_rows(events, flood_rounds);
		dbg_write("poll_mode", "napi");
	}
	if (out)
		fclose(out);
	if (failures)
		fprintf(stderr, "novax_bench: %d measurement(s) failed\n", failures);
	return failures ? 1 : 0;
}
