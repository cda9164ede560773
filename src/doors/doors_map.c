/* The exported mmap family (mmap, mmap64, munmap, msync, mremap): thin doors into the mapped-file policy (readmap.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "export.h"
#include "readmap.h"
#include "real.h"


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

/* The new address is there only with MREMAP_FIXED; passing it on otherwise is
 * what glibc does too (the kernel ignores it). */
WB_EXPORT void *mremap(void *addr, size_t len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	return wb_mremap(addr, len, new_len, flags, new_addr);
}
#endif
