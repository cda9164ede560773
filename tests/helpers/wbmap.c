/* Programs that map files, for the mapped-file tests and the door's cost.
 *   wbmap readback FILE MIB [reopen] [closefd|stay]
 *                                      write MIB MiB with write(), map the file
 *                                      read-only (the same fd, or reopened after
 *                                      close), read every page, munmap, close
 *                                      (closefd: the fd closed right after mmap;
 *                                      stay: exit without munmap)
 *   wbmap read FILE [closefd|stay]     map a file read-only, read every page,
 *                                      munmap (closefd: the fd closed right after
 *                                      mmap; stay: exit without munmap)
 *   wbmap shared FILE MIB [msync|fdatasync|none]
 *                                      a new file of MIB MiB written through a
 *                                      MAP_SHARED mapping (as linkers write), then
 *                                      msync(MS_SYNC) before munmap, or fdatasync
 *                                      after it, or neither; then close
 *   wbmap mkfiles DIR N BYTES          N files of BYTES bytes
 *   wbmap many DIR N                   map, touch and unmap each of them
 * Prints the sum of the bytes read (the same with and without the shim) and
 * every munmap result that is not 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1UL << 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Read one byte of every page of a mapping. */
static unsigned long touch(const unsigned char *map, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i += 4096)
		sum += map[i];
	return sum;
}

static void unmap(void *map, size_t len)
{
	int ret = munmap(map, len);

	if (ret != 0)
		printf("munmap: %d errno %d\n", ret, errno);
}

static void fill(int fd, unsigned long mib)
{
	char *buf = malloc(MIB);

	if (!buf)
		die("malloc");
	for (unsigned long i = 0; i < mib; i++) {
		memset(buf, (int)(i * 7 + 1), MIB);
		if (write(fd, buf, MIB) != (ssize_t)MIB)
			die("write");
	}
	free(buf);
}

static int map_read(const char *path, const char *how)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	unsigned char *map;

	if (fd < 0 || fstat(fd, &st) != 0)
		die(path);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	if (how && !strcmp(how, "closefd"))
		close(fd);
	printf("sum %lu\n", touch(map, (size_t)st.st_size));
	if (how && !strcmp(how, "stay"))
		exit(0);
	unmap(map, (size_t)st.st_size);
	if (!how || strcmp(how, "closefd"))
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "readback")) {
		unsigned long mib = strtoul(argv[3], NULL, 10);
		size_t len = mib * MIB;
		int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
		unsigned char *map;
		if (fd < 0)
			die(argv[2]);
		fill(fd, mib);
		bool reopen = false, closefd = false, stay = false;
		for (int i = 4; i < argc; i++) {
			reopen = reopen || !strcmp(argv[i], "reopen");
			closefd = closefd || !strcmp(argv[i], "closefd");
			stay = stay || !strcmp(argv[i], "stay");
		}
		if (reopen) {
			close(fd);
			if ((fd = open(argv[2], O_RDONLY)) < 0)
				die(argv[2]);
		}
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		if (closefd)
			close(fd);
		printf("sum %lu\n", touch(map, len));
		if (stay)
			return 0;
		unmap(map, len);
		if (!closefd)
			close(fd);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "read"))
		return map_read(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 4 && !strcmp(argv[1], "shared")) {
		unsigned long mib = strtoul(argv[3], NULL, 10);
		const char *how = argc > 4 ? argv[4] : "none";
		size_t len = mib * MIB;
		int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
		unsigned char *map;
		if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
			die(argv[2]);
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		for (size_t i = 0; i < len; i += 4096)
			memset(map + i, (int)(i / 4096 % 251 + 1), 4096);
		if (!strcmp(how, "msync") && msync(map, len, MS_SYNC) != 0)
			die("msync");
		unmap(map, len);
		if (!strcmp(how, "fdatasync") && fdatasync(fd) != 0)
			die("fdatasync");
		close(fd);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "mkfiles")) {
		unsigned long n = strtoul(argv[3], NULL, 10), bytes = strtoul(argv[4], NULL, 10);
		char path[4096], *buf = calloc(1, bytes + 1);
		for (unsigned long i = 0; i < n && buf; i++) {
			snprintf(path, sizeof(path), "%s/f%lu", argv[2], i);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			buf[0] = (char)i;
			if (fd < 0 || write(fd, buf, bytes) != (ssize_t)bytes)
				die(path);
			close(fd);
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "many")) {
		unsigned long n = strtoul(argv[3], NULL, 10), sum = 0;
		char path[4096];
		for (unsigned long i = 0; i < n; i++) {
			struct stat st;
			unsigned char *map;
			snprintf(path, sizeof(path), "%s/f%lu", argv[2], i);
			int fd = open(path, O_RDONLY);
			if (fd < 0 || fstat(fd, &st) != 0)
				die(path);
			map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (map == MAP_FAILED)
				die("mmap");
			sum += map[0];
			unmap(map, (size_t)st.st_size);
			close(fd);
		}
		printf("sum %lu\n", sum);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of wbmap.c\n");
	return 2;
}
