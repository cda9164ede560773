/* fd lifecycle: state must never act on the wrong file. Every call that gives an
 * fd number a new file resets its classification; every call that closes fds
 * implicitly drains them first, as close() would. (Whatever slips past these,
 * an fd closed by a call we do not see, is caught by the device+inode check
 * made before any remembered state is acted on.) All preserve errno. */
#ifndef WB_LIFECYCLE_H
#define WB_LIFECYCLE_H

#include <stdbool.h>

/* fd now refers to a file just opened or duplicated. Returns fd. */
int wb_fd_opened(int fd);
/* fd was just opened with these open(2) flags (a failed open's -1 passes
 * through): as wb_fd_opened, and the first classification may take the flags and
 * the offset (0) from here instead of asking the kernel. Returns fd. */
int wb_fd_opened_with(int fd, int flags);
/* fd's open file description is now shared with another number (dup): what the
 * open door saw may stop being true through the other number. */
void wb_fd_shared(int fd);
/* fd is about to be closed implicitly (dup2/dup3 target). */
void wb_fd_closing(int fd);
/* Every fd in [first, last] is about to be closed (close_range, closefrom). */
void wb_fd_range_closing(unsigned int first, unsigned int last);
/* fcntl(F_SETFL) succeeded with these flags. */
void wb_fd_flags_set(int fd, int flags);
/* An fd-creating call returned ret: true if it failed with EMFILE and the
 * descriptors we keep (keep.h) were released, so the call is worth one retry
 * (errno is then restored to saved_errno). */
bool wb_fd_retry(int ret, int saved_errno);
/* The program is about to take a POSIX record lock (fcntl cmd with arg, or lockf). */
void wb_fd_locking(int fd, int cmd, const void *arg);

#endif
