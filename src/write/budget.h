/* The writeback budget, one per backing device (device.h).
 *
 * Pages this process has written and not yet dropped are counted per device,
 * across every file it writes there, open or closed: a device's `inflight` holds
 * the bytes of chunks kicked and not yet waited for and dropped, whether they
 * belong to an open file's pipeline (track.c) or to a closed file kept in the
 * queue (keep.c). A writer whose own unkicked bytes plus its device's in-flight
 * bytes exceed `(depth + 1) x chunk` waits, oldest first (that device's closed
 * files, then its own chunks, a slice at a time), until they fit: so the process
 * holds, per device it writes to, at most that, plus one partial chunk per other
 * file open for writing there; the bound the README states. A slow or stalled
 * device makes only its own writers wait, as the kernel's per-device writeback
 * does. Each write pays for about its own size in disk time, in small pauses.
 *
 * `wb_written` counts the bytes written to tracked files until it passes one
 * chunk: a process that writes a few small files (a config, temporary files) is
 * left to the kernel; after that, every file it writes takes part. It stays one
 * per process: it tells what kind of program this is (a bulk writer or not), not
 * how fast a disk is, and a bulk writer's first small file on a second device
 * should take part from the start.
 * All are relaxed atomics: they steer pacing, nothing depends on them exactly. */
#ifndef WB_BUDGET_H
#define WB_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "init.h"
#include "log.h"

extern uint64_t wb_written;
extern bool wb_writer; /* wb_written has passed a chunk: sticky */

static inline uint64_t wb_budget_bytes(void)
{
	return (uint64_t)(wb_cfg.depth + 1) * wb_cfg.chunk;
}

static inline uint64_t wb_inflight(const struct wb_device *device)
{
	return __atomic_load_n(&device->inflight, __ATOMIC_RELAXED);
}

/* Would the device be over budget with `pending` more bytes (a writer's own,
 * not yet kicked)? */
static inline bool wb_budget_over(const struct wb_device *device, uint64_t pending)
{
	return wb_inflight(device) + pending > wb_budget_bytes();
}

static inline void wb_inflight_add(struct wb_device *device, uint64_t bytes)
{
	/* The summary's peak is the highest any one device reached: that is the bound. */
	wb_stats_max(&wb_totals.peak_inflight,
		     __atomic_add_fetch(&device->inflight, bytes, __ATOMIC_RELAXED));
}

/* Waited for, dropped or forgotten. Saturating: a count lost to a race or a fork
 * must not wrap around. */
void wb_inflight_sub(struct wb_device *device, uint64_t bytes);

/* `bytes` more were written to a tracked file. One load once the process is known
 * to be a writer; an atomic add until then. */
static inline void wb_budget_wrote(uint64_t bytes)
{
	if (__builtin_expect(__atomic_load_n(&wb_writer, __ATOMIC_RELAXED), 1))
		return;
	if (__atomic_add_fetch(&wb_written, bytes, __ATOMIC_RELAXED) >= wb_cfg.chunk)
		__atomic_store_n(&wb_writer, true, __ATOMIC_RELAXED);
}

static inline bool wb_budget_writer(void)
{
	return __atomic_load_n(&wb_writer, __ATOMIC_RELAXED);
}

#endif
