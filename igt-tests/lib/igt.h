// SPDX-License-Identifier: MIT
/*
 * A small IGT-compatible test harness.
 *
 * Tests written against it read like IGT GPU Tools tests (igt_main, igt_fixture, igt_subtest,
 * igt_assert*, igt_require*, do_ioctl, igt_fork ...) and their binaries behave like IGT's on the
 * command line (--list-subtests, --run-subtest GLOB[,GLOB...], exit codes 0/77/98/79/112), so
 * IGT's runner conventions apply. It is written from scratch for novax; it is not IGT.
 *
 * How a subtest works: igt_subtest() is a for loop whose condition asks the harness whether to
 * run the subtest and then takes a sigsetjmp(). Any assertion failure, skip, crash signal or
 * timeout inside the body ends the subtest by siglongjmp() back to that point (the loop then
 * ends); a body that runs to its end calls igt_success(), which records the result and jumps
 * back the same way. So: never `break` or `return` out of a subtest body, and do not rely on
 * the value of a local of the enclosing function that the body modified (setjmp rules) -- keep
 * such state in the subtest's own block or in fixtures.
 *
 * Output, as IGT: "Starting subtest: NAME" and "Subtest NAME: SUCCESS|FAIL|SKIP|CRASH|TIMEOUT
 * (T s)" on stdout, failure details on stderr. With NOVAX_RESULTS=1 in the environment every
 * subtest also prints one line "NOVAX-RESULT PASS|FAIL|SKIP <binary>.<subtest>" (with a short
 * reason in parentheses for FAIL and SKIP), which the novax test scripts count.
 */
#ifndef NOVAX_IGT_H
#define NOVAX_IGT_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Exit codes, as IGT. */
#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP 77
#define IGT_EXIT_TIMEOUT 78
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98
#define IGT_EXIT_ABORT 112

#define igt_tokencat2(x, y) x##y
#define igt_tokencat(x, y) igt_tokencat2(x, y)
#define igt_unique(prefix) igt_tokencat(prefix, __LINE__)

#define IGT_NORETURN __attribute__((noreturn))
#define IGT_PRINTF(f, a) __attribute__((format(printf, f, a)))

extern sigjmp_buf igt_subtest_jmpbuf;

/* Harness entry points used by the macros below; not for tests. */
void igt_subtest_init(int argc, char **argv);
bool __igt_run_subtest(const char *name, const char *file, int line);
bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_fork(void);
IGT_NORETURN void __igt_fail_assert(const char *file, int line, const char *func,
				    const char *assertion, const char *fmt, ...) IGT_PRINTF(5, 6);
IGT_NORETURN void __igt_skip_check(const char *file, int line, const char *func,
				   const char *check, const char *fmt, ...) IGT_PRINTF(5, 6);
void __igt_check_ioctl(const char *file, int line, const char *func, const char *call,
		       int ret, int err, int expected_err);

/* Ends the program with the exit code the subtests' results call for. */
IGT_NORETURN void igt_exit(void);
/* Ends the current subtest as passed (called for you at the end of a subtest body). */
void igt_success(void);
/* Ends the current subtest (or, in a fixture, every later one) as failed. */
IGT_NORETURN void igt_fail(int exitcode);
/* Ends the current subtest (or, in a fixture, every later one) as skipped. */
IGT_NORETURN void igt_skip(const char *fmt, ...) IGT_PRINTF(1, 2);
/* Describes the next subtest, for --describe. */
void igt_describe(const char *description);
/* Whether the binary only lists its subtests (fixtures do not run then). */
bool igt_only_list_subtests(void);
/* The running subtest's name, or NULL. */
const char *igt_subtest_name(void);
/* The binary's name (basename of argv[0]). */
const char *igt_test_name(void);
/*
 * Fails the current subtest with "Timed out: OP" if it is still running after SECONDS
 * (0 cancels). Reset at the end of every subtest.
 */
void igt_set_timeout(unsigned int seconds, const char *op);
/* Waits for every igt_fork() child; fails if any failed. */
#define igt_waitchildren() __igt_waitchildren(__FILE__, __LINE__, __func__, 0, NULL)
/* Same, but kills the children and fails after SECONDS. */
#define igt_waitchildren_timeout(seconds, reason) \
	__igt_waitchildren(__FILE__, __LINE__, __func__, (seconds), (reason))
void __igt_waitchildren(const char *file, int line, const char *func, int seconds,
			const char *reason);
/* "EINVAL" for EINVAL, or "errno N". */
const char *igt_errno_name(int err);

void igt_info(const char *fmt, ...) IGT_PRINTF(1, 2);
void igt_debug(const char *fmt, ...) IGT_PRINTF(1, 2);
void igt_warn(const char *fmt, ...) IGT_PRINTF(1, 2);

/* int main(argc, argv) of a test with subtests. */
#define igt_main \
	static void __igt_main_body(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init(argc, argv); \
		__igt_main_body(); \
		igt_exit(); \
	} \
	static void __igt_main_body(void)

/*
 * Setup and teardown code: runs in order with the subtests (not when only listing). A skip in
 * a fixture skips every later subtest, a failure fails them.
 */
#define igt_fixture \
	for (int igt_unique(__igt_fx) = 0; \
	     igt_unique(__igt_fx) < 1 && __igt_fixture() && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__igt_fx)++, __igt_fixture_complete())

#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_f(tmp, ...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
/* igt_subtest() with a printf-formatted name. */
#define igt_subtest_f(...) __igt_subtest_f(igt_unique(__igt_name), __VA_ARGS__)

/*
 * Runs the body in NUM forked children, CHILD being 0..NUM-1 in each. A failing assertion in
 * a child ends that child with a failure exit code; igt_waitchildren() collects them.
 */
#define igt_fork(child, num) \
	for (int child = 0; child < (num); child++) \
		for (; __igt_fork(); exit(IGT_EXIT_SUCCESS))

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define __igt_assert_cmp(type, pfmt, n1, cmp, ncmp, n2) \
	do { \
		type __n1 = (n1), __n2 = (n2); \
		if (!(__n1 cmp __n2)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #n1 " " #cmp " " #n2, \
					  "error: %" pfmt " " #ncmp " %" pfmt "\n", __n1, __n2); \
	} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) __igt_assert_cmp(int, "d", n1, cmp, ncmp, n2)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint64_t, "#" PRIx64, n1, cmp, ncmp, n2)
#define igt_assert_cmps64(n1, cmp, ncmp, n2) __igt_assert_cmp(int64_t, PRId64, n1, cmp, ncmp, n2)

#define igt_assert_eq(n1, n2) igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2) igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lte(n1, n2) igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_lt(n1, n2) igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_eq_u32(n1, n2) __igt_assert_cmp(uint32_t, "#" PRIx32, n1, ==, !=, n2)
#define igt_assert_eq_u64(n1, n2) igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2) igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lte_u64(n1, n2) igt_assert_cmpu64(n1, <=, >, n2)
#define igt_assert_lt_u64(n1, n2) igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_eq_s64(n1, n2) igt_assert_cmps64(n1, ==, !=, n2)
#define igt_assert_lte_s64(n1, n2) igt_assert_cmps64(n1, <=, >, n2)

/* Asserts that errno is ERR (with both names in the message). */
#define igt_assert_errno(err) \
	__igt_check_ioctl(__FILE__, __LINE__, __func__, "errno", -1, errno, (err))

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_require_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define igt_skip_on(expr) igt_require(!(expr))
#define igt_skip_on_f(expr, ...) igt_require_f(!(expr), __VA_ARGS__)

/* ioctl() restarted on EINTR/EAGAIN, as libdrm's drmIoctl(); returns -1 with errno on error. */
int igt_ioctl(int fd, unsigned long request, void *arg);

/* Asserts that ioctl REQ on FD succeeds. */
#define do_ioctl(fd, req, arg) \
	do { \
		int __ret = igt_ioctl((fd), (req), (arg)); \
		__igt_check_ioctl(__FILE__, __LINE__, __func__, #req, __ret, errno, 0); \
		errno = 0; \
	} while (0)

/* Asserts that ioctl REQ on FD fails with errno ERR. */
#define do_ioctl_err(fd, req, arg, err) \
	do { \
		int __ret = igt_ioctl((fd), (req), (arg)); \
		__igt_check_ioctl(__FILE__, __LINE__, __func__, #req, __ret, errno, (err)); \
		errno = 0; \
	} while (0)

#endif /* NOVAX_IGT_H */
