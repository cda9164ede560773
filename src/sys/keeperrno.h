/* The program's errno, kept across the library's own work.
 *
 * WB_KEEP_ERRNO; as a declaration: errno is noted there and put back whenever the
 * enclosing block is left, by any return (the compiler's cleanup attribute runs
 * after the return value is computed). One per block. Not for a block that means
 * to leave errno set on some path (the real call's error): there, note and put
 * back by hand. */
#ifndef WB_KEEPERRNO_H
#define WB_KEEPERRNO_H

#include <errno.h>

static inline void wb_errno_put_back(const int *saved)
{
	errno = *saved;
}

#define WB_KEEP_ERRNO \
	int wb_errno_kept __attribute__((cleanup(wb_errno_put_back), unused)) = errno

#endif
