/* Pacing by time: smooth backpressure below the budget, per device.
 *
 * The budget (budget.h) is a hard line: a writer past it waits for completions.
 * On a disk that completes in bursts (a USB stick's controller, a NAS, the block
 * throttle's 100 ms slices) such a wait lasts until the next burst, so a writer
 * that reaches the line runs at memory speed and then stops for tens of
 * milliseconds. The kernel's own throttling (mm/page-writeback.c,
 * balance_dirty_pages) does not wait for completions: it estimates each device's
 * write bandwidth and makes each writer sleep for its bytes at that rate, in
 * pauses of a few milliseconds. This does the same, between a soft line and the
 * budget, on each device with its own estimate:
 *
 *  - below the soft line (a quarter of the budget) writers run free;
 *  - above it a writer first drops, without waiting, whatever has completed
 *    (track.c, keep.c: cachestat(2) says when a range has no dirty or
 *    writeback pages left), so a disk that keeps up never makes it sleep;
 *  - a writer is slept only while its own rate (the device's writers' bytes over
 *    their time, not counting the time they slept or waited in the shim) is
 *    above the device's measured rate and the bytes in flight grow: a writer
 *    slower than the device, an input-bound one, is never slept (rate.h);
 *  - then each write sleeps len / rate, where the rate is the device's estimate
 *    times a factor that falls from 2 at the soft line to 0 at the budget, so the
 *    bytes in flight settle where the writers' rate equals the disk's; sleeps
 *    shorter than a millisecond are owed, not taken, and the time since the
 *    previous write counts as paid (up to 50 ms);
 *  - the estimate is the device's: completions over time during which the device
 *    had work of ours queued throughout (rate.h); idle time does not count,
 *    whatever the writer did;
 *  - past the budget it waits for completions as before, so the bound on dirty
 *    plus in-flight memory is unchanged.
 *
 * Until measured the rate is taken to be 100 MB/s, the kernel's own first guess.
 * A disk fast enough to complete a slice in under 4 ms, a network file, a kernel
 * without cachestat and WBSHIM_PACE=0 get only the hard line. The state lives in
 * the device (device.h), steered by relaxed atomics and a try-lock: it only
 * shapes timing. */
#ifndef WB_PACE_H
#define WB_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

/* Bytes in flight (plus a writer's unkicked ones) above which writes are paced. */
uint64_t wb_pace_soft(void);

/* Every write of `len` bytes to a tracked file on the device (the writers' rate). */
static inline void wb_pace_wrote(struct wb_device *device, uint64_t len)
{
	__atomic_add_fetch(&device->flow_bytes, len, __ATOMIC_RELAXED);
	__atomic_add_fetch(&device->written, len, __ATOMIC_RELAXED);
}

/* A writer looked for completions on the device (reaped or waited for them, or
 * found none): the rate is measured from these looks. `floor`: the least queue
 * that keeps the device busy (one slice); `dry`: the look stopped at bytes off the
 * device (dirty again after their kick, none under writeback; rate.h). */
void wb_pace_observed(struct wb_device *device, uint64_t floor, bool dry);

/* A write of `len` bytes left the device at `x` bytes in flight plus pending,
 * between the soft line and the budget: sleep for its share of the device's
 * rate if its writers are faster than the device. Returns the nanoseconds slept
 * (0: none). Preserves errno. */
uint64_t wb_pace_sleep(struct wb_device *device, uint64_t len, uint64_t x);

/* Is the device slow enough to pace by time: has its rate been measured, and
 * does a slice of this many bytes take longer than 4 ms at that rate? */
bool wb_pace_timed(struct wb_device *device, uint64_t slice);

/* A writer waited `ns` at the device's budget: that time is not credit for later
 * writes, and not the writer's own in its rate. */
void wb_pace_waited(struct wb_device *device, uint64_t ns);

/* A paced write of `len` bytes: time to look for completions (every 256 KiB)? */
bool wb_pace_reap_due(struct wb_device *device, uint64_t len);

/* The device's rate estimate, bytes per second (where it comes from: device.h). */
uint64_t wb_pace_rate(const struct wb_device *device);

/* Can completions be seen without waiting (cachestat)? Asks the kernel once. */
bool wb_pace_can_poll(int fd);

#endif
