/* fd lifecycle: state must never act on the wrong file. Every call that gives an
 * fd number a new file resets its classification; every call that closes fds
 * implicitly hands them over first, as close() would. (Whatever slips past these,
 * an fd closed by a call we do not see, is caught by the device+inode check
 * made before any remembered state is acted on.) In a vfork child a tracked
 * slot is left as it is: it is the parent's. All preserve errno. */
#ifndef WB_LIFECYCLE_H
#define WB_LIFECYCLE_H

/* fd now refers to a file just opened or duplicated. Returns fd. */
int wb_fd_opened(int fd);
/* fd was just opened by path (relative to dirfd) with these open(2) flags (a
 * failed open's -1 passes through): as wb_fd_opened, and the first
 * classification may take the flags and the offset (0) from here instead of
 * asking the kernel, and a close its name (fdnote.h). Returns fd. */
int wb_fd_opened_at(int fd, int dirfd, const char *path, int flags);
/* fd's open file description is now shared with another number (dup): what the
 * open door saw may stop being true through the other number. */
void wb_fd_shared(int fd);
/* fd is about to be closed implicitly (dup2/dup3 target). */
void wb_fd_closing(int fd);
/* Every fd in [first, last] is about to be closed (close_range, closefrom). */
void wb_fd_range_closing(unsigned int first, unsigned int last);
/* The program is about to call fcntl(fd, cmd, arg): a lock or a lease? */
void wb_fd_locking(int fd, int cmd, const void *arg);
struct stat;
/* The program's fstat of fd succeeded with *st: kept for its classification. */
void wb_fd_stat(int fd, const struct stat *st);
/* fcntl(F_SETFL) succeeded with these flags. */
void wb_fd_flags_set(int fd, int flags);

#endif
