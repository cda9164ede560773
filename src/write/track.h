/* Driving the pipeline of a tracked fd: the glue between the doors' policy
 * (io.c) and the pure pipeline (pipeline.c), with the fd table's locking. */
#ifndef WB_TRACK_H
#define WB_TRACK_H

#include <stdint.h>
#include <sys/types.h>

#include "fdtable.h"

#define WB_AT_CURSOR (-1) /* at the file offset, which then moves past the data */
#define WB_AT_EOF (-2)    /* appended: at end of file, wherever that is */
#define WB_AT_EXACT(off) (-3 - (int64_t)(off)) /* at off, even on an O_APPEND fd */

/* `len` bytes were just written to fd at `at` (an offset or WB_AT_*). Classifies
 * the fd on first use, notes the bytes, and at a chunk boundary kicks the chunk and
 * waits for the oldest. slot may be NULL (looked up). Preserves errno. */
void wb_track_wrote(int fd, struct wb_slot *slot, int64_t at, uint64_t len);

/* The destination of a transfer about to happen: classifies fd if needed.
 * Returns its slot if it is tracked, else NULL. Preserves errno. */
struct wb_slot *wb_track_destination(int fd);

/* What the kernel received since the last look, for writers we cannot see
 * (stdio's internal writes): ask the kernel for the file offset and note the
 * bytes between the last known offset and it. `buffered` bytes still in the
 * stdio buffer are about to be written at that offset (the caller is about to
 * flush or seek) and are noted too. Preserves errno. */
void wb_track_sample(int fd, struct wb_slot *slot, uint64_t buffered);

/* `len` bytes are about to be written at the fd's offset (stdio's last buffer,
 * flushed by fclose after us): noted at the cached offset, or at the kernel's
 * if that is unknown. Preserves errno. */
void wb_track_pending(int fd, struct wb_slot *slot, uint64_t len);

/* The offset may have moved where we cannot see: learn it at the next note. */
void wb_track_forget_offset(struct wb_slot *slot);

/* The file offset moved in a way we could not follow (an fseek): learn it from
 * the kernel, noting nothing. Preserves errno. */
void wb_track_resync(int fd, struct wb_slot *slot);

/* The fd's offset is now `pos` (after a successful lseek). Never waits. */
void wb_track_seeked(struct wb_slot *slot, off_t pos);

/* Before the program's close: kick the unwritten tail of a big file, hand what is
 * in flight to the closed-file queue (keep.h; a block device, a server's file or
 * one without a usable name is waited for here instead), report statistics, and
 * forget the file. Opens nothing. Returns the latched writeback error for close()
 * to report: always 0 where cachestat exists (nothing is ever latched there).
 * Preserves errno. */
int wb_track_close(int fd, struct wb_slot *slot, const char *why);

/* Around the program's fsync/fdatasync. Where cachestat exists: the real call,
 * untouched, then what it wrote back is dropped; its result is returned as is.
 * Without cachestat: drain before, drop the clean tail after, and return -1 with
 * the latched error if real succeeded but our WAIT_AFTERs consumed an error. */
int wb_track_sync(int fd, struct wb_slot *slot, int (*real)(int));

#endif
