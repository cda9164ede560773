/* Mapped files: what a mapping brought into the page cache, dropped when it goes.
 *
 * A process that maps a file it wrote (a version-control tool reading back the
 * pack it just received) or is reading sequentially brings the file back into
 * the cache through page faults no read door sees. Such mappings are remembered
 * from mmap to munmap, with which pieces of the range held no cached page when
 * it was mapped (the read side's ownership rule, read/readowner.c); when the
 * mapping goes (munmap, or exit) those pieces are dropped and nothing else.
 * Shared writable mappings of a file (a linker's output) get their range's
 * writeback started at munmap and msync (never waited for) and what is clean
 * dropped; the rest is dropped as far as it is clean at the program's fsync,
 * fdatasync or close of the fd, or at exit.
 *
 * Only big mappings (more than two chunks, like the read side's big files) are
 * looked at. Anything else (anonymous memory, small files, files the process
 * neither wrote nor reads) costs a few compares and, for an fd, a slot lookup.
 * None of these calls blocks or waits, none changes a result or errno. */
#ifndef WB_READMAP_H
#define WB_READMAP_H

#include <stddef.h>
#include <sys/types.h>

typedef void *(*wb_mmap_fn)(void *, size_t, int, int, int, off_t);

/* Policy of the mmap, munmap and msync doors: the real call, then (or, for
 * munmap, around it) what the mapping means for the cache. */
void *wb_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, wb_mmap_fn real);
int wb_munmap(void *addr, size_t len);
int wb_msync(void *addr, size_t len, int flags);
/* A remembered mapping that moves or changes size is forgotten (nothing dropped). */
void *wb_mremap(void *addr, size_t len, size_t new_len, int flags, void *new_addr);

/* Before the program's close of fd, and after its fsync/fdatasync returned
 * `ret`: drop what is clean of the file's unmapped shared writes. */
void wb_map_fd_closing(int fd);
void wb_map_fd_synced(int fd, int ret);

/* At exit (drop what mappings still in place brought in), and in a forked child. */
void wb_map_exit(void);
void wb_map_after_fork(void);

#endif
