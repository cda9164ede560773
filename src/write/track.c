/* Driving one tracked fd's pipeline. */
#define _GNU_SOURCE
#include "track.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "classify.h"
#include "device.h"
#include "init.h"
#include "keep.h"
#include "log.h"
#include "pace.h"
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

static void wb_kick(int fd, struct wb_slot *slot, struct wb_file *file,
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

static void wb_wait(int fd, struct wb_slot *slot, struct wb_file *file,
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
static void wb_drain(int fd, struct wb_slot *slot, struct wb_file *file, unsigned int keep)
{
	struct wb_batch oldest;
	bool got;

	do {
		if (!wb_slot_lock(slot))
			return;
		got = wb_pipe_take_oldest(&file->pipe, keep, &oldest);
		wb_slot_unlock(slot);
		if (got)
			wb_wait(fd, slot, file, &oldest);
	} while (got);
}

/* First write to an fd since it was opened: decide, and set up its state. */
static struct wb_file *wb_track_new(int fd, struct wb_slot *slot)
{
	struct wb_identity id;
	struct wb_file *file;
	/* Taken whatever happens next: it describes the fd only until its first note. */
	unsigned int seen = __atomic_exchange_n(&slot->seen, 0, __ATOMIC_RELAXED);

	bool track = wb_classify_fd(fd, seen, &id);

	wb_log(WB_LOG_DEBUG, "fd %d: %s (%s)", fd, track ? "tracked" : "ignored",
	       wb_classify_reason());
	if (!track || !(file = wb_slot_file(slot, wb_pipe_size(wb_cfg.depth)))) {
		wb_slot_set_class(slot, WB_IGNORED);
		return NULL;
	}
	if (!wb_slot_lock(slot))
		return NULL; /* a handler inside our own start of tracking: next write */
	if (wb_slot_class(slot) != WB_TRACKED) { /* another thread may have been first */
		if (file->device) /* chunks of a file forgotten on this slot */
			wb_inflight_sub(file->device, file->pipe.inflight);
		memset(file, 0, sizeof(*file) - sizeof(file->pipe));
		file->id = id;
		file->device = wb_device_of(id.backing); /* once per fd: no lookup on writes */
		wb_pipe_reset(&file->pipe, wb_cfg.chunk, wb_cfg.depth);
		/* Offset 0 since the open: the note this classification serves starts
		 * there (a write's note comes after it, with the length), no lseek. */
		if (seen & WB_SEEN_AT_ZERO)
			__atomic_store_n(&file->pos_known, true, __ATOMIC_RELAXED);
		wb_slot_set_class(slot, WB_TRACKED);
	}
	wb_slot_unlock(slot);
	return file;
}

/* Backpressure is paid in slices of a quarter chunk. */
#define WB_SLICES_PER_CHUNK 4

/* Has the range reached the disk (no dirty or writeback pages left)? */
static bool wb_settled(int fd, const struct wb_extent *range)
{
	struct wb_cachestat cs;

	return wb_sys_cachestat(fd, range->start, range->end - range->start, &cs) == 0 &&
	       cs.dirty == 0 && cs.writeback == 0;
}

/* Without blocking: drop what of the oldest closed files and of this file's
 * oldest chunk has already reached the disk, and return its bytes. The wait on
 * a settled slice returns at once. (Only where cachestat exists.) */
static uint64_t wb_reap(int fd, struct wb_slot *slot, struct wb_file *file)
{
	uint64_t slice = wb_cfg.chunk / WB_SLICES_PER_CHUNK, reaped = wb_keep_reap(file->device);
	struct wb_extent next;
	struct wb_batch oldest;
	bool got;

	for (;;) {
		if (!wb_slot_lock(slot))
			break;
		got = wb_pipe_peek_oldest_slice(&file->pipe, slice, &next);
		wb_slot_unlock(slot);
		if (!got || !wb_settled(fd, &next) || !wb_slot_lock(slot))
			break;
		got = wb_pipe_take_oldest_slice(&file->pipe, slice, &oldest);
		wb_slot_unlock(slot);
		if (!got)
			break;
		wb_wait(fd, slot, file, &oldest);
		reaped += oldest.bytes;
	}
	return reaped;
}

/* Backpressure in small steps, on the file's own device only: another device's
 * files never make this writer wait. Past the soft line (pace.h), on a disk slow
 * enough for it, the write of `len` bytes first drops what has completed; if the
 * device is still past the line and its writers are faster than it, it sleeps
 * for its share of the device's measured rate and looks again. Past the budget,
 * with this writer's `pending` (unkicked) bytes, it waits for the device's oldest
 * closed files, then for this file's oldest chunk a slice at a time, until the
 * device fits again. Each look measures the device's rate (rate.h). */
static void wb_pace(int fd, struct wb_slot *slot, struct wb_file *file, uint64_t pending,
		    uint64_t len)
{
	struct wb_device *device = file->device;
	uint64_t slice = wb_cfg.chunk / WB_SLICES_PER_CHUNK;
	struct wb_batch oldest;
	uint64_t x = wb_inflight(device) + pending, slept, start;
	bool got, looked = false;

	if (x <= wb_pace_soft())
		return;
	if (!file->id.remote && wb_pace_timed(device, slice) && wb_pace_can_poll(fd)) {
		if (wb_pace_reap_due(device, len)) {
			(void)wb_reap(fd, slot, file);
			x = wb_inflight(device) + pending;
			looked = true;
		}
		if ((slept = wb_pace_sleep(device, len, x))) {
			wb_stats_add(&file->stats.pace_sleeps, 1);
			wb_stats_add(&file->stats.pace_ns, slept);
			(void)wb_reap(fd, slot, file);
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
			wb_wait(fd, slot, file, &oldest);
		}
		/* Time spent waiting is not the writer's to spend, nor its own rate. */
		wb_pace_waited(device, wb_now_ns() - start);
		/* The waits took only what the budget needed; a look takes all that is
		 * done, so that a queue that ran dry is seen as such (rate.h). */
		if (!looked && wb_cfg.pace && !file->id.remote && wb_pace_can_poll(fd)) {
			(void)wb_reap(fd, slot, file);
			looked = true;
		}
	}
	/* Only after a full look: what is still queued was not done (rate.h). */
	if (looked)
		wb_pace_observed(device, slice);
}

/* A chunk is complete: validate, then kick it. */
static void wb_step(int fd, struct wb_slot *slot, struct wb_file *file)
{
	struct wb_batch kick, oldest;
	bool have_kick, have_oldest;

	/* The fd may have been closed and reused behind our back (fclose, dup2,
	 * close_range): never act on another file's state. */
	if (!wb_identity_matches(fd, &file->id)) {
		wb_slot_set_class(slot, WB_UNKNOWN);
		return;
	}
	if (!wb_slot_lock(slot))
		return; /* still full: the next write retries */
	/* Room in the ring (pacing keeps it there unless chunks come in oversize). */
	have_oldest = wb_pipe_take_oldest(&file->pipe, file->pipe.depth, &oldest);
	have_kick = wb_pipe_take_kick(&file->pipe, &kick);
	file->driven = true;
	wb_slot_unlock(slot);
	if (have_oldest)
		wb_wait(fd, slot, file, &oldest);
	if (have_kick)
		wb_kick(fd, slot, file, &kick);
}

/* Where did the write start? Called with the slot lock held; `cursor` is the
 * offset after the write if the caller had to ask the kernel, else -1. */
static bool wb_write_start(struct wb_file *file, int64_t at, int64_t cursor, uint64_t len,
			   uint64_t *start)
{
	if (at >= 0) {
		*start = (uint64_t)at;
		return true;
	}
	if (cursor >= 0) {
		*start = (uint64_t)cursor >= len ? (uint64_t)cursor - len : 0;
		file->pos = (uint64_t)cursor;
		__atomic_store_n(&file->pos_known, true, __ATOMIC_RELAXED);
		return true;
	}
	if (!__atomic_load_n(&file->pos_known, __ATOMIC_RELAXED))
		return false;
	*start = file->pos;
	file->pos += len;
	return true;
}

/* The tracked state of fd, classifying it on first use (*slot may be NULL: it is
 * looked up). NULL if fd is not, or cannot be, tracked. */
static struct wb_file *wb_file_of(int fd, struct wb_slot **slot)
{
	if (!wb_ready()) {
		/* This write moves the offset unnoted: it is not at 0 any more. */
		if (*slot)
			wb_slot_forget_seen(*slot, WB_SEEN_AT_ZERO);
		return NULL;
	}
	if (!*slot && !(*slot = wb_slot_get(fd)))
		return NULL;
	switch (wb_slot_class(*slot)) {
	case WB_IGNORED:
		return NULL;
	case WB_UNKNOWN:
		return wb_track_new(fd, *slot);
	case WB_TRACKED:
	default:
		return (*slot)->file;
	}
}

static void wb_note(int fd, struct wb_slot *slot, int64_t at, uint64_t len)
{
	struct wb_file *file = wb_file_of(fd, &slot);
	int64_t cursor = -1;
	uint64_t start, pending;
	bool known, full;

	if (!file)
		return;
	if (at >= 0 && file->id.append)
		at = WB_AT_EOF; /* Linux appends even for pwrite on an O_APPEND fd */
	else if (at <= WB_AT_EXACT(0))
		at = WB_AT_EXACT(0) - at; /* where the kernel said it is, append or not */
	if (at == WB_AT_EOF) {
		/* Rare: appends with an explicit offset. The file's size says where. */
		struct stat st;
		if (fstat(fd, &st) != 0)
			return;
		at = (uint64_t)st.st_size >= len ? (int64_t)((uint64_t)st.st_size - len) : 0;
		__atomic_store_n(&file->pos_known, false, __ATOMIC_RELAXED);
	} else if (at == WB_AT_CURSOR && !__atomic_load_n(&file->pos_known, __ATOMIC_RELAXED)) {
		/* Once per fd, and after a skipped step: learn the offset from the kernel. */
		cursor = real_lseek(fd, 0, SEEK_CUR);
		if (cursor < 0)
			return;
	}
	if (!wb_slot_lock(slot)) {
		/* A handler interrupted our own thread inside the shim: account nothing,
		 * and make the next write re-learn the offset. */
		__atomic_store_n(&file->pos_known, false, __ATOMIC_RELAXED);
		return;
	}
	known = wb_write_start(file, at, cursor, len, &start);
	full = known && wb_pipe_note(&file->pipe, start, len);
	file->stats.bytes += len; /* under the lock: no second atomic on the hot path */
	pending = file->pipe.pending_bytes;
	wb_slot_unlock(slot);
	wb_budget_wrote(len);
	wb_pace_wrote(file->device, len);
	if (full) {
		wb_step(fd, slot, file);
		pending = 0;
	}
	wb_pace(fd, slot, file, pending, len);
}

void wb_track_wrote(int fd, struct wb_slot *slot, int64_t at, uint64_t len)
{
	int saved = errno;

	wb_note(fd, slot, at, len);
	errno = saved;
}

struct wb_slot *wb_track_destination(int fd)
{
	struct wb_slot *slot = NULL;
	int saved = errno;
	struct wb_file *file = wb_file_of(fd, &slot);

	errno = saved;
	return file ? slot : NULL;
}

/* Move the cached offset to `now`; true (with *from) if that was forward from a
 * known offset, i.e. the bytes [*from, now) were written. Takes the slot lock. */
static bool wb_advance(struct wb_slot *slot, uint64_t now, uint64_t *from)
{
	struct wb_file *file = slot->file;
	bool forward;

	if (!wb_slot_lock(slot)) {
		__atomic_store_n(&file->pos_known, false, __ATOMIC_RELAXED);
		return false;
	}
	forward = __atomic_load_n(&file->pos_known, __ATOMIC_RELAXED) && now > file->pos;
	*from = file->pos;
	file->pos = now;
	__atomic_store_n(&file->pos_known, true, __ATOMIC_RELAXED);
	wb_slot_unlock(slot);
	return forward;
}

void wb_track_sample(int fd, struct wb_slot *slot, uint64_t buffered)
{
	int saved = errno;
	off_t now = real_lseek(fd, 0, SEEK_CUR);
	uint64_t from;

	if (now >= 0) {
		if (wb_advance(slot, (uint64_t)now, &from))
			wb_note(fd, slot, WB_AT_EXACT(from), (uint64_t)now - from);
		if (buffered && wb_advance(slot, (uint64_t)now + buffered, &from))
			wb_note(fd, slot, WB_AT_EXACT(from), buffered);
	}
	errno = saved;
}

void wb_track_pending(int fd, struct wb_slot *slot, uint64_t len)
{
	if (__atomic_load_n(&slot->file->pos_known, __ATOMIC_RELAXED))
		wb_track_wrote(fd, slot, WB_AT_CURSOR, len);
	else
		wb_track_sample(fd, slot, len);
}

void wb_track_forget_offset(struct wb_slot *slot)
{
	__atomic_store_n(&slot->file->pos_known, false, __ATOMIC_RELAXED);
}

void wb_track_resync(int fd, struct wb_slot *slot)
{
	int saved = errno;
	off_t now = real_lseek(fd, 0, SEEK_CUR);

	if (now >= 0)
		wb_track_seeked(slot, now);
	errno = saved;
}

void wb_track_seeked(struct wb_slot *slot, off_t pos)
{
	struct wb_file *file = slot->file;

	if (wb_slot_lock(slot)) {
		file->pos = (uint64_t)pos;
		__atomic_store_n(&file->pos_known, true, __ATOMIC_RELAXED);
		wb_slot_unlock(slot);
	} else {
		__atomic_store_n(&file->pos_known, false, __ATOMIC_RELAXED);
	}
}

/* What close() does with a file's chunks still in flight (`written`, kicked). */
static void wb_hand_over(int fd, struct wb_slot *slot, struct wb_file *file,
			 struct wb_batch *written)
{
	if (written->bytes == 0)
		return;
	if (!file->id.remote && !file->id.blockdev && wb_settle_possible(fd)) {
		switch (wb_keep_file(fd, &file->id, file->device, written, file->pipe.low)) {
		case WB_KEEP_KEPT:
			/* the device may be over budget now: oldest first */
			wb_keep_settle(file->device, 0);
			return;
		case WB_KEEP_UNLINKED:
			wb_inflight_sub(file->device, written->bytes); /* its pages go with its last reference */
			return;
		case WB_KEEP_REFUSED:
			break;
		}
	}
	/* Not noted (a block device, a server, no usable name, no cachestat): wait
	 * here, on the program's own fd, before its close. Where waits settle this
	 * reports nothing; where they use WAIT_AFTER, an error found is reported by
	 * this close. */
	wb_wait(fd, slot, file, written);
}

int wb_track_close(int fd, struct wb_slot *slot, const char *why)
{
	struct wb_file *file = slot->file;
	int saved = errno;
	struct wb_batch tail, written;
	bool have_tail = false, act = false;
	int latched;

	/* A file takes part once the process has written more than a chunk in all
	 * (budget.h): then every file, whatever its size; before, only big ones. */
	if (wb_slot_lock(slot)) {
		act = file->driven || (file->pipe.pending_bytes && wb_budget_writer());
		if (act) {
			(void)wb_pipe_take_all(&file->pipe, &written);
			have_tail = wb_pipe_take_pending(&file->pipe, &tail);
		}
		wb_slot_unlock(slot);
	}
	if (act && wb_identity_matches(fd, &file->id)) {
		/* Start the tail; then the file joins its device's queue behind the
		 * open files, and close() returns without waiting for it. */
		if (have_tail) {
			wb_kick(fd, slot, file, &tail);
			wb_batch_merge(&written, &tail);
		}
		wb_hand_over(fd, slot, file, &written);
	} else if (act) {
		wb_inflight_sub(file->device, written.bytes); /* the tail was never kicked: not counted */
	}
	latched = __atomic_exchange_n(&file->latched, 0, __ATOMIC_ACQ_REL);
	if (file->stats.bytes) {
		bool measured = false;
		uint64_t rate = file->device ? wb_pace_rate(file->device, &measured) : 0;
		wb_stats_report(fd, &file->stats, why, rate, measured);
	}
	wb_slot_set_class(slot, WB_UNKNOWN);
	errno = saved;
	return latched;
}

/* Where waits settle: the program's fsync runs first, untouched (it waits for
 * everything anyway, and reports what it would without us); then what it wrote
 * back is dropped and leaves the budget. */
static int wb_sync_settled(int fd, struct wb_slot *slot, struct wb_file *file, int (*real)(int))
{
	struct wb_batch all, tail;
	bool have_all = false, have_tail = false;
	int ret = real(fd), err = errno;

	if (wb_slot_lock(slot)) {
		have_all = wb_pipe_take_all(&file->pipe, &all);
		if (ret == 0)
			have_tail = wb_pipe_take_pending(&file->pipe, &tail);
		wb_slot_unlock(slot);
	}
	if (have_all)
		wb_inflight_sub(file->device, all.bytes);
	if (ret == 0 && wb_cfg.drop) {
		if (have_tail)
			wb_batch_merge(&all, &tail);
		/* fadvise drops clean pages only: a page dirtied again meanwhile stays. */
		for (unsigned int i = 0; i < all.count; i++) {
			uint64_t from = wb_drop_start(all.extent[i].start, file->pipe.low);
			(void)wb_sys_fadvise_dontneed(fd, from, all.extent[i].end - from);
		}
	}
	errno = err;
	return ret;
}

int wb_track_sync(int fd, struct wb_slot *slot, int (*real)(int))
{
	struct wb_file *file = slot->file;
	bool act = file->driven && wb_identity_matches(fd, &file->id);
	struct wb_batch tail;
	bool have_tail = false;
	int saved = errno;
	int ret, err, latched;

	if (act && !file->id.remote && wb_settle_possible(fd)) {
		errno = saved;
		return wb_sync_settled(fd, slot, file, real);
	}
	if (act)
		wb_drain(fd, slot, file, 0);
	errno = saved; /* why: on success the program must find errno as it left it */
	ret = real(fd);
	err = errno;
	if (act && ret == 0 && wb_cfg.drop && wb_slot_lock(slot)) {
		/* The tail is on disk now: drop it like every other chunk. */
		have_tail = wb_pipe_take_pending(&file->pipe, &tail);
		wb_slot_unlock(slot);
		if (have_tail)
			wb_batch_drop(&wb_kernel_ops, fd, &tail);
	}
	latched = __atomic_exchange_n(&file->latched, 0, __ATOMIC_ACQ_REL);
	if (ret == 0 && latched) {
		ret = -1;
		err = latched;
	}
	errno = err;
	return ret;
}
