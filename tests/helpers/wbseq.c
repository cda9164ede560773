/* Write files one after another in one process, as a download or a tree writer
 * does: each block with fwrite and fflush, and after every BURST_KIB a pause
 * (the input stalls; poll, so that a trace tells the program's pauses from the
 * shim's nanosleeps).
 *
 *   wbseq FILE MIB BLOCK_KIB BURST_KIB PAUSE_MS [FILE MIB BLOCK_KIB BURST_KIB PAUSE_MS]...
 *
 * Prints one line per file: its name and the seconds from open to close.
 * Exits 1 with a message if any call fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_one(const char *path, unsigned long long mib, size_t block, size_t burst,
		     int pause_ms)
{
	unsigned long long total = mib << 20, done = 0;
	char *buf = malloc(block);
	double start = now_s();
	FILE *f;

	if (!buf || !(f = fopen(path, "w"))) {
		fprintf(stderr, "wbseq: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (done < total) {
		size_t len = total - done < block ? (size_t)(total - done) : block;
		memset(buf, (int)(done >> 20) & 0xff, len);
		if (fwrite(buf, 1, len, f) != len || fflush(f) != 0) {
			fprintf(stderr, "wbseq: write %s: %s\n", path, strerror(errno));
			return 1;
		}
		done += len;
		if (pause_ms > 0 && burst && done % burst < len)
			(void)poll(NULL, 0, pause_ms);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "wbseq: close %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s %.3f\n", path, now_s() - start);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6 || (argc - 1) % 5) {
		fprintf(stderr, "usage: wbseq FILE MIB BLOCK_KIB BURST_KIB PAUSE_MS [...]\n");
		return 2;
	}
	for (int i = 1; i < argc; i += 5)
		if (write_one(argv[i], strtoull(argv[i + 1], NULL, 0),
			      (size_t)strtoull(argv[i + 2], NULL, 0) << 10,
			      (size_t)strtoull(argv[i + 3], NULL, 0) << 10, atoi(argv[i + 4])))
			return 1;
	return 0;
}
