/* Locks and leases that a re-open of a file by the shim would disturb.
 *
 * Closing any descriptor of a file drops every POSIX record lock the process
 * holds on it (fcntl(2), "the locks are released when any file descriptor
 * referring to the file is closed"), and an open for reading breaks a write
 * lease (and sends its holder SIGIO) even with O_NONBLOCK. So before the shim
 * opens a closed file again (keep.h), it makes sure the process holds no POSIX
 * lock and nobody a lease or delegation on it, from /proc/locks. It does so
 * only once the process has been seen taking a lock or a lease (fcntl, lockf,
 * syscall(SYS_fcntl, ...)): most programs never do, and they pay nothing. */
#ifndef WB_LOCKS_H
#define WB_LOCKS_H

#include <stdbool.h>
#include <sys/types.h>

/* The program is about to call fcntl(fd, cmd, arg) (or lockf, as F_SETLK). */
void wb_locks_taking(int cmd, const void *arg);

/* Has the process ever taken a POSIX lock or a lease? One load. */
bool wb_locks_in_use(void);

/* Would a re-open and close of inode `ino` by process `pid` disturb a lock or a
 * lease? Reads /proc/locks; true also when it cannot tell. (By inode alone: the
 * device /proc/locks prints is the superblock's, which stat does not always
 * report; a false match only costs a drop.) */
bool wb_locks_on(ino_t ino, int pid);

#endif
