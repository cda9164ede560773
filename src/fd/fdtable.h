/* Per-fd state table.
 *
 * Lock protocol (every lock of the library is listed in src/README.md, "Locks"):
 *  - one spin lock per slot (struct wb_slot.lock, spin.h), guarding slot->file's
 *    fields except the ones marked atomic. It is held for a few dozen instructions
 *    and never across a system call. A thread already inside a lock of the family
 *    (so a signal handler that interrupted the shim) only ever try-locks, and skips
 *    the pipeline step when that fails: a handler's write() can never deadlock on us.
 *  - after fork() the child clears every slot lock (atfork), since the thread that
 *    held one does not exist there.
 *
 * Slots live in pages of WB_SLOTS_PER_PAGE, allocated with mmap on first use and
 * never freed, so a pointer to a slot stays valid for the life of the process, even
 * if the fd is closed by another thread meanwhile. fds >= WB_MAX_FDS are passed
 * through untouched. Memory: 16 bytes per slot in touched pages only, plus one
 * struct wb_file per fd number that ever held a tracked file. */
#ifndef WB_FDTABLE_H
#define WB_FDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "pipeline.h"
#include "readstate.h"
#include "spin.h"

#define WB_SLOTS_PER_PAGE 1024
#define WB_MAX_PAGES 1024
#define WB_MAX_FDS (WB_SLOTS_PER_PAGE * WB_MAX_PAGES)

enum wb_class {
	WB_UNKNOWN = 0, /* not classified since it was (re)opened */
	WB_IGNORED,     /* pipe, socket, tty, tmpfs, O_DIRECT, refused: pass through */
	WB_TRACKED,     /* regular file or block device we drive */
};

/* Identity of an open file, checked before remembered state is acted on. */
struct wb_identity {
	dev_t dev;
	ino_t ino;
	bool append;  /* O_APPEND: every write lands at end of file */
	bool remote;  /* network or FUSE filesystem: kick, never wait */
	bool blockdev; /* a block device, not a regular file */
	dev_t backing; /* the device its pages are written to: st_dev, st_rdev for a block device */
	uint64_t size; /* its size when classified (the read side's first look) */
};

struct wb_device;

struct wb_file {
	struct wb_identity id;
	struct wb_device *device; /* id.backing's budget and pacing, looked up once (device.h) */
	uint64_t pos;          /* cached file offset, valid while pos_known */
	bool pos_known;        /* atomic: cleared without the lock when a step is skipped */
	bool driven;           /* at least one chunk kicked: treat as a big file */
	int latched;           /* atomic: first writeback error not yet reported, or 0 */
	uint64_t stdio_unsampled; /* atomic (relaxed): putc bytes since the last sample */
	uint64_t stdio_held;      /* atomic (relaxed): bytes a stream's buffer held at its last door */
	struct wb_stats stats; /* atomic counters */
	struct wb_read read;   /* the read side (readbehind.c) */
	struct wb_pipe pipe;   /* last: its ring is sized by the configured depth */
};

/* What an open door saw (wb_slot.seen), for the first classification of the fd
 * to consume instead of asking the kernel: the flags it was opened with, and that
 * its offset is still where every open leaves it, at 0. Any door that gives the
 * number another file or may move the offset before then clears it (lifecycle.c). */
#define WB_SEEN_FLAGS 0x01   /* the bits below are the open's flags */
#define WB_SEEN_APPEND 0x02  /* O_APPEND */
#define WB_SEEN_DIRECT 0x04  /* O_DIRECT */
#define WB_SEEN_DSYNC 0x08   /* O_DSYNC or O_SYNC */
#define WB_SEEN_AT_ZERO 0x10 /* write-only, not appending, offset 0 since the open */

struct wb_slot {
	unsigned char class; /* atomic enum wb_class */
	unsigned char lock;  /* atomic: 0 free, 1 held */
	unsigned char seen;  /* atomic WB_SEEN_* bits, 0 once consumed or unknown */
	unsigned int early;  /* atomic: bytes read before any classification (readbehind.c) */
	struct wb_file *file;
};

extern void *wb_pages[WB_MAX_PAGES]; /* each a page of WB_SLOTS_PER_PAGE struct wb_slot */

/* The fast path: the slot for fd if its page exists, else NULL. No syscall, no lock. */
static inline struct wb_slot *wb_slot_peek(int fd)
{
	struct wb_slot *page;

	if ((unsigned int)fd >= WB_MAX_FDS)
		return NULL;
	page = __atomic_load_n(&wb_pages[(unsigned int)fd / WB_SLOTS_PER_PAGE], __ATOMIC_ACQUIRE);
	return page ? &page[(unsigned int)fd % WB_SLOTS_PER_PAGE] : NULL;
}

static inline enum wb_class wb_slot_class(const struct wb_slot *slot)
{
	return (enum wb_class)__atomic_load_n(&slot->class, __ATOMIC_ACQUIRE);
}

static inline void wb_slot_set_class(struct wb_slot *slot, enum wb_class class)
{
	__atomic_store_n(&slot->class, (unsigned char)class, __ATOMIC_RELEASE);
}

/* Forget what the open door saw (a no-op, and no store, when there is nothing). */
static inline void wb_slot_forget_seen(struct wb_slot *slot, unsigned char bits)
{
	if (__atomic_load_n(&slot->seen, __ATOMIC_RELAXED) & bits)
		__atomic_and_fetch(&slot->seen, (unsigned char)~bits, __ATOMIC_RELAXED);
}

/* The fd number now holds a file we know nothing about. */
static inline void wb_slot_reset(struct wb_slot *slot)
{
	if (wb_slot_class(slot) != WB_UNKNOWN)
		wb_slot_set_class(slot, WB_UNKNOWN);
	wb_slot_forget_seen(slot, 0xff);
	if (__atomic_load_n(&slot->early, __ATOMIC_RELAXED))
		__atomic_store_n(&slot->early, 0, __ATOMIC_RELAXED);
}

/* Zeroed memory from mmap (async-signal-safe, apart from the program's
 * allocator); NULL if mmap failed. */
void *wb_alloc(uint64_t bytes);

/* Page `index` of a table of pages of `bytes` each (the slots', fdnote.c's),
 * mapped on first use; threads racing to map it agree on one. NULL if mmap failed. */
void *wb_table_page(void **pages, unsigned int index, uint64_t bytes);

/* The slot for fd, allocating its page. NULL if fd is out of range or mmap failed. */
struct wb_slot *wb_slot_get(int fd);

/* The slot's wb_file, allocated on first use (for `pipe_bytes` of ring) and reused
 * by every later file on this fd number. NULL if mmap failed. */
struct wb_file *wb_slot_file(struct wb_slot *slot, uint64_t pipe_bytes);

/* The slot locks' family count (spin.h): slot locks and the mapping records' lock
 * (readmap.c) this thread holds or is taking. */
extern __thread unsigned int wb_table_locks_held __attribute__((tls_model("initial-exec")));

/* Take the slot lock (spin.h). Returns false only in a signal handler that
 * interrupted a thread of ours holding a lock of the family, when this one is
 * taken too. */
bool wb_slot_lock(struct wb_slot *slot);
void wb_slot_unlock(struct wb_slot *slot);

/* Call fn for every tracked slot (for exit summaries). Unlocked: best effort. */
void wb_table_each_tracked(void (*fn)(int fd, struct wb_slot *slot));

/* atfork child handler: release all slot locks and forget cached offsets and
 * what the open doors saw (the offset is now shared with the parent, which may
 * move it). */
void wb_table_after_fork(void);

#endif
