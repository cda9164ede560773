/* The real libc functions behind our doors, and the raw syscalls the pipeline issues.
 *
 * Every real_*() trampoline works at any time, even before wb_real_resolve() ran or
 * when dlsym() found nothing: it then falls back to the raw system call, so a door
 * reached before our constructor (another library's constructor writing to stderr,
 * a signal handler during start-up) still behaves exactly like libc. */
#ifndef WB_REAL_H
#define WB_REAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

struct stat;

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

/* The other interposed functions: no raw-syscall fallback is needed (or possible,
 * for stdio), so they are listed once here and resolved together, eagerly, at
 * start-up: open() or dup() may be called from a signal handler, where dlsym()
 * must not run. X(return type, name, parameter list). */
#define WB_NEXT_FUNCTIONS(X)                                                          \
	X(ssize_t, copy_file_range, (int, off64_t *, int, off64_t *, size_t, unsigned int)) \
	X(ssize_t, sendfile, (int, int, off_t *, size_t))                                \
	X(ssize_t, sendfile64, (int, int, off64_t *, size_t))                            \
	X(ssize_t, splice, (int, off64_t *, int, off64_t *, size_t, unsigned int))       \
	X(int, open, (const char *, int, ...))                                           \
	X(int, open64, (const char *, int, ...))                                         \
	X(int, openat, (int, const char *, int, ...))                                    \
	X(int, openat64, (int, const char *, int, ...))                                  \
	X(int, __open_2, (const char *, int))                                            \
	X(int, __open64_2, (const char *, int))                                          \
	X(int, __openat_2, (int, const char *, int))                                     \
	X(int, __openat64_2, (int, const char *, int))                                   \
	X(int, creat, (const char *, mode_t))                                            \
	X(int, creat64, (const char *, mode_t))                                          \
	X(int, dup, (int))                                                               \
	X(int, dup2, (int, int))                                                         \
	X(int, dup3, (int, int, int))                                                    \
	X(int, fcntl, (int, int, ...))                                                   \
	X(int, fcntl64, (int, int, ...))                                                 \
	X(int, close_range, (unsigned int, unsigned int, int))                           \
	X(void, closefrom, (int))                                                        \
	X(FILE *, fopen, (const char *, const char *))                                   \
	X(FILE *, fopen64, (const char *, const char *))                                 \
	X(FILE *, freopen, (const char *, const char *, FILE *))                         \
	X(FILE *, freopen64, (const char *, const char *, FILE *))                       \
	X(int, fclose, (FILE *))                                                         \
	X(int, fflush, (FILE *))                                                         \
	X(int, fflush_unlocked, (FILE *))                                                \
	X(int, fseek, (FILE *, long, int))                                               \
	X(int, fseeko, (FILE *, off_t, int))                                             \
	X(int, fseeko64, (FILE *, off64_t, int))                                         \
	X(int, fsetpos, (FILE *, const fpos_t *))                                        \
	X(int, fsetpos64, (FILE *, const fpos64_t *))                                    \
	X(void, rewind, (FILE *))                                                        \
	X(size_t, fwrite, (const void *, size_t, size_t, FILE *))                        \
	X(size_t, fwrite_unlocked, (const void *, size_t, size_t, FILE *))               \
	X(int, fputs, (const char *, FILE *))                                            \
	X(int, fputs_unlocked, (const char *, FILE *))                                   \
	X(int, puts, (const char *))                                                     \
	X(int, fputc, (int, FILE *))                                                     \
	X(int, fputc_unlocked, (int, FILE *))                                            \
	X(int, putc, (int, FILE *))                                                      \
	X(int, putc_unlocked, (int, FILE *))                                             \
	X(int, _IO_putc, (int, FILE *))                                                  \
	X(int, putchar, (int))                                                           \
	X(int, putchar_unlocked, (int))                                                  \
	X(int, __overflow, (FILE *, int))                                                \
	X(int, vfprintf, (FILE *, const char *, va_list))                                \
	X(int, __vfprintf_chk, (FILE *, int, const char *, va_list))                     \
	X(int, vprintf, (const char *, va_list))                                         \
	X(int, __vprintf_chk, (int, const char *, va_list))                              \
	X(int, vdprintf, (int, const char *, va_list))                                   \
	X(int, __vdprintf_chk, (int, int, const char *, va_list))                         \
	X(long, syscall, (long, ...))                                                    \
	X(int, lockf, (int, int, off_t))                                                 \
	X(int, lockf64, (int, int, off64_t))                                             \
	X(int, rename, (const char *, const char *))                                     \
	X(int, renameat, (int, const char *, int, const char *))                         \
	X(int, renameat2, (int, const char *, int, const char *, unsigned int))          \
	X(void *, mmap, (void *, size_t, int, int, int, off_t))                          \
	X(void *, mmap64, (void *, size_t, int, int, int, off64_t))                      \
	X(int, munmap, (void *, size_t))                                                 \
	X(int, msync, (void *, size_t, int))                                             \
	X(void *, mremap, (void *, size_t, size_t, int, ...))                            \
	X(int, chdir, (const char *))                                                    \
	X(int, mkstemp, (char *))                                                        \
	X(int, mkstemp64, (char *))                                                      \
	X(int, mkostemp, (char *, int))                                                  \
	X(int, mkostemp64, (char *, int))                                                \
	X(int, mkstemps, (char *, int))                                                  \
	X(int, mkstemps64, (char *, int))                                                \
	X(int, mkostemps, (char *, int, int))                                            \
	X(int, mkostemps64, (char *, int, int))                                          \
	X(int, unlink, (const char *))                                                   \
	X(int, unlinkat, (int, const char *, int))                                       \
	X(int, remove, (const char *))                                                   \
	X(int, fstat, (int, struct stat *))                                              \
	X(int, fchdir, (int))                                                            \
	X(pid_t, vfork, (void))                                                          \
	X(pid_t, __vfork, (void))                                                        \
	X(int, clone, (int (*)(void *), void *, int, void *, ...))

struct wb_next_table {
#define WB_NEXT_MEMBER(ret, name, params) ret(*name) params;
	WB_NEXT_FUNCTIONS(WB_NEXT_MEMBER)
#undef WB_NEXT_MEMBER
};

extern struct wb_next_table wb_next;

/* The next definition of `name`, resolving the whole table first if start-up has
 * not happened yet (a door reached before our constructor). */
#define WB_NEXT(name) \
	(__builtin_expect(wb_next.name != NULL, 1) ? wb_next.name : (wb_next_resolve(), wb_next.name))

void wb_next_resolve(void);

/* The next mmap family, or the raw system call while the table is not filled:
 * never dlsym from here, since a program's allocator maps memory through these
 * doors, from inside dlsym's own allocations too. Same results and errno. */
void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off);
int real_munmap(void *addr, size_t len);
int real_msync(void *addr, size_t len, int flags);
void *real_mremap(void *addr, size_t len, size_t new_len, int flags, void *new_addr);

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

/* fstat(2) and fstatat(2) as the kernel answers them: 0, or -1 (errno untouched).
 * Never libc's: fstat is a door of ours (the program's own calls are noted). */
int wb_sys_fstat(int fd, struct stat *st);
int wb_sys_fstatat(int dirfd, const char *path, struct stat *st, int flags);

/* Has the process never had a second thread (glibc's __libc_single_threaded)?
 * Then no other thread can take a descriptor number of ours meanwhile. False
 * where glibc does not say. */
bool wb_one_thread(void);

/* Close fd, a descriptor of our own for one operation, if the number still holds
 * it: in a process with threads another may have dup2()ed onto it (the kernel then
 * closed ours, and the number is theirs). Ours: access mode `accmode`, the status
 * flags `flags` set (what we opened it with), and st's device and inode. */
void wb_sys_close_ours(int fd, int accmode, int flags, const struct stat *st);

/* What cachestat(2) (Linux 6.5+) counts in a range of a file's page cache. It
 * reads the page cache only: unlike a SYNC_FILE_RANGE_WAIT_*, it never touches
 * the file's writeback error state. */
struct wb_cachestat {
	uint64_t cached, dirty, writeback, evicted, recently_evicted;
};
/* len 0: to the end of the file. 0, or -1 with errno (ENOSYS on older kernels). */
int wb_sys_cachestat(int fd, uint64_t off, uint64_t len, struct wb_cachestat *out);

/* The page size in bytes (4096 if the system will not say), asked once. */
uint64_t wb_page_size(void);

#endif
