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
#include "fdnote.h"
#include "init.h"
#include "keep.h"
#include "keeperrno.h"
#include "log.h"
#include "offset.h"
#include "pace.h"
#include "real.h"
#include "settle.h"
#include "throttle.h"
#include "writeback.h"

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
			wb_offset_set(file, 0);
		wb_slot_set_class(slot, WB_TRACKED);
	}
	wb_slot_unlock(slot);
	return file;
}

/* The fd may have been closed and reused behind our back (fclose, dup2,
 * close_range): never act on another file's state. */
static bool wb_still_ours(int fd, struct wb_slot *slot, struct wb_file *file)
{
	if (wb_identity_matches(fd, &file->id))
		return true;
	wb_slot_set_class(slot, WB_UNKNOWN);
	wb_fd_note_forget(fd); /* replaced behind our back: its name is the old file's */
	return false;
}

/* A chunk is complete: validate, then kick it. */
static void wb_step(int fd, struct wb_slot *slot, struct wb_file *file)
{
	struct wb_batch kick, oldest;
	bool have_kick, have_oldest;

	if (!wb_still_ours(fd, slot, file))
		return;
	if (!wb_slot_lock(slot))
		return; /* still full: the next write retries */
	/* Room in the ring (pacing keeps it there unless chunks come in oversize). */
	have_oldest = wb_pipe_take_oldest(&file->pipe, file->pipe.depth, &oldest);
	have_kick = wb_pipe_take_kick(&file->pipe, &kick);
	file->driven = true;
	wb_slot_unlock(slot);
	if (have_oldest)
		wb_track_wait(fd, slot, file, &oldest);
	if (have_kick)
		wb_track_kick(fd, slot, file, &kick);
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
	struct wb_extent ahead;
	bool known, full, stepped;

	if (!file)
		return;
	if (at >= 0 && file->id.append)
		at = WB_AT_EOF; /* Linux appends even for pwrite on an O_APPEND fd */
	else if (at <= WB_AT_EXACT(0))
		at = WB_AT_EXACT(0) - at; /* where the kernel said it is, append or not */
	if (at == WB_AT_EOF) {
		/* Rare: appends with an explicit offset. The file's size says where. */
		struct stat st;
		if (wb_sys_fstat(fd, &st) != 0)
			return;
		at = (uint64_t)st.st_size >= len ? (int64_t)((uint64_t)st.st_size - len) : 0;
		wb_offset_forget(file);
	} else if (at == WB_AT_CURSOR && !wb_offset_known(file)) {
		/* Once per fd, and after a skipped step: learn the offset from the kernel. */
		cursor = real_lseek(fd, 0, SEEK_CUR);
		if (cursor < 0)
			return;
	}
	if (!wb_slot_lock(slot)) {
		/* A handler interrupted our own thread inside the shim: account nothing,
		 * and make the next write re-learn the offset. */
		wb_offset_forget(file);
		return;
	}
	known = wb_offset_start(file, at, cursor, len, &start);
	full = known && wb_pipe_note(&file->pipe, start, len);
	/* Only once the process is a writer (budget.h): before, files are the kernel's. */
	stepped = known && !full && wb_budget_writer() &&
		  wb_pipe_take_step(&file->pipe, WB_KICK_STEP, start + len, wb_page_size(), &ahead);
	file->stats.bytes += len; /* under the lock: no second atomic on the hot path */
	pending = file->pipe.pending_bytes;
	wb_slot_unlock(slot);
	wb_budget_wrote(len);
	wb_pace_wrote(file->device, len);
	if (full) {
		wb_step(fd, slot, file);
		pending = 0;
	} else if (stepped && wb_still_ours(fd, slot, file)) {
		wb_track_kick_step(fd, slot, file, &ahead);
	}
	wb_throttle(fd, slot, file, pending, len);
}

void wb_track_wrote(int fd, struct wb_slot *slot, int64_t at, uint64_t len)
{
	WB_KEEP_ERRNO;

	wb_note(fd, slot, at, len);
}

struct wb_slot *wb_track_destination(int fd)
{
	struct wb_slot *slot = NULL;
	WB_KEEP_ERRNO;
	struct wb_file *file = wb_file_of(fd, &slot);

	return file ? slot : NULL;
}

/* Move the cached offset to `now`; true (with *from) if that was forward from a
 * known offset, i.e. the bytes [*from, now) were written. Takes the slot lock. */
static bool wb_advance(struct wb_slot *slot, uint64_t now, uint64_t *from)
{
	struct wb_file *file = slot->file;
	bool forward;

	if (!wb_slot_lock(slot)) {
		wb_offset_forget(file);
		return false;
	}
	forward = wb_offset_known(file) && now > file->pos;
	*from = file->pos;
	wb_offset_set(file, now);
	wb_slot_unlock(slot);
	return forward;
}

void wb_track_sample(int fd, struct wb_slot *slot, uint64_t buffered)
{
	WB_KEEP_ERRNO;
	off_t now = real_lseek(fd, 0, SEEK_CUR);
	uint64_t from;

	if (now >= 0) {
		if (wb_advance(slot, (uint64_t)now, &from))
			wb_note(fd, slot, WB_AT_EXACT(from), (uint64_t)now - from);
		if (buffered && wb_advance(slot, (uint64_t)now + buffered, &from))
			wb_note(fd, slot, WB_AT_EXACT(from), buffered);
	}
}

void wb_track_pending(int fd, struct wb_slot *slot, uint64_t len)
{
	if (wb_offset_known(slot->file))
		wb_track_wrote(fd, slot, WB_AT_CURSOR, len);
	else
		wb_track_sample(fd, slot, len);
}

void wb_track_forget_offset(struct wb_slot *slot)
{
	wb_offset_forget(slot->file);
}

void wb_track_resync(int fd, struct wb_slot *slot)
{
	WB_KEEP_ERRNO;
	off_t now = real_lseek(fd, 0, SEEK_CUR);

	if (now >= 0)
		wb_track_seeked(slot, now);
}

void wb_track_seeked(struct wb_slot *slot, off_t pos)
{
	struct wb_file *file = slot->file;

	if (wb_slot_lock(slot)) {
		wb_offset_set(file, (uint64_t)pos);
		wb_slot_unlock(slot);
	} else {
		wb_offset_forget(file);
	}
}

/* Will close() hand this file to the closed-file queue, by name? Its identity is
 * then checked when it is opened again, not here. */
static bool wb_kept_by_name(int fd, const struct wb_file *file)
{
	return !file->id.remote && !file->id.blockdev && wb_settle_possible(fd);
}

/* What close() does with a file's chunks still in flight (`written`, kicked).
 * `checked`: the program's fd was seen to hold the file we classified. */
static void wb_hand_over(int fd, struct wb_slot *slot, struct wb_file *file,
			 struct wb_batch *written, bool checked)
{
	if (written->bytes == 0)
		return;
	if (wb_kept_by_name(fd, file)) {
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
	 * here, on the program's own fd, before its close, if it is still the file.
	 * Where waits settle this reports nothing; where they use WAIT_AFTER, an
	 * error found is reported by this close. */
	if (checked || wb_identity_matches(fd, &file->id))
		wb_track_wait(fd, slot, file, written);
	else
		wb_inflight_sub(file->device, written->bytes);
}

int wb_track_close(int fd, struct wb_slot *slot, const char *why)
{
	struct wb_file *file = slot->file;
	WB_KEEP_ERRNO;
	struct wb_batch tail, written;
	bool have_tail = false, act = false, checked = false;
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
	/* A file the queue will open again by name is checked then: an fd closed
	 * and reused behind our back at worst gets a harmless kick here. */
	if (act && !wb_kept_by_name(fd, file))
		checked = wb_identity_matches(fd, &file->id);
	if (act && (checked || wb_kept_by_name(fd, file))) {
		/* Start the tail; then the file joins its device's queue behind the
		 * open files, and close() returns without waiting for it. */
		if (have_tail) {
			wb_track_kick(fd, slot, file, &tail);
			wb_batch_merge(&written, &tail);
		}
		wb_hand_over(fd, slot, file, &written, checked);
	} else if (act) {
		wb_inflight_sub(file->device, written.bytes); /* the tail was never kicked: not counted */
	}
	latched = __atomic_exchange_n(&file->latched, 0, __ATOMIC_ACQ_REL);
	if (file->stats.bytes) {
		uint64_t rate = file->device ? wb_pace_rate(file->device) : 0;
		wb_stats_report(fd, &file->stats, why, rate,
				file->device ? wb_device_rate_from(file->device) : "guess");
	}
	wb_slot_set_class(slot, WB_UNKNOWN);
	wb_fd_note_forget(fd);
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
		wb_track_drain(fd, slot, file, 0);
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
