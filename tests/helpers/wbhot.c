/* Pages of a file kept hot by another process (an index's pages), and a count of
 * them in the page cache.
 *   wbhot touch FILE STRIDE [BYTES]  read the first byte of every STRIDE-th page
 *                             (of the first BYTES only), with readahead off:
 *                             only those pages come in
 *   wbhot count FILE STRIDE   print how many of those pages are cached (mincore) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	unsigned long stride, pages, hot = 0, cached = 0;
	unsigned char *vec;
	void *map;
	char byte;
	int fd;

	if (argc < 4 || argc > 5 || (strcmp(argv[1], "touch") && strcmp(argv[1], "count"))) {
		fprintf(stderr, "usage: wbhot touch|count FILE STRIDE [BYTES]\n");
		return 2;
	}
	stride = strtoul(argv[3], NULL, 10);
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || stride == 0) {
		perror(argv[2]);
		return 1;
	}
	pages = ((unsigned long)st.st_size + (unsigned long)page - 1) / (unsigned long)page;
	if (!strcmp(argv[1], "touch")) {
		if (argc == 5 && strtoul(argv[4], NULL, 10) / (unsigned long)page < pages)
			pages = strtoul(argv[4], NULL, 10) / (unsigned long)page;
		posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
		for (unsigned long p = 0; p < pages; p += stride)
			if (pread(fd, &byte, 1, (off_t)(p * (unsigned long)page)) != 1) {
				perror("pread");
				return 1;
			}
		return 0;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages);
	if (map == MAP_FAILED || !vec || mincore(map, (size_t)st.st_size, vec) != 0) {
		perror("mincore");
		return 1;
	}
	for (unsigned long p = 0; p < pages; p += stride, hot++)
		cached += vec[p] & 1;
	printf("%lu %lu\n", cached, hot);
	return 0;
}
