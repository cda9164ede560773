/* Per-fd state table: pages of slots, slot locks, wb_file allocation. */
#define _GNU_SOURCE
#include "fdtable.h"

#include <sys/mman.h>

#include "syscall.h"

void *wb_pages[WB_MAX_PAGES]; /* each a page of struct wb_slot */

/* initial-exec: a preloaded library gets static TLS, and no lazy allocation
 * (which could call malloc from a signal handler) is wanted. */
__thread unsigned int wb_table_locks_held __attribute__((tls_model("initial-exec")));

/* mmap rather than malloc: async-signal-safe, and independent of the program's
 * allocator (which might itself write to a file we track). The raw system call:
 * mmap and munmap are doors of ours. */
void *wb_alloc(uint64_t bytes)
{
	long mem = wb_syscall(SYS_mmap, NULL, bytes, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return (unsigned long)mem > -4096UL ? NULL : (void *)mem;
}

static void wb_free(void *mem, uint64_t bytes)
{
	(void)wb_syscall(SYS_munmap, mem, bytes);
}

void *wb_table_page(void **pages, unsigned int index, uint64_t bytes)
{
	void *page = __atomic_load_n(&pages[index], __ATOMIC_ACQUIRE), *expected = NULL;

	if (page)
		return page;
	page = wb_alloc(bytes);
	if (page && !__atomic_compare_exchange_n(&pages[index], &expected, page, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		wb_free(page, bytes); /* another thread won the race */
		page = expected;
	}
	return page;
}

struct wb_slot *wb_slot_get(int fd)
{
	struct wb_slot *page;

	if ((unsigned int)fd >= WB_MAX_FDS)
		return NULL;
	page = wb_table_page(wb_pages, (unsigned int)fd / WB_SLOTS_PER_PAGE,
			     WB_SLOTS_PER_PAGE * sizeof(struct wb_slot));
	return page ? &page[(unsigned int)fd % WB_SLOTS_PER_PAGE] : NULL;
}

struct wb_file *wb_slot_file(struct wb_slot *slot, uint64_t pipe_bytes)
{
	uint64_t bytes = sizeof(struct wb_file) - sizeof(struct wb_pipe) + pipe_bytes;
	struct wb_file *file = __atomic_load_n(&slot->file, __ATOMIC_ACQUIRE);
	struct wb_file *expected = NULL;

	if (file)
		return file;
	file = wb_alloc(bytes);
	if (!file)
		return NULL;
	if (!__atomic_compare_exchange_n(&slot->file, &expected, file, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		wb_free(file, bytes);
		file = expected;
	}
	return file;
}

bool wb_slot_lock(struct wb_slot *slot)
{
	return wb_spin_lock(&slot->lock, &wb_table_locks_held);
}

void wb_slot_unlock(struct wb_slot *slot)
{
	wb_spin_unlock(&slot->lock, &wb_table_locks_held);
}

void wb_table_each_tracked(void (*fn)(int fd, struct wb_slot *slot))
{
	for (unsigned int p = 0; p < WB_MAX_PAGES; p++) {
		struct wb_slot *page = __atomic_load_n(&wb_pages[p], __ATOMIC_ACQUIRE);
		if (!page)
			continue;
		for (unsigned int i = 0; i < WB_SLOTS_PER_PAGE; i++)
			if (wb_slot_class(&page[i]) == WB_TRACKED)
				fn((int)(p * WB_SLOTS_PER_PAGE + i), &page[i]);
	}
}

void wb_table_after_fork(void)
{
	wb_table_locks_held = 0;
	for (unsigned int p = 0; p < WB_MAX_PAGES; p++) {
		struct wb_slot *page = wb_pages[p];
		if (!page)
			continue;
		for (unsigned int i = 0; i < WB_SLOTS_PER_PAGE; i++) {
			page[i].lock = 0;
			page[i].seen = 0; /* the offset is shared with the parent now */
			if (page[i].file)
				page[i].file->pos_known = false;
		}
	}
}
