/* The process-wide writeback budget.
 *
 * Pages this process has written and not yet dropped are counted across every
 * file it writes, open or closed: `wb_inflight` holds the bytes of chunks kicked
 * and not yet waited for and dropped, whether they belong to an open file's
 * pipeline (track.c) or to a closed file kept in the queue (keep.c). Writers wait,
 * oldest first, while it is above `depth x chunk`; add one partial chunk per
 * file open for writing and that is the bound the README states.
 *
 * `wb_written` counts the bytes written to tracked files until it passes one
 * chunk: a process that writes a few small files (a config, temporary files) is
 * left to the kernel; after that, every file it writes takes part.
 * Both are relaxed atomics: they steer pacing, nothing depends on them exactly. */
#ifndef WB_BUDGET_H
#define WB_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "init.h"

extern uint64_t wb_inflight;
extern uint64_t wb_written;
extern bool wb_writer; /* wb_written has passed a chunk: sticky */

static inline uint64_t wb_budget_bytes(void)
{
	return (uint64_t)wb_cfg.depth * wb_cfg.chunk;
}

static inline bool wb_budget_over(void)
{
	return __atomic_load_n(&wb_inflight, __ATOMIC_RELAXED) > wb_budget_bytes();
}

static inline void wb_inflight_add(uint64_t bytes)
{
	__atomic_add_fetch(&wb_inflight, bytes, __ATOMIC_RELAXED);
}

/* Saturating: a count lost to a race or a fork must not wrap around. */
void wb_inflight_sub(uint64_t bytes);

/* `bytes` more were written to a tracked file. One load once the process is known
 * to be a writer; an atomic add until then. */
static inline void wb_budget_wrote(uint64_t bytes)
{
	if (__builtin_expect(__atomic_load_n(&wb_writer, __ATOMIC_RELAXED), 1))
		return;
	if (__atomic_add_fetch(&wb_written, bytes, __ATOMIC_RELAXED) >= wb_cfg.chunk)
		__atomic_store_n(&wb_writer, true, __ATOMIC_RELAXED);
}

static inline bool wb_budget_writer(void)
{
	return __atomic_load_n(&wb_writer, __ATOMIC_RELAXED);
}

/* atfork child: the parent's chunks are the parent's to wait for. */
void wb_budget_after_fork(void);

#endif
