/* Drop-behind of big sequential reads: following a file's reads, looking at who
 * cached each piece of each chunk, dropping ours behind the reader. The plain
 * logic (what to look at, what to drop) is core/readstep.c. */
#define _GNU_SOURCE
#include "readbehind.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "classify.h"
#include "init.h"
#include "keeperrno.h"
#include "log.h"
#include "offset.h"
#include "readowner.h"
#include "readstep.h"
#include "real.h"
#include "track.h"

/* stdio reads are seen through a sample of the file offset (one lseek) every
 * chunk/this bytes the program took from the stream. */
#define WB_READ_SAMPLE_SHARE 8U

/* ---- the kernel's side: looks (readowner.c) and drops ---- */

/* Look at chunks [from, to) and record which of their pieces are ours, unless
 * the stream restarted meanwhile (the answers would be about other chunks). */
static void wb_read_look(int fd, struct wb_slot *slot, uint64_t from, uint64_t to,
			 uint32_t epoch)
{
	struct wb_read *r = &slot->file->read;
	uint64_t size = r->size, chunk = wb_cfg.chunk, piece = wb_read_piece(chunk);
	uint16_t ours[WB_READ_RING];
	bool any = false;

	if (to - from > WB_READ_RING)
		to = from + WB_READ_RING;
	for (uint64_t c = from; c < to; c++) {
		ours[c - from] = r->ours ? WB_READ_ALL_PIECES
					 : (uint16_t)wb_range_uncached(fd, c * chunk, chunk, piece, size);
		any = any || ours[c - from];
	}
	if (!any || !wb_slot_lock(slot))
		return;
	if (r->epoch == epoch)
		for (uint64_t c = from; c < to; c++)
			if (ours[c - from])
				wb_ring_set(r, c, ours[c - from]);
	wb_slot_unlock(slot);
}

static void wb_read_drop(int fd, struct wb_slot *slot, const struct wb_read_plan *plan)
{
	struct wb_file *file = slot->file;
	uint64_t from, to;

	/* The fd may have been closed and reused behind our back: never drop another
	 * file's pages. */
	if (!wb_identity_matches(fd, &file->id)) {
		wb_slot_set_class(slot, WB_UNKNOWN);
		return;
	}
	if (plan->first_drop)
		wb_read_remember(file->id.dev, file->id.ino);
	for (unsigned int at = 0; wb_read_plan_run(plan, wb_cfg.chunk, &at, &from, &to);) {
		wb_log(WB_LOG_DEBUG, "fd %d: read behind, dropping %llu+%llu", fd,
		       (unsigned long long)from, (unsigned long long)(to - from));
		(void)wb_sys_fadvise_dontneed(fd, from, to - from);
		wb_stats_add(&wb_totals.read_dropped, to - from);
	}
}

/* The file's type, identity and size: from the classification this very read
 * just made (`fresh`), which asked the kernel a moment ago, else from the kernel. */
static bool wb_read_stat(int fd, const struct wb_file *file, bool fresh, struct stat *st)
{
	if (!fresh)
		return wb_sys_fstat(fd, st) == 0;
	memset(st, 0, sizeof(*st));
	st->st_mode = file->id.blockdev ? S_IFBLK : S_IFREG;
	st->st_dev = file->id.dev;
	st->st_ino = file->id.ino;
	st->st_size = (off_t)file->id.size;
	return true;
}

/* First read of a tracked fd since it got its file: decide, and take the clean
 * first looks before this read brings anything in. */
static void wb_read_start(int fd, struct wb_slot *slot, int64_t at, size_t len, bool fresh)
{
	struct wb_file *file = slot->file;
	struct wb_read *r = &file->read;
	unsigned char mode = WB_READ_OFF;
	uint64_t start = 0, chunk = wb_cfg.chunk;
	struct wb_read_plan plan;
	struct stat st;
	bool ours = false;

	if (file->id.remote || !wb_read_stat(fd, file, fresh, &st) || !S_ISREG(st.st_mode) ||
	    st.st_dev != file->id.dev || st.st_ino != file->id.ino ||
	    (uint64_t)st.st_size <= WB_READ_AFTER_CHUNKS * chunk ||
	    wb_read_seen(st.st_dev, st.st_ino))
		goto decided; /* not ours to handle, small, or read a second time */
	if (at >= 0) {
		start = (uint64_t)at;
	} else {
		off_t cursor = real_lseek(fd, 0, SEEK_CUR);
		if (cursor < 0)
			goto decided;
		start = (uint64_t)cursor;
	}
	ours = wb_written_here(st.st_dev, st.st_ino);
	if (!ours && !wb_cachestat_usable())
		goto decided;
	mode = WB_READ_FOLLOW;
decided:
	if (!wb_slot_lock(slot))
		return; /* a handler inside our own thread: the next read decides */
	if (__atomic_load_n(&r->mode, __ATOMIC_RELAXED) != WB_READ_NEW) {
		wb_slot_unlock(slot); /* another thread was first */
		return;
	}
	memset(&plan, 0, sizeof(plan));
	if (mode == WB_READ_FOLLOW) {
		r->ours = ours;
		r->size = (uint64_t)st.st_size;
		r->next = start;
		r->streak = 0;
		r->dropped = r->looked = start / chunk;
		__atomic_store_n(&r->sample_due, chunk / WB_READ_SAMPLE_SHARE, __ATOMIC_RELAXED);
		wb_read_claim(r, wb_clean_from(start + len, chunk) + 1, &plan);
		if (!wb_offset_known(file) && at < 0)
			wb_offset_set(file, start);
	}
	__atomic_store_n(&r->mode, mode, __ATOMIC_RELEASE);
	wb_slot_unlock(slot);
	if (mode == WB_READ_FOLLOW) {
		wb_log(WB_LOG_DEBUG, "fd %d: read side following %llu bytes%s", fd,
		       (unsigned long long)st.st_size, ours ? " (written here)" : "");
		wb_read_look(fd, slot, plan.look_from, plan.look_to, plan.epoch);
	}
}

/* Reads before classification. An fd whose reads stay within a piece (the whole
 * of a small file in a tree copy, a short message on a socket) is never
 * classified by the read side: it could not be followed anyway. A bigger file is
 * classified once its reads pass a piece; what they brought in by then is left
 * cached, as if it had been cached before. */
static uint64_t wb_read_early_room(const struct wb_slot *slot)
{
	uint64_t piece = wb_read_piece(wb_cfg.chunk);
	uint64_t early = __atomic_load_n(&slot->early, __ATOMIC_RELAXED);

	return early < piece ? piece - early : 0;
}

size_t wb_read_first_piece(int fd, size_t want)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	uint64_t room;

	if (!wb_ready() || !wb_cfg.read || (slot && wb_slot_class(slot) != WB_UNKNOWN))
		return want;
	room = slot ? wb_read_early_room(slot) : wb_read_piece(wb_cfg.chunk);
	return room && room < want ? (size_t)room : want;
}

struct wb_slot *wb_read_before(int fd, struct wb_slot *slot, int64_t at, size_t len)
{
	int saved;
	unsigned char mode;
	bool fresh = false;

	if (!wb_ready() || !wb_cfg.read)
		return NULL;
	if (!slot || wb_slot_class(slot) != WB_TRACKED) {
		if (slot && wb_slot_class(slot) == WB_IGNORED)
			return NULL;
		if (len && (slot || (slot = wb_slot_get(fd))) && len <= wb_read_early_room(slot) &&
		    wb_slot_class(slot) == WB_UNKNOWN)
			return slot; /* counted by wb_read_after(), not classified */
		slot = wb_track_destination(fd); /* classifies; keeps errno */
		if (!slot)
			return NULL;
		fresh = true;
	}
	mode = __atomic_load_n(&slot->file->read.mode, __ATOMIC_ACQUIRE);
	if (mode == WB_READ_NEW) {
		saved = errno;
		wb_read_start(fd, slot, at, len, fresh);
		errno = saved;
		mode = __atomic_load_n(&slot->file->read.mode, __ATOMIC_ACQUIRE);
	}
	return mode == WB_READ_FOLLOW ? slot : NULL;
}

/* With the slot lock held (released here): a read of `got` bytes at `start`. */
static void wb_read_account(int fd, struct wb_slot *slot, uint64_t start, uint64_t got,
			    bool eof)
{
	struct wb_read *r = &slot->file->read;
	struct wb_read_plan plan;
	bool follow;

	/* A program that reads exactly the size never sees the 0 of end of file. */
	eof = eof || start + got >= r->size;
	follow = wb_read_step(r, wb_cfg.chunk, start, got, eof, &plan);
	if (!follow)
		__atomic_store_n(&r->mode, WB_READ_OFF, __ATOMIC_RELEASE);
	wb_slot_unlock(slot);
	if (!follow) {
		wb_log(WB_LOG_DEBUG, "fd %d: read again from the start; left cached", fd);
		return;
	}
	if (plan.look_to > plan.look_from)
		wb_read_look(fd, slot, plan.look_from, plan.look_to, plan.epoch);
	if (plan.drop_chunks)
		wb_read_drop(fd, slot, &plan);
}

static bool wb_read_following(struct wb_slot *slot)
{
	return __atomic_load_n(&slot->file->read.mode, __ATOMIC_ACQUIRE) == WB_READ_FOLLOW &&
	       wb_slot_class(slot) == WB_TRACKED;
}

void wb_read_after(int fd, struct wb_slot *slot, int64_t at, size_t len, ssize_t got)
{
	struct wb_file *file = slot->file;
	WB_KEEP_ERRNO;
	int64_t cursor;
	uint64_t start;

	if (wb_slot_class(slot) != WB_TRACKED) { /* a read before classification */
		if (got > 0) {
			__atomic_add_fetch(&slot->early, (unsigned int)(got < INT32_MAX ? got : INT32_MAX),
					   __ATOMIC_RELAXED);
			if (at < 0) /* the offset moved: not at 0 any more */
				wb_slot_forget_seen(slot, WB_SEEN_AT_ZERO);
		}
		return;
	}
	if (got < 0 || (got == 0 && len == 0) || !wb_read_following(slot))
		return;
	if (!wb_offset_ask(fd, file, at, &cursor))
		return;
	if (!wb_slot_lock(slot))
		return; /* a handler interrupted us: the next read restarts the stream */
	/* The write side's cached offset: reads move it too. */
	if (!wb_offset_start(file, at, cursor, (uint64_t)got, &start)) {
		wb_slot_unlock(slot);
		return;
	}
	wb_read_account(fd, slot, start, (uint64_t)got, got == 0);
}

void wb_read_sampled(int fd, struct wb_slot *slot, uint64_t bytes, bool eof)
{
	struct wb_file *file = slot->file;
	struct wb_read *r = &file->read;
	WB_KEEP_ERRNO;
	uint64_t from;
	off_t now;

	if (!wb_read_following(slot))
		return;
	if (!eof && __atomic_add_fetch(&r->unsampled, bytes, __ATOMIC_RELAXED) <
			    __atomic_load_n(&r->sample_due, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&r->unsampled, 0, __ATOMIC_RELAXED);
	now = real_lseek(fd, 0, SEEK_CUR);
	if (now < 0 || !wb_slot_lock(slot))
		return;
	/* stdio read [pos, now) into its buffer; the write side's fseek doors keep
	 * pos where the program moved the offset. */
	from = wb_offset_known(file) ? file->pos : (uint64_t)now;
	if (from > (uint64_t)now)
		from = (uint64_t)now;
	wb_offset_set(file, (uint64_t)now);
	/* Programs that stop at the last line (a getc, not another getline) never
	 * see end of file through us: reaching the size is end of file enough. */
	eof = eof || (uint64_t)now >= r->size;
	/* Sample again after chunk/8 bytes, or when the program may have had the
	 * last byte (stdio's buffer is ahead of it by at most what it read). */
	__atomic_store_n(&r->sample_due,
			 eof || r->size - (uint64_t)now >= wb_cfg.chunk / WB_READ_SAMPLE_SHARE
				 ? wb_cfg.chunk / WB_READ_SAMPLE_SHARE
				 : r->size - (uint64_t)now,
			 __ATOMIC_RELAXED);
	wb_read_account(fd, slot, from, (uint64_t)now - from, eof);
}
