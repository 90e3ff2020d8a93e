// SPDX-License-Identifier: MIT
/*
 * novax_vm: per-client GPU VA spaces (VM_INIT, VM_BIND), checked from the GPU's side.
 *
 * Every check of a mapping goes through the emulated GPU: its MMU walks the tables the kernel
 * wrote (test-control TRANSLATE, from the page directory base that debugfs `vms` shows for the
 * client) and then reads guest RAM at the physical address it found (READ_GPA). The bytes
 * there must be the buffer object's bytes at the offset the bind named: objects are filled
 * with a pattern unique to (object, word), so a wrong page, a wrong offset or a stale PTE
 * shows. VAs nothing maps must fault.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ull
#define BIG (64ull << 10)
#define KERNEL_ADDR (1ull << 32)
#define KERNEL_SIZE (64ull << 20)
#define EFAULT_RESULT 14

static uint64_t rng_state;

static uint64_t rng(void)
{
	return novax_xorshift(&rng_state);
}

static int vm_init(int fd, uint64_t addr, uint64_t size, uint32_t flags, uint32_t pad)
{
	struct drm_novax_vm_init a = {
		.kernel_addr = addr, .kernel_size = size, .flags = flags, .pad = pad,
	};

	return igt_ioctl(fd, DRM_IOCTL_NOVAX_VM_INIT, &a) ? -errno : 0;
}

static int bind_ops(int fd, const struct drm_novax_vm_bind_op *ops, uint32_t n)
{
	struct drm_novax_vm_bind b = {
		.ops = { .stride = sizeof(*ops), .count = n, .ptr = (uintptr_t)ops },
	};

	return igt_ioctl(fd, DRM_IOCTL_NOVAX_VM_BIND, &b) ? -errno : 0;
}

static int bind1(int fd, uint32_t op, uint32_t flags, uint32_t handle, uint64_t addr,
		 uint64_t offset, uint64_t range)
{
	struct drm_novax_vm_bind_op o = {
		.op = op, .flags = flags, .handle = handle,
		.addr = addr, .bo_offset = offset, .range = range,
	};

	return bind_ops(fd, &o, 1);
}

static int map(int fd, uint32_t handle, uint64_t addr, uint64_t offset, uint64_t range)
{
	return bind1(fd, DRM_NOVAX_VM_BIND_OP_MAP, 0, handle, addr, offset, range);
}

static int unmap(int fd, uint64_t addr, uint64_t range)
{
	return bind1(fd, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, 0, addr, 0, range);
}

/* This file's drm-client-id, from its fdinfo. */
static uint64_t client_id(int fd)
{
	char path[64], buf[4096];
	uint64_t id = 0;
	const char *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	igt_assert(f >= 0);
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	igt_assert(n > 0);
	buf[n] = 0;
	p = strstr(buf, "drm-client-id:");
	igt_assert_f(p, "no drm-client-id in fdinfo\n");
	igt_assert(sscanf(p, "drm-client-id: %" SCNu64, &id) == 1);
	return id;
}

static char vms_buf[1 << 20];

/* The page directory base and table pages of FD's VM, from debugfs `vms`. */
static uint64_t vm_pdb(int fd, uint64_t *pages)
{
	int dir = novax_debugfs_dir(fd);
	char key[64];
	const char *p;
	uint64_t pdb = 0, n = 0;

	novax_debugfs_read(dir, "vms", vms_buf, sizeof(vms_buf));
	close(dir);
	snprintf(key, sizeof(key), "client %" PRIu64 " ", client_id(fd));
	p = strstr(vms_buf, key);
	igt_assert_f(p, "client not in vms:\n%s\n", vms_buf);
	p = strstr(p, "pdb ");
	igt_assert(p && sscanf(p, "pdb %" SCNx64 " table_pages %" SCNu64, &pdb, &n) == 2);
	if (pages)
		*pages = n;
	return pdb;
}

/* Totals of debugfs `vms`' first line. */
static void vm_totals(int fd, uint64_t *spaces, uint64_t *pages)
{
	int dir = novax_debugfs_dir(fd);

	novax_debugfs_read(dir, "vms", vms_buf, sizeof(vms_buf));
	close(dir);
	igt_assert(sscanf(vms_buf, "spaces %" SCNu64 " table_pages %" SCNu64, spaces, pages) == 2);
}

/* A buffer object filled with words (seed << 24) + index. */
struct bo {
	uint32_t handle;
	uint64_t size;
	uint32_t seed;
};

static struct bo bo_new(int fd, uint64_t size, uint32_t seed)
{
	struct bo b = { .size = size, .seed = seed };
	uint32_t *p;

	b.handle = novax_gem_create(fd, size, NULL);
	p = novax_gem_mmap(fd, b.handle, size, PROT_READ | PROT_WRITE);
	for (uint64_t i = 0; i < size / 4; i++)
		p[i] = seed << 24 ^ (uint32_t)i;
	munmap(p, size);
	return b;
}

static uint32_t bo_word(uint32_t seed, uint64_t offset)
{
	return seed << 24 ^ (uint32_t)(offset / 4);
}

/*
 * What the GPU sees at VA: -1 if it faults, else 0 with the first word there checked against
 * the object SEED at OFFSET (and RO against the read-only flag).
 */
static int gpu_check(struct novax_emu *emu, uint64_t pdb, uint64_t va, uint32_t seed,
		     uint64_t offset, bool ro)
{
	uint64_t pa;
	uint32_t flags, fault, word;
	uint32_t r = novax_emu_translate(emu, pdb, va, &pa, &flags, &fault);

	if (r == EFAULT_RESULT)
		return -1;
	igt_assert_eq_u32(r, 0);
	igt_assert_eq_u32(novax_emu_read_gpa(emu, pa, &word, 4), 0);
	igt_assert_f(word == bo_word(seed, offset),
		     "VA %#" PRIx64 " -> PA %#" PRIx64 ": word %#x, expected %#x (object %u offset %#"
		     PRIx64 ")\n", va, pa, word, bo_word(seed, offset), seed, offset);
	igt_assert_eq_u32(!!(flags & NOVAX_EMU_TRANSLATE_READ_ONLY), ro);
	return 0;
}

/* The first word the GPU reads at VA through its TLB (PROBE); -1 if it faults. */
static int64_t gpu_read(struct novax_emu *emu, uint64_t pdb, uint64_t va)
{
	struct novax_emu_probe out;

	igt_assert_eq_u32(novax_emu_probe(emu, pdb, &va, 1, &out), 0);
	return out.status ? -1 : (int64_t)out.word;
}

/* Whether the emulated GSP-RM has a VA space with page directory PDB; its object count. */
static bool rm_has_vaspace(struct novax_emu *emu, uint64_t pdb, uint32_t *objects)
{
	struct novax_emu_rm_vaspace v[64];
	uint32_t n, o = novax_emu_rm_objects(emu, &n, v, 64);
	bool found = false;

	for (uint32_t i = 0; i < n && i < 64; i++)
		found |= v[i].pdb == pdb;
	if (objects)
		*objects = o;
	return found;
}

static int open_vm(void)
{
	int fd = drm_open_novax_render();

	igt_assert_eq(vm_init(fd, KERNEL_ADDR, KERNEL_SIZE, 0, 0), 0);
	return fd;
}

/* The reference model of the random test: per 4 KiB page of a window, object and offset. */
#define WIN_BASE (1ull << 36)
#define WIN_PAGES 2048	/* 8 MiB: four PDE0 spans */
#define NBO 4
#define BO_PAGES 512	/* 2 MiB objects */

struct model {
	int8_t bo[WIN_PAGES];		/* -1: unmapped */
	uint16_t page[WIN_PAGES];
	bool ro[WIN_PAGES];
};

igt_main
{
	struct novax_emu *emu = NULL;
	int fd = -1;

	igt_fixture {
		uint8_t b;

		emu = novax_emu_open();
		igt_require_f(novax_emu_read_gpa(emu, 0x1000, &b, 1) != 19,
			      "the emulator has no guest RAM (--guest-ram)\n");
		fd = drm_open_novax_render();
		rng_state = 0x6e6f766178766d31ull;
		igt_info("seed %#" PRIx64 "\n", rng_state);
	}

	igt_describe("The VM GETPARAMs report the GMMU v2 VA space and the driver's limits.");
	igt_subtest("getparams") {
		igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_VA_BITS), 49);
		igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_PAGE_SIZES), (1u << 12) | (1u << 16));
		igt_assert_eq_u64(novax_getparam(fd, NOVAX_GETPARAM_COPY_CLASS), 0xc7b5);
		igt_assert(novax_getparam(fd, NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE) % PAGE == 0);
		igt_assert(novax_getparam(fd, NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE) <= KERNEL_SIZE);
		igt_assert(novax_getparam(fd, NOVAX_GETPARAM_VM_BIND_OPS_MAX) >= 1);
		igt_assert(novax_getparam(fd, NOVAX_GETPARAM_EXEC_PUSH_MAX) >= 1);
		igt_assert(novax_getparam(fd, NOVAX_GETPARAM_SYNCS_MAX) >= 1);
	}

	igt_describe("VM_INIT refuses bad kernel regions with EINVAL, a second VM_INIT with "
		     "EEXIST; VM_BIND before VM_INIT is ENOENT.");
	igt_subtest("init-errors") {
		int f = drm_open_novax_render();
		uint64_t min = novax_getparam(f, NOVAX_GETPARAM_VM_KERNEL_MIN_SIZE);
		struct bo b = bo_new(f, PAGE, 1);

		igt_assert_eq(map(f, b.handle, 1ull << 36, 0, PAGE), -ENOENT);
		igt_assert_eq(unmap(f, 1ull << 36, PAGE), -ENOENT);
		igt_assert_eq(vm_init(f, KERNEL_ADDR, min, 1, 0), -EINVAL);
		igt_assert_eq(vm_init(f, KERNEL_ADDR, min, 0, 1), -EINVAL);
		igt_assert_eq(vm_init(f, KERNEL_ADDR + 8, min, 0, 0), -EINVAL);
		igt_assert_eq(vm_init(f, KERNEL_ADDR, min + 8, 0, 0), -EINVAL);
		igt_assert_eq(vm_init(f, KERNEL_ADDR, min - PAGE, 0, 0), -EINVAL);
		igt_assert_eq(vm_init(f, (1ull << 40) - min + PAGE, min, 0, 0), -EINVAL);
		igt_assert_eq(vm_init(f, -PAGE, min, 0, 0), -EINVAL);
		igt_assert_eq(vm_init(f, (1ull << 40) - min, min, 0, 0), 0);
		igt_assert_eq(vm_init(f, KERNEL_ADDR, min, 0, 0), -EEXIST);
		igt_assert_eq(map(f, b.handle, 1ull << 36, 0, PAGE), 0);
		close(f);
	}

	igt_describe("Every VM_BIND errno: EINVAL, E2BIG, ENOENT, EFAULT, EOPNOTSUPP; a failed "
		     "bind changes nothing the GPU sees.");
	igt_subtest("bind-errors") {
		int f = open_vm();
		struct bo b = bo_new(f, 4 * PAGE, 2);
		uint64_t va = 1ull << 36, pdb;
		uint32_t max = novax_getparam(f, NOVAX_GETPARAM_VM_BIND_OPS_MAX);
		struct drm_novax_vm_bind_op ops[2] = {
			{ .op = DRM_NOVAX_VM_BIND_OP_MAP, .handle = b.handle, .addr = va + 8 * PAGE,
			  .range = PAGE },
			{ .op = DRM_NOVAX_VM_BIND_OP_MAP, .handle = b.handle + 100, .addr = va,
			  .range = PAGE },
		};
		struct drm_novax_vm_bind bind = { 0 };
		struct {
			struct drm_novax_vm_bind_op op;
			uint64_t tail;
		} big = { .op = ops[0] };
		struct drm_novax_vm_bind_op *many;

		igt_assert_eq(map(f, b.handle, va, 0, 4 * PAGE), 0);
		pdb = vm_pdb(f, NULL);
		/* MBZ fields, unknown ops and flags. */
		igt_assert_eq(bind1(f, 2, 0, 0, va, 0, PAGE), -EINVAL);
		igt_assert_eq(bind1(f, DRM_NOVAX_VM_BIND_OP_MAP, 2, b.handle, va, 0, PAGE), -EINVAL);
		igt_assert_eq(bind1(f, DRM_NOVAX_VM_BIND_OP_UNMAP, DRM_NOVAX_VM_BIND_READ_ONLY, 0, va,
				    0, PAGE), -EINVAL);
		igt_assert_eq(bind1(f, DRM_NOVAX_VM_BIND_OP_UNMAP, 0, b.handle, va, 0, PAGE), -EINVAL);
		ops[0].pad = 1;
		igt_assert_eq(bind_ops(f, ops, 1), -EINVAL);
		ops[0].pad = 0;
		/* Alignment, size, VA range, kernel region, object bounds. */
		igt_assert_eq(map(f, b.handle, va + 8, 0, PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, va, 8, PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, va, 0, PAGE + 8), -EINVAL);
		igt_assert_eq(map(f, b.handle, va, 0, 0), -EINVAL);
		igt_assert_eq(map(f, b.handle, (1ull << 49) - PAGE, 0, 2 * PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, -PAGE, 0, 2 * PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, KERNEL_ADDR + KERNEL_SIZE - PAGE, 0, PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, KERNEL_ADDR - PAGE, 0, 2 * PAGE), -EINVAL);
		igt_assert_eq(unmap(f, KERNEL_ADDR, PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, va, PAGE, 4 * PAGE), -EINVAL);
		igt_assert_eq(map(f, b.handle, va, 4 * PAGE, PAGE), -EINVAL);
		/* Unknown handle; a bad op after a good one changes nothing. */
		igt_assert_eq(map(f, b.handle + 100, va, 0, PAGE), -ENOENT);
		igt_assert_eq(bind_ops(f, ops, 2), -ENOENT);
		igt_assert_eq(gpu_check(emu, pdb, va + 8 * PAGE, 0, 0, false), -1);
		/* The bind struct and its arrays. */
		bind.pad = 1;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EINVAL);
		bind.pad = 0;
		bind.flags = 2;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EINVAL);
		bind.flags = DRM_NOVAX_VM_BIND_ASYNC;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EOPNOTSUPP);
		bind.flags = 0;
		bind.waits.count = 1;
		bind.waits.stride = sizeof(struct drm_novax_sync);
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EOPNOTSUPP);
		bind.waits.count = 0;
		bind.signals.count = 1;
		bind.signals.stride = sizeof(struct drm_novax_sync);
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EOPNOTSUPP);
		bind.signals.count = 0;
		bind.ops.count = 1;
		bind.ops.stride = sizeof(ops[0]) - 8;
		bind.ops.ptr = (uintptr_t)ops;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EINVAL);
		bind.ops.stride = sizeof(big);
		bind.ops.ptr = (uintptr_t)&big;
		big.tail = 1;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -E2BIG);
		big.tail = 0;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, 0);
		igt_assert_eq(gpu_check(emu, pdb, va + 8 * PAGE, 2, 0, false), 0);
		bind.ops.stride = sizeof(ops[0]);
		bind.ops.ptr = 8;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -EFAULT);
		many = calloc(max + 1, sizeof(*many));
		bind.ops.ptr = (uintptr_t)many;
		bind.ops.count = max + 1;
		igt_assert_eq(igt_ioctl(f, DRM_IOCTL_NOVAX_VM_BIND, &bind) ? -errno : 0, -E2BIG);
		free(many);
		/* Unmapping nothing is no error; the first mapping is intact throughout. */
		igt_assert_eq(unmap(f, 1ull << 40, 16 * PAGE), 0);
		for (int i = 0; i < 4; i++)
			igt_assert_eq(gpu_check(emu, pdb, va + i * PAGE + 12, 2, i * PAGE + 12, false), 0);
		close(f);
	}

	igt_describe("A mapped object is what the GPU reads at every page, with read-only "
		     "mappings read-only; unmapped VAs fault; 64 KiB pages where they fit.");
	igt_subtest("map-translate") {
		int f = open_vm();
		struct bo b = bo_new(f, 2 << 20, 3);
		uint64_t va = 0x7000000000ull, pdb, pa;
		uint32_t flags, fault;
		int big = 0;

		igt_assert_eq(map(f, b.handle, va, 0, 2 << 20), 0);
		igt_assert_eq(bind1(f, DRM_NOVAX_VM_BIND_OP_MAP, DRM_NOVAX_VM_BIND_READ_ONLY,
				    b.handle, va + (4 << 20), 5 * PAGE, 3 * PAGE), 0);
		pdb = vm_pdb(f, NULL);
		/* Per 64 KiB: a big PTE exactly where the 16 pages are one aligned 64 KiB. */
		for (uint64_t chunk = 0; chunk < (2 << 20); chunk += BIG) {
			uint64_t pas[16];
			bool contiguous = true, is_big = false;

			for (int i = 0; i < 16; i++) {
				uint64_t off = chunk + i * PAGE, in = rng() % PAGE & ~3ull;

				igt_assert_eq(gpu_check(emu, pdb, va + off + in, 3, off + in, false), 0);
				igt_assert_eq_u32(novax_emu_translate(emu, pdb, va + off, &pa, &flags,
								      &fault), 0);
				pas[i] = pa;
				contiguous &= pa == pas[0] + i * PAGE;
				if (i == 0)
					is_big = (flags >> 16) == 64;
				else
					igt_assert_eq(is_big, (flags >> 16) == 64);
			}
			contiguous &= pas[0] % BIG == 0;
			igt_assert_f(is_big == contiguous, "64 KiB at %#" PRIx64 ": %s PTE, pages %s\n",
				     chunk, is_big ? "big" : "small",
				     contiguous ? "contiguous" : "scattered");
			big += is_big;
		}
		for (int i = 0; i < 3; i++)
			igt_assert_eq(gpu_check(emu, pdb, va + (4 << 20) + i * PAGE, 3, (5 + i) * PAGE,
						true), 0);
		igt_assert_eq(gpu_check(emu, pdb, va + (4 << 20) + 3 * PAGE, 0, 0, false), -1);
		igt_assert_eq(gpu_check(emu, pdb, va - PAGE, 0, 0, false), -1);
		igt_assert_eq(gpu_check(emu, pdb, va + (2 << 20), 0, 0, false), -1);
		igt_info("%d of 32 64 KiB pieces mapped with big PTEs (exactly the contiguous ones)\n", big);
		close(f);
	}

	igt_describe("Random MAP/UNMAP/remap sequences of four objects in an 8 MiB window, then "
		     "random VAs: each translates to the object byte the model says, or faults.");
	igt_subtest("random") {
		static struct model m;
		int f = open_vm();
		struct bo bos[NBO];
		uint64_t pdb, checks = 0, faults = 0;
		int rounds = 40, per_round = 2500;

		for (int i = 0; i < NBO; i++)
			bos[i] = bo_new(f, BO_PAGES * PAGE, 10 + i);
		memset(m.bo, -1, sizeof(m.bo));
		for (int r = 0; r < rounds; r++) {
			for (int k = 0; k < 8; k++) {
				/* Ranges up to 256 pages, sometimes 64 KiB-aligned to get big pages. */
				uint64_t n = 1 + rng() % 256, start = rng() % (WIN_PAGES - n + 1);
				int which = rng() % (NBO + 1);
				uint64_t off = rng() % (BO_PAGES - n + 1);
				bool ro = rng() % 4 == 0;

				if (rng() % 2) {
					start &= ~15ull;
					off = (off & ~15ull) % (BO_PAGES - n + 1) & ~15ull;
				}
				if (which == NBO) {
					igt_assert_eq(unmap(f, WIN_BASE + start * PAGE, n * PAGE), 0);
					for (uint64_t i = 0; i < n; i++)
						m.bo[start + i] = -1;
					continue;
				}
				igt_assert_eq(bind1(f, DRM_NOVAX_VM_BIND_OP_MAP,
						    ro ? DRM_NOVAX_VM_BIND_READ_ONLY : 0,
						    bos[which].handle, WIN_BASE + start * PAGE,
						    off * PAGE, n * PAGE), 0);
				for (uint64_t i = 0; i < n; i++) {
					m.bo[start + i] = which;
					m.page[start + i] = off + i;
					m.ro[start + i] = ro;
				}
			}
			pdb = vm_pdb(f, NULL);
			for (int k = 0; k < per_round; k += NOVAX_EMU_PROBE_MAX) {
				uint64_t va[NOVAX_EMU_PROBE_MAX], pg[NOVAX_EMU_PROBE_MAX];
				struct novax_emu_probe out[NOVAX_EMU_PROBE_MAX];
				uint32_t n = per_round - k < NOVAX_EMU_PROBE_MAX ? per_round - k :
					     NOVAX_EMU_PROBE_MAX;

				for (uint32_t j = 0; j < n; j++) {
					pg[j] = rng() % WIN_PAGES;
					va[j] = WIN_BASE + pg[j] * PAGE + (rng() % PAGE & ~3ull);
				}
				igt_assert_eq_u32(novax_emu_probe(emu, pdb, va, n, out), 0);
				for (uint32_t j = 0; j < n; j++) {
					int b = m.bo[pg[j]];
					uint64_t off = m.page[pg[j]] * PAGE + va[j] % PAGE;

					if (b < 0) {
						igt_assert_f(out[j].status == (4 | 3 << 8) ||
							     out[j].status == (3 | 2 << 8),
							     "VA %#" PRIx64 " unmapped in the model: status %#x\n",
							     va[j], out[j].status);
						faults++;
					} else {
						igt_assert_f(out[j].status == 0 &&
							     out[j].word == bo_word(10 + b, off),
							     "VA %#" PRIx64 ": status %#x word %#x, model object %d "
							     "offset %#" PRIx64 " (%#x)\n", va[j], out[j].status,
							     out[j].word, b, off, bo_word(10 + b, off));
						igt_assert_eq_u32(out[j].flags & NOVAX_EMU_TRANSLATE_READ_ONLY,
								  m.ro[pg[j]]);
					}
					checks++;
				}
			}
		}
		igt_info("%" PRIu64 " random VAs agreed with the model (%" PRIu64 " faults)\n",
			 checks, faults);
		close(f);
	}

	igt_describe("The GPU translates through a TLB that only the MMU invalidate flushes: every "
		     "bind invalidates (the emulator counts it) and the GPU then sees the new "
		     "mapping; with the debug knob tlb_skip_invalidate set, a remap leaves the GPU "
		     "reading the old page although the tables name the new one.");
	igt_subtest("tlb-invalidate") {
		int f = open_vm(), dir = novax_debugfs_dir(fd);
		struct bo a = bo_new(f, PAGE, 41), b = bo_new(f, PAGE, 42);
		uint64_t va = 1ull << 37, pdb = vm_pdb(f, NULL), n;

		igt_assert_eq(map(f, a.handle, va, 0, PAGE), 0);
		igt_assert_eq_s64(gpu_read(emu, pdb, va), bo_word(41, 0));
		/* Cached now: a second read hits. */
		n = novax_emu_stat(emu, NOVAX_EMU_STAT_TLB_HITS);
		igt_assert_eq_s64(gpu_read(emu, pdb, va), bo_word(41, 0));
		igt_assert_lt_u64(n, novax_emu_stat(emu, NOVAX_EMU_STAT_TLB_HITS));

		n = novax_emu_stat(emu, NOVAX_EMU_STAT_TLB_INVALIDATES);
		igt_assert_eq(map(f, b.handle, va, 0, PAGE), 0);
		igt_assert_lt_u64(n, novax_emu_stat(emu, NOVAX_EMU_STAT_TLB_INVALIDATES));
		igt_assert_eq_s64(gpu_read(emu, pdb, va), bo_word(42, 0));

		/* The knob: the tables change, the GPU's view does not. */
		igt_assert_eq(novax_debugfs_write(dir, "tlb_skip_invalidate", "1"), 0);
		n = novax_debugfs_get(dir, "tlb_stats", "skipped");
		igt_assert_eq(map(f, a.handle, va, 0, PAGE), 0);
		igt_assert_eq(novax_debugfs_write(dir, "tlb_skip_invalidate", "0"), 0);
		igt_assert_lt_u64(n, novax_debugfs_get(dir, "tlb_stats", "skipped"));
		igt_assert_eq(gpu_check(emu, pdb, va, 41, 0, false), 0);
		igt_assert_eq_s64(gpu_read(emu, pdb, va), bo_word(42, 0));
		igt_info("without the invalidate the GPU kept reading the old page\n");

		/* The next bind invalidates again; an unmap is seen as a fault. */
		igt_assert_eq(map(f, a.handle, va, 0, PAGE), 0);
		igt_assert_eq_s64(gpu_read(emu, pdb, va), bo_word(41, 0));
		igt_assert_eq(unmap(f, va, PAGE), 0);
		igt_assert_eq_s64(gpu_read(emu, pdb, va), -1);
		igt_assert_eq_u64(novax_debugfs_get(dir, "tlb_stats", "errors"), 0);
		igt_assert_eq(novax_debugfs_write(dir, "tlb_skip_invalidate", "2"), -EINVAL);
		igt_assert_eq_u64(novax_debugfs_value(dir, "tlb_skip_invalidate"), 0);
		close(dir);
		close(f);
	}

	igt_describe("Each VA space is a FERMI_VASPACE_A in GSP-RM holding the kernel's page "
		     "directory, freed at close; an RM error at VM_INIT, on the ALLOC or on the "
		     "CONTROL after it, becomes an errno (NO_MEMORY ENOMEM, "
		     "INSUFFICIENT_RESOURCES ENOSPC, INVALID_ARGUMENT EINVAL, a bad handle EIO) "
		     "and leaves nothing behind.");
	igt_subtest("rm-vaspace") {
		/* NV status, on the ALLOC (0) or the CONTROL after it (1), and the errno. */
		static const struct { uint32_t status, control; int err; } fails[] = {
			{ 0x51, 0, -ENOMEM }, { 0x1a, 0, -ENOSPC }, { 0x33, 0, -EIO },
			{ 0x36, 0, -EIO }, { 0x1f, 1, -EINVAL }, { 0x51, 1, -ENOMEM },
			{ 0x31, 1, -EIO },
		};
		uint32_t base, objects;
		uint64_t spaces, pages, s2, p2, pdb;
		int f, g;

		rm_has_vaspace(emu, 0, &base);
		/* The driver's client, device and subdevice at least. */
		igt_assert_lte(3, (int)base);
		f = open_vm();
		pdb = vm_pdb(f, NULL);
		igt_assert_f(rm_has_vaspace(emu, pdb, &objects),
			     "RM has no VA space with PDB %#" PRIx64 "\n", pdb);
		igt_assert_eq_u32(objects, base + 1);
		close(f);
		igt_assert(!rm_has_vaspace(emu, pdb, &objects));
		igt_assert_eq_u32(objects, base);

		vm_totals(fd, &spaces, &pages);
		for (unsigned int i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
			g = drm_open_novax_render();
			igt_assert_eq_u32(novax_emu_cmd(emu, NOVAX_EMU_CMD_RM_FAIL,
							fails[i].status, fails[i].control), 0);
			igt_assert_eq(vm_init(g, KERNEL_ADDR, KERNEL_SIZE, 0, 0), fails[i].err);
			/* A failed CONTROL leaves an allocated VA space, which the driver frees. */
			vm_totals(fd, &s2, &p2);
			igt_assert_eq_u64(s2, spaces);
			igt_assert_eq_u64(p2, pages);
			rm_has_vaspace(emu, 0, &objects);
			igt_assert_eq_u32(objects, base);
			/* Nothing half-made: the next VM_INIT works. */
			igt_assert_eq(vm_init(g, KERNEL_ADDR, KERNEL_SIZE, 0, 0), 0);
			igt_assert(rm_has_vaspace(emu, vm_pdb(g, NULL), NULL));
			close(g);
		}
		rm_has_vaspace(emu, 0, &objects);
		igt_assert_eq_u32(objects, base);
	}

	igt_describe("Two clients map different objects at the same VA: each VA space shows "
		     "its own.");
	igt_subtest("isolation") {
		int a = open_vm(), b = open_vm();
		struct bo x = bo_new(a, 16 * PAGE, 20), y = bo_new(b, 16 * PAGE, 21);
		uint64_t va = 1ull << 37;

		igt_assert_eq(map(a, x.handle, va, 0, 16 * PAGE), 0);
		igt_assert_eq(map(b, y.handle, va, 0, 16 * PAGE), 0);
		igt_assert(vm_pdb(a, NULL) != vm_pdb(b, NULL));
		for (int i = 0; i < 16; i++) {
			igt_assert_eq(gpu_check(emu, vm_pdb(a, NULL), va + i * PAGE, 20, i * PAGE, false), 0);
			igt_assert_eq(gpu_check(emu, vm_pdb(b, NULL), va + i * PAGE, 21, i * PAGE, false), 0);
		}
		igt_assert_eq(unmap(a, va, 16 * PAGE), 0);
		igt_assert_eq(gpu_check(emu, vm_pdb(a, NULL), va, 0, 0, false), -1);
		igt_assert_eq(gpu_check(emu, vm_pdb(b, NULL), va, 21, 0, false), 0);
		close(a);
		close(b);
	}

	igt_describe("A mapping keeps its object after GEM_CLOSE; a PRIME self-import maps "
		     "the same pages.");
	igt_subtest("object-lifetime") {
		int f = open_vm();
		struct bo b = bo_new(f, 8 * PAGE, 22);
		uint64_t va = 1ull << 38, pdb = vm_pdb(f, NULL);
		int dmabuf = prime_handle_to_fd(f, b.handle);
		int g = open_vm();
		uint32_t imported = prime_fd_to_handle(g, dmabuf);

		igt_assert_eq(map(f, b.handle, va, 0, 8 * PAGE), 0);
		gem_close(f, b.handle);
		close(dmabuf);
		for (int i = 0; i < 8; i++)
			igt_assert_eq(gpu_check(emu, pdb, va + i * PAGE, 22, i * PAGE, false), 0);
		igt_assert_eq(map(g, imported, va, 2 * PAGE, 4 * PAGE), 0);
		for (int i = 0; i < 4; i++)
			igt_assert_eq(gpu_check(emu, vm_pdb(g, NULL), va + i * PAGE, 22, (2 + i) * PAGE,
						false), 0);
		close(g);
		close(f);
	}

	igt_describe("Closing a client with live mappings frees every page-table page: the "
		     "device's totals return to where they started.");
	igt_subtest("close-frees-tables") {
		uint64_t spaces0, pages0, spaces, pages, own;
		int f;
		struct bo b;

		vm_totals(fd, &spaces0, &pages0);
		f = open_vm();
		b = bo_new(f, 64 * PAGE, 23);
		for (int i = 0; i < 32; i++)
			igt_assert_eq(map(f, b.handle, (uint64_t)i << 39 | (uint64_t)i << 30, 0, 64 * PAGE), 0);
		vm_pdb(f, &own);
		vm_totals(fd, &spaces, &pages);
		igt_assert_eq_u64(spaces, spaces0 + 1);
		igt_assert_eq_u64(pages, pages0 + own);
		igt_assert(own > 32 * 3);
		gem_close(f, b.handle);
		close(f);
		vm_totals(fd, &spaces, &pages);
		igt_assert_eq_u64(spaces, spaces0);
		igt_assert_eq_u64(pages, pages0);
		igt_info("%" PRIu64 " table pages freed\n", own);
	}

	igt_describe("A client killed with live mappings (SIGKILL pending while its file is "
		     "released) still tears its VA space down: RM's VA space freed, every table "
		     "page back.");
	igt_subtest("kill-frees-tables") {
		uint64_t spaces0, pages0, spaces, pages, pdb;
		uint32_t base, objects;
		int pipefd[2], status;
		pid_t pid;

		vm_totals(fd, &spaces0, &pages0);
		rm_has_vaspace(emu, 0, &base);
		igt_assert_eq(pipe(pipefd), 0);
		pid = fork();
		igt_assert(pid >= 0);
		if (pid == 0) {
			int f = open_vm();
			struct bo b = bo_new(f, 64 * PAGE, 26);
			uint64_t p;

			for (int i = 0; i < 16; i++)
				if (map(f, b.handle, (uint64_t)i << 39 | (uint64_t)i << 30, 0,
					64 * PAGE))
					_exit(1);
			p = vm_pdb(f, NULL);
			if (write(pipefd[1], &p, sizeof(p)) != sizeof(p))
				_exit(1);
			for (;;)
				pause();
		}
		close(pipefd[1]);
		igt_assert_eq(read(pipefd[0], &pdb, sizeof(pdb)), (ssize_t)sizeof(pdb));
		close(pipefd[0]);
		igt_assert(rm_has_vaspace(emu, pdb, &objects));
		igt_assert_eq_u32(objects, base + 1);
		vm_totals(fd, &spaces, &pages);
		igt_assert_eq_u64(spaces, spaces0 + 1);
		igt_assert_lt_u64(pages0 + 16 * 3, pages);
		igt_assert_eq(kill(pid, SIGKILL), 0);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		vm_totals(fd, &spaces, &pages);
		igt_assert_eq_u64(spaces, spaces0);
		igt_assert_eq_u64(pages, pages0);
		igt_assert(!rm_has_vaspace(emu, pdb, &objects));
		igt_assert_eq_u32(objects, base);
	}

	igt_describe("Unbinding the core driver while a client has a VM with live mappings: its "
		     "binds fail with ENODEV, closing it later is harmless, and the rebound device "
		     "starts with no VA space and maps again.");
	igt_subtest("core-unbind-with-vm") {
		char bdf[32];
		int f = open_vm(), g = drm_open_novax_render(), h;
		struct bo b = bo_new(f, 16 * PAGE, 24);
		uint64_t va = 1ull << 36, spaces, pages, old_pdb;
		uint32_t objects;

		igt_require_f(novax_pci_bdf(bdf, sizeof(bdf)), "no emulated GPU\n");
		igt_set_timeout(120, "core unbind with a VM");
		igt_assert_eq(map(f, b.handle, va, 0, 16 * PAGE), 0);
		old_pdb = vm_pdb(f, NULL);
		igt_assert(rm_has_vaspace(emu, old_pdb, NULL));
		igt_assert_eq(gpu_check(emu, old_pdb, va, 24, 0, false), 0);
		close(fd);
		fd = -1;
		igt_assert_eq(novax_core_unbind(bdf), 0);
		igt_assert_f(novax_wait_no_render(5000), "render node still there after unbind\n");
		igt_assert_eq(map(f, b.handle, va + (1 << 20), 0, PAGE), -ENODEV);
		igt_assert_eq(unmap(f, va, PAGE), -ENODEV);
		igt_assert_eq(vm_init(g, KERNEL_ADDR, KERNEL_SIZE, 0, 0), -ENODEV);
		igt_assert_eq(novax_core_bind(bdf), 0);
		fd = novax_wait_render(10000);
		igt_assert_f(fd >= 0, "no render node after rebinding the core driver\n");
		close(f);
		close(g);
		vm_totals(fd, &spaces, &pages);
		igt_assert_eq_u64(spaces, 0);
		igt_assert_eq_u64(pages, 0);
		/* The GSP rebooted: RM holds the new client, device and subdevice only. */
		igt_assert(!rm_has_vaspace(emu, old_pdb, &objects));
		igt_assert_eq_u32(objects, 3);
		h = open_vm();
		igt_assert(rm_has_vaspace(emu, vm_pdb(h, NULL), NULL));
		b = bo_new(h, 16 * PAGE, 25);
		igt_assert_eq(map(h, b.handle, va, 0, 16 * PAGE), 0);
		for (int i = 0; i < 16; i++)
			igt_assert_eq(gpu_check(emu, vm_pdb(h, NULL), va + i * PAGE, 25, i * PAGE, false), 0);
		close(h);
	}

	igt_fixture {
		if (fd >= 0) {
			int dir = novax_debugfs_dir(fd);

			/* In case tlb-invalidate failed with the knob set. */
			novax_debugfs_write(dir, "tlb_skip_invalidate", "0");
			close(dir);
			close(fd);
		}
		novax_emu_close(emu);
		novax_ensure_bound();
	}
}
