/* The read side's plain logic: following one fd's sequential reads, remembering
 * which chunks ahead of the reader are the process's own, and deciding what to
 * look at and what to drop after each read. No system calls, no globals: the
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
/* Chunks whose ownership is remembered at once (bits of wb_read.foreign). */
#define WB_READ_RING 64U
/* Look no more than this many chunks ahead (tiny chunks): further is not remembered. */
#define WB_READ_LOOK_MAX 48U
/* Separate ranges dropped after one read at most (the rest after the next). */
#define WB_READ_DROP_RUNS 4U

/* What one read changes, decided under the slot lock, done after it. */
struct wb_read_plan {
	uint64_t look_from, look_to; /* chunks to look at (claimed as foreign meanwhile) */
	uint32_t epoch;              /* the stream the looks belong to */
	unsigned int runs;           /* chunk ranges to drop */
	uint64_t drop_from[WB_READ_DROP_RUNS], drop_to[WB_READ_DROP_RUNS];
	bool first_drop;             /* this file's first: remember its inode */
};

/* Chunks that now enter the ring at its top were looked at when there was no
 * room for the answer; everything below chunk `to` is done. */
void wb_ring_advance(struct wb_read *r, uint64_t to);
/* Is chunk c someone else's (or not known to be ours)? */
bool wb_ring_foreign(const struct wb_read *r, uint64_t c);
/* Record what a look found about chunk c (ignored outside the ring's window). */
void wb_ring_set(struct wb_read *r, uint64_t c, bool foreign);
/* The first chunk a reader that reached `end` cannot have touched through readahead. */
uint64_t wb_clean_from(uint64_t end, uint64_t chunk);
/* Claim chunks [r->looked, to) for looking: foreign until a look says otherwise. */
void wb_read_claim(struct wb_read *r, uint64_t to, struct wb_read_plan *plan);
/* A read of `got` bytes at `start` completed (`eof`: it returned 0). Updates the
 * stream and fills *plan with what to look at and what to drop. False when the
 * file turns out to be read a second time: leave it alone from now on. */
bool wb_read_step(struct wb_read *r, uint64_t chunk, uint64_t start, uint64_t got,
		  bool eof, struct wb_read_plan *plan);

#endif
