/* The exported read-family symbols: thin doors into the read side's policy
 * (readside.c). */
#undef _FORTIFY_SOURCE /* fortified headers define read, pread, fread as inline wrappers */
#define __NO_INLINE__ 1 /* and glibc's extern inlines, getline */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "export.h"
#include "readside.h"
#include "real_read.h"


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

WB_EXPORT size_t fread(void *buf, size_t size, size_t n, FILE *stream)
{
	return wb_fread(buf, size, n, stream, real_fread);
}

WB_EXPORT size_t fread_unlocked(void *buf, size_t size, size_t n, FILE *stream)
{
	return wb_fread(buf, size, n, stream, real_fread_unlocked);
}

WB_EXPORT ssize_t getdelim(char **line, size_t *cap, int delim, FILE *stream)
{
	return wb_getdelim(line, cap, delim, stream);
}

WB_EXPORT ssize_t getline(char **line, size_t *cap, FILE *stream)
{
	return wb_getline(line, cap, stream);
}
