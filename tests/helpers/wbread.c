/* Read a file in one of several patterns and write what was read to stdout, with
 * a transcript of every call's return value (and errno name) on stderr, so runs
 * with and without the shim can be compared with cmp.
 *
 *   wbread MODE FILE [BLOCK] [FILE2]
 *   MODE: read | pread | readv | preadv | preadv2 | preadv2_cursor
 *         (each: FILE from start to end, in BLOCK-sized calls, default 1 MiB)
 *     random:   pread of BLOCK-sized pieces at a fixed pseudo-random permutation
 *               of the block offsets (nothing is written to stdout)
 *     reread:   read() to end of file, lseek to 0, read() to end again
 *     twice:    read() FILE to the end through one fd, close it, then FILE2
 *               through a new fd (the same number)
 *     readback: open FILE O_RDWR|O_CREAT|O_TRUNC, write BLOCK bytes, lseek to 0,
 *               read it back in 1 MiB calls
 * Exits 1 with a message if a call fails unexpectedly. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void note(const char *what, long long ret)
{
	if (ret < 0)
		fprintf(stderr, "%s = -1 %s\n", what, strerrorname_np(errno));
	else
		fprintf(stderr, "%s = %lld\n", what, ret);
}

static void emit(const char *buf, ssize_t len)
{
	if (len > 0 && fwrite(buf, 1, (size_t)len, stdout) != (size_t)len)
		exit(1);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

/* One call of the given kind at `off` (ignored by read/readv). */
static ssize_t one(const char *mode, int fd, char *buf, size_t block, off_t off)
{
	struct iovec iov[2] = { { buf, block / 2 }, { buf + block / 2, block - block / 2 } };

	if (!strcmp(mode, "read"))
		return read(fd, buf, block);
	if (!strcmp(mode, "pread"))
		return pread(fd, buf, block, off);
	if (!strcmp(mode, "readv"))
		return readv(fd, iov, 2);
	if (!strcmp(mode, "preadv"))
		return preadv(fd, iov, 2, off);
	if (!strcmp(mode, "preadv2"))
		return preadv2(fd, iov, 2, off, 0);
	if (!strcmp(mode, "preadv2_cursor"))
		return preadv2(fd, iov, 2, -1, 0);
	fprintf(stderr, "wbread: unknown mode %s\n", mode);
	exit(2);
}

/* Read fd to its end with `mode`; returns the bytes read. */
static off_t to_end(const char *mode, int fd, char *buf, size_t block)
{
	off_t off = 0;
	ssize_t got;

	do {
		got = one(mode, fd, buf, block, off);
		note(mode, got);
		if (got < 0)
			exit(1);
		emit(buf, got);
		off += got;
	} while (got > 0);
	return off;
}

int main(int argc, char **argv)
{
	size_t block = 1 << 20;
	const char *mode;
	char *buf;
	int fd;

	if (argc < 3)
		return 2;
	mode = argv[1];
	if (argc > 3)
		block = strtoull(argv[3], NULL, 0);
	if (!strcmp(mode, "readback")) {
		size_t total = block;
		block = 1 << 20;
		buf = malloc(block);
		memset(buf, 'r', block);
		fd = open_or_die(argv[2], O_RDWR | O_CREAT | O_TRUNC);
		for (size_t done = 0; done < total; done += block)
			if (write(fd, buf, block) != (ssize_t)block)
				return 1;
		note("lseek", lseek(fd, 0, SEEK_SET));
		to_end("read", fd, buf, block);
		return close(fd) != 0;
	}
	buf = malloc(block);
	if (!buf)
		return 1;
	fd = open_or_die(argv[2], O_RDONLY);
	if (!strcmp(mode, "random")) {
		struct stat st;
		unsigned long long blocks, i, step = 7919;
		if (fstat(fd, &st) != 0)
			return 1;
		blocks = (unsigned long long)st.st_size / block;
		while (blocks % step == 0)
			step += 2;
		for (i = 0; i < blocks; i++) {
			off_t off = (off_t)((i * step) % blocks * block);
			ssize_t got = pread(fd, buf, block, off);
			if (got != (ssize_t)block)
				return 1;
		}
		fprintf(stderr, "random: %llu blocks\n", blocks);
		return 0;
	}
	if (!strcmp(mode, "reread")) {
		to_end("read", fd, buf, block);
		note("lseek", lseek(fd, 0, SEEK_SET));
		to_end("read", fd, buf, block);
		return 0;
	}
	if (!strcmp(mode, "twice")) {
		int again;
		if (argc < 5)
			return 2;
		to_end("read", fd, buf, block);
		close(fd);
		again = open_or_die(argv[4], O_RDONLY);
		fprintf(stderr, "fd %d then fd %d\n", fd, again);
		to_end("read", again, buf, block);
		return 0;
	}
	to_end(mode, fd, buf, block);
	return 0;
}
