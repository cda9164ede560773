/* Policy of the write-family doors. The untracked path is: look up the slot, see
 * WB_IGNORED, call the real function; no lock, no system call of ours. */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <stdint.h>

#include "fdnote.h"
#include "fdtable.h"
#include "init.h"
#include "real.h"
#include "track.h"

#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif
#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif
#ifndef RWF_SYNC
#define RWF_SYNC 0x00000004
#endif
#ifndef RWF_DONTCACHE
#define RWF_DONTCACHE 0x00000080
#endif

static inline bool wb_passes(const struct wb_slot *slot)
{
	return slot && wb_slot_class(slot) == WB_IGNORED;
}

ssize_t wb_write(int fd, const void *buf, size_t len)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_passes(slot))
		return real_write(fd, buf, len);
	ret = real_write(fd, buf, len);
	if (ret > 0)
		wb_track_wrote(fd, slot, WB_AT_CURSOR, (uint64_t)ret);
	return ret;
}

ssize_t wb_pwrite(int fd, const void *buf, size_t len, off_t off, wb_pwrite_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_passes(slot))
		return real(fd, buf, len, off);
	ret = real(fd, buf, len, off);
	if (ret > 0)
		wb_track_wrote(fd, slot, off, (uint64_t)ret);
	return ret;
}

ssize_t wb_writev(int fd, const struct iovec *iov, int cnt)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_passes(slot))
		return real_writev(fd, iov, cnt);
	ret = real_writev(fd, iov, cnt);
	if (ret > 0)
		wb_track_wrote(fd, slot, WB_AT_CURSOR, (uint64_t)ret);
	return ret;
}

ssize_t wb_pwritev(int fd, const struct iovec *iov, int cnt, off_t off, wb_pwritev_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_passes(slot))
		return real(fd, iov, cnt, off);
	ret = real(fd, iov, cnt, off);
	if (ret > 0)
		wb_track_wrote(fd, slot, off, (uint64_t)ret);
	return ret;
}

ssize_t wb_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags,
		    wb_pwritev2_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	int64_t at = off == -1 ? WB_AT_CURSOR : off;
	ssize_t ret;

	if (wb_passes(slot))
		return real(fd, iov, cnt, off, flags);
	ret = real(fd, iov, cnt, off, flags);
	if (ret <= 0)
		return ret;
	/* The kernel already writes these back itself before returning (or, for
	 * RWF_DONTCACHE, as soon as it can, and drops them): nothing to pace. */
	if (flags & (RWF_DSYNC | RWF_SYNC | RWF_DONTCACHE))
		return ret;
	if (flags & RWF_APPEND)
		at = WB_AT_EOF;
	wb_track_wrote(fd, slot, at, (uint64_t)ret);
	return ret;
}

off_t wb_lseek(int fd, off_t off, int whence, wb_lseek_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	off_t ret = real(fd, off, whence);

	/* Remember the offset, nothing more: a seek never waits (muxers seek back to
	 * patch a header after every cluster). */
	if (ret >= 0 && slot && wb_slot_class(slot) == WB_TRACKED)
		wb_track_seeked(slot, ret);
	else if (slot)
		wb_slot_forget_seen(slot, WB_SEEN_AT_ZERO); /* its first write is not at 0 */
	return ret;
}

int wb_close(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	int latched = 0;
	int ret;

	if (!slot)
		return real_close(fd);
	switch (wb_slot_class(slot)) {
	case WB_TRACKED:
		if (wb_vforked())
			return real_close(fd); /* the slot is the parent's: leave it as it is */
		latched = wb_track_close(fd, slot, "close");
		break;
	case WB_IGNORED:
	case WB_UNKNOWN:
		/* The number may come back as another kind of file, from a call we
		 * do not see: what the open door saw is about this one only. */
		wb_slot_reset(slot);
		wb_fd_note_forget(fd);
		break;
	}
	ret = real_close(fd);
	if (ret == 0 && latched) {
		/* (No cachestat only.) Our WAIT_AFTERs consumed a writeback error the
		 * program would otherwise have had a chance to see; close() is its last
		 * chance. The fd is closed. */
		errno = latched;
		ret = -1;
	}
	return ret;
}

int wb_sync(int fd, wb_sync_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);

	if (!slot || wb_slot_class(slot) != WB_TRACKED)
		return real(fd);
	return wb_track_sync(fd, slot, real);
}
