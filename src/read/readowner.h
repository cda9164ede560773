/* Whose pages are these? The read side drops only what the process brought into
 * the cache itself. */
#ifndef WB_READOWNER_H
#define WB_READOWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Which pieces of the range [off, off + len) of fd, clipped to `size`, hold no
 * cached page at all? Bit p of the answer is the piece [off + p * piece,
 * off + (p + 1) * piece), at most 64 pieces. cachestat(2) counts without touching
 * (no readahead, no LRU change): one call for the whole range, and only when it is
 * partly cached one per piece. Pieces beyond `size` (another writer's pages) and
 * any error (EPERM: Linux 6.14+ answers only for files the caller could write or
 * owns; ENOSYS) count as cached. */
uint64_t wb_range_uncached(int fd, uint64_t off, uint64_t len, uint64_t piece, uint64_t size);

/* False once cachestat(2) returned ENOSYS (before Linux 6.5). Then nothing tells
 * our pages from someone else's: mincore needs a mapping, and reports a file the
 * caller may not write as uncached, which would make everyone's pages look like
 * ours; so only files this process wrote itself are dropped. */
bool wb_cachestat_usable(void);

/* Files this process dropped behind: reading one again (a database, a file a
 * script checks after copying it) leaves it cached the second time. */
bool wb_read_seen(dev_t dev, ino_t ino);
void wb_read_remember(dev_t dev, ino_t ino);

/* Files this process wrote and closed (the last 16): what it maps of them
 * later is its own read-back. wb_written_any(): one was remembered. */
void wb_written_remember(dev_t dev, ino_t ino);
bool wb_written_recently(dev_t dev, ino_t ino);
bool wb_written_any(void);

/* Does this process hold the file open on a tracked fd that wrote to it? Then
 * what it reads back is its own (the write side drops it too). Scans the fd
 * table: once per big file. */
bool wb_written_here(dev_t dev, ino_t ino);

#endif
