/* The arithmetic of pacing by time (pace.h): plain logic, no clock, no globals,
 * so that it can be tested with made-up times.
 *
 * Rate: completions are counted in windows. The first replaces the starting
 * guess as soon as it holds 4 MiB and 20 ms (a fast disk is told apart within
 * milliseconds; a bursty one takes two bursts); later ones last 400 ms, so that
 * each spans several bursts of a bursty device. A window ends where a gap of a
 * second without a completion begins (the disk was idle: what came before says
 * nothing of its rate). A window's rate moves the estimate up quickly (3/4 of the way) and down
 * slowly (1/4): a window can only be as fast as the writers were allowed to be,
 * so a slow one may be the pacing's own doing.
 *
 * Cost: the time `len` bytes take at the rate allowed at `x` bytes in flight,
 * which is the estimate times 2 at the soft line, 1 half way, 0 at the budget,
 * capped at WB_RATE_MAX_PAUSE_NS. */
#ifndef WB_RATE_H
#define WB_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define WB_RATE_GUESS (100ULL << 20) /* mm/page-writeback.c's INIT_BW: 100 MB/s */
#define WB_RATE_FIRST_NS (20ULL * 1000000ULL)
#define WB_RATE_FIRST_BYTES (4ULL << 20)
#define WB_RATE_WINDOW_NS (400ULL * 1000000ULL)
#define WB_RATE_IDLE_NS (1000ULL * 1000000ULL)
#define WB_RATE_MAX_PAUSE_NS (50ULL * 1000000ULL)

struct wb_rate {
	uint64_t rate;       /* bytes per second */
	bool measured;       /* rate is a measurement, not the guess */
	uint64_t start;      /* the window's start (ns), 0: none open */
	uint64_t bytes;      /* completed since then */
	uint64_t last;       /* the last completion seen (ns) */
};

void wb_rate_init(struct wb_rate *r);

/* `bytes` were seen completed at `now` (ns, any monotonic origin above 0).
 * Returns true if a window closed and the estimate moved (*sample: its rate). */
bool wb_rate_note(struct wb_rate *r, uint64_t now, uint64_t bytes, uint64_t *sample);

/* Nanoseconds `len` bytes take at `x` in flight, for a `soft` line below a
 * `budget` (soft < x < budget), at `rate` bytes per second. */
uint64_t wb_rate_cost(uint64_t len, uint64_t x, uint64_t soft, uint64_t budget, uint64_t rate);

#endif
