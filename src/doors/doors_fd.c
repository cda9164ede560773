/* Exported doors for zero-copy transfers (policy in copy.c) and for the calls
 * that create, duplicate and close fds (policy in lifecycle.c). */
#undef _FORTIFY_SOURCE
#define __NO_INLINE__ 1
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "export.h"
#include "fdnote.h"
#include "copy.h"
#include "io.h"
#include "keep.h"
#include "lifecycle.h"
#include "real.h"


/* A call that creates an fd: its number starts afresh. */
#define WB_OPENED(call) wb_fd_opened(call)
/* The same for an open of path (relative to dirfd) with these flags:
 * classification need not ask for them, nor close for the name. */
#define WB_OPENED_AT(call, dirfd, path, flags) wb_fd_opened_at((call), (dirfd), (path), (flags))

/* Fortified open entry points that compiled programs call; not in the headers
 * unless fortification is on. closefrom/close_range exist since glibc 2.34. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);

/* open(2) reads a mode only when it may create a file. */
#define WB_NEEDS_MODE(flags) (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE)
#define WB_MODE_ARG(flags, last, mode)                   \
	do {                                             \
		va_list ap;                              \
		va_start(ap, last);                      \
		mode = WB_NEEDS_MODE(flags) ? (mode_t)va_arg(ap, int) : 0; \
		va_end(ap);                              \
	} while (0)

WB_EXPORT ssize_t copy_file_range(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
				  unsigned int flags)
{
	return wb_copy_file_range(in, off_in, out, off_out, len, flags, WB_NEXT(copy_file_range));
}

WB_EXPORT ssize_t splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
			 unsigned int flags)
{
	return wb_splice(in, off_in, out, off_out, len, flags, WB_NEXT(splice));
}

WB_EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t count)
{
	return wb_sendfile(out, in, offset, count, WB_NEXT(sendfile));
}

WB_EXPORT ssize_t sendfile64(int out, int in, off64_t *offset, size_t count)
{
	return wb_sendfile64(out, in, offset, count, WB_NEXT(sendfile64));
}

WB_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode;

	WB_MODE_ARG(flags, flags, mode);
	return WB_OPENED_AT(WB_NEXT(open)(path, flags, mode), AT_FDCWD, path, flags);
}

WB_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode;

	WB_MODE_ARG(flags, flags, mode);
	return WB_OPENED_AT(WB_NEXT(open64)(path, flags, mode), AT_FDCWD, path, flags);
}

WB_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	WB_MODE_ARG(flags, flags, mode);
	return WB_OPENED_AT(WB_NEXT(openat)(dirfd, path, flags, mode), dirfd, path, flags);
}

WB_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	WB_MODE_ARG(flags, flags, mode);
	return WB_OPENED_AT(WB_NEXT(openat64)(dirfd, path, flags, mode), dirfd, path, flags);
}

WB_EXPORT int __open_2(const char *path, int flags)
{
	return WB_OPENED_AT(WB_NEXT(__open_2)(path, flags), AT_FDCWD, path, flags);
}

WB_EXPORT int __open64_2(const char *path, int flags)
{
	return WB_OPENED_AT(WB_NEXT(__open64_2)(path, flags), AT_FDCWD, path, flags);
}

WB_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return WB_OPENED_AT(WB_NEXT(__openat_2)(dirfd, path, flags), dirfd, path, flags);
}

WB_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return WB_OPENED_AT(WB_NEXT(__openat64_2)(dirfd, path, flags), dirfd, path, flags);
}

WB_EXPORT int creat(const char *path, mode_t mode)
{
	return WB_OPENED_AT(WB_NEXT(creat)(path, mode), AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
}

WB_EXPORT int creat64(const char *path, mode_t mode)
{
	return WB_OPENED_AT(WB_NEXT(creat64)(path, mode), AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
}

/* Temporary files (rsync writes each file under one, then renames it): opened
 * read-write by a name glibc fills into the template. */
#define WB_TEMP_OPENED(call, template) WB_OPENED_AT((call), AT_FDCWD, (template), O_RDWR | O_CREAT | O_EXCL)

WB_EXPORT int mkstemp(char *template)
{
	return WB_TEMP_OPENED(WB_NEXT(mkstemp)(template), template);
}

WB_EXPORT int mkstemp64(char *template)
{
	return WB_TEMP_OPENED(WB_NEXT(mkstemp64)(template), template);
}

WB_EXPORT int mkostemp(char *template, int flags)
{
	return WB_OPENED_AT(WB_NEXT(mkostemp)(template, flags), AT_FDCWD, template,
			    flags | O_RDWR | O_CREAT | O_EXCL);
}

WB_EXPORT int mkostemp64(char *template, int flags)
{
	return WB_OPENED_AT(WB_NEXT(mkostemp64)(template, flags), AT_FDCWD, template,
			    flags | O_RDWR | O_CREAT | O_EXCL);
}

WB_EXPORT int mkstemps(char *template, int suffixlen)
{
	return WB_TEMP_OPENED(WB_NEXT(mkstemps)(template, suffixlen), template);
}

WB_EXPORT int mkstemps64(char *template, int suffixlen)
{
	return WB_TEMP_OPENED(WB_NEXT(mkstemps64)(template, suffixlen), template);
}

WB_EXPORT int mkostemps(char *template, int suffixlen, int flags)
{
	return WB_OPENED_AT(WB_NEXT(mkostemps)(template, suffixlen, flags), AT_FDCWD, template,
			    flags | O_RDWR | O_CREAT | O_EXCL);
}

WB_EXPORT int mkostemps64(char *template, int suffixlen, int flags)
{
	return WB_OPENED_AT(WB_NEXT(mkostemps64)(template, suffixlen, flags), AT_FDCWD, template,
			    flags | O_RDWR | O_CREAT | O_EXCL);
}

WB_EXPORT int dup(int fd)
{
	wb_fd_shared(fd);
	return WB_OPENED(WB_NEXT(dup)(fd));
}

WB_EXPORT int dup2(int fd, int target)
{
	if (fd != target)
		wb_fd_closing(target);
	wb_fd_shared(fd);
	return wb_fd_opened(WB_NEXT(dup2)(fd, target));
}

WB_EXPORT int dup3(int fd, int target, int flags)
{
	if (fd != target)
		wb_fd_closing(target);
	wb_fd_shared(fd);
	return wb_fd_opened(WB_NEXT(dup3)(fd, target, flags));
}

/* fcntl's third argument is an int or a pointer; like glibc, pass it on as a pointer. */
static int wb_fcntl(int fd, int cmd, void *arg, int (*real)(int, int, ...))
{
	int ret;

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		wb_fd_shared(fd);
		return WB_OPENED(real(fd, cmd, arg));
	}
	wb_fd_locking(fd, cmd, arg);
	ret = real(fd, cmd, arg);
	if (ret == 0 && cmd == F_SETFL)
		wb_fd_flags_set(fd, (int)(long)arg);
	return ret;
}

WB_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return wb_fcntl(fd, cmd, arg, WB_NEXT(fcntl));
}

WB_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return wb_fcntl(fd, cmd, arg, WB_NEXT(fcntl64));
}

WB_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		wb_fd_range_closing(first, last);
	return WB_NEXT(close_range)(first, last, flags);
}

WB_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		wb_fd_range_closing((unsigned int)lowfd, ~0U);
	WB_NEXT(closefrom)(lowfd);
}

WB_EXPORT int lockf(int fd, int cmd, off_t len)
{
	if (cmd == F_LOCK || cmd == F_TLOCK)
		wb_fd_locking(fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK });
	return WB_NEXT(lockf)(fd, cmd, len);
}

WB_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	if (cmd == F_LOCK || cmd == F_TLOCK)
		wb_fd_locking(fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK });
	return WB_NEXT(lockf64)(fd, cmd, len);
}

/* Renames: a closed file the shim has noted follows its name (keep.h). */
WB_EXPORT int rename(const char *from, const char *to)
{
	int ret = WB_NEXT(rename)(from, to);

	wb_names_unlinked();
	if (ret == 0)
		wb_keep_renamed(AT_FDCWD, from, AT_FDCWD, to, false);
	return ret;
}

WB_EXPORT int renameat(int fromdir, const char *from, int todir, const char *to)
{
	int ret = WB_NEXT(renameat)(fromdir, from, todir, to);

	wb_names_unlinked();
	if (ret == 0)
		wb_keep_renamed(fromdir, from, todir, to, false);
	return ret;
}

WB_EXPORT int renameat2(int fromdir, const char *from, int todir, const char *to,
			unsigned int flags)
{
	int ret = WB_NEXT(renameat2)(fromdir, from, todir, to, flags);

	wb_names_unlinked();
	if (ret == 0) /* an exchange moves both names */
		wb_keep_renamed(fromdir, from, todir, to, (flags & RENAME_EXCHANGE) != 0);
	return ret;
}

/* Unlinks: a name an fd was opened by may now name nothing (fdnote.h). */
WB_EXPORT int unlink(const char *path)
{
	int ret = WB_NEXT(unlink)(path);

	wb_names_unlinked();
	return ret;
}

WB_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int ret = WB_NEXT(unlinkat)(dirfd, path, flags);

	wb_names_unlinked();
	return ret;
}

WB_EXPORT int remove(const char *path)
{
	int ret = WB_NEXT(remove)(path);

	wb_names_unlinked();
	return ret;
}

/* The working directory: names of files opened relative to it are made from it. */
WB_EXPORT int chdir(const char *path)
{
	int ret = WB_NEXT(chdir)(path);

	wb_cwd_changed();
	return ret;
}

WB_EXPORT int fchdir(int fd)
{
	int ret = WB_NEXT(fchdir)(fd);

	wb_cwd_changed();
	return ret;
}

/* Does system call `number` unlink or rename? (Older ABIs only have some.) */
static bool wb_unlinks_names(long number)
{
	switch (number) {
#ifdef SYS_unlink
	case SYS_unlink:
#endif
#ifdef SYS_rename
	case SYS_rename:
#endif
#ifdef SYS_renameat
	case SYS_renameat:
#endif
	case SYS_unlinkat:
	case SYS_renameat2:
		return true;
	default:
		return false;
	}
}

/* syscall(2): libuv and others close fds with syscall(SYS_close, fd). Those two
 * numbers take the close doors' path, and locks taken with syscall(SYS_fcntl)
 * are noted as fcntl's; every other call passes straight on. */
WB_EXPORT long syscall(long number, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* Only once libc's close is known: real_close() falls back to syscall(). */
	if (number == SYS_close && wb_real.close)
		return wb_close((int)a[0]);
	if (number == SYS_fcntl)
		wb_fd_locking((int)a[0], (int)a[1], (const void *)a[2]);
#ifdef SYS_close_range
	if (number == SYS_close_range && !((unsigned int)a[2] & CLOSE_RANGE_CLOEXEC))
		wb_fd_range_closing((unsigned int)a[0], (unsigned int)a[1]);
#endif
	if (number == SYS_chdir || number == SYS_fchdir) {
		long ret = WB_NEXT(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
		wb_cwd_changed();
		return ret;
	}
	if (wb_unlinks_names(number))
		wb_names_unlinked(); /* before: the call's errno is left as it is */
	return WB_NEXT(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
