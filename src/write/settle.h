/* Waiting for a range of a file to reach the disk without consuming its error.
 *
 * SYNC_FILE_RANGE_WAIT_AFTER (and fsync) report a writeback error through
 * file_check_and_advance_wb_err() (mm/filemap.c): the error is then marked seen
 * (lib/errseq.c) on that file description, so the program's own fsync or close
 * no longer reports it, and, once seen, a later opener's fsync (`sync FILE`) no
 * longer reports it either. cachestat(2) (Linux 6.5+) only counts the range's
 * dirty and writeback pages: settling by watching it leaves the error exactly
 * where the kernel put it, for whoever would have found it without the shim.
 *
 * A settle looks, sleeps about as long as the pages still dirty or under
 * writeback need at the disk's measured rate (pace.h), in naps of 100 us to
 * 20 ms, and looks again (before the rate is measured, naps start at 100 us
 * and double up to that: the starting guess may be far below the disk's); pages dirtied again after their kick (a rewrite,
 * stdio's last buffer) are kicked again. It gives up after two minutes: a wait
 * must not hang a program forever on a disk that stopped. */
#ifndef WB_SETTLE_H
#define WB_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "pipeline.h"

/* Can a wait be done by watching the page cache here (cachestat)? Asks the
 * kernel once, with fd. */
bool wb_settle_possible(int fd);

/* Until [off, off + len) of fd (len 0: to end of file) has no dirty or writeback
 * page. 0, or -1 with errno (ETIMEDOUT: patience ran out; EBADF, ...: cachestat
 * failed). Preserves errno on success. */
int wb_settle(int fd, uint64_t off, uint64_t len, const struct wb_device *device);

/* One look, without waiting: 1 settled, 0 not yet (*left: bytes still dirty or
 * under writeback), -1 cachestat failed. `kick`: and kick pages dirtied again. */
int wb_settle_check(int fd, uint64_t off, uint64_t len, uint64_t *left, bool kick);

/* One look at a batch's ranges, each on its own (their span would also cover
 * later batches' ranges, and find those still in flight), without a kick: have
 * they all reached the disk? *off_device: not yet, and none of it is under
 * writeback, only dirty pages (written again after the kick; the next kick takes
 * them): the device has none of it in hand (rate.h). */
bool wb_settle_batch_look(int fd, const struct wb_batch *batch, bool *off_device);

/* A nap for `left` bytes at the device's measured rate (the starting guess for
 * NULL), clamped to the settle's bounds, in nanoseconds. */
uint64_t wb_settle_nap_ns(uint64_t left, const struct wb_device *device);

/* The pipeline's operations when waits settle: kick and drop as the kernel's,
 * waits by wb_settle(). */
extern const struct wb_ops wb_settle_ops;

#endif
