/* The name each fd was opened by, so that the closed-file queue (write/keep.c)
 * need not ask /proc for it at close.
 *
 * The open doors record the absolute name of a file opened for writing: the path
 * itself if absolute, else the calling thread's working directory (asked once
 * with getcwd and kept until a chdir or fchdir door says it changed) joined to
 * it. A path relative to another directory fd, an O_TMPFILE, or a name that does
 * not fit is not recorded: close then reads /proc/self/fd as before. A recorded
 * name may be stale (the file renamed while open, a chdir made behind our back);
 * the queue opens it again only to check that it is still the same file
 * (device, inode), so a stale name costs only the drop of that one file.
 *
 * Storage: pages of WB_SLOTS_PER_PAGE names, beside the fd table's pages, mapped
 * on first use and touched only where a name is written. */
#ifndef WB_FDNAME_H
#define WB_FDNAME_H

#include <stdbool.h>
#include <stddef.h>

/* The longest name kept (with its terminating NUL). */
#define WB_NAME_MAX 512

/* fd was just opened by `path` relative to dirfd, for writing. */
void wb_fd_name_opened(int fd, int dirfd, const char *path);

/* fd holds another file now, or one whose name we do not know. */
void wb_fd_name_forget(int fd);

/* Copy fd's recorded name into name (WB_NAME_MAX bytes); false if none. */
bool wb_fd_name(int fd, char *name);

/* An absolute name for path relative to dirfd, without a system call where
 * the working directory is known; false if it cannot be made. */
bool wb_name_absolute(int dirfd, const char *path, char *out, size_t size);

/* The working directory may have changed (chdir, fchdir). */
void wb_cwd_changed(void);

#endif
