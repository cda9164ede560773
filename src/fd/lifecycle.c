/* fd lifecycle policy. */
#define _GNU_SOURCE
#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fdnote.h"
#include "fdtable.h"
#include "init.h"
#include "locks.h"
#include "track.h"

int wb_fd_opened(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	enum wb_class class;

	if (!slot)
		return fd;
	class = wb_slot_class(slot);
	if (class == WB_TRACKED && wb_vforked())
		return fd; /* a vfork child's dup2: the slot is the parent's */
	wb_slot_reset(slot);
	wb_fd_note_forget(fd);
	return fd;
}

int wb_fd_opened_at(int fd, int dirfd, const char *path, int flags)
{
	struct wb_slot *slot;
	unsigned char seen = WB_SEEN_FLAGS;
	bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE; /* O_TMPFILE has O_DIRECTORY's bit */
	bool dir = !tmpfile && (flags & (O_DIRECTORY | O_PATH)) != 0;

	/* Only where the table has a page already: a process that never writes a
	 * file pays no mmap for this. */
	if (wb_fd_opened(fd) < 0 || !(slot = wb_slot_peek(fd)))
		return fd;
	/* Its name, for the closed-file queue: of what may be written, and of the
	 * directories names are opened relative to (rsync's O_PATH ones). */
	if (dir || ((flags & O_ACCMODE) != O_RDONLY && !tmpfile))
		wb_fd_name_opened(fd, dirfd, path, dir);
	if (flags & O_PATH)
		return fd;
	if (flags & O_APPEND)
		seen |= WB_SEEN_APPEND;
	if (flags & O_DIRECT)
		seen |= WB_SEEN_DIRECT;
	if (flags & O_DSYNC) /* O_SYNC includes the O_DSYNC bit */
		seen |= WB_SEEN_DSYNC;
	/* Every open starts at offset 0. A write-only fd cannot be read, nor can a
	 * file this very open created empty (O_CREAT|O_EXCL) before something is
	 * written to it, so until the first write only a seek can move the offset,
	 * and the lseek door clears this; an appending one writes at end of file. */
	if (!(flags & O_APPEND) &&
	    ((flags & O_ACCMODE) == O_WRONLY ||
	     ((flags & O_ACCMODE) == O_RDWR && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))))
		seen |= WB_SEEN_AT_ZERO;
	__atomic_store_n(&slot->seen, seen, __ATOMIC_RELAXED);
	return fd;
}

void wb_fd_shared(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	/* A write or fcntl through the other number would not be seen on this one. */
	if (slot)
		wb_slot_forget_seen(slot, 0xff);
}

void wb_fd_closing(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	if (!slot)
		return;
	if (wb_slot_class(slot) == WB_TRACKED) {
		if (wb_vforked())
			return; /* the child closes its own copy; the parent's file goes on */
		/* An implicit close reports nothing to the program; neither do we. */
		(void)wb_track_close(fd, slot, "implicit close");
	} else {
		wb_fd_opened(fd);
	}
}

void wb_fd_range_closing(unsigned int first, unsigned int last)
{
	if (last >= WB_MAX_FDS)
		last = WB_MAX_FDS - 1;
	for (unsigned int fd = first; fd <= last && fd >= first; fd++) {
		if (!wb_slot_peek((int)fd)) {
			fd |= WB_SLOTS_PER_PAGE - 1; /* no page: skip to its end */
			continue;
		}
		wb_fd_closing((int)fd);
	}
}

void wb_fd_flags_set(int fd, int flags)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	if (!slot)
		return;
	wb_slot_forget_seen(slot, 0xff); /* the flags changed (O_APPEND: no longer at 0) */
	if (wb_slot_class(slot) != WB_TRACKED)
		return;
	if (flags & O_DIRECT)
		wb_slot_set_class(slot, WB_IGNORED); /* the cache is bypassed from now on */
	else
		__atomic_store_n(&slot->file->id.append, (flags & O_APPEND) != 0, __ATOMIC_RELAXED);
}

void wb_fd_locking(int fd, int cmd, const void *arg)
{
	(void)fd;
	wb_locks_taking(cmd, arg);
}

void wb_fd_stat(int fd, const struct stat *st)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	/* Only what the first classification of a file we may drive can use. */
	if (slot && wb_slot_class(slot) == WB_UNKNOWN &&
	    (S_ISREG(st->st_mode) || S_ISBLK(st->st_mode)))
		wb_fd_stat_seen(fd, st);
}
