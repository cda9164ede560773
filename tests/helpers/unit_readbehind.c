/* Unit tests of the read side's plain logic (wb_read_step and its ownership ring),
 * driven with simulated reads and looks. Includes the source, which makes no
 * system call and calls nothing else in the library. */
#include "../../src/core/readstep.c"

#include <stdio.h>
#include <stdlib.h>

#define CHUNK (4ULL << 20)
#define MIB (1ULL << 20)

static int failures;
static unsigned char dropped[1024];   /* per chunk: times dropped */
static const unsigned char *foreign;  /* per chunk: someone else's (NULL: none) */
static uint64_t looks;

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failures++;
}

/* A new fd's state after wb_read_start at `start`, with the looks it takes. */
static void start(struct wb_read *r, uint64_t start, uint64_t size, uint64_t len);

/* What the library does with a plan: looks answered from `foreign`, drops counted. */
static void apply(struct wb_read *r, const struct wb_read_plan *plan)
{
	for (uint64_t c = plan->look_from; c < plan->look_to; c++) {
		looks += c * CHUNK < r->size; /* beyond the size: foreign, no system call */
		if (r->epoch == plan->epoch && c < 1024 && !(foreign && foreign[c]) &&
		    c * CHUNK < r->size)
			wb_ring_set(r, c, false);
	}
	for (unsigned int i = 0; i < plan->runs; i++)
		for (uint64_t c = plan->drop_from[i]; c < plan->drop_to[i]; c++)
			dropped[c]++;
}

static void start(struct wb_read *r, uint64_t at, uint64_t size, uint64_t len)
{
	struct wb_read_plan plan;

	memset(r, 0, sizeof(*r));
	memset(dropped, 0, sizeof(dropped));
	looks = 0;
	r->size = size;
	r->next = at;
	r->dropped = r->looked = at / CHUNK;
	r->foreign = ~0ULL;
	memset(&plan, 0, sizeof(plan));
	wb_read_claim(r, wb_clean_from(at + len, CHUNK) + 1, &plan);
	apply(r, &plan);
}

/* One read of `got` bytes at `at`; false if the step gave up (re-read). */
static bool step(struct wb_read *r, uint64_t at, uint64_t got)
{
	struct wb_read_plan plan;
	bool follow = wb_read_step(r, CHUNK, at, got, got == 0 || at + got >= r->size, &plan);

	if (follow)
		apply(r, &plan);
	return follow;
}

static unsigned int count_dropped(uint64_t from, uint64_t to)
{
	unsigned int n = 0;

	for (uint64_t c = from; c < to; c++)
		n += dropped[c] != 0;
	return n;
}

static bool none_twice(void)
{
	for (unsigned int c = 0; c < 1024; c++)
		if (dropped[c] > 1)
			return false;
	return true;
}

static void sequential(void)
{
	struct wb_read r;
	uint64_t off;
	bool ok = true;

	foreign = NULL;
	start(&r, 0, 64 * MIB, 128 << 10);
	check(looks == 10, "first look: chunks 0-9, beyond readahead reach of offset 0");
	for (off = 0; off < 64 * MIB; off += 128 << 10) {
		step(&r, off, 128 << 10);
		/* Nothing until more than two chunks were read; then all but the chunk
		 * before the reader's. */
		uint64_t end = off + (128 << 10);
		uint64_t want = end <= 2 * CHUNK ? 0 : end / CHUNK - 1;
		if (end < 64 * MIB && count_dropped(0, 16) != want)
			ok = false;
	}
	check(ok, "128 KiB reads: dropped behind, keeping the chunk before the reader's");
	check(count_dropped(0, 16) == 16, "end of file: the rest is dropped");
	check(none_twice(), "each chunk dropped once");
	check(looks == 16, "one look per chunk, none beyond the size");
	check(!step(&r, 0, 128 << 10), "read again from offset 0: left alone");
}

static void someone_elses(void)
{
	static unsigned char hot[1024];
	struct wb_read r;

	memset(hot, 0, sizeof(hot));
	for (int c = 5; c < 9; c++)
		hot[c] = 1;
	hot[15] = 1;
	foreign = hot;
	start(&r, 0, 64 * MIB, MIB);
	for (uint64_t off = 0; off < 64 * MIB; off += MIB)
		step(&r, off, MIB);
	check(count_dropped(5, 9) == 0 && !dropped[15], "chunks cached before are never dropped");
	check(count_dropped(0, 5) == 5 && count_dropped(9, 15) == 6, "the others are");
	foreign = NULL;
}

static void random_reads(void)
{
	struct wb_read r;

	start(&r, 0, 1024 * MIB, MIB);
	for (uint64_t i = 0; i < 1000; i++)
		step(&r, (i * 7919 % 1024) * MIB, MIB);
	check(count_dropped(0, 256) == 0, "random 1 MiB reads: nothing dropped");
}

static void restart_mid_file(void)
{
	struct wb_read r;

	start(&r, 0, 256 * MIB, MIB);
	step(&r, 0, MIB);
	/* A jump: chunks within readahead reach of the new start were not looked at
	 * cleanly, so they stay; later ones are dropped behind as usual. */
	for (uint64_t off = 100 * MIB; off < 256 * MIB; off += MIB)
		step(&r, off, MIB);
	check(count_dropped(25, 34) == 0, "after a jump, what readahead may have touched stays");
	check(count_dropped(35, 64) == 29, "and what follows is dropped");
	check(none_twice(), "each chunk dropped once");
}

static void huge_reads(void)
{
	struct wb_read r;

	/* 1 GiB reads, far more chunks per read than the ring remembers. */
	start(&r, 0, 8192 * MIB, 1024 * MIB);
	for (uint64_t off = 0; off < 8192 * MIB; off += 1024 * MIB)
		step(&r, off, 1024 * MIB);
	check(none_twice(), "1 GiB reads: nothing dropped twice");
	check(r.looked - r.dropped <= WB_READ_RING, "the ring's window stays within its bits");
}

int main(void)
{
	sequential();
	someone_elses();
	random_reads();
	restart_mid_file();
	huge_reads();
	return failures != 0;
}
