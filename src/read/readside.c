/* Policy of the read-family doors. The untracked path is: look up the slot, see
 * WB_IGNORED, call the real function; no lock, no system call of ours. Files are
 * handed to the drop-behind (readbehind.c) around the real call. */
#define _GNU_SOURCE
#include "readside.h"

#include <errno.h>
#include <stdbool.h>

#include "fdtable.h"
#include "init.h"
#include "readbehind.h"
#include "real_read.h"
#include "track.h"

static inline bool wb_read_passes(const struct wb_slot *slot)
{
	return slot && wb_slot_class(slot) == WB_IGNORED;
}

/* The read side is on (WBSHIM_READ, start-up done): else every read is a tail call. */
static inline bool wb_read_wanted(void)
{
	return wb_ready() && wb_cfg.read;
}

static size_t wb_iov_bytes(const struct iovec *iov, int cnt)
{
	size_t total = 0;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

ssize_t wb_read(int fd, void *buf, size_t len)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_read_passes(slot))
		return real_read(fd, buf, len);
	if (!wb_read_wanted() || !(slot = wb_read_before(fd, slot, WB_AT_CURSOR, len)))
		return real_read(fd, buf, len);
	ret = real_read(fd, buf, len);
	wb_read_after(fd, slot, WB_AT_CURSOR, len, ret);
	return ret;
}

ssize_t wb_pread(int fd, void *buf, size_t len, off_t off, wb_pread_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	ssize_t ret;

	if (wb_read_passes(slot) || off < 0)
		return real(fd, buf, len, off);
	if (!wb_read_wanted() || !(slot = wb_read_before(fd, slot, off, len)))
		return real(fd, buf, len, off);
	ret = real(fd, buf, len, off);
	wb_read_after(fd, slot, off, len, ret);
	return ret;
}

ssize_t wb_readv(int fd, const struct iovec *iov, int cnt)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	size_t len;
	ssize_t ret;

	if (wb_read_passes(slot) || cnt <= 0 || !wb_read_wanted())
		return real_readv(fd, iov, cnt);
	len = wb_iov_bytes(iov, cnt);
	if (!(slot = wb_read_before(fd, slot, WB_AT_CURSOR, len)))
		return real_readv(fd, iov, cnt);
	ret = real_readv(fd, iov, cnt);
	wb_read_after(fd, slot, WB_AT_CURSOR, len, ret);
	return ret;
}

ssize_t wb_preadv(int fd, const struct iovec *iov, int cnt, off_t off, wb_preadv_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	size_t len;
	ssize_t ret;

	if (wb_read_passes(slot) || cnt <= 0 || off < 0 || !wb_read_wanted())
		return real(fd, iov, cnt, off);
	len = wb_iov_bytes(iov, cnt);
	if (!(slot = wb_read_before(fd, slot, off, len)))
		return real(fd, iov, cnt, off);
	ret = real(fd, iov, cnt, off);
	wb_read_after(fd, slot, off, len, ret);
	return ret;
}

ssize_t wb_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags,
		   wb_preadv2_fn real)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	int64_t at = off == -1 ? WB_AT_CURSOR : off;
	size_t len;
	ssize_t ret;

	if (wb_read_passes(slot) || cnt <= 0 || off < -1 || !wb_read_wanted())
		return real(fd, iov, cnt, off, flags);
	len = wb_iov_bytes(iov, cnt);
	if (!(slot = wb_read_before(fd, slot, at, len)))
		return real(fd, iov, cnt, off, flags);
	ret = real(fd, iov, cnt, off, flags);
	wb_read_after(fd, slot, at, len, ret);
	return ret;
}

/* stdio: the stream's fd, if the read side follows it. */
static struct wb_slot *wb_stream_slot(FILE *stream, int *fd)
{
	struct wb_slot *slot;
	int saved = errno;

	if (!wb_read_wanted())
		return NULL;
	*fd = fileno(stream);
	errno = saved; /* EBADF for a memory stream: not the program's business */
	slot = wb_slot_peek(*fd);
	if (*fd < 0 || wb_read_passes(slot))
		return NULL;
	return wb_read_before(*fd, slot, WB_AT_CURSOR, 0);
}

size_t wb_fread(void *buf, size_t size, size_t n, FILE *stream, wb_fread_fn real)
{
	struct wb_slot *slot;
	size_t ret;
	int fd;

	if (!(slot = wb_stream_slot(stream, &fd)))
		return real(buf, size, n, stream);
	ret = real(buf, size, n, stream);
	wb_read_sampled(fd, slot, (uint64_t)ret * size, ret < n && feof(stream));
	return ret;
}

ssize_t wb_getdelim(char **line, size_t *cap, int delim, FILE *stream)
{
	struct wb_slot *slot;
	ssize_t ret;
	int fd;

	if (!(slot = wb_stream_slot(stream, &fd)))
		return real_getdelim(line, cap, delim, stream);
	ret = real_getdelim(line, cap, delim, stream);
	wb_read_sampled(fd, slot, ret > 0 ? (uint64_t)ret : 0, ret < 0 && feof(stream));
	return ret;
}

ssize_t wb_getline(char **line, size_t *cap, FILE *stream)
{
	struct wb_slot *slot;
	ssize_t ret;
	int fd;

	if (!(slot = wb_stream_slot(stream, &fd)))
		return real_getline(line, cap, stream);
	ret = real_getline(line, cap, stream);
	wb_read_sampled(fd, slot, ret > 0 ? (uint64_t)ret : 0, ret < 0 && feof(stream));
	return ret;
}
