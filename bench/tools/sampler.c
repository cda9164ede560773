/* sampler: samples Dirty + Writeback from /proc/meminfo (and optionally a memory cgroup's
 * usage) at a fixed period, to see how much dirty page cache a writer builds up. The figure
 * is system-wide, so run one scenario at a time on a quiet machine.
 *
 * It stops when the watched process exits, or on SIGTERM/SIGINT, and prints one summary line
 * of key=value pairs on stdout. MB = 2^20 bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* pread at 0 regenerates a /proc or cgroup file without reopening it on every sample. */
static char *read_at_zero(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Value in kB of the meminfo line "\nKEY:", so "Writeback:" never matches "WritebackTmp:". */
static long long meminfo_kb(const char *text, const char *key)
{
	const char *line = strstr(text, key);

	return line ? strtoll(line + strlen(key), NULL, 10) : -1;
}

static void usage(void)
{
	puts("Usage: sampler [-i MS] [-o CSV] [--cgroup DIR] --pid PID\n"
	     "       sampler [-i MS] [-o CSV] [--cgroup DIR] -- COMMAND [ARGS...]\n"
	     "       sampler [-i MS] [-o CSV] [--cgroup DIR]\n"
	     "Samples Dirty+Writeback from /proc/meminfo every MS milliseconds (default 10)\n"
	     "until PID or COMMAND exits, or until SIGTERM/SIGINT (the only stop without either).\n"
	     "  -o CSV        write t_ms,dirty_kb,writeback_kb[,cgroup_kb] rows to CSV\n"
	     "  --cgroup DIR  also sample the memory cgroup DIR (v1 memory.usage_in_bytes,\n"
	     "                v2 memory.current)\n"
	     "Prints: samples duration_s start_dirty_wb_mb peak_dirty_wb_mb [peak_cgroup_mb].\n"
	     "With COMMAND, exits with its status.");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv_path = NULL, *cgroup_dir = NULL, *pid_arg = NULL;
	long interval_ms = 10;
	pid_t pid = 0, child = 0;
	int c, pidfd = -1, cgroup_fd = -1, child_status = 0;
	char buf[8192], *end;

	while ((c = getopt_long(argc, argv, "+i:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interval_ms = strtol(optarg, &end, 10);
			if (*end || interval_ms < 1 || interval_ms > 60000) {
				fprintf(stderr, "sampler: bad -i '%s' (1..60000 ms)\n", optarg);
				return 2;
			}
			break;
		case 'o': csv_path = optarg; break;
		case 'c': cgroup_dir = optarg; break;
		case 'p':
			pid_arg = optarg;
			pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "sampler: bad --pid '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(); return 0;
		default: return 2;
		}
	}

	int meminfo_fd = open("/proc/meminfo", O_RDONLY);
	if (meminfo_fd < 0)
		die_errno("open", "/proc/meminfo");
	if (cgroup_dir) {
		/* cgroup v1 names it usage_in_bytes, v2 current; same meaning. */
		snprintf(buf, sizeof(buf), "%s/memory.usage_in_bytes", cgroup_dir);
		cgroup_fd = open(buf, O_RDONLY);
		if (cgroup_fd < 0 && errno == ENOENT) {
			snprintf(buf, sizeof(buf), "%s/memory.current", cgroup_dir);
			cgroup_fd = open(buf, O_RDONLY);
		}
		if (cgroup_fd < 0)
			die_errno("open", buf);
	}
	FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
	if (csv_path && !csv)
		die_errno("open", csv_path);
	if (csv)
		fprintf(csv, "t_ms,dirty_kb,writeback_kb%s\n", cgroup_fd >= 0 ? ",cgroup_kb" : "");

	/* No SA_RESTART: the signal must cut the sleep short so the summary comes promptly. */
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (optind < argc) {
		child = fork();
		if (child < 0)
			die_errno("fork", argv[optind]);
		if (child == 0) {
			execvp(argv[optind], argv + optind);
			die_errno("exec", argv[optind]);
		}
	} else if (pid) {
		/* A pidfd also reports a zombie as exited, which kill(pid, 0) would not. */
		pidfd = pidfd_open(pid, 0);
		if (pidfd < 0 && errno != ENOSYS)
			die_errno("watch pid", pid_arg);
	}

	struct timespec start, next;
	long long samples = 0, start_kb = -1, peak_kb = 0, peak_cgroup_bytes = 0;
	long elapsed_ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	next = start;
	while (!stop_requested) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (!read_at_zero(meminfo_fd, buf, sizeof(buf)))
			die_errno("read", "/proc/meminfo");
		long long dirty = meminfo_kb(buf, "\nDirty:"), writeback = meminfo_kb(buf, "\nWriteback:");
		long long cgroup_bytes = -1;
		if (cgroup_fd >= 0 && read_at_zero(cgroup_fd, buf, sizeof(buf)))
			cgroup_bytes = strtoll(buf, NULL, 10);

		samples++;
		if (start_kb < 0)
			start_kb = dirty + writeback;
		if (dirty + writeback > peak_kb)
			peak_kb = dirty + writeback;
		if (cgroup_bytes > peak_cgroup_bytes)
			peak_cgroup_bytes = cgroup_bytes;
		if (csv && cgroup_fd >= 0)
			fprintf(csv, "%ld,%lld,%lld,%lld\n", elapsed_ms, dirty, writeback, cgroup_bytes / 1024);
		else if (csv)
			fprintf(csv, "%ld,%lld,%lld\n", elapsed_ms, dirty, writeback);

		/* Stop after the sample that follows the exit, so the final state is recorded. */
		if (child && waitpid(child, &child_status, WNOHANG) == child)
			break;
		if (pidfd >= 0 && poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 0) > 0)
			break;
		if (pid && pidfd < 0 && kill(pid, 0) != 0 && errno == ESRCH)
			break;

		/* Absolute deadlines keep the period exact; after an overrun, skip missed ticks
		 * rather than sample in a burst. */
		do {
			next.tv_nsec += interval_ms * 1000000L;
			next.tv_sec += next.tv_nsec / 1000000000L;
			next.tv_nsec %= 1000000000L;
		} while (next.tv_sec < now.tv_sec || (next.tv_sec == now.tv_sec && next.tv_nsec <= now.tv_nsec));
		while (!stop_requested &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	if (csv && fclose(csv) != 0)
		die_errno("write", csv_path);
	if (stop_requested && child) {
		kill(child, SIGTERM); /* our stop is its stop; a Ctrl-C already reached it */
		waitpid(child, &child_status, 0);
	}

	printf("samples=%lld duration_s=%.3f start_dirty_wb_mb=%.1f peak_dirty_wb_mb=%.1f",
	       samples, (double)elapsed_ms / 1e3, (double)start_kb / 1024.0, (double)peak_kb / 1024.0);
	if (cgroup_fd >= 0)
		printf(" peak_cgroup_mb=%.1f", (double)peak_cgroup_bytes / 1048576.0);
	putchar('\n');
	if (child)
		return WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 128 + WTERMSIG(child_status);
	return 0;
}
