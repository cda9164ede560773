/* Whose pages are these? The read side's questions to the kernel and to the fd
 * table (see readowner.h). */
#define _GNU_SOURCE
#include "readowner.h"

#include <errno.h>
#include <unistd.h>

#include "fdtable.h"
#include "syscall.h"

/* A chunk is someone else's when more than 1/this of its pages were cached before
 * we came near it. A partly cached chunk stays too, as it would without us. */
#define WB_READ_FOREIGN_SHARE 8U

/* cachestat(2), Linux 6.5; the headers may predate it. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct wb_cachestat_range {
	uint64_t off;
	uint64_t len;
};
struct wb_cachestat {
	uint64_t nr_cache;
	uint64_t nr_dirty;
	uint64_t nr_writeback;
	uint64_t nr_evicted;
	uint64_t nr_recently_evicted;
};

/* Set once cachestat(2) returned ENOSYS. */
static bool wb_cachestat_missing;

bool wb_cachestat_usable(void)
{
	return !__atomic_load_n(&wb_cachestat_missing, __ATOMIC_RELAXED);
}

static uint64_t wb_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (uint64_t)page : 4096;
}

bool wb_chunk_ours(int fd, uint64_t off, uint64_t len, uint64_t size)
{
	struct wb_cachestat_range range = { off, len };
	struct wb_cachestat stat;
	uint64_t page, pages;

	if (off >= size || __atomic_load_n(&wb_cachestat_missing, __ATOMIC_RELAXED))
		return false; /* grown since the first look: another writer's pages */
	if (size - off < len)
		range.len = size - off;
	if (wb_syscall_errno(__NR_cachestat, fd, &range, &stat, 0) != 0) {
		if (errno == ENOSYS)
			__atomic_store_n(&wb_cachestat_missing, true, __ATOMIC_RELAXED);
		return false; /* EPERM (a file we may not write, 6.14+), anything: keep */
	}
	page = wb_page_size();
	pages = (range.len + page - 1) / page;
	return stat.nr_cache * WB_READ_FOREIGN_SHARE <= pages;
}

/* Best effort: a small ring of hashes, written without a lock. */
#define WB_READ_SEEN 16U
static uint64_t wb_read_seen_ring[WB_READ_SEEN];
static unsigned int wb_read_seen_next;

static uint64_t wb_inode_hash(dev_t dev, ino_t ino)
{
	return ((uint64_t)dev * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)ino ^ 1;
}

bool wb_read_seen(dev_t dev, ino_t ino)
{
	uint64_t hash = wb_inode_hash(dev, ino);

	for (unsigned int i = 0; i < WB_READ_SEEN; i++)
		if (__atomic_load_n(&wb_read_seen_ring[i], __ATOMIC_RELAXED) == hash)
			return true;
	return false;
}

void wb_read_remember(dev_t dev, ino_t ino)
{
	unsigned int i = __atomic_fetch_add(&wb_read_seen_next, 1, __ATOMIC_RELAXED);

	__atomic_store_n(&wb_read_seen_ring[i % WB_READ_SEEN], wb_inode_hash(dev, ino),
			 __ATOMIC_RELAXED);
}

/* Each slot's lock is held only to compare (we hold no other). */
bool wb_written_here(dev_t dev, ino_t ino)
{
	for (unsigned int p = 0; p < WB_MAX_PAGES; p++) {
		struct wb_slot *page = __atomic_load_n(&wb_pages[p], __ATOMIC_ACQUIRE);
		if (!page)
			continue;
		for (unsigned int i = 0; i < WB_SLOTS_PER_PAGE; i++) {
			struct wb_slot *slot = &page[i];
			struct wb_file *file = __atomic_load_n(&slot->file, __ATOMIC_ACQUIRE);
			bool wrote;
			if (!file || wb_slot_class(slot) != WB_TRACKED || !wb_slot_lock(slot))
				continue;
			wrote = file->id.dev == dev && file->id.ino == ino && file->stats.bytes != 0;
			wb_slot_unlock(slot);
			if (wrote)
				return true;
		}
	}
	return false;
}

