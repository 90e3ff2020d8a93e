// SPDX-License-Identifier: MIT
/*
 * novax_dma: the emulated GPU reaches guest memory by guest-physical address, as a real GPU
 * reaches system memory by bus address (no IOMMU on QEMU's pc machine).
 *
 * A test program's own pages are the reference: it fills them with a seeded random pattern,
 * finds their physical addresses in /proc/self/pagemap (root), and asks the emulator, through
 * its test-control block, to read (READ_GPA) and write (WRITE_GPA) random ranges of them.
 * Every byte the emulator reads must be what the program wrote, every byte it writes must land
 * where the program expects and nowhere else. Ranges that are not guest RAM (past its end, the
 * PCI hole, a wrapping address) must fault without touching anything.
 *
 * The same pages then hold GMMU version 2 page tables, written by this program from the format
 * (Documentation/gpu/novax-gsp.rst, "GPU virtual memory"), and the emulator's MMU walks them
 * (TRANSLATE) as the GPU would: every VA resolves to the page the tables name, with its
 * permissions, or faults at the level where they stop.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096u
#define PAGES 64
#define PROBES 2000
#define EFAULT_RESULT 14
#define EINVAL_RESULT 22

static uint64_t rng_state;

/* Reproducible from the seed the test prints. */
static uint64_t rng(void)
{
	return novax_xorshift(&rng_state);
}

struct pages {
	volatile uint8_t *va;
	uint64_t pa[PAGES];
	uint8_t shadow[PAGES * PAGE];	/* what the pages must hold */
};

/* The physical address of the page at VA, from /proc/self/pagemap (PFN bits 54:0). */
static uint64_t phys_of(int pagemap, const volatile void *va)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)va / PAGE * sizeof(e));

	igt_assert_eq(pread(pagemap, &e, sizeof(e), off), (ssize_t)sizeof(e));
	igt_assert_f(e >> 63, "page %p not present\n", va);
	igt_require_f(e & ((1ull << 55) - 1), "pagemap shows no PFNs (not root?)\n");
	return (e & ((1ull << 55) - 1)) * PAGE;
}

/* PAGES locked pages filled with the pattern, and their physical addresses. */
static struct pages *pages_new(void)
{
	struct pages *p = calloc(1, sizeof(*p));
	void *va;
	int pm;

	igt_assert(p);
	va = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	igt_assert(va != MAP_FAILED);
	igt_assert_eq(mlock(va, PAGES * PAGE), 0);
	p->va = va;
	for (size_t i = 0; i < sizeof(p->shadow); i++)
		p->va[i] = p->shadow[i] = (uint8_t)rng();
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	igt_require_f(pm >= 0, "no /proc/self/pagemap: %s\n", strerror(errno));
	for (int i = 0; i < PAGES; i++)
		p->pa[i] = phys_of(pm, p->va + i * PAGE);
	close(pm);
	return p;
}

static void pages_free(struct pages *p)
{
	munmap((void *)p->va, PAGES * PAGE);
	free(p);
}

/* A random range within one page: page index, offset and length (1..DATA window). */
static void random_range(int *page, uint32_t *off, uint32_t *len)
{
	uint32_t max;

	*page = rng() % PAGES;
	*off = rng() % PAGE;
	max = PAGE - *off < NOVAX_EMU_DATA_SIZE ? PAGE - *off : NOVAX_EMU_DATA_SIZE;
	*len = 1 + rng() % max;
}

/* How many bytes of the pages differ from the shadow (read from the guest's side). */
static size_t pages_differ(const struct pages *p)
{
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(p->shadow); i++)
		bad += p->va[i] != p->shadow[i];
	return bad;
}

/* GMMU v2 entries, from the field table: PDE/PTE address 53:8 in 4 KiB units, aperture 2:1
 * (2 = system coherent, 3 = non-coherent), PTE valid 0 and read-only 6, KIND 63:56; the big
 * half of a dual PDE0 has its address at 53:4 in 256-byte units. */
static uint64_t gmmu_pde(uint64_t table)
{
	return table >> 12 << 8 | 2 << 1;
}

static uint64_t gmmu_pde0_big(uint64_t lpt)
{
	return lpt >> 8 << 4 | 2 << 1;
}

static uint64_t gmmu_pte(uint64_t pa, bool ro, bool noncoherent)
{
	return pa >> 12 << 8 | (noncoherent ? 3ull : 2ull) << 1 | 1 | (uint64_t)ro << 6 |
	       0x06ull << 56;
}

static void put64(volatile uint8_t *page, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(page + off) = v;
}

/* The end of the highest "System RAM" range in /proc/iomem (root sees the addresses). */
static uint64_t ram_end(void)
{
	char line[256];
	uint64_t end = 0, s, e;
	FILE *f = fopen("/proc/iomem", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "System RAM") && sscanf(line, "%" SCNx64 "-%" SCNx64, &s, &e) == 2 &&
		    e + 1 > end)
			end = e + 1;
	fclose(f);
	igt_require_f(end, "no System RAM addresses in /proc/iomem\n");
	return end;
}

igt_main
{
	struct novax_emu *emu = NULL;
	struct pages *p = NULL;

	igt_fixture {
		uint8_t b;

		emu = novax_emu_open();
		igt_require_f(novax_emu_read_gpa(emu, 0x1000, &b, 1) != 19,
			      "the emulator has no guest RAM (--guest-ram)\n");
		rng_state = 0x6e6f766178646d61ull; /* "novaxdma" */
		igt_info("seed %#" PRIx64 "\n", rng_state);
		p = pages_new();
	}

	igt_describe("2000 random ranges of a program's pages, read by the emulator at their "
		     "physical addresses, are byte for byte what the program wrote.");
	igt_subtest("read-random") {
		size_t bad = 0, bytes = 0;

		for (int i = 0; i < PROBES; i++) {
			uint8_t buf[NOVAX_EMU_DATA_SIZE];
			uint32_t off, len;
			int pg;

			random_range(&pg, &off, &len);
			igt_assert_eq_u32(novax_emu_read_gpa(emu, p->pa[pg] + off, buf, len), 0);
			for (uint32_t j = 0; j < len; j++)
				bad += buf[j] != p->shadow[pg * PAGE + off + j];
			bytes += len;
		}
		igt_info("%d reads, %zu bytes, %zu differ\n", PROBES, bytes, bad);
		igt_assert_eq_u64(bad, 0);
	}

	igt_describe("2000 random ranges written by the emulator land in the program's pages "
		     "exactly: every byte of the 64 pages is what the writes and the pattern say.");
	igt_subtest("write-random") {
		size_t bytes = 0, bad;

		for (int i = 0; i < PROBES; i++) {
			uint8_t buf[NOVAX_EMU_DATA_SIZE];
			uint32_t off, len;
			int pg;

			random_range(&pg, &off, &len);
			for (uint32_t j = 0; j < len; j++)
				buf[j] = (uint8_t)rng();
			igt_assert_eq_u32(novax_emu_write_gpa(emu, p->pa[pg] + off, buf, len), 0);
			memcpy(&p->shadow[pg * PAGE + off], buf, len);
			bytes += len;
		}
		bad = pages_differ(p);
		igt_info("%d writes, %zu bytes; %zu bytes of the pages differ\n", PROBES, bytes, bad);
		igt_assert_eq_u64(bad, 0);
	}

	igt_describe("Ranges that are not all guest RAM fault (EFAULT) and copy nothing; lengths "
		     "outside 1..2048 are EINVAL.");
	igt_subtest("outside-ram") {
		uint64_t end = ram_end(), top = (end + (128u << 20) - 1) & ~(uint64_t)((128u << 20) - 1);
		uint8_t buf[16] = { 0 };

		igt_info("System RAM ends at %#" PRIx64 ", the RAM backend at %#" PRIx64 "\n", end, top);
		/* The last bytes of the backend are RAM (the firmware reserves them, QEMU backs them). */
		igt_assert_eq_u32(novax_emu_read_gpa(emu, top - 8, buf, 8), 0);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, top, buf, 1), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, top - 4, buf, 8), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_write_gpa(emu, top - 4, buf, 8), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, 0xfee00000, buf, 4), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, 1ull << 32, buf, 4), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, ~0ull - 3, buf, 8), EFAULT_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, p->pa[0], buf, 0), EINVAL_RESULT);
		igt_assert_eq_u32(novax_emu_read_gpa(emu, p->pa[0], buf, NOVAX_EMU_DATA_SIZE + 1),
				  EINVAL_RESULT);
		/* A refused write of the pages themselves changes none of their bytes. */
		memset(buf, 0x5a, sizeof(buf));
		igt_assert_eq_u32(novax_emu_write_gpa(emu, p->pa[0], buf, 0), EINVAL_RESULT);
		igt_assert_eq_u64(pages_differ(p), 0);
	}

	igt_describe("Page tables written in guest memory translate as the GMMU v2 format says: "
		     "each 4 KiB page of a 2 MiB range to its page with its permissions, a 64 KiB "
		     "page over them while valid, unmapped pages and ranges as faults at their level.");
	igt_subtest("translate") {
		/* Tables in a second set of pages: PDE3 root, PDE2, PDE1, PDE0, the small PT, and a
		 * big-page table at offset 0x100 of page 5 (256-byte, not 4 KiB, aligned). */
		struct pages *t = pages_new();
		const uint64_t base = 0x12340000000ull, big_pa = 0x40000000;
		volatile uint8_t *pg[6];
		uint64_t lpt = t->pa[5] + 0x100, pa;
		uint32_t flags, fault, r;
		int checked = 0;

		for (int i = 0; i < 6; i++) {
			pg[i] = t->va + i * PAGE;
			for (uint32_t j = 0; j < PAGE; j++)
				pg[i][j] = 0;
		}
		put64(pg[0], (base >> 47 & 3) * 8, gmmu_pde(t->pa[1]));
		put64(pg[1], (base >> 38 & 0x1ff) * 8, gmmu_pde(t->pa[2]));
		put64(pg[2], (base >> 29 & 0x1ff) * 8, gmmu_pde(t->pa[3]));
		put64(pg[3], (base >> 21 & 0xff) * 16 + 8, gmmu_pde(t->pa[4])); /* small half */
		/* Pages 0..31 of the range: page i -> the data page i, odd ones read-only, every
		 * fourth non-coherent; the rest of the 2 MiB is unmapped. */
		for (int i = 0; i < 32; i++)
			put64(pg[4], i * 8, gmmu_pte(p->pa[i], i & 1, !(i % 4)));
		for (int i = 0; i < 512; i++) {
			uint64_t va = base + i * PAGE + rng() % PAGE;

			r = novax_emu_translate(emu, t->pa[0], va, &pa, &flags, &fault);
			if (i < 32) {
				igt_assert_f(r == 0, "%#" PRIx64 ": fault %#x\n", va, fault);
				igt_assert_eq_u64(pa, p->pa[i] + va % PAGE);
				igt_assert_eq_u32(flags, (uint32_t)(i & 1) * NOVAX_EMU_TRANSLATE_READ_ONLY |
					  (uint32_t)!(i % 4) * NOVAX_EMU_TRANSLATE_NON_COHERENT |
					  0x06u << 8 | 4u << 16);
			} else {
				igt_assert_eq_u32(r, EFAULT_RESULT);
				igt_assert_eq_u32(fault, 4 | 3 << 8); /* PTE, invalid */
			}
			checked++;
		}
		/* The next 2 MiB: the PDE0 entry names no table. Beyond 49 bits: out of range. */
		igt_assert_eq_u32(novax_emu_translate(emu, t->pa[0], base + (2 << 20), &pa, &flags,
						      &fault), EFAULT_RESULT);
		igt_assert_eq_u32(fault, 3 | 2 << 8);
		igt_assert_eq_u32(novax_emu_translate(emu, t->pa[0], 1ull << 49, &pa, &flags, &fault),
				  EFAULT_RESULT);
		igt_assert_eq_u32(fault >> 8, 1);
		/* A big page over the first 64 KiB shadows its small pages while valid. */
		put64(pg[3], (base >> 21 & 0xff) * 16, gmmu_pde0_big(lpt));
		put64(pg[5], 0x100, gmmu_pte(big_pa, false, false));
		r = novax_emu_translate(emu, t->pa[0], base + 0x5678, &pa, &flags, &fault);
		igt_assert_eq_u32(r, 0);
		igt_assert_eq_u64(pa, big_pa + 0x5678);
		igt_assert_eq_u32(flags >> 16, 64);
		put64(pg[5], 0x100, 0);
		r = novax_emu_translate(emu, t->pa[0], base + 0x5678, &pa, &flags, &fault);
		igt_assert_eq_u32(r, 0);
		igt_assert_eq_u64(pa, p->pa[5] + 0x678);
		igt_info("%d VAs translated as the tables say\n", checked);
		pages_free(t);
	}

	igt_fixture {
		if (p)
			pages_free(p);
		novax_emu_close(emu);
	}
}
