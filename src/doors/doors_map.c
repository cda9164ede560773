/* The exported mmap family: thin doors into the mapped-file policy (readmap.c). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/types.h>

#include "readmap.h"
#include "real.h"

#define WB_EXPORT __attribute__((visibility("default")))

WB_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return wb_mmap(addr, len, prot, flags, fd, off, real_mmap);
}

WB_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return wb_mmap(addr, len, prot, flags, fd, off, real_mmap64);
}

WB_EXPORT int munmap(void *addr, size_t len)
{
	return wb_munmap(addr, len);
}

WB_EXPORT int msync(void *addr, size_t len, int flags)
{
	return wb_msync(addr, len, flags);
}
