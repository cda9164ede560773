/* The arithmetic of pacing by time (pace.h): plain logic, no clock, no globals,
 * so that it can be tested with made-up timelines.
 *
 * Rate: the device's, never the writer's. The caller reports observations: the
 * time, the bytes its device has retired in all (completed and dropped), and the
 * bytes still in flight on it. The time between two observations counts only if
 * the device had work of ours queued throughout: at least a `floor` of bytes in
 * flight at the first, and fewer bytes retired by the second than were queued at
 * the first (some of that queue was still there, so the device never ran dry).
 * A writer whose input stalls, or that is slower than the disk, drains the queue
 * and its time is left out, whatever it was doing. Busy time and its completions
 * add up to a window of 250 ms (several of a bursty device's bursts); each
 * window moves the estimate from the 100 MB/s guess half way toward its rate: one
 * window never replaces it, and a disk found faster or slower is believed within
 * a second or two. A queue that ran dry between two observations says only that
 * the device did at least the bytes queued at the first in the time between: that
 * span counts too if it is at least as fast as the estimate (a burst, or writers
 * held below the device by a low estimate, which then climbs back), never if it
 * is slower (an input stall: the idle time it hides would count as the disk's).
 * So does a span ended by a look that found the oldest of the queue off the
 * device: pages of it written again after its kick (a writer whose blocks do not
 * end on a page boundary fills the page a kick just wrote), dirty, none under
 * writeback. Its bytes never retire while the writer's input stalls, and the
 * stall would read as a device that completes nothing.
 * A window counts as a measurement of the device (pace.h paces only after one)
 * only if at least half of its time had work queued throughout: spans that ran
 * dry are lower bounds, the writer's rate as much as the device's, and a writer
 * that never keeps the device busy (one held by its input) would otherwise be
 * paced at its own rate.
 *
 * Flow: the writers' own rate into one device, not counting the time they slept
 * or waited for us, over the last 100-200 ms. A writer is paced only while that
 * rate is above the device's estimate and the bytes in flight are above the
 * lowest level seen in the previous window (they grow): a writer slower than the
 * device, or one whose queue drains, is never slept. In its first 20 ms a flow's
 * rate is not known yet: growing bytes in flight are then enough (a burst from
 * idle is paid by the think-time credit, pace.c).
 *
 * Cost: the time `len` bytes take at the rate allowed at `x` bytes in flight,
 * which is the estimate times 2 at the soft line, 1 half way, 0 at the budget,
 * capped at WB_RATE_MAX_PAUSE_NS. */
#ifndef WB_RATE_H
#define WB_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define WB_RATE_GUESS (100ULL << 20) /* mm/page-writeback.c's INIT_BW: 100 MB/s */
#define WB_RATE_WINDOW_NS (250ULL * 1000000ULL) /* busy time per sample */
#define WB_RATE_MIN (256ULL << 10)              /* a stalled device: 256 KB/s */
#define WB_RATE_MAX_PAUSE_NS (50ULL * 1000000ULL)
#define WB_FLOW_WINDOW_NS (100ULL * 1000000ULL)
#define WB_FLOW_MIN_NS (20ULL * 1000000ULL)

struct wb_rate {
	uint64_t rate;    /* bytes per second */
	unsigned samples; /* windows that measured the device (0: not yet) */
	uint64_t at;      /* the previous observation (ns), 0: none yet */
	uint64_t retired; /* the device's retired bytes at it */
	uint64_t queued;  /* bytes in flight after it */
	uint64_t busy_ns; /* busy time in the open window */
	uint64_t bytes;   /* completions in that time */
	uint64_t full_ns; /* of busy_ns: queued throughout (not a queue that ran dry) */
};

void wb_rate_init(struct wb_rate *r);

/* An observation at `now` (ns, any monotonic origin above 0): `retired` bytes in
 * all so far (never decreasing), `queued` in flight now, `floor` the least queue
 * that keeps the device busy. Returns true if a window closed and the estimate
 * moved (*sample: the window's rate; `samples` grows if it measured the device). */
bool wb_rate_note(struct wb_rate *r, uint64_t now, uint64_t retired, uint64_t queued,
		  uint64_t floor, uint64_t *sample);

/* The same, by a look that found the oldest of the queue off the device (dirty,
 * not under writeback): the queue ran dry as far as the device is concerned. */
bool wb_rate_note_dry(struct wb_rate *r, uint64_t now, uint64_t retired, uint64_t queued,
		      uint64_t floor, uint64_t *sample);

struct wb_flow {
	uint64_t start;               /* the open window's start (ns), 0: none */
	uint64_t bytes, ours_ns, low; /* written, slept or waited by us, least in flight */
	uint64_t prev_bytes, prev_busy_ns, prev_low; /* the window before (busy 0: none) */
	uint64_t rate;                /* the writers' own rate, last computed (bytes/s) */
};

/* Since the last call, the writers wrote `bytes` and spent `ours_ns` sleeping or
 * waiting in the shim; `x` are in flight now, the device's estimate is `rate`.
 * Should the write that asks be paced? */
bool wb_flow_note(struct wb_flow *f, uint64_t now, uint64_t bytes, uint64_t ours_ns,
		  uint64_t x, uint64_t rate);

/* Nanoseconds `len` bytes take at `x` in flight, for a `soft` line below a
 * `budget` (soft < x < budget), at `rate` bytes per second. */
uint64_t wb_rate_cost(uint64_t len, uint64_t x, uint64_t soft, uint64_t budget, uint64_t rate);

#endif
