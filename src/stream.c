/* stdio policy: sampling the kernel's offset behind glibc's hidden writes. */
#define _GNU_SOURCE
#include "stream.h"

#include <errno.h>

#include "fdtable.h"
#include "init.h"
#include "track.h"

__thread unsigned int wb_stdio_countdown __attribute__((tls_model("initial-exec")));

/* glibc's FILE layout (struct _IO_FILE) is public and stable ABI; reading the
 * descriptor and buffer pointers directly avoids a locking call per byte. */
static inline int wb_stdio_fd(FILE *fp)
{
	return fp ? fp->_fileno : -1;
}

/* Bytes in the stream's buffer not yet handed to the kernel. */
static uint64_t wb_stdio_buffered(FILE *fp)
{
	if (!fp || !fp->_IO_write_ptr || fp->_IO_write_ptr <= fp->_IO_write_base)
		return 0;
	return (uint64_t)(fp->_IO_write_ptr - fp->_IO_write_base);
}

static struct wb_slot *wb_stdio_slot(FILE *fp, int *fd)
{
	*fd = wb_stdio_fd(fp);
	return wb_slot_peek(*fd);
}

void wb_stdio_wrote(FILE *fp, uint64_t bytes)
{
	int fd, saved;
	struct wb_slot *slot = wb_stdio_slot(fp, &fd);
	struct wb_file *file;
	uint64_t unsampled;

	if ((slot && wb_slot_class(slot) == WB_IGNORED) || fd < 0)
		return;
	saved = errno;
	if (!slot || wb_slot_class(slot) != WB_TRACKED) {
		/* First stdio write on this fd: classify, and take the current offset as
		 * the baseline from which the stream's flushes will be measured. */
		slot = wb_track_destination(fd);
		if (slot)
			wb_track_resync(fd, slot);
		errno = saved;
		return;
	}
	file = slot->file;
	/* Relaxed load and store, no read-modify-write: a lost update between
	 * threads only delays the next sample. */
	unsampled = __atomic_load_n(&file->stdio_unsampled, __ATOMIC_RELAXED) + bytes;
	if (unsampled < wb_cfg.chunk / 8) {
		__atomic_store_n(&file->stdio_unsampled, unsampled, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&file->stdio_unsampled, 0, __ATOMIC_RELAXED);
	wb_track_sample(fd, slot, 0);
	errno = saved;
}

void wb_stdio_tick_slow(FILE *fp)
{
	wb_stdio_countdown = WB_STDIO_TICK - 1;
	wb_stdio_wrote(fp, WB_STDIO_TICK);
}

void wb_stdio_before_move(FILE *fp)
{
	int fd;
	struct wb_slot *slot = wb_stdio_slot(fp, &fd);

	if (slot && wb_slot_class(slot) == WB_TRACKED)
		wb_track_sample(fd, slot, wb_stdio_buffered(fp));
}

void wb_stdio_after_move(FILE *fp)
{
	int fd;
	struct wb_slot *slot = wb_stdio_slot(fp, &fd);

	if (slot && wb_slot_class(slot) == WB_TRACKED)
		wb_track_resync(fd, slot);
}

int wb_stdio_before_close(FILE *fp, int *fd)
{
	struct wb_slot *slot = wb_stdio_slot(fp, fd);

	if (!slot || wb_slot_class(slot) != WB_TRACKED)
		return 0;
	/* The buffer is flushed by fclose itself, after this: noted now, kicked by
	 * the next chunk or left to the kernel; at most one stdio buffer. */
	wb_track_sample(*fd, slot, wb_stdio_buffered(fp));
	return wb_track_close(*fd, slot, "fclose");
}

void wb_stdio_closed(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	if (slot && wb_slot_class(slot) != WB_UNKNOWN)
		wb_slot_set_class(slot, WB_UNKNOWN);
}

FILE *wb_stdio_opened(FILE *fp)
{
	if (fp)
		wb_stdio_closed(wb_stdio_fd(fp)); /* same reset: a new file on this number */
	return fp;
}

void wb_stdio_fd_wrote(int fd, int bytes)
{
	if (bytes > 0)
		wb_track_wrote(fd, NULL, WB_AT_CURSOR, (uint64_t)bytes);
}
