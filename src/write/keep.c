/* Closed files whose writeback is still in flight (see keep.h). */
#define _GNU_SOURCE
#include "keep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "init.h"
#include "log.h"
#include "pace.h"
#include "real.h"
#include "syscall.h"

/* Our descriptors sit below this many (or RLIMIT_NOFILE, if lower): far above
 * what programs use, without growing the kernel's fd table for huge limits. */
#define WB_KEEP_TOP 4096
/* A kept file whose pages have not reached the disk after this long is given up
 * on (dropped as far as it is clean): a wait must not hang a program forever. */
#define WB_KEEP_PATIENCE_NS (120ULL * 1000000000ULL)

struct wb_kept {
	int fd;
	struct wb_device *device; /* whose budget its bytes count against */
	dev_t dev;
	ino_t ino;
	uint64_t start, end; /* span written; dropped from its folio boundary to EOF */
	uint64_t bytes;      /* its weight in the budget */
};

static struct wb_kept wb_kept[WB_KEEP_MAX]; /* oldest first */
static unsigned int wb_kept_count;
static unsigned char wb_kept_lock;
static __thread bool wb_kept_holding __attribute__((tls_model("initial-exec")));
int wb_keep_floor = INT_MAX;

static bool wb_keep_lock(void)
{
	if (wb_kept_holding)
		return false; /* a handler interrupted our own holder: do without */
	wb_kept_holding = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&wb_kept_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	return true;
}

static void wb_keep_unlock(void)
{
	__atomic_store_n(&wb_kept_lock, 0, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	wb_kept_holding = false;
}

/* Under the lock: remove entry i, keeping the order, and recompute the floor. */
static struct wb_kept wb_keep_remove(unsigned int i)
{
	struct wb_kept gone = wb_kept[i];
	int floor = INT_MAX;

	for (; i + 1 < wb_kept_count; i++)
		wb_kept[i] = wb_kept[i + 1];
	/* Stored atomically: wb_keep_settle() looks at it without the lock. */
	__atomic_store_n(&wb_kept_count, wb_kept_count - 1, __ATOMIC_RELAXED);
	for (i = 0; i < wb_kept_count; i++)
		if (wb_kept[i].fd < floor)
			floor = wb_kept[i].fd;
	__atomic_store_n(&wb_keep_floor, floor, __ATOMIC_RELAXED);
	return gone;
}

/* Still the descriptor we opened? A program that closed it through a path we do
 * not see (a raw system call) may have reused the number. */
static bool wb_kept_intact(const struct wb_kept *k, struct stat *st)
{
	int flags = (int)wb_syscall_errno(SYS_fcntl, k->fd, F_GETFL);

	return flags >= 0 && (flags & O_ACCMODE) == O_RDONLY && fstat(k->fd, st) == 0 &&
	       st->st_dev == k->dev && st->st_ino == k->ino;
}

/* One look at [start, EOF) of a kept file: 1 if nothing there is dirty or under
 * writeback, 0 if something is, -1 if cachestat fails. Pages written after our
 * kick (stdio's last buffer, flushed by fclose after we looked) are kicked. */
static int wb_kept_look(const struct wb_kept *k, uint64_t start)
{
	struct wb_cachestat cs;

	if (wb_sys_cachestat(k->fd, start, 0, &cs) != 0)
		return -1;
	if (cs.dirty == 0 && cs.writeback == 0)
		return 1;
	if (cs.dirty && cs.writeback == 0)
		(void)wb_sys_sync_file_range(k->fd, start, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* Until nothing in [start, EOF) is dirty or under writeback. A look costs
 * microseconds; the naps back off from 100 us to 1.6 ms, so a fast disk is not
 * left idle while we sleep. */
static void wb_kept_wait(const struct wb_kept *k, uint64_t start)
{
	uint64_t began = wb_now_ns(), took;
	unsigned int polls = 0;

	for (;;) {
		if (wb_kept_look(k, start) != 0)
			break;
		if (wb_now_ns() - began > WB_KEEP_PATIENCE_NS)
			break;
		struct timespec nap = { 0, 100000L << (polls < 4 ? polls : 4) };
		nanosleep(&nap, NULL);
		polls++;
	}
	took = wb_now_ns() - began;
	wb_log(WB_LOG_DEBUG, "closed file (fd %d): waited %.1f ms for %llu bytes, %u polls; %s %llu",
	       k->fd, (double)took / 1e6, (unsigned long long)k->bytes, polls,
	       wb_cfg.drop ? "dropped from" : "kept cached from", (unsigned long long)start);
}

/* Out of the FIFO: wait (if asked), drop, close. */
static void wb_kept_finish(struct wb_kept *k, bool wait)
{
	int saved = errno;
	struct stat st;

	if (wb_kept_intact(k, &st)) {
		uint64_t start = wb_drop_start(k->start, 0);
		if (wait && st.st_nlink > 0) /* unlinked since: its pages die with it */
			wb_kept_wait(k, start);
		if (wb_cfg.drop)
			(void)wb_sys_fadvise_dontneed(k->fd, start, 0);
		(void)real_close(k->fd);
	}
	wb_inflight_sub(k->device, k->bytes);
	errno = saved;
}

/* Where our descriptor goes: the highest number below the top that neither we
 * nor the program hold. */
static int wb_keep_park(int fd)
{
	bool ours[WB_KEEP_MAX] = { false };
	struct rlimit rl;
	rlim_t top;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	top = rl.rlim_cur < WB_KEEP_TOP ? rl.rlim_cur : WB_KEEP_TOP;
	if (top < 4 * WB_KEEP_MAX)
		return -1; /* a small limit leaves no room far from the program */
	if (!wb_keep_lock())
		return -1;
	for (unsigned int i = 0; i < wb_kept_count; i++)
		if ((rlim_t)wb_kept[i].fd < top && (rlim_t)wb_kept[i].fd >= top - WB_KEEP_MAX)
			ours[top - 1 - (rlim_t)wb_kept[i].fd] = true;
	wb_keep_unlock();
	for (unsigned int i = 0; i < WB_KEEP_MAX; i++) {
		int want = (int)(top - 1 - i);
		if (ours[i])
			continue;
		/* F_DUPFD returns the lowest free number >= want: `want` itself if free. */
		int high = (int)wb_syscall_errno(SYS_fcntl, fd, F_DUPFD_CLOEXEC, want);
		if (high == want)
			return high;
		if (high >= 0)
			(void)real_close(high);
		else if (errno != EMFILE)
			return -1;
	}
	return -1;
}

/* Under the lock: the oldest entry of `device` (index), or of any device if it
 * has none; *same says which. */
static unsigned int wb_keep_oldest_of(const struct wb_device *device, bool *same)
{
	for (unsigned int i = 0; i < wb_kept_count; i++) {
		if (wb_kept[i].device == device) {
			*same = true;
			return i;
		}
	}
	*same = false;
	return 0;
}

enum wb_keep_outcome wb_keep_file(int fd, const struct wb_identity *id,
				  struct wb_device *device, uint64_t start, uint64_t end,
				  uint64_t bytes)
{
	struct wb_kept k = { .device = device, .dev = id->dev, .ino = id->ino, .start = start,
			     .end = end, .bytes = bytes };
	struct wb_kept oldest;
	bool evict = false, same = false;
	char path[40];
	struct stat st;
	int saved = errno, mine;

	if (fstat(fd, &st) == 0 && st.st_nlink == 0)
		return WB_KEEP_UNLINKED;
	if (!S_ISREG(st.st_mode) || !wb_pace_can_poll(fd))
		return WB_KEEP_REFUSED;
	/* A new read-only description of the same file; raw openat, so that our own
	 * open door does not see it. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	mine = (int)wb_syscall_errno(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (mine < 0) {
		errno = saved;
		return WB_KEEP_REFUSED;
	}
	k.fd = wb_keep_park(mine);
	(void)real_close(mine);
	if (k.fd < 0 || !wb_kept_intact(&k, &st) || !wb_keep_lock()) {
		if (k.fd >= 0)
			(void)real_close(k.fd);
		errno = saved;
		return WB_KEEP_REFUSED;
	}
	if (wb_kept_count == WB_KEEP_MAX) {
		/* Make room from this device's own files: another device's, slower or
		 * stalled, must not make this close wait. */
		oldest = wb_keep_remove(wb_keep_oldest_of(device, &same));
		evict = true;
	}
	wb_kept[wb_kept_count] = k;
	__atomic_store_n(&wb_kept_count, wb_kept_count + 1, __ATOMIC_RELAXED);
	if (k.fd < wb_keep_lowest())
		__atomic_store_n(&wb_keep_floor, k.fd, __ATOMIC_RELAXED);
	wb_keep_unlock();
	wb_log(WB_LOG_DEBUG, "fd %d: closed with %llu bytes in flight; kept as fd %d", fd,
	       (unsigned long long)bytes, k.fd);
	if (evict)
		wb_kept_finish(&oldest, same);
	errno = saved;
	return WB_KEEP_KEPT;
}

/* A copy of the device's oldest kept file's entry, left in the FIFO. */
static bool wb_keep_peek_oldest(const struct wb_device *device, struct wb_kept *out)
{
	unsigned int i;
	bool got;

	if (!__atomic_load_n(&wb_kept_count, __ATOMIC_RELAXED) || !wb_keep_lock())
		return false;
	i = wb_keep_oldest_of(device, &got);
	if (got)
		*out = wb_kept[i];
	wb_keep_unlock();
	return got;
}

/* Take the device's oldest kept file out of the FIFO; with fd >= 0, only if it
 * is still the one on that descriptor (looked at outside the lock). */
static bool wb_keep_pop_oldest(const struct wb_device *device, int fd, struct wb_kept *out)
{
	unsigned int i;
	bool got;

	if (!__atomic_load_n(&wb_kept_count, __ATOMIC_RELAXED) || !wb_keep_lock())
		return false;
	i = wb_keep_oldest_of(device, &got);
	got = got && (fd < 0 || wb_kept[i].fd == fd);
	if (got)
		*out = wb_keep_remove(i);
	wb_keep_unlock();
	return got;
}

uint64_t wb_keep_settle(struct wb_device *device, uint64_t pending)
{
	struct wb_kept oldest;
	uint64_t waited = 0;

	while (wb_budget_over(device, pending) && wb_keep_pop_oldest(device, -1, &oldest)) {
		waited += oldest.bytes;
		wb_kept_finish(&oldest, true);
	}
	return waited;
}

uint64_t wb_keep_reap(struct wb_device *device)
{
	struct wb_kept oldest;
	uint64_t reaped = 0;
	int saved = errno;

	while (wb_keep_peek_oldest(device, &oldest) &&
	       wb_kept_look(&oldest, wb_drop_start(oldest.start, 0)) == 1 &&
	       wb_keep_pop_oldest(device, oldest.fd, &oldest)) {
		reaped += oldest.bytes;
		wb_kept_finish(&oldest, false);
	}
	errno = saved;
	return reaped;
}

/* Release, without waiting, every kept file for which match() is true. */
static unsigned int wb_keep_release_if(bool (*match)(const struct wb_kept *, const void *),
				       const void *arg)
{
	struct wb_kept gone;
	unsigned int released = 0;
	bool got;

	if (wb_keep_lowest() == INT_MAX)
		return 0;
	do {
		got = false;
		if (!wb_keep_lock())
			return released;
		for (unsigned int i = 0; i < wb_kept_count; i++) {
			if (match(&wb_kept[i], arg)) {
				gone = wb_keep_remove(i);
				got = true;
				break;
			}
		}
		wb_keep_unlock();
		if (got) {
			wb_kept_finish(&gone, false);
			released++;
		}
	} while (got);
	return released;
}

static bool wb_match_inode(const struct wb_kept *k, const void *arg)
{
	const struct stat *st = arg;
	return k->dev == st->st_dev && k->ino == st->st_ino;
}

void wb_keep_release_inode_of(int fd)
{
	struct stat st;
	int saved = errno;

	if (wb_keep_lowest() != INT_MAX && fstat(fd, &st) == 0)
		(void)wb_keep_release_if(wb_match_inode, &st);
	errno = saved;
}

struct wb_fd_range {
	unsigned int first, last;
};

static bool wb_match_range(const struct wb_kept *k, const void *arg)
{
	const struct wb_fd_range *r = arg;
	return (unsigned int)k->fd >= r->first && (unsigned int)k->fd <= r->last;
}

bool wb_keep_release_fd(int fd)
{
	struct wb_fd_range r = { (unsigned int)fd, (unsigned int)fd };

	if (fd < 0 || fd < wb_keep_lowest())
		return false;
	return wb_keep_release_if(wb_match_range, &r) != 0;
}

void wb_keep_release_range(unsigned int first, unsigned int last)
{
	struct wb_fd_range r = { first, last };

	(void)wb_keep_release_if(wb_match_range, &r);
}

static bool wb_match_all(const struct wb_kept *k, const void *arg)
{
	(void)k;
	(void)arg;
	return true;
}

unsigned int wb_keep_release_all(void)
{
	int saved = errno;
	unsigned int released = wb_keep_release_if(wb_match_all, NULL);

	errno = saved;
	return released;
}

void wb_keep_exit(void)
{
	(void)wb_keep_release_all();
}

void wb_keep_after_fork(void)
{
	wb_kept_lock = 0;
	wb_kept_holding = false;
	for (unsigned int i = 0; i < wb_kept_count; i++)
		(void)real_close(wb_kept[i].fd);
	wb_kept_count = 0;
	wb_keep_floor = INT_MAX;
}
