/* Kicking and waiting for one tracked fd's batches (see writeback.h). */
#define _GNU_SOURCE
#include "writeback.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "budget.h"
#include "classify.h"
#include "init.h"
#include "log.h"
#include "real.h"
#include "settle.h"

/* How waits are done: by watching the page cache where cachestat(2) exists, so
 * that no writeback error is ever consumed on the program's behalf; else with
 * SYNC_FILE_RANGE_WAIT_AFTER, whose errors are then latched for fsync/close. */
static const struct wb_ops *wb_ops_for(int fd)
{
	return wb_settle_possible(fd) ? &wb_settle_ops : &wb_kernel_ops;
}

static bool wb_latching(const struct wb_ops *ops)
{
	return ops->settle == NULL;
}

static void wb_latch(int fd, struct wb_file *file, int err)
{
	int none = 0;

	wb_stats_add(&file->stats.errors, 1);
	/* First error wins: that is the one the kernel would have reported first. */
	__atomic_compare_exchange_n(&file->latched, &none, err, 0, __ATOMIC_ACQ_REL,
				    __ATOMIC_RELAXED);
	wb_log(WB_LOG_INFO, "fd %d: writeback error (%s); will be reported at fsync/close", fd,
	       strerror(err));
}

/* An error from our kick or wait. Where waits settle (no latch), a data error is
 * left alone: the kernel keeps it for the program's own fsync, as without us. */
static void wb_failed(int fd, struct wb_slot *slot, struct wb_file *file, int err,
		      bool from_wait, bool latching)
{
	switch (wb_classify_error(err, from_wait && latching)) {
	case WB_TRANSIENT:
		break;
	case WB_REFUSED:
		wb_log(WB_LOG_DEBUG, "fd %d: sync_file_range refused (%s); leaving it alone", fd,
		       strerror(err));
		wb_slot_set_class(slot, WB_IGNORED);
		break;
	case WB_GONE:
		wb_slot_set_class(slot, WB_UNKNOWN);
		break;
	case WB_DATA_LOST:
		if (latching)
			wb_latch(fd, file, err);
		else
			wb_log(WB_LOG_DEBUG, "fd %d: %s (%s); left for the program's fsync", fd,
			       from_wait ? "wait gave up" : "kick failed", strerror(err));
		break;
	}
}

void wb_track_kick(int fd, struct wb_slot *slot, struct wb_file *file,
		    const struct wb_batch *batch)
{
	const struct wb_ops *ops = wb_ops_for(fd);
	int err = wb_batch_kick(ops, fd, batch);

	wb_inflight_add(file->device, batch->bytes);
	wb_stats_add(&file->stats.chunks, 1);
	wb_log(WB_LOG_DEBUG, "fd %d: kick %llu bytes at %llu", fd, (unsigned long long)batch->bytes,
	       (unsigned long long)batch->extent[0].start);
	if (err)
		wb_failed(fd, slot, file, err, false, wb_latching(ops));
}

void wb_track_kick_step(int fd, struct wb_slot *slot, struct wb_file *file,
			const struct wb_extent *step)
{
	const struct wb_ops *ops = wb_ops_for(fd);

	if (ops->sync_range(fd, step->start, step->end - step->start, SYNC_FILE_RANGE_WRITE) != 0)
		wb_failed(fd, slot, file, errno, false, wb_latching(ops));
}

void wb_track_wait(int fd, struct wb_slot *slot, struct wb_file *file,
		    const struct wb_batch *batch)
{
	const struct wb_ops *ops = wb_ops_for(fd);
	uint64_t start, took;
	int err;

	if (file->id.remote) {
		/* A wait is a round trip to a server that may be slow or gone: never make
		 * the program hang where it would not have. Drop what already finished. */
		if (wb_cfg.drop)
			wb_batch_drop(ops, fd, batch);
		wb_inflight_sub(file->device, batch->bytes);
		return;
	}
	start = wb_now_ns();
	err = wb_batch_wait(ops, fd, batch, wb_cfg.drop, file->pipe.low);
	took = wb_now_ns() - start;
	wb_inflight_sub(file->device, batch->bytes);
	wb_log(WB_LOG_DEBUG, "fd %d: waited %.1f ms for %llu bytes at %llu%s%s", fd,
	       (double)took / 1e6, (unsigned long long)batch->bytes,
	       (unsigned long long)batch->extent[0].start, wb_cfg.drop && !err ? ", dropped" : "",
	       err ? ", failed" : "");
	wb_stats_add(&file->stats.waits, 1);
	wb_stats_add(&file->stats.wait_ns, took);
	wb_stats_max(&file->stats.wait_ns_max, took);
	if (err)
		wb_failed(fd, slot, file, err, true, wb_latching(ops));
}

/* Wait for queued batches, oldest first, until `keep` remain. */
void wb_track_drain(int fd, struct wb_slot *slot, struct wb_file *file, unsigned int keep)
{
	struct wb_batch oldest;
	bool got;

	do {
		if (!wb_slot_lock(slot))
			return;
		got = wb_pipe_take_oldest(&file->pipe, keep, &oldest);
		wb_slot_unlock(slot);
		if (got)
			wb_track_wait(fd, slot, file, &oldest);
	} while (got);
}
