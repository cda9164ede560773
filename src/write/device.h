/* One backing device: its writeback budget and its pacing.
 *
 * The kernel keeps one writeback state per backing device (struct bdi_writeback):
 * a slow USB stick does not slow the writers of the system disk. So does the
 * shim: bytes in flight (budget.h) and pacing (pace.h) are kept per device,
 * keyed by st_dev for files (the filesystem's device) and st_rdev for block
 * device nodes. The device of an fd is looked up once, when it is classified,
 * and kept in its struct wb_file: the write path does no lookup.
 *
 * Table: WB_DEVICE_MAX entries, claimed by a compare-and-swap on the key, never
 * freed (a pointer stays valid for the life of the process). A process that
 * writes to more devices than that shares one overflow entry among the rest.
 * Every field is a relaxed atomic or guarded by the entry's try-lock (pacing's
 * estimate): nothing here blocks, and a signal handler that finds the try-lock
 * taken skips the step. After fork() the child starts every device from nothing
 * in flight (the rate estimate, the disk's, stays). */
#ifndef WB_DEVICE_H
#define WB_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rate.h"

#define WB_DEVICE_MAX 32

struct wb_device {
	uint64_t key;      /* atomic: dev_t + 1; 0: free */
	/* The budget (budget.h). */
	uint64_t inflight; /* atomic: bytes kicked and not yet waited for or dropped */
	uint64_t retired;  /* atomic: bytes taken off `inflight`, in all */
	/* Pacing (pace.c): the try-lock guards `est` and `flow`. */
	unsigned char lock;
	struct wb_rate est;
	struct wb_flow flow;
	uint64_t rate_now;  /* atomic: est.rate, read without the lock */
	unsigned samples_now; /* atomic: est.samples, read without the lock */
	bool pace_writers;  /* atomic: the flow's last answer */
	uint64_t paid_till; /* atomic: CLOCK_MONOTONIC ns up to which paced writes are paid */
	uint64_t unreaped;  /* atomic: paced bytes since the last look for completions */
	uint64_t keep_next_look; /* atomic: ns before which its closed files are not looked at (keep.c) */
	uint64_t flow_bytes, flow_ours_ns; /* atomic: for the flow, since its last note */
	/* Statistics (atomic): what its writers wrote, slept and waited. */
	uint64_t written, sleeps, slept_ns, waits, waited_ns;
};

/* The device behind a file (st_dev) or a block device node (st_rdev). Never NULL. */
struct wb_device *wb_device_of(dev_t backing);

/* Its dev_t; false for the shared overflow entry. */
bool wb_device_id(const struct wb_device *device, dev_t *backing);

/* Has a window measured the device while busy (pace.c)? Else its rate is the
 * starting guess or a lower bound, and may be far below the disk's. */
bool wb_device_measured(const struct wb_device *device);

/* Where its rate estimate comes from, for summaries: "device" (a window in which
 * the device had work queued most of the time measured it), "at_least" (only
 * windows whose queue ran dry moved it: the device did at least that, maybe more),
 * "guess" (nothing seen yet: the 100 MB/s start). */
const char *wb_device_rate_from(const struct wb_device *device);

/* What one device went through, for summaries. */
struct wb_device_summary {
	dev_t dev;          /* meaningless if `overflow` */
	bool overflow;      /* the entry shared by devices past the table's size */
	uint64_t rate;      /* the estimate, bytes per second */
	const char *rate_from; /* wb_device_rate_from() */
	uint64_t written;   /* bytes written to tracked files on it */
	uint64_t sleeps, slept_ns; /* pacing sleeps */
	uint64_t waits, waited_ns; /* waits at the budget */
	uint64_t inflight;  /* bytes in flight now */
};

/* Call fn for every device this process has written to (best effort, no lock). */
void wb_device_each(void (*fn)(const struct wb_device_summary *, void *), void *arg);

/* One line per device at WBSHIM_VERBOSE=1 (exit). */
void wb_device_report_all(void);

/* atfork child: nothing in flight, no pacing debt, no lock held, on every device. */
void wb_device_after_fork(void);

#endif
