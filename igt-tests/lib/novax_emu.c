// SPDX-License-Identifier: MIT
/*
 * The emulated GPU's test-control block (Documentation/gpu/novax-gsp.rst, "Test-control
 * block"): BAR2 of the ivshmem device, mapped through sysfs, at offset 0x1f1000.
 *
 * The emulator is another process reading and writing the same memory, so every access is
 * volatile and the command's arguments are ordered before the SEQ write that publishes them.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EMU_SHM_SIZE (4u << 20)
#define EMU_REGS 0x1f0000
#define EMU_SIGNATURE0 (EMU_REGS + 0x00)	/* "NOVX" */
#define EMU_SIGNATURE1 (EMU_REGS + 0x04)	/* "EMU1" */
#define EMU_GSP_STATE (EMU_REGS + 0x24)
#define CTL 0x1f1000
#define CTL_CMD (CTL + 0x00)
#define CTL_ARG0 (CTL + 0x04)
#define CTL_ARG1 (CTL + 0x08)
#define CTL_SEQ (CTL + 0x0c)
#define CTL_ACK (CTL + 0x10)
#define CTL_RESULT (CTL + 0x14)
#define CTL_ARG2 (CTL + 0x18)
#define CTL_STATS (CTL + 0x40)
#define CTL_DATA (CTL + 0x800)

/* The emulator polls the block at least every 2 ms; a slow (TCG) host gets plenty more. */
#define ACK_TIMEOUT_MS 5000

static uint32_t rd32(struct novax_emu *emu, uint32_t off)
{
	return *(volatile uint32_t *)(emu->bar + off);
}

static void wr32(struct novax_emu *emu, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(emu->bar + off) = v;
}

struct novax_emu *novax_emu_open(void)
{
	struct novax_emu *emu = calloc(1, sizeof(*emu));
	char path[128];
	struct stat st;
	void *p;
	int fd;

	igt_assert(emu);
	igt_require_f(novax_pci_bdf(emu->bdf, sizeof(emu->bdf)),
		      "no emulated GPU (PCI 1af4:1110)");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", emu->bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	igt_require_f(fd >= 0, "cannot open %s: %s", path, strerror(errno));
	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert_f((size_t)st.st_size >= EMU_SHM_SIZE, "%s is only %lld bytes\n", path,
		     (long long)st.st_size);
	p = mmap(NULL, EMU_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	igt_assert_f(p != MAP_FAILED, "mmap of %s failed: %s\n", path, strerror(errno));
	emu->bar = p;
	emu->size = EMU_SHM_SIZE;
	igt_require_f(rd32(emu, EMU_SIGNATURE0) == 0x58564f4e && rd32(emu, EMU_SIGNATURE1) == 0x31554d45,
		      "ivshmem device %s has no novax emulator signature", emu->bdf);
	return emu;
}

void novax_emu_close(struct novax_emu *emu)
{
	if (!emu)
		return;
	munmap((void *)emu->bar, emu->size);
	free(emu);
}

uint32_t novax_emu_cmd(struct novax_emu *emu, enum novax_emu_cmd cmd, uint32_t arg0,
		       uint32_t arg1)
{
	uint32_t seq = rd32(emu, CTL_SEQ) + 1;
	struct timespec t0, t;

	wr32(emu, CTL_CMD, cmd);
	wr32(emu, CTL_ARG0, arg0);
	wr32(emu, CTL_ARG1, arg1);
	/* Publish: the emulator must see the arguments before the new SEQ. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(emu, CTL_SEQ, seq);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rd32(emu, CTL_ACK) != seq) {
		long ms;

		usleep(500);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		igt_assert_f(ms < ACK_TIMEOUT_MS,
			     "emulator did not ack command %d (%u, %u) seq %u within %d ms\n", cmd,
			     arg0, arg1, seq, ACK_TIMEOUT_MS);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	igt_debug("emulator command %d (%u, %u): result %u\n", cmd, arg0, arg1,
		  rd32(emu, CTL_RESULT));
	return rd32(emu, CTL_RESULT);
}

uint32_t novax_emu_read_gpa(struct novax_emu *emu, uint64_t gpa, void *buf, uint32_t len)
{
	uint32_t r;

	wr32(emu, CTL_ARG2, len);
	r = novax_emu_cmd(emu, NOVAX_EMU_CMD_READ_GPA, (uint32_t)gpa, (uint32_t)(gpa >> 32));
	/* Byte by byte from the volatile window (LEN was checked by the emulator if r is 0). */
	for (uint32_t i = 0; !r && i < len; i++)
		((uint8_t *)buf)[i] = emu->bar[CTL_DATA + i];
	return r;
}

uint32_t novax_emu_write_gpa(struct novax_emu *emu, uint64_t gpa, const void *data, uint32_t len)
{
	wr32(emu, CTL_ARG2, len);
	for (uint32_t i = 0; i < len && i < NOVAX_EMU_DATA_SIZE; i++)
		emu->bar[CTL_DATA + i] = ((const uint8_t *)data)[i];
	return novax_emu_cmd(emu, NOVAX_EMU_CMD_WRITE_GPA, (uint32_t)gpa, (uint32_t)(gpa >> 32));
}

uint32_t novax_emu_translate(struct novax_emu *emu, uint64_t pdb, uint64_t va, uint64_t *pa,
			     uint32_t *flags, uint32_t *fault)
{
	uint32_t r;

	*(volatile uint64_t *)(emu->bar + CTL_DATA) = pdb;
	r = novax_emu_cmd(emu, NOVAX_EMU_CMD_TRANSLATE, (uint32_t)va, (uint32_t)(va >> 32));
	*pa = *(volatile uint64_t *)(emu->bar + CTL_DATA + 8);
	*flags = rd32(emu, CTL_DATA + 16);
	*fault = rd32(emu, CTL_DATA + 20);
	return r;
}

uint32_t novax_emu_probe(struct novax_emu *emu, uint64_t pdb, const uint64_t *va, uint32_t n,
			 struct novax_emu_probe *out)
{
	uint32_t r;

	igt_assert(n >= 1 && n <= NOVAX_EMU_PROBE_MAX);
	*(volatile uint64_t *)(emu->bar + CTL_DATA) = pdb;
	for (uint32_t i = 0; i < n; i++)
		*(volatile uint64_t *)(emu->bar + CTL_DATA + 0x10 + 8 * i) = va[i];
	r = novax_emu_cmd(emu, NOVAX_EMU_CMD_PROBE, n, 0);
	for (uint32_t i = 0; i < n; i++) {
		out[i].status = rd32(emu, CTL_DATA + 0x400 + 16 * i);
		out[i].flags = rd32(emu, CTL_DATA + 0x400 + 16 * i + 4);
		out[i].word = rd32(emu, CTL_DATA + 0x400 + 16 * i + 8);
		out[i].pa_lo = rd32(emu, CTL_DATA + 0x400 + 16 * i + 12);
	}
	return r;
}

uint32_t novax_emu_rm_objects(struct novax_emu *emu, uint32_t *n, struct novax_emu_rm_vaspace *out,
			      uint32_t max)
{
	igt_assert_eq_u32(novax_emu_cmd(emu, NOVAX_EMU_CMD_RM_OBJECTS, 0, 0), 0);
	*n = rd32(emu, CTL_DATA + 4);
	for (uint32_t i = 0; i < max && i < *n && i < 64; i++) {
		out[i].client = rd32(emu, CTL_DATA + 0x10 + 16 * i);
		out[i].handle = rd32(emu, CTL_DATA + 0x10 + 16 * i + 4);
		out[i].pdb = *(volatile uint64_t *)(emu->bar + CTL_DATA + 0x10 + 16 * i + 8);
	}
	return rd32(emu, CTL_DATA);
}

uint64_t novax_emu_stat(struct novax_emu *emu, enum novax_emu_stat stat)
{
	return *(volatile uint64_t *)(emu->bar + CTL_STATS + 8 * stat);
}

uint32_t novax_emu_gsp_state(struct novax_emu *emu)
{
	return rd32(emu, EMU_GSP_STATE);
}

uint32_t novax_emu_reg_read(struct novax_emu *emu, uint32_t off)
{
	igt_assert(off < EMU_REGS && off % 4 == 0);
	return rd32(emu, off);
}

void novax_emu_reg_write(struct novax_emu *emu, uint32_t off, uint32_t value)
{
	igt_assert(off < EMU_REGS && off % 4 == 0);
	wr32(emu, off, value);
}
