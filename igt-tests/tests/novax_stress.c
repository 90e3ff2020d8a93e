// SPDX-License-Identifier: MIT
/*
 * novax_stress: 64 clients at once, in threads, in processes and in both, each doing the three
 * things clients do: GSP echo RPCs (every reply must reach its sender, with its cookie), GEM
 * objects written and read back through mmap, and PRIME round trips into another file of the
 * same process. The emulated GSP stops reading commands while the clients start, so all 64
 * first echoes are outstanding at once: 16 hold the driver's RPC slots and 48 wait for one.
 * None may see EBUSY or any other error. Every client checks what it got, not just return
 * codes, and the driver's counters must show every RPC answered.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

enum { CLIENTS = 64, ROUNDS = 6, BO_SIZE = 64 << 10 };

struct client {
	int id;
	char error[200];	/* empty if every check passed */
};

#define client_fail(c, ...) \
	do { \
		snprintf((c)->error, sizeof((c)->error), __VA_ARGS__); \
		goto out; \
	} while (0)

/* One client: its own render file, ROUNDS rounds of echo, GEM and PRIME. */
static void run_client(struct client *c)
{
	int fd = __drm_open_novax_render(), other = __drm_open_novax_render();

	if (fd < 0 || other < 0)
		client_fail(c, "client %d: open: %s", c->id, strerror(errno));
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t cookie = (uint64_t)c->id << 40 | (uint64_t)getpid() << 8 | r;
		struct drm_novax_gsp_echo e = { .cookie = cookie };
		struct drm_novax_gem_create g = { .size = BO_SIZE };
		uint32_t seed = c->id * 1000 + r, imported;
		int ret, dmabuf;
		void *p, *q;
		long bad;

		ret = __novax_gsp_echo(fd, &e);
		if (ret || e.cookie != cookie)
			client_fail(c, "client %d round %d: echo %s, cookie %#" PRIx64 " for %#" PRIx64,
				    c->id, r, ret ? igt_errno_name(-ret) : "ok",
				    (uint64_t)e.cookie, cookie);
		ret = __novax_gem_create(fd, &g);
		if (ret || !g.handle)
			client_fail(c, "client %d round %d: GEM create %s", c->id, r,
				    igt_errno_name(-ret));
		p = __novax_gem_mmap(fd, g.handle, BO_SIZE, PROT_READ | PROT_WRITE);
		if (!p)
			client_fail(c, "client %d round %d: mmap: %s", c->id, r, strerror(errno));
		novax_fill(p, BO_SIZE, seed);
		ret = __prime_handle_to_fd(fd, g.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (ret)
			client_fail(c, "client %d round %d: export %s", c->id, r,
				    igt_errno_name(-ret));
		ret = __prime_fd_to_handle(other, dmabuf, &imported);
		close(dmabuf);
		if (ret)
			client_fail(c, "client %d round %d: import %s", c->id, r,
				    igt_errno_name(-ret));
		q = __novax_gem_mmap(other, imported, BO_SIZE, PROT_READ);
		if (!q)
			client_fail(c, "client %d round %d: mmap of the import: %s", c->id, r,
				    strerror(errno));
		bad = novax_check(q, BO_SIZE, seed);
		munmap(q, BO_SIZE);
		munmap(p, BO_SIZE);
		if (bad >= 0)
			client_fail(c, "client %d round %d: imported object differs at word %ld",
				    c->id, r, bad);
		if (__gem_close(other, imported) || __gem_close(fd, g.handle))
			client_fail(c, "client %d round %d: GEM_CLOSE: %s", c->id, r,
				    strerror(errno));
	}
out:
	if (other >= 0)
		close(other);
	if (fd >= 0)
		close(fd);
}

static void *client_thread(void *p)
{
	run_client(p);
	return NULL;
}

/*
 * Holds the GSP's command queue for a moment while clients start, so that their first echoes
 * pile up: stall_start() before, stall_end() once the clients are running.
 */
static struct novax_emu *stall_start(void)
{
	struct novax_emu *emu = novax_emu_open();

	igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_STALL, 1, 0), 0);
	return emu;
}

static void stall_end(struct novax_emu *emu)
{
	if (!emu)
		return;
	usleep(500 * 1000);
	igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_STALL, 0, 0), 0);
	novax_emu_close(emu);
}

/* N clients in threads of this process; fails with the first client's error. */
static void run_threads(int n, int first_id, struct novax_emu *stall)
{
	struct client c[CLIENTS];
	pthread_t th[CLIENTS];

	igt_assert_lte(n, CLIENTS);
	for (int i = 0; i < n; i++) {
		c[i] = (struct client){ .id = first_id + i };
		igt_assert_eq(pthread_create(&th[i], NULL, client_thread, &c[i]), 0);
	}
	stall_end(stall);
	for (int i = 0; i < n; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < n; i++)
		igt_assert_f(!c[i].error[0], "%s\n", c[i].error);
}

/* The GSP counters a stress run must leave untouched, and the replies it must add. */
struct gsp_counts {
	uint64_t replies, timeouts, errors, mismatches, unmatched;
};

static struct gsp_counts gsp_counts(int fd)
{
	int dir = novax_debugfs_dir(fd);
	struct gsp_counts c = {
		.replies = novax_debugfs_get(dir, "gsp_stats", "rpc_replies"),
		.timeouts = novax_debugfs_get(dir, "gsp_stats", "rpc_timeouts"),
		.errors = novax_debugfs_get(dir, "gsp_stats", "rpc_errors"),
		.mismatches = novax_debugfs_get(dir, "gsp_stats", "echo_mismatches"),
		.unmatched = novax_debugfs_get(dir, "gsp_stats", "unmatched_replies"),
	};

	close(dir);
	return c;
}

/* Every echo of the run was answered, none timed out, failed or went astray. */
static void check_counts(int fd, struct gsp_counts before, uint64_t echoes)
{
	struct gsp_counts after = gsp_counts(fd);

	igt_assert_lte_u64(before.replies + echoes, after.replies);
	igt_assert_eq_u64(after.timeouts, before.timeouts);
	igt_assert_eq_u64(after.errors, before.errors);
	igt_assert_eq_u64(after.mismatches, before.mismatches);
	igt_assert_eq_u64(after.unmatched, before.unmatched);
}

igt_main
{
	char saved_timeout[32] = "";
	int fd = -1, dir = -1;

	/*
	 * The RPC timeout covers the wait for a slot (see the UAPI), and the first echoes wait
	 * behind the stall for as long as the clients take to start: on the sanitizer kernel
	 * forking 64 processes took over the default 2 s. The stress is about slots and replies,
	 * not time, so the timeout is raised to 30 s for the run and restored after.
	 */
	igt_fixture {
		fd = drm_open_novax_render();
		dir = novax_debugfs_dir(fd);
		novax_debugfs_read(dir, "rpc_timeout_ms", saved_timeout, sizeof(saved_timeout));
		igt_assert_eq(novax_debugfs_write(dir, "rpc_timeout_ms", "30000"), 0);
	}

	igt_describe("64 clients in threads of one process, each with its own file.");
	igt_subtest("64-threads") {
		struct gsp_counts before = gsp_counts(fd);

		igt_set_timeout(600, "64 threads");
		run_threads(CLIENTS, 0, stall_start());
		check_counts(fd, before, CLIENTS * ROUNDS);
	}

	igt_describe("64 clients in 64 processes.");
	igt_subtest("64-processes") {
		struct gsp_counts before = gsp_counts(fd);

		struct novax_emu *emu;

		igt_set_timeout(600, "64 processes");
		emu = stall_start();
		igt_fork(child, CLIENTS) {
			struct client c = { .id = 100 + child };

			run_client(&c);
			igt_assert_f(!c.error[0], "%s\n", c.error);
		}
		stall_end(emu);
		igt_waitchildren_timeout(600, "64 client processes");
		check_counts(fd, before, CLIENTS * ROUNDS);
	}

	igt_describe("64 clients as 8 processes of 8 threads, all at once.");
	igt_subtest("8x8-mixed") {
		struct gsp_counts before = gsp_counts(fd);

		struct novax_emu *emu;

		igt_set_timeout(600, "8x8 clients");
		emu = stall_start();
		igt_fork(child, 8)
			run_threads(8, 200 + child * 8, NULL);
		stall_end(emu);
		igt_waitchildren_timeout(600, "8x8 clients");
		check_counts(fd, before, CLIENTS * ROUNDS);
	}

	igt_fixture {
		igt_assert_eq(novax_debugfs_write(dir, "rpc_timeout_ms", saved_timeout), 0);
		close(dir);
		close(fd);
	}
}
