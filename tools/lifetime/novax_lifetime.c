// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * novax_lifetime: the novax device going away under busy clients, over and over.
 *
 *   novax_lifetime [-n CYCLES] [-N NAME] --unplug CMD --replug CMD
 *   novax_lifetime [-n CYCLES] [-N NAME] --unbind
 *
 * Each cycle finds the novax render node (the renderD whose debugfs directory has a "novax"
 * subdirectory) and sets up, on two clients of it: GEM objects (4 KiB, 1 MiB, 64 KiB) mapped
 * through GEM_INFO's mmap offset with a pattern written (the 64 KiB one never touched), the
 * 1 MiB one exported as a dma-buf (PRIME, DRM_CLOEXEC | DRM_RDWR) that is mapped too and
 * imported by the second client, and two debugfs files (the driver's gsp_stats, the DRM core's
 * name) open. Then the device goes away: CMD run through system() (e.g. "rmmod novax_core"),
 * or, with --unbind, the core PCI driver unbound through sysfs. Afterwards:
 *
 *  - the render node is gone: new opens fail with ENOENT;
 *  - every ioctl on the old files (novax, GEM_CLOSE, PRIME, VERSION) fails with ENODEV, which
 *    drm_ioctl() returns for an unplugged device before looking at the request;
 *  - a new mmap() of the old DRM file fails with ENODEV (drm_gem_mmap());
 *  - the existing CPU mappings of the objects and of the dma-buf still hold the pattern and
 *    stay writable (shmem pages live as long as the object; SIGBUS/SIGSEGV are caught and
 *    reported as failures), and a new mmap() of the dma-buf works (drm_gem_prime_mmap() does
 *    not look at the device), as do DMA_BUF_IOCTL_SYNC calls on it;
 *  - reads of the open debugfs files fail with EIO (debugfs's removed-file proxy);
 *  - on the emulated GPU, the driver has halted the GSP and leaves the device alone: from the
 *    halt until just before the replug (after the checks above and QUIET_MS more) the emulator
 *    counted no doorbell rings and no register writes (its STATS counters, read through BAR2;
 *    Documentation/gpu/novax-gsp.rst, "After the halt"). They are read before the replug
 *    because the next probe's initialisation writes count too. Without the emulated GPU these
 *    checks are skipped.
 *
 * Then the device comes back (CMD, or binding the core driver again), a new render node
 * appears, GETPARAM and an echo RPC work on it, the old dma-buf is imported into the new device
 * (PRIME FD_TO_HANDLE) and mapped there with the data written before and after the unplug, the
 * old files stay dead, everything is closed without error and the novax module's reference
 * count is back where it was (nothing holds the module any more).
 *
 * Prints one "NOVAX-RESULT PASS|FAIL lifetimes.NAME.CHECK (detail)" line per check over all
 * cycles (see guest/lib.sh), then "NOVAX-FIGURE lifetime_cycles N" with the number of cycles
 * in which every check passed. A check counts as run in a cycle only if the cycle got to it; a
 * cycle that ends early (setup or the unplug failed, the device did not come back) fails every
 * check it did not reach. Exits 1 if any check failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <linux/dma-buf.h>
#include <drm.h>
#include "novax_drm.h"

#define CHIPSET 0x192
#define CORE_DRIVER_DIR "/sys/bus/pci/drivers/novax_core"
#define PCI_DEVICES_DIR "/sys/bus/pci/devices"
#define MODULE_REFCNT "/sys/module/novax/refcnt"
#define NBOS 3
#define SHARED 1	/* the object exported as a dma-buf */
#define UNTOUCHED 2	/* mapped but never faulted in before the unplug */

static const size_t bo_sizes[NBOS] = { 4096, 1 << 20, 64 << 10 };

/* The emulated GPU (Documentation/gpu/novax-gsp.rst): ivshmem-doorbell, BAR2 the shared memory. */
#define EMU_VENDOR 0x1af4
#define EMU_DEVICE 0x1110
#define EMU_SHM_SIZE (4u << 20)
#define EMU_SIGNATURE0 0x1f0000		/* "NOVX" */
#define EMU_SIGNATURE1 0x1f0004		/* "EMU1" */
#define EMU_GSP_STATE 0x1f0024		/* 0 halted, 1 running, 2 dead */
#define EMU_STAT_HALTED_DOORBELLS 0x1f1070
#define EMU_STAT_HALTED_WRITES 0x1f1078
#define EMU_STAT_HALTS 0x1f1080
/* How long the device stays away after the checks of the old files, watched by the emulator. */
#define QUIET_MS 100

/* The checks, each reported once over all cycles. */
enum check {
	C_SETUP,
	C_UNPLUG,
	C_NODE_GONE,
	C_IOCTLS,
	C_MMAP_OLD,
	C_MAPPINGS,
	C_DMABUF,
	C_DEBUGFS,
	C_HALTED,
	C_QUIET_DOORBELLS,
	C_QUIET_WRITES,
	C_REPLUG,
	C_NEW_DEVICE,
	C_REIMPORT,
	C_OLD_STAY_DEAD,
	C_RELEASE,
	NCHECKS
};

static const char *const check_names[NCHECKS] = {
	[C_SETUP] = "setup",
	[C_UNPLUG] = "unplug",
	[C_NODE_GONE] = "node-gone",
	[C_IOCTLS] = "ioctls-enodev",
	[C_MMAP_OLD] = "mmap-old-file-enodev",
	[C_MAPPINGS] = "mappings-alive",
	[C_DMABUF] = "dmabuf-alive",
	[C_DEBUGFS] = "debugfs-eio",
	[C_HALTED] = "gsp-halted",
	[C_QUIET_DOORBELLS] = "no-doorbells-after-halt",
	[C_QUIET_WRITES] = "no-register-writes-after-halt",
	[C_REPLUG] = "replug",
	[C_NEW_DEVICE] = "new-device-works",
	[C_REIMPORT] = "prime-reimport",
	[C_OLD_STAY_DEAD] = "old-files-stay-dead",
	[C_RELEASE] = "release",
};

static struct {
	int runs, failures;	/* cycles that ran it, cycles in which it failed */
	int last_failed;	/* the last cycle in which it failed */
	char first[256];	/* the first failure's detail */
	char figures[128];	/* what was measured over all cycles, if anything */
	const char *skip;	/* not run, and why */
} checks[NCHECKS];

static bool reached[NCHECKS];	/* the checks the current cycle got to */
static const char *name = "cycles";
static int cycle;		/* the current cycle, from 1 */
static int cycle_failed;
static int verbose;		/* print observations (the first cycle) */

/* The current cycle got to check C: it counts as run in this cycle. */
static void ran(enum check c)
{
	if (!reached[c]) {
		reached[c] = true;
		checks[c].runs++;
	}
}

/* Records one failure of check C in the current cycle. */
static void failf(enum check c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(enum check c, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("novax_lifetime: cycle %d: %s: %s\n", cycle, check_names[c], buf);
	if (!checks[c].failures)
		snprintf(checks[c].first, sizeof(checks[c].first), "cycle %d: %s", cycle, buf);
	if (checks[c].last_failed != cycle)
		checks[c].failures++;
	checks[c].last_failed = cycle;
	cycle_failed = 1;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("novax_lifetime: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const char *errname(int err)
{
	switch (err) {
	case 0: return "success";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	default: return strerror(err);
	}
}

/* ioctl() returning 0 or -errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The minor of the novax render node, or -1. */
static int find_minor(void)
{
	char path[64];

	for (int m = 128; m < 192; m++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/novax", m);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", m);
		if (!access(path, F_OK))
			return m;
	}
	return -1;
}

static int wait_minor(int timeout_ms)
{
	int m;

	for (int waited = 0; (m = find_minor()) < 0 && waited < timeout_ms; waited += 20)
		sleep_ms(20);
	return m;
}

static int open_node(int minor)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* The novax module's reference count, or -1 if it is not a module. */
static long module_refcnt(void)
{
	FILE *f = fopen(MODULE_REFCNT, "re");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* The PCI device the core driver is bound to, as "dddd:bb:dd.f". */
static int core_bdf(char *bdf, size_t len)
{
	DIR *d = opendir(CORE_DRIVER_DIR);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		unsigned int dom, bus, dev, fn;
		char c;

		if (sscanf(e->d_name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &c) == 4 &&
		    strlen(e->d_name) < len) {
			memcpy(bdf, e->d_name, strlen(e->d_name) + 1);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* Writes TEXT to the sysfs file PATH: 0 or -errno. */
static int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* BAR2 of the emulated GPU, mapped read-only, or NULL. */
static volatile uint8_t *emu;

static uint32_t emu_rd32(uint32_t off)
{
	return *(volatile uint32_t *)(emu + off);
}

static uint64_t emu_rd64(uint32_t off)
{
	return *(volatile uint64_t *)(emu + off);
}

/* A PCI device attribute such as "vendor" ("0x1af4\n"): its value, or -1. */
static long pci_attr(const char *dev, const char *attr)
{
	char path[320], buf[32];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), PCI_DEVICES_DIR "/%s/%s", dev, attr);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 16);
	fclose(f);
	return v;
}

/*
 * Maps BAR2 of the emulated GPU: the ivshmem device whose register window carries the novax
 * emulator signature. Leaves emu NULL, with *WHY saying so, if there is none.
 */
static void emu_open(char *why, size_t len)
{
	DIR *d = opendir(PCI_DEVICES_DIR);
	struct dirent *e;

	snprintf(why, len, "no emulated GPU (PCI %04x:%04x)", EMU_VENDOR, EMU_DEVICE);
	while (d && !emu && (e = readdir(d))) {
		char path[320];
		struct stat st;
		void *p;
		int fd;

		if (pci_attr(e->d_name, "vendor") != EMU_VENDOR ||
		    pci_attr(e->d_name, "device") != EMU_DEVICE)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES_DIR "/%s/resource2", e->d_name);
		fd = open(path, O_RDONLY | O_SYNC | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size < EMU_SHM_SIZE) {
			snprintf(why, len, "%.120s: %s", path, fd < 0 ? strerror(errno) : "too small");
			if (fd >= 0)
				close(fd);
			continue;
		}
		p = mmap(NULL, EMU_SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			snprintf(why, len, "mmap of %.120s: %s", path, strerror(errno));
			continue;
		}
		emu = p;
		if (emu_rd32(EMU_SIGNATURE0) != 0x58564f4e || emu_rd32(EMU_SIGNATURE1) != 0x31554d45) {
			snprintf(why, len, "%.64s has no novax emulator signature", e->d_name);
			munmap(p, EMU_SHM_SIZE);
			emu = NULL;
		}
	}
	if (d)
		closedir(d);
}

/* The emulator's counters of what the driver did while it had the GSP halted. */
struct halt_stats {
	unsigned long long halts, doorbells, writes;
};

static struct halt_stats emu_halt_stats(void)
{
	return (struct halt_stats){
		.halts = emu_rd64(EMU_STAT_HALTS),
		.doorbells = emu_rd64(EMU_STAT_HALTED_DOORBELLS),
		.writes = emu_rd64(EMU_STAT_HALTED_WRITES),
	};
}

/* Over all cycles: the accesses seen after the halts, and how long the device was watched. */
static unsigned long long quiet_doorbells, quiet_writes, quiet_halts, quiet_ms;

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/*
 * The device is away: the driver halted the GSP exactly once since BEFORE was read (before the
 * unplug), and since then has neither rung the doorbell nor written a register. Waits QUIET_MS
 * first, so that late work of the old driver has the time to show and the emulator (polling
 * every millisecond) to see it. SINCE: when the unplug finished.
 */
static void check_quiet(const struct halt_stats *before, long long since)
{
	struct halt_stats now;
	unsigned long long halts, rings, writes;
	uint32_t state;

	if (!emu)
		return;
	ran(C_HALTED);
	ran(C_QUIET_DOORBELLS);
	ran(C_QUIET_WRITES);
	sleep_ms(QUIET_MS);
	now = emu_halt_stats();
	state = emu_rd32(EMU_GSP_STATE);
	halts = now.halts - before->halts;
	rings = now.doorbells - before->doorbells;
	writes = now.writes - before->writes;
	quiet_halts += halts;
	quiet_doorbells += rings;
	quiet_writes += writes;
	quiet_ms += (unsigned long long)(now_ms() - since);
	note("after unplug: GSP_STATE %u; emulator: halts %llu -> %llu, doorbells while halted "
	     "%llu -> %llu, register writes while halted %llu -> %llu", state, before->halts,
	     now.halts, before->doorbells, now.doorbells, before->writes, now.writes);
	if (halts != 1 || state != 0)
		failf(C_HALTED, "the emulator saw %llu halts, expected 1; GSP_STATE %u, expected 0 "
		      "(halted)", halts, state);
	if (rings)
		failf(C_QUIET_DOORBELLS, "doorbell rings after the GSP halt: %llu (emulator total "
		      "%llu -> %llu)", rings, before->doorbells, now.doorbells);
	if (writes)
		failf(C_QUIET_WRITES, "register writes after the GSP halt: %llu (emulator total "
		      "%llu -> %llu)", writes, before->writes, now.writes);
}

/* The figures of the post-halt checks over all cycles, or why they are skipped. */
static void quiet_summary(const char *no_emu)
{
	if (!emu) {
		for (int c = C_HALTED; c <= C_QUIET_WRITES; c++)
			checks[c].skip = no_emu;
		return;
	}
	snprintf(checks[C_HALTED].figures, sizeof(checks[C_HALTED].figures),
		 "halts seen in all: %llu", quiet_halts);
	snprintf(checks[C_QUIET_DOORBELLS].figures, sizeof(checks[C_QUIET_DOORBELLS].figures),
		 "doorbell rings in all: %llu in %llu ms halted", quiet_doorbells, quiet_ms);
	snprintf(checks[C_QUIET_WRITES].figures, sizeof(checks[C_QUIET_WRITES].figures),
		 "register writes in all: %llu in %llu ms halted", quiet_writes, quiet_ms);
}

/* How the device goes away and comes back. */
static const char *unplug_cmd, *replug_cmd;
static int unbind_mode;
static char bdf[32];

/*
 * Makes the device go away (UNBIND "unbind", CMD the --unplug command) or come back ("bind",
 * the --replug command): 0, or nonzero with *WHY saying what failed.
 */
static int transition(const char *unbind, const char *cmd, char *why, size_t len)
{
	char path[96];
	int ret;

	if (unbind_mode) {
		snprintf(path, sizeof(path), CORE_DRIVER_DIR "/%s", unbind);
		ret = sysfs_write(path, bdf);
		snprintf(why, len, "%s %s: %s", unbind, bdf, errname(-ret));
		return ret;
	}
	ret = system(cmd);
	snprintf(why, len, "'%s' exited with status %#x", cmd, ret);
	return ret;
}

/* Patterns: word I of a buffer filled with SEED. */
static uint32_t pattern(uint32_t seed, size_t i)
{
	return seed ^ (uint32_t)(i * 2654435761u);
}

static sigjmp_buf probe_jmp;

static void probe_handler(int sig)
{
	siglongjmp(probe_jmp, sig);
}

/*
 * Checks that the SIZE bytes at P hold pattern EXPECT (0: all zeros) and, if FILL is nonzero,
 * rewrites them with pattern FILL. Catches SIGBUS and SIGSEGV. Returns 0 if all is well, a
 * signal number if touching the memory raised one, or -1 on a mismatch (*BAD: its word index).
 */
static int probe(void *p, size_t size, uint32_t expect, uint32_t fill, long *bad)
{
	struct sigaction sa = { .sa_handler = probe_handler }, old_bus, old_segv;
	volatile uint32_t *w = p;
	volatile int ret = 0;
	int sig;

	*bad = -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(probe_jmp, 1);
	if (!sig) {
		for (size_t i = 0; i < size / 4; i++) {
			if (w[i] != (expect ? pattern(expect, i) : 0)) {
				*bad = (long)i;
				ret = -1;
				break;
			}
		}
		for (size_t i = 0; fill && !ret && i < size / 4; i++)
			w[i] = pattern(fill, i);
	} else {
		ret = sig;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return ret;
}

/* probe() as a check: records a failure of C describing WHAT. */
static void check_mem(enum check c, const char *what, void *p, size_t size, uint32_t expect,
		      uint32_t fill)
{
	long bad;
	int ret = probe(p, size, expect, fill, &bad);

	if (ret > 0)
		failf(c, "%s: SIG%s on access", what, sigabbrev_np(ret));
	else if (ret < 0)
		failf(c, "%s: word %ld is %#x, expected %#x", what, bad, ((uint32_t *)p)[bad],
		      expect ? pattern(expect, bad) : 0);
}

struct bo {
	uint32_t handle;
	uint64_t offset;
	void *map;
};

/* Everything one cycle holds across the unplug. */
struct clients {
	int minor, fd, fd2, dmabuf, dbg_stats, dbg_name;
	struct bo bo[NBOS];
	void *dmabuf_map;
	uint32_t imported;	/* the dma-buf imported by the second client */
};

static int create_bo(int fd, size_t size, struct bo *bo)
{
	struct drm_novax_gem_create cr = { .size = size };
	struct drm_novax_gem_info info = { 0 };
	int ret;

	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &cr);
	if (ret)
		return ret;
	bo->handle = info.handle = cr.handle;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	if (ret)
		return ret;
	bo->offset = info.mmap_offset;
	bo->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	return bo->map == MAP_FAILED ? -errno : 0;
}

/* Opens a debugfs file of the device and reads it once: the fd, or -errno. */
static int open_debugfs(int minor, const char *file)
{
	char path[96], buf[512];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/%s", minor, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf)) <= 0 || lseek(fd, 0, SEEK_SET) != 0) {
		int err = errno ? -errno : -EIO;

		close(fd);
		return err;
	}
	return fd;
}

static uint32_t seed(int k)
{
	return 0x11f30000u + (uint32_t)cycle * 16 + (uint32_t)k;
}

/* Sets up the clients; 0, or -1 after recording why not. */
static int setup(struct clients *cl)
{
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	int ret;

	cl->minor = find_minor();
	if (cl->minor < 0) {
		failf(C_SETUP, "no novax render node");
		return -1;
	}
	cl->fd = open_node(cl->minor);
	cl->fd2 = open_node(cl->minor);
	if (cl->fd < 0 || cl->fd2 < 0) {
		failf(C_SETUP, "opening renderD%d: %s", cl->minor, strerror(errno));
		return -1;
	}
	ret = xioctl(cl->fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	if (ret || gp.value != CHIPSET) {
		failf(C_SETUP, "GETPARAM: %s, chipset %#llx", errname(-ret),
		      (unsigned long long)gp.value);
		return -1;
	}
	for (int i = 0; i < NBOS; i++) {
		ret = create_bo(cl->fd, bo_sizes[i], &cl->bo[i]);
		if (ret) {
			failf(C_SETUP, "object of %zu bytes: %s", bo_sizes[i], errname(-ret));
			return -1;
		}
		if (i != UNTOUCHED)
			check_mem(C_SETUP, "fresh object", cl->bo[i].map, bo_sizes[i], 0, seed(i));
	}
	prime.handle = cl->bo[SHARED].handle;
	ret = xioctl(cl->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	if (ret) {
		failf(C_SETUP, "PRIME export: %s", errname(-ret));
		return -1;
	}
	cl->dmabuf = prime.fd;
	cl->dmabuf_map = mmap(NULL, bo_sizes[SHARED], PROT_READ | PROT_WRITE, MAP_SHARED,
			      cl->dmabuf, 0);
	if (cl->dmabuf_map == MAP_FAILED) {
		failf(C_SETUP, "mmap of the dma-buf: %s", strerror(errno));
		return -1;
	}
	check_mem(C_SETUP, "dma-buf mapping", cl->dmabuf_map, bo_sizes[SHARED], seed(SHARED), 0);
	prime.handle = 0;
	ret = xioctl(cl->fd2, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime);
	if (ret) {
		failf(C_SETUP, "PRIME import by the second client: %s", errname(-ret));
		return -1;
	}
	cl->imported = prime.handle;
	cl->dbg_stats = open_debugfs(cl->minor, "novax/gsp_stats");
	cl->dbg_name = open_debugfs(cl->minor, "name");
	if (cl->dbg_stats < 0 || cl->dbg_name < 0) {
		failf(C_SETUP, "debugfs: gsp_stats %s, name %s",
		      errname(cl->dbg_stats < 0 ? -cl->dbg_stats : 0),
		      errname(cl->dbg_name < 0 ? -cl->dbg_name : 0));
		return -1;
	}
	return 0;
}

/* Every ioctl on FD of an unplugged device fails with ENODEV. */
static void check_ioctls_enodev(enum check c, const char *which, int fd, uint32_t handle,
				int dmabuf)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct drm_novax_gem_create cr = { .size = 4096 };
	struct drm_novax_gem_info info = { .handle = handle };
	struct drm_novax_gsp_echo echo = { .cookie = 0xdead };
	struct drm_prime_handle export = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle import = { .fd = dmabuf };
	struct drm_gem_close gc = { .handle = handle };
	char vname[16];
	struct drm_version v = { .name = vname, .name_len = sizeof(vname) };
	static const struct {
		const char *name;
		unsigned long req;
	} reqs[] = {
		{ "GETPARAM", DRM_IOCTL_NOVAX_GETPARAM },
		{ "GEM_CREATE", DRM_IOCTL_NOVAX_GEM_CREATE },
		{ "GEM_INFO", DRM_IOCTL_NOVAX_GEM_INFO },
		{ "GSP_ECHO", DRM_IOCTL_NOVAX_GSP_ECHO },
		{ "PRIME_HANDLE_TO_FD", DRM_IOCTL_PRIME_HANDLE_TO_FD },
		{ "PRIME_FD_TO_HANDLE", DRM_IOCTL_PRIME_FD_TO_HANDLE },
		{ "GEM_CLOSE", DRM_IOCTL_GEM_CLOSE },
		{ "VERSION", DRM_IOCTL_VERSION },
	};
	void *args[] = { &gp, &cr, &info, &echo, &export, &import, &gc, &v };

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int ret = xioctl(fd, reqs[i].req, args[i]);

		note("after unplug, %s on the %s file: %s", reqs[i].name, which, errname(-ret));
		if (!ret && args[i] == &export)
			close(export.fd);
		if (ret != -ENODEV)
			failf(c, "%s on the %s file: %s, expected ENODEV", reqs[i].name, which,
			      errname(-ret));
	}
}

/* A read of debugfs file FD of a removed device fails with EIO. */
static void check_debugfs_eio(enum check c, const char *file, int fd)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));
	int err = n < 0 ? errno : 0;

	note("after unplug, read of debugfs %s: %zd (%s)", file, n, errname(err));
	if (n >= 0 || err != EIO)
		failf(c, "read of debugfs %s: %zd (%s), expected EIO", file, n, errname(err));
}

/* After the unplug: what the old files and mappings do. */
static void check_unplugged(struct clients *cl)
{
	char path[32];
	void *p;
	int fd;

	ran(C_NODE_GONE);
	snprintf(path, sizeof(path), "/dev/dri/renderD%d", cl->minor);
	fd = open(path, O_RDWR | O_CLOEXEC);
	note("after unplug, open of %s: %s", path, errname(fd < 0 ? errno : 0));
	if (fd >= 0) {
		failf(C_NODE_GONE, "%s still opens", path);
		close(fd);
	} else if (errno != ENOENT) {
		failf(C_NODE_GONE, "open %s: %s, expected ENOENT", path, errname(errno));
	}

	ran(C_IOCTLS);
	check_ioctls_enodev(C_IOCTLS, "first", cl->fd, cl->bo[0].handle, cl->dmabuf);
	check_ioctls_enodev(C_IOCTLS, "second", cl->fd2, cl->imported, cl->dmabuf);

	ran(C_MMAP_OLD);
	p = mmap(NULL, bo_sizes[0], PROT_READ, MAP_SHARED, cl->fd, cl->bo[0].offset);
	note("after unplug, new mmap of an object through the DRM file: %s",
	     errname(p == MAP_FAILED ? errno : 0));
	if (p != MAP_FAILED) {
		failf(C_MMAP_OLD, "new mmap of the unplugged DRM file worked");
		munmap(p, bo_sizes[0]);
	} else if (errno != ENODEV) {
		failf(C_MMAP_OLD, "new mmap of the unplugged DRM file: %s, expected ENODEV",
		      errname(errno));
	}

	/* Existing mappings: the pattern is there, and they take a new one. */
	ran(C_MAPPINGS);
	check_mem(C_MAPPINGS, "4 KiB object", cl->bo[0].map, bo_sizes[0], seed(0), seed(8));
	check_mem(C_MAPPINGS, "1 MiB object", cl->bo[SHARED].map, bo_sizes[SHARED], seed(SHARED),
		  seed(9));
	check_mem(C_MAPPINGS, "untouched object", cl->bo[UNTOUCHED].map, bo_sizes[UNTOUCHED], 0,
		  seed(10));
	check_mem(C_MAPPINGS, "4 KiB object rewritten", cl->bo[0].map, bo_sizes[0], seed(8), 0);
	check_mem(C_MAPPINGS, "untouched object rewritten", cl->bo[UNTOUCHED].map,
		  bo_sizes[UNTOUCHED], seed(10), 0);

	/* The dma-buf: the old mapping sees the object's new content; new mappings work. */
	ran(C_DMABUF);
	check_mem(C_DMABUF, "old dma-buf mapping", cl->dmabuf_map, bo_sizes[SHARED], seed(9), 0);
	{
		struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
		int ret = xioctl(cl->dmabuf, DMA_BUF_IOCTL_SYNC, &sync);

		if (!ret) {
			sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
			ret = xioctl(cl->dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
		}
		note("after unplug, DMA_BUF_IOCTL_SYNC on the dma-buf: %s", errname(-ret));
		if (ret)
			failf(C_DMABUF, "DMA_BUF_IOCTL_SYNC: %s", errname(-ret));
	}
	p = mmap(NULL, bo_sizes[SHARED], PROT_READ | PROT_WRITE, MAP_SHARED, cl->dmabuf, 0);
	note("after unplug, new mmap of the dma-buf: %s", errname(p == MAP_FAILED ? errno : 0));
	if (p == MAP_FAILED) {
		failf(C_DMABUF, "new mmap of the dma-buf: %s", errname(errno));
	} else {
		check_mem(C_DMABUF, "new dma-buf mapping", p, bo_sizes[SHARED], seed(9), seed(11));
		check_mem(C_DMABUF, "object mapping after a dma-buf write", cl->bo[SHARED].map,
			  bo_sizes[SHARED], seed(11), 0);
		munmap(p, bo_sizes[SHARED]);
	}

	ran(C_DEBUGFS);
	check_debugfs_eio(C_DEBUGFS, "novax/gsp_stats", cl->dbg_stats);
	check_debugfs_eio(C_DEBUGFS, "name", cl->dbg_name);
}

/* After the replug: the new device works and takes the old dma-buf. */
static void check_replugged(struct clients *cl, int minor)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct drm_novax_gsp_echo echo = { .cookie = 0x1f3c0000ULL + (unsigned int)cycle };
	struct drm_prime_handle prime = { .fd = cl->dmabuf };
	struct drm_novax_gem_info info = { 0 };
	struct drm_gem_close gc = { 0 };
	int fd, ret;
	void *p;

	ran(C_NEW_DEVICE);
	fd = open_node(minor);
	if (fd < 0) {
		failf(C_NEW_DEVICE, "opening renderD%d: %s", minor, strerror(errno));
		return;
	}
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);
	if (ret || gp.value != CHIPSET)
		failf(C_NEW_DEVICE, "GETPARAM: %s, chipset %#llx", errname(-ret),
		      (unsigned long long)gp.value);
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &echo);
	if (ret || echo.cookie != 0x1f3c0000ULL + (unsigned int)cycle)
		failf(C_NEW_DEVICE, "echo RPC: %s", errname(-ret));

	ran(C_REIMPORT);
	ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime);
	note("after replug, import of the old dma-buf into the new device: %s", errname(-ret));
	if (ret) {
		failf(C_REIMPORT, "import of the old dma-buf: %s", errname(-ret));
		goto out;
	}
	info.handle = gc.handle = prime.handle;
	ret = xioctl(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info);
	if (ret || info.size != bo_sizes[SHARED]) {
		failf(C_REIMPORT, "GEM_INFO of the imported object: %s, size %llu", errname(-ret),
		      (unsigned long long)info.size);
	} else {
		p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 info.mmap_offset);
		if (p == MAP_FAILED) {
			failf(C_REIMPORT, "mmap of the imported object: %s", errname(errno));
		} else {
			/* The data written before (and after) the unplug is there. */
			check_mem(C_REIMPORT, "imported object", p, info.size, seed(11),
				  seed(12));
			munmap(p, info.size);
			check_mem(C_REIMPORT, "old object mapping after a write through the new "
				  "device", cl->bo[SHARED].map, info.size, seed(12), 0);
		}
	}
	ret = xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	if (ret)
		failf(C_REIMPORT, "GEM_CLOSE of the imported object: %s", errname(-ret));
out:
	if (close(fd))
		failf(C_RELEASE, "close of the new device's file: %s", strerror(errno));
}

/* Unmaps and closes everything the cycle held: no errors, and no module references left. */
static void release(struct clients *cl, long refcnt)
{
	int fds[] = { cl->dmabuf, cl->dbg_stats, cl->dbg_name, cl->fd2, cl->fd };
	long now = -1;

	ran(C_RELEASE);
	for (int i = 0; i < NBOS; i++)
		if (cl->bo[i].map && cl->bo[i].map != MAP_FAILED &&
		    munmap(cl->bo[i].map, bo_sizes[i]))
			failf(C_RELEASE, "munmap: %s", strerror(errno));
	if (cl->dmabuf_map && cl->dmabuf_map != MAP_FAILED &&
	    munmap(cl->dmabuf_map, bo_sizes[SHARED]))
		failf(C_RELEASE, "munmap of the dma-buf: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0 && close(fds[i]))
			failf(C_RELEASE, "close: %s", strerror(errno));
	if (refcnt < 0)
		return;
	/* Closing is synchronous, but give a deferred release a moment. */
	for (int waited = 0; (now = module_refcnt()) != refcnt && waited < 2000; waited += 20)
		sleep_ms(20);
	if (now != refcnt)
		failf(C_RELEASE, "novax module reference count %ld, %ld before the cycle", now,
		      refcnt);
}

static int cycle_body(void);

/*
 * One cycle; returns -1 if the device did not come back (no point in going on). A check the
 * cycle did not get to (it ended early) fails in this cycle: it did not run, so it did not pass.
 */
static int run_cycle(void)
{
	int ret;

	memset(reached, 0, sizeof(reached));
	ret = cycle_body();
	for (int c = 0; c < NCHECKS; c++) {
		/* Without the emulator the post-halt checks are skipped (quiet_summary()). */
		if (reached[c] || (!emu && (c == C_HALTED || c == C_QUIET_DOORBELLS ||
					    c == C_QUIET_WRITES)))
			continue;
		ran(c);
		failf(c, "not run: the cycle ended before it");
	}
	return ret;
}

static int cycle_body(void)
{
	struct clients cl = { .fd = -1, .fd2 = -1, .dmabuf = -1, .dbg_stats = -1, .dbg_name = -1 };
	long refcnt = module_refcnt();
	struct halt_stats before = { 0 };
	long long unplugged;
	char why[200];
	int minor, ret = 0;

	cycle_failed = 0;
	ran(C_SETUP);
	if (setup(&cl)) {
		release(&cl, -1);
		return -1;
	}
	if (emu)
		before = emu_halt_stats();
	ran(C_UNPLUG);
	if (transition("unbind", unplug_cmd, why, sizeof(why))) {
		failf(C_UNPLUG, "%s", why);
		release(&cl, -1);
		return -1;
	}
	unplugged = now_ms();
	check_unplugged(&cl);
	check_quiet(&before, unplugged);

	ran(C_REPLUG);
	if (transition("bind", replug_cmd, why, sizeof(why)))
		failf(C_REPLUG, "%s", why);
	minor = wait_minor(15000);
	if (minor < 0) {
		failf(C_REPLUG, "no novax render node 15 s after the replug");
		ret = -1;
	} else {
		note("after replug: renderD%d (was renderD%d)", minor, cl.minor);
		check_replugged(&cl, minor);
	}

	/* The old files do not come back to life with the new device. */
	ran(C_OLD_STAY_DEAD);
	{
		struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
		char buf[64];
		int r = xioctl(cl.fd, DRM_IOCTL_NOVAX_GETPARAM, &gp);

		if (r != -ENODEV)
			failf(C_OLD_STAY_DEAD, "GETPARAM on the old file: %s", errname(-r));
		if (read(cl.dbg_stats, buf, sizeof(buf)) >= 0 || errno != EIO)
			failf(C_OLD_STAY_DEAD, "old debugfs file: read did not fail with EIO");
	}
	release(&cl, refcnt);
	return ret;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-n CYCLES] [-N NAME] --unplug CMD --replug CMD\n"
		"       %s [-n CYCLES] [-N NAME] --unbind\n", argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cycles", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, 'N' },
		{ "unplug", required_argument, NULL, 'u' },
		{ "replug", required_argument, NULL, 'r' },
		{ "unbind", no_argument, NULL, 'b' },
		{ 0 }
	};
	int cycles = 3, survived = 0, failed = 0, opt;
	char no_emu[200];

	while ((opt = getopt_long(argc, argv, "n:N:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': cycles = atoi(optarg); break;
		case 'N': name = optarg; break;
		case 'u': unplug_cmd = optarg; break;
		case 'r': replug_cmd = optarg; break;
		case 'b': unbind_mode = 1; break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc || cycles < 1 || unbind_mode == !!(unplug_cmd || replug_cmd) ||
	    (!unbind_mode && !(unplug_cmd && replug_cmd)))
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (unbind_mode && !core_bdf(bdf, sizeof(bdf))) {
		printf("NOVAX-RESULT FAIL lifetimes.%s.setup (core driver not bound to a device)\n",
		       name);
		printf("NOVAX-FIGURE lifetime_cycles 0\n");
		return 1;
	}
	emu_open(no_emu, sizeof(no_emu));
	if (!emu)
		printf("novax_lifetime: %s: the post-halt checks are skipped\n", no_emu);

	for (cycle = 1; cycle <= cycles; cycle++) {
		verbose = cycle == 1;
		if (run_cycle()) {
			cycle++;
			break;
		}
		if (!cycle_failed)
			survived++;
		printf("novax_lifetime: %s cycle %d: %s\n", name, cycle,
		       cycle_failed ? "failed" : "survived");
	}

	quiet_summary(no_emu);
	for (int c = 0; c < NCHECKS; c++) {
		const char *sep = checks[c].figures[0] ? "; " : "";

		if (checks[c].skip && !checks[c].failures) {
			printf("NOVAX-RESULT SKIP lifetimes.%s.%s (%s)\n", name, check_names[c],
			       checks[c].skip);
		} else if (checks[c].failures) {
			failed = 1;
			printf("NOVAX-RESULT FAIL lifetimes.%s.%s (%d of %d cycles failed; %s%s%s)\n",
			       name, check_names[c], checks[c].failures, checks[c].runs,
			       checks[c].first, sep, checks[c].figures);
		} else {
			printf("NOVAX-RESULT PASS lifetimes.%s.%s (%d cycles%s%s)\n", name,
			       check_names[c], checks[c].runs, sep, checks[c].figures);
		}
	}
	if (survived < cycles && !failed) {
		failed = 1;
		printf("NOVAX-RESULT FAIL lifetimes.%s.cycles (%d of %d ran)\n", name, cycle - 1,
		       cycles);
	}
	printf("NOVAX-FIGURE lifetime_cycles %d\n", survived);
	return failed;
}
