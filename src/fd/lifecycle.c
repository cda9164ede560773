/* fd lifecycle policy. */
#define _GNU_SOURCE
#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>

#include "fdtable.h"
#include "init.h"
#include "locks.h"
#include "track.h"

int wb_fd_opened(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	enum wb_class class;

	if (!slot || (class = wb_slot_class(slot)) == WB_UNKNOWN)
		return fd;
	if (class == WB_TRACKED && wb_vforked())
		return fd; /* a vfork child's dup2: the slot is the parent's */
	wb_slot_set_class(slot, WB_UNKNOWN);
	return fd;
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

	if (!slot || wb_slot_class(slot) != WB_TRACKED)
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
