/* The writeback pipeline of one file: plain logic, no locks, no libc I/O.
 *
 * Bytes the program writes are noted as extents. Once a chunk's worth of bytes has
 * been written, the pending extents become a batch that is kicked
 * (SYNC_FILE_RANGE_WRITE) and queued; when more than `depth` batches are queued,
 * the oldest is waited for and dropped from the cache (POSIX_FADV_DONTNEED). For a
 * sequential writer at depth 1 that is: kick chunk N, wait for and drop chunk N-1.
 * Before a chunk is complete, the stream's part of it is kicked a step at a time
 * (WB_KICK_STEP, wb_pipe_take_step).
 * How a wait is done is the caller's choice of operations (struct wb_ops): a
 * settle operation that watches the page cache, or SYNC_FILE_RANGE_WAIT_AFTER.
 *
 * Callers serialise access to one struct wb_pipe (fdtable.h's slot lock) and run the
 * returned batches with wb_batch_kick()/wb_batch_wait() after releasing the lock,
 * so no lock is ever held across a system call. */
#ifndef WB_PIPELINE_H
#define WB_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

/* Distinct ranges remembered per batch: the sequential stream plus a few patched
 * places (a muxer rewriting its header); more are merged into the nearest one. */
#define WB_EXTENTS 4

struct wb_extent {
	uint64_t start, end; /* [start, end) in bytes */
};

struct wb_batch {
	unsigned int count;
	uint64_t bytes; /* written into it (rewrites counted): its weight in the budget */
	struct wb_extent extent[WB_EXTENTS];
};

/* The largest folio the page cache builds for a file (PMD size on x86_64 and
 * arm64 with 4 KiB pages). POSIX_FADV_DONTNEED evicts only folios wholly inside
 * its range, so a drop starts at a boundary of this size: a folio straddling two
 * chunks is gone with the second (see wb_drop_start). */
#define WB_FOLIO_MAX (2ULL << 20)

/* Inside a chunk, writeback of the stream is started every this many bytes (a
 * step), so that a writer slower than its disk hands the disk a megabyte at a
 * time as it goes, not a whole chunk at once: a synchronous read of the same
 * disk then finds less written work queued ahead of it, and a chunk is mostly
 * on disk by the time it is complete, so waits for it are shorter. The chunk
 * stays the unit of the budget, of the waits and of the drops; a step only
 * starts writeback sooner. */
#define WB_KICK_STEP (1ULL << 20)

struct wb_pipe {
	uint64_t chunk;          /* bytes per batch, kicked whole once written (steps before) */
	unsigned int depth;      /* batches kept in flight */
	uint64_t pending_bytes;  /* written since the last kick, counted even when rewritten */
	uint64_t stepped;        /* pending_bytes when the last step was taken (0: none) */
	uint64_t kicked_to;      /* where the last step's range ended (0: none) */
	struct wb_batch pending; /* where those bytes went */
	unsigned int head;       /* oldest queued batch */
	unsigned int queued;     /* kicked, not yet waited for */
	uint64_t inflight;       /* bytes of the queued batches */
	uint64_t low;            /* lowest offset noted since reset (UINT64_MAX: none) */
	struct wb_batch ring[];  /* depth + 1 entries */
};

/* Bytes to allocate for a pipe of this depth. */
uint64_t wb_pipe_size(unsigned int depth);
void wb_pipe_reset(struct wb_pipe *pipe, uint64_t chunk, unsigned int depth);

/* Note `len` bytes written at `start`. Returns true once a chunk is complete. */
bool wb_pipe_note(struct wb_pipe *pipe, uint64_t start, uint64_t len);

/* A step is due (WB_KICK_STEP above): the bytes noted since the last kick or
 * step have passed `step`, and the chunk is not yet complete. *out is the range
 * to start writeback of: the pending extent holding `end` (where the last note
 * ended), from where the last step ended, or from its start, up to `end` rounded
 * down to a page, so the page the writer is filling is not put under writeback
 * while it fills it. False if no step is due or the range is empty; no step is
 * ever taken when `step` is not below the chunk. `page` is a power of two. */
bool wb_pipe_take_step(struct wb_pipe *pipe, uint64_t step, uint64_t end, uint64_t page,
		       struct wb_extent *out);

/* Move the pending extents to *out (without queueing them). False if none. */
bool wb_pipe_take_pending(struct wb_pipe *pipe, struct wb_batch *out);
/* Move the pending extents to *out and queue them as kicked. False if none. */
bool wb_pipe_take_kick(struct wb_pipe *pipe, struct wb_batch *out);
/* Dequeue the oldest batch into *out if more than `keep` are queued. */
bool wb_pipe_take_oldest(struct wb_pipe *pipe, unsigned int keep, struct wb_batch *out);
/* Dequeue at most `max` bytes of the oldest batch: a slice of its first extent
 * when that is longer (the rest stays queued), else the whole batch. */
bool wb_pipe_take_oldest_slice(struct wb_pipe *pipe, uint64_t max, struct wb_batch *out);
/* What the next take_oldest_slice(max) would take: its extents, each as noted
 * (not their span, which may cover later batches' ranges). False if nothing is
 * queued. */
bool wb_pipe_peek_oldest_slice(const struct wb_pipe *pipe, uint64_t max, struct wb_batch *out);
/* Dequeue every queued batch into one: *out gets their bytes and their extents
 * (merged into at most WB_EXTENTS, the nearest ones together). False if none. */
bool wb_pipe_take_all(struct wb_pipe *pipe, struct wb_batch *out);
/* Add `from`'s extents and bytes to `into` (the same merging as above). */
void wb_batch_merge(struct wb_batch *into, const struct wb_batch *from);

/* Where a drop of a range beginning at `start` begins: the folio boundary at or
 * below it, but not below `floor` (the lowest byte the file's writer wrote), so
 * that nothing the writer never touched is dropped. */
uint64_t wb_drop_start(uint64_t start, uint64_t floor);

/* Where a drop of a range ending at `end` ends, for a file of `size` bytes: the
 * page boundary at or above `end` (fadvise leaves a partial last page alone), so
 * that no page after what was written is dropped; or UINT64_MAX (to end of file)
 * when `end` reaches `size`: past it there is no data, only the rest of the last
 * folio, which a bounded drop would leave cached. `page` is a power of two. */
uint64_t wb_drop_end(uint64_t end, uint64_t size, uint64_t page);

/* The kernel operations, replaceable by fakes in the unit tests.
 * All return 0 or -1 with errno set. `settle` (may be NULL) waits until the range
 * has no dirty or writeback page, by looking at the page cache only: unlike
 * SYNC_FILE_RANGE_WAIT_AFTER, used when it is NULL, it never reports, and so never
 * consumes, the file's writeback error (mm/filemap.c, file_check_and_advance_wb_err). */
struct wb_ops {
	int (*sync_range)(int fd, uint64_t off, uint64_t len, unsigned int flags);
	int (*drop)(int fd, uint64_t off, uint64_t len);
	int (*settle)(int fd, uint64_t off, uint64_t len);
};

extern const struct wb_ops wb_kernel_ops;

/* Kick writeback of every extent. Returns 0 or the first errno. */
int wb_batch_kick(const struct wb_ops *ops, int fd, const struct wb_batch *batch);
/* Wait for every extent's writeback (ops->settle, else WAIT_AFTER), then drop it
 * if `drop` (from wb_drop_start(extent start, floor)). Returns 0 or the first errno
 * of a wait (drop failures only cost cache, they are not errors). */
int wb_batch_wait(const struct wb_ops *ops, int fd, const struct wb_batch *batch, bool drop,
		  uint64_t floor);

/* Drop every extent without waiting: only pages whose writeback has already
 * finished go. Used where a wait could hang on a server. */
void wb_batch_drop(const struct wb_ops *ops, int fd, const struct wb_batch *batch);

/* What an errno from sync_file_range means for the file (where waits use
 * SYNC_FILE_RANGE_WAIT_AFTER: with a settle operation, nothing is latched). */
enum wb_verdict {
	WB_TRANSIENT, /* EINTR, EAGAIN, ENOMEM from a kick: try again at the next chunk */
	WB_REFUSED,   /* this file cannot be driven: stop, quietly */
	WB_GONE,      /* EBADF: the fd was closed behind our back */
	WB_DATA_LOST, /* a real writeback error: latch it for fsync/close */
};
enum wb_verdict wb_classify_error(int err, bool from_wait);

#endif
