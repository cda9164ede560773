/* The cached file offset of a tracked fd. */
#define _GNU_SOURCE
#include "offset.h"

#include <unistd.h>

#include "real.h"

bool wb_offset_ask(int fd, const struct wb_file *file, int64_t at, int64_t *cursor)
{
	*cursor = -1;
	if (at >= 0 || wb_offset_known(file))
		return true;
	/* Once per fd, after a fork or a skipped step: learn it from the kernel. */
	*cursor = real_lseek(fd, 0, SEEK_CUR);
	return *cursor >= 0;
}

bool wb_offset_start(struct wb_file *file, int64_t at, int64_t cursor, uint64_t len,
		     uint64_t *start)
{
	if (at >= 0) {
		*start = (uint64_t)at;
		return true;
	}
	if (cursor >= 0) {
		*start = (uint64_t)cursor >= len ? (uint64_t)cursor - len : 0;
		wb_offset_set(file, (uint64_t)cursor);
		return true;
	}
	if (!wb_offset_known(file))
		return false;
	*start = file->pos;
	file->pos += len;
	return true;
}
