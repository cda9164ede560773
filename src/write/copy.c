/* Zero-copy transfers in chunk-sized pieces. */
#define _GNU_SOURCE
#include "copy.h"

#include <errno.h>
#include <stdint.h>

#include "fdtable.h"
#include "init.h"
#include "readbehind.h"
#include "track.h"

/* The most one read/write-type system call transfers (MAX_RW_COUNT): our loop
 * never returns more from one call than the kernel could have. */
#define WB_MAX_RW_COUNT 0x7ffff000UL

/* One transfer, whatever the call: `piece` moves up to len bytes. */
struct wb_transfer {
	ssize_t (*piece)(struct wb_transfer *t, size_t len);
	wb_copy_file_range_fn copy; /* copy_file_range or splice */
	wb_sendfile_fn send;
	wb_sendfile64_fn send64;
	int in, out;
	off64_t *off_in, *off_out; /* copy/splice; off_out NULL: the file offset */
	off_t *offset;             /* sendfile's input offset */
	off64_t *offset64;
	unsigned int flags;
};

static ssize_t wb_piece_copy(struct wb_transfer *t, size_t len)
{
	return t->copy(t->in, t->off_in, t->out, t->off_out, len, t->flags);
}

static ssize_t wb_piece_send(struct wb_transfer *t, size_t len)
{
	return t->send(t->out, t->in, t->offset, len);
}

static ssize_t wb_piece_send64(struct wb_transfer *t, size_t len)
{
	return t->send64(t->out, t->in, t->offset64, len);
}

/* One piece, with the source's drop-behind around it (readbehind.c). */
static ssize_t wb_piece(struct wb_transfer *t, size_t len)
{
	off64_t *at_in = t->off_in ? t->off_in : t->offset64;
	int64_t at = at_in ? *at_in : t->offset ? *t->offset : WB_AT_CURSOR;
	struct wb_slot *source = wb_read_before(t->in, NULL, at, len);
	ssize_t got = t->piece(t, len);

	if (source)
		wb_read_after(t->in, source, at, len, got);
	return got;
}

static ssize_t wb_transfer(struct wb_transfer *t, size_t len)
{
	struct wb_slot *slot = wb_track_destination(t->out);
	int saved = errno;
	size_t total = 0;
	ssize_t got;

	if (!slot)
		return wb_piece(t, len);
	if (slot->file->id.remote) {
		/* Whole: a server-side copy must stay one request; we never wait there anyway. */
		int64_t at = t->off_out ? *t->off_out : WB_AT_CURSOR;
		got = wb_piece(t, len);
		if (got > 0)
			wb_track_wrote(t->out, slot, at, (uint64_t)got);
		return got;
	}
	if (len > WB_MAX_RW_COUNT)
		len = WB_MAX_RW_COUNT;
	while (total < len) {
		/* Pieces end where the transfer's chunks do, also after a first piece
		 * the source's classification cut short: the destination's kicks fall
		 * where they would for whole chunks. */
		size_t room = (size_t)(wb_cfg.chunk - total % wb_cfg.chunk);
		size_t want = len - total < room ? len - total : room;
		int64_t at = t->off_out ? *t->off_out : WB_AT_CURSOR;

		if (total == 0)
			want = wb_read_first_piece(t->in, want);

		got = wb_piece(t, want);
		if (got < 0) {
			if (total == 0)
				return got; /* errno as the real call set it */
			break;              /* progress wins over the error, as in the kernel */
		}
		if (got > 0)
			wb_track_wrote(t->out, slot, at, (uint64_t)got);
		total += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	errno = saved;
	return (ssize_t)total;
}

ssize_t wb_copy_file_range(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
			   unsigned int flags, wb_copy_file_range_fn real)
{
	struct wb_transfer t = { .piece = wb_piece_copy, .copy = real, .in = in, .out = out,
				 .off_in = off_in, .off_out = off_out, .flags = flags };
	return wb_transfer(&t, len);
}

ssize_t wb_splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
		  unsigned int flags, wb_copy_file_range_fn real)
{
	struct wb_transfer t = { .piece = wb_piece_copy, .copy = real, .in = in, .out = out,
				 .off_in = off_in, .off_out = off_out, .flags = flags };
	return wb_transfer(&t, len);
}

ssize_t wb_sendfile(int out, int in, off_t *offset, size_t count, wb_sendfile_fn real)
{
	struct wb_transfer t = { .piece = wb_piece_send, .send = real, .in = in, .out = out,
				 .offset = offset };
	return wb_transfer(&t, count);
}

ssize_t wb_sendfile64(int out, int in, off64_t *offset, size_t count, wb_sendfile64_fn real)
{
	struct wb_transfer t = { .piece = wb_piece_send64, .send64 = real, .in = in, .out = out,
				 .offset64 = offset };
	return wb_transfer(&t, count);
}
