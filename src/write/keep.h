/* Closed files whose writeback is still in flight.
 *
 * When the program closes a tracked file, the chunks it kicked are still on their
 * way to the disk. Waiting for them in close() would make every file of a tree
 * copy wait for itself; forgetting them would leave them in the page cache. So
 * close() hands them here: the shim opens its own read-only description of the
 * file (through /proc/self/fd, before the program's close), moves it far above
 * the program's fd numbers, and keeps it in a small FIFO. When its device's budget
 * (budget.h) needs room, that device's oldest kept file is waited for and
 * dropped, and its descriptor closed: another device's files are never waited for.
 *
 * The wait never consumes the file's writeback error: it polls cachestat(2) for
 * dirty and writeback pages instead of calling SYNC_FILE_RANGE_WAIT_AFTER, which
 * would advance the error cursor (mm/filemap.c, file_check_and_advance_wb_err).
 * An error found after the program's close therefore stays where the kernel puts
 * it without the shim: for the next opener's fsync (lib/errseq.c). Without
 * cachestat (Linux < 6.5) nothing is kept and close() waits as before.
 *
 * What the program and others can observe, and how it stays unchanged:
 *  - the program's own description is released at its close (inotify
 *    IN_CLOSE_WRITE, NFS close-to-open, leases): ours is a separate read-only one;
 *  - fd numbers: ours live at the top of RLIMIT_NOFILE (at most WB_KEEP_MAX, and
 *    only when the limit leaves room); an open-family call that lands on or above
 *    them, or fails with EMFILE, makes us release them all and renumber or retry;
 *    close(), dup2() and close_range() on one of our numbers act as if it were free;
 *  - POSIX record locks: closing any descriptor of a file drops the process's
 *    locks on it, so before the program takes a lock (fcntl F_SETLK*, lockf) on a
 *    file we keep, we release ours first;
 *  - a file already unlinked is not kept: its pages die with it;
 *  - O_CLOEXEC, and a forked child closes the parent's without waiting.
 *
 * Lock protocol: one spin lock guards the FIFO; it is held for a few
 * instructions, never across a system call, and a signal handler that
 * interrupts its holder only try-locks (and then does not keep). */
#ifndef WB_KEEP_H
#define WB_KEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "device.h"
#include "fdtable.h"

#define WB_KEEP_MAX 32

enum wb_keep_outcome {
	WB_KEEP_KEPT,     /* kept: it will be waited for and dropped later */
	WB_KEEP_UNLINKED, /* no name left: nothing worth writing back or waiting for */
	WB_KEEP_REFUSED,  /* cannot keep it (no cachestat, no room, no read access) */
};

/* fd (the program's, still open) is about to be closed; `bytes` kicked in
 * [start, end) are in flight on `device`, and stay counted there until the kept
 * file is dropped. Never waits, except for the device's own oldest kept file when
 * the FIFO is full (another device's oldest is then released without waiting).
 * Preserves errno. */
enum wb_keep_outcome wb_keep_file(int fd, const struct wb_identity *id,
				  struct wb_device *device, uint64_t start, uint64_t end,
				  uint64_t bytes);

/* Wait for and drop `device`'s kept files, oldest first, while that device would
 * be over budget with `pending` more bytes (budget.h); other devices' files are
 * left alone. Returns the bytes waited for. */
uint64_t wb_keep_settle(struct wb_device *device, uint64_t pending);

/* Without waiting: drop and close `device`'s oldest kept files whose pages have
 * all reached the disk (one cachestat each, stopping at the first that has not).
 * Returns their bytes. */
uint64_t wb_keep_reap(struct wb_device *device);

/* Lowest fd number we hold (INT_MAX if none): one load for the open doors. */
extern int wb_keep_floor;

static inline int wb_keep_lowest(void)
{
	return __atomic_load_n(&wb_keep_floor, __ATOMIC_RELAXED);
}

/* The program is about to lock the file open on fd: release what we keep of it. */
void wb_keep_release_inode_of(int fd);
/* fd is one of ours: release it (drop what is clean, close) and return true. */
bool wb_keep_release_fd(int fd);
/* Release every kept file in [first, last] (close_range, closefrom). */
void wb_keep_release_range(unsigned int first, unsigned int last);
/* Release everything, without waiting; returns how many were released. */
unsigned int wb_keep_release_all(void);

/* At exit: drop what is clean, wait for nothing. */
void wb_keep_exit(void);
/* atfork child: close the parent's kept descriptors, wait for nothing. */
void wb_keep_after_fork(void);

#endif
