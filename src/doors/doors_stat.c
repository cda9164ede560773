/* fstat(2): the program's own answer is kept for the fd's classification, so
 * that the shim need not ask the kernel the same question (a tree copy fstats
 * every file it creates). The program gets exactly what the call returned. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "export.h"
#include "lifecycle.h"
#include "real.h"
#include "syscall.h"

static int wb_fstat(int fd, struct stat *st)
{
	int (*next)(int, struct stat *) = WB_NEXT(fstat);
	int ret;

	/* Where libc has no fstat symbol (before glibc 2.33, only __fxstat): the kernel's. */
	if (next)
		ret = next(fd, st);
	else
		ret = (int)wb_syscall_errno(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
	if (ret == 0)
		wb_fd_stat(fd, st);
	return ret;
}

WB_EXPORT int fstat(int fd, struct stat *st)
{
	return wb_fstat(fd, st);
}

/* struct stat64 is struct stat on the 64-bit ABIs this library builds for. */
_Static_assert(sizeof(struct stat64) == sizeof(struct stat), "stat64 is stat");

WB_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return wb_fstat(fd, (struct stat *)st);
}
