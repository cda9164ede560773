/* Closed files whose writeback is still in flight (see keep.h). */
#define _GNU_SOURCE
#include "keep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "init.h"
#include "locks.h"
#include "log.h"
#include "real.h"
#include "settle.h"
#include "syscall.h"
#include "transient.h"

/* Names longer than this are not noted (such a file is waited for at its close,
 * and one renamed to such a name is forgotten): with WB_KEEP_MAX entries, the
 * ring is about 650 KiB of zero pages, touched only as far as it fills. */
#define WB_KEEP_NAME_MAX 512

struct wb_closed {
	uint64_t serial;         /* tells a copy's entry from a later one in its place */
	struct wb_device *device; /* whose budget its bytes count against */
	bool gone;               /* taken out of the middle: skipped, then reclaimed */
	dev_t dev;
	ino_t ino;
	uint64_t low;            /* lowest byte the writer wrote: drops never go below */
	struct wb_batch written; /* what was kicked and not yet dropped; bytes: its weight */
	char name[WB_KEEP_NAME_MAX];
};

static struct wb_closed wb_ring[WB_KEEP_MAX]; /* oldest at wb_head */
static unsigned int wb_head, wb_count;        /* wb_count: also read without the lock */
static uint64_t wb_serial;
static unsigned char wb_ring_lock;
static __thread bool wb_ring_holding __attribute__((tls_model("initial-exec")));

static bool wb_keep_lock(void)
{
	if (wb_ring_holding)
		return false; /* a handler interrupted our own holder: do without */
	wb_ring_holding = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&wb_ring_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	return true;
}

static void wb_keep_unlock(void)
{
	__atomic_store_n(&wb_ring_lock, 0, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	wb_ring_holding = false;
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

/* Under the lock: forget the entries taken out at the head. */
static void wb_ring_trim(void)
{
	while (wb_count && wb_ring[wb_head].gone) {
		wb_head = (wb_head + 1) % WB_KEEP_MAX;
		__atomic_store_n(&wb_count, wb_count - 1, __ATOMIC_RELAXED);
	}
}

/* Under the lock: close the gaps left by entries taken out of the middle. */
static void wb_ring_compact(void)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < wb_count; i++) {
		if (wb_entry(i)->gone)
			continue;
		if (kept != i)
			wb_closed_copy(wb_entry(kept), wb_entry(i));
		kept++;
	}
	__atomic_store_n(&wb_count, kept, __ATOMIC_RELAXED);
}

/* A copy of the oldest entry of `device` (of any device if NULL); taken out of
 * the ring if `take` (and, with serial != 0, only if it is still that entry). */
static bool wb_keep_oldest(const struct wb_device *device, struct wb_closed *out, bool take,
			   uint64_t serial)
{
	struct wb_closed *e = NULL;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED) || !wb_keep_lock())
		return false;
	for (unsigned int i = 0; i < wb_count && !e; i++)
		if (!wb_entry(i)->gone && (!device || wb_entry(i)->device == device))
			e = wb_entry(i);
	if (e && serial && e->serial != serial)
		e = NULL;
	if (e) {
		if (out)
			wb_closed_copy(out, e);
		if (take) {
			e->gone = true;
			wb_ring_trim();
		}
	}
	wb_keep_unlock();
	return e != NULL;
}

/* Is what we opened the file that was noted, still linked? */
static bool wb_same_file(const struct stat *st, const struct wb_closed *c)
{
	return S_ISREG(st->st_mode) && st->st_dev == c->dev && st->st_ino == c->ino &&
	       st->st_nlink > 0;
}

/* Drop what was written: each extent from its folio boundary (never below what the
 * writer wrote) to the page above its end, or to end of file if it reached it. */
static void wb_closed_drop(int fd, const struct wb_closed *c, const struct stat *st)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (unsigned int i = 0; i < c->written.count; i++) {
		const struct wb_extent *e = &c->written.extent[i];
		uint64_t from = wb_drop_start(e->start, c->low);
		uint64_t to = wb_drop_end(e->end, (uint64_t)st->st_size, page);
		(void)wb_sys_fadvise_dontneed(fd, from, to == UINT64_MAX ? 0 : to - from);
	}
}

/* Open the noted file again, unless that would disturb a lock or a lease. */
static int wb_closed_open(const struct wb_closed *c, struct stat *st)
{
	if (wb_locks_in_use() && wb_locks_on(c->ino, (int)wb_syscall(SYS_getpid, 0)))
		return -1;
	return wb_transient_open(c->name, st);
}

/* Open the noted file again, settle it (if `wait`), drop, close; it leaves the
 * budget whatever happens: a file we cannot reach any more is not ours to wait for. */
static void wb_closed_finish(const struct wb_closed *c, bool wait)
{
	int saved = errno;
	uint64_t began = wb_now_ns();
	const char *what = "forgotten (gone, replaced or locked)";
	struct stat st;
	int fd = wb_closed_open(c, &st);

	if (fd >= 0) {
		if (wb_same_file(&st, c)) {
			for (unsigned int i = 0; wait && i < c->written.count; i++) {
				const struct wb_extent *e = &c->written.extent[i];
				(void)wb_settle(fd, e->start, e->end - e->start, c->device);
			}
			if (wb_cfg.drop)
				wb_closed_drop(fd, c, &st);
			what = wait ? "settled" : "dropped what was clean";
		}
		wb_transient_close(fd, &st);
	}
	wb_inflight_sub(c->device, c->written.bytes);
	wb_log(WB_LOG_DEBUG, "closed file %s: %s, %llu bytes, %.1f ms", c->name, what,
	       (unsigned long long)c->written.bytes, (double)(wb_now_ns() - began) / 1e6);
	errno = saved;
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

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = wb_syscall(SYS_readlinkat, AT_FDCWD, link, name, size - 1);
	if (len <= 0 || (size_t)len >= size - 1)
		return -1; /* an error, or perhaps cut short */
	name[len] = '\0';
	if (name[0] != '/')
		return -1;
	/* The kernel marks an unlinked file's name so; a file may also be called that. */
	if ((size_t)len > tail && !strcmp(name + len - tail, gone) &&
	    (fstat(fd, &st) != 0 || st.st_nlink == 0))
		return 0;
	return 1;
}

/* Under the lock: the entry of this file, if it is noted already. */
static struct wb_closed *wb_keep_find(dev_t dev, ino_t ino)
{
	for (unsigned int i = 0; i < wb_count; i++) {
		struct wb_closed *e = wb_entry(i);
		if (!e->gone && e->dev == dev && e->ino == ino)
			return e;
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
	wb_batch_merge(&e->written, written);
	if (low < e->low)
		e->low = low;
	return true;
}

enum wb_keep_outcome wb_keep_file(int fd, const struct wb_identity *id, struct wb_device *device,
				  const struct wb_batch *written, uint64_t low)
{
	struct wb_closed c = { .device = device, .dev = id->dev, .ino = id->ino, .low = low,
			       .written = *written };
	struct wb_closed *slot;
	bool merged;
	int saved = errno, named;

	/* The same file closed again (a shell restoring a saved fd): one entry. */
	if (!wb_keep_lock())
		return WB_KEEP_REFUSED;
	merged = wb_keep_merge(id, written, low);
	wb_keep_unlock();
	if (merged)
		return WB_KEEP_KEPT;
	named = wb_name_of(fd, c.name, sizeof(c.name));
	errno = saved;
	if (named <= 0)
		return named == 0 ? WB_KEEP_UNLINKED : WB_KEEP_REFUSED;
	for (;;) {
		struct wb_closed oldest;
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
		/* Full: this device's oldest is settled to make room (a program closing many
		 * files faster than the disk takes them waits here, as it would at the
		 * budget). Another device's files are never waited for: if this one has
		 * none, the oldest of all is dropped as far as it is clean. */
		if (wb_keep_oldest(device, &oldest, true, 0))
			wb_closed_finish(&oldest, true);
		else if (wb_keep_oldest(NULL, &oldest, true, 0))
			wb_closed_finish(&oldest, false);
	}
	slot = wb_entry(wb_count);
	c.serial = ++wb_serial;
	wb_closed_copy(slot, &c);
	__atomic_store_n(&wb_count, wb_count + 1, __ATOMIC_RELAXED);
	wb_keep_unlock();
	wb_log(WB_LOG_DEBUG, "fd %d: closed with %llu bytes in flight; noted as %s", fd,
	       (unsigned long long)written->bytes, c.name);
	errno = saved;
	return WB_KEEP_KEPT;
}

uint64_t wb_keep_settle(struct wb_device *device, uint64_t pending)
{
	struct wb_closed oldest;
	uint64_t waited = 0;

	while (wb_budget_over(device, pending) && wb_keep_oldest(device, &oldest, true, 0)) {
		waited += oldest.written.bytes;
		wb_closed_finish(&oldest, true);
	}
	return waited;
}

/* One look at the device's oldest noted file, without waiting: 1 it was dropped
 * (or forgotten; *bytes: its weight), 0 it is still being written back, -1
 * nothing to look at. */
static int wb_keep_look_oldest(struct wb_device *device, uint64_t now, uint64_t *bytes)
{
	struct wb_closed c;
	uint64_t left = 0, all = 0;
	struct stat st;
	int fd, settled = 1;

	if (!wb_keep_oldest(device, &c, false, 0))
		return -1;
	fd = wb_closed_open(&c, &st);
	if (fd < 0 || !wb_same_file(&st, &c)) {
		if (fd >= 0)
			wb_transient_close(fd, &st);
		*bytes = 0;
		if (wb_keep_oldest(device, NULL, true, c.serial)) {
			wb_inflight_sub(device, c.written.bytes); /* gone or replaced: forgotten */
			*bytes = c.written.bytes;
		}
		return 1;
	}
	for (unsigned int i = 0; i < c.written.count; i++) {
		const struct wb_extent *e = &c.written.extent[i];
		int got = wb_settle_look(fd, e->start, e->end - e->start, &left);
		all += left;
		if (got != 1)
			settled = 0;
	}
	if (settled && wb_keep_oldest(device, NULL, true, c.serial)) {
		if (wb_cfg.drop)
			wb_closed_drop(fd, &c, &st);
		wb_inflight_sub(device, c.written.bytes);
		*bytes = c.written.bytes;
	} else {
		settled = 0;
		__atomic_store_n(&device->keep_next_look, now + wb_settle_nap_ns(all, device),
				 __ATOMIC_RELAXED);
	}
	wb_transient_close(fd, &st);
	return settled;
}

uint64_t wb_keep_reap(struct wb_device *device)
{
	uint64_t reaped = 0, now, bytes;
	int saved = errno;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED))
		return 0;
	now = wb_now_ns();
	if (now < __atomic_load_n(&device->keep_next_look, __ATOMIC_RELAXED))
		return 0; /* looked a moment ago: its bytes need longer than that */
	while (wb_keep_look_oldest(device, now, &bytes) == 1)
		reaped += bytes;
	errno = saved;
	return reaped;
}

/* An absolute name for path relative to dirfd (it need not be canonical: it is
 * only opened again, and checked). False if it does not fit. */
static bool wb_absolute(int dirfd, const char *path, char *out, size_t size)
{
	size_t len = strlen(path), base;
	char link[40];
	long got;

	if (path[0] == '/') {
		if (len >= size)
			return false;
		memcpy(out, path, len + 1);
		return true;
	}
	if (dirfd == AT_FDCWD) {
		got = wb_syscall(SYS_getcwd, out, size);
		if (got <= 0)
			return false;
		base = strlen(out);
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		got = wb_syscall(SYS_readlinkat, AT_FDCWD, link, out, size - 1);
		if (got <= 0 || (size_t)got >= size - 1)
			return false;
		base = (size_t)got;
	}
	if (out[0] != '/' || base + 1 + len >= size)
		return false;
	out[base] = '/';
	memcpy(out + base + 1, path, len + 1);
	return true;
}

void wb_keep_renamed(int dirfd, const char *path)
{
	char name[WB_KEEP_NAME_MAX];
	struct wb_closed *e;
	struct stat st;
	bool noted;
	int saved = errno;

	if (!__atomic_load_n(&wb_count, __ATOMIC_RELAXED) || !path)
		return;
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !wb_keep_lock()) {
		errno = saved;
		return;
	}
	noted = wb_keep_find(st.st_dev, st.st_ino) != NULL;
	wb_keep_unlock();
	if (noted && wb_absolute(dirfd, path, name, sizeof(name)) && wb_keep_lock()) {
		if ((e = wb_keep_find(st.st_dev, st.st_ino)))
			memcpy(e->name, name, strlen(name) + 1);
		wb_keep_unlock();
	}
	errno = saved;
}

void wb_keep_exit(void)
{
	struct wb_closed oldest;

	while (wb_keep_oldest(NULL, &oldest, true, 0))
		wb_closed_finish(&oldest, false);
}

void wb_keep_after_fork(void)
{
	wb_ring_lock = 0;
	wb_ring_holding = false;
	wb_head = 0;
	wb_count = 0;
}
