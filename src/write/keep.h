/* Closed files whose writeback is still in flight.
 *
 * When the program closes a tracked file, the chunks it kicked are still on their
 * way to the disk. Waiting for them in close() would make every file of a tree
 * copy wait for itself; forgetting them would leave them in the page cache. So
 * close() notes the file here: its identity (device, inode), its name (the one
 * its open door saw, fdnote.h, else read from /proc/self/fd while the program's
 * fd is still open), and what was written. The
 * shim holds nothing of the file: no descriptor, no lock, no lease. When its
 * device's budget (budget.h) needs room, or when completions are looked for, that
 * device's oldest noted files are opened again by name, each for that one
 * operation only: checked to be the same file, settled (settle.h: watched, never
 * waited for with SYNC_FILE_RANGE_WAIT_*, so its writeback error stays for
 * whoever would find it without the shim), dropped over what was written, and
 * closed. They go in batches of up to 16 (or a quarter chunk): the disk takes
 * closed files in the order they were kicked, so one look at the newest answers
 * for the batch. Another device's files are never waited for.
 *
 * What the program and others can observe, and why it stays unchanged:
 *  - after the program's close nothing of the file is open in the process
 *    (umount, lsof, the space of an unlinked file, locks, leases, inotify's
 *    IN_CLOSE_WRITE, NFS close-to-open); close() itself opens nothing;
 *  - fd numbers: a transient descriptor exists only inside one settle or look,
 *    as glibc's own internal opens do; where another thread could have
 *    dup2()ed onto it meanwhile, it is closed only after fstat (device, inode)
 *    and F_GETFL (our access mode) say the number still holds it;
 *  - a file renamed over, unlinked or replaced since is forgotten: its pages go
 *    with it or are someone else's;
 *  - a file closed again and again (a shell saving and restoring an fd around a
 *    builtin's redirection) is one entry, not one per close.
 *
 * Used only where cachestat(2) exists (Linux 6.5+); without it close() waits.
 * The queue is a static ring (no malloc in a signal handler). Lock protocol: one
 * spin lock guards it; it is held for a copy at most, never across a system
 * call, and a signal handler that interrupts its holder only try-locks (and then
 * does not note the file: close waits for it instead). */
#ifndef WB_KEEP_H
#define WB_KEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "device.h"
#include "fdtable.h"
#include "pipeline.h"

/* Enough entries that a tree of small files reaches its device's budget (bytes)
 * before the ring fills: a full ring makes each close wait for the oldest. */
#define WB_KEEP_MAX 1024

enum wb_keep_outcome {
	WB_KEEP_KEPT,     /* noted: it will be settled and dropped later */
	WB_KEEP_UNLINKED, /* no name left: its pages go with its last reference */
	WB_KEEP_REFUSED,  /* cannot note it (no usable name, a handler inside us) */
};

/* fd (the program's, still open, a regular file) is about to be closed; the
 * extents of `written` (its bytes in flight on `device`, counted there until the
 * file is dropped) were kicked; `low` is the lowest byte the writer wrote. Opens
 * nothing; when the ring is full, settles the device's own oldest noted file (or,
 * if it has none, forgets the overall oldest without waiting). Preserves errno. */
enum wb_keep_outcome wb_keep_file(int fd, const struct wb_identity *id, struct wb_device *device,
				  const struct wb_batch *written, uint64_t low);

/* Settle and drop `device`'s noted files, oldest first, while that device would
 * be over budget with `pending` more bytes (budget.h); other devices' files are
 * left alone. Returns their bytes. */
uint64_t wb_keep_settle(struct wb_device *device, uint64_t pending);

/* Without waiting: drop `device`'s oldest noted files whose pages have all
 * reached the disk, stopping at the first that has not (looked at no sooner than
 * its bytes need at the device's rate). Returns their bytes. */
uint64_t wb_keep_reap(struct wb_device *device);

/* The program renamed `from` (relative to fromdir) to `to` (relative to todir),
 * or exchanged the two: if a noted file moved, follow it to its new name (a
 * temporary name renamed into place, as rsync and editors do). Found by name
 * where both names can be made without a system call (fdnote.h), else by the
 * identity of what is now at the new name (one fstatat). Costs one load when
 * nothing is noted. Preserves errno. */
void wb_keep_renamed(int fromdir, const char *from, int todir, const char *to, bool exchange);

/* At exit: drop what is clean, wait for nothing. */
void wb_keep_exit(void);
/* atfork child: the parent's files are the parent's. */
void wb_keep_after_fork(void);

#endif
