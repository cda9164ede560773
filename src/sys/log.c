/* Logging and statistics output. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "real.h"
#include "syscall.h"

int wb_log_level = WB_LOG_WARN;
static int wb_log_fd = 2;

void wb_log_setup(const char *path, int level)
{
	wb_log_level = level;
	if (!path)
		return;
	/* O_NOFOLLOW: a symlink planted at the path must not redirect our output;
	 * O_CLOEXEC: the program's children re-open it themselves. */
	/* Raw syscall: our own open() door must not see (or classify) the log file. */
	int fd = (int)wb_syscall_errno(SYS_openat, AT_FDCWD, path,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd >= 0)
		wb_log_fd = fd;
	else
		wb_log_emit(WB_LOG_WARN, "WBSHIM_LOG=\"%s\": cannot open (%s); logging to stderr",
			    path, strerror(errno));
}

void wb_log_emit(enum wb_log_level level, const char *fmt, ...)
{
	int saved = errno; /* why: logging must never change what the program sees */
	char line[512];
	va_list ap;
	int len;

	(void)level;
	len = snprintf(line, sizeof(line), "wbshim[%s %d]: ", program_invocation_short_name,
		       (int)getpid());
	if (len < 0)
		len = 0;
	va_start(ap, fmt);
	int more = vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (more > 0)
		len += more;
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	(void)real_write(wb_log_fd, line, (size_t)len);
	errno = saved;
}

uint64_t wb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void wb_stats_add(uint64_t *counter, uint64_t amount)
{
	__atomic_fetch_add(counter, amount, __ATOMIC_RELAXED);
}

void wb_stats_max(uint64_t *counter, uint64_t value)
{
	uint64_t seen = __atomic_load_n(counter, __ATOMIC_RELAXED);

	while (value > seen &&
	       !__atomic_compare_exchange_n(counter, &seen, value, 1, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

void wb_stats_report(int fd, const struct wb_stats *stats, const char *why, uint64_t rate,
		     bool measured)
{
	char link[64], path[256];
	ssize_t len;

	if (wb_log_level < WB_LOG_INFO)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 0)
		len = snprintf(path, sizeof(path), "fd %d", fd);
	path[len] = '\0';
	wb_log_emit(WB_LOG_INFO,
		    "%s: %s bytes=%llu chunks=%llu waits=%llu wait_total_ms=%.1f "
		    "wait_max_ms=%.1f errors=%llu pace_sleeps=%llu pace_ms=%.1f rate_mbs=%.1f rate_from=%s",
		    why, path, (unsigned long long)stats->bytes, (unsigned long long)stats->chunks,
		    (unsigned long long)stats->waits, (double)stats->wait_ns / 1e6,
		    (double)stats->wait_ns_max / 1e6, (unsigned long long)stats->errors,
		    (unsigned long long)stats->pace_sleeps, (double)stats->pace_ns / 1e6,
		    (double)rate / 1048576.0, measured ? "device" : "guess");
}
