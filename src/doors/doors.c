/* The exported symbols: thin doors into the policy (io.c). Nothing else in the
 * library is visible outside it (see export.map and tests/exports.bats). */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "export.h"
#include "io.h"
#include "readmap.h"
#include "real.h"


WB_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	return wb_write(fd, buf, len);
}

WB_EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return wb_pwrite(fd, buf, len, off, real_pwrite);
}

WB_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return wb_pwrite(fd, buf, len, off, real_pwrite64);
}

WB_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	return wb_writev(fd, iov, cnt);
}

WB_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return wb_pwritev(fd, iov, cnt, off, real_pwritev);
}

WB_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return wb_pwritev(fd, iov, cnt, off, real_pwritev64);
}

WB_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return wb_pwritev2(fd, iov, cnt, off, flags, real_pwritev2);
}

WB_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return wb_pwritev2(fd, iov, cnt, off, flags, real_pwritev64v2);
}

WB_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	return wb_lseek(fd, off, whence, real_lseek);
}

WB_EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	return wb_lseek(fd, off, whence, real_lseek64);
}

WB_EXPORT int close(int fd)
{
	wb_map_fd_closing(fd);
	return wb_close(fd);
}

WB_EXPORT int fsync(int fd)
{
	int ret = wb_sync(fd, real_fsync);

	wb_map_fd_synced(fd, ret);
	return ret;
}

WB_EXPORT int fdatasync(int fd)
{
	int ret = wb_sync(fd, real_fdatasync);

	wb_map_fd_synced(fd, ret);
	return ret;
}
