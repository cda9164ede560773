/* Descriptors of our own, for one operation only (see transient.h). */
#define _GNU_SOURCE
#include "transient.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>

#include "real.h"
#include "syscall.h"

static int wb_transient_open_as(const char *name, int flags, const struct stat *seen,
				struct stat *st)
{
	long fd = wb_syscall(SYS_openat, AT_FDCWD, name, flags, 0);

	if (fd == -EPERM && (flags & O_NOATIME)) /* only the owner (or CAP_FOWNER) may */
		fd = wb_syscall(SYS_openat, AT_FDCWD, name, flags & ~O_NOATIME, 0);
	if (fd < 0)
		return -1;
	if (seen && wb_one_thread()) {
		*st = *seen; /* no other thread can have taken the number */
		return (int)fd;
	}
	if (wb_sys_fstat((int)fd, st) != 0)
		return -1; /* not ours any more: another thread's dup2 took the number */
	return (int)fd;
}

int wb_transient_open(const char *name, const struct stat *seen, struct stat *st)
{
	return wb_transient_open_as(name, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC | O_NOCTTY,
				    seen, st);
}

int wb_transient_open_proc(const char *name, struct stat *st)
{
	static const struct stat nothing;

	/* What it is does not matter, only that the number is still ours at close. */
	return wb_transient_open_as(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, &nothing, st);
}

void wb_transient_close(int fd, const struct stat *st)
{
	wb_sys_close_ours(fd, O_RDONLY, O_NONBLOCK, st);
}
