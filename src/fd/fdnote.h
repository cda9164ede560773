/* What the doors saw of an fd, so that the shim need not ask the kernel again:
 * the name it was opened by (for the closed-file queue, write/keep.c, instead of
 * reading /proc at close), and what the program's own fstat of it answered (for
 * its classification, classify.c, instead of a statx).
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
 * The facts of an fstat are those of the program's own call, on this very fd:
 * kept until the fd's first classification, or until a door gives the number
 * another file. (A file swapped in behind our back is caught by the identity
 * check made before remembered state is acted on, as for any classification.)
 *
 * Storage: pages of WB_SLOTS_PER_PAGE notes, beside the fd table's pages, mapped
 * on first use and touched only where a note is written. */
#ifndef WB_FDNOTE_H
#define WB_FDNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The longest name kept (with its terminating NUL). */
#define WB_NAME_MAX 512

/* fd was just opened by `path` relative to dirfd, for writing, or as a
 * directory (`dir`: names are made relative to it; an unlink or rename does not
 * make its name doubtful). */
void wb_fd_name_opened(int fd, int dirfd, const char *path, bool dir);

/* fd holds another file now, or one we know nothing of. */
void wb_fd_note_forget(int fd);

/* The program's fstat of fd answered *st (only kept where fd's slot exists and
 * is not classified yet). */
void wb_fd_stat_seen(int fd, const struct stat *st);

/* What an fstat of fd said since it got its file, taken (once); false if none. */
bool wb_fd_stat_take(int fd, struct stat *st);

/* Copy fd's recorded name into name (WB_NAME_MAX bytes); false if none. */
bool wb_fd_name(int fd, char *name);

/* An absolute name for path relative to dirfd, without a system call where
 * the working directory, or dirfd's name, is known; false if it cannot be made. */
bool wb_name_absolute(int dirfd, const char *path, char *out, size_t size);

/* The working directory may have changed (chdir, fchdir). */
void wb_cwd_changed(void);

/* The program unlinked or renamed something: a name taken before may now name
 * nothing, or another file, so close reads /proc/self/fd for it instead (which
 * tells an unlinked file, then not noted at all). Costs one atomic add. */
void wb_names_unlinked(void);

#endif
