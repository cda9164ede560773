/* Write a file in one of several patterns, with data that depends only on the
 * offset, so that runs with and without the shim can be compared with cmp.
 *
 *   wbwrite MODE FILE SIZE [BLOCK] [--fsync] [--fdatasync]
 *   MODE: write | pwrite | writev | pwritev | pwritev2 | patch | scatter
 *     patch:   sequential writes; every 1 MiB seek back to 0, rewrite a 4 KiB
 *              header, seek to the end again (what muxers do after each cluster)
 *     scatter: pwrite of BLOCK-sized pieces at a fixed pseudo-random permutation
 *              of the block offsets within SIZE
 * Exits 1 with a message if any call fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void fill(unsigned char *buf, size_t len, unsigned long long off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((off + i) * 2654435761u >> 24);
}

static void check(long long ret, long long want, const char *what)
{
	if (ret != want) {
		fprintf(stderr, "wbwrite: %s returned %lld (wanted %lld): %s\n", what, ret, want,
			strerror(errno));
		exit(1);
	}
}

static unsigned long long parse_size(const char *text)
{
	char *end;
	unsigned long long value = strtoull(text, &end, 10);

	switch (*end) {
	case 'K': case 'k': return value << 10;
	case 'M': case 'm': return value << 20;
	case 'G': case 'g': return value << 30;
	default: return value;
	}
}

int main(int argc, char **argv)
{
	const char *mode, *path;
	unsigned long long size, block = 1 << 20, off;
	int fd, do_fsync = 0, do_fdatasync = 0, positional = 0;
	unsigned char *buf, header[4096];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fsync") == 0)
			do_fsync = 1;
		else if (strcmp(argv[i], "--fdatasync") == 0)
			do_fdatasync = 1;
		else
			argv[++positional] = argv[i];
	}
	if (positional < 3) {
		fprintf(stderr, "usage: wbwrite MODE FILE SIZE [BLOCK] [--fsync] [--fdatasync]\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	size = parse_size(argv[3]);
	if (positional >= 4)
		block = parse_size(argv[4]);
	buf = malloc(block);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, 1, "open");

	if (strcmp(mode, "scatter") == 0) {
		unsigned long long blocks = size / block, step = 7919;
		while (blocks % step == 0 || step % blocks == 0)
			step += 2; /* coprime with blocks: a permutation */
		for (unsigned long long i = 0; i < blocks; i++) {
			off = (i * step % blocks) * block;
			fill(buf, block, off);
			check(pwrite(fd, buf, block, (off_t)off), (long long)block, "pwrite");
		}
	} else {
		for (off = 0; off < size; off += block) {
			size_t len = size - off < block ? size - off : block;
			struct iovec iov[2] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 } };
			fill(buf, len, off);
			if (strcmp(mode, "write") == 0 || strcmp(mode, "patch") == 0)
				check(write(fd, buf, len), (long long)len, "write");
			else if (strcmp(mode, "pwrite") == 0)
				check(pwrite(fd, buf, len, (off_t)off), (long long)len, "pwrite");
			else if (strcmp(mode, "writev") == 0)
				check(writev(fd, iov, 2), (long long)len, "writev");
			else if (strcmp(mode, "pwritev") == 0)
				check(pwritev(fd, iov, 2, (off_t)off), (long long)len, "pwritev");
			else if (strcmp(mode, "pwritev2") == 0)
				check(pwritev2(fd, iov, 2, -1, 0), (long long)len, "pwritev2");
			else {
				fprintf(stderr, "wbwrite: unknown mode %s\n", mode);
				return 2;
			}
			if (strcmp(mode, "patch") == 0 && (off + len) % (1 << 20) == 0) {
				fill(header, sizeof(header), off + len); /* header names the length */
				check(lseek(fd, 0, SEEK_SET), 0, "lseek back");
				check(write(fd, header, sizeof(header)), sizeof(header), "write header");
				check(lseek(fd, 0, SEEK_END), (long long)(off + len), "lseek end");
			}
		}
	}
	if (do_fsync)
		check(fsync(fd), 0, "fsync");
	if (do_fdatasync)
		check(fdatasync(fd), 0, "fdatasync");
	check(close(fd), 0, "close");
	free(buf);
	return 0;
}
