// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * novax_fuzz: an ioctl fuzzer that knows the novax UAPI.
 *
 *   novax_fuzz [-s SEED] [-t SECONDS] [-j THREADS] [-d DEVICE]
 *
 * Each thread opens the device (the novax render node, or -d DEVICE such as its primary node;
 * sometimes sharing one fd with the other threads) and issues
 * random novax and generic GEM/PRIME ioctls: valid and invalid params, handles (its own, other
 * threads', random), flags and pads, sizes around the limits, request codes with wrong sizes and
 * directions, and argument pointers that are NULL, unmapped, misaligned or straddle a page that
 * is not mapped. Threads close handles under each other and mmap/munmap buffers while others
 * use them. Every failing novax, GEM and PRIME call must fail with an errno that ioctl may
 * return for what was passed (see the sets below: EFAULT for a bad pointer, EINVAL for a bad
 * value, ENOENT for an unknown handle, ...); the random generic DRM ioctls may fail with any.
 * The guest's kernel log is checked for reports by the harness; valid operations must keep
 * working afterwards. Runs are repeatable by seed (per-thread seeds derive from it).
 *
 * Prints "novax_fuzz: seed S, N calls, E errors, T threads, D s; U unexpected errnos" and
 * exits 0, or 1 if an errno was unexpected or the device stopped working.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include "novax_drm.h"

static const char *device;
static int shared_fd = -1;
static volatile int stop;
static unsigned long long total_calls, total_errors, total_unexpected;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static void *unmapped_page;

static uint64_t next(uint64_t *s)
{
	/* splitmix64: small, good enough, and repeatable. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t pick_u64(uint64_t *s)
{
	static const uint64_t edge[] = { 0, 1, 4095, 4096, 4097, NOVAX_GEM_MAX_SIZE,
					 NOVAX_GEM_MAX_SIZE + 1, ~0ULL, 1ULL << 63, 0x7fffffff };

	if (next(s) % 2)
		return edge[next(s) % (sizeof(edge) / sizeof(edge[0]))];
	return next(s) >> (next(s) % 64);
}

static void *pick_ptr(uint64_t *s, void *good, size_t size)
{
	/* Per thread: a call that succeeds through it leaves its result there (see case 5). */
	static __thread char misaligned[64];

	switch (next(s) % 8) {
	case 0:
		return NULL;
	case 1:
		return unmapped_page;
	case 2: /* straddles into the unmapped page */
		return (char *)unmapped_page - (size / 2 ? size / 2 : 1);
	case 3:
		return misaligned + 1 + next(s) % 7;
	case 4:
		return (void *)(uintptr_t)(next(s) | 0xffff800000000000ULL);
	default:
		return good;
	}
}

static unsigned long pick_request(uint64_t *s, unsigned long good, unsigned int nr)
{
	switch (next(s) % 10) {
	case 0: /* wrong size */
		return DRM_IOWR(DRM_COMMAND_BASE + nr, char[1 + next(s) % 64]);
	case 1: /* wrong direction */
		return DRM_IOW(DRM_COMMAND_BASE + nr, struct drm_novax_gem_info);
	case 2: /* unknown driver ioctl */
		return DRM_IOWR(DRM_COMMAND_BASE + 6 + next(s) % 58, struct drm_novax_getparam);
	default:
		return good;
	}
}

struct worker {
	uint64_t seed;
	int index;
	unsigned long long calls, errors, unexpected;
	uint32_t handles[64];
	uint64_t sizes[64];	/* of the objects created into each slot */
};

/*
 * The errnos each call may fail with, 0-terminated. Every driver ioctl may see EFAULT (a bad
 * argument pointer) and EINVAL (a wrong request code: an unknown number, or a size or direction
 * the DRM core's zero-extension turns into a bad value).
 */
static const int any_errno[] = { -1 };
static const int getparam_errnos[] = { EFAULT, EINVAL, 0 };
static const int create_errnos[] = { EFAULT, EINVAL, ENOMEM, ENOSPC, 0 };
static const int info_errnos[] = { EFAULT, EINVAL, ENOENT, ENOMEM, ENOSPC, 0 };
static const int close_errnos[] = { EFAULT, EINVAL, 0 };
static const int echo_errnos[] = { EFAULT, ETIMEDOUT, 0 };
static const int export_errnos[] = { EFAULT, EINVAL, ENOENT, ENOMEM, EMFILE, 0 };
static const int import_errnos[] = { ENOMEM, 0 };
static const int vm_init_errnos[] = { EFAULT, EINVAL, EEXIST, ENOMEM, ENOSPC, 0 };
static const int vm_bind_errnos[] = { EFAULT, EINVAL, E2BIG, ENOENT, EOPNOTSUPP, ENOMEM, 0 };

static void check_errno(struct worker *w, unsigned long req, const int *allowed, int err)
{
	if (allowed[0] == -1)
		return;
	for (; *allowed; allowed++)
		if (*allowed == err)
			return;
	if (w->unexpected++ < 5)
		printf("novax_fuzz: thread %d: request %#lx failed with %s (errno %d), not one it may return\n",
		       w->index, req, strerror(err), err);
}

static int call(struct worker *w, int fd, unsigned long req, void *arg, const int *allowed)
{
	int ret = ioctl(fd, req, arg);

	w->calls++;
	if (ret) {
		w->errors++;
		check_errno(w, req, allowed, errno);
	}
	return ret;
}

static void one(struct worker *w, int fd)
{
	uint64_t *s = &w->seed;
	uint32_t h = w->handles[next(s) % 64];
	unsigned int op = next(s) % 11;

	if (next(s) % 4 == 0)
		h = (uint32_t)next(s);

	switch (op) {
	case 0: {
		struct drm_novax_getparam a = { .param = next(s) % 9, .value = next(s) };

		if (next(s) % 3 == 0)
			a.param = pick_u64(s);
		call(w, fd, pick_request(s, DRM_IOCTL_NOVAX_GETPARAM, DRM_NOVAX_GETPARAM),
		     pick_ptr(s, &a, sizeof(a)), getparam_errnos);
		break;
	}
	case 1: {
		struct drm_novax_gem_create a = { .size = pick_u64(s) % (8 << 20) };

		if (next(s) % 4 == 0)
			a.size = pick_u64(s);
		if (next(s) % 8 == 0)
			a.flags = (uint32_t)next(s);
		if (!call(w, fd, pick_request(s, DRM_IOCTL_NOVAX_GEM_CREATE, DRM_NOVAX_GEM_CREATE),
			  pick_ptr(s, &a, sizeof(a)), create_errnos)) {
			unsigned int slot = next(s) % 64;

			w->handles[slot] = a.handle;
			w->sizes[slot] = a.size;
		}
		break;
	}
	case 2: {
		struct drm_novax_gem_info a = { .handle = h };

		if (next(s) % 8 == 0)
			a.pad = (uint32_t)next(s);
		call(w, fd, pick_request(s, DRM_IOCTL_NOVAX_GEM_INFO, DRM_NOVAX_GEM_INFO),
		     pick_ptr(s, &a, sizeof(a)), info_errnos);
		break;
	}
	case 3: {
		struct drm_gem_close a = { .handle = h, .pad = next(s) % 8 == 0 };

		call(w, fd, DRM_IOCTL_GEM_CLOSE, pick_ptr(s, &a, sizeof(a)), close_errnos);
		break;
	}
	case 4: {
		struct drm_novax_gsp_echo a = { .cookie = next(s) };

		/* Echo RPCs are slow on the emulator: keep them rare. */
		if (next(s) % 16 == 0)
			call(w, fd, DRM_IOCTL_NOVAX_GSP_ECHO, pick_ptr(s, &a, sizeof(a)), echo_errnos);
		break;
	}
	case 5: {
		struct drm_prime_handle a = { .handle = h, .flags = DRM_CLOEXEC | DRM_RDWR };

		if (next(s) % 8 == 0)
			a.flags = (uint32_t)next(s);
		void *arg = pick_ptr(s, &a, sizeof(a));

		if (!call(w, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, arg, export_errnos)) {
			struct drm_prime_handle b;

			/*
			 * The new fd is where the kernel wrote it: in `a`, or in this thread's
			 * misaligned buffer (the only other pointer a call can succeed with). Never
			 * close a descriptor number that was not returned: it would be another
			 * thread's DRM file.
			 */
			if (arg != (void *)&a)
				memcpy(&a, arg, sizeof(a));
			b = (struct drm_prime_handle){ .fd = a.fd };
			call(w, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &b, import_errnos);
			close(a.fd);
		}
		break;
	}
	case 6: {
		struct drm_novax_gem_info a = { .handle = h };
		void *p;

		if (call(w, fd, DRM_IOCTL_NOVAX_GEM_INFO, &a, info_errnos))
			break;
		/*
		 * The shmem helpers populate a whole object on mmap: map only small ones, or the
		 * fuzzer measures the guest's memory instead of the driver.
		 */
		if (a.size > (16 << 20))
			break;
		p = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, a.mmap_offset);
		if (p == MAP_FAILED) {
			w->errors++;
			break;
		}
		/* Another thread may close the handle now: the mapping stays valid. */
		((volatile char *)p)[next(s) % a.size] = 1;
		munmap(p, a.size);
		break;
	}
	case 7: { /* mmap at a random offset */
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)(next(s) & ~0xfffULL));

		if (p != MAP_FAILED)
			munmap(p, 4096);
		break;
	}
	case 9: {
		struct drm_novax_vm_init a = {
			.kernel_addr = (next(s) % 1024) << 30, .kernel_size = 16 << 20,
		};

		if (next(s) % 2)
			a.kernel_addr = pick_u64(s);
		if (next(s) % 2)
			a.kernel_size = pick_u64(s);
		if (next(s) % 8 == 0)
			a.flags = (uint32_t)next(s);
		if (next(s) % 8 == 0)
			a.pad = (uint32_t)next(s);
		call(w, fd, pick_request(s, DRM_IOCTL_NOVAX_VM_INIT, DRM_NOVAX_VM_INIT),
		     pick_ptr(s, &a, sizeof(a)), vm_init_errnos);
		break;
	}
	case 10: {
		/*
		 * Mostly plausible ops (aligned, on live handles, in a 256 MiB window so that maps
		 * replace each other), some garbage. Only objects of up to 1 MiB, and now and then
		 * the whole window unmapped: a mapping pins its whole object and keeps it after
		 * GEM_CLOSE, and the fuzzer must measure the driver, not the guest's memory (with
		 * 8 MiB objects and no sweep the mappings pinned the guest into the OOM killer).
		 */
		struct drm_novax_vm_bind_op ops[8];
		struct drm_novax_vm_bind a = { 0 };
		uint32_t n = 1 + next(s) % 8;

		for (uint32_t i = 0; i < n; i++) {
			unsigned int slot = next(s) % 64;

			ops[i] = (struct drm_novax_vm_bind_op){
				.op = next(s) % 2,
				.flags = next(s) % 4 == 0,
				.handle = w->sizes[slot] <= (1 << 20) ? w->handles[slot] : 0,
				.addr = (next(s) % 65536) << 12,
				.bo_offset = (next(s) % 4) << 12,
				.range = (1 + next(s) % 64) << 12,
			};
			if (ops[i].op == DRM_NOVAX_VM_BIND_OP_UNMAP)
				ops[i].handle = ops[i].bo_offset = ops[i].flags = 0;
			if (next(s) % 8 == 0)
				ops[i].addr = pick_u64(s);
			if (next(s) % 8 == 0)
				ops[i].range = pick_u64(s);
			if (next(s) % 16 == 0)
				ops[i].op = (uint32_t)next(s);
			if (next(s) % 16 == 0)
				ops[i].pad = (uint32_t)next(s);
		}
		a.ops.stride = sizeof(ops[0]);
		a.ops.count = n;
		a.ops.ptr = (uintptr_t)pick_ptr(s, ops, sizeof(ops));
		if (next(s) % 8 == 0)
			a.ops.stride = (uint32_t)next(s) % 128;
		if (next(s) % 16 == 0)
			a.ops.count = (uint32_t)next(s);
		if (next(s) % 16 == 0)
			a.flags = (uint32_t)next(s);
		if (next(s) % 16 == 0)
			a.waits.count = 1;
		if (next(s) % 32 == 0) {
			ops[0] = (struct drm_novax_vm_bind_op){
				.op = DRM_NOVAX_VM_BIND_OP_UNMAP, .range = 65536ull << 12,
			};
			a = (struct drm_novax_vm_bind){
				.ops = { .stride = sizeof(ops[0]), .count = 1, .ptr = (uintptr_t)ops },
			};
		}
		call(w, fd, pick_request(s, DRM_IOCTL_NOVAX_VM_BIND, DRM_NOVAX_VM_BIND),
		     pick_ptr(s, &a, sizeof(a)), vm_bind_errnos);
		break;
	}
	default: { /* random generic DRM ioctl numbers with garbage */
		char buf[256];
		unsigned int nr = next(s) % 0xc0;

		/*
		 * Not MODE_CREATEPROPBLOB: on the primary node the DRM core lets any KMS client
		 * allocate property blobs of up to 2 GiB each (kvzalloc, memcg-accounted, freed
		 * with the file). The guest has no memory cgroup to bound that, so random lengths
		 * measured the OOM killer (it killed the test shell once), not the driver.
		 */
		if (nr == _IOC_NR(DRM_IOCTL_MODE_CREATEPROPBLOB))
			nr = _IOC_NR(DRM_IOCTL_MODE_GETPROPBLOB);
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)next(s);
		call(w, fd, DRM_IOWR(nr, char[1 + next(s) % 200]), buf, any_errno);
		break;
	}
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;
	int own = open(device, O_RDWR | O_CLOEXEC);

	while (!stop && own >= 0) {
		int fd = (next(&w->seed) % 2 && shared_fd >= 0) ? shared_fd : own;

		one(w, fd);
		if (next(&w->seed) % 5000 == 0) { /* drop everything: handles die with the file */
			close(own);
			own = open(device, O_RDWR | O_CLOEXEC);
		}
	}
	if (own >= 0)
		close(own);
	pthread_mutex_lock(&stats_lock);
	total_calls += w->calls;
	total_errors += w->errors;
	total_unexpected += w->unexpected;
	pthread_mutex_unlock(&stats_lock);
	return NULL;
}

static const char *find_novax(void)
{
	static char path[64];

	for (int i = 128; i < 192; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		close(fd);
		if (v && !strcmp(v->name, "novax")) {
			drmFreeVersion(v);
			return path;
		}
		drmFreeVersion(v);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL);
	int seconds = 10, threads = 4, opt;
	struct worker *w;
	pthread_t *tid;
	struct drm_novax_getparam gp = { .param = NOVAX_GETPARAM_CHIPSET };
	struct timespec t0, t1;

	while ((opt = getopt(argc, argv, "s:t:j:d:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atoi(optarg); break;
		case 'j': threads = atoi(optarg); break;
		case 'd': device = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-j THREADS] [-d DEVICE]\n", argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || seconds < 1)
		return 2;
	if (!device)
		device = find_novax();
	if (!device) {
		fprintf(stderr, "novax_fuzz: no novax render node\n");
		return 77;
	}
	/*
	 * A page no access can reach, after one that is mapped: map two, make the second
	 * PROT_NONE. Not munmap: a later mmap (an object, a thread's stack) could then land in the
	 * hole, and a call through a "bad" pointer into it would succeed and be read back after
	 * that mapping went away (seen: the fuzzer itself segfaulting in the PRIME case).
	 */
	unmapped_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (unmapped_page == MAP_FAILED)
		return 1;
	unmapped_page = (char *)unmapped_page + 4096;
	if (mprotect(unmapped_page, 4096, PROT_NONE))
		return 1;

	printf("novax_fuzz: seed %llu, %d threads, %d s on %s\n", (unsigned long long)seed, threads,
	       seconds, device);
	fflush(stdout);
	shared_fd = open(device, O_RDWR | O_CLOEXEC);
	w = calloc(threads, sizeof(*w));
	tid = calloc(threads, sizeof(*tid));
	if (!w || !tid || shared_fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < threads; i++) {
		w[i].seed = seed * 1000003ULL + i;
		w[i].index = i;
		pthread_create(&tid[i], NULL, run, &w[i]);
	}
	sleep(seconds);
	stop = 1;
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(shared_fd);

	/* The device must still work. */
	{
		int fd = open(device, O_RDWR | O_CLOEXEC);

		if (fd < 0 || ioctl(fd, DRM_IOCTL_NOVAX_GETPARAM, &gp) || gp.value == 0) {
			printf("novax_fuzz: device broken after fuzzing (%s)\n", strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("novax_fuzz: seed %llu, %llu calls, %llu errors, %d threads, %ld s; %llu unexpected errnos\n",
	       (unsigned long long)seed, total_calls, total_errors, threads,
	       (long)(t1.tv_sec - t0.tv_sec), total_unexpected);
	return total_unexpected ? 1 : 0;
}
