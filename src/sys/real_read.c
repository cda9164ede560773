/* Table of the real read-family functions (dlsym RTLD_NEXT), raw-syscall fallbacks. */
#define _GNU_SOURCE
#include "real_read.h"
#include "syscall.h"

#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

static struct {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pread64)(int, void *, size_t, off_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*preadv)(int, const struct iovec *, int, off_t);
	ssize_t (*preadv64)(int, const struct iovec *, int, off_t);
	ssize_t (*preadv2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*preadv64v2)(int, const struct iovec *, int, off_t, int);
	size_t (*fread)(void *, size_t, size_t, FILE *);
	size_t (*fread_unlocked)(void *, size_t, size_t, FILE *);
	ssize_t (*getdelim)(char **, size_t *, int, FILE *);
	ssize_t (*getline)(char **, size_t *, FILE *);
} wb_real_read;

/* Each pointer is stored atomically: a thread already reading sees either NULL
 * (and makes the system call itself) or the function. */
#define WB_RESOLVE_READ(name)                                                          \
	__atomic_store_n(&wb_real_read.name,                                           \
			 (__typeof__(wb_real_read.name))dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE)

/* A constructor rather than start-up: read() is called from signal handlers, where
 * dlsym must not run; until this ran, the trampolines make the system call. */
__attribute__((constructor)) static void wb_real_read_resolve(void)
{
	WB_RESOLVE_READ(read);
	WB_RESOLVE_READ(pread);
	WB_RESOLVE_READ(pread64);
	WB_RESOLVE_READ(readv);
	WB_RESOLVE_READ(preadv);
	WB_RESOLVE_READ(preadv64);
	WB_RESOLVE_READ(preadv2);
	WB_RESOLVE_READ(preadv64v2);
	WB_RESOLVE_READ(fread);
	WB_RESOLVE_READ(fread_unlocked);
	WB_RESOLVE_READ(getdelim);
	WB_RESOLVE_READ(getline);
}

#define WB_REAL_READ(name) __atomic_load_n(&wb_real_read.name, __ATOMIC_ACQUIRE)

ssize_t real_read(int fd, void *buf, size_t len)
{
	ssize_t (*fn)(int, void *, size_t) = WB_REAL_READ(read);

	return fn ? fn(fd, buf, len) : wb_syscall_errno(SYS_read, fd, buf, len);
}

ssize_t real_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t (*fn)(int, void *, size_t, off_t) = WB_REAL_READ(pread);

	return fn ? fn(fd, buf, len, off) : wb_syscall_errno(SYS_pread64, fd, buf, len, off);
}

ssize_t real_pread64(int fd, void *buf, size_t len, off_t off)
{
	ssize_t (*fn)(int, void *, size_t, off_t) = WB_REAL_READ(pread64);

	return fn ? fn(fd, buf, len, off) : real_pread(fd, buf, len, off);
}

ssize_t real_readv(int fd, const struct iovec *iov, int cnt)
{
	ssize_t (*fn)(int, const struct iovec *, int) = WB_REAL_READ(readv);

	return fn ? fn(fd, iov, cnt) : wb_syscall_errno(SYS_readv, fd, iov, cnt);
}

/* The kernel takes the offset as two longs (low, high); on LP64 the high word is 0. */
ssize_t real_preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t (*fn)(int, const struct iovec *, int, off_t) = WB_REAL_READ(preadv);

	return fn ? fn(fd, iov, cnt, off) : wb_syscall_errno(SYS_preadv, fd, iov, cnt, (long)off, 0L);
}

ssize_t real_preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t (*fn)(int, const struct iovec *, int, off_t) = WB_REAL_READ(preadv64);

	return fn ? fn(fd, iov, cnt, off) : real_preadv(fd, iov, cnt, off);
}

ssize_t real_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	ssize_t (*fn)(int, const struct iovec *, int, off_t, int) = WB_REAL_READ(preadv2);

	if (fn)
		return fn(fd, iov, cnt, off, flags);
	return wb_syscall_errno(SYS_preadv2, fd, iov, cnt, (long)off, 0L, flags);
}

ssize_t real_preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	ssize_t (*fn)(int, const struct iovec *, int, off_t, int) = WB_REAL_READ(preadv64v2);

	return fn ? fn(fd, iov, cnt, off, flags) : real_preadv2(fd, iov, cnt, off, flags);
}

/* The stdio function `name`, resolving the table first if our constructor has not
 * run yet. NULL only if libc lacks it. */
#define WB_STDIO_REAL(name) \
	(WB_REAL_READ(name) ? WB_REAL_READ(name) : (wb_real_read_resolve(), WB_REAL_READ(name)))

size_t real_fread(void *buf, size_t size, size_t n, FILE *stream)
{
	size_t (*fn)(void *, size_t, size_t, FILE *) = WB_STDIO_REAL(fread);

	if (!fn) {
		errno = ENOSYS;
		return 0;
	}
	return fn(buf, size, n, stream);
}

size_t real_fread_unlocked(void *buf, size_t size, size_t n, FILE *stream)
{
	size_t (*fn)(void *, size_t, size_t, FILE *) = WB_STDIO_REAL(fread_unlocked);

	return fn ? fn(buf, size, n, stream) : real_fread(buf, size, n, stream);
}

ssize_t real_getdelim(char **line, size_t *cap, int delim, FILE *stream)
{
	ssize_t (*fn)(char **, size_t *, int, FILE *) = WB_STDIO_REAL(getdelim);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(line, cap, delim, stream);
}

ssize_t real_getline(char **line, size_t *cap, FILE *stream)
{
	ssize_t (*fn)(char **, size_t *, FILE *) = WB_STDIO_REAL(getline);

	return fn ? fn(line, cap, stream) : real_getdelim(line, cap, '\n', stream);
}
