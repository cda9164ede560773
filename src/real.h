/* The real libc functions behind our doors, and the raw syscalls the pipeline issues.
 *
 * Every real_*() trampoline works at any time, even before wb_real_resolve() ran or
 * when dlsym() found nothing: it then falls back to the raw system call, so a door
 * reached before our constructor (another library's constructor writing to stderr,
 * a signal handler during start-up) still behaves exactly like libc. */
#ifndef WB_REAL_H
#define WB_REAL_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct wb_real_table {
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev64)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*pwritev64v2)(int, const struct iovec *, int, off_t, int);
	off_t (*lseek)(int, off_t, int);
	off_t (*lseek64)(int, off_t, int);
	int (*close)(int);
	int (*fsync)(int);
	int (*fdatasync)(int);
};

extern struct wb_real_table wb_real;

/* Fill wb_real with dlsym(RTLD_NEXT). Returns the name of the first missing
 * required symbol, or NULL when all were found. Call once (init.c does). */
const char *wb_real_resolve(void);

ssize_t real_write(int fd, const void *buf, size_t len);
ssize_t real_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t real_pwrite64(int fd, const void *buf, size_t len, off_t off);
ssize_t real_writev(int fd, const struct iovec *iov, int cnt);
ssize_t real_pwritev(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t real_pwritev64(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t real_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
ssize_t real_pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
off_t real_lseek(int fd, off_t off, int whence);
off_t real_lseek64(int fd, off_t off, int whence);
int real_close(int fd);
int real_fsync(int fd);
int real_fdatasync(int fd);

/* Raw system calls, never through libc symbols: another preload (eatmydata defines
 * sync_file_range) must not be able to turn our writeback into a no-op.
 * Both return 0 or -1 with errno set, like the syscall(2) convention. */
int wb_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned int flags);
int wb_sys_fadvise_dontneed(int fd, uint64_t off, uint64_t len);

#endif
