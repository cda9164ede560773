/* Drop-behind for big sequential reads (the read side's mechanism).
 *
 * A process that reads a big file from start to end (cp, cat, tar, a backup)
 * would leave all of it in the page cache, evicting everyone else's data. Here,
 * per fd, reads are followed; once more than two chunks were read sequentially,
 * what lies more than one chunk behind the reader is dropped (POSIX_FADV_DONTNEED),
 * chunk by chunk, and at end of file the rest. Only pages the process brought in
 * itself: each chunk is looked at once with cachestat(2) while it is still beyond
 * the kernel's readahead reach, per piece of 256 KiB, and a piece that held any
 * cached page then (someone else's hot data) is never dropped. Small files, random reads and files read a second
 * time are left alone. All three calls preserve errno. */
#ifndef WB_READBEHIND_H
#define WB_READBEHIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdtable.h"

/* Before reading up to `len` bytes from fd at `at` (an offset, or WB_AT_CURSOR):
 * classifies fd if needed, and on its first read decides and looks. Returns the
 * slot if the read must be reported with wb_read_after(), else NULL (the fd is
 * left alone, or WBSHIM_READ=0). slot may be NULL (looked up). */
struct wb_slot *wb_read_before(int fd, struct wb_slot *slot, int64_t at, size_t len);

/* The first piece of a zero-copy transfer from fd, at most `want`: no more than
 * an unclassified source may read before it is classified. */
size_t wb_read_first_piece(int fd, size_t want);

/* The read announced to wb_read_before() returned `got`. */
void wb_read_after(int fd, struct wb_slot *slot, int64_t at, size_t len, ssize_t got);

/* A stdio stream on fd handed the program `bytes` (glibc read into its buffer
 * through calls we cannot see); `eof`: the stream reached end of file. Every
 * chunk/8 bytes, and at end of file, the file offset is sampled (one lseek). */
void wb_read_sampled(int fd, struct wb_slot *slot, uint64_t bytes, bool eof);

#endif
