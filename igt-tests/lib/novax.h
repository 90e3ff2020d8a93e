// SPDX-License-Identifier: MIT
/*
 * Helpers for novax tests: the render node, the UAPI, debugfs, sysfs binding and the emulated
 * GPU's test-control block (Documentation/gpu/novax-gsp.rst).
 *
 * Convention (as IGT's): a function named __foo() returns 0 or a negative errno and asserts
 * nothing; foo() asserts success.
 */
#ifndef NOVAX_IGT_NOVAX_H
#define NOVAX_IGT_NOVAX_H

#include "igt.h"

#include <stddef.h>
#include <stdint.h>
#include <xf86drm.h>

#include "novax_drm.h"

/* What the default emulated GPU (AD102 rev a1, GSP firmware 570.144.0) reports. */
#define NOVAX_EMU_CHIPSET 0x192
#define NOVAX_EMU_ARCHITECTURE 0x19
#define NOVAX_EMU_REVISION 0xa1
#define NOVAX_EMU_VRAM_BAR_SIZE (256ULL << 20)
#define NOVAX_EMU_VRAM_SIZE (24ULL << 30)
#define NOVAX_EMU_FW_VERSION (570ULL << 32 | 144ULL << 16 | 0)

#define NOVAX_DRIVER_NAME "novax"

/* ---- Device (lib/novax.c) ---- */

/* Opens the first render node driven by novax, or returns -1. */
int __drm_open_novax_render(void);
/* Same, but skips the test if there is none. */
int drm_open_novax_render(void);
/* Opens the first primary node (/dev/dri/cardN) driven by novax, or returns -1. */
int __drm_open_novax_primary(void);
/* Same, but skips the test if there is none. */
int drm_open_novax_primary(void);
/* The minor number of the DRM node FD (e.g. 128). */
int novax_render_minor(int fd);

/* ---- UAPI (lib/novax.c) ---- */

int __novax_getparam(int fd, uint64_t param, uint64_t *value);
uint64_t novax_getparam(int fd, uint64_t param);

/* GEM_CREATE with ARG filled in by the caller (size, flags); ARG gets handle and size back. */
int __novax_gem_create(int fd, struct drm_novax_gem_create *arg);
/* Creates an object of at least SIZE bytes; returns the handle, the rounded size in *SIZE_OUT. */
uint32_t novax_gem_create(int fd, uint64_t size, uint64_t *size_out);
int __novax_gem_info(int fd, uint32_t handle, struct drm_novax_gem_info *info);
struct drm_novax_gem_info novax_gem_info(int fd, uint32_t handle);
int __gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle);
/* mmap()s SIZE bytes of HANDLE with PROT; NULL (errno set) on failure. */
void *__novax_gem_mmap(int fd, uint32_t handle, size_t size, int prot);
void *novax_gem_mmap(int fd, uint32_t handle, size_t size, int prot);

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf);
int prime_handle_to_fd(int fd, uint32_t handle);
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);
uint32_t prime_fd_to_handle(int fd, int dmabuf);

/* One echo RPC; ARG->cookie in, cookie and latency out. */
int __novax_gsp_echo(int fd, struct drm_novax_gsp_echo *arg);
/* One echo RPC of COOKIE that must come back; returns the latency in ns. */
uint64_t novax_gsp_echo(int fd, uint64_t cookie);

/* xorshift64*: a reproducible random sequence from the seed *STATE starts with (nonzero). */
static inline uint64_t novax_xorshift(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

/* A fill pattern: distinct for every 32-bit word and every SEED. */
static inline uint32_t novax_pattern(uint32_t seed, size_t word)
{
	uint32_t x = seed ^ (uint32_t)(word * 2654435761u);

	return x ^ (x >> 15);
}

void novax_fill(void *ptr, size_t size, uint32_t seed);
/* Returns the byte offset of the first word not matching SEED's pattern, or -1. */
long novax_check(const void *ptr, size_t size, uint32_t seed);

/* ---- debugfs (lib/novax.c) ---- */

/*
 * Opens /sys/kernel/debug/dri/<minor of FD>/novax. Skips if debugfs is not mounted; fails if
 * debugfs has DRM directories but not this one (the driver broke the contract).
 */
int novax_debugfs_dir(int fd);
/* Reads FILE of DIR into BUF (NUL-terminated); returns the length or a negative errno. */
int __novax_debugfs_read(int dir, const char *file, char *buf, size_t len);
void novax_debugfs_read(int dir, const char *file, char *buf, size_t len);
/* Writes TEXT to FILE in one write(); returns 0 or a negative errno (open or write). */
int novax_debugfs_write(int dir, const char *file, const char *text);
/* Finds "KEY: value" in TEXT; parses decimal or 0x hex. */
bool novax_parse_key(const char *text, const char *key, uint64_t *value);
/* The value of KEY in FILE (fails the test if missing). */
uint64_t novax_debugfs_get(int dir, const char *file, const char *key);
/* The number a single-value file (poll_budget, rpc_timeout_ms) holds. */
uint64_t novax_debugfs_value(int dir, const char *file);

/* ---- sysfs (lib/novax_sysfs.c) ---- */

/* Writes TEXT to PATH; 0 or a negative errno. */
int sysfs_write(const char *path, const char *text);
/* The emulated GPU's PCI address (e.g. "0000:00:04.0"); false if there is none. */
bool novax_pci_bdf(char *bdf, size_t len);
/* The core PCI driver's sysfs directory, or NULL if it is not loaded. */
const char *novax_core_driver_dir(void);
/* The first novax_core.drm.<N> auxiliary device; false if there is none. */
bool novax_aux_device(char *name, size_t len);
/* Whether the DRM driver is bound to auxiliary device NAME. */
bool novax_drm_bound(const char *name);
int novax_drm_unbind(const char *name);
int novax_drm_bind(const char *name);
int novax_core_unbind(const char *bdf);
int novax_core_bind(const char *bdf);
/* Waits up to TIMEOUT_MS for a novax render node; returns its fd or -1. */
int novax_wait_render(int timeout_ms);
/* Waits up to TIMEOUT_MS until no render node is driven by novax. */
bool novax_wait_no_render(int timeout_ms);
/* Rebinds whatever a test left unbound (core driver, then DRM driver). */
void novax_ensure_bound(void);

/* ---- The emulated GPU's test-control block (lib/novax_emu.c) ---- */

enum novax_emu_cmd {
	NOVAX_EMU_CMD_FAULT = 1,
	NOVAX_EMU_CMD_FLOOD = 2,
	NOVAX_EMU_CMD_STALL = 3,
	NOVAX_EMU_CMD_DISAPPEAR = 4,
	NOVAX_EMU_CMD_EVENT_RATE = 5,
	NOVAX_EMU_CMD_ERROR_LOG = 6,
	NOVAX_EMU_CMD_SET_CHIP_ID = 7,	/* ARG0 BOOT_0, ARG1 BOOT_42, until the emulator exits */
	NOVAX_EMU_CMD_READ_GPA = 8,	/* guest RAM at ARG1:ARG0, ARG2 bytes, to DATA */
	NOVAX_EMU_CMD_WRITE_GPA = 9,	/* DATA's first ARG2 bytes to guest RAM at ARG1:ARG0 */
	NOVAX_EMU_CMD_TRANSLATE = 10,	/* walk the GMMU tables at DATA[0..8] for VA ARG1:ARG0 */
	NOVAX_EMU_CMD_PROBE = 11,	/* TRANSLATE and read ARG0 VAs at once */
	NOVAX_EMU_CMD_RM_OBJECTS = 12,	/* RM's object count and VA spaces into DATA */
	NOVAX_EMU_CMD_RM_FAIL = 13,	/* the next GSP_RM_ALLOC (ARG1 0) or _CONTROL (1) fails
					 * with NV status ARG0 */
};

/* The most VAs one PROBE takes. */
#define NOVAX_EMU_PROBE_MAX 64

/* TRANSLATE's flags: read-only, non-coherent, KIND 15:8, page size in KiB 31:16. */
#define NOVAX_EMU_TRANSLATE_READ_ONLY (1u << 0)
#define NOVAX_EMU_TRANSLATE_NON_COHERENT (1u << 1)

/* The size of the test-control block's DATA window (the most a READ/WRITE_GPA moves). */
#define NOVAX_EMU_DATA_SIZE 0x800

enum novax_emu_fault {
	NOVAX_EMU_FAULT_BAD_CHECKSUM = 1,
	NOVAX_EMU_FAULT_BAD_SIGNATURE = 2,
	NOVAX_EMU_FAULT_ELEMCOUNT_ZERO = 3,
	NOVAX_EMU_FAULT_ELEMCOUNT_HUGE = 4,
	NOVAX_EMU_FAULT_BAD_LENGTH = 5,
	NOVAX_EMU_FAULT_WRITE_PTR_RANGE = 6,
	NOVAX_EMU_FAULT_BAD_VERSION = 7,
	NOVAX_EMU_FAULT_BAD_SEQNUM = 8,
	NOVAX_EMU_FAULT_BAD_PAYLOAD = 9,	/* a valid message with a wrong first payload byte */
	/* Several defects at once: the driver must reject for the first in its order. */
	NOVAX_EMU_FAULT_LENGTH_AND_CHECKSUM = 10,
	NOVAX_EMU_FAULT_CHECKSUM_VERSION_SIGNATURE = 11,
	NOVAX_EMU_FAULT_VERSION_AND_SIGNATURE = 12,
};

enum novax_emu_stat {
	NOVAX_EMU_STAT_MESSAGES_POSTED = 0,
	NOVAX_EMU_STAT_COMMANDS_RECEIVED = 1,
	NOVAX_EMU_STAT_INTERRUPTS_RAISED = 2,
	NOVAX_EMU_STAT_FAULTS_INJECTED = 3,
	NOVAX_EMU_STAT_EVENTS_POSTED = 4,
	NOVAX_EMU_STAT_BAD_COMMANDS = 5,
	/* Cumulative since the emulator started, not reset at boot ("After the halt"). */
	NOVAX_EMU_STAT_HALTED_DOORBELLS = 6,
	NOVAX_EMU_STAT_HALTED_WRITES = 7,
	NOVAX_EMU_STAT_HALTS = 8,
	/* Cumulative since the emulator started: MMU invalidates, TLB hits and misses of PROBE. */
	NOVAX_EMU_STAT_TLB_INVALIDATES = 9,
	NOVAX_EMU_STAT_TLB_HITS = 10,
	NOVAX_EMU_STAT_TLB_MISSES = 11,
};

struct novax_emu {
	volatile uint8_t *bar;	/* BAR2, the shared memory */
	size_t size;
	char bdf[32];
};

/* Maps BAR2 of the emulated GPU; skips if there is none or it lacks the novax signature. */
struct novax_emu *novax_emu_open(void);
void novax_emu_close(struct novax_emu *emu);
/* Runs a command; returns RESULT (0 done, 22 EINVAL). Fails the test if it is not acked. */
uint32_t novax_emu_cmd(struct novax_emu *emu, enum novax_emu_cmd cmd, uint32_t arg0,
		       uint32_t arg1);
uint64_t novax_emu_stat(struct novax_emu *emu, enum novax_emu_stat stat);
/*
 * The emulated GPU's view of guest RAM: LEN (1..NOVAX_EMU_DATA_SIZE) bytes at guest-physical
 * address GPA, read into BUF or written from DATA. Returns RESULT: 0, 14 (EFAULT: not all
 * guest RAM), 19 (ENODEV: the emulator has no guest RAM) or 22 (EINVAL: bad length).
 */
uint32_t novax_emu_read_gpa(struct novax_emu *emu, uint64_t gpa, void *buf, uint32_t len);
uint32_t novax_emu_write_gpa(struct novax_emu *emu, uint64_t gpa, const void *data, uint32_t len);
/*
 * The emulated GPU's MMU walk of VA in the GMMU v2 tables whose page directory is at
 * guest-physical PDB. Returns RESULT: 0 (PA and FLAGS set), 14 (a fault: FAULT = level 7:0,
 * 0 PDE3 .. 4 PTE, and reason 15:8, 1 VA range, 2 invalid PDE, 3 invalid PTE, 4 huge page,
 * 5 aperture, 6 not RAM) or 19 (no guest RAM).
 */
uint32_t novax_emu_translate(struct novax_emu *emu, uint64_t pdb, uint64_t va, uint64_t *pa,
			     uint32_t *flags, uint32_t *fault);
/* What PROBE found at one VA: status 0, or TRANSLATE's fault code; the flags as TRANSLATE's;
 * the 4 bytes at the VA; the physical address's low 32 bits. */
struct novax_emu_probe {
	uint32_t status, flags, word, pa_lo;
};
/* TRANSLATE and a 4-byte read for N (1..NOVAX_EMU_PROBE_MAX) VAs in one command, through the
 * GPU's TLB as its engines translate (only an MMU invalidate flushes it; TRANSLATE walks the
 * tables as they are now); returns RESULT (0, or 19 without guest RAM). */
uint32_t novax_emu_probe(struct novax_emu *emu, uint64_t pdb, const uint64_t *va, uint32_t n,
			 struct novax_emu_probe *out);
/* A VA space the emulated GSP-RM knows: its client and object handles, its page directory. */
struct novax_emu_rm_vaspace {
	uint32_t client, handle;
	uint64_t pdb;
};
/* RM_OBJECTS: returns how many objects RM holds (clients included); *N the VA spaces whose page
 * directory was handed over, of which the first MAX (at most 64) go to OUT. */
uint32_t novax_emu_rm_objects(struct novax_emu *emu, uint32_t *n, struct novax_emu_rm_vaspace *out,
			      uint32_t max);
/* GSP_STATE: 0 halted, 1 running, 2 dead. */
uint32_t novax_emu_gsp_state(struct novax_emu *emu);
/* A register of the window (BAR2 offset OFF < 2 MiB), e.g. NV_PMC_BOOT_0 at 0. */
uint32_t novax_emu_reg_read(struct novax_emu *emu, uint32_t off);
void novax_emu_reg_write(struct novax_emu *emu, uint32_t off, uint32_t value);

#endif /* NOVAX_IGT_NOVAX_H */
