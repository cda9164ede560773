/* Shared by the benchmark tools. Each tool is one C file built alone, libc only. */
#ifndef WB_BENCH_H
#define WB_BENCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "tool: what path: strerror(errno)", exit status 1. */
static inline __attribute__((noreturn)) void die_errno(const char *what, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", program_invocation_short_name, what, path,
		strerror(errno));
	exit(1);
}

/* "512", "64K", "4M", "1G" (binary) into *out; false if TEXT is not such a size. */
static inline bool parse_size_text(const char *text, uint64_t *out)
{
	unsigned long long value;
	char *end;
	int shift = 0;

	errno = 0;
	if (text[0] < '0' || text[0] > '9') /* strtoull would accept "-1" */
		return false;
	value = strtoull(text, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (errno || *end || value > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)value << shift;
	return true;
}

#endif
