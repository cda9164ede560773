/* Mapped files: remembered from mmap to munmap, what they brought in dropped when
 * they go (see readmap.h). */
#define _GNU_SOURCE
#include "readmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "fdtable.h"
#include "keeperrno.h"
#include "log.h"
#include "readowner.h"
#include "readstep.h"
#include "real.h"
#include "syscall.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21 /* Linux 5.4 */
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

/* Mappings remembered at once; more are left to the kernel. */
#define WB_MAP_RECORDS 32U
/* Pieces whose ownership is remembered per mapping: 256 KiB each, bigger for
 * mappings over 128 MiB (a piece with any page cached before is kept). */
#define WB_MAP_BITS 512U

struct wb_map {
	bool used;
	bool mapped;       /* [start, start + len) is still mapped */
	bool shared_write; /* MAP_SHARED and PROT_WRITE: its stores go to the file */
	bool ours;         /* written by this process: every page is its own */
	int fd;            /* the program's fd at mmap time: checked before each use */
	pid_t pid;         /* the process that mapped it (a vfork child shares the table) */
	struct wb_identity id;
	uintptr_t start;   /* as mapped: start + len */
	uint64_t len;      /* bytes, page aligned */
	uint64_t off;      /* file offset of start (and of fresh[]'s first piece) */
	uintptr_t lo, hi;  /* what is still mapped of it (munmap may take part) */
	uint64_t piece;    /* bytes per bit of fresh[] */
	uint64_t fresh[WB_MAP_BITS / 64]; /* bit i: piece i held no cached page */
};

/* The records. Lock protocol: wb_maps_lock (spin.h, in the fd table's family)
 * guards every field of every record; held to copy a record in or out,
 * never across a system call, try-only in a signal handler that interrupted its
 * holder (then the door passes through). wb_maps_used (atomic) counts records in
 * use: zero keeps munmap to one load. */
static struct wb_map wb_maps[WB_MAP_RECORDS];
static unsigned int wb_maps_used;
static unsigned char wb_maps_lock;

/* The configuration is loaded (start-up has run) and the read side is on. Never
 * starts up from here: an allocator's mmap may come from inside dlsym during our
 * own start-up. (Not wb_ready(): start-up calls wb_map_exit's file at exit, and
 * this file calls nothing that calls back.) */
static inline bool wb_map_active(void)
{
	return __atomic_load_n(&wb_cfg.chunk, __ATOMIC_ACQUIRE) != 0 && wb_cfg.read && !wb_cfg.disable;
}

/* ---- what was cached when the range was mapped ---- */

static void wb_map_look(struct wb_map *m, int fd, uint64_t size)
{
	uint64_t group;

	m->piece = WB_READ_PIECE_MIN;
	while (m->len > WB_MAP_BITS * m->piece)
		m->piece *= 2;
	group = 64 * m->piece;
	memset(m->fresh, 0, sizeof(m->fresh));
	for (unsigned int g = 0; g < WB_MAP_BITS / 64 && g * group < m->len; g++) {
		uint64_t len = m->len - g * group < group ? m->len - g * group : group;
		if (m->ours && !wb_cachestat_usable())
			m->fresh[g] = ~0ULL; /* nothing can tell: like the read side, ours */
		else
			m->fresh[g] = wb_range_uncached(fd, m->off + g * group, len, m->piece, size);
	}
}

/* The next run of fresh pieces within file range [from, to) of m, from *at on:
 * false when there is none left. */
static bool wb_map_run(const struct wb_map *m, uint64_t from, uint64_t to, uint64_t *at,
		       uint64_t *run_from, uint64_t *run_to)
{
	bool found = false;

	if (*at < from)
		*at = from;
	while (*at < to) {
		uint64_t i = (*at - m->off) / m->piece;
		uint64_t end = m->off + (i + 1) * m->piece;
		bool fresh = i < WB_MAP_BITS && ((m->fresh[i / 64] >> (i % 64)) & 1);
		if (end > to)
			end = to;
		if (!fresh) {
			if (found)
				break;
		} else {
			if (!found)
				*run_from = *at;
			*run_to = end;
			found = true;
		}
		*at = end;
	}
	return found;
}

/* Drop the fresh pieces of file range [from, to) through the fd: what is clean and
 * mapped nowhere goes. */
static void wb_map_drop(const struct wb_map *m, uint64_t from, uint64_t to)
{
	uint64_t at = 0, run_from, run_to;

	while (wb_map_run(m, from, to, &at, &run_from, &run_to)) {
		wb_log(WB_LOG_DEBUG, "fd %d: mapping gone, dropping %llu+%llu", m->fd,
		       (unsigned long long)run_from, (unsigned long long)(run_to - run_from));
		(void)wb_sys_fadvise_dontneed(m->fd, run_from, run_to - run_from);
	}
}

/* Page out the fresh pieces still mapped at [addr of from, addr of to): for when
 * the fd is gone. The kernel takes only pages no other process maps. */
static void wb_map_pageout(const struct wb_map *m, uint64_t from, uint64_t to)
{
	uint64_t at = 0, run_from, run_to;

	while (wb_map_run(m, from, to, &at, &run_from, &run_to))
		(void)wb_syscall(SYS_madvise, m->start + (run_from - m->off), run_to - run_from,
				 MADV_PAGEOUT);
}

/* ---- the records ---- */

static bool wb_maps_take(void)
{
	return wb_spin_lock(&wb_maps_lock, &wb_table_locks_held);
}

static void wb_maps_give(void)
{
	wb_spin_unlock(&wb_maps_lock, &wb_table_locks_held);
}

static void wb_map_remember(const struct wb_map *m)
{
	if (!wb_maps_take())
		return;
	for (unsigned int i = 0; i < WB_MAP_RECORDS; i++)
		if (!wb_maps[i].used) {
			wb_maps[i] = *m;
			__atomic_add_fetch(&wb_maps_used, 1, __ATOMIC_RELAXED);
			break;
		}
	wb_maps_give();
}

static void wb_map_free(struct wb_map *m)
{
	m->used = false;
	__atomic_sub_fetch(&wb_maps_used, 1, __ATOMIC_RELAXED);
}

/* Should this new mapping be remembered, and as whose? */
static bool wb_map_wanted(struct wb_map *m, int prot, int flags, int fd)
{
	int type = flags & MAP_TYPE;
	struct wb_slot *slot = wb_slot_peek(fd);
	bool following = false;

	m->shared_write = (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) && (prot & PROT_WRITE);
	if (!m->shared_write && (prot & PROT_WRITE))
		return false; /* private copy-on-write: the program's own memory */
	if (slot && wb_slot_class(slot) == WB_IGNORED)
		return false;
	if (slot && wb_slot_class(slot) == WB_TRACKED) {
		struct wb_file *file = slot->file;
		m->id = file->id;
		m->ours = __atomic_load_n(&file->stats.bytes, __ATOMIC_RELAXED) != 0;
		following = __atomic_load_n(&file->read.mode, __ATOMIC_ACQUIRE) == WB_READ_FOLLOW;
	} else if (!m->shared_write && !wb_written_any()) {
		/* A file we know nothing about: worth a look only for a shared writer,
		 * or when this process closed files it wrote. */
		return false;
	} else if (!wb_classify_fd(fd, 0, &m->id)) {
		return false; /* not a disk file we drive (tmpfs, a device, O_DIRECT) */
	}
	if (m->id.remote)
		return false;
	if (!m->ours && !following && !m->shared_write)
		m->ours = wb_written_recently(m->id.dev, m->id.ino) ||
			  wb_written_here(m->id.dev, m->id.ino);
	return m->ours || following || m->shared_write;
}

/* Is the record's fd still its file? (The program may have closed it after
 * mapping, and the number may hold another file now.) */
static bool wb_map_fd_valid(const struct wb_map *m)
{
	return m->fd >= 0 && wb_identity_matches(m->fd, &m->id);
}

/* Start writeback of file range [from, to): never a wait. */
static void wb_map_kick(const struct wb_map *m, uint64_t from, uint64_t to)
{
	(void)wb_sys_sync_file_range(m->fd, from, to - from, SYNC_FILE_RANGE_WRITE);
}

/* Take out the records overlapping [start, start + len): copied into out[]
 * (the part that goes), the records trimmed or freed. Returns how many. */
static unsigned int wb_map_take_range(uintptr_t start, uint64_t len, struct wb_map *out,
				      uint64_t *from, uint64_t *to, unsigned int max)
{
	unsigned int n = 0;

	if (!wb_maps_take())
		return 0;
	for (unsigned int i = 0; i < WB_MAP_RECORDS && n < max; i++) {
		struct wb_map *m = &wb_maps[i];
		uintptr_t lo, hi;
		if (!m->used || !m->mapped || m->lo >= start + len || m->hi <= start)
			continue;
		lo = m->lo > start ? m->lo : start;
		hi = m->hi < start + len ? m->hi : start + len;
		out[n] = *m;
		from[n] = m->off + (lo - m->start);
		to[n] = m->off + (hi - m->start);
		n++;
		if (lo <= m->lo && hi >= m->hi) {
			if (m->shared_write)
				m->mapped = false; /* its writes still to drop, later */
			else
				wb_map_free(m);
		} else if (lo <= m->lo) {
			m->lo = hi; /* the head went */
		} else if (hi >= m->hi) {
			m->hi = lo; /* the tail went */
		}
		/* A hole in the middle: the record stays whole; the rest is handled when
		 * it goes too (dropping twice is harmless). */
	}
	wb_maps_give();
	return n;
}

/* Records one munmap handles (on the stack: a signal handler may munmap). */
#define WB_MAP_AT_ONCE 4U

/* What goes with [addr, addr + len): the records taken out, and their fds checked. */
struct wb_map_gone {
	unsigned int n;
	struct wb_map map[WB_MAP_AT_ONCE];
	uint64_t from[WB_MAP_AT_ONCE], to[WB_MAP_AT_ONCE];
	bool valid[WB_MAP_AT_ONCE];
};

static void wb_map_going(uintptr_t addr, uint64_t len, struct wb_map_gone *g)
{
	g->n = wb_map_take_range(addr, len, g->map, g->from, g->to, WB_MAP_AT_ONCE);
	for (unsigned int i = 0; i < g->n; i++)
		g->valid[i] = wb_map_fd_valid(&g->map[i]);
}

/* After the range is unmapped: start shared writes, drop what is clean. */
static void wb_map_gone(const struct wb_map_gone *g)
{
	for (unsigned int i = 0; i < g->n; i++) {
		if (!g->valid[i])
			continue;
		if (g->map[i].shared_write)
			wb_map_kick(&g->map[i], g->from[i], g->to[i]);
		if (wb_cfg.drop)
			wb_map_drop(&g->map[i], g->from[i], g->to[i]);
	}
}

int wb_munmap(void *addr, size_t len)
{
	struct wb_map_gone g;
	int ret, err;

	if (__builtin_expect(!__atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED), 1) ||
	    ((uintptr_t)addr & (wb_page_size() - 1)) || len == 0)
		return real_munmap(addr, len); /* nothing remembered, or EINVAL */
	err = errno;
	wb_map_going((uintptr_t)addr, len, &g);
	/* Without the fd, the mapping is the only way to its pages: page out what it
	 * brought in before it goes (read-only: nothing to write). */
	for (unsigned int i = 0; i < g.n; i++)
		if (!g.valid[i] && !g.map[i].shared_write)
			wb_map_pageout(&g.map[i], g.from[i], g.to[i]);
	errno = err;
	ret = real_munmap(addr, len);
	err = errno;
	wb_map_gone(&g);
	errno = err;
	return ret;
}

void *wb_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, wb_mmap_fn real)
{
	void *got = real(addr, len, prot, flags, fd, off);
	WB_KEEP_ERRNO; /* the real call's */
	struct wb_map m;
	struct stat st;

	if (got == MAP_FAILED)
		return got;
	if ((flags & MAP_FIXED) && __atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED)) {
		/* Mapped over part of a remembered mapping: that part is gone. */
		struct wb_map_gone g;
		wb_map_going((uintptr_t)got, len, &g);
		wb_map_gone(&g);
	}
	/* Anonymous memory, small files: a few compares. */
	if (fd < 0 || (flags & MAP_ANONYMOUS) || !wb_map_active() ||
	    len <= WB_READ_AFTER_CHUNKS * wb_cfg.chunk || off < 0)
		return got;
	memset(&m, 0, sizeof(m));
	if (wb_map_wanted(&m, prot, flags, fd) && wb_sys_fstat(fd, &st) == 0 &&
	    st.st_dev == m.id.dev && st.st_ino == m.id.ino) {
		m.used = m.mapped = true;
		m.fd = fd;
		m.pid = (pid_t)wb_syscall(SYS_getpid, 0);
		m.start = m.lo = (uintptr_t)got;
		m.len = len;
		m.hi = m.start + ((len + wb_page_size() - 1) & ~(wb_page_size() - 1));
		m.off = (uint64_t)off;
		wb_map_look(&m, fd, (uint64_t)st.st_size);
		wb_log(WB_LOG_DEBUG, "fd %d: mapped %llu+%llu%s%s", fd, (unsigned long long)m.off,
		       (unsigned long long)m.len, m.ours ? " (written here)" : "",
		       m.shared_write ? " shared writable" : "");
		wb_map_remember(&m);
	}
	return got;
}

int wb_msync(void *addr, size_t len, int flags)
{
	int ret = real_msync(addr, len, flags);
	WB_KEEP_ERRNO; /* the real call's */
	uintptr_t start = (uintptr_t)addr;
	struct wb_map m;
	uint64_t from = 0, to = 0;
	bool found = false;

	/* MS_ASYNC starts nothing since Linux 2.6.19: start the range's writeback. */
	if (ret != 0 || !(flags & MS_ASYNC) || !__atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED) ||
	    !wb_maps_take())
		return ret;
	for (unsigned int i = 0; i < WB_MAP_RECORDS && !found; i++) {
		const struct wb_map *r = &wb_maps[i];
		if (!r->used || !r->mapped || !r->shared_write || r->lo >= start + len ||
		    r->hi <= start)
			continue;
		m = *r;
		from = m.off + ((start > m.lo ? start : m.lo) - m.start);
		to = m.off + ((start + len < m.hi ? start + len : m.hi) - m.start);
		found = true;
	}
	wb_maps_give();
	if (found && wb_map_fd_valid(&m))
		wb_map_kick(&m, from, to);
	return ret;
}

void *wb_mremap(void *addr, size_t len, size_t new_len, int flags, void *new_addr)
{
	void *got = real_mremap(addr, len, new_len, flags, new_addr);
	WB_KEEP_ERRNO; /* the real call's */

	if (got != MAP_FAILED && __atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED) && wb_maps_take()) {
		for (unsigned int i = 0; i < WB_MAP_RECORDS; i++) {
			struct wb_map *m = &wb_maps[i];
			if (m->used && m->mapped && m->lo < (uintptr_t)addr + len && m->hi > (uintptr_t)addr)
				wb_map_free(m);
		}
		wb_maps_give();
	}
	return got;
}

/* Unmapped shared writes on fd (or on any fd: -1) are dropped as far as clean;
 * `forget`: and no longer remembered. */
static void wb_map_settle(int fd, bool forget)
{
	pid_t self = (pid_t)wb_syscall(SYS_getpid, 0);
	struct wb_map m;

	for (unsigned int i = 0; i < WB_MAP_RECORDS; i++) {
		bool found = false;
		if (!wb_maps_take())
			return;
		/* Not in a vfork child (Python's subprocess closes fds there): the
		 * records are the parent's. */
		if (wb_maps[i].used && !wb_maps[i].mapped && wb_maps[i].pid == self &&
		    (fd < 0 || wb_maps[i].fd == fd)) {
			m = wb_maps[i];
			found = true;
			if (forget)
				wb_map_free(&wb_maps[i]);
		}
		wb_maps_give();
		if (found && wb_cfg.drop && wb_map_fd_valid(&m))
			wb_map_drop(&m, m.off, m.off + m.len);
	}
}

void wb_map_fd_closing(int fd)
{
	struct wb_slot *slot = wb_slot_peek(fd);
	WB_KEEP_ERRNO;

	if (!wb_map_active() || !slot || wb_slot_class(slot) != WB_TRACKED)
		return;
	/* A file written here: what this process maps of it later is its own. */
	if (__atomic_load_n(&slot->file->stats.bytes, __ATOMIC_RELAXED) >= wb_cfg.chunk)
		wb_written_remember(slot->file->id.dev, slot->file->id.ino);
	if (__atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED))
		wb_map_settle(fd, true);
}

void wb_map_fd_synced(int fd, int ret)
{
	WB_KEEP_ERRNO;

	if (ret == 0 && wb_map_active() && __atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED))
		wb_map_settle(fd, false);
}

void wb_map_exit(void)
{
	if (!wb_map_active() || !__atomic_load_n(&wb_maps_used, __ATOMIC_RELAXED))
		return;
	for (unsigned int i = 0; i < WB_MAP_RECORDS; i++) {
		struct wb_map m;
		if (!wb_maps_take())
			return;
		m = wb_maps[i];
		wb_maps_give();
		if (!m.used)
			continue;
		if (m.mapped && !m.shared_write) {
			/* Still mapped (a program that exits without munmap): the pages it
			 * faulted in go; the fd, if still open, takes the readahead too. */
			wb_map_pageout(&m, m.off + (m.lo - m.start), m.off + (m.hi - m.start));
			if (wb_map_fd_valid(&m))
				wb_map_drop(&m, m.off, m.off + m.len);
		} else if (wb_map_fd_valid(&m)) {
			if (m.mapped)
				wb_map_kick(&m, m.off + (m.lo - m.start), m.off + (m.hi - m.start));
			wb_map_drop(&m, m.off, m.off + m.len);
		}
	}
}

void wb_map_after_fork(void)
{
	wb_maps_lock = 0;
}
