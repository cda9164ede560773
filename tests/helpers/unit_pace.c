/* Unit tests of pacing's arithmetic (rate.c) with made-up times. */
#include "../../src/core/rate.c"

#include <stdio.h>

#define MS 1000000ULL
#define MiB (1ULL << 20)

static int failures;

static void expect(int ok, const char *what, unsigned long long got)
{
	if (!ok) {
		fprintf(stderr, "FAIL: %s (got %llu)\n", what, got);
		failures++;
	}
}

/* `mib_per_s` of completions, seen every `step_ms`, for `ms`, from `*now`. */
static void feed(struct wb_rate *r, uint64_t *now, unsigned mib_per_s, unsigned step_ms,
		 unsigned ms)
{
	uint64_t sample;

	for (unsigned t = 0; t < ms; t += step_ms) {
		*now += step_ms * MS;
		(void)wb_rate_note(r, *now, (uint64_t)mib_per_s * MiB * step_ms / 1000, &sample);
	}
}

static void test_guess_then_first_window(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS, sample = 0;

	wb_rate_init(&r);
	expect(r.rate == WB_RATE_GUESS && !r.measured, "starts at the 100 MB/s guess", r.rate);
	expect(!wb_rate_note(&r, now, 4 * MiB, &sample), "the first completion opens a window",
	       r.bytes);
	expect(r.bytes == 0, "bytes done before the window are not counted", r.bytes);
	feed(&r, &now, 50, 10, 60);
	expect(!r.measured, "3 MiB in 60 ms: not enough to replace the guess", r.bytes);
	feed(&r, &now, 50, 10, 30);
	expect(r.measured, "4 MiB and 20 ms replace the guess", r.rate);
	expect(r.rate >= 49 * MiB && r.rate <= 51 * MiB, "50 MB/s measured", r.rate >> 20);
}

static void test_fast_disk_told_at_once(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS, sample;

	wb_rate_init(&r);
	(void)wb_rate_note(&r, now, 0, &sample);
	feed(&r, &now, 1500, 1, 20);
	expect(r.measured && r.rate > 1000 * MiB, "1.5 GB/s measured within 20 ms", r.rate >> 20);
}

static void test_bursts_average_out(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS, sample;

	/* The block throttle's pattern: 4 MiB at once every 80 ms (50 MB/s). */
	wb_rate_init(&r);
	(void)wb_rate_note(&r, now, 0, &sample);
	for (int i = 0; i < 100; i++) {
		now += 80 * MS;
		(void)wb_rate_note(&r, now, 4 * MiB, &sample);
	}
	expect(r.rate >= 45 * MiB && r.rate <= 56 * MiB, "bursts of 4 MiB / 80 ms: ~50 MB/s",
	       r.rate >> 20);
}

static void test_up_fast_down_slow(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS;

	wb_rate_init(&r);
	feed(&r, &now, 100, 10, 50);
	expect(r.rate >= 95 * MiB && r.rate <= 105 * MiB, "measured 100 MB/s", r.rate >> 20);
	feed(&r, &now, 400, 10, 400);
	expect(r.rate >= 300 * MiB, "one fast window: 3/4 of the way up", r.rate >> 20);
	uint64_t high = r.rate;
	feed(&r, &now, 100, 10, 400);
	expect(r.rate < high && r.rate > high / 2, "one slow window: a quarter of the way down",
	       r.rate >> 20);
}

static void test_idle_gap_restarts(void)
{
	struct wb_rate r;
	uint64_t now = 1000 * MS, sample;

	wb_rate_init(&r);
	feed(&r, &now, 50, 10, 110);
	expect(r.measured, "measured before the gap", r.rate);
	uint64_t before = r.rate;
	/* Two seconds of nothing, then a big reap of what completed meanwhile: not a
	 * burst of 1 GB/s, a new window. */
	now += 2000 * MS;
	(void)wb_rate_note(&r, now, 64 * MiB, &sample);
	expect(r.rate == before && r.bytes == 0, "a reap after an idle gap opens a new window",
	       r.bytes);
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
	test_guess_then_first_window();
	test_fast_disk_told_at_once();
	test_bursts_average_out();
	test_up_fast_down_slow();
	test_idle_gap_restarts();
	test_cost();
	if (failures)
		return 1;
	puts("unit_pace: all passed");
	return 0;
}
