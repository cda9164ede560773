/* Descriptors of our own, for one operation only.
 *
 * The shim opens a file itself only where it must (a closed file's pages,
 * /proc/locks) and closes it before the door returns, as glibc's own internal
 * opens do. Other threads open, dup2 and close numbers meanwhile: a number is
 * closed only after F_GETFL (our access mode and O_NONBLOCK) and fstat (the
 * device and inode we opened) say it still holds our descriptor; if another
 * thread dup2()ed onto it, the kernel closed ours already and the number is
 * theirs. A process with one thread (glibc's __libc_single_threaded) has no
 * other thread to do that, and closes without asking. Opens are raw system
 * calls, which our own open doors never see. */
#ifndef WB_TRANSIENT_H
#define WB_TRANSIENT_H

#include <sys/stat.h>

/* Open `name` read-only (O_NONBLOCK: a FIFO or a lease cannot hang us;
 * O_NOATIME where allowed; O_CLOEXEC, O_NOCTTY) and fstat it into *st.
 * `seen`: the caller's fstatat of the name just before, or NULL. In a process
 * with one thread it stands for the fstat: no thread can have taken the number,
 * and what another process may rename onto the name in the microseconds between
 * is not told apart (its clean pages over our written ranges could be dropped).
 * The fd, or -1 (errno untouched). */
int wb_transient_open(const char *name, const struct stat *seen, struct stat *st);

/* The same for a /proc file, whose identity does not matter: without O_NOATIME
 * (it has no access time to keep, and a process that does not own it would be
 * refused, then open it twice), and fstat only where threads could take the number. */
int wb_transient_open_proc(const char *name, struct stat *st);

/* Close fd if it still holds what wb_transient_open() opened (*st). */
void wb_transient_close(int fd, const struct stat *st);

#endif
