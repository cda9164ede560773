/* The read side: drop-behind for big sequential reads.
 *
 * A process that reads a big file from start to end (cp, cat, tar, a backup)
 * would leave all of it in the page cache, evicting everyone else's data. Here,
 * per fd, reads are followed; once more than WB_READ_AFTER_CHUNKS chunks were
 * read sequentially, what lies more than one chunk behind the reader is dropped
 * (POSIX_FADV_DONTNEED), chunk by chunk, and at end of file the rest. Only pages
 * the process brought in itself: a chunk already cached before the process came
 * near it (someone else's hot data) is never dropped. Small files, random reads
 * and files read a second time are left alone.
 *
 * Each policy returns exactly what the real call returned, with its errno. */
#ifndef WB_READSIDE_H
#define WB_READSIDE_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "fdtable.h"

typedef ssize_t (*wb_pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*wb_preadv_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*wb_preadv2_fn)(int, const struct iovec *, int, off_t, int);

ssize_t wb_read(int fd, void *buf, size_t len);
ssize_t wb_pread(int fd, void *buf, size_t len, off_t off, wb_pread_fn real);
ssize_t wb_readv(int fd, const struct iovec *iov, int cnt);
ssize_t wb_preadv(int fd, const struct iovec *iov, int cnt, off_t off, wb_preadv_fn real);
ssize_t wb_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags,
		   wb_preadv2_fn real);

/* For transfers whose source is a file (copy.c): call wb_read_before() before
 * reading up to `len` bytes from fd at `at` (an offset, or WB_AT_CURSOR), and, if
 * it returned a slot, wb_read_after() with what the transfer returned. Both are
 * cheap for an fd the read side leaves alone, and preserve errno. */
struct wb_slot *wb_read_before(int fd, struct wb_slot *slot, int64_t at, size_t len);
void wb_read_after(int fd, struct wb_slot *slot, int64_t at, size_t len, ssize_t got);

#endif
