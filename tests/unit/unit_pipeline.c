/* Unit tests of the pipeline logic, driven with fake kernel operations.
 * Includes the source to reach everything without LD_PRELOAD. */
#include "../../src/core/pipeline.c"

#include <stdio.h>
#include <stdlib.h>

static char trace[8192];
static int fail_wait_errno;
static int failures;

static int fake_sync(int fd, uint64_t off, uint64_t len, unsigned int flags)
{
	(void)fd;
	snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "%s %llu+%llu;",
		 flags == SYNC_FILE_RANGE_WRITE ? "kick" : "wait", (unsigned long long)(off >> 10),
		 (unsigned long long)(len >> 10));
	if (flags == SYNC_FILE_RANGE_WAIT_AFTER && fail_wait_errno) {
		errno = fail_wait_errno;
		return -1;
	}
	return 0;
}

static int fake_drop(int fd, uint64_t off, uint64_t len)
{
	(void)fd;
	snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "drop %llu+%llu;",
		 (unsigned long long)(off >> 10), (unsigned long long)(len >> 10));
	return 0;
}

static const struct wb_ops fake = { fake_sync, fake_drop, NULL };

static struct wb_pipe *new_pipe(uint64_t chunk, unsigned int depth)
{
	struct wb_pipe *p = malloc(wb_pipe_size(depth));
	wb_pipe_reset(p, chunk, depth);
	return p;
}

/* One step as the library does it: kick the complete chunk, wait the oldest. */
static void step(struct wb_pipe *p)
{
	struct wb_batch kick, old;
	if (wb_pipe_take_kick(p, &kick))
		wb_batch_kick(&fake, 0, &kick);
	if (wb_pipe_take_oldest(p, p->depth, &old))
		wb_batch_wait(&fake, 0, &old, true, UINT64_MAX);
}

static void expect(const char *name, const char *want)
{
	if (strcmp(trace, want) != 0) {
		printf("not ok - %s\n#  got:  %s\n#  want: %s\n", name, trace, want);
		failures++;
	} else {
		printf("ok - %s\n", name);
	}
	trace[0] = '\0';
}

static void sequential_depth1(void)
{
	struct wb_pipe *p = new_pipe(1024 << 10, 1);
	for (uint64_t off = 0; off < (3 << 20); off += 256 << 10)
		if (wb_pipe_note(p, off, 256 << 10))
			step(p);
	expect("sequential, depth 1: kick N then wait+drop N-1",
	       "kick 0+1024;kick 1024+1024;wait 0+1024;drop 0+1024;"
	       "kick 2048+1024;wait 1024+1024;drop 1024+1024;");
	free(p);
}

static void sequential_depth3(void)
{
	struct wb_pipe *p = new_pipe(1024 << 10, 3);
	struct wb_batch old;
	for (uint64_t off = 0; off < (5 << 20); off += 512 << 10)
		if (wb_pipe_note(p, off, 512 << 10))
			step(p);
	while (wb_pipe_take_oldest(p, 0, &old))
		wb_batch_wait(&fake, 0, &old, false, UINT64_MAX);
	expect("sequential, depth 3: three in flight, drain in order",
	       "kick 0+1024;kick 1024+1024;kick 2048+1024;kick 3072+1024;wait 0+1024;drop 0+1024;"
	       "kick 4096+1024;wait 1024+1024;drop 1024+1024;"
	       "wait 2048+1024;wait 3072+1024;wait 4096+1024;");
	free(p);
}

static void patched_header(void)
{
	struct wb_pipe *p = new_pipe(1024 << 10, 1);
	/* 512 KiB of stream, then a 4 KiB header patch at 0, twice. */
	for (uint64_t off = 64 << 10; off < (64 << 10) + (2 << 20); off += 512 << 10) {
		if (wb_pipe_note(p, off, 512 << 10))
			step(p);
		if (wb_pipe_note(p, 0, 4 << 10))
			step(p);
	}
	expect("header patches become their own extent, counted as bytes",
	       "kick 64+1024;kick 0+4;kick 0+4;kick 1088+1024;wait 64+1024;drop 64+1024;wait 0+4;"
	       "drop 0+4;");
	free(p);
}

static void scattered(void)
{
	struct wb_pipe *p = new_pipe(64 << 10, 1);
	/* Eight 8 KiB pieces far apart: more than WB_EXTENTS, merged into the nearest. */
	static const uint64_t at[] = { 0, 1000, 2000, 3000, 4000, 1008, 3008, 5000 };
	for (unsigned i = 0; i < 8; i++)
		if (wb_pipe_note(p, at[i] << 10, 8 << 10))
			step(p);
	expect("scattered writes: at most WB_EXTENTS ranges per batch",
	       "kick 0+8;kick 1000+16;kick 2000+8;kick 3000+2008;");
	free(p);
}

static void merging_touching(void)
{
	struct wb_pipe *p = new_pipe(1 << 20, 1);
	struct wb_batch b;
	wb_pipe_note(p, 0, 4096);
	wb_pipe_note(p, 8192, 4096);
	wb_pipe_note(p, 4096, 4096); /* fills the hole: one extent remains */
	wb_pipe_take_pending(p, &b);
	if (b.count == 1 && b.extent[0].start == 0 && b.extent[0].end == 12288)
		printf("ok - an extent filling a hole merges its neighbours\n");
	else {
		printf("not ok - merge: count %u\n", b.count);
		failures++;
	}
	free(p);
}

static void wait_errors(void)
{
	struct wb_pipe *p = new_pipe(1 << 20, 1);
	struct wb_batch kick, old;
	int err;
	wb_pipe_note(p, 0, 1 << 20);
	wb_pipe_take_kick(p, &kick);
	wb_pipe_take_oldest(p, 0, &old);
	fail_wait_errno = EIO;
	err = wb_batch_wait(&fake, 0, &old, true, UINT64_MAX);
	fail_wait_errno = 0;
	expect("a failed wait drops nothing", "wait 0+1024;");
	if (err != EIO || wb_classify_error(EIO, true) != WB_DATA_LOST ||
	    wb_classify_error(ENOMEM, true) != WB_DATA_LOST ||
	    wb_classify_error(ENOMEM, false) != WB_TRANSIENT ||
	    wb_classify_error(ESPIPE, false) != WB_REFUSED ||
	    wb_classify_error(EBADF, true) != WB_GONE) {
		printf("not ok - error verdicts\n");
		failures++;
	} else {
		printf("ok - error verdicts: any error a wait returned is latched\n");
	}
	free(p);
}

static void large_offsets(void)
{
	struct wb_pipe *p = new_pipe(1 << 20, 1);
	struct wb_batch b;
	uint64_t base = 5ULL << 40; /* 5 TiB: far beyond 32-bit chunk indexes */
	wb_pipe_note(p, base, 1 << 20);
	wb_pipe_take_pending(p, &b);
	if (b.extent[0].start == base && b.extent[0].end == base + (1 << 20))
		printf("ok - 64-bit offsets\n");
	else {
		printf("not ok - 64-bit offsets\n");
		failures++;
	}
	free(p);
}

/* A drop starts at the folio boundary below its range, never below what the
 * writer wrote: a large folio straddling two chunks goes with the second. */
static void folio_aligned_drops(void)
{
	struct wb_pipe *p = new_pipe(3 << 20, 1);
	struct wb_batch kick, old;
	uint64_t base = 1 << 20; /* the writer starts at 1 MiB: nothing below is dropped */
	for (uint64_t off = base; off < base + (9 << 20); off += 1 << 20) {
		if (!wb_pipe_note(p, off, 1 << 20))
			continue;
		if (wb_pipe_take_kick(p, &kick))
			wb_batch_kick(&fake, 0, &kick);
		if (wb_pipe_take_oldest(p, p->depth, &old))
			wb_batch_wait(&fake, 0, &old, true, p->low);
	}
	expect("drops start at a 2 MiB folio boundary, not below the first write",
	       "kick 1024+3072;kick 4096+3072;wait 1024+3072;drop 1024+3072;"
	       "kick 7168+3072;wait 4096+3072;drop 4096+3072;");
	if (wb_drop_start(7 << 20, 1 << 20) == 6 << 20 && wb_drop_start(5 << 20, 5 << 20) == 5 << 20 &&
	    wb_drop_start(3 << 20, 4 << 20) == 3 << 20)
		printf("ok - wb_drop_start: folio boundary, floor, start\n");
	else {
		printf("not ok - wb_drop_start\n");
		failures++;
	}
	free(p);
}

/* What a closing file hands over: every queued batch, its bytes and its extents. */
static void take_all(void)
{
	struct wb_pipe *p = new_pipe(1 << 20, 3);
	struct wb_batch kick, all;
	for (uint64_t off = 0; off < (3 << 20); off += 1 << 20)
		if (wb_pipe_note(p, off, 1 << 20))
			wb_pipe_take_kick(p, &kick);
	wb_pipe_note(p, 0, 4096); /* a header patch, still pending */
	wb_pipe_take_kick(p, &kick);
	if (p->inflight != (3 << 20) + 4096) {
		printf("not ok - inflight %llu\n", (unsigned long long)p->inflight);
		failures++;
	}
	if (wb_pipe_take_all(p, &all) && all.bytes == (3 << 20) + 4096 && all.count == 1 &&
	    all.extent[0].start == 0 && all.extent[0].end == 3 << 20 && p->queued == 0 &&
	    p->inflight == 0 && !wb_pipe_take_all(p, &all) && all.count == 0)
		printf("ok - take_all: bytes, extents, empty ring\n");
	else {
		printf("not ok - take_all: %llu, %u extents\n", (unsigned long long)all.bytes,
		       all.count);
		failures++;
	}
	free(p);
}

/* A file closed again and again (a shell's saved and restored fd): one entry whose
 * extents stay apart where the writes were apart, so that a patch in the middle of
 * a big file is dropped alone, never the pages between. */
static void merged_closes(void)
{
	struct wb_batch into = { 0 }, more = { 0 };
	more.count = 1;
	more.bytes = 8 << 20;
	more.extent[0].start = 128 << 20;
	more.extent[0].end = 136 << 20;
	wb_batch_merge(&into, &more);
	more.bytes = 100;
	more.extent[0].start = 136 << 20;
	more.extent[0].end = (136 << 20) + 100;
	wb_batch_merge(&into, &more); /* appended right after: one extent */
	more.bytes = 4096;
	more.extent[0].start = 0;
	more.extent[0].end = 4096;
	wb_batch_merge(&into, &more); /* a header far away: its own extent */
	if (into.count == 2 && into.bytes == (8 << 20) + 100 + 4096 &&
	    into.extent[0].start == 128 << 20 && into.extent[0].end == (136 << 20) + 100 &&
	    into.extent[1].start == 0 && into.extent[1].end == 4096)
		printf("ok - merged closes: bytes add up, distant extents stay apart\n");
	else {
		printf("not ok - merged closes: %u extents, %llu bytes\n", into.count,
		       (unsigned long long)into.bytes);
		failures++;
	}
}

/* A drop ends at the page above what was written, or at end of file when the
 * writing reached it: never in pages after the written range. */
static void drop_ends(void)
{
	if (wb_drop_end(136 << 20, 256 << 20, 4096) == 136 << 20 &&
	    wb_drop_end((136 << 20) + 1, 256 << 20, 4096) == (136 << 20) + 4096 &&
	    wb_drop_end(256 << 20, 256 << 20, 4096) == UINT64_MAX &&
	    wb_drop_end(300, 200, 4096) == UINT64_MAX &&
	    wb_drop_end(UINT64_MAX - 5, UINT64_MAX, 4096) == UINT64_MAX)
		printf("ok - wb_drop_end: page above, end of file, no overflow\n");
	else {
		printf("not ok - wb_drop_end\n");
		failures++;
	}
}

static int settle_calls;

static int fake_settle(int fd, uint64_t off, uint64_t len)
{
	(void)fd;
	settle_calls++;
	snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "settle %llu+%llu;",
		 (unsigned long long)(off >> 10), (unsigned long long)(len >> 10));
	if (fail_wait_errno) {
		errno = fail_wait_errno;
		return -1;
	}
	return 0;
}

/* With a settle operation, a wait never issues SYNC_FILE_RANGE_WAIT_*: it settles
 * each extent, then drops it; one that did not settle is not dropped. */
static void settled_waits(void)
{
	static const struct wb_ops polling = { fake_sync, fake_drop, fake_settle };
	struct wb_pipe *p = new_pipe(1 << 20, 1);
	struct wb_batch kick, old;
	for (uint64_t off = 0; off < (3 << 20); off += 1 << 20) {
		if (!wb_pipe_note(p, off, 1 << 20))
			continue;
		if (wb_pipe_take_kick(p, &kick))
			wb_batch_kick(&polling, 0, &kick);
		if (wb_pipe_take_oldest(p, p->depth, &old))
			wb_batch_wait(&polling, 0, &old, true, p->low);
	}
	expect("settle instead of WAIT_AFTER, then drop",
	       "kick 0+1024;kick 1024+1024;settle 0+1024;drop 0+1024;"
	       "kick 2048+1024;settle 1024+1024;drop 0+2048;");
	wb_pipe_take_oldest(p, 0, &old);
	fail_wait_errno = ETIMEDOUT;
	if (wb_batch_wait(&polling, 0, &old, true, p->low) != ETIMEDOUT)
		failures++;
	fail_wait_errno = 0;
	expect("an extent that did not settle is not dropped", "settle 2048+1024;");
	free(p);
}

/* Backpressure in small steps: the oldest batch is waited for a slice at a time. */
static void slices(void)
{
	struct wb_pipe *p = new_pipe(4 << 20, 2);
	struct wb_batch kick, slice;
	wb_pipe_note(p, 0, 4 << 20);
	wb_pipe_take_kick(p, &kick);
	while (wb_pipe_take_oldest_slice(p, 1 << 20, &slice))
		wb_batch_wait(&fake, 0, &slice, true, p->low);
	expect("the oldest chunk in four slices, each dropped from its folio boundary",
	       "wait 0+1024;drop 0+1024;wait 1024+1024;drop 0+2048;"
	       "wait 2048+1024;drop 2048+1024;wait 3072+1024;drop 2048+2048;");
	if (p->inflight != 0 || p->queued != 0) {
		printf("not ok - slices leave %llu bytes in flight\n", (unsigned long long)p->inflight);
		failures++;
	}
	free(p);
}

/* What a look for completions checks: the oldest batch's own extents, never their
 * span (an image builder's batch holds a patch near the start and its stream far
 * on; the span would cover every batch queued between them). */
static void peek_extents(void)
{
	struct wb_pipe *p = new_pipe(4 << 20, 4);
	struct wb_batch kick, next;
	int ok;

	wb_pipe_note(p, 100 << 20, 3 << 20);
	wb_pipe_note(p, 8192, 4096);
	wb_pipe_note(p, (103 << 20) - 4096, 1 << 20);
	wb_pipe_take_kick(p, &kick);
	wb_pipe_note(p, 104 << 20, 4 << 20);
	wb_pipe_take_kick(p, &kick);
	ok = wb_pipe_peek_oldest_slice(p, 1 << 20, &next) && next.count == 2 &&
	     next.extent[0].start == 100 << 20 && next.extent[0].end == (104 << 20) - 4096 &&
	     next.extent[1].start == 8192 && next.extent[1].end == 12288;
	printf("%s - peek: a patched batch's own extents, not their span\n", ok ? "ok" : "not ok");
	failures += !ok;
	while (wb_pipe_take_oldest(p, 1, &kick))
		;
	ok = wb_pipe_peek_oldest_slice(p, 1 << 20, &next) && next.count == 1 &&
	     next.extent[0].start == 104 << 20 && next.extent[0].end == 105 << 20;
	printf("%s - peek: a one-range batch, its first slice\n", ok ? "ok" : "not ok");
	failures += !ok;
	free(p);
}

/* Note `len` bytes at `off` and do what the library does: a step if one is due,
 * else the chunk's kick and wait. */
static void note_stepping(struct wb_pipe *p, uint64_t off, uint64_t len)
{
	struct wb_extent e;

	if (wb_pipe_note(p, off, len))
		step(p);
	else if (wb_pipe_take_step(p, 1 << 20, off + len, 4096, &e))
		fake_sync(0, e.start, e.end - e.start, SYNC_FILE_RANGE_WRITE);
}

static void steps(void)
{
	struct wb_pipe *p = new_pipe(4 << 20, 1);
	struct wb_extent e;
	bool ok;

	/* 640 KiB writes: a step each time another MiB has been noted, from where the
	 * last one ended, to the page boundary below the writer; then the whole chunk. */
	for (uint64_t off = 0; off < (6400 << 10); off += 640 << 10)
		note_stepping(p, off, 640 << 10);
	expect("steps: a megabyte at a time inside a chunk, the chunk still kicked whole",
	       "kick 0+1280;kick 1280+1280;kick 2560+1280;kick 0+4480;kick 4480+1280;");
	free(p);

	/* Unaligned writes: a step stops at the page below the writer. */
	p = new_pipe(4 << 20, 1);
	wb_pipe_note(p, 0, (1 << 20) + 100);
	ok = wb_pipe_take_step(p, 1 << 20, (1 << 20) + 100, 4096, &e) && e.start == 0 &&
	     e.end == 1 << 20;
	printf("%s - steps: never past the page the writer is filling\n", ok ? "ok" : "not ok");
	failures += !ok;
	/* Not due again until another step's worth of bytes. */
	wb_pipe_note(p, (1 << 20) + 100, 1000);
	ok = !wb_pipe_take_step(p, 1 << 20, (1 << 20) + 1100, 4096, &e);
	printf("%s - steps: one per megabyte noted\n", ok ? "ok" : "not ok");
	failures += !ok;
	free(p);

	/* Rewrites of one page count as bytes, but a step of nothing new kicks nothing. */
	p = new_pipe(4 << 20, 1);
	for (int i = 0; i < 300; i++)
		wb_pipe_note(p, 0, 4000);
	ok = !wb_pipe_take_step(p, 1 << 20, 4000, 4096, &e);
	printf("%s - steps: an empty range is no step\n", ok ? "ok" : "not ok");
	failures += !ok;
	free(p);

	/* A chunk no bigger than a step never steps. */
	p = new_pipe(1 << 20, 1);
	wb_pipe_note(p, 0, 1 << 20);
	ok = !wb_pipe_take_step(p, 1 << 20, 1 << 20, 4096, &e);
	printf("%s - steps: none when the chunk is a step or less\n", ok ? "ok" : "not ok");
	failures += !ok;
	free(p);

	/* A patch far behind the stream: the step is the stream's, not the patch's. */
	p = new_pipe(4 << 20, 1);
	wb_pipe_note(p, 64 << 10, 1 << 20);
	wb_pipe_note(p, 0, 4096);
	wb_pipe_note(p, (64 << 10) + (1 << 20), 64 << 10);
	ok = wb_pipe_take_step(p, 1 << 20, (128 << 10) + (1 << 20), 4096, &e) &&
	     e.start == 64 << 10 && e.end == (128 << 10) + (1 << 20);
	printf("%s - steps: the extent the writer is extending\n", ok ? "ok" : "not ok");
	failures += !ok;
	free(p);
}

int main(void)
{
	sequential_depth1();
	sequential_depth3();
	patched_header();
	scattered();
	merging_touching();
	wait_errors();
	large_offsets();
	folio_aligned_drops();
	take_all();
	merged_closes();
	drop_ends();
	settled_waits();
	slices();
	peek_extents();
	steps();
	return failures ? 1 : 0;
}
