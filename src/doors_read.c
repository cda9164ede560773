/* The exported read-family symbols: thin doors into the read side's policy
 * (readside.c). */
#undef _FORTIFY_SOURCE /* fortified headers define read and pread as inline wrappers */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "readside.h"
#include "real_read.h"

#define WB_EXPORT __attribute__((visibility("default")))

WB_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	return wb_read(fd, buf, len);
}

WB_EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return wb_pread(fd, buf, len, off, real_pread);
}

WB_EXPORT ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return wb_pread(fd, buf, len, off, real_pread64);
}

WB_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	return wb_readv(fd, iov, cnt);
}

WB_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return wb_preadv(fd, iov, cnt, off, real_preadv);
}

WB_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return wb_preadv(fd, iov, cnt, off, real_preadv64);
}

WB_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return wb_preadv2(fd, iov, cnt, off, flags, real_preadv2);
}

WB_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return wb_preadv2(fd, iov, cnt, off, flags, real_preadv64v2);
}
