/* The real read-family functions behind the read doors. Kept apart from real.c's
 * table so the read side stays one removable unit; same contract: every
 * real_*() trampoline works at any time, falling back to the raw system call
 * before the table is filled (a door reached before our constructors). */
#ifndef WB_REAL_READ_H
#define WB_REAL_READ_H

#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

ssize_t real_read(int fd, void *buf, size_t len);
ssize_t real_pread(int fd, void *buf, size_t len, off_t off);
ssize_t real_pread64(int fd, void *buf, size_t len, off_t off);
ssize_t real_readv(int fd, const struct iovec *iov, int cnt);
ssize_t real_preadv(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t real_preadv64(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t real_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
ssize_t real_preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);

/* stdio has no system call to fall back to: these resolve on the spot if called
 * before our constructor (stdio is not async-signal-safe anyway). */
size_t real_fread(void *buf, size_t size, size_t n, FILE *stream);
size_t real_fread_unlocked(void *buf, size_t size, size_t n, FILE *stream);
ssize_t real_getdelim(char **line, size_t *cap, int delim, FILE *stream);
ssize_t real_getline(char **line, size_t *cap, FILE *stream);

#endif
