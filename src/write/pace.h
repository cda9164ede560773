/* Pacing by time: smooth backpressure below the budget.
 *
 * The budget (budget.h) is a hard line: a writer past it waits for completions.
 * On a disk that completes in bursts (a USB stick's controller, a NAS, the block
 * throttle's 100 ms slices) such a wait lasts until the next burst, so a writer
 * that reaches the line runs at memory speed and then stops for tens of
 * milliseconds. The kernel's own throttling (mm/page-writeback.c,
 * balance_dirty_pages) does not wait for completions: it estimates the device's
 * write bandwidth and makes each writer sleep for its bytes at that rate, in
 * pauses of a few milliseconds. This does the same, between a soft line and the
 * budget:
 *
 *  - below the soft line (a quarter of the budget) writers run free;
 *  - above it a writer first drops, without waiting, whatever has completed
 *    (track.c, keep.c: cachestat(2) says when a range has no dirty or
 *    writeback pages left), so a disk that keeps up never makes it sleep;
 *  - between the lines each write sleeps len / rate, where the rate is the
 *    measured completion rate times a factor that falls from 2 at the soft line
 *    to 0 at the budget, so the bytes in flight settle where the writers' rate
 *    equals the disk's; sleeps shorter than a millisecond are owed, not taken,
 *    and the time since the previous write counts as paid (up to 50 ms), so a
 *    writer slower than the disk is not slowed further;
 *  - after a sleep it looks for completions again; the completions it finds
 *    while the disk is busy are what the rate is measured from;
 *  - past the budget it waits for completions as before, so the bound on dirty
 *    plus in-flight memory is unchanged.
 *
 * Until the rate has been measured (4 MiB over 20 ms at least) it is taken to be
 * 100 MB/s, the kernel's own first guess; how it is measured is in rate.h. A
 * disk fast enough to complete a slice in under 4 ms, a network file, a kernel
 * without cachestat and WBSHIM_PACE=0 get only the hard line. All state is
 * process-wide and steered by relaxed atomics and a try-lock: it only shapes
 * timing. */
#ifndef WB_PACE_H
#define WB_PACE_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes in flight (plus a writer's unkicked ones) above which writes are paced. */
uint64_t wb_pace_soft(void);

/* A writer past the soft line found `bytes` kicked earlier on disk (it waited
 * for them or saw them settled): completions seen while the disk has work
 * queued, which measure its rate (rate.h). */
void wb_pace_completed(uint64_t bytes);

/* A write of `len` bytes left the process at `x` bytes in flight plus pending,
 * between the soft line and the budget: sleep for its share of the disk's rate.
 * True if it slept. Preserves errno. */
bool wb_pace_sleep(uint64_t len, uint64_t x);

/* Is the disk slow enough to pace by time: does a slice of this many bytes take
 * longer than 4 ms at its measured rate? */
bool wb_pace_timed(uint64_t slice);

/* A writer waited at the budget: that time is not credit for later writes. */
void wb_pace_waited(void);

/* A paced write of `len` bytes: time to look for completions (every 256 KiB)? */
bool wb_pace_reap_due(uint64_t len);

/* The disk's measured completion rate (bytes per second): the estimate, or the
 * starting guess. */
uint64_t wb_pace_rate(void);

/* Can completions be seen without waiting (cachestat)? Asks the kernel once. */
bool wb_pace_can_poll(int fd);

/* atfork child: its disk share starts from nothing. */
void wb_pace_after_fork(void);

#endif
