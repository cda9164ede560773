/* Locks and leases that a re-open of a file by the shim would disturb.
 *
 * Closing any descriptor of a file drops every POSIX record lock the process
 * holds on it (fcntl(2), "the locks are released when any file descriptor
 * referring to the file is closed"), and an open for reading breaks a write
 * lease (and sends its holder SIGIO) even with O_NONBLOCK, whoever holds it:
 * another program (a file server's oplock, a cache) may. So before the shim
 * opens closed files again (keep.h), it reads /proc/locks once for the batch:
 * a file with anyone's lease or delegation on it, or a POSIX lock of this
 * process, is not opened (its pages are left to the kernel). POSIX locks are
 * looked for only once the process has been seen taking a lock or a lease
 * (fcntl, lockf, syscall(SYS_fcntl, ...)). */
#ifndef WB_LOCKS_H
#define WB_LOCKS_H

#include <stdbool.h>
#include <sys/types.h>

/* The program is about to call fcntl(fd, cmd, arg) (or lockf, as F_SETLK). */
void wb_locks_taking(int cmd, const void *arg);

/* Has the process ever taken a POSIX lock or a lease? One load. */
bool wb_locks_in_use(void);

#define WB_LOCKS_SEEN_MAX 32

/* What /proc/locks showed at one moment: the inodes a re-open would disturb.
 * By inode alone: the device /proc/locks prints is the superblock's, which stat
 * does not always report; a false match only costs a drop. */
struct wb_locks_seen {
	bool all;           /* unreadable, or more inodes than fit: every one counts */
	unsigned int count;
	ino_t ino[WB_LOCKS_SEEN_MAX];
};

/* One read of /proc/locks: every lease and delegation, and the POSIX locks of
 * process `pid` (0: none looked for). Past 64 KiB of it, `all`. */
void wb_locks_look(struct wb_locks_seen *seen, int pid);

/* Would a re-open and close of inode `ino` disturb what `seen` holds? */
bool wb_locks_seen_on(const struct wb_locks_seen *seen, ino_t ino);

#endif
