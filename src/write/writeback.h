/* Kicking and waiting for the batches of one tracked fd: the kernel calls of
 * the pipeline (pipeline.h), with the budget's accounting, the statistics and
 * what an error from them means for the file. Where cachestat(2) exists a wait
 * watches the page cache (settle.h) and no error is ever consumed or latched;
 * else it uses SYNC_FILE_RANGE_WAIT_AFTER and latches the error it took for the
 * program's fsync/close. None of them keeps errno: their callers do. */
#ifndef WB_WRITEBACK_H
#define WB_WRITEBACK_H

#include "fdtable.h"
#include "pipeline.h"

/* Start writeback of the batch and count it in flight on the file's device. */
void wb_track_kick(int fd, struct wb_slot *slot, struct wb_file *file,
		   const struct wb_batch *batch);

/* Start writeback of one step of a chunk not yet complete (pipeline.h,
 * WB_KICK_STEP). Nothing is counted: the chunk's kick counts it in flight. */
void wb_track_kick_step(int fd, struct wb_slot *slot, struct wb_file *file,
			const struct wb_extent *step);

/* Wait until the batch is on disk, drop it (unless WBSHIM_DROP=0), and take it
 * off the device's bytes in flight. A network file's batch is not waited for:
 * what already finished is dropped. */
void wb_track_wait(int fd, struct wb_slot *slot, struct wb_file *file,
		   const struct wb_batch *batch);

/* Wait for queued batches, oldest first, until `keep` remain. */
void wb_track_drain(int fd, struct wb_slot *slot, struct wb_file *file, unsigned int keep);

#endif
