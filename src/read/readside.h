/* Policy behind the read-family doors (see readbehind.h for what happens to the
 * files read). Each returns exactly what the real call returned, with its errno. */
#ifndef WB_READSIDE_H
#define WB_READSIDE_H

#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef ssize_t (*wb_pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*wb_preadv_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*wb_preadv2_fn)(int, const struct iovec *, int, off_t, int);
typedef size_t (*wb_fread_fn)(void *, size_t, size_t, FILE *);

ssize_t wb_read(int fd, void *buf, size_t len);
ssize_t wb_pread(int fd, void *buf, size_t len, off_t off, wb_pread_fn real);
ssize_t wb_readv(int fd, const struct iovec *iov, int cnt);
ssize_t wb_preadv(int fd, const struct iovec *iov, int cnt, off_t off, wb_preadv_fn real);
ssize_t wb_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags,
		   wb_preadv2_fn real);

/* stdio: glibc fills the buffer with internal read calls no door sees. */
size_t wb_fread(void *buf, size_t size, size_t n, FILE *stream, wb_fread_fn real);
ssize_t wb_getdelim(char **line, size_t *cap, int delim, FILE *stream);
ssize_t wb_getline(char **line, size_t *cap, FILE *stream);

#endif
