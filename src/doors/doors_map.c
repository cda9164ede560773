/* The exported mmap family: thin doors into the mapped-file policy (readmap.c). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/types.h>

#include "readmap.h"
#include "real.h"

#define WB_EXPORT __attribute__((visibility("default")))

/* ThreadSanitizer owns mmap and munmap (it maps its shadow through them, before
 * any instrumented code may run): a ThreadSanitizer build linking the library
 * into a program leaves them to it. The preloaded library always has them. */
#if defined(__SANITIZE_THREAD__)
#define WB_MAP_DOORS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WB_MAP_DOORS 0
#endif
#endif
#ifndef WB_MAP_DOORS
#define WB_MAP_DOORS 1
#endif

#if WB_MAP_DOORS

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
#endif
