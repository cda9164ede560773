/* Descriptors of our own, for one operation only (see transient.h). */
#define _GNU_SOURCE
#include "transient.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>

#include "real.h"
#include "syscall.h"

/* glibc 2.32+: nonzero while the process has never had a second thread. Weak:
 * where it is missing, every close is checked. */
extern char __libc_single_threaded __attribute__((weak));

static bool wb_one_thread(void)
{
	return &__libc_single_threaded && __atomic_load_n(&__libc_single_threaded, __ATOMIC_RELAXED);
}

static int wb_transient_open_as(const char *name, struct stat *st, int flags)
{
	long fd = wb_syscall(SYS_openat, AT_FDCWD, name, flags, 0);

	if (fd == -EPERM && (flags & O_NOATIME)) /* only the owner (or CAP_FOWNER) may */
		fd = wb_syscall(SYS_openat, AT_FDCWD, name, flags & ~O_NOATIME, 0);
	if (fd >= 0 && wb_sys_fstat((int)fd, st) != 0)
		fd = -1; /* not ours any more: another thread's dup2 took the number */
	return fd < 0 ? -1 : (int)fd;
}

int wb_transient_open(const char *name, struct stat *st)
{
	return wb_transient_open_as(name, st, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC | O_NOCTTY);
}

int wb_transient_open_proc(const char *name, struct stat *st)
{
	return wb_transient_open_as(name, st, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

void wb_transient_close(int fd, const struct stat *st)
{
	long flags;
	struct stat now;

	if (wb_one_thread()) {
		(void)wb_syscall(SYS_close, fd);
		return;
	}
	flags = wb_syscall(SYS_fcntl, fd, F_GETFL, 0);
	if (flags < 0 || (flags & O_ACCMODE) != O_RDONLY || !(flags & O_NONBLOCK))
		return;
	if (wb_sys_fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		(void)wb_syscall(SYS_close, fd);
}
