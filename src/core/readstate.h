/* Per-fd state of the read side (drop-behind for big sequential reads), kept in
 * struct wb_file. All zero means "nothing known yet": it is zeroed with the rest of
 * the wb_file whenever the fd number gets a new file (classification), so nothing
 * learned about one file is ever applied to the next. */
#ifndef WB_READSTATE_H
#define WB_READSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* Chunks whose ownership is remembered at once (wb_read.pieces). */
#define WB_READ_RING 64U
/* Ownership is known per piece, up to this many per chunk (readstep.h). */
#define WB_READ_PIECES 16U

enum wb_read_mode {
	WB_READ_NEW = 0, /* not read since classified: the first read takes a look */
	WB_READ_FOLLOW,  /* a big regular file: reads are followed, dropped behind */
	WB_READ_OFF,     /* small, not a regular file, re-read, or no way to tell: left alone */
};

/* Guarded by the slot lock, except `mode` (atomic). Offsets are bytes, chunk
 * numbers count wb_cfg.chunk-sized ranges from the start of the file. */
struct wb_read {
	unsigned char mode; /* atomic enum wb_read_mode */
	bool ours;          /* this process wrote the file: every page is its own */
	bool dropping;      /* something was dropped (the inode is remembered) */
	uint32_t epoch;     /* bumped when the stream restarts: stale looks are discarded */
	uint64_t size;      /* at the first look; nothing beyond it is ours */
	uint64_t next;      /* where a sequential read continues */
	uint64_t streak;    /* bytes read sequentially up to `next` */
	uint64_t dropped;   /* chunk number: everything below is dropped or kept for good */
	uint64_t looked;    /* chunk number: ownership is known below it */
	/* Chunk c (dropped <= c < looked) at pieces[c % WB_READ_RING]: bit p set,
	 * piece p of it is ours (it held no cached page when looked at). */
	uint16_t pieces[WB_READ_RING];
	uint64_t unsampled; /* atomic (relaxed): bytes stdio handed out since the last sample */
	uint64_t sample_due; /* atomic (relaxed): `unsampled` that triggers the next sample */
};

#endif
