/* Backpressure on a writer, on its file's own device: pacing by time below the
 * budget (pace.h), the hard line at it (budget.h), what has already reached the
 * disk dropped without waiting. The analogue of the kernel's
 * balance_dirty_pages(), called after every noted write. */
#ifndef WB_THROTTLE_H
#define WB_THROTTLE_H

#include <stdint.h>

#include "fdtable.h"

/* A write of `len` bytes to fd was noted; `pending` of the file's bytes are not
 * yet kicked. May sleep or wait; never takes a lock across a system call. */
void wb_throttle(int fd, struct wb_slot *slot, struct wb_file *file, uint64_t pending,
		 uint64_t len);

#endif
