// SPDX-License-Identifier: MIT
/*
 * Subtests with known outcomes for the harness self-test (lib/selftest.sh, `make check`): each
 * ends one particular way (success, failed assertion of each kind, skip, crash, timeout, failing
 * child, ioctl errno checks), so the script can check exit codes, result lines and filtering.
 *
 * Environment knobs: SELFTEST_FIXTURE=skip|fail makes the fixture before the late-* subtests
 * skip or fail; SELFTEST_BAD_NAME=1 adds a subtest with an invalid name.
 */
#include "igt.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v ? v : def;
}

igt_main
{
	int fixture_value = 0;

	igt_fixture
		fixture_value = 42;

	igt_describe("Every assertion holds.");
	igt_subtest("pass") {
		igt_assert(1 + 1 == 2);
		igt_assert_eq(2, 2);
		igt_assert_neq(1, 2);
		igt_assert_lte(1, 1);
		igt_assert_lt(1, 2);
		igt_assert_eq_u32(7u, 7u);
		igt_assert_eq_u64(1ULL << 40, 1ULL << 40);
		igt_assert_lte_u64(1, ~0ULL);
		igt_assert_f(true, "never printed %d", 1);
	}

	igt_subtest("fixture-state")
		igt_assert_eq(fixture_value, 42);

	igt_subtest("fail-assert")
		igt_assert(fixture_value == 41);

	igt_subtest("fail-eq")
		igt_assert_eq(1, 2);

	igt_subtest("fail-eq-u64")
		igt_assert_eq_u64(1ULL << 33, 1ULL << 34);

	igt_subtest("fail-f")
		igt_assert_f(0, "custom message %s\n", "here");

	igt_subtest("skip-require")
		igt_require(getpid() < 0);

	igt_subtest("skip-require-f")
		igt_require_f(false, "needs %s", "unobtainium");

	igt_subtest("skip-direct")
		igt_skip("skipped on purpose\n");

	igt_subtest("crash-segv")
		raise(SIGSEGV);

	igt_subtest("timeout") {
		igt_set_timeout(1, "sleeping");
		sleep(10);
	}

	igt_subtest("fork-pass") {
		igt_fork(child, 3)
			igt_assert(child >= 0 && child < 3);
		igt_waitchildren();
	}

	igt_subtest("fork-fail") {
		igt_fork(child, 3)
			igt_assert(child != 1);
		igt_waitchildren();
	}

	igt_subtest("fork-timeout") {
		igt_fork(child, 1)
			sleep(10);
		igt_waitchildren_timeout(1, "sleeping child");
	}

	igt_subtest("ioctl-ok") {
		int p[2], n = -1;

		igt_assert_eq(pipe(p), 0);
		do_ioctl(p[0], FIONREAD, &n);
		igt_assert_eq(n, 0);
		close(p[0]);
		close(p[1]);
	}

	igt_subtest("ioctl-err") {
		int n;

		do_ioctl_err(-1, FIONREAD, &n, EBADF);
	}

	igt_subtest("ioctl-wrong-errno") {
		int n;

		do_ioctl_err(-1, FIONREAD, &n, EINVAL);
	}

	for (int i = 0; i < 2; i++)
		igt_subtest_f("formatted-%d", i)
			igt_assert(i < 2);

	igt_fixture {
		const char *mode = env_or("SELFTEST_FIXTURE", "");

		igt_require_f(strcmp(mode, "skip") != 0, "fixture skip requested");
		igt_assert_f(strcmp(mode, "fail") != 0, "fixture failure requested");
	}

	igt_subtest("late-a")
		igt_assert(true);

	igt_subtest("late-b")
		igt_assert(true);

	if (strcmp(env_or("SELFTEST_BAD_NAME", ""), "1") == 0)
		igt_subtest("bad name")
			igt_assert(true);
}
