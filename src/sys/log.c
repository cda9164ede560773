/* Logging and statistics output. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keeperrno.h"
#include "real.h"
#include "syscall.h"

int wb_log_level = WB_LOG_WARN;
/* WBSHIM_LOG: opened for each line and closed again, never held. A descriptor held
 * for the process's life would take a number the program expects to get, and a
 * program closing every descriptor (closefrom) could get that number back for a
 * file of its own. */
static char wb_log_path[4096];
#define WB_LOG_FLAGS (O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)

/* Where stderr pointed at start-up (-v only). A program may close its stderr and get
 * fd 2 back for a file of its own: our lines must never go there. Many programs close
 * their stderr at exit (coreutils' close_stdout), before our destructor prints the
 * process's summary; then a line is appended to the same terminal or file by name,
 * if it is still that, or not written. */
static int wb_stderr_state; /* 0: not looked at (no -v), 1: known, -1: closed at start-up */
static char wb_stderr_path[128];
static dev_t wb_stderr_dev;
static ino_t wb_stderr_ino;

static bool wb_fd_is(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return wb_syscall(SYS_fstat, fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

static void wb_stderr_remember(void)
{
	struct stat st;
	ssize_t len;

	if (wb_syscall(SYS_fstat, 2, &st) != 0) {
		wb_stderr_state = -1;
		return;
	}
	wb_stderr_state = 1;
	wb_stderr_dev = st.st_dev;
	wb_stderr_ino = st.st_ino;
	len = readlink("/proc/self/fd/2", wb_stderr_path, sizeof(wb_stderr_path) - 1);
	/* Only a path can be opened again: not a pipe or a socket ("pipe:[123]"); and
	 * only a terminal or a file opened for appending (2>>), since appending through a
	 * description of our own would be overwritten by writers at the shared offset. */
	bool append = (wb_syscall(SYS_fcntl, 2, F_GETFL) & O_APPEND) != 0;
	if (len <= 0 || wb_stderr_path[0] != '/' || !(S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && append))) {
		wb_stderr_path[0] = '\0';
		return;
	}
	wb_stderr_path[len] = '\0';
}

/* Close a descriptor wb_log_target() opened (write-only, appending). */
static void wb_log_close(int fd, const struct stat *st)
{
	wb_sys_close_ours(fd, O_WRONLY, O_APPEND, st);
}

/* The fd for a line, or -1; *opened says it is ours to close, and *st what it is
 * (for that close, in a process with threads). */
static int wb_log_target(bool *opened, struct stat *st)
{
	int fd;

	*opened = false;
	if (wb_log_path[0]) {
		/* Raw syscall: our own open() door must not see (or classify) the log file. */
		fd = (int)wb_syscall(SYS_openat, AT_FDCWD, wb_log_path, WB_LOG_FLAGS, 0644);
		if (fd < 0)
			return -1;
		if (!wb_one_thread() && wb_syscall(SYS_fstat, fd, st) != 0)
			return -1; /* another thread's dup2 took the number: theirs now */
		*opened = true;
		return fd;
	}
	if (wb_stderr_state == 0)
		return 2; /* a warning without -v */
	if (wb_stderr_state < 0)
		return -1; /* stderr was closed at start-up: fd 2 is the program's */
	if (wb_fd_is(2, wb_stderr_dev, wb_stderr_ino))
		return 2;
	if (!wb_stderr_path[0])
		return -1; /* fd 2 is something else now, and the old one has no name */
	/* Raw syscalls: our own open() and close() doors must not see this fd. */
	fd = (int)wb_syscall(SYS_openat, AT_FDCWD, wb_stderr_path,
			     O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -1;
	st->st_dev = wb_stderr_dev;
	st->st_ino = wb_stderr_ino;
	if (!wb_fd_is(fd, wb_stderr_dev, wb_stderr_ino)) {
		wb_log_close(fd, st);
		return -1;
	}
	*opened = true;
	return fd;
}

void wb_log_setup(const char *path, int level)
{
	WB_KEEP_ERRNO;
	wb_log_level = level;
	if (!path) {
		if (level >= WB_LOG_INFO)
			wb_stderr_remember();
		return;
	}
	/* O_NOFOLLOW: a symlink planted at the path must not redirect our output;
	 * O_CLOEXEC: the program's children open it themselves. Opened once here to
	 * say at once if it cannot be. Raw syscalls: our own doors must not see it. */
	int fd = (int)wb_syscall_errno(SYS_openat, AT_FDCWD, path, WB_LOG_FLAGS, 0644);
	if (fd >= 0 && strlen(path) < sizeof(wb_log_path)) {
		wb_syscall(SYS_close, fd);
		strcpy(wb_log_path, path);
		return;
	}
	if (fd >= 0) {
		wb_syscall(SYS_close, fd);
		errno = ENAMETOOLONG;
	}
	wb_log_emit(WB_LOG_WARN, "WBSHIM_LOG=\"%s\": cannot open (%s); logging to stderr", path,
		    strerror(errno));
	if (level >= WB_LOG_INFO)
		wb_stderr_remember();
}

/* One line, prefixed, to fd with the real write(). */
static void wb_log_write(int fd, const char *fmt, va_list ap)
{
	WB_KEEP_ERRNO; /* logging must never change what the program sees */
	char line[512];
	int len;

	len = snprintf(line, sizeof(line), "wbshim[%s %d]: ", program_invocation_short_name,
		       (int)getpid());
	if (len < 0)
		len = 0;
	int more = vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	if (more > 0)
		len += more;
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	(void)real_write(fd, line, (size_t)len);
}

/* A line to where it may go (wb_log_target), even at exit after the program has
 * closed its stderr. */
void wb_log_emit(enum wb_log_level level, const char *fmt, ...)
{
	WB_KEEP_ERRNO;
	bool opened;
	struct stat st;
	int fd = wb_log_target(&opened, &st);
	va_list ap;

	(void)level;
	if (fd >= 0) {
		va_start(ap, fmt);
		wb_log_write(fd, fmt, ap);
		va_end(ap);
	}
	if (opened)
		wb_log_close(fd, &st);
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

struct wb_totals wb_totals;

static uint64_t wb_load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void wb_totals_add(const struct wb_stats *stats)
{
	uint64_t bytes = wb_load(&stats->bytes);
	uint64_t chunks = wb_load(&stats->chunks);

	wb_stats_add(&wb_totals.files, 1);
	wb_stats_add(&wb_totals.bytes, bytes);
	wb_stats_add(&wb_totals.chunks, chunks);
	wb_stats_add(&wb_totals.waits, wb_load(&stats->waits));
	wb_stats_add(&wb_totals.wait_ns, wb_load(&stats->wait_ns));
	wb_stats_add(&wb_totals.pace_sleeps, wb_load(&stats->pace_sleeps));
	wb_stats_add(&wb_totals.pace_ns, wb_load(&stats->pace_ns));
	if (chunks) {
		wb_stats_add(&wb_totals.paced, 1);
		wb_stats_add(&wb_totals.paced_bytes, bytes);
	}
}

/* "1.5 GiB", "12 KiB", "300 B": sizes a reader takes in at a glance. */
static const char *wb_human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[][4] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double value = (double)bytes;
	unsigned int unit = 0;

	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, len, unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
	return buf;
}

void wb_totals_report(bool writer, uint64_t budget, uint64_t rate, const char *rate_from)
{
	uint64_t files = wb_load(&wb_totals.files), paced = wb_load(&wb_totals.paced);
	uint64_t bytes = wb_load(&wb_totals.bytes), paced_bytes = wb_load(&wb_totals.paced_bytes);
	uint64_t peak = wb_load(&wb_totals.peak_inflight);
	uint64_t dropped = wb_load(&wb_totals.read_dropped);
	char a[32], b[32], c[64], d[32], left[160] = "", extra[96] = "", at[64];

	if (wb_log_level < WB_LOG_INFO)
		return;
	if (dropped)
		snprintf(extra, sizeof(extra), "; %s read and dropped behind the reader",
			 wb_human(dropped, d, sizeof(d)));
	if (files == 0) {
		wb_log_emit(WB_LOG_INFO,
			    "summary: wrote nothing to a file it paces (pipes, terminals, sockets "
			    "and memory filesystems are left alone)%s",
			    extra);
		return;
	}
	if (files > paced)
		snprintf(left, sizeof(left), ", %llu left to the kernel (%s: %s)",
			 (unsigned long long)(files - paced), wb_human(bytes - paced_bytes, b, sizeof(b)),
			 writer ? "written before the process had written one chunk"
				: "the process wrote less than one chunk in all");
	c[0] = '\0';
	if (peak) {
		wb_human(peak, c, sizeof(c));
		strcat(c, " peak in flight of a ");
	}
	if (rate_from)
		snprintf(at, sizeof(at), "the device's rate %.1f MB/s (%s)", (double)rate / 1048576.0,
			 rate_from);
	else
		snprintf(at, sizeof(at), "the devices' rates below");
	wb_log_emit(WB_LOG_INFO,
		    "summary: %llu file%s written, %llu paced (%s in %llu chunks)%s; "
		    "%s%s budget per device; waited %.0f ms in %llu waits; "
		    "slept %.0f ms in %llu pacing sleeps, %s%s",
		    (unsigned long long)files, files == 1 ? "" : "s", (unsigned long long)paced,
		    wb_human(paced_bytes, a, sizeof(a)), (unsigned long long)wb_load(&wb_totals.chunks),
		    left, c, wb_human(budget, d, sizeof(d)),
		    (double)wb_load(&wb_totals.wait_ns) / 1e6,
		    (unsigned long long)wb_load(&wb_totals.waits),
		    (double)wb_load(&wb_totals.pace_ns) / 1e6,
		    (unsigned long long)wb_load(&wb_totals.pace_sleeps), at, extra);
}

void wb_stats_report(int fd, const struct wb_stats *stats, const char *why, uint64_t rate,
		     const char *rate_from)
{
	char link[64], path[256];
	ssize_t len;

	if (wb_log_level < WB_LOG_INFO)
		return;
	wb_totals_add(stats);
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
		    (double)rate / 1048576.0, rate_from);
}
