/* Table of real libc functions (dlsym RTLD_NEXT) and their raw-syscall fallbacks. */
#define _GNU_SOURCE
#include "real.h"

#include "keeperrno.h"
#include "pipeline.h"
#include "syscall.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

struct wb_real_table wb_real;
struct wb_next_table wb_next;

void wb_next_resolve(void)
{
	/* Idempotent: racing threads store the same pointers. */
#define WB_NEXT_RESOLVE(ret, name, params) \
	__atomic_store_n(&wb_next.name, (ret(*) params)dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE);
	WB_NEXT_FUNCTIONS(WB_NEXT_RESOLVE)
#undef WB_NEXT_RESOLVE
}

#define WB_RESOLVE(name) (wb_real.name = (__typeof__(wb_real.name))dlsym(RTLD_NEXT, #name))

const char *wb_real_resolve(void)
{
	const char *missing = NULL;

	/* Required: the core write path. A miss is reported once by the caller. */
	if (!WB_RESOLVE(write)) missing = "write";
	if (!WB_RESOLVE(close) && !missing) missing = "close";
	if (!WB_RESOLVE(lseek) && !missing) missing = "lseek";
	/* The rest fall back to raw syscalls transparently. */
	WB_RESOLVE(pwrite);
	WB_RESOLVE(pwrite64);
	WB_RESOLVE(writev);
	WB_RESOLVE(pwritev);
	WB_RESOLVE(pwritev64);
	WB_RESOLVE(pwritev2);
	WB_RESOLVE(pwritev64v2);
	WB_RESOLVE(lseek64);
	WB_RESOLVE(fsync);
	WB_RESOLVE(fdatasync);
	wb_next_resolve();
	return missing;
}

ssize_t real_write(int fd, const void *buf, size_t len)
{
	if (wb_real.write)
		return wb_real.write(fd, buf, len);
	return wb_syscall_errno(SYS_write, fd, buf, len);
}

ssize_t real_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (wb_real.pwrite)
		return wb_real.pwrite(fd, buf, len, off);
	return wb_syscall_errno(SYS_pwrite64, fd, buf, len, off);
}

ssize_t real_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	if (wb_real.pwrite64)
		return wb_real.pwrite64(fd, buf, len, off);
	return real_pwrite(fd, buf, len, off);
}

ssize_t real_writev(int fd, const struct iovec *iov, int cnt)
{
	if (wb_real.writev)
		return wb_real.writev(fd, iov, cnt);
	return wb_syscall_errno(SYS_writev, fd, iov, cnt);
}

/* The kernel takes the offset as two longs (low, high); on LP64 the high word is 0. */
ssize_t real_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	if (wb_real.pwritev)
		return wb_real.pwritev(fd, iov, cnt, off);
	return wb_syscall_errno(SYS_pwritev, fd, iov, cnt, (long)off, 0L);
}

ssize_t real_pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	if (wb_real.pwritev64)
		return wb_real.pwritev64(fd, iov, cnt, off);
	return real_pwritev(fd, iov, cnt, off);
}

ssize_t real_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	if (wb_real.pwritev2)
		return wb_real.pwritev2(fd, iov, cnt, off, flags);
	return wb_syscall_errno(SYS_pwritev2, fd, iov, cnt, (long)off, 0L, flags);
}

ssize_t real_pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	if (wb_real.pwritev64v2)
		return wb_real.pwritev64v2(fd, iov, cnt, off, flags);
	return real_pwritev2(fd, iov, cnt, off, flags);
}

off_t real_lseek(int fd, off_t off, int whence)
{
	if (wb_real.lseek)
		return wb_real.lseek(fd, off, whence);
	return wb_syscall_errno(SYS_lseek, fd, off, whence);
}

off_t real_lseek64(int fd, off_t off, int whence)
{
	if (wb_real.lseek64)
		return wb_real.lseek64(fd, off, whence);
	return real_lseek(fd, off, whence);
}

int real_close(int fd)
{
	if (wb_real.close)
		return wb_real.close(fd);
	return (int)wb_syscall_errno(SYS_close, fd);
}

int real_fsync(int fd)
{
	if (wb_real.fsync)
		return wb_real.fsync(fd);
	return (int)wb_syscall_errno(SYS_fsync, fd);
}

int real_fdatasync(int fd)
{
	if (wb_real.fdatasync)
		return wb_real.fdatasync(fd);
	return (int)wb_syscall_errno(SYS_fdatasync, fd);
}

void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *(*fn)(void *, size_t, int, int, int, off_t) = __atomic_load_n(&wb_next.mmap, __ATOMIC_ACQUIRE);

	if (fn)
		return fn(addr, len, prot, flags, fd, off);
	return (void *)wb_syscall_errno(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	void *(*fn)(void *, size_t, int, int, int, off64_t) = __atomic_load_n(&wb_next.mmap64, __ATOMIC_ACQUIRE);

	return fn ? fn(addr, len, prot, flags, fd, off) : real_mmap(addr, len, prot, flags, fd, (off_t)off);
}

int real_munmap(void *addr, size_t len)
{
	int (*fn)(void *, size_t) = __atomic_load_n(&wb_next.munmap, __ATOMIC_ACQUIRE);

	return fn ? fn(addr, len) : (int)wb_syscall_errno(SYS_munmap, addr, len);
}

int real_msync(void *addr, size_t len, int flags)
{
	int (*fn)(void *, size_t, int) = __atomic_load_n(&wb_next.msync, __ATOMIC_ACQUIRE);

	return fn ? fn(addr, len, flags) : (int)wb_syscall_errno(SYS_msync, addr, len, flags);
}

void *real_mremap(void *addr, size_t len, size_t new_len, int flags, void *new_addr)
{
	void *(*fn)(void *, size_t, size_t, int, ...) = __atomic_load_n(&wb_next.mremap, __ATOMIC_ACQUIRE);

	if (fn)
		return fn(addr, len, new_len, flags, new_addr);
	return (void *)wb_syscall_errno(SYS_mremap, addr, len, new_len, flags, new_addr);
}

#ifndef SYS_cachestat
#define SYS_cachestat 451 /* the same number on every architecture */
#endif

uint64_t wb_page_size(void)
{
	static uint64_t page;
	uint64_t got = __atomic_load_n(&page, __ATOMIC_RELAXED);

	if (!got) {
		long p = sysconf(_SC_PAGESIZE);
		got = p > 0 ? (uint64_t)p : 4096;
		__atomic_store_n(&page, got, __ATOMIC_RELAXED);
	}
	return got;
}

int wb_sys_cachestat(int fd, uint64_t off, uint64_t len, struct wb_cachestat *out)
{
	struct {
		uint64_t off, len;
	} range = { off, len };

	return (int)wb_syscall_errno(SYS_cachestat, fd, &range, out, 0);
}

#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
/* 64-bit ABIs where both calls take (fd, offset, length, flags) in plain registers. */
int wb_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned int flags)
{
	return (int)wb_syscall_errno(SYS_sync_file_range, fd, (off_t)off, (off_t)len, flags);
}

int wb_sys_fadvise_dontneed(int fd, uint64_t off, uint64_t len)
{
	return (int)wb_syscall_errno(SYS_fadvise64, fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
}
#else
/* Other ABIs split 64-bit arguments or reorder them (sync_file_range2); libc knows
 * how, so use it there and accept that another preload could shadow it. */
int wb_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned int flags)
{
	return sync_file_range(fd, (off64_t)off, (off64_t)len, flags);
}

int wb_sys_fadvise_dontneed(int fd, uint64_t off, uint64_t len)
{
	int err = posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
#endif

#ifdef WB_SYSCALL_OUT_OF_LINE
long wb_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	WB_KEEP_ERRNO;
	long ret = WB_NEXT(syscall)(n, a, b, c, d, e, f);

	if (ret == -1)
		ret = -errno;
	return ret;
}
#endif

/* The pipeline's kernel operations (pipeline.h): plain logic there, the kernel here. */
const struct wb_ops wb_kernel_ops = {
	.sync_range = wb_sys_sync_file_range,
	.drop = wb_sys_fadvise_dontneed,
};

/* glibc 2.32+: nonzero while the process has never had a second thread. Weak:
 * where it is missing, the answer is no. */
extern char __libc_single_threaded __attribute__((weak));

bool wb_one_thread(void)
{
	return &__libc_single_threaded && __atomic_load_n(&__libc_single_threaded, __ATOMIC_RELAXED);
}

void wb_sys_close_ours(int fd, int accmode, int flags, const struct stat *st)
{
	long now;
	struct stat is;

	if (!wb_one_thread()) {
		now = wb_syscall(SYS_fcntl, fd, F_GETFL, 0);
		if (now < 0 || (now & O_ACCMODE) != accmode || (now & flags) != flags ||
		    wb_sys_fstat(fd, &is) != 0 || is.st_dev != st->st_dev || is.st_ino != st->st_ino)
			return;
	}
	(void)wb_syscall(SYS_close, fd);
}

int wb_sys_fstat(int fd, struct stat *st)
{
	return wb_syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH) == 0 ? 0 : -1;
}

int wb_sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return wb_syscall(SYS_newfstatat, dirfd, path, st, flags) == 0 ? 0 : -1;
}
