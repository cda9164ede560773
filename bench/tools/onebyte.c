/* onebyte: cost of one 1-byte write() in ns, to measure the shim's per-call overhead
 * (goal: <= 2 % over libc; the README's "Benchmark" section). With --putc, the cost of one
 * putc() to a stdio stream on the same path instead (the stdio doors' overhead).
 * Best of 5 repetitions, because the noise on a shared machine only ever adds time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define REPETITIONS 5
#define REWIND_EVERY 4096 /* keeps a regular file at one page: we time write(), not the fs */

/* Back to offset 0, through stdio when the bytes go through it. */
static int to_start(int fd, FILE *stream)
{
	return stream ? fseeko(stream, 0, SEEK_SET) : (lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0);
}

int main(int argc, char **argv)
{
	const char *path;
	unsigned long long iterations = 2000000;
	uint64_t best = UINT64_MAX;
	struct stat st;
	FILE *stream = NULL;
	char *end;
	int fd, rewind_file, use_putc = 0;

	if (argc > 1 && strcmp(argv[1], "--putc") == 0) {
		use_putc = 1;
		argv++;
		argc--;
	}
	if (argc > 3 || (argc > 1 && strcmp(argv[1], "--help") == 0)) {
		fputs("Usage: onebyte [--putc] [PATH (default /dev/null)] [ITERATIONS (default 2000000)]\n"
		      "Prints ns_per_write=N: the best of 5 runs of ITERATIONS 1-byte write()s\n"
		      "(ns_per_putc=N with --putc: putc() to a stdio stream on PATH).\n",
		      stderr);
		return argc > 3 ? 2 : 0;
	}
	path = argc > 1 ? argv[1] : "/dev/null";
	if (argc > 2) {
		iterations = strtoull(argv[2], &end, 10);
		if (*end || end == argv[2] || iterations == 0) {
			fprintf(stderr, "onebyte: bad iteration count '%s'\n", argv[2]);
			return 2;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die_errno("open", path);
	if (fstat(fd, &st) != 0)
		die_errno("fstat", path);
	rewind_file = S_ISREG(st.st_mode);
	if (use_putc && !(stream = fdopen(fd, "w")))
		die_errno("fdopen", path);

	for (int rep = 0; rep < REPETITIONS; rep++) {
		if (rewind_file && to_start(fd, stream) != 0)
			die_errno("lseek", path);
		uint64_t start = now_ns();

		for (unsigned long long i = 0; i < iterations; i++) {
			if (stream ? putc('x', stream) == EOF : write(fd, "x", 1) != 1)
				die_errno("write", path);
			/* The seek is inside the timed loop but costs 1/4096 of a call per write. */
			if (rewind_file && i % REWIND_EVERY == REWIND_EVERY - 1 &&
			    to_start(fd, stream) != 0)
				die_errno("lseek", path);
		}
		if (stream && fflush(stream) != 0)
			die_errno("fflush", path);
		uint64_t elapsed = now_ns() - start;
		if (elapsed < best)
			best = elapsed;
	}
	if (stream ? fclose(stream) != 0 : close(fd) != 0)
		die_errno("close", path);
	printf("%s=%.1f\n", stream ? "ns_per_putc" : "ns_per_write",
	       (double)best / (double)iterations);
	return 0;
}
