/* Waiting without consuming the writeback error (see settle.h). */
#define _GNU_SOURCE
#include "settle.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "fdtable.h"
#include "log.h"
#include "pace.h"
#include "rate.h"
#include "real.h"

#define WB_SETTLE_MIN_NAP_NS (100ULL * 1000ULL)
#define WB_SETTLE_MAX_NAP_NS (20ULL * 1000000ULL)
/* A range still not on disk after this long is given up on (and not dropped). */
#define WB_SETTLE_PATIENCE_NS (120ULL * 1000000000ULL)

bool wb_settle_possible(int fd)
{
	return wb_pace_can_poll(fd);
}

int wb_settle_check(int fd, uint64_t off, uint64_t len, uint64_t *left, bool kick)
{
	struct wb_cachestat cs;

	if (wb_sys_cachestat(fd, off, len, &cs) != 0)
		return -1;
	*left = (cs.dirty + cs.writeback) * wb_page_size();
	if (*left == 0)
		return 1;
	/* Dirty with nothing under writeback: written after our kick, or a kick that
	 * found the pages busy. Kick again (WRITE never reports the error). */
	if (kick && cs.dirty && cs.writeback == 0)
		(void)wb_sys_sync_file_range(fd, off, len, SYNC_FILE_RANGE_WRITE);
	return 0;
}

bool wb_settle_batch_look(int fd, const struct wb_batch *batch, bool *off_device)
{
	struct wb_cachestat cs;
	bool dirty = false;

	*off_device = false;
	for (unsigned int i = 0; i < batch->count; i++) {
		const struct wb_extent *range = &batch->extent[i];
		if (wb_sys_cachestat(fd, range->start, range->end - range->start, &cs) != 0 ||
		    cs.writeback != 0)
			return false;
		dirty |= cs.dirty != 0;
	}
	*off_device = dirty;
	return !dirty;
}

uint64_t wb_settle_nap_ns(uint64_t left, const struct wb_device *device)
{
	uint64_t rate = device ? wb_pace_rate(device) : WB_RATE_GUESS, ns;

	if (rate == 0)
		rate = 1;
	ns = (uint64_t)((unsigned __int128)left * 1000000000ULL / rate);
	if (ns < WB_SETTLE_MIN_NAP_NS)
		return WB_SETTLE_MIN_NAP_NS;
	return ns > WB_SETTLE_MAX_NAP_NS ? WB_SETTLE_MAX_NAP_NS : ns;
}

int wb_settle(int fd, uint64_t off, uint64_t len, const struct wb_device *device)
{
	uint64_t began = 0, left, ns, most = WB_SETTLE_MIN_NAP_NS;
	bool measured = device && wb_device_measured(device);
	struct timespec nap;
	int saved = errno, got;

	while ((got = wb_settle_check(fd, off, len, &left, true)) == 0) {
		uint64_t now = wb_now_ns();
		if (!began)
			began = now;
		else if (now - began > WB_SETTLE_PATIENCE_NS) {
			wb_log(WB_LOG_INFO, "fd %d: %llu bytes at %llu not on disk after %llu s; "
					    "giving up on them",
			       fd, (unsigned long long)left, (unsigned long long)off,
			       (unsigned long long)(WB_SETTLE_PATIENCE_NS / 1000000000ULL));
			errno = ETIMEDOUT;
			return -1;
		}
		ns = wb_settle_nap_ns(left, device);
		/* An unmeasured rate (the 100 MB/s guess) may be far below the disk's:
		 * a nap sized by it would sleep on while the range is long done. Naps
		 * start short and double up to it instead. */
		if (!measured && ns > most) {
			ns = most;
			most *= 2;
		}
		nap.tv_sec = (time_t)(ns / 1000000000ULL);
		nap.tv_nsec = (long)(ns % 1000000000ULL);
		(void)nanosleep(&nap, NULL); /* a signal cuts it short: look again */
	}
	if (got < 0)
		return -1;
	errno = saved;
	return 0;
}

/* The pipeline's wait on a tracked fd: its device (for the nap's length) is in
 * the fd's slot, no system call needed. */
static int wb_settle_op(int fd, uint64_t off, uint64_t len)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	const struct wb_file *file = slot ? slot->file : NULL;

	return wb_settle(fd, off, len, file ? file->device : NULL);
}

const struct wb_ops wb_settle_ops = {
	.sync_range = wb_sys_sync_file_range,
	.drop = wb_sys_fadvise_dontneed,
	.settle = wb_settle_op,
};
