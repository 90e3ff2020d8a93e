// SPDX-License-Identifier: MIT
/*
 * novax_unbind: the device going away under its users. Unbinding the DRM driver (or the core
 * PCI driver beneath it) with clients open: their ioctls fail with ENODEV, their existing
 * mappings of shmem-backed objects stay readable and writable (no SIGBUS), new mappings are
 * refused, and rebinding brings a working device back. Also with echo traffic in flight, and
 * after the GPU "falls off the bus".
 *
 * Destructive: it unbinds the drivers. Run it last; every exit path rebinds what it unbound.
 * At the end it prints "NOVAX-FIGURE unbind_cycles N": the unbinds followed by a successful
 * rebind (the robustness figures of scripts/test.sh).
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BO_SIZE (64 * 4096)
#define NV_PMC_BOOT_0 0x000000
#define NV_PMC_BOOT_42 0x000a00

static char aux[64], bdf[32];
/* Unbinds followed by a rebind that brought a render node back. */
static unsigned int cycles;

/* The auxiliary device's name changes whenever the core driver rebinds. */
static void refresh_aux(void)
{
	igt_assert_f(novax_aux_device(aux, sizeof(aux)), "no novax_core.drm.* device\n");
}

static void unbind_drm(void)
{
	refresh_aux();
	igt_assert_eq(novax_drm_unbind(aux), 0);
	igt_assert_f(novax_wait_no_render(5000), "render node still there after unbind\n");
}

static int bind_drm(void)
{
	int fd;

	igt_assert_eq(novax_drm_bind(aux), 0);
	fd = novax_wait_render(10000);
	igt_assert_f(fd >= 0, "no render node after binding %s\n", aux);
	cycles++;
	return fd;
}

static void unbind_core(void)
{
	igt_assert_eq(novax_core_unbind(bdf), 0);
	igt_assert_f(novax_wait_no_render(5000), "render node still there after core unbind\n");
}

static int bind_core(void)
{
	int fd, ret = novax_core_bind(bdf);

	igt_assert_f(ret == 0, "binding the core driver to %s: %s\n", bdf, igt_errno_name(-ret));
	/* The DRM driver probes the new auxiliary device by itself. */
	fd = novax_wait_render(10000);
	igt_assert_f(fd >= 0, "no render node after rebinding the core driver\n");
	refresh_aux();
	cycles++;
	return fd;
}

/* A freshly bound device works: parameters, echo, objects. */
static void check_works(int fd)
{
	uint32_t h;
	void *p;

	igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_CHIPSET), NOVAX_EMU_CHIPSET);
	novax_gsp_echo(fd, 0xa11fe);
	h = novax_gem_create(fd, BO_SIZE, NULL);
	p = novax_gem_mmap(fd, h, BO_SIZE, PROT_READ | PROT_WRITE);
	novax_fill(p, BO_SIZE, 5);
	igt_assert_eq(novax_check(p, BO_SIZE, 5), -1);
	munmap(p, BO_SIZE);
	gem_close(fd, h);
}

/* Every ioctl on FD of an unplugged device fails with ENODEV. */
static void check_enodev(int fd, uint32_t handle)
{
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct drm_novax_gem_create c = { .size = 4096 };
	struct drm_novax_gem_info info = { .handle = handle };
	struct drm_novax_gsp_echo e = { .cookie = 1 };
	struct drm_prime_handle prime = { .handle = handle, .flags = DRM_CLOEXEC };
	struct drm_gem_close close_arg = { .handle = handle };
	struct drm_version v = {};

	do_ioctl_err(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_CREATE, &c, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_NOVAX_GEM_INFO, &info, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_GEM_CLOSE, &close_arg, ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_VERSION, &v, ENODEV);
}

static sigjmp_buf probe_jmp;

static void probe_handler(int sig)
{
	siglongjmp(probe_jmp, sig);
}

/* Returns the offset of the first nonzero word of P, or -1. */
static long find_nonzero(const void *p, size_t size)
{
	const volatile uint32_t *w = p;

	for (size_t i = 0; i < size / 4; i++)
		if (w[i])
			return (long)(i * 4);
	return -1;
}

/*
 * Checks that mapping P holds pattern SEED (or zeros, for SEED -1) and can be rewritten,
 * catching SIGBUS and SIGSEGV (instead of letting the harness report a crash) so that the
 * failure says what happened.
 */
static void check_mapping_alive(void *p, size_t size, int64_t seed)
{
	struct sigaction sa = { .sa_handler = probe_handler }, old_bus, old_segv;
	volatile long mismatch = -1, mismatch2 = -1;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(probe_jmp, 1);
	if (!sig) {
		mismatch = seed < 0 ? find_nonzero(p, size) : novax_check(p, size, seed);
		novax_fill(p, size, seed + 1);
		mismatch2 = novax_check(p, size, seed + 1);
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	igt_assert_f(!sig, "touching a mapping of an object of the unplugged device raised "
		     "SIG%s; shmem-backed objects stay accessible\n", sigabbrev_np(sig));
	igt_assert_eq(mismatch, -1);
	igt_assert_eq(mismatch2, -1);
}

/*
 * A child echoing on FD until the first failure, which must be ENODEV; it tells the parent
 * through READY once echoes flow.
 */
static void echo_until_gone(int fd, int ready)
{
	uint64_t ok = 0;

	for (;;) {
		struct drm_novax_gsp_echo e = { .cookie = ok ^ 0xec40 };
		int ret = __novax_gsp_echo(fd, &e);

		if (ret) {
			igt_info("echo child: %" PRIu64 " echoes, then %s\n", ok,
				 igt_errno_name(-ret));
			igt_assert_f(ret == -ENODEV, "echo failed with %s while the device went "
				     "away, expected ENODEV\n", igt_errno_name(-ret));
			break;
		}
		igt_assert_eq_u64(e.cookie, ok ^ 0xec40);
		if (++ok == 1)
			igt_assert_eq(write(ready, "1", 1), 1);
	}
	/* Once gone, it stays gone. */
	for (int i = 0; i < 10; i++) {
		struct drm_novax_gsp_echo e = { .cookie = i };

		igt_assert_eq(__novax_gsp_echo(fd, &e), -ENODEV);
	}
}

/* Starts an echo child on a new client and waits until its echoes flow. */
static void start_echo_child(void)
{
	int fd = drm_open_novax_render(), p[2];
	struct pollfd pfd;
	char c;

	igt_assert_eq(pipe(p), 0);
	igt_fork(child, 1) {
		close(p[0]);
		echo_until_gone(fd, p[1]);
	}
	close(p[1]);
	close(fd);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	igt_assert_f(poll(&pfd, 1, 30000) == 1 && read(p[0], &c, 1) == 1,
		     "the echo child did not get going\n");
	close(p[0]);
	usleep(200000); /* let traffic run a little */
}

igt_main
{
	igt_fixture {
		int fd = drm_open_novax_render();

		close(fd);
		igt_require_f(novax_core_driver_dir(), "core PCI driver not loaded");
		igt_require_f(novax_pci_bdf(bdf, sizeof(bdf)), "no emulated GPU");
		refresh_aux();
		igt_require_f(novax_drm_bound(aux), "DRM driver not bound to %s", aux);
	}

	igt_describe("Unbind and rebind the DRM driver with no client: the render node goes and "
		     "comes back working.");
	igt_subtest("unbind-rebind-idle") {
		int fd;

		unbind_drm();
		fd = bind_drm();
		check_works(fd);
		close(fd);
	}

	igt_describe("Unbind with a client open: its ioctls fail with ENODEV, new mappings are "
		     "refused, existing mappings (touched or not) stay usable, closing is fine; "
		     "a rebound device works.");
	igt_subtest("unbind-with-open-client") {
		int fd = drm_open_novax_render(), fd2;
		uint32_t h = novax_gem_create(fd, BO_SIZE, NULL), h2;
		uint64_t off = novax_gem_info(fd, h).mmap_offset;
		void *touched = novax_gem_mmap(fd, h, BO_SIZE, PROT_READ | PROT_WRITE), *untouched;

		h2 = novax_gem_create(fd, BO_SIZE, NULL);
		untouched = novax_gem_mmap(fd, h2, BO_SIZE, PROT_READ | PROT_WRITE);
		novax_fill(touched, BO_SIZE, 0x1234);

		unbind_drm();
		check_enodev(fd, h);
		igt_assert(mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, fd, off) == MAP_FAILED);
		igt_assert_errno(ENODEV);
		check_mapping_alive(touched, BO_SIZE, 0x1234);
		/* Never faulted in before the unbind: still a new object's zeros. */
		check_mapping_alive(untouched, BO_SIZE, -1);

		fd2 = bind_drm();
		check_works(fd2);
		check_enodev(fd, h); /* the old file stays dead */
		check_mapping_alive(touched, BO_SIZE, 0x1235);
		munmap(touched, BO_SIZE);
		munmap(untouched, BO_SIZE);
		igt_assert_eq(close(fd), 0);
		close(fd2);
	}

	igt_describe("Unbind while another process is busy with echo RPCs: its RPCs end with "
		     "ENODEV, nothing hangs; rebinding works.");
	igt_subtest("unbind-during-echo") {
		int fd;

		igt_set_timeout(120, "unbind during echo");
		start_echo_child();
		unbind_drm();
		igt_waitchildren_timeout(60, "echo child after unbind");
		fd = bind_drm();
		check_works(fd);
		close(fd);
	}

	igt_describe("Unbind and rebind the DRM driver repeatedly.");
	igt_subtest("rebind-cycles") {
		for (int i = 0; i < 5; i++) {
			int fd;

			unbind_drm();
			fd = bind_drm();
			novax_gsp_echo(fd, i);
			close(fd);
		}
	}

	igt_describe("Unbind the core PCI driver with a client and a mapping: the DRM device goes "
		     "with it (ENODEV), the mapping stays usable; rebinding boots the GSP afresh.");
	igt_subtest("core-unbind-with-client") {
		int fd = drm_open_novax_render(), fd2, dir;
		uint32_t h = novax_gem_create(fd, BO_SIZE, NULL);
		void *p = novax_gem_mmap(fd, h, BO_SIZE, PROT_READ | PROT_WRITE);

		igt_set_timeout(120, "core unbind");
		novax_fill(p, BO_SIZE, 0xc0de);
		unbind_core();
		igt_assert_f(!novax_aux_device(aux, sizeof(aux)),
			     "auxiliary device %s still there after core unbind\n", aux);
		check_enodev(fd, h);
		check_mapping_alive(p, BO_SIZE, 0xc0de);
		fd2 = bind_core();
		check_works(fd2);
		dir = novax_debugfs_dir(fd2);
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_stats", "init_done"), 1);
		close(dir);
		munmap(p, BO_SIZE);
		close(fd);
		close(fd2);
	}

	igt_describe("Unbind the core PCI driver while another process is busy with echo RPCs: "
		     "they end with ENODEV; rebinding works.");
	igt_subtest("core-unbind-during-echo") {
		int fd;

		igt_set_timeout(120, "core unbind during echo");
		start_echo_child();
		unbind_core();
		igt_waitchildren_timeout(60, "echo child after core unbind");
		fd = bind_core();
		check_works(fd);
		close(fd);
	}

	igt_describe("Unbind and rebind the core PCI driver, and unload and reload it, while the "
		     "GPU floods events, with poll budgets 1 and 64: the poll that is running when "
		     "the device goes is waited for before its memory is freed (the sanitizer "
		     "kernel reports a use after free otherwise); every rebound device works.");
	igt_subtest("core-unbind-during-flood") {
		static const char *const budgets[] = { "1", "64" };
		struct novax_emu *emu = novax_emu_open();

		igt_set_timeout(600, "core unbind during flood");
		for (int b = 0; b < 2; b++) {
			for (int i = 0; i < 5; i++) {
				int fd = drm_open_novax_render(), dir = novax_debugfs_dir(fd);
				uint64_t polls;

				igt_assert_eq(novax_debugfs_write(dir, "poll_budget", budgets[b]), 0);
				polls = novax_debugfs_get(dir, "poller_stats", "polls");
				igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_FLOOD, 1000000, 0), 0);
				usleep(30000 + 20000 * i);
				igt_assert_f(novax_debugfs_get(dir, "poller_stats", "polls") > polls,
					     "no poll ran during the flood\n");
				close(dir);
				close(fd);
				if (i == 4) {
					/* The last cycle unloads the module instead. */
					igt_assert_eq(system("rmmod novax_core && "
							     "insmod /modules/novax_core.ko"), 0);
					fd = novax_wait_render(10000);
					igt_assert_f(fd >= 0, "no render node after reloading "
						     "novax_core\n");
					refresh_aux();
					cycles++;
				} else {
					unbind_core();
					fd = bind_core();
				}
				check_works(fd);
				close(fd);
			}
		}
		novax_emu_close(emu);
	}

	igt_describe("The real-hardware path: the emulator presents the identification registers "
		     "(BOOT_0 and BOOT_42, each in its own layout) of every supported chip from "
		     "TU102 to GB207, and of chips the driver must refuse (pre-Fermi, Fermi to "
		     "Volta without GSP, unknown, inconsistent, not responding); each bind "
		     "identifies the chip (GETPARAM) or fails with ENODEV and creates no device.");
	igt_subtest("chip-ids") {
		static const struct {
			uint32_t boot0, boot42, chipset;	/* chipset 0: refused */
		} chips[] = {
			{ 0x162000a1, 0x162a1000, 0x162 }, { 0x164000a1, 0x164a1000, 0x164 },
			{ 0x166000a1, 0x166a1000, 0x166 }, { 0x167000a1, 0x167a1000, 0x167 },
			{ 0x168000a1, 0x168a1000, 0x168 }, { 0x170000a1, 0x170a1000, 0x170 },
			{ 0x172000a1, 0x172a1000, 0x172 }, { 0x173000a1, 0x173a1000, 0x173 },
			{ 0x174000a1, 0x174a1000, 0x174 }, { 0x176000a1, 0x176a1000, 0x176 },
			{ 0x177000a1, 0x177a1000, 0x177 }, { 0x180000a1, 0x180a1000, 0x180 },
			{ 0x192000a1, 0x192a1000, 0x192 }, { 0x193000a1, 0x193a1000, 0x193 },
			{ 0x194000a1, 0x194a1000, 0x194 }, { 0x196000a1, 0x196a1000, 0x196 },
			{ 0x197000a1, 0x197a1000, 0x197 }, { 0x1a0000a1, 0x1a0a1000, 0x1a0 },
			{ 0x1a2000a1, 0x1a2a1000, 0x1a2 }, { 0x1b2000b2, 0x1b2b2000, 0x1b2 },
			{ 0x1b3000a1, 0x1b3a1000, 0x1b3 }, { 0x1b5000a1, 0x1b5a1000, 0x1b5 },
			{ 0x1b6000a1, 0x1b6a1000, 0x1b6 }, { 0x1b7000a1, 0x1b7a1000, 0x1b7 },
			{ 0x050000a2, 0, 0 },			/* NV50: no BOOT_42, no GSP */
			{ 0x132000a1, 0x132a1000, 0 },		/* GP102: no GSP */
			{ 0x140000a1, 0x140a1000, 0 },		/* GV100: no GSP */
			{ 0x191000a1, 0x191a1000, 0 },		/* no such Ada chip */
			{ 0x0a3001a1, 0x2a3a1000, 0 },		/* a future architecture */
			{ 0x192000a1, 0, 0 },			/* BOOT_42 contradicts BOOT_0 */
			{ 0x192000a1, 0xffffffff, 0 },		/* off the bus */
		};
		struct novax_emu *emu = novax_emu_open();
		uint32_t boot0 = novax_emu_reg_read(emu, NV_PMC_BOOT_0);
		uint32_t boot42 = novax_emu_reg_read(emu, NV_PMC_BOOT_42);
		char aux[64];
		int fd;

		igt_set_timeout(300, "chip identification sweep");
		for (unsigned int i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
			int ret;

			unbind_core();
			igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_SET_CHIP_ID, chips[i].boot0,
						    chips[i].boot42), 0);
			ret = novax_core_bind(bdf);
			igt_info("BOOT_0 %#010x BOOT_42 %#010x: bind %s\n", chips[i].boot0,
				 chips[i].boot42, ret ? igt_errno_name(-ret) : "ok");
			if (!chips[i].chipset) {
				igt_assert_f(ret == -ENODEV, "BOOT_0 %#x BOOT_42 %#x: bind %s, "
					     "expected ENODEV\n", chips[i].boot0, chips[i].boot42,
					     ret ? igt_errno_name(-ret) : "succeeded");
				igt_assert(!novax_aux_device(aux, sizeof(aux)));
				/* Bound nothing: the next unbind_core() needs a bound device. */
				igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_SET_CHIP_ID, boot0,
							    boot42), 0);
				fd = bind_core();
				close(fd);
				continue;
			}
			igt_assert_f(ret == 0, "BOOT_0 %#x: bind %s\n", chips[i].boot0,
				     igt_errno_name(-ret));
			fd = novax_wait_render(10000);
			igt_assert_f(fd >= 0, "no render node for BOOT_0 %#x\n", chips[i].boot0);
			refresh_aux();
			cycles++;
			igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_CHIPSET), chips[i].chipset);
			igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_ARCHITECTURE),
					  chips[i].chipset >> 4);
			igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_REVISION),
					  (chips[i].boot42 >> 12) & 0xff);
			close(fd);
		}
		unbind_core();
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_SET_CHIP_ID, boot0, boot42), 0);
		fd = bind_core();
		check_works(fd);
		close(fd);
		novax_emu_close(emu);
	}

	/*
	 * Last: after this the emulated GPU has been dead once. If anything goes wrong the GPU
	 * may stay dead until the emulator restarts.
	 */
	igt_describe("The GPU falls off the bus: RPCs fail (ETIMEDOUT or ENODEV) in bounded "
		     "time instead of hanging, unbinding the core driver works, and after the "
		     "device is back (BOOT_0 readable again) a rebind boots it afresh.");
	igt_subtest("gpu-disappear") {
		struct novax_emu *emu = novax_emu_open();
		uint32_t boot0 = novax_emu_reg_read(emu, NV_PMC_BOOT_0);
		uint32_t boot42 = novax_emu_reg_read(emu, NV_PMC_BOOT_42);
		int fd = drm_open_novax_render(), dir = novax_debugfs_dir(fd);

		uint64_t bad0 = novax_debugfs_get(dir, "gsp_stats", "bad_write_ptr"), polls0, polls1;

		igt_set_timeout(180, "GPU disappearing");
		igt_assert_eq(novax_debugfs_write(dir, "rpc_timeout_ms", "500"), 0);
		/*
		 * It dies in the middle of a write pointer excursion (an out-of-range message
		 * queue write pointer, which the dead GPU never puts back), with a poll budget of
		 * 1: the poll that finds the bad pointer has consumed nothing, so it must complete
		 * instead of using up its budget again and again.
		 */
		igt_assert_eq(novax_debugfs_write(dir, "poll_budget", "1"), 0);
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_FAULT,
					    NOVAX_EMU_FAULT_WRITE_PTR_RANGE, 1), 0);
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_ERROR_LOG, 0, 0), 0);
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_DISAPPEAR, 0, 0), 0);
		igt_assert_eq(novax_emu_gsp_state(emu), 2);
		igt_assert_eq_u32(novax_emu_reg_read(emu, NV_PMC_BOOT_0), 0xffffffff);
		/* The excursion lasts 100 ms; the two commands take a few. */
		igt_assert_f(novax_debugfs_get(dir, "gsp_queues", "msgq_write_ptr") == 0xdead,
			     "the write pointer excursion ended before the GPU died\n");
		usleep(100000);
		igt_assert_f(novax_debugfs_get(dir, "gsp_stats", "bad_write_ptr") > bad0,
			     "the driver never saw the bad write pointer\n");
		polls0 = novax_debugfs_get(dir, "poller_stats", "polls");
		usleep(300000);
		polls1 = novax_debugfs_get(dir, "poller_stats", "polls");
		igt_info("polls in 300 ms with the bad write pointer: %" PRIu64 "\n",
			 polls1 - polls0);
		igt_assert_f(polls1 - polls0 <= 1, "the poll keeps running on a dead GPU: %" PRIu64
			     " polls in 300 ms\n", polls1 - polls0);
		for (int i = 0; i < 3; i++) {
			struct drm_novax_gsp_echo e = { .cookie = i };
			struct timespec t0, t1;
			long ms;
			int ret;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			ret = __novax_gsp_echo(fd, &e);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
			igt_info("echo to a dead GPU: %s after %ld ms\n", igt_errno_name(-ret), ms);
			igt_assert_f(ret == -ETIMEDOUT || ret == -ENODEV,
				     "echo to a dead GPU: %s\n", ret ? igt_errno_name(-ret) : "ok");
			igt_assert_lte(ms, 500 + 2000);
		}
		close(dir);
		unbind_core();
		close(fd);
		if (novax_emu_reg_read(emu, NV_PMC_BOOT_0) == 0xffffffff) {
			/* What a reset of a real GPU would do: the chip answers again. */
			igt_info("restoring BOOT_0/BOOT_42 (%#x) as a reset would\n", boot0);
			novax_emu_reg_write(emu, NV_PMC_BOOT_0, boot0);
			novax_emu_reg_write(emu, NV_PMC_BOOT_42, boot42);
		}
		fd = bind_core();
		check_works(fd);
		igt_assert_eq(novax_emu_gsp_state(emu), 1);
		close(fd);
		novax_emu_close(emu);
	}

	igt_fixture {
		novax_ensure_bound();
		printf("NOVAX-FIGURE unbind_cycles %u\n", cycles);
		fflush(stdout);
	}
}
