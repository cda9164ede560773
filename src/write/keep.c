/* Closed files whose writeback is still in flight (see keep.h). */
#define _GNU_SOURCE
#include "keep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "fdnote.h"
#include "init.h"
#include "locks.h"
#include "log.h"
#include "real.h"
#include "settle.h"
#include "spin.h"
#include "keeperrno.h"
#include "syscall.h"
#include "transient.h"

/* Names longer than this are not noted (such a file is waited for at its close,
 * and one renamed to such a name is forgotten): with WB_KEEP_MAX entries, the
 * ring is about 650 KiB of zero pages, touched only as far as it fills. */
#define WB_KEEP_NAME_MAX WB_NAME_MAX

/* What is known of a closed file, but its name. */
struct wb_noted {
	uint64_t serial;         /* tells a copy's entry from a later one in its place */
	struct wb_device *device; /* whose budget its bytes count against */
	bool gone;               /* taken out of the middle: skipped, then reclaimed */
	dev_t dev;
	ino_t ino;
	uint64_t low;            /* lowest byte the writer wrote: drops never go below */
	struct wb_batch written; /* what was kicked and not yet dropped; bytes: its weight */
};

struct wb_closed {
	struct wb_noted k;
	char name[WB_KEEP_NAME_MAX];
};

static struct wb_closed wb_ring[WB_KEEP_MAX]; /* oldest at wb_head */
static unsigned int wb_head, wb_count;        /* wb_count: also read without the lock */
static uint64_t wb_serial;
static unsigned char wb_ring_lock;
static __thread unsigned int wb_ring_held __attribute__((tls_model("initial-exec")));

/* false only in a handler that interrupted this thread's own holder: do without. */
static bool wb_keep_lock(void)
{
	return wb_spin_lock(&wb_ring_lock, &wb_ring_held);
}

static void wb_keep_unlock(void)
{
	wb_spin_unlock(&wb_ring_lock, &wb_ring_held);
}

/* Under the lock: a copy of entry e (its name up to its end only). */
static void wb_closed_copy(struct wb_closed *out, const struct wb_closed *e)
{
	memcpy(out, e, offsetof(struct wb_closed, name));
	memcpy(out->name, e->name, strlen(e->name) + 1);
}

static struct wb_closed *wb_entry(unsigned int i)
{
	return &wb_ring[(wb_head + i) % WB_KEEP_MAX];
}

/* A hash of each live slot's file (0 for a slot that holds none), scanned whole
 * when a close looks for its file among the noted ones: 4 KiB of keys in one
 * straight loop rather than 650 KiB of entries. */
static uint32_t wb_ring_key[WB_KEEP_MAX];

static uint32_t wb_key_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ino * 0xC2B2AE3D27D4EB4FULL;

	return (uint32_t)(h >> 32) | 1;
}

/* A hash of each live slot's name (0 for none), for renames that name the file. */
static uint32_t wb_ring_name_key[WB_KEEP_MAX];

static uint32_t wb_name_key_of(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h | 1;
}

/* Under the lock: entry e leaves (skipped, then reclaimed). */
static void wb_entry_gone(struct wb_closed *e)
{
	e->k.gone = true;
	wb_ring_key[e - wb_ring] = 0;
	wb_ring_name_key[e - wb_ring] = 0;
}

/* Under the lock: entry i now holds a copy of c. */
static void wb_entry_set(unsigned int i, const struct wb_closed *c)
{
	wb_closed_copy(wb_entry(i), c);
	wb_ring_key[(wb_head + i) % WB_KEEP_MAX] = wb_key_of(c->k.dev, c->k.ino);
	wb_ring_name_key[(wb_head + i) % WB_KEEP_MAX] = wb_name_key_of(c->name);
}

/* Under the lock: forget the entries taken out at the head. */
static void wb_ring_trim(void)
{
	while (wb_count && wb_ring[wb_head].k.gone) {
		wb_head = (wb_head + 1) % WB_KEEP_MAX;
		__atomic_store_n(&wb_count, wb_count - 1, __ATOMIC_RELAXED);
	}
}

/* Under the lock: close the gaps left by entries taken out of the middle. */
static void wb_ring_compact(void)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < wb_count; i++) {
		if (wb_entry(i)->k.gone)
			continue;
		if (kept != i)
			wb_entry_set(kept, wb_entry(i));
		kept++;
	}
	for (unsigned int i = kept; i < wb_count; i++) {
		wb_ring_key[(wb_head + i) % WB_KEEP_MAX] = 0;
		wb_ring_name_key[(wb_head + i) % WB_KEEP_MAX] = 0;
	}
	__atomic_store_n(&wb_count, kept, __ATOMIC_RELAXED);
}

/* The oldest entry of any device, copied and taken out of the ring. */
static bool wb_keep_take_oldest(struct wb_closed *out)
{
	struct wb_closed *e = NULL;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED) || !wb_keep_lock())
		return false;
	for (unsigned int i = 0; i < wb_count && !e; i++)
		if (!wb_entry(i)->k.gone)
			e = wb_entry(i);
	if (e) {
		wb_closed_copy(out, e);
		wb_entry_gone(e);
		wb_ring_trim();
	}
	wb_keep_unlock();
	return e != NULL;
}

/* Entries settled and dropped together. Closed files were kicked in the order
 * they were closed, and the disk completes them in about that order: when the
 * newest of a batch has reached the disk, the older ones have too. So one look
 * (cachestat) answers for the batch, and each older entry costs an open, an
 * fstat, a drop and a close. A batch stops at WB_KEEP_BATCH entries or once it
 * holds a slice of the chunk, so a big file is a batch of its own. The copies
 * leave names out (a handler may run on a small signal stack). */
#define WB_KEEP_BATCH 16

/* Up to `max` of `device`'s oldest entries (oldest first, names left out). */
static unsigned int wb_keep_oldest_batch(const struct wb_device *device, struct wb_noted *out,
					 unsigned int max)
{
	uint64_t bytes = 0, enough = wb_cfg.chunk / 4;
	unsigned int n = 0;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED) || !wb_keep_lock())
		return 0;
	for (unsigned int i = 0; i < wb_count && n < max && bytes < enough; i++) {
		struct wb_closed *e = wb_entry(i);
		if (e->k.gone || e->k.device != device)
			continue;
		out[n++] = e->k;
		bytes += e->k.written.bytes;
	}
	wb_keep_unlock();
	return n;
}

/* Under the lock: the live entry `serial`, or NULL (another thread took it). */
static struct wb_closed *wb_keep_serial(uint64_t serial)
{
	for (unsigned int i = 0; i < wb_count; i++) {
		struct wb_closed *e = wb_entry(i);
		if (!e->k.gone && e->k.serial == serial)
			return e;
	}
	return NULL;
}

/* The name of the entry `serial`, if it is still in the ring. */
static bool wb_keep_name(uint64_t serial, char *name)
{
	struct wb_closed *e;

	if (!wb_keep_lock())
		return false;
	if ((e = wb_keep_serial(serial)))
		memcpy(name, e->name, strlen(e->name) + 1);
	wb_keep_unlock();
	return e != NULL;
}

/* Take the entry `serial` out of the ring; false if it is gone already (another
 * thread took it). */
static bool wb_keep_take(uint64_t serial)
{
	struct wb_closed *e;
	bool took;

	if (!wb_keep_lock())
		return false;
	if ((took = (e = wb_keep_serial(serial)) != NULL))
		wb_entry_gone(e);
	if (took)
		wb_ring_trim();
	wb_keep_unlock();
	return took;
}

/* Is what we opened the file that was noted, still linked? */
static bool wb_same_file(const struct stat *st, const struct wb_noted *c)
{
	return S_ISREG(st->st_mode) && st->st_dev == c->dev && st->st_ino == c->ino &&
	       st->st_nlink > 0;
}

/* Drop what was written: each extent from its folio boundary (never below what the
 * writer wrote) to the page above its end, or to end of file if it reached it. */
static void wb_closed_drop(int fd, const struct wb_noted *c, const struct stat *st)
{
	uint64_t page = wb_page_size();

	for (unsigned int i = 0; i < c->written.count; i++) {
		const struct wb_extent *e = &c->written.extent[i];
		uint64_t from = wb_drop_start(e->start, c->low);
		uint64_t to = wb_drop_end(e->end, (uint64_t)st->st_size, page);
		(void)wb_sys_fadvise_dontneed(fd, from, to == UINT64_MAX ? 0 : to - from);
	}
}

/* What a re-open now would disturb (locks.h), looked at once for a batch. */
static void wb_closed_locks(struct wb_locks_seen *seen)
{
	wb_locks_look(seen, wb_locks_in_use() ? (int)wb_syscall(SYS_getpid, 0) : 0);
}

/* Open the noted file again: only if nothing `seen` holds would be disturbed, and
 * its name still leads to it, a regular file. Looked at before the open: opening a
 * FIFO or a device put in its place has effects (a blocked writer let through, a
 * tape rewound); and again after it (a rename in between, where threads could
 * have made one: transient.h). -1 if any of that fails. */
static int wb_closed_open(const struct wb_noted *c, const char *name, struct stat *st,
			  const struct wb_locks_seen *seen)
{
	struct stat now;
	int fd;

	if (wb_locks_seen_on(seen, c->ino))
		return -1;
	if (wb_sys_fstatat(AT_FDCWD, name, &now, 0) != 0 || !wb_same_file(&now, c))
		return -1;
	if ((fd = wb_transient_open(name, &now, st)) < 0)
		return -1;
	if (!wb_same_file(st, c)) {
		wb_transient_close(fd, st);
		return -1;
	}
	return fd;
}

/* Open the noted file again, settle it (if `wait`), drop, close; it leaves the
 * budget whatever happens: a file we cannot reach any more is not ours to wait for. */
static void wb_closed_finish(const struct wb_closed *c, bool wait)
{
	WB_KEEP_ERRNO;
	uint64_t began = wb_now_ns();
	const char *what = "forgotten (gone, replaced or locked)";
	struct wb_locks_seen seen;
	struct stat st;
	int fd;

	wb_closed_locks(&seen);
	fd = wb_closed_open(&c->k, c->name, &st, &seen);

	if (fd >= 0) {
		for (unsigned int i = 0; wait && i < c->k.written.count; i++) {
			const struct wb_extent *e = &c->k.written.extent[i];
			(void)wb_settle(fd, e->start, e->end - e->start, c->k.device);
		}
		if (wb_cfg.drop)
			wb_closed_drop(fd, &c->k, &st);
		what = wait ? "settled" : "dropped what was clean";
		wb_transient_close(fd, &st);
	}
	wb_inflight_sub(c->k.device, c->k.written.bytes);
	wb_log(WB_LOG_DEBUG, "closed file %s: %s, %llu bytes, %.1f ms", c->name, what,
	       (unsigned long long)c->k.written.bytes, (double)(wb_now_ns() - began) / 1e6);
}

/* The name of the program's fd: absolute, and still linked. 1 with a name, 0 if
 * it was unlinked, -1 if there is no usable name (no /proc, a long path). */
static int wb_name_of(int fd, char *name, size_t size)
{
	char link[40];
	static const char gone[] = " (deleted)";
	size_t tail = sizeof(gone) - 1;
	struct stat st;
	long len;

	if (size >= WB_NAME_MAX && wb_fd_name(fd, name))
		return 1; /* as opened: a file unlinked since is forgotten when it is looked at */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = wb_syscall(SYS_readlinkat, AT_FDCWD, link, name, size - 1);
	if (len <= 0 || (size_t)len >= size - 1)
		return -1; /* an error, or perhaps cut short */
	name[len] = '\0';
	if (name[0] != '/')
		return -1;
	/* The kernel marks an unlinked file's name so; a file may also be called that. */
	if ((size_t)len > tail && !strcmp(name + len - tail, gone) &&
	    (wb_sys_fstat(fd, &st) != 0 || st.st_nlink == 0))
		return 0;
	return 1;
}

/* Under the lock: the entry of this file, if it is noted already. */
static struct wb_closed *wb_keep_find(dev_t dev, ino_t ino)
{
	uint32_t key = wb_key_of(dev, ino);

	for (unsigned int at = 0; at < WB_KEEP_MAX; at++) {
		if (__builtin_expect(wb_ring_key[at] == key, 0)) {
			struct wb_closed *e = &wb_ring[at];
			if (!e->k.gone && e->k.dev == dev && e->k.ino == ino)
				return e;
		}
	}
	return NULL;
}

/* Under the lock: fold what was written into the entry of the same file. */
static bool wb_keep_merge(const struct wb_identity *id, const struct wb_batch *written,
			  uint64_t low)
{
	struct wb_closed *e = wb_keep_find(id->dev, id->ino);

	if (!e)
		return false;
	wb_batch_merge(&e->k.written, written);
	if (low < e->k.low)
		e->k.low = low;
	return true;
}

static uint64_t wb_keep_batch(struct wb_device *device, bool wait, uint64_t now, bool *more);

enum wb_keep_outcome wb_keep_file(int fd, const struct wb_identity *id, struct wb_device *device,
				  const struct wb_batch *written, uint64_t low)
{
	struct wb_closed c = { .k = { .device = device, .dev = id->dev, .ino = id->ino, .low = low,
				     .written = *written } };
	bool merged;
	int named;
	WB_KEEP_ERRNO;

	/* The same file closed again (a shell restoring a saved fd): one entry. */
	if (!wb_keep_lock())
		return WB_KEEP_REFUSED;
	merged = wb_keep_merge(id, written, low);
	wb_keep_unlock();
	if (merged)
		return WB_KEEP_KEPT;
	named = wb_name_of(fd, c.name, sizeof(c.name));
	if (named <= 0)
		return named == 0 ? WB_KEEP_UNLINKED : WB_KEEP_REFUSED;
	for (;;) {
		struct wb_closed oldest;
		bool more;
		if (!wb_keep_lock())
			return WB_KEEP_REFUSED;
		if (wb_keep_merge(id, written, low)) { /* another thread noted it meanwhile */
			wb_keep_unlock();
			return WB_KEEP_KEPT;
		}
		if (wb_count == WB_KEEP_MAX)
			wb_ring_compact();
		if (wb_count < WB_KEEP_MAX)
			break;
		wb_keep_unlock();
		/* Full: this device's oldest batch is settled to make room (a program closing many
		 * files faster than the disk takes them waits here, as it would at the
		 * budget). Another device's files are never waited for: if this one has
		 * none, the oldest of all is dropped as far as it is clean. */
		if (!wb_keep_batch(device, true, 0, &more) && !more && wb_keep_take_oldest(&oldest))
			wb_closed_finish(&oldest, false);
	}
	c.k.serial = ++wb_serial;
	wb_entry_set(wb_count, &c);
	__atomic_store_n(&wb_count, wb_count + 1, __ATOMIC_RELAXED);
	wb_keep_unlock();
	wb_log(WB_LOG_DEBUG, "fd %d: closed with %llu bytes in flight; noted as %s", fd,
	       (unsigned long long)written->bytes, c.name);
	return WB_KEEP_KEPT;
}

/* Open the entry `c` again by its name; -1 if it left the ring, cannot be
 * opened (or must not be: `seen`), or is not the same file any more. */
static int wb_batch_open(const struct wb_noted *c, struct stat *st, const struct wb_locks_seen *seen)
{
	char name[WB_KEEP_NAME_MAX];

	if (!wb_keep_name(c->serial, name))
		return -1;
	return wb_closed_open(c, name, st, seen);
}

/* The entry leaves the ring and its bytes the budget (unless another thread took it). */
static uint64_t wb_batch_leave(struct wb_device *device, const struct wb_noted *c)
{
	if (!wb_keep_take(c->serial))
		return 0;
	wb_inflight_sub(device, c->written.bytes);
	return c->written.bytes;
}

/* Has the newest entry of a batch reached the disk? Waits for it if `wait`
 * (giving up as wb_settle() does); else one look, and *left says how much is
 * still on its way. */
static bool wb_batch_settled(int fd, const struct wb_noted *c, bool wait, uint64_t *left)
{
	bool settled = true;

	*left = 0;
	for (unsigned int i = 0; i < c->written.count; i++) {
		const struct wb_extent *e = &c->written.extent[i];
		uint64_t len = e->end - e->start, part = 0;
		if (wait)
			(void)wb_settle(fd, e->start, len, c->device);
		else if (wb_settle_check(fd, e->start, len, &part, true) != 1)
			settled = false;
		*left += part;
	}
	return settled;
}

/* Settle (`wait`) or look at `device`'s oldest batch. If its newest entry has
 * reached the disk, every entry of the batch is dropped and leaves the ring; an
 * entry gone or replaced is forgotten. Returns the bytes that left the budget,
 * and whether to go on (*more: something left, and not stopped by a look that
 * found the newest still under way). */
static uint64_t wb_keep_batch(struct wb_device *device, bool wait, uint64_t now, bool *more)
{
	struct wb_noted batch[WB_KEEP_BATCH], *newest;
	uint64_t left = 0, bytes = 0;
	unsigned int n = wb_keep_oldest_batch(device, batch, WB_KEEP_BATCH);
	struct wb_locks_seen seen;
	struct stat st;
	int fd;

	*more = n > 0;
	if (!n)
		return 0;
	newest = &batch[n - 1];
	wb_closed_locks(&seen);
	if ((fd = wb_batch_open(newest, &st, &seen)) < 0)
		return wb_batch_leave(device, newest); /* gone: forgotten; the next batch looks again */
	if (!wb_batch_settled(fd, newest, wait, &left)) {
		wb_transient_close(fd, &st);
		__atomic_store_n(&device->keep_next_look, now + wb_settle_nap_ns(left, device),
				 __ATOMIC_RELAXED);
		*more = false;
		return 0;
	}
	if (wb_cfg.drop)
		wb_closed_drop(fd, newest, &st);
	wb_transient_close(fd, &st);
	bytes += wb_batch_leave(device, newest);
	for (unsigned int i = 0; i + 1 < n; i++) {
		struct wb_noted *c = &batch[i];
		if (wb_cfg.drop && (fd = wb_batch_open(c, &st, &seen)) >= 0) {
			wb_closed_drop(fd, c, &st);
			wb_transient_close(fd, &st);
		}
		bytes += wb_batch_leave(device, c);
	}
	wb_log(WB_LOG_DEBUG, "closed files: a batch of %u %s, %llu bytes", n,
	       wait ? "settled" : "found settled", (unsigned long long)bytes);
	return bytes;
}

uint64_t wb_keep_settle(struct wb_device *device, uint64_t pending)
{
	uint64_t waited = 0;
	bool more = true;
	WB_KEEP_ERRNO;

	while (more && wb_budget_over(device, pending))
		waited += wb_keep_batch(device, true, 0, &more);
	return waited;
}

uint64_t wb_keep_reap(struct wb_device *device)
{
	uint64_t reaped = 0, now;
	bool more = true;
	WB_KEEP_ERRNO;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED))
		return 0;
	now = wb_now_ns();
	if (now < __atomic_load_n(&device->keep_next_look, __ATOMIC_RELAXED))
		return 0; /* looked a moment ago: its bytes need longer than that */
	while (more)
		reaped += wb_keep_batch(device, false, now, &more);
	return reaped;
}

/* An absolute name for path relative to dirfd (it need not be canonical: it is
 * only opened again, and checked). False if it does not fit. */
static bool wb_absolute(int dirfd, const char *path, char *out, size_t size)
{
	size_t len = strlen(path), base;
	char link[40];
	long got;

	if (wb_name_absolute(dirfd, path, out, size))
		return true; /* no system call: the directory's name is known */
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	got = wb_syscall(SYS_readlinkat, AT_FDCWD, link, out, size - 1);
	if (got <= 0 || (size_t)got >= size - 1)
		return false;
	base = (size_t)got;
	if (out[0] != '/' || base + 1 + len >= size)
		return false;
	out[base] = '/';
	memcpy(out + base + 1, path, len + 1);
	return true;
}

/* The file now at path (relative to dirfd), found by its identity: one fstatat. */
static void wb_keep_renamed_at(int dirfd, const char *path)
{
	char name[WB_KEEP_NAME_MAX];
	struct wb_closed *e;
	struct stat st;
	bool noted;

	if (wb_sys_fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !wb_keep_lock())
		return;
	noted = wb_keep_find(st.st_dev, st.st_ino) != NULL;
	wb_keep_unlock();
	if (noted && wb_absolute(dirfd, path, name, sizeof(name)) && wb_keep_lock()) {
		if ((e = wb_keep_find(st.st_dev, st.st_ino))) {
			memcpy(e->name, name, strlen(name) + 1);
			wb_ring_name_key[e - wb_ring] = wb_name_key_of(name);
		}
		wb_keep_unlock();
	}
}

/* Under the lock: the live entry named `name`, if any. */
static struct wb_closed *wb_keep_named(const char *name)
{
	uint32_t key = wb_name_key_of(name);

	for (unsigned int at = 0; at < WB_KEEP_MAX; at++) {
		if (__builtin_expect(wb_ring_name_key[at] == key, 0)) {
			struct wb_closed *e = &wb_ring[at];
			if (!e->k.gone && !strcmp(e->name, name))
				return e;
		}
	}
	return NULL;
}

void wb_keep_renamed(int fromdir, const char *from, int todir, const char *to, bool exchange)
{
	char old[WB_KEEP_NAME_MAX], now[WB_KEEP_NAME_MAX];
	struct wb_closed *e = NULL;
	WB_KEEP_ERRNO;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED) || !from || !to)
		return;
	/* By name, with no system call, when both names can be made as an open's
	 * were: a noted file under the old name now has the new one. */
	if (!exchange && wb_name_absolute(fromdir, from, old, sizeof(old)) &&
	    wb_name_absolute(todir, to, now, sizeof(now)) && wb_keep_lock()) {
		if ((e = wb_keep_named(old))) {
			memcpy(e->name, now, strlen(now) + 1);
			wb_ring_name_key[e - wb_ring] = wb_name_key_of(now);
		}
		wb_keep_unlock();
		if (e)
			return;
	}
	/* Else by identity: whatever is now at the new name (both, for an exchange). */
	wb_keep_renamed_at(todir, to);
	if (exchange)
		wb_keep_renamed_at(fromdir, from);
}

void wb_keep_exit(void)
{
	struct wb_closed oldest;

	while (wb_keep_take_oldest(&oldest))
		wb_closed_finish(&oldest, false);
}

void wb_keep_after_fork(void)
{
	wb_ring_lock = 0;
	wb_ring_held = 0;
	wb_head = 0;
	wb_count = 0;
	memset(wb_ring_key, 0, sizeof(wb_ring_key));
	memset(wb_ring_name_key, 0, sizeof(wb_ring_name_key));
}
