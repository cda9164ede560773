/* The read side's plain logic: following one fd's sequential reads, remembering
 * which pieces of the chunks ahead of the reader are the process's own, and
 * deciding what to look at and what to drop after each read.
 *
 * The ownership rule: a page that was cached before the reader reached it is
 * never dropped. Each chunk is looked at (read/readowner.c, cachestat) while it
 * is still beyond the kernel's readahead reach, per piece of 256 KiB (chunk/16
 * for chunks above 4 MiB); a piece is the reader's own only if it held no cached
 * page at all then, and only such pieces are dropped once the reader is past. No system calls, no globals: the
 * kernel's side (looks, drops) is in read/readbehind.c, and unit tests drive
 * this with simulated reads and looks. */
#ifndef WB_READSTEP_H
#define WB_READSTEP_H

#include <stdbool.h>
#include <stdint.h>

#include "readstate.h"

/* Drop-behind starts once more than this many chunks were read sequentially:
 * smaller files are left to the kernel, like small written files. */
#define WB_READ_AFTER_CHUNKS 2
/* How far ahead of the reader the kernel's readahead may already have brought
 * pages in: two windows of read_ahead_kb, doubled by POSIX_FADV_SEQUENTIAL (cat
 * asks for it); 8 MiB windows are common (virtio disks; btrfs' minimum is 4 MiB).
 * A chunk is looked at while it is still farther than this from the reader, so
 * what the look counts was not brought in by us. */
#define WB_READ_REACH (32ULL << 20)
/* Look no more than this many chunks ahead (tiny chunks): further is not remembered. */
#define WB_READ_LOOK_MAX 48U
/* The smallest piece: 64 pages of 4 KiB, one cachestat answers for it. */
#define WB_READ_PIECE_MIN (256ULL << 10)
/* Every piece of a chunk (a mask of wb_read.pieces; bits past the chunk's
 * last piece are never looked at). */
#define WB_READ_ALL_PIECES 0xFFFFU

/* What one read changes, decided under the slot lock, done after it. */
struct wb_read_plan {
	uint64_t look_from, look_to; /* chunks to look at (claimed as not ours meanwhile) */
	uint32_t epoch;              /* the stream the looks belong to */
	uint64_t drop_first;         /* chunks to drop: drop_chunks from this one, */
	unsigned int drop_chunks;    /* each only in its pieces set in drop[] */
	uint16_t drop[WB_READ_RING];
	uint64_t drop_limit;         /* nothing at or beyond this offset is dropped */
	bool first_drop;             /* this file's first: remember its inode */
};

/* Bytes per piece of a chunk: WB_READ_PIECE_MIN, or chunk/WB_READ_PIECES for
 * big chunks (rounded up to 64 KiB, a multiple of any page size). */
uint64_t wb_read_piece(uint64_t chunk);
/* Pieces in a chunk, 1..WB_READ_PIECES (the last may be shorter). */
unsigned int wb_read_pieces(uint64_t chunk);

/* Chunks that now enter the ring at its top were looked at when there was no
 * room for the answer; everything below chunk `to` is done. */
void wb_ring_advance(struct wb_read *r, uint64_t to);
/* The pieces of chunk c known to be ours: 0 when none, or when c is outside the
 * ring's window (unknown, so not ours). */
uint16_t wb_ring_ours(const struct wb_read *r, uint64_t c);
/* Record what a look found about chunk c (ignored outside the ring's window). */
void wb_ring_set(struct wb_read *r, uint64_t c, uint16_t ours);
/* The first chunk a reader that reached `end` cannot have touched through readahead. */
uint64_t wb_clean_from(uint64_t end, uint64_t chunk);
/* Claim chunks [r->looked, to) for looking: not ours until a look says otherwise. */
void wb_read_claim(struct wb_read *r, uint64_t to, struct wb_read_plan *plan);
/* A read of `got` bytes at `start` completed (`eof`: it returned 0). Updates the
 * stream and fills *plan with what to look at and what to drop. False when the
 * file turns out to be read a second time: leave it alone from now on. */
bool wb_read_step(struct wb_read *r, uint64_t chunk, uint64_t start, uint64_t got,
		  bool eof, struct wb_read_plan *plan);
/* The plan's drops as byte ranges, each as long as possible: set *at = 0, then
 * each call gives the next [*from, *to), false when there is none left. */
bool wb_read_plan_run(const struct wb_read_plan *plan, uint64_t chunk, unsigned int *at,
		      uint64_t *from, uint64_t *to);

#endif
