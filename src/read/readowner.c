/* Whose pages are these? The read side's questions to the kernel and to the fd
 * table (see readowner.h). */
#define _GNU_SOURCE
#include "readowner.h"

#include <errno.h>
#include <unistd.h>

#include "fdtable.h"
#include "keeperrno.h"
#include "real.h"

/* Set once cachestat(2) returned ENOSYS. */
static bool wb_cachestat_missing;

bool wb_cachestat_usable(void)
{
	return !__atomic_load_n(&wb_cachestat_missing, __ATOMIC_RELAXED);
}

/* Pages of [off, off + len) in the cache, or -1 (ENOSYS remembered). */
static int64_t wb_cached_pages(int fd, uint64_t off, uint64_t len)
{
	struct wb_cachestat stat;

	if (wb_sys_cachestat(fd, off, len, &stat) != 0) {
		if (errno == ENOSYS)
			__atomic_store_n(&wb_cachestat_missing, true, __ATOMIC_RELAXED);
		return -1;
	}
	return (int64_t)stat.cached;
}

uint64_t wb_range_uncached(int fd, uint64_t off, uint64_t len, uint64_t piece, uint64_t size)
{
	uint64_t end = off + len, bits = 0, page = wb_page_size();
	unsigned int pieces;
	int64_t cached;
	WB_KEEP_ERRNO;

	if (off >= size || !piece || __atomic_load_n(&wb_cachestat_missing, __ATOMIC_RELAXED))
		return 0; /* grown since the first look: another writer's pages */
	if (end > size)
		end = size;
	if (end - off > 64 * piece)
		end = off + 64 * piece;
	pieces = (unsigned int)((end - off + piece - 1) / piece);
	cached = wb_cached_pages(fd, off, end - off);
	if (cached == 0)
		bits = pieces == 64 ? ~0ULL : (1ULL << pieces) - 1;
	else if (cached > 0 && pieces > 1 && (uint64_t)cached < (end - off + page - 1) / page)
		/* Partly cached: which pieces hold none of it? */
		for (unsigned int p = 0; p < pieces; p++) {
			uint64_t from = off + p * piece;
			uint64_t to = end - from > piece ? from + piece : end;
			if (wb_cached_pages(fd, from, to - from) == 0)
				bits |= 1ULL << p;
		}
	return bits;
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

static uint64_t wb_written_ring[WB_READ_SEEN];
static unsigned int wb_written_next;

void wb_written_remember(dev_t dev, ino_t ino)
{
	uint64_t hash = wb_inode_hash(dev, ino);
	unsigned int i;

	if (wb_written_recently(dev, ino))
		return;
	i = __atomic_fetch_add(&wb_written_next, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&wb_written_ring[i % WB_READ_SEEN], hash, __ATOMIC_RELAXED);
}

bool wb_written_recently(dev_t dev, ino_t ino)
{
	uint64_t hash = wb_inode_hash(dev, ino);

	for (unsigned int i = 0; i < WB_READ_SEEN; i++)
		if (__atomic_load_n(&wb_written_ring[i], __ATOMIC_RELAXED) == hash)
			return true;
	return false;
}

bool wb_written_any(void)
{
	return __atomic_load_n(&wb_written_next, __ATOMIC_RELAXED) != 0;
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

