/* Deciding, once per fd lifetime, whether an fd is worth driving. */
#ifndef WB_CLASSIFY_H
#define WB_CLASSIFY_H

#include <stdbool.h>

#include "fdtable.h"

/* True for a regular file or block device on a disk-backed filesystem, opened
 * without O_DIRECT or O_(D)SYNC; fills *id. `seen` is what the open door saw
 * (WB_SEEN_*, fdtable.h), 0 if nothing. Pipes, sockets, ttys and other character
 * devices cost one statx; files cost one statx, plus an fcntl unless the open door
 * saw the flags, plus an fstatfs for the first file of each mount (every file on
 * kernels before 6.8, which have no unique mount ID). */
bool wb_classify_fd(int fd, unsigned int seen, struct wb_identity *id);

/* Why this thread's last wb_classify_fd() decided as it did ("pipe", "tmpfs",
 * "regular file", ...): for the log. */
const char *wb_classify_reason(void);

/* True if fd still refers to the file *id describes (one fstat). */
bool wb_identity_matches(int fd, const struct wb_identity *id);

#endif
