/* The cached file offset of a tracked fd (struct wb_file.pos, valid while
 * pos_known): the write side and the read side move it, and ask the kernel
 * only when it is not known. */
#ifndef WB_OFFSET_H
#define WB_OFFSET_H

#include <stdbool.h>
#include <stdint.h>

#include "fdtable.h"

static inline bool wb_offset_known(const struct wb_file *file)
{
	return __atomic_load_n(&file->pos_known, __ATOMIC_RELAXED);
}

/* Under the slot lock: the offset is pos from now on. */
static inline void wb_offset_set(struct wb_file *file, uint64_t pos)
{
	file->pos = pos;
	__atomic_store_n(&file->pos_known, true, __ATOMIC_RELAXED);
}

/* Without the lock: the next transfer asks the kernel. */
static inline void wb_offset_forget(struct wb_file *file)
{
	__atomic_store_n(&file->pos_known, false, __ATOMIC_RELAXED);
}

/* Before taking the slot lock, after a transfer at `at` (an offset >= 0, or < 0:
 * at the file offset): *cursor is the offset the kernel gives (one lseek) when
 * the cached one is not known, else -1. False if the kernel could not say. */
bool wb_offset_ask(int fd, const struct wb_file *file, int64_t at, int64_t *cursor);

/* Under the slot lock: where did a transfer of len bytes at `at` start?
 * at >= 0: there (pread, pwrite: the offset does not move); cursor >= 0 (from
 * wb_offset_ask): len before it, and the offset is cursor; else the cached
 * offset, moved past the data. False if the offset is not known. */
bool wb_offset_start(struct wb_file *file, int64_t at, int64_t cursor, uint64_t len,
		     uint64_t *start);

#endif
