/* Backpressure on a writer, per device (see throttle.h): the analogue of the
 * kernel's balance_dirty_pages(). */
#define _GNU_SOURCE
#include "throttle.h"

#include "budget.h"
#include "device.h"
#include "init.h"
#include "keep.h"
#include "log.h"
#include "pace.h"
#include "real.h"
#include "settle.h"
#include "writeback.h"

/* Backpressure is paid in slices of a quarter chunk. */
#define WB_SLICES_PER_CHUNK 4

/* Without blocking: drop what of the oldest closed files and of this file's
 * oldest chunk has already reached the disk. The wait on a settled slice returns
 * at once. (Only where cachestat exists.) Returns true if it stopped at a slice
 * off the device (wb_settle_batch_look). */
static bool wb_reap(int fd, struct wb_slot *slot, struct wb_file *file)
{
	uint64_t slice = wb_cfg.chunk / WB_SLICES_PER_CHUNK;
	struct wb_batch next, oldest;
	bool got, off_device = false;

	(void)wb_keep_reap(file->device);
	for (;;) {
		if (!wb_slot_lock(slot))
			break;
		got = wb_pipe_peek_oldest_slice(&file->pipe, slice, &next);
		wb_slot_unlock(slot);
		/* Reached the disk? A look only: the kick is the pipeline's. */
		if (!got || !wb_settle_batch_look(fd, &next, &off_device) || !wb_slot_lock(slot))
			break;
		got = wb_pipe_take_oldest_slice(&file->pipe, slice, &oldest);
		wb_slot_unlock(slot);
		if (!got)
			break;
		wb_track_wait(fd, slot, file, &oldest);
	}
	return off_device;
}

/* Backpressure in small steps, on the file's own device only: another device's
 * files never make this writer wait. Past the soft line (pace.h), on a disk slow
 * enough for it, the write of `len` bytes first drops what has completed; if the
 * device is still past the line and its writers are faster than it, it sleeps
 * for its share of the device's measured rate and looks again. Past the budget,
 * with this writer's `pending` (unkicked) bytes, it waits for the device's oldest
 * closed files, then for this file's oldest chunk a slice at a time, until the
 * device fits again. Each look measures the device's rate (rate.h). */
void wb_throttle(int fd, struct wb_slot *slot, struct wb_file *file, uint64_t pending,
		    uint64_t len)
{
	struct wb_device *device = file->device;
	uint64_t slice = wb_cfg.chunk / WB_SLICES_PER_CHUNK;
	struct wb_batch oldest;
	uint64_t x = wb_inflight(device) + pending, slept, start;
	bool got, looked = false, dry = false;

	if (x <= wb_pace_soft())
		return;
	if (!file->id.remote && wb_pace_timed(device, slice) && wb_pace_can_poll(fd)) {
		if (wb_pace_reap_due(device, len)) {
			dry = wb_reap(fd, slot, file);
			x = wb_inflight(device) + pending;
			looked = true;
		}
		if ((slept = wb_pace_sleep(device, len, x))) {
			wb_stats_add(&file->stats.pace_sleeps, 1);
			wb_stats_add(&file->stats.pace_ns, slept);
			dry = wb_reap(fd, slot, file);
			looked = true;
		}
	}
	if (wb_budget_over(device, pending)) {
		start = wb_now_ns();
		(void)wb_keep_settle(device, pending);
		while (wb_budget_over(device, pending)) {
			if (!wb_slot_lock(slot))
				break;
			got = wb_pipe_take_oldest_slice(&file->pipe, slice, &oldest);
			wb_slot_unlock(slot);
			if (!got)
				break; /* the rest is other open files': theirs to wait for */
			wb_track_wait(fd, slot, file, &oldest);
		}
		/* Time spent waiting is not the writer's to spend, nor its own rate. */
		wb_pace_waited(device, wb_now_ns() - start);
		/* The waits took only what the budget needed; a look takes all that is
		 * done, so that a queue that ran dry is seen as such (rate.h). */
		if (!looked && wb_cfg.pace && !file->id.remote && wb_pace_can_poll(fd)) {
			dry = wb_reap(fd, slot, file);
			looked = true;
		}
	}
	/* Only after a full look: what is still queued was not done (rate.h). */
	if (looked)
		wb_pace_observed(device, slice, dry);
}
