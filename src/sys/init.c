/* Start-up and shut-down. Start-up runs once, on the first door call or from our
 * constructor, whichever comes first: a door can run before constructors (another
 * preloaded library's constructor may write), so nothing may depend on them. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "budget.h"
#include "device.h"
#include "fdtable.h"
#include "keep.h"
#include "keeperrno.h"
#include "log.h"
#include "pace.h"
#include "readmap.h"
#include "real.h"

int wb_state = WB_STATE_NEW;
int wb_pid;
#if defined(__x86_64__) || defined(__aarch64__)
bool wb_spawned;
#else
bool wb_spawned = true; /* no vfork door here: always ask */
#endif

/* Set while this thread runs start-up, so that a door reached from inside it
 * (a signal handler, a dlsym that writes) passes through instead of waiting on itself. */
static __thread bool wb_starting_here __attribute__((tls_model("initial-exec")));

static void wb_report_open(int fd, struct wb_slot *slot)
{
	struct wb_file *file = slot->file;

	/* A file that was only classified (a seek, a duplicate fd) has nothing to report. */
	if (!file || !file->device || __atomic_load_n(&file->stats.bytes, __ATOMIC_RELAXED) == 0)
		return;
	wb_stats_report(fd, &file->stats, "at exit", wb_pace_rate(file->device),
			wb_device_rate_from(file->device));
}

/* The rate of the one device the process wrote to (rate_from NULL: several). */
struct wb_one_device {
	unsigned int devices;
	uint64_t rate;
	const char *rate_from;
};

static void wb_note_device(const struct wb_device_summary *s, void *arg)
{
	struct wb_one_device *one = arg;

	one->devices++;
	one->rate = s->rate;
	one->rate_from = s->rate_from;
}

/* Files still open at exit never reach close(): summarise them here. Closed files
 * still noted are dropped as far as they are clean, without waiting: exit is not
 * delayed by us. */
__attribute__((destructor)) static void wb_finish(void)
{
	if (__atomic_load_n(&wb_state, __ATOMIC_ACQUIRE) != WB_STATE_ACTIVE)
		return;
	if (wb_vforked())
		return; /* a vfork child calling exit(): the queue is the parent's */
	if (wb_log_level >= WB_LOG_INFO) {
		struct wb_one_device one = { 0 };

		wb_table_each_tracked(wb_report_open);
		wb_device_each(wb_note_device, &one);
		if (one.devices != 1)
			one = (struct wb_one_device){ .rate_from = one.devices ? NULL : "guess",
						      .rate = WB_RATE_GUESS };
		/* One line per process, so "not reached" never looks like "nothing written". */
		wb_totals_report(wb_budget_writer(), wb_budget_bytes(), one.rate, one.rate_from);
	}
	wb_map_exit();
	wb_keep_exit();
	wb_device_report_all();
}

/* atfork child: locks, cached offsets, and what belongs to the parent. */
static void wb_after_fork(void)
{
	__atomic_store_n(&wb_pid, (int)wb_syscall(SYS_getpid, 0), __ATOMIC_RELAXED);
	wb_table_after_fork();
	wb_keep_after_fork();
	wb_map_after_fork();
	memset(&wb_totals, 0, sizeof(wb_totals)); /* the parent's files are the parent's to sum */
	wb_device_after_fork();
}

bool wb_start(void)
{
	int expected = WB_STATE_NEW;
	const char *missing;
	int next;

	if (wb_starting_here)
		return false;
	if (!__atomic_compare_exchange_n(&wb_state, &expected, WB_STATE_STARTING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread is starting up: it takes microseconds. */
		while ((expected = __atomic_load_n(&wb_state, __ATOMIC_ACQUIRE)) == WB_STATE_STARTING)
			sched_yield();
		return expected == WB_STATE_ACTIVE;
	}
	wb_starting_here = true;
	__atomic_store_n(&wb_pid, (int)wb_syscall(SYS_getpid, 0), __ATOMIC_RELAXED);
	missing = wb_real_resolve();
	wb_config_load(&wb_cfg);
	next = WB_STATE_ACTIVE;
	if (missing) {
		wb_log(WB_LOG_WARN, "libc symbol %s not found; passing everything through", missing);
		next = WB_STATE_OFF;
	} else if (wb_cfg.disable) {
		next = WB_STATE_OFF;
	} else if (pthread_atfork(NULL, NULL, wb_after_fork) != 0) {
		wb_log(WB_LOG_WARN, "pthread_atfork failed; passing everything through");
		next = WB_STATE_OFF;
	} else {
		wb_log(WB_LOG_DEBUG, "active: chunk=%llu depth=%u drop=%d",
		       (unsigned long long)wb_cfg.chunk, wb_cfg.depth, wb_cfg.drop);
	}
	wb_starting_here = false;
	__atomic_store_n(&wb_state, next, __ATOMIC_RELEASE);
	return next == WB_STATE_ACTIVE;
}

__attribute__((constructor)) static void wb_constructor(void)
{
	WB_KEEP_ERRNO;
	(void)wb_ready();
}
