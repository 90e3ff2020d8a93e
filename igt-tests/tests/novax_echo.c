// SPDX-License-Identifier: MIT
/*
 * novax_echo: DRM_IOCTL_NOVAX_GSP_ECHO, an RPC through the GSP command and message queues.
 * Cookies of every shape come back unchanged, in bulk, with plausible latencies, and from many
 * processes and threads at once (which exercises reply matching by sequence number).
 */
#include "novax.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct thread_arg {
	int fd;
	int id;
	int count;
	char error[160];	/* empty if every echo came back right */
};

/* Threads cannot end a subtest: they report and the main thread asserts. */
static void *echo_thread(void *p)
{
	struct thread_arg *t = p;

	for (int i = 0; i < t->count; i++) {
		struct drm_novax_gsp_echo e = { .cookie = (uint64_t)t->id << 48 | i };
		int ret = __novax_gsp_echo(t->fd, &e);

		if (ret || e.cookie != ((uint64_t)t->id << 48 | i) || !e.latency_ns) {
			snprintf(t->error, sizeof(t->error),
				 "thread %d echo %d: ret %s, cookie %#" PRIx64 ", latency %" PRIu64,
				 t->id, i, ret ? igt_errno_name(-ret) : "0", (uint64_t)e.cookie,
				 (uint64_t)e.latency_ns);
			break;
		}
	}
	return NULL;
}

igt_main
{
	int fd = -1;

	igt_fixture
		fd = drm_open_novax_render();

	igt_describe("One echo: the cookie comes back and the latency is nonzero.");
	igt_subtest("basic")
		igt_assert_lt_u64(0, novax_gsp_echo(fd, 0x1234567890abcdefULL));

	igt_describe("Edge cookies: 0, all ones, single bits, alternating patterns.");
	igt_subtest("cookies") {
		static const uint64_t cookies[] = {
			0, ~0ULL, 1, 1ULL << 63, 1ULL << 32, 0xffffffff, 0x5555555555555555ULL,
			0xaaaaaaaaaaaaaaaaULL, 0x8000000080000000ULL,
		};

		for (size_t i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++)
			novax_gsp_echo(fd, cookies[i]);
	}

	igt_describe("The latency input is ignored and the output field is written.");
	igt_subtest("latency-field-output") {
		struct drm_novax_gsp_echo e = { .cookie = 42, .latency_ns = ~0ULL };

		do_ioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e);
		igt_assert_eq_u64(e.cookie, 42);
		igt_assert_neq_u64(e.latency_ns, ~0ULL);
		igt_assert_neq_u64(e.latency_ns, 0);
	}

	igt_describe("The driver's latency fits inside the time the ioctl took as seen from "
		     "userspace (same monotonic clock).");
	igt_subtest("latency-bounded") {
		for (int i = 0; i < 100; i++) {
			struct drm_novax_gsp_echo e = { .cookie = i };
			uint64_t t0 = now_ns(), t1;

			do_ioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e);
			t1 = now_ns();
			igt_assert_lt_u64(0, e.latency_ns);
			igt_assert_lte_u64(e.latency_ns, t1 - t0);
		}
	}

	igt_describe("Thousands of echoes with random cookies, each checked; latencies printed.");
	igt_subtest("many") {
		enum { N = 4000 };
		static uint64_t lat[N];
		uint64_t seed = now_ns();

		for (int i = 0; i < N; i++)
			lat[i] = novax_gsp_echo(fd, splitmix(&seed));
		qsort(lat, N, sizeof(lat[0]), cmp_u64);
		igt_info("%d echoes: min %" PRIu64 " ns, p50 %" PRIu64 " ns, p99 %" PRIu64
			 " ns, max %" PRIu64 " ns\n", N, lat[0], lat[N / 2], lat[N * 99 / 100],
			 lat[N - 1]);
		igt_assert_lt_u64(0, lat[0]);
	}

	igt_describe("Argument pointers to unmapped memory fail with EFAULT.");
	igt_subtest("efault")
		do_ioctl_err(fd, DRM_IOCTL_NOVAX_GSP_ECHO, (void *)8, EFAULT);

	igt_describe("Several processes, each with its own file, echo at once; every reply "
		     "reaches the process that sent the request.");
	igt_subtest("concurrent-processes") {
		igt_fork(child, 4) {
			int cfd = drm_open_novax_render();
			uint64_t seed = now_ns() ^ child;

			for (int i = 0; i < 500; i++) {
				uint64_t cookie = splitmix(&seed);

				novax_gsp_echo(cfd, cookie);
			}
			close(cfd);
		}
		igt_waitchildren_timeout(300, "concurrent echoes");
	}

	igt_describe("Several processes share one inherited file and echo at once.");
	igt_subtest("concurrent-shared-fd") {
		igt_fork(child, 4) {
			for (int i = 0; i < 500; i++)
				novax_gsp_echo(fd, (uint64_t)child << 32 | i);
		}
		igt_waitchildren_timeout(300, "concurrent echoes on one fd");
	}

	igt_describe("Several threads of one process echo at once on one file.");
	igt_subtest("concurrent-threads") {
		enum { T = 6 };
		struct thread_arg args[T];
		pthread_t th[T];

		for (int i = 0; i < T; i++) {
			args[i] = (struct thread_arg){ .fd = fd, .id = i + 1, .count = 400 };
			igt_assert_eq(pthread_create(&th[i], NULL, echo_thread, &args[i]), 0);
		}
		for (int i = 0; i < T; i++)
			igt_assert_eq(pthread_join(th[i], NULL), 0);
		for (int i = 0; i < T; i++)
			igt_assert_f(!args[i].error[0], "%s\n", args[i].error);
	}

	igt_describe("Echo keeps working while other clients open and close the device.");
	igt_subtest("open-close-churn") {
		igt_fork(child, 2) {
			for (int i = 0; i < 200; i++) {
				int cfd = drm_open_novax_render();

				if (i % 2)
					novax_gsp_echo(cfd, i);
				close(cfd);
			}
		}
		for (int i = 0; i < 500; i++)
			novax_gsp_echo(fd, ~0ULL - i);
		igt_waitchildren_timeout(300, "open/close churn");
	}

	igt_fixture
		close(fd);
}
