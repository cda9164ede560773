/* Writeback pipeline: extent bookkeeping and the batch operations. */
#define _GNU_SOURCE
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>


uint64_t wb_pipe_size(unsigned int depth)
{
	return sizeof(struct wb_pipe) + (uint64_t)(depth + 1) * sizeof(struct wb_batch);
}

void wb_pipe_reset(struct wb_pipe *pipe, uint64_t chunk, unsigned int depth)
{
	memset(pipe, 0, (size_t)wb_pipe_size(depth));
	pipe->chunk = chunk;
	pipe->depth = depth;
	pipe->low = UINT64_MAX;
}

static uint64_t wb_gap(const struct wb_extent *a, uint64_t start, uint64_t end)
{
	if (end < a->start)
		return a->start - end;
	if (start > a->end)
		return start - a->end;
	return 0; /* touching or overlapping */
}

static void wb_extent_merge(struct wb_extent *into, uint64_t start, uint64_t end)
{
	if (start < into->start)
		into->start = start;
	if (end > into->end)
		into->end = end;
}

/* Merge [start, end) into the batch: into an extent it touches, into a free slot,
 * or, when all slots are used, into the nearest extent (the batch then covers some
 * bytes that were not written, which only costs a slightly wider sync). */
static void wb_batch_add(struct wb_batch *batch, uint64_t start, uint64_t end)
{
	unsigned int i, nearest = 0;
	uint64_t best = UINT64_MAX;

	for (i = 0; i < batch->count; i++) {
		uint64_t gap = wb_gap(&batch->extent[i], start, end);
		if (gap < best) {
			best = gap;
			nearest = i;
		}
	}
	if (best != 0 && batch->count < WB_EXTENTS) {
		batch->extent[batch->count].start = start;
		batch->extent[batch->count].end = end;
		batch->count++;
		return;
	}
	wb_extent_merge(&batch->extent[nearest], start, end);
	/* A widened extent may now touch another one: fold those together. */
	for (i = 0; i < batch->count; i++) {
		if (i == nearest || wb_gap(&batch->extent[i], batch->extent[nearest].start,
					   batch->extent[nearest].end) != 0)
			continue;
		wb_extent_merge(&batch->extent[nearest], batch->extent[i].start,
				batch->extent[i].end);
		batch->extent[i] = batch->extent[--batch->count];
		if (nearest == batch->count)
			nearest = i;
		i = (unsigned int)-1; /* rescan: the merged extent grew again */
	}
}

bool wb_pipe_note(struct wb_pipe *pipe, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (len == 0)
		return false;
	if (end < start) /* offsets near 2^64 cannot be real; keep the arithmetic sane */
		end = UINT64_MAX;
	wb_batch_add(&pipe->pending, start, end);
	pipe->pending_bytes += len;
	if (start < pipe->low)
		pipe->low = start;
	return pipe->pending_bytes >= pipe->chunk;
}

bool wb_pipe_take_step(struct wb_pipe *pipe, uint64_t step, uint64_t end, uint64_t page,
		       struct wb_extent *out)
{
	const struct wb_extent *e = NULL;

	if (step >= pipe->chunk || pipe->pending_bytes >= pipe->chunk ||
	    pipe->pending_bytes - pipe->stepped < step)
		return false;
	pipe->stepped = pipe->pending_bytes;
	for (unsigned int i = 0; i < pipe->pending.count; i++)
		if (pipe->pending.extent[i].start < end && end <= pipe->pending.extent[i].end)
			e = &pipe->pending.extent[i];
	if (!e)
		return false;
	out->start = pipe->kicked_to > e->start && pipe->kicked_to <= end ? pipe->kicked_to : e->start;
	out->end = end & ~(page - 1);
	if (out->end <= out->start)
		return false;
	pipe->kicked_to = out->end;
	return true;
}

bool wb_pipe_take_pending(struct wb_pipe *pipe, struct wb_batch *out)
{
	if (pipe->pending.count == 0)
		return false;
	*out = pipe->pending;
	out->bytes = pipe->pending_bytes;
	pipe->pending.count = 0;
	pipe->pending_bytes = 0;
	pipe->stepped = 0;
	pipe->kicked_to = 0;
	return true;
}

bool wb_pipe_take_kick(struct wb_pipe *pipe, struct wb_batch *out)
{
	unsigned int capacity = pipe->depth + 1;

	if (!wb_pipe_take_pending(pipe, out))
		return false;
	if (pipe->queued == capacity) {
		/* Only reachable if a caller skipped take_oldest; forget the oldest rather
		 * than overrun the ring (it stays in the kernel's hands). */
		pipe->inflight -= pipe->ring[pipe->head].bytes;
		pipe->head = (pipe->head + 1) % capacity;
		pipe->queued--;
	}
	pipe->ring[(pipe->head + pipe->queued) % capacity] = *out;
	pipe->queued++;
	pipe->inflight += out->bytes;
	return true;
}

bool wb_pipe_take_oldest(struct wb_pipe *pipe, unsigned int keep, struct wb_batch *out)
{
	if (pipe->queued <= keep)
		return false;
	*out = pipe->ring[pipe->head];
	pipe->head = (pipe->head + 1) % (pipe->depth + 1);
	pipe->queued--;
	pipe->inflight -= out->bytes;
	return true;
}

bool wb_pipe_take_oldest_slice(struct wb_pipe *pipe, uint64_t max, struct wb_batch *out)
{
	struct wb_batch *head = &pipe->ring[pipe->head];
	struct wb_extent *first = &head->extent[0];
	uint64_t len;

	if (pipe->queued == 0)
		return false;
	len = first->end - first->start;
	if (head->count != 1 || len <= max || max == 0)
		return wb_pipe_take_oldest(pipe, 0, out);
	out->count = 1;
	out->extent[0].start = first->start;
	out->extent[0].end = first->start + max;
	/* Its share of the batch's bytes (rewrites are counted in bytes, not range). */
	out->bytes = (uint64_t)((unsigned __int128)head->bytes * max / len);
	first->start += max;
	head->bytes -= out->bytes;
	pipe->inflight -= out->bytes;
	return true;
}

bool wb_pipe_peek_oldest_slice(const struct wb_pipe *pipe, uint64_t max, struct wb_batch *out)
{
	const struct wb_batch *head = &pipe->ring[pipe->head];
	const struct wb_extent *first = &head->extent[0];

	if (pipe->queued == 0)
		return false;
	*out = *head;
	if (head->count == 1 && max != 0 && first->end - first->start > max)
		out->extent[0].end = first->start + max;
	return true;
}

void wb_batch_merge(struct wb_batch *into, const struct wb_batch *from)
{
	for (unsigned int i = 0; i < from->count; i++)
		wb_batch_add(into, from->extent[i].start, from->extent[i].end);
	into->bytes += from->bytes;
}

bool wb_pipe_take_all(struct wb_pipe *pipe, struct wb_batch *out)
{
	struct wb_batch batch;
	bool got = false;

	memset(out, 0, sizeof(*out));
	while (wb_pipe_take_oldest(pipe, 0, &batch)) {
		wb_batch_merge(out, &batch);
		got = true;
	}
	return got;
}

uint64_t wb_drop_start(uint64_t start, uint64_t floor)
{
	uint64_t aligned = start & ~(WB_FOLIO_MAX - 1);

	if (floor > start)
		return start;
	return aligned > floor ? aligned : floor;
}

uint64_t wb_drop_end(uint64_t end, uint64_t size, uint64_t page)
{
	if (end >= size)
		return UINT64_MAX;
	return end + (page - 1) < end ? UINT64_MAX : (end + page - 1) & ~(page - 1);
}

static uint64_t wb_extent_len(const struct wb_extent *e)
{
	return e->end - e->start;
}

int wb_batch_kick(const struct wb_ops *ops, int fd, const struct wb_batch *batch)
{
	int first = 0;

	for (unsigned int i = 0; i < batch->count; i++) {
		const struct wb_extent *e = &batch->extent[i];
		if (ops->sync_range(fd, e->start, wb_extent_len(e), SYNC_FILE_RANGE_WRITE) != 0 &&
		    !first)
			first = errno;
	}
	return first;
}

int wb_batch_wait(const struct wb_ops *ops, int fd, const struct wb_batch *batch, bool drop,
		  uint64_t floor)
{
	int first = 0;

	for (unsigned int i = 0; i < batch->count; i++) {
		const struct wb_extent *e = &batch->extent[i];
		int ret = ops->settle ? ops->settle(fd, e->start, wb_extent_len(e))
				      : ops->sync_range(fd, e->start, wb_extent_len(e),
							SYNC_FILE_RANGE_WAIT_AFTER);
		if (ret != 0) {
			if (!first)
				first = errno;
			continue; /* pages that failed writeback are still dirty: nothing to drop */
		}
		if (drop) {
			uint64_t from = wb_drop_start(e->start, floor);
			(void)ops->drop(fd, from, e->end - from);
		}
	}
	return first;
}

void wb_batch_drop(const struct wb_ops *ops, int fd, const struct wb_batch *batch)
{
	for (unsigned int i = 0; i < batch->count; i++)
		(void)ops->drop(fd, batch->extent[i].start, wb_extent_len(&batch->extent[i]));
}

enum wb_verdict wb_classify_error(int err, bool from_wait)
{
	switch (err) {
	case EBADF:
		return WB_GONE;
	case EINVAL:
	case ESPIPE:
	case ENOSYS:
	case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
	case ENOTSUP:
#endif
		return WB_REFUSED; /* argument checks, before the kernel touches any error state */
	case EINTR:
	case EAGAIN:
	case ENOMEM:
		/* A wait reports errors through file_check_and_advance_wb_err(): whatever
		 * it returns is gone from the file's cursor and must be kept. */
		return from_wait ? WB_DATA_LOST : WB_TRANSIENT;
	default:
		return WB_DATA_LOST; /* EIO, ENOSPC, EDQUOT, EROFS, EFBIG, ... */
	}
}
