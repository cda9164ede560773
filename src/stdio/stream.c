/* stdio policy: what the kernel received, from the stream's buffer (stream.h). */
#define _GNU_SOURCE
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fdnote.h"
#include "fdtable.h"
#include "init.h"
#include "keeperrno.h"
#include "track.h"

/* glibc's stream flags (libio.h; stable ABI, not in the public headers). */
#define WB_IO_NO_READS 0x0004          /* opened write-only */
#define WB_IO_CURRENTLY_PUTTING 0x0800 /* the buffer holds output */

__thread unsigned int wb_stdio_countdown __attribute__((tls_model("initial-exec")));

/* Bytes in the stream's buffer not yet handed to the kernel. */
static uint64_t wb_stdio_buffered(const FILE *fp)
{
	if (!fp->_IO_write_ptr || fp->_IO_write_ptr <= fp->_IO_write_base)
		return 0;
	return (uint64_t)(fp->_IO_write_ptr - fp->_IO_write_base);
}

/* The tracked slot of the stream's fd, classifying it on first use. */
static struct wb_slot *wb_stdio_slot(FILE *fp, int *fd)
{
	struct wb_slot *slot;

	*fd = fp ? fp->_fileno : -1;
	if (*fd < 0)
		return NULL;
	slot = wb_slot_peek(*fd);
	if (slot && wb_slot_class(slot) == WB_TRACKED)
		return slot;
	if (slot && wb_slot_class(slot) == WB_IGNORED)
		return NULL;
	return wb_track_destination(*fd);
}

bool wb_stdio_enter(FILE *fp, struct wb_stdio_call *call)
{
	uint64_t held;

	call->slot = wb_stdio_slot(fp, &call->fd);
	if (!call->slot)
		return false;
	call->before = wb_stdio_buffered(fp);
	call->reading = !(fp->_flags & WB_IO_CURRENTLY_PUTTING) && !(fp->_flags & WB_IO_NO_READS);
	held = __atomic_load_n(&call->slot->file->stdio_held, __ATOMIC_RELAXED);
	if (call->before < held) /* flushed where no door saw it, at the cached offset */
		wb_track_wrote(call->fd, call->slot, WB_AT_CURSOR, held - call->before);
	return true;
}

void wb_stdio_leave(FILE *fp, const struct wb_stdio_call *call, uint64_t given, bool ok)
{
	uint64_t after = wb_stdio_buffered(fp);
	uint64_t sent = given + call->before;

	if (!ok) {
		/* A failed call may have written part of what it was given: ask. */
		wb_track_sample(call->fd, call->slot, 0);
	} else {
		if (call->reading)
			wb_track_forget_offset(call->slot); /* glibc may have moved it */
		if (sent > after)
			wb_track_wrote(call->fd, call->slot, WB_AT_CURSOR, sent - after);
	}
	__atomic_store_n(&call->slot->file->stdio_held, after, __ATOMIC_RELAXED);
}

void wb_stdio_moved(const struct wb_stdio_call *call)
{
	wb_track_resync(call->fd, call->slot);
}

void wb_stdio_tick_slow(FILE *fp)
{
	WB_KEEP_ERRNO;
	int fd;
	struct wb_slot *slot;
	struct wb_file *file;
	uint64_t unsampled;

	wb_stdio_countdown = WB_STDIO_TICK - 1;
	slot = wb_stdio_slot(fp, &fd);
	if (!slot)
		return;
	file = slot->file;
	/* Relaxed load and store, no read-modify-write: a lost update between
	 * threads only delays the next sample. */
	unsampled = __atomic_load_n(&file->stdio_unsampled, __ATOMIC_RELAXED) + WB_STDIO_TICK;
	if (unsampled < wb_cfg.chunk / 8) {
		__atomic_store_n(&file->stdio_unsampled, unsampled, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&file->stdio_unsampled, 0, __ATOMIC_RELAXED);
	wb_track_sample(fd, slot, 0);
	__atomic_store_n(&file->stdio_held, wb_stdio_buffered(fp), __ATOMIC_RELAXED);
}

int wb_stdio_before_close(FILE *fp, int *fd)
{
	struct wb_slot *slot = fp ? wb_slot_peek(fp->_fileno) : NULL;
	struct wb_stdio_call call;

	*fd = fp ? fp->_fileno : -1;
	if (!slot || wb_slot_class(slot) != WB_TRACKED || !wb_stdio_enter(fp, &call))
		return 0;
	/* fclose writes the buffer after this, at the kernel's offset: note it now,
	 * then drain. (A closed file still kept is kicked again if found dirty.) */
	if (call.before)
		wb_track_pending(*fd, slot, call.before);
	return wb_track_close(*fd, slot, "fclose");
}

void wb_stdio_closed(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	if (slot)
		wb_slot_reset(slot);
	wb_fd_note_forget(fd);
}

FILE *wb_stdio_opened(FILE *fp, const char *path, const char *mode)
{
	if (!fp)
		return fp;
	wb_stdio_closed(fp->_fileno); /* same reset: a new file on this number */
	/* Its name, for the closed-file queue, if it may be written. */
	if (path && mode && strpbrk(mode, "wa+") && wb_slot_peek(fp->_fileno))
		wb_fd_name_opened(fp->_fileno, AT_FDCWD, path, false);
	return fp;
}

void wb_stdio_fd_wrote(int fd, int bytes)
{
	if (bytes > 0)
		wb_track_wrote(fd, NULL, WB_AT_CURSOR, (uint64_t)bytes);
}
