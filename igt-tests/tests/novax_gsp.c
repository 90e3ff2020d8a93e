// SPDX-License-Identifier: MIT
/*
 * novax_gsp: the GSP message path under the emulated GPU's control (its test-control block):
 * the boot event, event floods drained NAPI-style with far fewer interrupts than messages, poll
 * modes and budgets, periodic events, error-log events, every kind of corrupted message counted
 * and survived, and a stalled GSP timing RPCs out and recovering.
 *
 * Needs the emulated GPU (PCI 1af4:1110 with the novax signature) and debugfs; skips otherwise.
 * The driver's counters are read from debugfs (gsp_stats, poller_stats). At the end it prints
 * "NOVAX-FIGURE gsp_faults_injected N": the messages the emulator corrupted during this run, by
 * its own count (the robustness figures of scripts/test.sh).
 */
#include "novax.h"

#include <stdlib.h>
#include <sys/klog.h>

#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* RPC timeout while testing, so that dropped replies do not take the default 2 s each. */
#define FAST_TIMEOUT_MS 300

static int dir = -1;

/* When the echo children of stall-signal got their SIGUSR1. */
static volatile sig_atomic_t got_signal;
static struct timespec signal_ts;

static void on_usr1(int sig)
{
	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &signal_ts);
	got_signal = 1;
}

static uint64_t gstat(const char *key)
{
	return novax_debugfs_get(dir, "gsp_stats", key);
}

/* How many lines of the kernel log contain TEXT. */
static int kmsg_count(const char *text)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), len, n = 0;
	char *buf, *p;

	igt_assert_lt(0, size);
	buf = malloc(size + 1);
	igt_assert(buf);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	igt_assert_lte(0, len);
	buf[len] = 0;
	for (p = buf; (p = strstr(p, text)); p += strlen(text))
		n++;
	free(buf);
	return n;
}

static uint64_t pstat(const char *key)
{
	return novax_debugfs_get(dir, "poller_stats", key);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Waits until gsp_stats KEY reaches TARGET; fails after TIMEOUT_MS. */
static uint64_t wait_gstat(const char *key, uint64_t target, int timeout_ms)
{
	uint64_t t0 = now_ms(), v;

	while ((v = gstat(key)) < target) {
		igt_assert_f(now_ms() - t0 < (uint64_t)timeout_ms,
			     "%s reached %" PRIu64 " of %" PRIu64 " in %d ms\n", key, v, target,
			     timeout_ms);
		usleep(10000);
	}
	return v;
}

static void set_tunable(const char *file, const char *value)
{
	int ret = novax_debugfs_write(dir, file, value);

	igt_assert_f(ret == 0, "setting %s to %s: %s\n", file, value, igt_errno_name(-ret));
}

static void set_timeout_ms(unsigned int ms)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", ms);
	set_tunable("rpc_timeout_ms", buf);
}

/* Runs an emulator command that must be accepted. */
static void emu_do(struct novax_emu *emu, enum novax_emu_cmd cmd, uint32_t a0, uint32_t a1)
{
	igt_assert_eq(novax_emu_cmd(emu, cmd, a0, a1), 0);
}

/* Floods N tick events and waits for all of them; returns the deltas of interest. */
struct flood {
	uint64_t ticks, lost, interrupts, polls, exhausted, unmasks, polled, irq_ns, poll_ns;
};

static struct flood flood(struct novax_emu *emu, uint32_t n, uint32_t rate)
{
	struct flood f = {
		gstat("tick_events"), gstat("tick_lost"), pstat("interrupts"), pstat("polls"),
		pstat("polls_budget_exhausted"), pstat("irq_unmasks"), pstat("messages_polled"),
		pstat("irq_ns"), pstat("poll_ns"),
	};

	emu_do(emu, NOVAX_EMU_CMD_FLOOD, n, rate);
	wait_gstat("tick_events", f.ticks + n, 180000);
	usleep(50000); /* let the last poll finish its bookkeeping */
	f.ticks = gstat("tick_events") - f.ticks;
	f.lost = gstat("tick_lost") - f.lost;
	f.interrupts = pstat("interrupts") - f.interrupts;
	f.polls = pstat("polls") - f.polls;
	f.exhausted = pstat("polls_budget_exhausted") - f.exhausted;
	f.unmasks = pstat("irq_unmasks") - f.unmasks;
	f.polled = pstat("messages_polled") - f.polled;
	f.irq_ns = pstat("irq_ns") - f.irq_ns;
	f.poll_ns = pstat("poll_ns") - f.poll_ns;
	igt_info("%u events: %" PRIu64 " interrupts, %" PRIu64 " polls (%" PRIu64
		 " exhausted the budget), %" PRIu64 " unmasks, %" PRIu64 " messages polled\n",
		 n, f.interrupts, f.polls, f.exhausted, f.unmasks, f.polled);
	return f;
}

static const struct fault {
	const char *name;
	enum novax_emu_fault kind;
	const char *counter;	/* the gsp_stats counter that must move */
	bool dropped;		/* the message is rejected, so the RPC times out */
} faults[] = {
	{ "bad-checksum", NOVAX_EMU_FAULT_BAD_CHECKSUM, "bad_checksum", true },
	{ "bad-signature", NOVAX_EMU_FAULT_BAD_SIGNATURE, "bad_signature", true },
	{ "elemcount-zero", NOVAX_EMU_FAULT_ELEMCOUNT_ZERO, "bad_elem_count", true },
	{ "elemcount-huge", NOVAX_EMU_FAULT_ELEMCOUNT_HUGE, "bad_elem_count", true },
	{ "bad-length", NOVAX_EMU_FAULT_BAD_LENGTH, "bad_length", true },
	{ "write-ptr-range", NOVAX_EMU_FAULT_WRITE_PTR_RANGE, "bad_write_ptr", false },
	{ "bad-version", NOVAX_EMU_FAULT_BAD_VERSION, "bad_version", true },
	{ "bad-seqnum", NOVAX_EMU_FAULT_BAD_SEQNUM, "seq_gaps", false },
	{ "bad-payload", NOVAX_EMU_FAULT_BAD_PAYLOAD, "echo_mismatches", false },
	/* Validation order: length, checksum, version, signature; the first defect counts. */
	{ "order-length-checksum", NOVAX_EMU_FAULT_LENGTH_AND_CHECKSUM, "bad_length", true },
	{ "order-checksum-version-signature", NOVAX_EMU_FAULT_CHECKSUM_VERSION_SIGNATURE,
	  "bad_checksum", true },
	{ "order-version-signature", NOVAX_EMU_FAULT_VERSION_AND_SIGNATURE, "bad_version", true },
};

/* The rejection counters: a fault moves its own and no other. */
static const char *const reject_counters[] = {
	"bad_write_ptr", "bad_elem_count", "bad_length", "bad_checksum", "bad_version",
	"bad_signature",
};
#define N_REJECT (sizeof(reject_counters) / sizeof(reject_counters[0]))

#define N_FAULTS (sizeof(faults) / sizeof(faults[0]))

/* The RPC path works: a few echoes with fresh cookies come back. */
static void echo_ok(int fd, int n)
{
	static uint64_t cookie = 0x90000000;

	for (int i = 0; i < n; i++)
		novax_gsp_echo(fd, cookie++);
}

static void run_fault(int fd, struct novax_emu *emu, const struct fault *f)
{
	uint64_t count = gstat(f->counter), timeouts = gstat("rpc_timeouts");
	uint64_t injected = novax_emu_stat(emu, NOVAX_EMU_STAT_FAULTS_INJECTED);
	struct drm_novax_gsp_echo e = { .cookie = 0xfa017 };
	uint64_t rejects[N_REJECT];
	int ret;

	echo_ok(fd, 1);
	for (size_t i = 0; i < N_REJECT; i++)
		rejects[i] = gstat(reject_counters[i]);
	/* The write pointer is out of range for 100 ms: give the RPC longer than that. */
	if (f->kind == NOVAX_EMU_FAULT_WRITE_PTR_RANGE)
		set_timeout_ms(2000);
	emu_do(emu, NOVAX_EMU_CMD_FAULT, f->kind, 1);
	ret = __novax_gsp_echo(fd, &e);
	set_timeout_ms(FAST_TIMEOUT_MS);
	igt_info("%s: echo %s, %s +%" PRIu64 "\n", f->name, ret ? igt_errno_name(-ret) : "ok",
		 f->counter, gstat(f->counter) - count);

	igt_assert_eq_u64(novax_emu_stat(emu, NOVAX_EMU_STAT_FAULTS_INJECTED), injected + 1);
	if (f->dropped) {
		igt_assert_f(ret == -ETIMEDOUT, "echo with a %s reply: %s, expected ETIMEDOUT\n",
			     f->name, ret ? igt_errno_name(-ret) : "success");
		igt_assert_eq_u64(gstat("rpc_timeouts"), timeouts + 1);
		igt_assert_eq_u64(gstat(f->counter), count + 1);
	} else if (f->kind == NOVAX_EMU_FAULT_BAD_PAYLOAD) {
		/*
		 * A valid reply that does not carry the cookie back: EIO, counted, and the
		 * cookie field holds what the GSP returned (the first byte flipped), not what
		 * was sent.
		 */
		igt_assert_f(ret == -EIO, "echo with a corrupted payload: %s, expected EIO\n",
			     ret ? igt_errno_name(-ret) : "success");
		igt_assert_eq_u64(e.cookie, 0xfa017 ^ 0xff);
		igt_assert_eq_u64(gstat(f->counter), count + 1);
	} else if (f->kind == NOVAX_EMU_FAULT_BAD_SEQNUM) {
		/* A sequence gap is counted, the message itself is fine. */
		igt_assert_eq(ret, 0);
		igt_assert_eq_u64(e.cookie, 0xfa017);
		igt_assert_eq_u64(gstat(f->counter), count + 1);
	} else {
		/*
		 * The pointer comes back after 100 ms with the reply behind it: whether the
		 * driver picks it up before the timeout depends on whether it looks again
		 * without a new interrupt. Either way the bad pointer is counted.
		 */
		igt_assert_f(ret == 0 || ret == -ETIMEDOUT, "echo: %s\n", igt_errno_name(-ret));
		igt_assert_lte_u64(count + 1, gstat(f->counter));
	}
	for (size_t i = 0; i < N_REJECT; i++)
		igt_assert_f(!strcmp(reject_counters[i], f->counter) ||
			     gstat(reject_counters[i]) == rejects[i],
			     "%s moved %s (+%" PRIu64 ") as well\n", f->name, reject_counters[i],
			     gstat(reject_counters[i]) - rejects[i]);
	/* Survived: the queues still work, replies match their requests. */
	echo_ok(fd, 5);
}

igt_main
{
	int fd = -1;
	struct novax_emu *emu = NULL;
	uint64_t faults_before = 0;
	char saved_budget[32] = "", saved_mode[32] = "", saved_timeout[32] = "";

	igt_fixture {
		fd = drm_open_novax_render();
		dir = novax_debugfs_dir(fd);
		emu = novax_emu_open();
		faults_before = novax_emu_stat(emu, NOVAX_EMU_STAT_FAULTS_INJECTED);
		novax_debugfs_read(dir, "poll_budget", saved_budget, sizeof(saved_budget));
		novax_debugfs_read(dir, "poll_mode", saved_mode, sizeof(saved_mode));
		novax_debugfs_read(dir, "rpc_timeout_ms", saved_timeout, sizeof(saved_timeout));
		emu_do(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		emu_do(emu, NOVAX_EMU_CMD_EVENT_RATE, 0, 0);
		set_timeout_ms(FAST_TIMEOUT_MS);
	}

	igt_describe("The GSP booted: one GSP_INIT_DONE event, and the emulator is running.");
	igt_subtest("init-done") {
		igt_assert_eq_u64(gstat("init_done"), 1);
		igt_assert_lte_u64(1, gstat("events"));
		igt_assert_eq(novax_emu_gsp_state(emu), 1);
		igt_assert_lte_u64(1, novax_emu_stat(emu, NOVAX_EMU_STAT_MESSAGES_POSTED));
	}

	igt_describe("Driver and emulator agree on the traffic: every command sent is received, "
		     "every reply posted is received and matched.");
	igt_subtest("accounting") {
		enum { N = 50 };
		uint64_t sent = gstat("messages_sent"), recv = gstat("messages_received");
		uint64_t replies = gstat("rpc_replies");
		uint64_t cmds = novax_emu_stat(emu, NOVAX_EMU_STAT_COMMANDS_RECEIVED);
		uint64_t posted = novax_emu_stat(emu, NOVAX_EMU_STAT_MESSAGES_POSTED);

		echo_ok(fd, N);
		igt_assert_eq_u64(gstat("messages_sent") - sent, N);
		igt_assert_eq_u64(novax_emu_stat(emu, NOVAX_EMU_STAT_COMMANDS_RECEIVED) - cmds, N);
		igt_assert_eq_u64(novax_emu_stat(emu, NOVAX_EMU_STAT_MESSAGES_POSTED) - posted, N);
		igt_assert_eq_u64(gstat("messages_received") - recv, N);
		igt_assert_eq_u64(gstat("rpc_replies") - replies, N);
	}

	igt_describe("A flood of events as fast as the ring allows is drained completely, none "
		     "lost, with at least 20 times fewer interrupts than messages (NAPI-style "
		     "polling; more than a thousand times fewer measured).");
	igt_subtest("flood") {
		enum { N = 4000 };
		struct flood f = flood(emu, N, 0);

		igt_assert_eq_u64(f.ticks, N);
		igt_assert_eq_u64(f.lost, 0);
		igt_assert_lte_u64(N, f.polled);
		igt_info("%.1f messages per interrupt\n", (double)N / (double)(f.interrupts ?: 1));
		igt_assert_f(f.interrupts * 20 <= N,
			     "%" PRIu64 " interrupts for %d messages: fewer than 20 per interrupt\n",
			     f.interrupts, N);
	}

	igt_describe("Echo RPCs get their replies while a flood of events is being drained.");
	igt_subtest("flood-with-echo") {
		enum { N = 3000 };
		uint64_t ticks = gstat("tick_events");

		emu_do(emu, NOVAX_EMU_CMD_FLOOD, N, 0);
		set_timeout_ms(10000);
		echo_ok(fd, 100);
		set_timeout_ms(FAST_TIMEOUT_MS);
		wait_gstat("tick_events", ticks + N, 180000);
		igt_assert_eq_u64(gstat("tick_lost"), 0);
	}

	igt_describe("In single mode every poll takes one message and unmasks the interrupt.");
	igt_subtest("flood-single-mode") {
		enum { N = 500 };
		struct flood f;

		set_tunable("poll_mode", "single");
		f = flood(emu, N, 0);
		set_tunable("poll_mode", "napi");
		igt_assert_eq_u64(f.ticks, N);
		igt_assert_eq_u64(f.lost, 0);
		igt_assert_lte_u64(N, f.polls);
		igt_assert_lte_u64(N, f.unmasks);
	}

	igt_describe("The receive path accounts its time: every interrupt and every poll adds to "
		     "irq_ns and poll_ns, by at least what reading the device costs, and by no more "
		     "than the flood's duration.");
	igt_subtest("cpu-accounting") {
		enum { N = 500 };

		for (int single = 0; single < 2; single++) {
			struct timespec t0, t1;
			uint64_t wall_ns;
			struct flood f;

			set_tunable("poll_mode", single ? "single" : "napi");
			clock_gettime(CLOCK_MONOTONIC, &t0);
			f = flood(emu, N, 0);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			set_tunable("poll_mode", "napi");
			wall_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + t1.tv_nsec -
				  t0.tv_nsec;
			igt_info("%s: %" PRIu64 " ns in %" PRIu64 " interrupts, %" PRIu64
				 " ns in %" PRIu64 " polls, %.0f ns per message\n",
				 single ? "single" : "napi", f.irq_ns, f.interrupts, f.poll_ns, f.polls,
				 (double)(f.irq_ns + f.poll_ns) / (double)(f.polled ?: 1));
			igt_assert_lt_u64(0, f.interrupts);
			/* An MMIO write and a shared-memory read are not free, even in a VM. */
			igt_assert_lte_u64(f.interrupts * 10, f.irq_ns);
			igt_assert_lte_u64(f.polls * 100, f.poll_ns);
			igt_assert_lte_u64(f.irq_ns + f.poll_ns, wall_ns * sysconf(_SC_NPROCESSORS_ONLN));
		}
	}

	igt_describe("With a small budget polls use it up and reschedule; nothing is lost.");
	igt_subtest("flood-small-budget") {
		enum { N = 2000 };
		struct flood f;

		set_tunable("poll_budget", "2");
		f = flood(emu, N, 0);
		set_tunable("poll_budget", "64");
		igt_assert_eq_u64(f.ticks, N);
		igt_assert_eq_u64(f.lost, 0);
		igt_assert_lt_u64(0, f.exhausted);
		igt_assert_lte_u64(N / 2, f.polls);
	}

	igt_describe("A rate-limited flood arrives completely too.");
	igt_subtest("flood-rate") {
		struct flood f = flood(emu, 200, 1000);

		igt_assert_eq_u64(f.ticks, 200);
		igt_assert_eq_u64(f.lost, 0);
	}

	igt_describe("Periodic events arrive at the configured rate (within 50%) while enabled, "
		     "none lost, and stop when disabled.");
	igt_subtest("event-rate") {
		uint64_t ticks = gstat("tick_events"), lost = gstat("tick_lost"), a, b;
		struct timespec t0, t1;
		double secs, rate;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		emu_do(emu, NOVAX_EMU_CMD_EVENT_RATE, 200, 0);
		sleep(1);
		emu_do(emu, NOVAX_EMU_CMD_EVENT_RATE, 0, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		usleep(200000);
		a = gstat("tick_events");
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		rate = (double)(a - ticks) / secs;
		igt_info("%" PRIu64 " periodic events in %.3f s: %.0f/s at 200/s configured\n",
			 a - ticks, secs, rate);
		igt_assert_f(rate >= 100 && rate <= 300, "%.0f events/s, configured 200/s\n", rate);
		igt_assert_eq_u64(gstat("tick_lost"), lost);
		usleep(500000);
		b = gstat("tick_events");
		igt_assert_eq_u64(b, a);
	}

	igt_describe("An OS_ERROR_LOG event is received and counted.");
	igt_subtest("error-log") {
		uint64_t logs = gstat("error_logs"), events = gstat("events");

		emu_do(emu, NOVAX_EMU_CMD_ERROR_LOG, 0, 0);
		wait_gstat("error_logs", logs + 1, 5000);
		igt_assert_eq_u64(gstat("error_logs"), logs + 1);
		igt_assert_lte_u64(events + 1, gstat("events"));
		echo_ok(fd, 1);
	}

	for (size_t i = 0; i < N_FAULTS; i++) {
		igt_describe("One corrupted message of this kind: rejected and counted by reason "
			     "(or, for a sequence gap, counted and accepted); the RPC whose reply "
			     "it was times out; the queues keep working.");
		igt_subtest_f("fault-%s", faults[i].name)
			run_fault(fd, emu, &faults[i]);
	}

	igt_describe("Several corrupted replies in a row: each RPC times out, the next works.");
	igt_subtest("fault-burst") {
		uint64_t count = gstat("bad_checksum");

		emu_do(emu, NOVAX_EMU_CMD_FAULT, NOVAX_EMU_FAULT_BAD_CHECKSUM, 3);
		for (int i = 0; i < 3; i++) {
			struct drm_novax_gsp_echo e = { .cookie = i };

			igt_assert_eq(__novax_gsp_echo(fd, &e), -ETIMEDOUT);
		}
		igt_assert_eq_u64(gstat("bad_checksum"), count + 3);
		echo_ok(fd, 5);
	}

	igt_describe("Rejections are logged rate-limited: 200 corrupted messages in a row add at "
		     "most 11 log lines (the first 10 of the device's life, then every 1000th) "
		     "while every one of them is counted.");
	igt_subtest("rejections-rate-limited") {
		uint64_t count = gstat("bad_checksum");
		int before = kmsg_count("GSP message rejected"), lines;

		emu_do(emu, NOVAX_EMU_CMD_FAULT, NOVAX_EMU_FAULT_BAD_CHECKSUM, 200);
		emu_do(emu, NOVAX_EMU_CMD_FLOOD, 200, 0);
		for (int i = 0; i < 250 && gstat("bad_checksum") < count + 200; i++)
			usleep(20000);
		lines = kmsg_count("GSP message rejected") - before;
		igt_info("200 rejections: %d log lines\n", lines);
		igt_assert_eq_u64(gstat("bad_checksum"), count + 200);
		igt_assert_lte(lines, 11);
		echo_ok(fd, 5);
	}

	igt_describe("The emulator rejects unknown commands and fault kinds (RESULT 22) and the "
		     "driver is unaffected.");
	igt_subtest("emu-bad-commands") {
		igt_assert_eq(novax_emu_cmd(emu, 0, 0, 0), 22);
		igt_assert_eq(novax_emu_cmd(emu, 99, 0, 0), 22);
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_FAULT, 0, 1), 22);
		igt_assert_eq(novax_emu_cmd(emu, NOVAX_EMU_CMD_FAULT, 99, 1), 22);
		echo_ok(fd, 3);
	}

	igt_describe("A stalled GSP: echo fails with ETIMEDOUT after rpc_timeout_ms (checked for "
		     "two values); once resumed, echo works again with the right cookies.");
	igt_subtest("stall") {
		static const unsigned int timeouts[] = { 100, 1000 };
		uint64_t count = gstat("rpc_timeouts"), unmatched = gstat("unmatched_replies");

		emu_do(emu, NOVAX_EMU_CMD_STALL, 1, 0);
		for (size_t i = 0; i < 2; i++) {
			struct drm_novax_gsp_echo e = { .cookie = 0x57a11 + i };
			uint64_t t0, ms;
			int ret;

			set_timeout_ms(timeouts[i]);
			t0 = now_ms();
			ret = __novax_gsp_echo(fd, &e);
			ms = now_ms() - t0;
			igt_info("stalled echo with a %u ms timeout: %s after %" PRIu64 " ms\n",
				 timeouts[i], igt_errno_name(-ret), ms);
			igt_assert_eq(ret, -ETIMEDOUT);
			igt_assert_lte_u64(timeouts[i] * 9 / 10, ms);
			igt_assert_lte_u64(ms, timeouts[i] + 2000);
		}
		set_timeout_ms(FAST_TIMEOUT_MS);
		igt_assert_eq_u64(gstat("rpc_timeouts"), count + 2);
		emu_do(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		echo_ok(fd, 10);
		igt_info("late replies counted as unmatched: %" PRIu64 "\n",
			 gstat("unmatched_replies") - unmatched);
	}

	igt_describe("RPCs from several processes all time out while the GSP is stalled, and all "
		     "work after it resumes.");
	igt_subtest("stall-concurrent") {
		emu_do(emu, NOVAX_EMU_CMD_STALL, 1, 0);
		igt_fork(child, 4) {
			struct drm_novax_gsp_echo e = { .cookie = child };

			igt_assert_eq(__novax_gsp_echo(fd, &e), -ETIMEDOUT);
		}
		igt_waitchildren_timeout(30, "stalled echoes");
		emu_do(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		igt_fork(child, 4) {
			for (int i = 0; i < 20; i++)
				novax_gsp_echo(fd, (uint64_t)child << 32 | i);
		}
		igt_waitchildren_timeout(60, "echoes after the stall");
	}

	igt_describe("A signal interrupts RPCs blocked on a stalled GSP within 100 ms, not at the "
		     "timeout: 16 waiting for their replies and 4 more waiting for one of the 16 "
		     "RPC slots all end with EINTR (no SA_RESTART); echo works after the stall.");
	igt_subtest("stall-signal") {
		enum { CHILDREN = 20 };
		uint64_t sent = gstat("messages_sent");
		pid_t pids[CHILDREN];
		int p[2];

		igt_assert_eq(pipe(p), 0);
		set_timeout_ms(10000);
		emu_do(emu, NOVAX_EMU_CMD_STALL, 1, 0);
		igt_fork(child, CHILDREN) {
			struct sigaction sa = { .sa_handler = on_usr1 };
			struct drm_novax_gsp_echo e = { .cookie = 0x516 + child };
			struct timespec t1;
			pid_t me = getpid();
			long ms;
			int ret;

			sigemptyset(&sa.sa_mask);
			igt_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
			igt_assert_eq(write(p[1], &me, sizeof(me)), (int)sizeof(me));
			/* Not igt_ioctl(): it restarts on EINTR, as libdrm does. */
			ret = ioctl(fd, DRM_IOCTL_NOVAX_GSP_ECHO, &e) ? -errno : 0;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			igt_assert_f(got_signal, "echo %d ended with %s before the signal\n", child,
				     igt_errno_name(-ret));
			ms = (t1.tv_sec - signal_ts.tv_sec) * 1000 +
			     (t1.tv_nsec - signal_ts.tv_nsec) / 1000000;
			igt_info("echo %d: %s %ld ms after the signal\n", child,
				 igt_errno_name(-ret), ms);
			igt_assert_eq(ret, -EINTR);
			igt_assert_lte(ms, 100);
		}
		for (int i = 0; i < CHILDREN; i++)
			igt_assert_eq(read(p[0], &pids[i], sizeof(pids[i])), (int)sizeof(pids[i]));
		/* 16 RPCs are sent and wait for replies; the other 4 wait for a slot. */
		wait_gstat("messages_sent", sent + 16, 10000);
		usleep(300000);
		igt_assert_eq_u64(gstat("messages_sent"), sent + 16);
		for (int i = 0; i < CHILDREN; i++)
			igt_assert_eq(kill(pids[i], SIGUSR1), 0);
		igt_waitchildren_timeout(30, "interrupted echoes");
		close(p[0]);
		close(p[1]);
		set_timeout_ms(FAST_TIMEOUT_MS);
		emu_do(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		echo_ok(fd, 5);
	}

	igt_describe("A stalled echo through debugfs fails with ETIMEDOUT and reports it.");
	igt_subtest("stall-debugfs-echo") {
		emu_do(emu, NOVAX_EMU_CMD_STALL, 1, 0);
		igt_assert_eq(novax_debugfs_write(dir, "gsp_echo", "0x5ad"), -ETIMEDOUT);
		emu_do(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_echo", "cookie"), 0x5ad);
		{
			char buf[256];

			novax_debugfs_read(dir, "gsp_echo", buf, sizeof(buf));
			igt_assert_f(strstr(buf, "result: -110\n"), "gsp_echo:\n%s", buf);
		}
		igt_assert_eq(novax_debugfs_write(dir, "gsp_echo", "0x600d"), 0);
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_echo", "result"), 0);
	}

	igt_fixture {
		/* Leave the emulator and the driver as we found them. */
		novax_emu_cmd(emu, NOVAX_EMU_CMD_STALL, 0, 0);
		novax_emu_cmd(emu, NOVAX_EMU_CMD_EVENT_RATE, 0, 0);
		if (saved_budget[0])
			novax_debugfs_write(dir, "poll_budget", saved_budget);
		if (saved_mode[0])
			novax_debugfs_write(dir, "poll_mode", saved_mode);
		if (saved_timeout[0])
			novax_debugfs_write(dir, "rpc_timeout_ms", saved_timeout);
		printf("NOVAX-FIGURE gsp_faults_injected %" PRIu64 "\n",
		       novax_emu_stat(emu, NOVAX_EMU_STAT_FAULTS_INJECTED) - faults_before);
		fflush(stdout);
		novax_emu_close(emu);
		close(dir);
		close(fd);
	}
}
