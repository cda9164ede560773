/* Unit tests of pacing's arithmetic (rate.c) with made-up timelines: a device
 * and a writer simulated a millisecond at a time. */
#include "../../src/core/rate.c"

#include <stdio.h>

#define MS 1000000ULL
#define MiB (1ULL << 20)
#define BUDGET (20 * MiB) /* (depth 4 + 1) x 4 MiB */
#define FLOOR (1 * MiB)   /* a slice */

static int failures;

static void expect(int ok, const char *what, unsigned long long got)
{
	if (!ok) {
		fprintf(stderr, "FAIL: %s (got %llu)\n", what, got);
		failures++;
	}
}

/* Bytes per ms: the device completes, the writer offers. */
typedef uint64_t (*wb_pattern)(uint64_t ms);

/* The shim's view: it kicks what the writer offers (up to the budget), and on
 * each write looks for what the device completed; it sees nothing while the
 * writer does not write. */
struct sim {
	struct wb_rate r;
	uint64_t ms;           /* simulated time */
	uint64_t queue;        /* kicked, not yet completed by the device */
	uint64_t unseen;       /* completed, not yet looked at */
	uint64_t inflight;     /* the shim's count: queue + unseen */
	uint64_t retired;      /* taken off inflight, in all */
};

static void sim_init(struct sim *s)
{
	*s = (struct sim){ .ms = 1000 };
	wb_rate_init(&s->r);
}

static void run(struct sim *s, wb_pattern device, wb_pattern writer, unsigned ms)
{
	uint64_t sample;

	for (unsigned i = 0; i < ms; i++, s->ms++) {
		uint64_t can = device(s->ms), offer = writer(s->ms);
		uint64_t done = can < s->queue ? can : s->queue;

		s->queue -= done;
		s->unseen += done;
		if (!offer)
			continue; /* the writer is elsewhere (its input): nobody looks */
		if (s->inflight + offer <= BUDGET) {
			s->queue += offer;
			s->inflight += offer;
		} /* else: the hard line, it waits and looks */
		s->inflight -= s->unseen;
		s->retired += s->unseen;
		s->unseen = 0;
		(void)wb_rate_note(&s->r, s->ms * MS, s->retired, s->inflight, FLOOR, &sample);
	}
}

static uint64_t mb_per_ms(uint64_t mib_per_s)
{
	return mib_per_s * MiB / 1000;
}

static uint64_t disk_400(uint64_t ms) { (void)ms; return mb_per_ms(400); }
static uint64_t disk_200(uint64_t ms) { (void)ms; return mb_per_ms(200); }
static uint64_t disk_20(uint64_t ms) { (void)ms; return mb_per_ms(20); }
static uint64_t disk_stalled(uint64_t ms) { (void)ms; return 0; }
/* The block throttle's pattern: a 100 ms slice's quota at once (20 MB/s). */
static uint64_t disk_bursts_20(uint64_t ms) { return ms % 100 ? 0 : 2 * MiB; }
static uint64_t writer_memory(uint64_t ms) { (void)ms; return 2 * MiB; }
static uint64_t writer_50(uint64_t ms) { (void)ms; return mb_per_ms(50); }
/* A download from a slow source: 4 MiB arrives at once, then 200 ms of nothing. */
static uint64_t writer_stalls(uint64_t ms) { return ms % 200 ? 0 : 4 * MiB; }
/* A tree writer: 1 MiB files written at memory speed, 30 ms reading each source. */
static uint64_t writer_tree(uint64_t ms) { return ms % 32 < 2 ? MiB / 2 : 0; }

static void test_starts_at_the_guess(void)
{
	struct sim s;

	sim_init(&s);
	expect(s.r.rate == WB_RATE_GUESS && !s.r.samples, "starts at the 100 MB/s guess",
	       s.r.rate >> 20);
	run(&s, disk_20, writer_memory, 252);
	expect(s.r.samples == 1, "one window of busy time: one sample", s.r.samples);
	expect(s.r.rate >= 55 * MiB && s.r.rate <= 65 * MiB,
	       "one 20 MB/s window moves 100 MB/s half way, never replaces it",
	       s.r.rate >> 20);
	run(&s, disk_20, writer_memory, 4000);
	expect(s.r.rate >= 18 * MiB && s.r.rate <= 23 * MiB, "4 s later: 20 MB/s", s.r.rate >> 20);
}

static void test_input_stalls(void)
{
	struct sim s;

	/* 20 MB/s of input on a 400 MB/s disk: the disk is idle most of the time. */
	sim_init(&s);
	run(&s, disk_400, writer_stalls, 5000);
	expect(s.r.rate >= WB_RATE_GUESS, "input stalls never count as a slow disk",
	       s.r.rate >> 20);
	expect(s.r.samples == 0, "a writer held by its input never measures the disk (never paced)",
	       s.r.samples);
	sim_init(&s);
	run(&s, disk_400, writer_tree, 5000);
	expect(s.r.rate >= WB_RATE_GUESS, "a tree writer reading its sources: not a slow disk",
	       s.r.rate >> 20);
}

static void test_disk_faster_than_writer(void)
{
	struct sim s;

	sim_init(&s);
	run(&s, disk_400, writer_50, 5000);
	expect(s.r.rate >= WB_RATE_GUESS, "a writer at 50 MB/s is not a 50 MB/s disk",
	       s.r.rate >> 20);
	expect(s.r.samples == 0, "a writer slower than the disk never measures it", s.r.samples);
}

static void test_disk_slows_mid_run(void)
{
	struct sim s;

	sim_init(&s);
	run(&s, disk_200, writer_memory, 3000);
	expect(s.r.rate >= 180 * MiB && s.r.rate <= 205 * MiB, "200 MB/s found within 3 s",
	       s.r.rate >> 20);
	run(&s, disk_20, writer_memory, 1000);
	expect(s.r.rate < 100 * MiB, "after 1 s at 20 MB/s: well on the way down",
	       s.r.rate >> 20);
	run(&s, disk_20, writer_memory, 3000);
	expect(s.r.rate >= 18 * MiB && s.r.rate <= 28 * MiB, "after 4 s at 20 MB/s: 20 MB/s",
	       s.r.rate >> 20);
}

static void test_recovers_upward(void)
{
	struct sim s;

	sim_init(&s);
	s.r.rate = 10 * MiB; /* measured low before (a stalled disk, a slow phase) */
	s.r.samples = 5;
	run(&s, disk_200, writer_memory, 1000);
	expect(s.r.rate >= 150 * MiB, "completions at 200 MB/s: above 150 within 1 s",
	       s.r.rate >> 20);
}

static void test_recovers_from_a_drained_queue(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS, retired = 0, sample;

	/* A low estimate held the writers below a 500 MB/s device: each look finds the
	 * 5 MiB queued at the previous one (10 ms before) all done. */
	wb_rate_init(&r);
	r.rate = 10 * MiB;
	r.samples = 5;
	for (int i = 0; i < 100; i++) {
		now += 10 * MS;
		(void)wb_rate_note(&r, now, retired, 5 * MiB, FLOOR, &sample);
		retired += 5 * MiB;
	}
	expect(r.rate >= 400 * MiB, "a queue that runs dry raises the estimate to its bound",
	       r.rate >> 20);
	/* The same from the start: lower bounds move the estimate, but measure nothing. */
	wb_rate_init(&r);
	for (int i = 0; i < 100; i++) {
		now += 10 * MS;
		(void)wb_rate_note(&r, now, retired, 5 * MiB, FLOOR, &sample);
		retired += 5 * MiB;
	}
	expect(r.rate > WB_RATE_GUESS && r.samples == 0,
	       "queues that only run dry: the estimate climbs, no measurement", r.samples);
	/* A bursty device: 5 MiB done at once every 100 ms, looked at 2 ms after each
	 * burst and then every 10 ms: the bound is the sustained 50 MB/s, not the
	 * burst's 2.5 GB/s. */
	wb_rate_init(&r);
	r.rate = 20 * MiB;
	r.samples = 5;
	for (int i = 0; i < 30; i++) {
		now += 2 * MS;
		retired += 5 * MiB;
		(void)wb_rate_note(&r, now, retired, 5 * MiB, FLOOR, &sample);
		for (int j = 0; j < 9; j++) {
			now += (j < 8 ? 10 : 8) * MS;
			(void)wb_rate_note(&r, now, retired, 5 * MiB, FLOOR, &sample);
		}
	}
	expect(r.rate >= 40 * MiB && r.rate <= 60 * MiB,
	       "bursts of 5 MiB per 100 ms: the bound is 50 MB/s, not the burst", r.rate >> 20);
	/* The same with 200 ms between looks (an input stall): a bound of 25 MB/s is
	 * below the guess, which stays. */
	wb_rate_init(&r);
	for (int i = 0; i < 20; i++) {
		now += 200 * MS;
		(void)wb_rate_note(&r, now, retired, 5 * MiB, FLOOR, &sample);
		retired += 5 * MiB;
	}
	expect(r.rate == WB_RATE_GUESS, "a drained queue never lowers the estimate", r.rate >> 20);
}

/* A download whose blocks do not end on a page boundary: the next block fills the
 * page its chunk's kick just wrote, so the oldest chunk keeps one dirty page off
 * the device and never retires while the input stalls. Bursts of 4 MiB at 1 GB/s
 * (looks every ms, the device keeping up), then 120 ms of nothing. */
static uint64_t stalls_behind_a_dirty_page(struct wb_rate *r, bool said_dry)
{
	uint64_t now = 1000 * MS, retired = 0, sample;

	wb_rate_init(r);
	for (int cycle = 0; cycle < 20; cycle++) {
		for (int i = 0; i < 4; i++) {
			now += MS;
			retired += MiB;
			(void)wb_rate_note(r, now, retired, 4 * MiB + 4096, FLOOR, &sample);
		}
		now += 120 * MS; /* the stall: the look after it finds the same page dirty */
		if (said_dry)
			(void)wb_rate_note_dry(r, now, retired, 4 * MiB + 4096, FLOOR, &sample);
		else
			(void)wb_rate_note(r, now, retired, 4 * MiB + 4096, FLOOR, &sample);
	}
	return r->rate;
}

static void test_stalls_behind_a_dirty_page(void)
{
	struct wb_rate r;
	uint64_t rate;

	rate = stalls_behind_a_dirty_page(&r, true);
	expect(rate >= WB_RATE_GUESS, "an input stall behind a page off the device is not a slow disk",
	       rate >> 20);
	/* The same looks, not told: the stalls read as a device that completes nothing. */
	rate = stalls_behind_a_dirty_page(&r, false);
	expect(rate < WB_RATE_GUESS / 2, "unless told, the same stalls would read as a slow disk",
	       rate >> 20);
	/* A look that finds the head off the device after a busy span that was fast
	 * enough still counts that span: the device did at least that much. */
	wb_rate_init(&r);
	{
		uint64_t now = 1000 * MS, sample;
		bool moved = false;
		for (int i = 0; i < 30 && !moved; i++) {
			now += 10 * MS;
			moved = wb_rate_note_dry(&r, now, (uint64_t)(i + 1) * 4 * MiB, 5 * MiB, FLOOR,
						 &sample);
		}
		expect(moved && r.rate > WB_RATE_GUESS,
		       "400 MB/s seen by looks that end dry: the estimate climbs", r.rate >> 20);
	}
}

static void test_bursts_average_out(void)
{
	struct sim s;

	sim_init(&s);
	run(&s, disk_bursts_20, writer_memory, 6000);
	expect(s.r.rate >= 16 * MiB && s.r.rate <= 26 * MiB, "100 ms bursts of 2 MiB: ~20 MB/s",
	       s.r.rate >> 20);
}

static void test_stalled_device(void)
{
	struct sim s;

	sim_init(&s);
	run(&s, disk_stalled, writer_memory, 3000);
	expect(s.r.rate < 10 * MiB, "a stalled device with work queued: the estimate falls",
	       s.r.rate >> 20);
	expect(s.r.rate >= WB_RATE_MIN, "never to zero", s.r.rate);
}

/* The writers' flow: `mib` per write every `every_ms`, of which we slept `ours_ms`. */
static bool flow(struct wb_flow *f, uint64_t *now, unsigned writes, uint64_t bytes,
		 unsigned every_ms, unsigned ours_ms, uint64_t *x, int64_t x_step, uint64_t rate)
{
	bool pace = false;

	for (unsigned i = 0; i < writes; i++) {
		*now += every_ms * MS;
		*x += x_step;
		pace = wb_flow_note(f, *now, bytes, ours_ms * MS, *x, rate);
	}
	return pace;
}

static void test_flow(void)
{
	struct wb_flow f = { 0 };
	uint64_t now = 1000 * MS, x = 6 * MiB;

	/* A download: 4 MiB every 200 ms (20 MB/s) on a 100 MB/s device. */
	expect(!flow(&f, &now, 20, 4 * MiB, 200, 0, &x, 0, 100 * MiB),
	       "a writer slower than the device is never paced", f.rate >> 20);
	/* dd at memory speed, paced: 1 MiB per 10 ms of which 9.9 are our sleeps. */
	f = (struct wb_flow){ 0 };
	x = 6 * MiB;
	expect(flow(&f, &now, 30, MiB, 10, 10, &x, 64 << 10, 100 * MiB),
	       "a writer faster than the device, queue growing: paced", f.rate >> 20);
	/* The same, once its queue shrinks: the device keeps up, no sleep. */
	expect(!flow(&f, &now, 30, MiB, 10, 10, &x, -(64 << 10), 100 * MiB),
	       "queue shrinking: not paced", x >> 20);
	/* Before 20 ms of history the rate is not known: growing is enough. */
	f = (struct wb_flow){ 0 };
	expect(flow(&f, &now, 3, MiB, 1, 0, &x, MiB, 100 * MiB), "no history, growing: paced",
	       f.rate);
	f = (struct wb_flow){ 0 };
	expect(!flow(&f, &now, 3, MiB, 1, 0, &x, -(int64_t)(MiB / 4), 100 * MiB),
	       "no history, shrinking: not paced", f.rate);
}

static void test_cost(void)
{
	uint64_t soft = 5 * MiB, budget = 20 * MiB, rate = 50 * MiB;

	/* At the soft line 2x the rate: 1 MiB at 100 MB/s is 10 ms. */
	expect(wb_rate_cost(MiB, soft, soft, budget, rate) == 10 * MS, "2x at the soft line",
	       wb_rate_cost(MiB, soft, soft, budget, rate));
	/* Half way: the rate itself, 20 ms. */
	uint64_t mid = wb_rate_cost(MiB, soft + (budget - soft) / 2, soft, budget, rate);
	expect(mid >= 19 * MS && mid <= 21 * MS, "1x half way", mid);
	/* Near and at the budget: capped. */
	expect(wb_rate_cost(MiB, budget - 1, soft, budget, rate) == WB_RATE_MAX_PAUSE_NS,
	       "capped near the budget", 0);
	expect(wb_rate_cost(MiB, budget, soft, budget, rate) == WB_RATE_MAX_PAUSE_NS,
	       "capped at the budget", 0);
	expect(wb_rate_cost(MiB, soft, soft, budget, 0) == WB_RATE_MAX_PAUSE_NS,
	       "no rate: capped, no division by zero", 0);
	/* Small writes pay in proportion. */
	uint64_t small = wb_rate_cost(4096, soft, soft, budget, rate);
	expect(small >= 39000 && small <= 40000, "4 KiB at 100 MB/s: 39 us", small);
}

int main(void)
{
	test_starts_at_the_guess();
	test_input_stalls();
	test_disk_faster_than_writer();
	test_disk_slows_mid_run();
	test_recovers_upward();
	test_recovers_from_a_drained_queue();
	test_bursts_average_out();
	test_stalls_behind_a_dirty_page();
	test_stalled_device();
	test_flow();
	test_cost();
	if (failures)
		return 1;
	puts("unit_pace: all passed");
	return 0;
}
