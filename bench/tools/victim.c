/* victim: a latency-sensitive neighbour (a database log, a mail spool) that appends
 * BLOCK bytes and fdatasync()s them every PERIOD, for scenario S5: how much a bulk writer
 * elsewhere on the machine hurts it. It times each write+fdatasync pair; the dirty page
 * cache a bulk writer builds up shows here as throttled writes and long syncs.
 *
 * Runs until --duration seconds have passed or until SIGTERM/SIGINT, then prints one
 * line of key=value pairs. MB = 2^20 bytes. Like loadgen, it never does writeback
 * tricks of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SAMPLES (1u << 20) /* 29 hours at 10 per second */

static volatile sig_atomic_t stop_requested;
static uint64_t samples[MAX_SAMPLES];

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void usage(void)
{
	puts("Usage: victim -o FILE [--period MS] [--block KB] [--duration S]\n"
	     "Appends BLOCK KiB (default 1024) to FILE and fdatasync()s it every MS ms\n"
	     "(default 100), until S seconds (default: until SIGTERM/SIGINT).\n"
	     "Prints: ops p50_ms p99_ms max_ms (each write+fdatasync) max_write_ms\n"
	     "ops_over_100ms late_starts (periods skipped because an op overran).");
}

/* Writes the whole block; returns how long the write() calls took. */
static uint64_t write_block(int fd, const char *buf, size_t len, const char *path)
{
	uint64_t start = now_ns();

	while (len > 0) {
		ssize_t done = write(fd, buf, len);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			die_errno("write", path);
		buf += done;
		len -= (size_t)done;
	}
	return now_ns() - start;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "block", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	long period_ms = 100, block_kb = 1024;
	double duration_s = 0;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'p': period_ms = strtol(optarg, &end, 10); if (*end || period_ms < 1) goto bad; break;
		case 'b': block_kb = strtol(optarg, &end, 10); if (*end || block_kb < 1) goto bad; break;
		case 'd': duration_s = strtod(optarg, &end); if (*end || duration_s < 0) goto bad; break;
		case 'h': usage(); return 0;
		default: return 2;
		}
	}
	if (!path || optind < argc) {
		fputs("victim: needs -o FILE and no other arguments (see --help)\n", stderr);
		return 2;
	}

	size_t block = (size_t)block_kb << 10;
	char *buf = malloc(block);
	if (!buf)
		die_errno("malloc", "buffer");
	memset(buf, 'v', block);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die_errno("open", path);

	/* No SA_RESTART: a stop must cut the sleep short. */
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	uint64_t start = now_ns(), next = start, period = (uint64_t)period_ms * 1000000u;
	uint64_t max_write = 0, late = 0;
	size_t n = 0;

	while (!stop_requested && n < MAX_SAMPLES) {
		if (duration_s > 0 && now_ns() - start >= (uint64_t)(duration_s * 1e9))
			break;
		uint64_t t0 = now_ns();
		uint64_t w = write_block(fd, buf, block, path);
		if (fdatasync(fd) != 0)
			die_errno("fdatasync", path);
		samples[n++] = now_ns() - t0;
		if (w > max_write)
			max_write = w;

		/* Fixed schedule, but an overrun skips ticks instead of bursting to catch up:
		 * a real periodic job would not issue its missed syncs back to back. */
		next += period;
		uint64_t now = now_ns();
		while (next <= now) {
			next += period;
			late++;
		}
		struct timespec ts = { .tv_sec = (time_t)(next / 1000000000u),
				       .tv_nsec = (long)(next % 1000000000u) };
		while (!stop_requested &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	if (close(fd) != 0)
		die_errno("close", path);

	size_t over = 0;
	for (size_t i = 0; i < n; i++)
		over += samples[i] > 100000000u;
	qsort(samples, n, sizeof(*samples), compare_u64);
	/* Nearest-rank percentiles, as in loadgen. */
	printf("ops=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f max_write_ms=%.3f ops_over_100ms=%zu "
	       "late_starts=%llu\n",
	       n, n ? (double)samples[(n + 1) / 2 - 1] / 1e6 : 0.0,
	       n ? (double)samples[(99 * n + 99) / 100 - 1] / 1e6 : 0.0,
	       n ? (double)samples[n - 1] / 1e6 : 0.0, (double)max_write / 1e6, over,
	       (unsigned long long)late);
	free(buf);
	return 0;
bad:
	fprintf(stderr, "victim: bad value '%s' (see --help)\n", optarg);
	return 2;
}
