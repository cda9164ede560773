/* Driving one tracked fd's pipeline. */
#define _GNU_SOURCE
#include "track.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "classify.h"
#include "init.h"
#include "keep.h"
#include "log.h"
#include "pace.h"
#include "real.h"

static const struct wb_ops *const wb_ops = &wb_kernel_ops;

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

static void wb_failed(int fd, struct wb_slot *slot, struct wb_file *file, int err,
		      bool from_wait)
{
	switch (wb_classify_error(err, from_wait)) {
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
		wb_latch(fd, file, err);
		break;
	}
}

static void wb_kick(int fd, struct wb_slot *slot, struct wb_file *file,
		    const struct wb_batch *batch)
{
	int err = wb_batch_kick(wb_ops, fd, batch);

	wb_inflight_add(batch->bytes);
	wb_stats_add(&file->stats.chunks, 1);
	wb_log(WB_LOG_DEBUG, "fd %d: kick %llu bytes at %llu", fd, (unsigned long long)batch->bytes,
	       (unsigned long long)batch->extent[0].start);
	if (err)
		wb_failed(fd, slot, file, err, false);
}

static void wb_wait(int fd, struct wb_slot *slot, struct wb_file *file,
		    const struct wb_batch *batch)
{
	uint64_t start, took;
	int err;

	if (file->id.remote) {
		/* A wait is a round trip to a server that may be slow or gone: never make
		 * the program hang where it would not have. Drop what already finished. */
		if (wb_cfg.drop)
			wb_batch_drop(wb_ops, fd, batch);
		wb_inflight_sub(batch->bytes);
		return;
	}
	start = wb_now_ns();
	err = wb_batch_wait(wb_ops, fd, batch, wb_cfg.drop, file->pipe.low);
	took = wb_now_ns() - start;
	wb_inflight_sub(batch->bytes);
	wb_log(WB_LOG_DEBUG, "fd %d: waited %.1f ms for %llu bytes at %llu%s%s", fd,
	       (double)took / 1e6, (unsigned long long)batch->bytes,
	       (unsigned long long)batch->extent[0].start, wb_cfg.drop && !err ? ", dropped" : "",
	       err ? ", failed" : "");
	wb_stats_add(&file->stats.waits, 1);
	wb_stats_add(&file->stats.wait_ns, took);
	wb_stats_max(&file->stats.wait_ns_max, took);
	if (err)
		wb_failed(fd, slot, file, err, true);
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
		wb_inflight_sub(file->pipe.inflight); /* chunks of a file forgotten on this slot */
		memset(file, 0, sizeof(*file) - sizeof(file->pipe));
		file->id = id;
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
 * a settled slice returns at once, and still collects its error for fsync/close. */
static uint64_t wb_reap(int fd, struct wb_slot *slot, struct wb_file *file)
{
	uint64_t slice = wb_cfg.chunk / WB_SLICES_PER_CHUNK, reaped = wb_keep_reap();
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

/* Backpressure in small steps. Past the soft line (pace.h), on a disk slow
 * enough for it, the write of `len` bytes first drops what has completed; if the
 * process is still past the line, it sleeps for its share of the disk's measured
 * rate and looks again. Past the budget, with this writer's `pending` (unkicked)
 * bytes, it waits for the oldest closed files, then for this file's oldest chunk
 * a slice at a time, until the process fits again. What it finds or waits for
 * measures the rate. */
static void wb_pace(int fd, struct wb_slot *slot, struct wb_file *file, uint64_t pending,
		    uint64_t len)
{
	struct wb_batch oldest;
	uint64_t x = __atomic_load_n(&wb_inflight, __ATOMIC_RELAXED) + pending, done = 0;
	bool got;

	if (x <= wb_pace_soft())
		return;
	if (!file->id.remote && wb_pace_timed(wb_cfg.chunk / WB_SLICES_PER_CHUNK) &&
	    wb_pace_can_poll(fd)) {
		if (wb_pace_reap_due(len)) {
			done += wb_reap(fd, slot, file);
			x = __atomic_load_n(&wb_inflight, __ATOMIC_RELAXED) + pending;
		}
		if (wb_pace_sleep(len, x))
			done += wb_reap(fd, slot, file);
	}
	if (wb_budget_over(pending)) {
		done += wb_keep_settle(pending);
		while (wb_budget_over(pending)) {
			if (!wb_slot_lock(slot))
				break;
			got = wb_pipe_take_oldest_slice(
				&file->pipe, wb_cfg.chunk / WB_SLICES_PER_CHUNK, &oldest);
			wb_slot_unlock(slot);
			if (!got)
				break; /* the rest is other open files': theirs to wait for */
			wb_wait(fd, slot, file, &oldest);
			done += oldest.bytes;
		}
		wb_pace_waited(); /* time spent waiting is not the writer's to spend */
	}
	if (done)
		wb_pace_completed(done);
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

/* What close() does with a file's chunks still in flight. */
static void wb_hand_over(int fd, struct wb_slot *slot, struct wb_file *file, uint64_t start,
			 uint64_t end, uint64_t bytes)
{
	if (bytes == 0)
		return;
	switch (file->id.remote ? WB_KEEP_REFUSED : wb_keep_file(fd, &file->id, start, end, bytes)) {
	case WB_KEEP_KEPT:
		wb_keep_settle(0); /* the process may be over budget now: oldest first */
		return;
	case WB_KEEP_UNLINKED:
		wb_inflight_sub(bytes); /* its pages go with its last reference */
		return;
	case WB_KEEP_REFUSED:
		break;
	}
	/* Not kept (a block device, a server, no cachestat): wait here, on the
	 * program's own fd, so that an error found is reported by this close. */
	struct wb_batch all = { .count = 1, .bytes = bytes, .extent = { { start, end } } };
	wb_wait(fd, slot, file, &all);
}

int wb_track_close(int fd, struct wb_slot *slot, const char *why)
{
	struct wb_file *file = slot->file;
	int saved = errno;
	struct wb_batch tail;
	bool have_tail = false, act = false;
	uint64_t start, end, bytes = 0;
	int latched;

	/* A file takes part once the process has written more than a chunk in all
	 * (budget.h): then every file, whatever its size; before, only big ones. */
	if (wb_slot_lock(slot)) {
		act = file->driven || (file->pipe.pending_bytes && wb_budget_writer());
		if (act) {
			bytes = wb_pipe_take_all(&file->pipe, &start, &end);
			have_tail = wb_pipe_take_pending(&file->pipe, &tail);
			if (have_tail) {
				wb_batch_span(&tail, &start, &end);
				bytes += tail.bytes;
			}
		}
		wb_slot_unlock(slot);
	}
	if (act && wb_identity_matches(fd, &file->id)) {
		/* Start the tail; then the file joins the process-wide queue behind the
		 * open files, and close() returns without waiting for it. */
		if (have_tail)
			wb_kick(fd, slot, file, &tail);
		wb_hand_over(fd, slot, file, start, end, bytes);
	} else if (act) {
		wb_inflight_sub(bytes - (have_tail ? tail.bytes : 0)); /* never kicked: not counted */
	}
	latched = __atomic_exchange_n(&file->latched, 0, __ATOMIC_ACQ_REL);
	if (file->stats.bytes)
		wb_stats_report(fd, &file->stats, why);
	wb_slot_set_class(slot, WB_UNKNOWN);
	errno = saved;
	return latched;
}

int wb_track_sync(int fd, struct wb_slot *slot, int (*real)(int))
{
	struct wb_file *file = slot->file;
	bool act = file->driven && wb_identity_matches(fd, &file->id);
	struct wb_batch tail;
	bool have_tail = false;
	int saved = errno;
	int ret, err, latched;

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
			wb_batch_drop(wb_ops, fd, &tail);
	}
	latched = __atomic_exchange_n(&file->latched, 0, __ATOMIC_ACQ_REL);
	if (ret == 0 && latched) {
		ret = -1;
		err = latched;
	}
	errno = err;
	return ret;
}
