/* Policy behind each door: what happens around the real call.
 * Each wb_* returns exactly what the real call returned, with its errno; only on
 * kernels without cachestat(2) do fsync/fdatasync/close also report a writeback
 * error the pipeline's WAIT_AFTER consumed. */
#ifndef WB_IO_H
#define WB_IO_H

#include <sys/types.h>
#include <sys/uio.h>

typedef ssize_t (*wb_pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*wb_pwritev_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*wb_pwritev2_fn)(int, const struct iovec *, int, off_t, int);
typedef off_t (*wb_lseek_fn)(int, off_t, int);
typedef int (*wb_sync_fn)(int);

ssize_t wb_write(int fd, const void *buf, size_t len);
ssize_t wb_pwrite(int fd, const void *buf, size_t len, off_t off, wb_pwrite_fn real);
ssize_t wb_writev(int fd, const struct iovec *iov, int cnt);
ssize_t wb_pwritev(int fd, const struct iovec *iov, int cnt, off_t off, wb_pwritev_fn real);
ssize_t wb_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags,
		    wb_pwritev2_fn real);
off_t wb_lseek(int fd, off_t off, int whence, wb_lseek_fn real);
int wb_close(int fd);
int wb_sync(int fd, wb_sync_fn real);

#endif
