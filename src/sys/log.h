/* Diagnostics and per-file statistics.
 *
 * Messages look like "wbshim[dd 1234]: ..." and go, with the real write(), to stderr
 * or to the file named by WBSHIM_LOG. Silent by default except for warnings. */
#ifndef WB_LOG_H
#define WB_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum wb_log_level { WB_LOG_WARN = 0, WB_LOG_INFO = 1, WB_LOG_DEBUG = 2 };

extern int wb_log_level;

/* Open the log target (NULL = stderr) and set the level. Called once from init. */
void wb_log_setup(const char *path, int level);

/* printf-style; one write() per message, so lines from threads do not interleave. */
void wb_log_emit(enum wb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define wb_log(level, ...)                                \
	do {                                              \
		if ((int)(level) <= wb_log_level)         \
			wb_log_emit((level), __VA_ARGS__); \
	} while (0)

/* What one tracked file went through: relaxed atomics, except `bytes`, which is
 * counted under the slot lock. Statistics only: nothing depends on them. */
struct wb_stats {
	uint64_t bytes;         /* bytes the program wrote */
	uint64_t chunks;        /* writeback kicks */
	uint64_t waits;         /* waits (settled, or WAIT_AFTER without cachestat) */
	uint64_t wait_ns;       /* time spent in them */
	uint64_t wait_ns_max;   /* the longest one */
	uint64_t errors;        /* writeback errors seen */
	uint64_t pace_sleeps;   /* pacing sleeps (pace.h) */
	uint64_t pace_ns;       /* time slept in them */
};

/* CLOCK_MONOTONIC in nanoseconds: how long waits take. */
uint64_t wb_now_ns(void);

void wb_stats_add(uint64_t *counter, uint64_t amount);
void wb_stats_max(uint64_t *counter, uint64_t value);

/* One summary line for fd (its path from /proc/self/fd) at WB_LOG_INFO, with its
 * device's rate estimate (bytes per second) and where that comes from; the file's
 * counts are added to the process's totals. */
void wb_stats_report(int fd, const struct wb_stats *stats, const char *why, uint64_t rate,
		     const char *rate_from);

/* What the whole process went through, summed from the per-file reports (and from
 * the counters below that other layers may feed): relaxed atomics, no lock, so a
 * signal handler's close() may add to them. Statistics only. */
struct wb_totals {
	uint64_t files;        /* files reported: written to and closed or open at exit */
	uint64_t paced;        /* of them, those whose writeback we started */
	uint64_t bytes;        /* bytes written to all of them */
	uint64_t paced_bytes;  /* bytes written to the paced ones */
	uint64_t chunks;       /* writeback kicks */
	uint64_t waits;        /* waits for writeback */
	uint64_t wait_ns;      /* time spent in them */
	uint64_t pace_sleeps;  /* sleeps for pacing */
	uint64_t pace_ns;      /* time slept in them */
	uint64_t peak_inflight; /* most bytes in flight on one device at once */
	uint64_t read_dropped; /* source bytes dropped behind reads */
};

extern struct wb_totals wb_totals;

/* The process's one summary line at WB_LOG_INFO (exit): what was paced, what was left
 * to the kernel and why, or that the process wrote nothing it could pace. `writer`
 * says whether the process passed one chunk written (budget.h); `budget` is the
 * process's bound in bytes; `rate` (bytes per second) and `rate_from` the estimate
 * of the one device it wrote to; `rate_from` NULL for several (each has its line). */
void wb_totals_report(bool writer, uint64_t budget, uint64_t rate, const char *rate_from);

#endif
