/* Driving the pipeline of a tracked fd: the glue between the doors' policy
 * (io.c) and the pure pipeline (pipeline.c), with the fd table's locking. */
#ifndef WB_TRACK_H
#define WB_TRACK_H

#include <stdint.h>
#include <sys/types.h>

#include "fdtable.h"

#define WB_AT_CURSOR (-1) /* at the file offset, which then moves past the data */
#define WB_AT_EOF (-2)    /* appended: at end of file, wherever that is */

/* `len` bytes were just written to fd at `at` (an offset or WB_AT_*). Classifies
 * the fd on first use, notes the bytes, and at a chunk boundary kicks the chunk and
 * waits for the oldest. slot may be NULL (looked up). Preserves errno. */
void wb_track_wrote(int fd, struct wb_slot *slot, int64_t at, uint64_t len);

/* The fd's offset is now `pos` (after a successful lseek). Never waits. */
void wb_track_seeked(struct wb_slot *slot, off_t pos);

/* Before the program's close: kick the unwritten tail of a big file, wait for and
 * drop what was in flight, report statistics, and forget the file. Returns the
 * latched writeback error (0 if none) for close() to report. Preserves errno. */
int wb_track_close(int fd, struct wb_slot *slot, const char *why);

/* Around the program's fsync/fdatasync: drain before, drop the now clean tail
 * after. Returns what the program must see: real's result, or -1 with the latched
 * error if real succeeded but our waits consumed an error. */
int wb_track_sync(int fd, struct wb_slot *slot, int (*real)(int));

#endif
