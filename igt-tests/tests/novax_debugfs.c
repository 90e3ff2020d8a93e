// SPDX-License-Identifier: MIT
/*
 * novax_debugfs: the driver's debugfs directory (/sys/kernel/debug/dri/<minor>/novax). Every
 * file reads, parses and agrees with GETPARAM; the tunables (poll_budget, poll_mode,
 * rpc_timeout_ms) accept exactly their documented ranges and keep their value on bad input;
 * gsp_echo runs an RPC and reports it; counters move with traffic; read-only files stay so.
 */
#include "novax.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

static const char *const files[] = {
	"chip", "gsp_fw_version", "gsp_queues", "gsp_stats", "poller_stats",
	"poll_budget", "poll_mode", "rpc_timeout_ms", "gsp_echo",
};

static const char *const read_only[] = {
	"chip", "gsp_fw_version", "gsp_queues", "gsp_stats", "poller_stats",
};

static const char *const queue_keys[] = {
	"cmdq_write_ptr", "cmdq_read_ptr", "cmdq_free", "cmdq_high_water", "msgq_write_ptr",
	"msgq_read_ptr", "msgq_pending", "msgq_high_water", "msg_count",
};

static const char *const stats_keys[] = {
	"messages_received", "messages_sent", "events", "init_done", "error_logs",
	"tick_events", "tick_lost", "rpc_replies", "rpc_timeouts", "rpc_errors",
	"unmatched_replies", "seq_gaps", "bad_write_ptr", "bad_elem_count", "bad_length",
	"bad_checksum", "bad_version", "bad_signature", "echo_mismatches",
};

static const char *const poller_keys[] = {
	"interrupts", "polls", "polls_budget_exhausted", "irq_unmasks", "messages_polled", "irq_ns",
	"poll_ns",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every line of FILE is "key: <decimal>", and every one of KEYS is there. */
static void check_counters(int dir, const char *file, const char *const *keys, size_t n)
{
	char buf[4096], *save = NULL;
	uint64_t v;

	novax_debugfs_read(dir, file, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		igt_assert_f(novax_parse_key(buf, keys[i], &v), "%s: no \"%s: N\" line in:\n%s",
			     file, keys[i], buf);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strstr(l, ": ");

		igt_assert_f(colon && colon[2] >= '0' && colon[2] <= '9' &&
			     strspn(colon + 2, "0123456789") == strlen(colon + 2),
			     "%s: line \"%s\" is not \"key: decimal\"\n", file, l);
	}
}

/* Writes TEXT to FILE, expecting EINVAL and the value left as it was. */
static void write_rejected(int dir, const char *file, const char *text)
{
	char before[64], after[64];
	int ret;

	novax_debugfs_read(dir, file, before, sizeof(before));
	ret = novax_debugfs_write(dir, file, text);
	igt_assert_f(ret == -EINVAL, "%s: writing \"%s\" gave %s, expected EINVAL\n", file, text,
		     ret ? igt_errno_name(-ret) : "success");
	novax_debugfs_read(dir, file, after, sizeof(after));
	igt_assert_f(!strcmp(before, after), "%s changed from \"%s\" to \"%s\" on \"%s\"\n", file,
		     before, after, text);
}

/* Writes TEXT to FILE, expecting success and WANT read back. */
static void write_accepted(int dir, const char *file, const char *text, const char *want)
{
	char buf[64];
	int ret = novax_debugfs_write(dir, file, text);

	igt_assert_f(ret == 0, "%s: writing \"%s\" failed: %s\n", file, text,
		     igt_errno_name(-ret));
	novax_debugfs_read(dir, file, buf, sizeof(buf));
	igt_assert_f(!strcmp(buf, want), "%s: wrote \"%s\", reads \"%s\", expected \"%s\"\n",
		     file, text, buf, want);
}

igt_main
{
	int fd = -1, dir = -1;
	char saved_budget[32] = "", saved_mode[32] = "", saved_timeout[32] = "";

	igt_fixture {
		fd = drm_open_novax_render();
		dir = novax_debugfs_dir(fd);
		novax_debugfs_read(dir, "poll_budget", saved_budget, sizeof(saved_budget));
		novax_debugfs_read(dir, "poll_mode", saved_mode, sizeof(saved_mode));
		novax_debugfs_read(dir, "rpc_timeout_ms", saved_timeout, sizeof(saved_timeout));
	}

	igt_describe("Every documented file exists and reads as nonempty text.");
	igt_subtest("files-present") {
		for (size_t i = 0; i < N(files); i++) {
			char buf[4096];
			int ret = __novax_debugfs_read(dir, files[i], buf, sizeof(buf));

			igt_assert_f(ret > 0, "%s: %s\n", files[i],
				     ret ? igt_errno_name(-ret) : "empty");
			igt_assert_f(buf[ret - 1] == '\n', "%s does not end in a newline\n",
				     files[i]);
		}
	}

	igt_describe("Every file in the directory (documented or not) is readable to its end.");
	igt_subtest("read-all") {
		DIR *d = fdopendir(dup(dir));
		struct dirent *e;
		int n = 0;

		igt_assert(d);
		while ((e = readdir(d))) {
			char buf[16384];
			int ret;

			if (e->d_name[0] == '.')
				continue;
			ret = __novax_debugfs_read(dir, e->d_name, buf, sizeof(buf));
			igt_assert_f(ret >= 0, "%s: %s\n", e->d_name, igt_errno_name(-ret));
			igt_debug("%s:\n%s", e->d_name, buf);
			n++;
		}
		closedir(d);
		igt_assert_lte((int)N(files), n);
	}

	igt_describe("Reading a byte at a time gives the same text as one big read.");
	igt_subtest("read-bytewise") {
		static const char *const stable[] = { "chip", "gsp_fw_version", "poll_mode" };

		for (size_t i = 0; i < N(stable); i++) {
			char whole[4096], bytes[4096];
			int f = openat(dir, stable[i], O_RDONLY);
			size_t n = 0;

			novax_debugfs_read(dir, stable[i], whole, sizeof(whole));
			igt_assert_lte(0, f);
			while (n + 1 < sizeof(bytes) && read(f, bytes + n, 1) == 1)
				n++;
			bytes[n] = '\0';
			close(f);
			igt_assert_f(!strcmp(whole, bytes), "%s: \"%s\" vs \"%s\"\n", stable[i],
				     whole, bytes);
		}
	}

	igt_describe("chip names the default emulated GPU and agrees with GETPARAM.");
	igt_subtest("chip") {
		char buf[256], want[256];
		uint64_t chipset, arch, rev;

		novax_debugfs_read(dir, "chip", buf, sizeof(buf));
		igt_assert_f(!strcmp(buf, "chipset: AD102 (0x192)\narchitecture: Ada (0x19)\n"
					  "revision: a1\n"),
			     "chip reads:\n%s", buf);
		chipset = novax_getparam(fd, NOVAX_GETPARAM_CHIPSET);
		arch = novax_getparam(fd, NOVAX_GETPARAM_ARCHITECTURE);
		rev = novax_getparam(fd, NOVAX_GETPARAM_REVISION);
		snprintf(want, sizeof(want), "(%#" PRIx64 ")\n", chipset);
		igt_assert(strstr(buf, want));
		snprintf(want, sizeof(want), "(%#" PRIx64 ")\n", arch);
		igt_assert(strstr(buf, want));
		snprintf(want, sizeof(want), "revision: %" PRIx64 "%" PRIx64 "\n", rev >> 4,
			 rev & 0xf);
		igt_assert(strstr(buf, want));
	}

	igt_describe("gsp_fw_version reads major.minor.patch of GETPARAM GSP_FW_VERSION.");
	igt_subtest("gsp-fw-version") {
		uint64_t v = novax_getparam(fd, NOVAX_GETPARAM_GSP_FW_VERSION);
		char buf[64], want[64];

		novax_debugfs_read(dir, "gsp_fw_version", buf, sizeof(buf));
		snprintf(want, sizeof(want), "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "\n", v >> 32,
			 (v >> 16) & 0xffff, v & 0xffff);
		igt_assert_f(!strcmp(buf, want), "\"%s\" vs \"%s\"\n", buf, want);
		igt_assert(!strcmp(buf, "570.144.0\n"));
	}

	igt_describe("gsp_queues has every field and the queue geometry of the GSP interface.");
	igt_subtest("gsp-queues") {
		uint64_t count;

		check_counters(dir, "gsp_queues", queue_keys, N(queue_keys));
		count = novax_debugfs_get(dir, "gsp_queues", "msg_count");
		igt_assert_eq_u64(count, 0x3f);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "cmdq_write_ptr"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "cmdq_read_ptr"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "msgq_write_ptr"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "msgq_read_ptr"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "cmdq_free"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "msgq_pending"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "cmdq_high_water"), count);
		igt_assert_lt_u64(novax_debugfs_get(dir, "gsp_queues", "msgq_high_water"), count);
		igt_assert_lt_u64(0, novax_debugfs_get(dir, "gsp_queues", "msgq_high_water"));
	}

	igt_describe("gsp_stats has every counter; the GSP of this device instance booted once.");
	igt_subtest("gsp-stats") {
		check_counters(dir, "gsp_stats", stats_keys, N(stats_keys));
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_stats", "init_done"), 1);
		igt_assert_lte_u64(1, novax_debugfs_get(dir, "gsp_stats", "events"));
		igt_assert_lte_u64(novax_debugfs_get(dir, "gsp_stats", "events"),
				   novax_debugfs_get(dir, "gsp_stats", "messages_received"));
	}

	igt_describe("poller_stats has every counter; the init-done event came in by interrupt.");
	igt_subtest("poller-stats") {
		check_counters(dir, "poller_stats", poller_keys, N(poller_keys));
		igt_assert_lte_u64(1, novax_debugfs_get(dir, "poller_stats", "interrupts"));
		igt_assert_lte_u64(1, novax_debugfs_get(dir, "poller_stats", "polls"));
		igt_assert_lte_u64(1, novax_debugfs_get(dir, "poller_stats", "messages_polled"));
		igt_assert_lte_u64(1, novax_debugfs_get(dir, "poller_stats", "irq_unmasks"));
	}

	igt_describe("poll_budget takes 1..=1024, decimal, with or without a newline.");
	igt_subtest("poll-budget-valid") {
		igt_assert_eq_u64(novax_debugfs_value(dir, "poll_budget"), 64);
		write_accepted(dir, "poll_budget", "1", "1\n");
		write_accepted(dir, "poll_budget", "1024\n", "1024\n");
		write_accepted(dir, "poll_budget", "7", "7\n");
		write_accepted(dir, "poll_budget", "64\n", "64\n");
	}

	igt_describe("poll_budget rejects everything else with EINVAL and keeps its value.");
	igt_subtest("poll-budget-invalid") {
		static const char *const bad[] = {
			"garbage", "0", "-1", "1025", "", "\n", "4294967297", "18446744073709551617",
			"12abc", "1 2", "0x10",
		};

		for (size_t i = 0; i < N(bad); i++)
			write_rejected(dir, "poll_budget", bad[i]);
	}

	igt_describe("poll_mode switches between napi and single; anything else is EINVAL.");
	igt_subtest("poll-mode") {
		static const char *const bad[] = { "garbage", "", "\n", "NAPI", "napix", "single2",
						   "nap" };

		write_accepted(dir, "poll_mode", "single", "single\n");
		novax_gsp_echo(fd, 1); /* still works in single mode */
		write_accepted(dir, "poll_mode", "napi\n", "napi\n");
		for (size_t i = 0; i < N(bad); i++)
			write_rejected(dir, "poll_mode", bad[i]);
		novax_gsp_echo(fd, 2);
	}

	igt_describe("rpc_timeout_ms defaults to 2000 and takes 10..=60000; anything else is "
		     "EINVAL.");
	igt_subtest("rpc-timeout") {
		static const char *const bad[] = { "9", "0", "60001", "-5", "garbage", "", "1s" };

		igt_assert_eq_u64(novax_debugfs_value(dir, "rpc_timeout_ms"), 2000);
		write_accepted(dir, "rpc_timeout_ms", "10", "10\n");
		write_accepted(dir, "rpc_timeout_ms", "60000\n", "60000\n");
		for (size_t i = 0; i < N(bad); i++)
			write_rejected(dir, "rpc_timeout_ms", bad[i]);
		write_accepted(dir, "rpc_timeout_ms", "2000", "2000\n");
	}

	igt_describe("Writing a cookie to gsp_echo runs an echo RPC; reading reports its cookie, "
		     "latency and result 0. Decimal and hex cookies, payloads of 8..16384 bytes.");
	igt_subtest("gsp-echo") {
		static const struct {
			const char *text;
			uint64_t cookie;
		} ok[] = {
			{ "0x1234", 0x1234 }, { "4660\n", 4660 }, { "0xffffffffffffffff", ~0ULL },
			{ "0", 0 }, { "77 8", 77 }, { "78 16384", 78 }, { "0x79 1000\n", 0x79 },
		};

		for (size_t i = 0; i < N(ok); i++) {
			uint64_t sent = novax_debugfs_get(dir, "gsp_stats", "messages_sent");
			int ret = novax_debugfs_write(dir, "gsp_echo", ok[i].text);

			igt_assert_f(ret == 0, "gsp_echo \"%s\": %s\n", ok[i].text,
				     igt_errno_name(-ret));
			igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_echo", "cookie"),
					  ok[i].cookie);
			igt_assert_lt_u64(0, novax_debugfs_get(dir, "gsp_echo", "latency_ns"));
			igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_echo", "result"), 0);
			igt_assert_lt_u64(sent, novax_debugfs_get(dir, "gsp_stats",
								  "messages_sent"));
		}
	}

	igt_describe("gsp_echo rejects malformed input with EINVAL and sends nothing.");
	igt_subtest("gsp-echo-invalid") {
		static const char *const bad[] = {
			"", "\n", "garbage", "0x", "-1", "1 7", "1 0", "1 16385", "1 2 3", "1 x",
			"18446744073709551616", "0x10000000000000000",
		};
		uint64_t sent;

		igt_assert_eq(novax_debugfs_write(dir, "gsp_echo", "0x5151"), 0);
		sent = novax_debugfs_get(dir, "gsp_stats", "messages_sent");
		for (size_t i = 0; i < N(bad); i++) {
			int ret = novax_debugfs_write(dir, "gsp_echo", bad[i]);

			igt_assert_f(ret == -EINVAL, "gsp_echo \"%s\" gave %s, expected EINVAL\n",
				     bad[i], ret ? igt_errno_name(-ret) : "success");
		}
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_stats", "messages_sent"), sent);
		igt_assert_eq_u64(novax_debugfs_get(dir, "gsp_echo", "cookie"), 0x5151);
	}

	igt_describe("RPC counters move with echo traffic (ioctl and debugfs), never backwards.");
	igt_subtest("counters-move") {
		enum { E = 20 };
		uint64_t sent = novax_debugfs_get(dir, "gsp_stats", "messages_sent");
		uint64_t recv = novax_debugfs_get(dir, "gsp_stats", "messages_received");
		uint64_t replies = novax_debugfs_get(dir, "gsp_stats", "rpc_replies");
		uint64_t polled = novax_debugfs_get(dir, "poller_stats", "messages_polled");
		uint64_t irqs = novax_debugfs_get(dir, "poller_stats", "interrupts");

		for (int i = 0; i < E; i++)
			novax_gsp_echo(fd, i);
		for (int i = 0; i < E; i++)
			igt_assert_eq(novax_debugfs_write(dir, "gsp_echo", "0x42"), 0);
		igt_assert_lte_u64(sent + 2 * E, novax_debugfs_get(dir, "gsp_stats",
								    "messages_sent"));
		igt_assert_lte_u64(recv + 2 * E, novax_debugfs_get(dir, "gsp_stats",
								    "messages_received"));
		igt_assert_lte_u64(replies + 2 * E, novax_debugfs_get(dir, "gsp_stats",
								       "rpc_replies"));
		igt_assert_lte_u64(polled + 2 * E, novax_debugfs_get(dir, "poller_stats",
								      "messages_polled"));
		igt_assert_lt_u64(irqs, novax_debugfs_get(dir, "poller_stats", "interrupts"));
		igt_assert_lte_u64(novax_debugfs_get(dir, "gsp_queues", "cmdq_high_water"), 62);
	}

	igt_describe("Read-only files reject writes (at open or at write) and do not change; "
		     "new files cannot be created.");
	igt_subtest("unknown-file-writes") {
		for (size_t i = 0; i < N(read_only); i++) {
			char before[4096], after[4096];
			int f, ret = 0;

			novax_debugfs_read(dir, read_only[i], before, sizeof(before));
			f = openat(dir, read_only[i], O_WRONLY);
			if (f >= 0) {
				ret = write(f, "1\n", 2) < 0 ? -errno : 0;
				close(f);
				igt_assert_f(ret < 0, "writing %s succeeded\n", read_only[i]);
			}
			igt_debug("%s: %s\n", read_only[i],
				  f < 0 ? "open refused" : igt_errno_name(-ret));
			novax_debugfs_read(dir, read_only[i], after, sizeof(after));
			if (!strcmp(read_only[i], "chip") || !strcmp(read_only[i], "gsp_fw_version"))
				igt_assert(!strcmp(before, after));
		}
		igt_assert(openat(dir, "no_such_file", O_WRONLY | O_CREAT, 0600) < 0);
		igt_assert(faccessat(dir, "no_such_file", F_OK, 0) < 0);
	}

	igt_fixture {
		/* Put the tunables back, whatever the subtests did. */
		if (saved_budget[0])
			novax_debugfs_write(dir, "poll_budget", saved_budget);
		if (saved_mode[0])
			novax_debugfs_write(dir, "poll_mode", saved_mode);
		if (saved_timeout[0])
			novax_debugfs_write(dir, "rpc_timeout_ms", saved_timeout);
		close(dir);
		close(fd);
	}
}
