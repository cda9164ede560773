/* Unit tests of the read side's plain logic (wb_read_step and its ownership ring),
 * driven with simulated reads and looks. Includes the source, which makes no
 * system call and calls nothing else in the library. */
#include "../../src/core/readstep.c"

#include <stdio.h>
#include <stdlib.h>

#define CHUNK (4ULL << 20)
#define MIB (1ULL << 20)
#define PAGE 4096ULL
#define MAX_PAGES ((8192 * MIB) / PAGE)

static int failures;
static unsigned char dropped[MAX_PAGES]; /* per 4 KiB page: times dropped */
static const unsigned char *hot;         /* per page: cached before (NULL: none) */
static uint64_t looks;
static bool runs_apart = true; /* every drop range is as long as it can be */

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failures++;
}

/* What a look at chunk c finds, as read/readowner.c would: the pieces within the
 * size that hold no hot page. */
static uint16_t look(const struct wb_read *r, uint64_t c)
{
	uint64_t piece = wb_read_piece(CHUNK), end = (c + 1) * CHUNK;
	uint16_t ours = 0;

	if (end > r->size)
		end = r->size;
	for (unsigned int p = 0; p < wb_read_pieces(CHUNK); p++) {
		uint64_t from = c * CHUNK + p * piece, to = from + piece;
		bool cached = false;
		if (from >= end)
			break;
		if (to > end)
			to = end;
		for (uint64_t pg = from / PAGE; hot && pg < (to + PAGE - 1) / PAGE; pg++)
			cached = cached || hot[pg];
		if (!cached)
			ours |= (uint16_t)(1U << p);
	}
	return ours;
}

/* What the library does with a plan: looks answered from `hot`, drops counted
 * per page (a page is dropped when the range covers its start, as fadvise does
 * for every page but a partial last one). */
static void apply(struct wb_read *r, const struct wb_read_plan *plan)
{
	for (uint64_t c = plan->look_from; c < plan->look_to; c++) {
		looks += c * CHUNK < r->size; /* beyond the size: no system call */
		if (r->epoch == plan->epoch && c * CHUNK < r->size) {
			uint16_t ours = look(r, c);
			if (ours)
				wb_ring_set(r, c, ours);
		}
	}
	uint64_t from, to, last = 0;
	unsigned int at = 0;
	while (wb_read_plan_run(plan, CHUNK, &at, &from, &to)) {
		if (from <= last && last)
			runs_apart = false; /* a run that could have been joined to the last */
		last = to;
		for (uint64_t pg = from / PAGE; pg * PAGE < to; pg++)
			dropped[pg]++;
	}
}

/* A new fd's state after wb_read_start at `at`, with the looks it takes. */
static void start(struct wb_read *r, uint64_t at, uint64_t size, uint64_t len)
{
	struct wb_read_plan plan;

	memset(r, 0, sizeof(*r));
	memset(dropped, 0, sizeof(dropped));
	looks = 0;
	r->size = size;
	r->next = at;
	r->dropped = r->looked = at / CHUNK;
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

/* Chunks in [from, to) whose every page was dropped. */
static unsigned int count_dropped(uint64_t from, uint64_t to)
{
	unsigned int n = 0;

	for (uint64_t c = from; c < to; c++) {
		bool all = true;
		for (uint64_t pg = c * CHUNK / PAGE; pg < (c + 1) * CHUNK / PAGE; pg++)
			all = all && dropped[pg];
		n += all;
	}
	return n;
}

static uint64_t pages_dropped(uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (uint64_t pg = from / PAGE; pg < to / PAGE; pg++)
		n += dropped[pg] != 0;
	return n;
}

static bool none_twice(void)
{
	for (uint64_t pg = 0; pg < MAX_PAGES; pg++)
		if (dropped[pg] > 1)
			return false;
	return true;
}

static bool no_hot_dropped(uint64_t size)
{
	for (uint64_t pg = 0; hot && pg < size / PAGE; pg++)
		if (hot[pg] && dropped[pg])
			return false;
	return true;
}

/* Read the whole file in `len` reads. */
static void read_all(struct wb_read *r, uint64_t size, uint64_t len)
{
	start(r, 0, size, len);
	for (uint64_t off = 0; off < size; off += len)
		step(r, off, off + len > size ? size - off : len);
}

static void sequential(void)
{
	struct wb_read r;
	uint64_t off;
	bool ok = true;

	hot = NULL;
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
	check(none_twice(), "each page dropped once");
	check(looks == 16, "one look per chunk, none beyond the size");
	check(!step(&r, 0, 128 << 10), "read again from offset 0: left alone");
	/* Reads longer than a chunk: each one needs more than one new look. */
	read_all(&r, 256 * MIB, 3 * CHUNK);
	check(count_dropped(0, 64) == 64, "12 MiB reads: every chunk looked at in time and dropped");
	check(looks == 64, "still one look per chunk");
}

static unsigned char hot_pages[(1024 * MIB) / PAGE];

static void someone_elses(void)
{
	struct wb_read r;

	memset(hot_pages, 0, sizeof(hot_pages));
	memset(hot_pages + 5 * CHUNK / PAGE, 1, 4 * CHUNK / PAGE); /* chunks 5-8 */
	memset(hot_pages + 15 * CHUNK / PAGE, 1, CHUNK / PAGE);    /* chunk 15 */
	hot = hot_pages;
	read_all(&r, 64 * MIB, MIB);
	check(count_dropped(5, 9) == 0 && pages_dropped(15 * CHUNK, 16 * CHUNK) == 0,
	      "chunks cached before are never dropped");
	check(count_dropped(0, 5) == 5 && count_dropped(9, 15) == 6, "the others are");
	hot = NULL;
}

/* Another process keeps every 16th page hot (an index): every piece holds some. */
static void sparse_hot(void)
{
	struct wb_read r;

	memset(hot_pages, 0, sizeof(hot_pages));
	for (uint64_t pg = 0; pg < 64 * MIB / PAGE; pg += 16)
		hot_pages[pg] = 1;
	hot = hot_pages;
	read_all(&r, 64 * MIB, 128 << 10);
	check(no_hot_dropped(64 * MIB), "every 16th page hot: no hot page dropped");
	check(pages_dropped(0, 64 * MIB) == 0, "and no piece is wholly the reader's: none dropped");
	/* Every 64th page: still one in every 256 KiB piece. */
	memset(hot_pages, 0, sizeof(hot_pages));
	for (uint64_t pg = 0; pg < 64 * MIB / PAGE; pg += 64)
		hot_pages[pg] = 1;
	read_all(&r, 64 * MIB, MIB);
	check(no_hot_dropped(64 * MIB), "every 64th page hot: none dropped");
	hot = NULL;
}

/* A hot megabyte inside a chunk, and one hot page elsewhere: only the pieces
 * holding them stay, the rest of their chunks goes. */
static void hot_pieces(void)
{
	struct wb_read r;
	uint64_t piece = wb_read_piece(CHUNK);

	memset(hot_pages, 0, sizeof(hot_pages));
	memset(hot_pages + (5 * CHUNK + MIB) / PAGE, 1, MIB / PAGE);
	hot_pages[(9 * CHUNK + 800 * 1024) / PAGE] = 1; /* in piece 3 of chunk 9 */
	hot = hot_pages;
	read_all(&r, 64 * MIB, MIB);
	check(no_hot_dropped(64 * MIB), "a hot megabyte and a hot page: none of them dropped");
	check(pages_dropped(5 * CHUNK, 6 * CHUNK) == (CHUNK - MIB) / PAGE,
	      "the rest of the hot megabyte's chunk is dropped");
	check(pages_dropped(9 * CHUNK, 10 * CHUNK) == (CHUNK - piece) / PAGE,
	      "one hot page keeps its 256 KiB piece only");
	check(pages_dropped(0, 64 * MIB) == (64 * MIB - MIB - piece) / PAGE,
	      "everything else is dropped");
	check(none_twice(), "each page dropped once");
	hot = NULL;
}

/* Every other piece hot: more separate ranges per chunk than one read drops. */
static void alternating(void)
{
	struct wb_read r;
	uint64_t piece = wb_read_piece(CHUNK);

	memset(hot_pages, 0, sizeof(hot_pages));
	for (uint64_t off = 0; off < 128 * MIB; off += 2 * piece)
		hot_pages[(off + piece - PAGE) / PAGE] = 1; /* the last page of even pieces */
	hot = hot_pages;
	read_all(&r, 128 * MIB, 2 * CHUNK);
	check(no_hot_dropped(128 * MIB), "every other piece hot: none of them dropped");
	check(pages_dropped(0, 128 * MIB) == 64 * MIB / PAGE, "the other half is, all of it");
	check(none_twice(), "each page dropped once");
	check(runs_apart, "ranges next to each other are one fadvise");
	hot = NULL;
}

/* A size that ends inside a piece: nothing beyond the size at the first look is
 * dropped (another writer may have appended since). */
static void ragged_end(void)
{
	struct wb_read r;
	uint64_t size = 64 * MIB + 100 * 1024;

	hot = NULL;
	read_all(&r, size, MIB);
	check(pages_dropped(0, 64 * MIB) == 64 * MIB / PAGE, "a ragged end: everything read is dropped");
	check(pages_dropped(size + PAGE - 1, 72 * MIB) == 0, "nothing beyond the size");
}

static void geometry(void)
{
	check(wb_read_piece(4 * MIB) == 256 << 10 && wb_read_pieces(4 * MIB) == 16,
	      "4 MiB chunks: 16 pieces of 256 KiB");
	check(wb_read_piece(256 << 10) == 256 << 10 && wb_read_pieces(256 << 10) == 1,
	      "256 KiB chunks: one piece");
	check(wb_read_pieces(300 << 10) == 2, "300 KiB chunks: a piece and a short one");
	check(wb_read_piece(1024 * MIB) == 64 * MIB && wb_read_pieces(1024 * MIB) == 16,
	      "1 GiB chunks: 16 pieces of 64 MiB");
	check(wb_read_pieces(5 * MIB) <= WB_READ_PIECES && wb_read_piece(5 * MIB) % (64 << 10) == 0,
	      "5 MiB chunks: at most 16 pieces, 64 KiB aligned");
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
	check(none_twice(), "each page dropped once");
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
	geometry();
	sequential();
	someone_elses();
	sparse_hot();
	hot_pieces();
	alternating();
	ragged_end();
	random_reads();
	restart_mid_file();
	huge_reads();
	return failures != 0;
}
