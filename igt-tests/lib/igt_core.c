// SPDX-License-Identifier: MIT
/*
 * The harness behind igt.h: command line, subtest bookkeeping, results, signals, forks.
 *
 * Every way a subtest can end (success, assertion failure, skip, crash signal, timeout) goes
 * through end_subtest(), which prints the IGT result line and the NOVAX-RESULT line and jumps
 * back into the subtest's for loop. Outside subtests the same events either mark every later
 * subtest (fixtures, as IGT does) or end the program.
 */
#define _GNU_SOURCE
#include "igt.h"

#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

sigjmp_buf igt_subtest_jmpbuf;

enum result { RES_SUCCESS, RES_FAIL, RES_SKIP };

#define MAX_CHILDREN 128

static struct {
	const char *name;		/* basename of argv[0] */
	const char *filter;		/* --run-subtest */
	const char *describe;		/* --describe[=GLOB] */
	bool list_only;
	bool debug;
	bool novax_results;		/* NOVAX_RESULTS=1 */
	bool filter_matched;

	char subtest[256];		/* running subtest, "" if none */
	double subtest_start;
	bool in_fixture;
	bool in_child;
	const char *description;	/* for the next subtest */

	enum result henceforth;		/* RES_SUCCESS: run later subtests normally */
	char henceforth_reason[200];
	bool fixture_failed;

	int n_success, n_fail, n_skip;

	const char *timeout_op;
	pid_t children[MAX_CHILDREN];
	int n_children;
} igt;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *igt_test_name(void)
{
	return igt.name;
}

const char *igt_subtest_name(void)
{
	return igt.subtest[0] ? igt.subtest : NULL;
}

bool igt_only_list_subtests(void)
{
	return igt.list_only || igt.describe;
}

const char *igt_errno_name(int err)
{
	static __thread char buf[32];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void vlog(FILE *f, const char *level, const char *fmt, va_list ap)
{
	if (level)
		fprintf(f, "(%s:%d) %s: ", igt.name, getpid(), level);
	vfprintf(f, fmt, ap);
	fflush(f);
}

void igt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stdout, NULL, fmt, ap);
	va_end(ap);
}

void igt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!igt.debug)
		return;
	va_start(ap, fmt);
	vlog(stdout, "DEBUG", fmt, ap);
	va_end(ap);
}

void igt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stderr, "WARNING", fmt, ap);
	va_end(ap);
}

/* One line (the result line must stay one line), bounded length. */
static void sanitize(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < len; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r' || src[i] == '\t') ? ' ' : src[i];
	dst[i] = '\0';
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

static void novax_result(enum result r, const char *subtest, const char *reason)
{
	static const char *const word[] = { "PASS", "FAIL", "SKIP" };
	char why[200];

	if (!igt.novax_results)
		return;
	sanitize(why, sizeof(why), reason);
	printf("NOVAX-RESULT %s %s.%s%s%s%s\n", word[r], igt.name, subtest,
	       why[0] ? " (" : "", why, why[0] ? ")" : "");
}

static void kill_children(void)
{
	for (int i = 0; i < igt.n_children; i++) {
		kill(igt.children[i], SIGKILL);
		waitpid(igt.children[i], NULL, 0);
	}
	igt.n_children = 0;
}

static IGT_NORETURN void end_subtest(enum result r, const char *label, const char *reason)
{
	alarm(0);
	igt.timeout_op = NULL;
	if (igt.n_children) {
		igt_warn("subtest %s left %d child process(es) running: killed\n", igt.subtest,
			 igt.n_children);
		kill_children();
	}
	fflush(stderr);
	printf("Subtest %s: %s (%.3fs)\n", igt.subtest, label, now() - igt.subtest_start);
	novax_result(r, igt.subtest, reason);
	fflush(stdout);
	if (r == RES_SUCCESS)
		igt.n_success++;
	else if (r == RES_FAIL)
		igt.n_fail++;
	else
		igt.n_skip++;
	igt.subtest[0] = '\0';
	siglongjmp(igt_subtest_jmpbuf, 1);
}

/* Ends whatever is running (subtest, fixture, child, main body) with result R. */
static IGT_NORETURN void end_with(enum result r, const char *label, const char *reason)
{
	if (igt.in_child) {
		fflush(NULL);
		/* A child cannot skip on its own: its parent's subtest decides. */
		exit(r == RES_SKIP ? IGT_EXIT_SKIP : IGT_EXIT_FAILURE);
	}
	if (igt.subtest[0])
		end_subtest(r, label, reason);
	if (igt.in_fixture) {
		alarm(0);
		igt.in_fixture = false;
		igt.henceforth = r;
		snprintf(igt.henceforth_reason, sizeof(igt.henceforth_reason), "fixture: %s",
			 reason ? reason : label);
		if (r == RES_FAIL)
			igt.fixture_failed = true;
		siglongjmp(igt_subtest_jmpbuf, 1);
	}
	/* In the main body, outside any fixture: nothing to attribute it to but the program. */
	kill_children();
	fflush(NULL);
	exit(r == RES_SKIP ? IGT_EXIT_SKIP : IGT_EXIT_FAILURE);
}

void igt_success(void)
{
	if (igt.subtest[0])
		end_subtest(RES_SUCCESS, "SUCCESS", NULL);
}

void igt_fail(int exitcode)
{
	(void)exitcode; /* IGT lets callers pick; every failure is a failure here. */
	end_with(RES_FAIL, "FAIL", "failed");
}

void igt_skip(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	igt_info("Test requirement not met: %s%s", msg,
		 msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
	end_with(RES_SKIP, "SKIP", msg);
}

void __igt_fail_assert(const char *file, int line, const char *func, const char *assertion,
		       const char *fmt, ...)
{
	int err = errno;
	char reason[200];
	va_list ap;

	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, file %s:%d:\n",
		igt.name, getpid(), func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n", igt.name, getpid(), assertion);
	if (err)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %d, %s\n", igt.name, getpid(), err,
			strerror(err));
	if (fmt) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", igt.name, getpid());
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
			fputc('\n', stderr);
	}
	fflush(stderr);
	snprintf(reason, sizeof(reason), "%s:%d: %s", file, line, assertion);
	end_with(RES_FAIL, "FAIL", reason);
}

void __igt_skip_check(const char *file, int line, const char *func, const char *check,
		      const char *fmt, ...)
{
	char msg[200] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	igt_info("Test requirement not met in function %s, file %s:%d:\n", func, file, line);
	igt_info("Test requirement: %s\n", check);
	if (msg[0])
		igt_info("%s%s", msg, msg[strlen(msg) - 1] == '\n' ? "" : "\n");
	end_with(RES_SKIP, "SKIP", msg[0] ? msg : check);
}

void __igt_check_ioctl(const char *file, int line, const char *func, const char *call, int ret,
		       int err, int expected_err)
{
	char what[160];

	if (expected_err == 0 && ret == 0)
		return;
	if (expected_err != 0 && ret == -1 && err == expected_err)
		return;
	snprintf(what, sizeof(what), "%s %s %s", call,
		 expected_err ? "fails with" : "succeeds",
		 expected_err ? igt_errno_name(expected_err) : "");
	errno = 0; /* the message below says it all */
	if (expected_err == 0)
		__igt_fail_assert(file, line, func, what, "error: %s failed: %s (%s)\n", call,
				  strerror(err), igt_errno_name(err));
	if (ret != -1)
		__igt_fail_assert(file, line, func, what,
				  "error: %s returned %d, expected failure with %s\n", call, ret,
				  igt_errno_name(expected_err));
	__igt_fail_assert(file, line, func, what, "error: %s failed with %s (%s), expected %s\n",
			  call, igt_errno_name(err), strerror(err), igt_errno_name(expected_err));
}

int igt_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

void igt_describe(const char *description)
{
	igt.description = description;
}

void igt_set_timeout(unsigned int seconds, const char *op)
{
	igt.timeout_op = seconds ? op : NULL;
	alarm(seconds);
}

static void write_str(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void signal_handler(int sig)
{
	char reason[64];

	if (sig == SIGALRM) {
		snprintf(reason, sizeof(reason), "timed out: %s",
			 igt.timeout_op ? igt.timeout_op : "?");
		write_str("Timeout: ");
		write_str(reason);
		write_str("\n");
		end_with(RES_FAIL, "TIMEOUT", reason);
	}
	snprintf(reason, sizeof(reason), "received signal SIG%s", sigabbrev_np(sig) ?: "?");
	write_str("Received signal SIG");
	write_str(sigabbrev_np(sig) ?: "?");
	write_str(".\n");
	if (igt.in_child || (!igt.subtest[0] && !igt.in_fixture)) {
		/* Die of it, so that the parent (or the shell) sees the signal. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	end_with(RES_FAIL, "CRASH", reason);
}

static void install_signal_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM };
	struct sigaction sa = { .sa_handler = signal_handler };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"  --list-subtests          list the subtests and exit\n"
		"  --run-subtest GLOB[,GLOB...]\n"
		"                           run only matching subtests (!GLOB excludes)\n"
		"  --describe[=GLOB]        list subtests with their descriptions\n"
		"  --debug                  print debug messages\n"
		"  --help                   this text\n"
		"Environment: NOVAX_RESULTS=1 adds a NOVAX-RESULT line per subtest.\n",
		igt.name);
}

void igt_subtest_init(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *env;

	igt.name = slash ? slash + 1 : argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--list-subtests")) {
			igt.list_only = true;
		} else if (!strcmp(a, "--run-subtest") && i + 1 < argc) {
			igt.filter = argv[++i];
		} else if (!strncmp(a, "--run-subtest=", 14)) {
			igt.filter = a + 14;
		} else if (!strcmp(a, "--describe")) {
			igt.describe = "*";
		} else if (!strncmp(a, "--describe=", 11)) {
			igt.describe = a + 11;
		} else if (!strcmp(a, "--debug")) {
			igt.debug = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		} else {
			fprintf(stderr, "%s: unknown option %s\n", igt.name, a);
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	env = getenv("NOVAX_RESULTS");
	igt.novax_results = env && !strcmp(env, "1");
	env = getenv("IGT_LOG_LEVEL");
	if (env && !strcmp(env, "debug"))
		igt.debug = true;

	/* Line-buffered, so that results interleave sensibly with stderr and children. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	install_signal_handlers();
	if (!igt_only_list_subtests()) {
		struct utsname u;

		uname(&u);
		printf("IGT-Version: novax-igt 1.0 (%s) (%s: %s %s)\n", u.machine, u.sysname,
		       u.release, u.machine);
	}
}

/* Does NAME match the --run-subtest list (globs, comma-separated, "!" to exclude)? */
static bool filter_matches(const char *filter, const char *name)
{
	char buf[1024], *save = NULL;
	bool positive = false, any_positive = false;

	snprintf(buf, sizeof(buf), "%s", filter);
	for (char *g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		if (g[0] == '!') {
			if (fnmatch(g + 1, name, 0) == 0)
				return false;
		} else {
			any_positive = true;
			positive |= fnmatch(g, name, 0) == 0;
		}
	}
	return positive || !any_positive;
}

static bool valid_name(const char *name)
{
	if (!name[0])
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c == '-' || *c == '_' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return false;
	return true;
}

bool __igt_run_subtest(const char *name, const char *file, int line)
{
	const char *desc = igt.description;

	igt.description = NULL;
	if (!valid_name(name)) {
		fprintf(stderr, "%s:%d: invalid subtest name \"%s\"\n", file, line, name);
		exit(IGT_EXIT_ABORT);
	}
	if (igt.subtest[0] || igt.in_fixture || igt.in_child) {
		fprintf(stderr, "%s:%d: subtest %s nested in a subtest, fixture or child\n", file,
			line, name);
		exit(IGT_EXIT_ABORT);
	}
	if (igt.list_only) {
		if (!igt.filter || filter_matches(igt.filter, name))
			printf("%s\n", name);
		return false;
	}
	if (igt.describe) {
		if (fnmatch(igt.describe, name, 0) == 0)
			printf("SUB %s %s:%d:\n  %s\n\n", name, file, line,
			       desc ? desc : "NO DOCUMENTATION!");
		return false;
	}
	if (igt.filter && !filter_matches(igt.filter, name))
		return false;
	igt.filter_matched = true;

	if (igt.henceforth != RES_SUCCESS) {
		bool skip = igt.henceforth == RES_SKIP;

		printf("Subtest %s: %s\n", name, skip ? "SKIP" : "FAIL");
		novax_result(igt.henceforth, name, igt.henceforth_reason);
		if (skip)
			igt.n_skip++;
		else
			igt.n_fail++;
		return false;
	}

	snprintf(igt.subtest, sizeof(igt.subtest), "%s", name);
	igt_info("Starting subtest: %s\n", name);
	igt.subtest_start = now();
	errno = 0;
	return true;
}

bool __igt_fixture(void)
{
	if (igt_only_list_subtests() || igt.henceforth != RES_SUCCESS)
		return false;
	igt.in_fixture = true;
	errno = 0;
	return true;
}

void __igt_fixture_complete(void)
{
	igt.in_fixture = false;
}

bool __igt_fork(void)
{
	pid_t pid;

	if (igt.n_children >= MAX_CHILDREN) {
		fprintf(stderr, "igt_fork: more than %d children\n", MAX_CHILDREN);
		exit(IGT_EXIT_ABORT);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		__igt_fail_assert(__FILE__, __LINE__, __func__, "fork() succeeds", NULL);
	if (pid == 0) {
		igt.in_child = true;
		igt.n_children = 0;
		alarm(0);
		return true;
	}
	igt.children[igt.n_children++] = pid;
	return false;
}

/* Reaps child I (status STATUS); returns whether it succeeded, saying why not. */
static bool child_ok(int i, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		igt_warn("child %d (pid %d) failed with exit code %d\n", i, igt.children[i],
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		igt_warn("child %d (pid %d) killed by signal SIG%s\n", i, igt.children[i],
			 sigabbrev_np(WTERMSIG(status)) ?: "?");
	return false;
}

void __igt_waitchildren(const char *file, int line, const char *func, int seconds,
			const char *reason)
{
	double deadline = seconds > 0 ? now() + seconds : 0;
	int failed = 0, left = igt.n_children;
	bool done[MAX_CHILDREN] = { false };

	while (left) {
		for (int i = 0; i < igt.n_children; i++) {
			int status;
			pid_t r;

			if (done[i])
				continue;
			r = waitpid(igt.children[i], &status, deadline ? WNOHANG : 0);
			if (r == 0)
				continue;
			done[i] = true;
			left--;
			if (r < 0 || !child_ok(i, status))
				failed++;
		}
		if (left && deadline && now() > deadline) {
			igt_warn("%d child process(es) still running after the timeout: killed\n", left);
			for (int i = 0; i < igt.n_children; i++)
				if (!done[i]) {
					kill(igt.children[i], SIGKILL);
					waitpid(igt.children[i], NULL, 0);
				}
			igt.n_children = 0;
			__igt_fail_assert(file, line, func, "children finish in time",
					  "timed out: %s\n", reason ? reason : "igt_waitchildren");
		}
		if (left && deadline)
			usleep(10000);
	}
	igt.n_children = 0;
	if (failed)
		__igt_fail_assert(file, line, func, "every child succeeds",
				  "%d child process(es) failed\n", failed);
}

void igt_exit(void)
{
	kill_children();
	fflush(NULL);
	if (igt_only_list_subtests())
		exit(IGT_EXIT_SUCCESS);
	if (igt.filter && !igt.filter_matched) {
		fprintf(stderr, "%s: unknown subtest: %s\n", igt.name, igt.filter);
		exit(IGT_EXIT_INVALID);
	}
	if (igt.n_fail || igt.fixture_failed)
		exit(IGT_EXIT_FAILURE);
	if (!igt.n_success && (igt.n_skip || igt.henceforth == RES_SKIP))
		exit(IGT_EXIT_SKIP);
	exit(IGT_EXIT_SUCCESS);
}
