/* Shared by the benchmark tools. Each tool is one C file built alone, libc only. */
#ifndef WB_BENCH_H
#define WB_BENCH_H

#include <errno.h>
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

#endif
